-- Installed copies find their modules from where they are: `make install`
-- into a throw-away prefix, then the installed gpucloud and gpucloud-sim
-- run from elsewhere with no LUA_PATH or LUA_CPATH, under lua5.4 (their
-- shebang) and LuaJIT. And README's REPL lines work as written.

local server = require "gpucloud.sim.server"
local json = require "gpucloud.json"

local q = server.shell_quote
local ROOT = server.lua_dir():gsub("/lua$", "")

-- A command's output (stdout and stderr) and whether it exited 0.
local function sh(cmd)
  local p = assert(io.popen("( " .. cmd .. " ) 2>&1; echo \"rc=$?\""))
  local out = p:read("*a")
  p:close()
  local body, rc = out:match("^(.-)rc=(%d+)%s*$")
  return body or out, rc == "0"
end

-- Nothing from this checkout on the search paths, and not in it.
local function clean(cmd, dir)
  return "cd " .. q(dir or "/") .. " && env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4 " .. cmd
end

-- #once: the same commands whichever interpreter runs busted (make spec runs it under lua5.4 only)
describe("installed copies #once", function()
  local tmp, prefix

  setup(function()
    tmp = assert(sh("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-install.XXXXXX\"")):gsub("%s+$", "")
    prefix = tmp .. "/opt"
    local out, ok = sh("cd " .. q(ROOT) .. " && make -s install PREFIX=" .. q(prefix))
    assert(ok, out)
  end)
  teardown(function()
    if tmp then sh("rm -rf -- " .. q(tmp)) end
  end)

  it("gpucloud-sim runs the installed gpucloud against a simulator, with no LUA_PATH", function()
    local out, ok = sh(clean(q(prefix .. "/bin/gpucloud-sim") .. " run -- "
      .. q(prefix .. "/bin/gpucloud") .. " vast show endpoints --json"))
    assert(ok, out)
    local doc = assert(json.decode(out))
    assert.equal(6, #doc)
    assert.equal(101, doc[1].id)
  end)

  it("the installed gpucloud (lua5.4) runs the installed bytecode, and an edited module's source", function()
    -- a module's chunk name says where it came from: make compiled lua/...,
    -- Lua's searcher reads the installed source
    local hook = "local exit = os.exit os.exit = function(c) io.stderr:write('SOURCE ', "
      .. "debug.getinfo(package.loaded['gpucloud.cli'].main, 'S').source, '\\n') exit(c) end"
    local run = clean("lua5.4 -e " .. q(hook) .. " " .. q(prefix .. "/bin/gpucloud") .. " help >/dev/null")
    local out, ok = sh(run)
    assert(ok, out)
    assert.equal("SOURCE @lua/gpucloud/cli.lua", out:match("SOURCE [^\n]+"))
    assert(sh("touch " .. q(prefix .. "/share/lua/5.4/gpucloud/cli.lua")))
    out, ok = sh(run)
    assert(ok, out)
    assert.equal("SOURCE @" .. prefix .. "/bin/../share/lua/5.4/gpucloud/cli.lua", out:match("SOURCE [^\n]+"))
  end)

  it("make install makes the bytecode it installs, without a make before it", function()
    -- (a dry run with the bytecode's directory elsewhere: what a fresh tree would do)
    local out, ok = sh("cd " .. q(ROOT) .. " && make -n install ABIS=5.4 PREFIX=" .. q(prefix)
      .. " BYTECODE_DIR=" .. q(tmp .. "/bc"))
    assert(ok, out)
    assert.truthy(out:find("tools/bytecode.lua lua/gpucloud/cli.lua", 1, true), out)
  end)

  it("gpucloud-sim start and stop work installed", function()
    local out, ok = sh(clean(q(prefix .. "/bin/gpucloud-sim") .. " start"))
    assert(ok, out)
    local sim_prefix = assert(out:match("export GPUCLOUD_SIM_PREFIX='?([^'\n]+)'?"), out)
    local url = assert(out:match("export VAST_URL='?([^'\n]+)'?"))
    out, ok = sh(clean("VAST_URL=" .. q(url) .. " VAST_API_KEY=vast-sim-key-0123456789abcdef "
      .. q(prefix .. "/bin/gpucloud") .. " vast delete workergroup 201 --json"))
    assert(ok, out)
    out, ok = sh(clean(q(prefix .. "/bin/gpucloud-sim") .. " stop " .. q(sim_prefix)))
    assert(ok, out)
  end)

  for _, interp in ipairs { "lua5.4", "luajit" } do
    it("the installed repl loads the installed modules and core under " .. interp, function()
      local abi = interp == "luajit" and "5.1" or "5.4"
      local input = 'package.searchpath("gpucloud", package.path)\n'
        .. 'package.searchpath("gpucloud.core", package.cpath)\nvast:show_endpoints()\n'
      local out, ok = sh(clean("printf %s " .. q(input) .. " | " .. interp .. " " .. q(prefix .. "/bin/gpucloud")
        .. " repl --sim"))
      assert(ok, out)
      local bin = prefix .. "/bin/../"
      assert.match("\n" .. (bin .. "share/lua/" .. abi .. "/gpucloud/init.lua"):gsub("%p", "%%%0") .. "\n", out)
      assert.match("\n" .. (bin .. "lib/lua/" .. abi .. "/gpucloud/core.so"):gsub("%p", "%%%0") .. "\n", out)
      assert.match("%(6 items%)", out)
      assert.not_match("table: 0x", out)
    end)
  end
end)

describe("README #once", function()
  local function section(name)
    local f = assert(io.open(ROOT .. "/README.md", "rb"))
    local text = f:read("*a")
    f:close()
    local body = assert(text:match("\n## " .. name .. "\n(.-)\n## "), "README has no section " .. name)
    return body
  end

  it("the REPL section's commands work as written (HOME a throw-away directory)", function()
    local block = assert(section("REPL"):match("```sh\n(.-)```"))
    local home = assert(sh("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-home.XXXXXX\"")):gsub("%s+$", "")
    finally(function() sh("rm -rf -- " .. q(home)) end)
    local ran = 0
    for line in block:gmatch("[^\n]+") do
      local cmd = line:gsub("%s+#.*$", "")
      if cmd:match("%S") then
        -- a REPL gets a listing to print, then the end of its input
        local input = cmd:match("gpucloud repl") and "printf 'vast:show_endpoints()\\n' | " or ""
        local out, ok = sh("cd " .. q(ROOT) .. " && " .. input .. "env -u LUA_PATH -u LUA_CPATH HOME=" .. q(home)
          .. " sh -c " .. q(cmd))
        assert(ok, cmd .. ": " .. out)
        assert.not_match("table: 0x", out)
        if cmd:match("%-%-sim") then assert.match("%(6 items%)", out) end
        ran = ran + 1
      end
    end
    assert.is_true(ran >= 3)
  end)
end)
