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
    -- both ABIs: lua5.4 reads share/lua/5.4, LuaJIT (and nginx) share/lua/5.1
    for _, abi in ipairs { "5.4", "5.1" } do
      for _, f in ipairs(lines(sh("cd lua && find gpucloud -type f \\( -name '*.lua' -o -name '*.json' \\)"))) do
        want[#want + 1] = "./share/lua/" .. abi .. "/" .. f
      end
      want[#want + 1] = "./lib/lua/" .. abi .. "/gpucloud/core.so"
    end
    want[#want + 1] = "./bin/gpucloud"
    want[#want + 1] = "./bin/gpucloud-sim"
    table.sort(want)
    assert.same(want, found)
  end)

  -- Each interpreter must find the core built for its own ABI: a 5.4 core
  -- in LuaJIT fails with "undefined symbol: lua_newuserdatauv".
  for _, case in ipairs { { "lua5.4", "5.4", "Lua 5.4" }, { "luajit", "5.1", "Lua 5.1" } } do
    local interp, abi, version = case[1], case[2], case[3]
    it(interp .. " loads gpucloud with build/" .. abi .. " on package.cpath", function()
      local script = [[
        local g = require "gpucloud"
        local core = require "gpucloud.core"
        io.write(_VERSION, "|", g._VERSION, "|", core._VERSION, "|",
          package.searchpath("gpucloud.core", package.cpath))]]
      local out, ok = sh("LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./build/" .. abi .. "/?.so;;' "
        .. interp .. " -e '" .. script .. "' 2>&1")
      assert.truthy(ok, out)
      assert.equal(version .. "|gpucloud 0.2.0|0.2.0|./build/" .. abi .. "/gpucloud/core.so", out)
    end)
  end

  it("README's nginx.conf snippet is examples/openresty/nginx.conf", function()
    local snippet = sh("cat README.md"):match("```nginx\n(.-)```")
    local conf = sh("cat examples/openresty/nginx.conf")
    -- the file's header comment (how to run it) is not part of the snippet
    while conf:match("^#") or conf:match("^\n") do conf = conf:gsub("^[^\n]*\n", "", 1) end
    assert.equal(conf, snippet)
  end)
end)
