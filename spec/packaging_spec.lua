-- The rockspec and the Makefile must ship exactly what the tree has: a
-- module added without a row here would work in the tree and be missing
-- from every install.

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  local ok = p:close()
  return out, ok
end

local function lines(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
  table.sort(t)
  return t
end

local function rockspec()
  local env = {}
  local chunk = assert(loadfile("gpucloud-scm-1.rockspec", "t", env))
  if setfenv then setfenv(chunk, env) end -- luacheck: ignore
  chunk()
  return env
end

describe("packaging", function()
  it("the rockspec lists every Lua module and C source in the tree", function()
    local spec = rockspec()
    local files, c_sources = {}, nil
    for name, v in pairs(spec.build.modules) do
      if type(v) == "string" then
        files[#files + 1] = v
        local expect = "lua/" .. name:gsub("%.", "/") .. ".lua"
        if v:match("/init%.lua$") then expect = "lua/" .. name:gsub("%.", "/") .. "/init.lua" end
        assert.equal(expect, v)
      else
        c_sources = v.sources
      end
    end
    for _, v in pairs(spec.build.install.lua or {}) do files[#files + 1] = v end
    table.sort(files)
    assert.same(lines(sh("find lua -type f \\( -name '*.lua' -o -name '*.json' \\)")), files)
    table.sort(c_sources)
    assert.same(lines(sh("ls src/*.c")), c_sources)
  end)

  it("luarocks lint accepts the rockspec", function()
    local out, ok = sh("luarocks lint gpucloud-scm-1.rockspec 2>&1")
    assert.truthy(ok, out)
  end)

  it("make install uses the standard layout", function()
    local dir = os.tmpname()
    os.remove(dir)
    local out, ok = sh("make -s install PREFIX=" .. dir .. " 2>&1")
    assert.truthy(ok, out)
    local found = lines(sh("cd " .. dir .. " && find . -type f | sort"))
    sh("rm -rf " .. dir)
    local want = {}
    for _, f in ipairs(lines(sh("cd lua && find gpucloud -type f \\( -name '*.lua' -o -name '*.json' \\)"))) do
      want[#want + 1] = "./share/lua/5.4/" .. f
    end
    want[#want + 1] = "./lib/lua/5.4/gpucloud/core.so"
    want[#want + 1] = "./bin/gpucloud-sim"
    table.sort(want)
    assert.same(want, found)
  end)
end)
