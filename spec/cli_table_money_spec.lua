-- Money in tables: an amount sent as decimal text ("0.74", RunPod's pod
-- cost) shows as money and counts in the total; what is not money where
-- money is due is marked and counted apart, never shown as if it were an
-- amount nor silently left out of the total (on main 01ca425, "0.74"
-- showed as 0.74 and the total left it out as "without a cost").

local cli = require "support.cli"
local server = require "gpucloud.sim.server"
local tbl = require "gpucloud.cli.table"

local function cols(...)
  local out = { { field = "id", title = "id" } }
  for _, c in ipairs { ... } do out[#out + 1] = c end
  return out
end

local COST = { field = "cost", title = "$/h", format = "money/h" }

describe("cli/table: money", function()
  it("decimal text is money, in its cell and in the total", function()
    local text = tbl.render({ { id = 1, cost = "0.74" }, { id = 2, cost = 2.99 }, { id = 3, cost = "-.5" } },
      cols(COST), true, 0)
    assert.match("\n1 +%$0%.74/h\n", text)
    assert.match("\n3 +%-%$0%.50/h\n", text)
    assert.match("\ntotal +%$3%.23/h\n%(3 items%)$", text)
  end)

  it("what is not money is marked ?, counted apart, and not in the total; no amount is -", function()
    local text = tbl.render({ { id = 1, cost = "cheap" }, { id = 2, cost = 1 }, { id = 3 }, { id = 4, cost = "0x10" } },
      cols(COST), true, 0)
    assert.match("\n1 +%?cheap\n", text)
    assert.match("\n3 +%-\n", text)
    assert.match("\n4 +%?0x10\n", text)
    assert.match("\ntotal +%$1%.00/h\n%(4 items, 1 without a cost, 2 not money %(%?%), not in the total%)$", text)
    -- nothing known at all: no total, rather than a $0.00 that is not one
    assert.match("\ntotal +%-\n", tbl.render({ { id = 1, cost = "n/a" } }, cols(COST), true, 0))
  end)

  it("a difference has its sign, an optional column is blank where absent, a rate is never summed", function()
    local diff = { field = "d", title = "difference", format = "+money" }
    local next_cost = { field = "n", title = "after", format = "money/h", optional = true }
    local rate = { field = "r", title = "$/GB/month", format = "rate" }
    local text = tbl.render({ { id = 1, d = 1.252, n = 0.5, r = 0.1 }, { id = 2, d = -3, r = 0.2 }, { id = 3, d = 0.001 } },
      cols(diff, next_cost, rate), true, 0)
    assert.match("\n1 +%+%$1%.252 +%$0%.50/h +%$0%.10\n", text)
    assert.match("\n2 +%-%$3%.00 +%$0%.20\n", text)
    assert.match("\n3 +%+%$0%.001\n", text)
    assert.match("\ntotal +%-%$1%.747 +%$0%.50/h\n%(3 items%)$", text)
    assert.equal("$0.00", tbl.FORMATS["+money"](0.0001))
  end)
end)

describe("gpucloud runpod pod list: a cost sent as text", function()
  local sim, run

  setup(function()
    sim = assert(server.start {})
    run = cli.runner(sim)
  end)
  teardown(function() if sim then sim:stop() end end)

  it("shows $0.74/h and counts it", function()
    local r = run.run(run.with("runpod", { "pod", "list" }))
    assert.equal(0, r.code, r.err)
    assert.match("\npod%-dev%-4090 +dev%-box +RUNNING [^\n]* %$0%.74/h ", r.out)
    assert.match("\ntotal +%$6%.71/h\n%(9 items%)\n", r.out)
  end)
end)
