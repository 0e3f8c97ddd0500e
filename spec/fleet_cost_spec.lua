-- What each fleet row costs (issue 21): every kind of every registered
-- provider has a known $/h or a stated reason; each source form of the cost rules (a
-- field, a quote, the user's price table, a derivation); a bad quote or a
-- bad amount leaves the cost unknown, never 0; pending price increases;
-- unknown ages say why; a plan counts a thing once.

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"
local fixture = require "gpucloud.sim.fixture"
local cost = require "gpucloud.fleet.cost"
local providers = require "gpucloud.providers"

local function no_env() end

describe("fleet costs per hour", function()
  local s, vast, tp

  setup(function()
    s = assert(server.start { config = { retry_after = "0" } })
  end)
  teardown(function() s:stop() end)

  before_each(function()
    assert(s:reset())
    vast = gpucloud.vast { url = s.url, api_key = s.keys.vast, getenv = no_env, backoff = { base = 0, max = 0 } }
    tp = gpucloud.tensorpool { url = s.url, api_key = s.keys.tensorpool, getenv = no_env,
                               backoff = { base = 0, max = 0 }, retries = 0 }
  end)
  after_each(function()
    vast:close()
    tp:close()
  end)

  -- fresh clients each time: a client's pacing would space two listings a second apart
  local function listed(opts)
    local quick = { base = 0, max = 0 }
    local o = { vast = gpucloud.vast { url = s.url, api_key = s.keys.vast, getenv = no_env, backoff = quick },
                tensorpool = gpucloud.tensorpool { url = s.url, api_key = s.keys.tensorpool, getenv = no_env,
                                                   retries = 0 } }
    for k, v in pairs(opts or {}) do o[k] = v end
    local rows, errs = gpucloud.fleet(o):list()
    assert.is_nil(errs)
    local by = {}
    for _, r in ipairs(rows) do by[r.key] = r end
    return rows, by
  end

  it("gives every kind of every registered provider a known $/h or a reason, and every row one of the two", function()
    -- a client of each provider the registry names, every host the simulator
    local clients = {}
    for _, name in ipairs(providers.names()) do
      local o = { api_key = s.keys[name], getenv = no_env, retries = 0, backoff = { base = 0, max = 0 } }
      for _, h in pairs(providers.spec(name).hosts) do o[h.option] = s.url end
      clients[name] = providers.get(name).new(o)
    end
    finally(function() for _, c in pairs(clients) do c:close() end end)
    local all = gpucloud.fleet(clients)
    local rows, errs = all:list()
    assert.is_nil(errs)
    local kinds, seen = all:kinds(), {}
    local want = 0
    for _, p in ipairs(providers.parts("fleet")) do
      for _ in pairs(p.module.kinds) do want = want + 1 end
    end
    assert.equal(want, #kinds, "every kind of every provider is listed")
    for _, r in ipairs(rows) do
      seen[r.provider .. ":" .. r.kind] = true
      if r.cost_per_hour ~= nil then
        assert.is_number(r.cost_per_hour)
        assert.is_true(r.cost_per_hour >= 0, r.key)
        assert.is_string(r.cost_source, r.key)
        assert.is_nil(r.cost_unknown, r.key)
      else
        assert.is_string(r.cost_unknown, r.key)
        assert.truthy(#r.cost_unknown > 10, r.key)
      end
      if r.created_at == nil then assert.is_string(r.age_unknown, r.key) end
    end
    for _, k in ipairs(kinds) do assert.truthy(seen[k], k .. " has no row in the fixture") end
  end)

  it("reads each kind's rule: a field, a stopped instance's disk, a quote, a derivation", function()
    local _, by = listed()
    local i = by["vast:instance:5001"]
    assert.same({ 0.452, "field dph_total" }, { i.cost_per_hour, i.cost_source })
    local stopped = by["vast:instance:5004"]
    assert.equal(0.245, stopped.cost_per_hour)
    assert.match("^field storage_total_cost; stopped", stopped.cost_source)
    assert.equal(0.02, by["vast:volume:3001"].cost_per_hour)
    assert.near(50 * 0.10 / 730, by["tensorpool:storage:s-scratch"].cost_per_hour, 1e-12)
    assert.match("^quote get_storage_quote%(50%)", by["tensorpool:storage:s-scratch"].cost_source)
    assert.equal(2.49, by["tensorpool:cluster:c-dev-h100"].cost_per_hour)
    assert.match("no prices.tensorpool.instance_types", by["tensorpool:cluster:c-train-a100x8"].cost_unknown, 1, true)
    assert.match("counted in vast:endpoint:101", by["vast:workergroup:201"].cost_unknown, 1, true)
    assert.match("runs on tensorpool:cluster:c-train-a100x8", by["tensorpool:job:j-train-001"].cost_unknown, 1, true)
    assert.match("no size", by["tensorpool:bucket:datasets-raw"].cost_unknown, 1, true)
    -- an endpoint without workers costs nothing; one whose workers are not listed instances: unknown
    assert.equal(0, by["vast:endpoint:104"].cost_per_hour)
    assert.match("vast:instance:1001 is not listed", by["vast:endpoint:101"].cost_unknown, 1, true)
    assert.match("vast:endpoint:101", by["vast:deployment:801"].cost_unknown, 1, true)
    assert.match("carries no creation time", by["tensorpool:cluster:c-train-a100x8"].age_unknown, 1, true)
    assert.is_nil(by["tensorpool:cluster:c-dev-h100"].age_unknown)
    -- quotes are asked once per size in a listing (s-scratch and s-legacy: 50 and 20 GB)
    local quotes = 0
    for _, e in ipairs(assert(s:log())) do
      if e.path == "/storage/quote" then quotes = quotes + 1 end
    end
    assert.equal(2, quotes)
  end)

  it("takes the user's prices where no answer carries a rate", function()
    local _, by = listed { prices = { tensorpool = {
      instance_types = { ["8xA100"] = 14.0, ["1xH100"] = 3.0 }, storage_gb_month = 0.10,
      object_storage_gb_month = 0.05 } } }
    local c = by["tensorpool:cluster:c-train-a100x8"]
    assert.equal(28.0, c.cost_per_hour) -- two nodes
    assert.match('price table prices.tensorpool.instance_types["8xA100"] x 2', c.cost_source, 1, true)
    assert.equal(2.49, by["tensorpool:cluster:c-dev-h100"].cost_per_hour, "the answer's own rate first")
    assert.match("has no price for 8xH100", by["tensorpool:cluster:c-prod-serving"].cost_unknown, 1, true)
    assert.has_error(function() gpucloud.fleet { vast = vast, prices = { tensorpool = { storage_gb_month = -1 } } } end)
    assert.has_error(function() gpucloud.fleet { vast = vast, prices = "cheap" } end)
  end)

  for _, case in ipairs {
    { "a text rate", { status = 200, json = { hourly_rate = "0.01" } }, "not a number" },
    { "no rate", { status = 200, json = { size = 50 } }, "answered no hourly_rate" },
    { "a negative rate", { status = 200, json = { hourly_rate = -0.5 } }, "negative" },
    { "a zero-looking null", { status = 200, json = { hourly_rate = json.null } }, "answered no hourly_rate" },
    { "a failure", { status = 500, body = "down" }, "failed" },
  } do
    it("leaves the cost unknown, never 0, on a bad quote answer: " .. case[1], function()
      local rule = case[2]
      rule.method, rule.path, rule.times = "GET", "/storage/quote", -1
      assert(s:inject(rule))
      local _, by = listed()
      for _, id in ipairs { "s-scratch", "s-legacy" } do
        local r = by["tensorpool:storage:" .. id]
        assert.is_nil(r.cost_per_hour)
        assert.match(case[3], r.cost_unknown, 1, true)
      end
      -- a price table still prices them; the quote's failure stays in neither
      local _, priced = listed { prices = { tensorpool = { storage_gb_month = 0.10 } } }
      assert.near(50 * 0.10 / 730, priced["tensorpool:storage:s-scratch"].cost_per_hour, 1e-12)
    end)
  end

  it("refuses a bad amount in an answer: a negative or missing dph_total is unknown, never counted", function()
    local fx = assert(fixture.load())
    fx.vast.instances = {
      json.object { id = 1, actual_status = "running", dph_total = -2, start_date = 1767225600 },
      json.object { id = 2, actual_status = "running", start_date = 1767225600 },
      json.object { id = 3, actual_status = "running", dph_total = 1.5, start_date = 1767225600 },
    }
    assert(s:reset(fx))
    local rows, by = listed()
    assert.match("negative", by["vast:instance:1"].cost_unknown, 1, true)
    assert.match("has no dph_total", by["vast:instance:2"].cost_unknown, 1, true)
    local plan = rows:filter { kind = "instance" }:plan()
    assert.equal(1.5, plan.cost_per_hour)
    assert.equal(2, plan.unknown_cost)
  end)

  it("derives an endpoint's $/h from its workers' instances, and a plan counts each once", function()
    local fx = assert(fixture.load())
    -- endpoint 102's workers 1006..1008 as instances
    for i, id in ipairs { 1006, 1007, 1008 } do
      fx.vast.instances[#fx.vast.instances + 1] = json.object { id = id, actual_status = "stopped",
        dph_total = 1, storage_total_cost = 0.1 * i, start_date = 1767225600 }
    end
    assert(s:reset(fx))
    local rows, by = listed()
    local ep = by["vast:endpoint:102"]
    assert.near(0.6, ep.cost_per_hour, 1e-9)
    assert.match("^derived: the sum of 3 things", ep.cost_source)
    local plan = rows:filter(function(r)
      return r.key == "vast:endpoint:102" or r.key == "vast:instance:1006" or r.key == "vast:instance:1007"
    end):plan()
    assert.near(0.6, plan.cost_per_hour, 1e-9)
    -- listed alone, the endpoint's instances are listed for it
    local only = assert(gpucloud.fleet { vast = gpucloud.vast { url = s.url, api_key = s.keys.vast, getenv = no_env } }
      :list { kinds = { "endpoint" } })
    for _, r in ipairs(only) do assert.equal("endpoint", r.kind) end
    assert.near(0.6, only:first { id = 102 }.cost_per_hour, 1e-9)
  end)

  it("carries a pending price increase as the next $/h, converted from $ per second, and when it starts", function()
    local _, by = listed()
    local i = by["vast:instance:5001"]
    assert.near(0.452 + (0.000125 - 0.000113) * 3600, i.next_cost_per_hour, 1e-9)
    assert.equal(1769817600, i.next_cost_starts)
    assert.match("converted from $ per second", i.next_cost_note, 1, true)
    assert.is_nil(by["vast:instance:5002"].next_cost_per_hour)
    local t = cost.totals({ i, by["vast:instance:5002"] })
    assert.near(0.452 + 0.398, t.now, 1e-9)
    assert.near(i.next_cost_per_hour + 0.398, t.after, 1e-9)
    assert.equal(1, t.changes)
    -- when the increases cannot be read, the rows say so
    assert(s:inject { method = "GET", path = "/api/v0/instances/pending-price-increases/", status = 500, body = "x",
      times = -1 })
    local _, by2 = listed()
    assert.match("show_pending_price_increases failed", by2["vast:instance:5001"].next_cost_unknown, 1, true)
    assert.equal(0.452, by2["vast:instance:5001"].cost_per_hour)
  end)
end)
