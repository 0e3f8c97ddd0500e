-- What loading the library loads (issue 23): `require "gpucloud"` loads no
-- provider, a Vast.ai client loads Vast.ai's rows and the one call path,
-- and one call adds the libcurl runtime and the key lookup; the fleet, the
-- other providers, the REPL, the simulator, list methods, bulk calls, paged
-- listings, Vast.ai's filters, the scheduler (a group of two tasks or more)
-- and the cosocket runtime wait for their first use. Sets of module names,
-- read in a fresh process, never times.

local server = require "gpucloud.sim.server"
local sub = require "spec.support.subprocess"

local function set(words)
  local t = {}
  for w in words:gmatch("%S+") do t[w] = true end
  return t
end

describe("loading", function()
  local s
  setup(function() s = assert(server.start {}) end)
  teardown(function() s:stop() end)

  it("loads only what require, a Vast.ai client and one call need; bulk calls and filters add their own", function()
    -- the steps' own lines: "STEP MS MODULE...", the modules each added
    local out, ok, err = sub.sh(string.format("env %s %s %s tools/load_steps.lua",
      sub.env_words { SIM_URL = s.url, VAST_API_KEY = s.keys.vast }, sub.ENV, sub.LUA), true)
    assert(ok, err)
    local steps, so_far = {}, {}
    for line in out:gmatch("[^\n]+") do
      local name, words = line:match("^(%w+) [%d.]+ ?(.*)$")
      for w in pairs(set(words)) do so_far[w] = true end
      steps[name] = {}
      for w in pairs(so_far) do steps[name][w] = true end
    end

    -- config is its parts (issue 19: the schema, the options read against
    -- it, the client's settings, the URLs) and the warning it may give
    local want = set [[gpucloud gpucloud.config gpucloud.args gpucloud.errors gpucloud.retry gpucloud.secrets
      gpucloud.json gpucloud.core gpucloud.providers gpucloud.config.schema gpucloud.config.options
      gpucloud.config.client gpucloud.config.urls gpucloud.warn]]
    assert.same(want, steps.require)
    for _, m in ipairs { "gpucloud.providers.vast", "gpucloud.define", "gpucloud.call", "gpucloud.pace",
                         "gpucloud.request", "gpucloud.runtime", "gpucloud.rows", "gpucloud.keys" } do
      want[m] = true
    end
    assert.same(want, steps.client)
    -- (call.lua asks keys.lua for the key) the call reads a list: list.lua comes with its first one
    want["gpucloud.runtime.curl"], want["gpucloud.list"] = true, true
    assert.same(want, steps.call)
    -- one id runs on the easy handle; the scheduler waits for two
    want["gpucloud.bulk"] = true
    assert.same(want, steps.bulk)
    want["gpucloud.runtime.scheduler"], want["gpucloud.runtime.stop"] = true, true
    assert.same(want, steps.bulk2)
    -- Vast.ai's select_filters at the first listing that checks filters
    want["gpucloud.providers.vast.filters"], want["gpucloud.pager"] = true, true
    assert.same(want, steps.filters)
  end)

  it("loads a provider at its constructor's first call, and reports a refused option at the caller's line", function()
    local out, ok, err = sub.lua(table.concat({
      'local gpucloud = require "gpucloud"',
      'print(package.loaded["gpucloud.providers.tensorpool"] == nil, package.loaded["gpucloud.providers.vast"] == nil)',
      "local okc, e = pcall(function()",
      "  gpucloud.tensorpool { nonsense = 1 } -- line 4",
      "end)",
      "print(okc, e)",
      'print(package.loaded["gpucloud.providers.tensorpool"] ~= nil, package.loaded["gpucloud.providers.vast"] == nil)',
    }, "\n"))
    assert(ok, err)
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.equal("true\ttrue", lines[1])
    assert.matches("^false\t.*:4: gpucloud%.tensorpool: unknown option 'nonsense'", lines[2])
    assert.equal("true\ttrue", lines[3])
  end)
end)
