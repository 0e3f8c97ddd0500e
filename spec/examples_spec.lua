-- The scripts under examples/ are what users copy: under every
-- interpreter, one that fails must say what failed (the error's own text),
-- not how Lua's assert took it.

local fixture = require "support.sim"
local sub = require "support.subprocess"

local q = sub.quote

describe("examples", function()
  -- real time: the scripts are child processes with their own clock
  local sim = fixture.use { real_time = true }

  local function run(script, env)
    local out, ok, err = sub.sh(string.format("env %s %s %s %s", sub.env_words(env), sub.ENV, sub.LUA, script), true)
    return out, ok, err
  end

  it("cleanup_idle_endpoints.lua refused by the server says so", function()
    local out, ok, err = run("examples/cleanup_idle_endpoints.lua --dry-run",
      { VAST_URL = sim.url, VAST_API_KEY = "not-the-key" })
    assert.is_false(ok, out)
    assert.matches("gpucloud: vast.show_endpoints: HTTP 401", err, 1, true)
  end)

  it("destroy_clusters.lua refused by the server says so", function()
    local out, ok, err = run("examples/destroy_clusters.lua " .. q("^ci%-") .. " --dry-run",
      { TENSORPOOL_ENGINE = sim.url, TENSORPOOL_KEY = "not-the-key" })
    assert.is_false(ok, out)
    assert.matches("gpucloud: tensorpool.list_clusters: HTTP 401", err, 1, true)
  end)

  it("cleanup_idle_endpoints.lua runs against the simulator", function()
    local out, ok, err = run("examples/cleanup_idle_endpoints.lua --dry-run",
      { VAST_URL = sim.url, VAST_API_KEY = sim.keys.vast })
    assert.is_true(ok, err)
    assert.matches("6 endpoints on", out, 1, true)
  end)
end)
