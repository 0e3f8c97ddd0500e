-- Load only what the command needs (issue 23): a provider's command loads
-- that provider's modules and none of the fleet, the REPL, the simulator,
-- help, completion or the other providers (so their rows are never built
-- into the parser). Asserted on the set of modules a real run loads.

local cli = require "support.cli"
local server = require "gpucloud.sim.server"
local fixture = require "support.sim"
local providers = require "gpucloud.providers"

local q = server.shell_quote

describe("gpucloud loads only what the command needs", function()
  -- real time: the command line is a child process with its own clock
  local sim = fixture.use { real_time = true }

  -- The modules `gpucloud WORDS...` loaded, as a set, and its exit status.
  local function loaded(words)
    local hook = "local before = {} for k in pairs(package.loaded) do before[k] = true end "
      .. "local exit = os.exit os.exit = function(c) for k in pairs(package.loaded) do "
      .. "if not before[k] then io.stderr:write('MODULE ', k, '\\n') end end exit(c) end"
    local env = {}
    for _, kv in ipairs(server.env(sim)) do
      if kv[2] then env[#env + 1] = q(kv[1] .. "=" .. kv[2]) end
    end
    local cmd = { "env", table.concat(env, " "), "XDG_CONFIG_HOME=/nonexistent", cli.LUA, "-e", q(hook), "bin/gpucloud" }
    for _, w in ipairs(words) do cmd[#cmd + 1] = q(w) end
    local p = assert(io.popen(table.concat(cmd, " ") .. " 2>&1 >/dev/null; echo \"exit=$?\""))
    local out = p:read("*a")
    p:close()
    local set = {}
    for name in out:gmatch("MODULE ([^\n]+)") do set[name] = true end
    return set, tonumber(out:match("exit=(%d+)"))
  end

  local function none_under(set, prefix)
    for name in pairs(set) do
      assert.is_false(name == prefix or name:sub(1, #prefix + 1) == prefix .. ".", name .. " was loaded")
    end
  end

  it("vast delete workergroup N: Vast.ai's modules, no fleet, REPL, simulator, help or other provider", function()
    local set, code = loaded { "vast", "delete", "workergroup", "201" }
    assert.equal(0, code)
    assert.is_true(set["gpucloud.providers.vast"])
    assert.is_true(set["gpucloud.providers.vast.cli"])
    -- a well-formed command line is read without lua-argparse
    assert.is_nil(set["argparse"])
    for _, prefix in ipairs { "gpucloud.fleet", "gpucloud.repl", "gpucloud.sim", "gpucloud.cli.help",
      "gpucloud.cli.fleet", "gpucloud.cli.completion", "gpucloud.cli.table", "gpucloud.providers.vast.fleet",
      -- issue 23: no config file to read, one id to delete, no listing, no filters
      "gpucloud.cli.settings", "gpucloud.runtime.scheduler", "gpucloud.runtime.stop", "gpucloud.list",
      "gpucloud.providers.vast.filters", "gpucloud.providers.vast.billing", "gpucloud.times" } do
      none_under(set, prefix)
    end
    for _, name in ipairs(providers.names()) do
      if name ~= "vast" then none_under(set, "gpucloud.providers." .. name) end
    end
  end)

  it("a listing loads the table printer, still no other provider; a usage error loads help", function()
    local set = loaded { "tensorpool", "cluster", "list" }
    assert.is_true(set["gpucloud.cli.table"])
    assert.is_nil(set["gpucloud.providers.vast"])
    none_under(set, "gpucloud.fleet")
    local code
    set, code = loaded { "vast", "delete", "workergroup" }
    assert.equal(2, code)
    assert.is_true(set["gpucloud.cli.help"])
    assert.is_true(set["argparse"]) -- its message
    assert.is_nil(set["gpucloud.providers.tensorpool"])
  end)
end)
