-- The rockspec and the Makefile must ship exactly what the tree has: a
-- module added without a row here would work in the tree and be missing
-- from every install. And what they install must work where it lands.

local cjson = require "cjson"
local server = require "gpucloud.sim.server"
local sub = require "support.subprocess"

local q = sub.quote

local function sh(cmd)
  return sub.sh(cmd)
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

-- Lua source: where(name) is the file `require` loads a C module from
-- (package.searchpath is 5.2's: PUC 5.1 lacks it).
local WHERE = [[
  local function where(name)
    for t in package.cpath:gmatch("[^;]+") do
      local f = t:gsub("%?", (name:gsub("%.", "/")))
      local h = io.open(f)
      if h then h:close() return f end
    end
  end
]]

local function tmpdir()
  return (assert(sh("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-pkg.XXXXXX\"")):gsub("%s+$", ""))
end

-- #jitonce: the same commands whichever interpreter runs busted (make spec runs it under LuaJIT
-- only, so that the two side-by-side runs share the one-time work: install_spec is lua5.4's)
describe("packaging #jitonce", function()
  -- luarocks allows no glob here (a rockspec runs in an empty environment,
  -- and builtin's own module detection would take src/*.c as modules), so
  -- every file under lua/ needs a row: this says which one.
  it("the rockspec lists every Lua module and C source in the tree", function()
    local spec = rockspec()
    local listed, c_sources = {}, nil
    for name, v in pairs(spec.build.modules) do
      if type(v) == "string" then
        listed[v] = true
        local expect = "lua/" .. name:gsub("%.", "/") .. ".lua"
        if v:match("/init%.lua$") then expect = "lua/" .. name:gsub("%.", "/") .. "/init.lua" end
        assert.equal(expect, v)
      else
        c_sources = v.sources
      end
    end
    for _, v in pairs(spec.build.install.lua or {}) do listed[v] = true end
    local tree = lines((sh("find lua -type f \\( -name '*.lua' -o -name '*.json' \\)")))
    local missing, stale = {}, {}
    for _, f in ipairs(tree) do
      if not listed[f] then
        local name = f:gsub("^lua/", ""):gsub("/init%.lua$", ""):gsub("%.lua$", ""):gsub("/", ".")
        missing[#missing + 1] = string.format('["%s"] = "%s",', name, f)
      end
      listed[f] = nil
    end
    for f in pairs(listed) do stale[#stale + 1] = f end
    table.sort(stale)
    assert.same({}, missing, "add to build.modules in gpucloud-scm-1.rockspec:\n" .. table.concat(missing, "\n"))
    assert.same({}, stale, "listed in gpucloud-scm-1.rockspec but not in lua/")
    table.sort(c_sources)
    assert.same(lines((sh("ls src/*.c"))), c_sources)
  end)

  it("luarocks lint accepts the rockspec", function()
    local out, ok = sh("luarocks lint gpucloud-scm-1.rockspec")
    assert.truthy(ok, out)
  end)

  it("make install uses the standard layout", function()
    local dir = os.tmpname()
    os.remove(dir)
    local out, ok = sh("make -s install PREFIX=" .. dir)
    assert.truthy(ok, out)
    local found = lines((sh("cd " .. dir .. " && find . -type f | sort")))
    sh("rm -rf " .. dir)
    local want = {}
    -- both ABIs: lua5.4 reads share/lua/5.4, LuaJIT (and nginx) share/lua/5.1
    for _, abi in ipairs { "5.4", "5.1" } do
      for _, f in ipairs(lines((sh("cd lua && find gpucloud -type f \\( -name '*.lua' -o -name '*.json' \\)")))) do
        want[#want + 1] = "./share/lua/" .. abi .. "/" .. f
      end
      want[#want + 1] = "./lib/lua/" .. abi .. "/gpucloud/core.so"
    end
    -- the command line's interpreter's bytecode, beside its core: every
    -- module but the simulator's (gpucloud.bytecode)
    for _, f in ipairs(lines((sh("cd lua && find gpucloud -name '*.lua' ! -path 'gpucloud/sim/*'")))) do
      want[#want + 1] = "./lib/lua/5.4/gpucloud/bytecode/lua5.4/" .. f
    end
    want[#want + 1] = "./bin/gpucloud"
    want[#want + 1] = "./bin/gpucloud-sim"
    -- completion where each shell looks, and the man page
    want[#want + 1] = "./share/bash-completion/completions/gpucloud"
    want[#want + 1] = "./share/zsh/site-functions/_gpucloud"
    want[#want + 1] = "./share/fish/vendor_completions.d/gpucloud.fish"
    want[#want + 1] = "./share/man/man1/gpucloud.1"
    table.sort(want)
    assert.same(want, found)
  end)

  -- Each interpreter must find the core built for its own ABI: a 5.4 core
  -- in LuaJIT fails with "undefined symbol: lua_newuserdatauv". PUC 5.1 and
  -- LuaJIT load the same build/5.1 core. The spec targets build 5.4 and 5.1,
  -- and the core of the interpreter running the suite.
  local interps = { { "lua5.4", "5.4" }, { "luajit", "5.1" }, { "lua5.1", "5.1" } }
  if sub.ABI == "5.2" or sub.ABI == "5.3" then interps[#interps + 1] = { sub.LUA, sub.ABI } end
  for _, case in ipairs(interps) do
    local interp, abi = case[1], case[2]
    it(interp .. " loads gpucloud with build/" .. abi .. " on package.cpath", function()
      local script = WHERE .. [[
        local g = require "gpucloud"
        local core = require "gpucloud.core"
        io.write(_VERSION, "|", g._VERSION, "|", core._VERSION, "|", where("gpucloud.core"))]]
      local out, ok = sh("LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./build/" .. abi .. "/?.so;;' "
        .. interp .. " -e " .. q(script))
      assert.truthy(ok, out)
      assert.equal("Lua " .. abi .. "|gpucloud 0.2.0|0.2.0|./build/" .. abi .. "/gpucloud/core.so", out)
    end)
  end

  -- The rock as README says to make it, offline, into a fresh tree: for
  -- Debian's default Lua (5.1) and for 5.4. luarocks builds in the source
  -- directory, so from a copy of what the rockspec names. Then, from
  -- outside the checkout: a script with `luarocks path` loads the rock's core
  -- and calls the simulator, and the wrapped `gpucloud` command, with no
  -- LUA_PATH at all, prints JSON.
  describe("luarocks make --deps-mode=none --tree T", function()
    local sim, work
    setup(function()
      sim = assert(server.start())
      work = tmpdir()
      local out, ok = sh("cp -R lua src bin gpucloud-scm-1.rockspec " .. q(work .. "/"))
      assert(ok, out)
    end)
    teardown(function()
      if sim then sim:stop() end
      if work then sh("rm -rf " .. q(work)) end
    end)

    for _, case in ipairs { { "", "5.1", "lua5.1" }, { "--lua-version 5.4 ", "5.4", "lua5.4" } } do
      local flag, abi, interp = case[1], case[2], case[3]
      it("luarocks " .. flag .. "make: the library and the gpucloud command work from the tree", function()
        local tree = work .. "/tree-" .. abi
        local out, ok = sh("cd " .. q(work) .. " && luarocks " .. flag .. "make --deps-mode=none --tree " .. q(tree))
        assert.truthy(ok, out)
        assert.not_match("implicit declaration", out)
        local core = tree .. "/lib/lua/" .. abi .. "/gpucloud/core.so"
        assert.truthy(io.open(core), out)

        local script = WHERE .. [[
          local vast = require("gpucloud").vast { url = os.getenv("SIM_URL"), api_key = os.getenv("SIM_KEY") }
          local eps = assert(vast:show_endpoints())
          assert(package.loaded["gpucloud.core"], "the call did not go through the core")
          io.write(_VERSION, "|", #eps, "|", where("gpucloud.core"))]]
        out, ok = sh("cd " .. q(work) .. " && eval \"$(luarocks " .. flag .. "--tree " .. q(tree) .. " path)\" && "
          .. "SIM_URL=" .. q(sim.url) .. " SIM_KEY=" .. q(sim.keys.vast) .. " " .. interp .. " -e " .. q(script))
        assert.truthy(ok, out)
        assert.equal("Lua " .. abi .. "|6|" .. core, out)

        local cli, cok, cerr = sub.sh("cd / && env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4"
          .. " VAST_URL=" .. q(sim.url) .. " VAST_API_KEY=" .. q(sim.keys.vast) .. " "
          .. q(tree .. "/bin/gpucloud") .. " vast show endpoints --json", true)
        assert.truthy(cok, cerr)
        assert.equal("", cerr)
        local eps = cjson.decode(cli)
        assert.equal(6, #eps)
        assert.equal("<hidden>", eps[1].api_key)
      end)
    end
  end)

  it("README's nginx.conf snippet is examples/openresty/nginx.conf", function()
    local snippet = sh("cat README.md"):match("```nginx\n(.-)```")
    local conf = sh("cat examples/openresty/nginx.conf")
    -- the file's header comment (how to run it) is not part of the snippet
    while conf:match("^#") or conf:match("^\n") do conf = conf:gsub("^[^\n]*\n", "", 1) end
    assert.equal(conf, snippet)
  end)
end)
