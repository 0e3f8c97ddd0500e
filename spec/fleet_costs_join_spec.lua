-- fleet:costs (issue 21): the charges joined to the fleet's rows by
-- contract, beside the estimate ($/h x time alive in the window): a thing
-- billed and deleted, a thing alive and not yet billed, an estimate and a
-- bill that differ by a set amount, a provider without charges, a failed
-- charges reading and a failed listing. The simulator's clock is fixed.

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"
local fixture = require "gpucloud.sim.fixture"
local costs = require "gpucloud.fleet.costs"

local function no_env() end
local DAY1, NOW = 1767225600, 1767312000 -- 2026-01-01 and 02, 00:00 UTC

describe("fleet:costs", function()
  local s, fx

  setup(function()
    s = assert(server.start { config = { retry_after = "0" } })
    fx = assert(fixture.load())
    -- alive since 06:00 and not billed yet
    fx.vast.instances[#fx.vast.instances + 1] = json.object { id = 5100, actual_status = "running",
      dph_total = 2.0, start_date = DAY1 + 6 * 3600, label = "fresh", _unbilled = true }
  end)
  teardown(function() s:stop() end)

  local fleet, clients
  before_each(function()
    assert(s:reset(fx))
    assert(s:config { now = NOW })
    local quick = { base = 0, max = 0 }
    clients = {
      vast = gpucloud.vast { url = s.url, api_key = s.keys.vast, getenv = no_env, backoff = quick, retries = 1 },
      tensorpool = gpucloud.tensorpool { url = s.url, api_key = s.keys.tensorpool, getenv = no_env, backoff = quick },
    }
    fleet = gpucloud.fleet(clients)
  end)
  after_each(function()
    for _, c in pairs(clients) do c:close() end
  end)

  local function report()
    local r, errs = fleet:costs { since = DAY1 + 60, ["until"] = NOW }
    local by = {}
    for _, row in ipairs(r.rows) do by[row.key] = row end
    return r, by, errs
  end

  it("puts what was billed beside the estimate, by contract", function()
    local r, by, errs = report()
    assert.is_nil(errs)
    assert.same({ DAY1, NOW }, { r.from, r.to }) -- whole UTC days back from `until`
    local i = by["vast:instance:5001"]
    assert.near(0.452 * 24, i.estimate, 1e-9)
    assert.near(i.estimate, i.billed, 0.001)
    assert.near(24, i.hours, 1e-9)
    -- the simulator bills 5002 $1.25 more than its rate says
    local odd = by["vast:instance:5002"]
    assert.near(1.25, odd.difference, 0.001)
    assert.near(odd.billed - odd.estimate, odd.difference, 1e-9)
  end)

  it("bills the window's days only: one that ends at midnight asks no charge of the next day", function()
    -- a day later, the simulator has billed 2026-01-02 too
    assert(s:config { now = NOW + 86400 })
    local r, errs = fleet:costs { since = DAY1, ["until"] = NOW }
    assert.is_nil(errs)
    local i
    for _, row in ipairs(r.rows) do
      if row.key == "vast:instance:5001" then i = row end
    end
    assert.near(0.452 * 24, i.estimate, 1e-9)
    assert.near(i.estimate, i.billed, 0.001)
  end)

  it("shows a thing billed and deleted as gone, with its bill and no estimate", function()
    clients.vast:destroy_instance(5006)
    local r, by = report()
    local g = by["vast:instance:5006"]
    assert.is_true(g.gone)
    assert.near(0.512 * (NOW - 1767226200) / 3600, g.billed, 0.001)
    assert.is_nil(g.estimate)
    assert.match("^gone", g.estimate_unknown)
    assert.is_true(by["vast:volume:2990"].gone, "deleted before the seed, billed in the window")
    assert.is_nil(by["vast:instance:4990"], "billed before the window only")
    assert.equal(2, r.totals.gone)
  end)

  it("shows a thing alive and not yet billed: an estimate, a bill of 0, said so", function()
    local r, by = report()
    local f = by["vast:instance:5100"]
    assert.is_true(f.unbilled)
    assert.equal(0, f.billed)
    assert.near(2.0 * 18, f.estimate, 1e-9)
    assert.near(-36, f.difference, 1e-9)
    assert.is_true(r.totals.unbilled >= 1)
  end)

  it("says which provider's bill cannot be read, and why an estimate is missing", function()
    local _, by = report()
    local c = by["tensorpool:cluster:c-dev-h100"]
    assert.is_nil(c.billed)
    assert.match("TensorPool has no billing call", c.billed_unknown, 1, true)
    assert.near(2.49 * 16, c.estimate, 1e-9) -- created 08:00, at $2.49
    assert.match("^cost unknown", by["tensorpool:cluster:c-train-a100x8"].estimate_unknown)
    assert.match("^age unknown", by["tensorpool:storage:s-datasets"].estimate_unknown)
  end)

  it("keeps the totals honest: estimates of known things, bills of readable providers", function()
    local r = report()
    local est, billed = 0, 0
    for _, row in ipairs(r.rows) do
      if row.estimate and not row.derived then est = est + row.estimate end
      billed = billed + (row.billed or 0)
    end
    assert.near(est, r.totals.estimate, 1e-9)
    assert.near(billed, r.totals.billed, 1e-9)
    local kinds = {}
    for _, g in ipairs(costs.group(r, "kind")) do kinds[g.group] = g end
    assert.equal(14, kinds.instance.things) -- the seed's 13, and 5100
    assert.near(1.25 - 36, kinds.instance.difference, 0.01)
  end)

  it("reports a failed charges reading, and no bill is taken for 0", function()
    assert(s:inject { method = "GET", path = "/api/v0/charges/", status = 500, body = "down", times = -1 })
    local r, by, errs = report()
    assert.equal(1, #errs)
    assert.equal("vast:charges", errs[1].fleet)
    assert.is_nil(by["vast:instance:5001"].billed)
    assert.match("could not be read", by["vast:instance:5001"].billed_unknown, 1, true)
    assert.is_true(r.totals.billed_unknown > 0)
  end)

  it("takes a charge whose amount is not money as an unreadable bill, never as 0", function()
    assert(s:inject { method = "GET", path = "/api/v0/charges/", status = 200, times = -1, json = {
      results = { { source = "instance-5001", amount = -3, start = DAY1, ["end"] = NOW },
                  { source = "instance-5002", amount = 4, start = DAY1, ["end"] = NOW } },
      next_token = json.null } })
    local r, by, errs = report()
    assert.equal(1, #errs)
    assert.equal("vast:charges", errs[1].fleet)
    assert.equal("bad_response", errs[1].code)
    assert.match("charge 1's amount is negative", tostring(errs[1]), 1, true)
    for _, key in ipairs { "vast:instance:5001", "vast:instance:5002" } do
      assert.is_nil(by[key].billed, key)
      assert.match("could not be read", by[key].billed_unknown, 1, true)
    end
    assert.equal(0, r.totals.billed)
  end)

  it("does not call a thing gone when its listing failed", function()
    assert(s:inject { method = "GET", path = "/api/v1/instances/", status = 500, body = "down", times = -1 })
    local _, by, errs = report()
    assert.equal("vast:instance", errs[1].fleet)
    local i = by["vast:instance:5001"]
    assert.is_nil(i.gone)
    assert.is_true(i.unlisted)
    assert.truthy(i.billed > 0)
  end)

  it("refuses a window it cannot use", function()
    assert.has_error(function() fleet:costs {} end)
    assert.has_error(function() fleet:costs { since = NOW, ["until"] = DAY1 } end)
    assert.has_error(function() fleet:costs { since = "yesterday" } end)
    assert.has_error(function() fleet:costs { since = DAY1, by = "kind" } end)
  end)
end)
