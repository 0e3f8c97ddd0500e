-- Issue 18, finding 3: a cost is a finite, non-negative number, or it is
-- unknown with a reason; sums leave out what is unknown and say how many.
-- A listing's -5 never became a saving of $-4.50/h, and 1e999 never $inf/h
-- again. Each failed on main (a1d925a).

local gpucloud = require "gpucloud"
local server = require "gpucloud.sim.server"

local LISTING = "/api/v1/instances/"

local function no_env() end

-- A listing page of instances whose dph_total is written as given (raw JSON).
local function listing(costs)
  local items = {}
  for i, c in ipairs(costs) do
    items[i] = string.format('{"id":%d,"actual_status":"exited","label":"x","dph_total":%s}', 7000 + i, c)
  end
  return '{"success":true,"next_token":null,"instances":[' .. table.concat(items, ",") .. "]}"
end

describe("finding 3: money is checked", function()
  local s, vast, fleet
  setup(function() s = assert(server.start {}) end)
  teardown(function() s:stop() end)
  before_each(function()
    assert(s:reset())
    vast = gpucloud.vast { url = s.url, api_key = s.keys.vast, getenv = no_env, retries = 0 }
    fleet = gpucloud.fleet { vast = vast }
  end)
  after_each(function() vast:close() end)

  local function rows_for(costs)
    assert(s:inject { method = "GET", path = LISTING, status = 200, body = listing(costs) })
    local rows, errs = fleet:list { kinds = { "instance" } }
    assert.is_nil(errs)
    return rows
  end

  it("a negative dph_total is no cost: unknown, with the reason, and the plan saves no negative", function()
    local rows = rows_for { "0.5", "-5" }
    assert.equal(0.5, rows[1].cost_per_hour)
    assert.is_nil(rows[2].cost_per_hour)
    assert.match("negative", rows[2].cost_unknown)
    local plan = rows:plan()
    assert.equal(0.5, plan.cost_per_hour)
    assert.equal(1, plan.unknown_cost)
    local text = tostring(plan)
    assert.match("saving %$0%.50/h %(1 without a known cost%)", text)
    assert.is_nil(text:find("$-", 1, true), text)
  end)

  it("1e999, a string, null: never $inf/h, never part of a sum", function()
    local rows = rows_for { "1e999", '"0.25"', "null", "2e9", "0.25" }
    for i = 1, 4 do
      assert.is_nil(rows[i].cost_per_hour, rows[i].key)
      assert.is_string(rows[i].cost_unknown, rows[i].key)
    end
    assert.equal(0.25, rows[5].cost_per_hour)
    local plan = rows:plan()
    assert.equal(0.25, plan.cost_per_hour)
    assert.equal(4, plan.unknown_cost)
    local text = tostring(plan)
    assert.is_nil(text:find("inf", 1, true), text)
    assert.match("%(4 without a known cost%)", text)
    assert.match("%$0%.25/h %(%+4 unknown%)", text)
  end)

  it("a plan of rows made by hand sums only what is a cost", function()
    local plan = fleet:plan {
      { provider = "vast", kind = "instance", id = 1, cost_per_hour = -5 },
      { provider = "vast", kind = "instance", id = 2, cost_per_hour = 0 / 0 },
      { provider = "vast", kind = "instance", id = 3, cost_per_hour = math.huge },
      { provider = "vast", kind = "instance", id = 4, cost_per_hour = 1.5 },
    }
    assert.equal(1.5, plan.cost_per_hour)
    assert.equal(3, plan.unknown_cost)
  end)

  it("gpucloud.money.per_hour says what a $/h value is", function()
    local money = require "gpucloud.money"
    assert.equal(0.5, money.per_hour(0.5))
    assert.equal(0, money.per_hour(-0.0))
    assert.equal("0", require("gpucloud.args").id_text(money.per_hour(-0.0)))
    for _, bad in ipairs { -1, 0 / 0, math.huge, -math.huge, 1e10, "1", true, {} } do
      local v, why = money.per_hour(bad)
      assert.is_nil(v, tostring(bad))
      assert.is_string(why)
    end
    assert.equal("not given", select(2, money.per_hour(nil)))
    assert.equal("$4.50/h", money.text(4.5))
  end)

  it("a kind with no price of its own says why on every row", function()
    local rows = assert(fleet:list { kinds = { "workergroup" } })
    for _, r in ipairs(rows) do
      assert.is_nil(r.cost_per_hour)
      assert.match("its workers bill as instances", r.cost_unknown, 1, true)
    end
  end)
end)
