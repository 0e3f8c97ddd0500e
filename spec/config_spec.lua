-- gpucloud.config: the options schema and what it makes: a client's
-- settings (its base URLs among them), each scope's options checked.

local gpucloud = require "gpucloud"
local no_env = require("support.transport").no_env

describe("base URLs", function()
  local function env(t) return function(name) return t[name] end end
  local function urls(opts)
    opts.api_key = "k"
    return gpucloud.vast(opts).urls
  end

  it("default to the real hosts", function()
    assert.same({ console = "https://console.vast.ai", run = "https://run.vast.ai" }, urls { getenv = no_env })
    assert.same({ engine = "https://engine.tensorpool.dev" },
      gpucloud.tensorpool { api_key = "k", getenv = no_env }.urls)
  end)

  it("follow the console override when only it is given", function()
    assert.same({ console = "http://127.0.0.1:9", run = "http://127.0.0.1:9" },
      urls { getenv = env { VAST_URL = "http://127.0.0.1:9/" } })
    assert.same({ console = "http://127.0.0.1:9", run = "http://127.0.0.1:9" },
      urls { url = "http://127.0.0.1:9", getenv = no_env })
    assert.same({ console = "http://a:1", run = "http://b:2" },
      urls { getenv = env { VAST_URL = "http://a:1", VAST_RUN_URL = "http://b:2" } })
    assert.same({ console = "http://c:3", run = "http://b:2" },
      urls { url = "http://c:3", getenv = env { VAST_URL = "http://a:1", VAST_RUN_URL = "http://b:2" } })
    assert.same({ engine = "http://127.0.0.1:7" },
      gpucloud.tensorpool { api_key = "k", getenv = env { TENSORPOOL_ENGINE = "http://127.0.0.1:7" } }.urls)
  end)
end)

describe("options", function()
  local config = require "gpucloud.config"
  local row = { method = "GET", query = { { "include_org", "boolean" } } }

  it("a call's: known names of the call scope, and the row's own query options", function()
    assert.same({ timeout = 5 }, config.call("x", row, { timeout = 5 }))
    assert.same({ include_org = true }, config.call("x", row, { include_org = true }))
    assert.has_error(function() config.call("x", row, { timout = 5 }) end, "x: unknown option 'timout'")
    assert.has_error(function() config.call("x", row, { include_org = "yes" }) end)
    assert.has_error(function() config.call("x", row, { concurrency = 2 }) end, "x: unknown option 'concurrency'")
  end)

  it("a bulk call's: the run's settings with their defaults, each call's options, paced unless told", function()
    local b, c = config.bulk("x", row, { concurrency = 2, timeout = 5, deadline = 9 })
    assert.equal(2, b.concurrency)
    assert.equal(config.default("max"), b.max)
    assert.equal(9, b.deadline)
    assert.same({ timeout = 5, rate = true }, c)
  end)

  it("a wait's: the schema's wait deadline unless given", function()
    assert.same({ deadline = 600, interval = 2 }, config.wait("x", nil))
    assert.equal(config.default("deadline", "wait"), config.wait("x", {}).deadline)
    assert.same({ deadline = 3, interval = 0 }, config.wait("x", { deadline = 3, interval = 0 }))
  end)

  it("a paged listing's: its settings apart, the page size at most the row's limit", function()
    local paged = { method = "GET", paged = { limit = 25 } }
    local s, c = config.paged("x", paged, { page_size = 5, timeout = 2 })
    assert.same({ max_pages = config.default("max_pages"), page_size = 5 }, s)
    assert.same({ timeout = 2, rate = true }, c)
    assert.has_error(function() config.paged("x", paged, { page_size = 26 }) end,
      "x: 'page_size' may be at most 25, got 26")
  end)

  it("the fleet's: its own defaults (it waits and paces)", function()
    local o = config.scoped("fleet:delete", "fleet", {})
    assert.is_true(o.wait)
    assert.is_true(o.rate)
    assert.equal(config.default("max"), o.max)
  end)
end)
