-- A fleet row has a cost or says why not, never both: cost_unknown goes
-- once a cost is known, whatever a kind's refinement left on the row (on
-- main 01ca425, RunPod's endpoint refinement set cost_per_hour beside the
-- reason the row was made with, and `fleet list` showed both).

local gpucloud = require "gpucloud"
local server = require "gpucloud.sim.server"
local providers = require "gpucloud.providers"
local cost = require "gpucloud.fleet.cost"

local function no_env() end

-- cost_per_hour a number and no cost_unknown, or the other way round.
local function one_of_them(r)
  local known, why = type(r.cost_per_hour) == "number", r.cost_unknown
  assert.is_true(known ~= (why ~= nil), r.key .. ": cost_per_hour " .. tostring(r.cost_per_hour)
    .. ", cost_unknown " .. tostring(why))
  if not known then assert.is_string(why, r.key) end
end

describe("fleet rows: a cost or why not, never both", function()
  local sim, clients, fleet

  setup(function() sim = assert(server.start {}) end)
  teardown(function() sim:stop() end)
  before_each(function()
    assert(sim:reset())
    clients = {}
    for _, name in ipairs(providers.names()) do
      if providers.has(name, "fleet") then
        clients[name] = gpucloud[name] { url = sim.url, api_key = sim.keys[name], getenv = no_env,
                                          backoff = { base = 0, max = 0 } }
      end
    end
    local o = {}
    for k, v in pairs(clients) do o[k] = v end
    fleet = gpucloud.fleet(o)
  end)
  after_each(function()
    for _, c in pairs(clients) do c:close() end
  end)

  it("every row of every provider, RunPod's endpoints after their refinement among them", function()
    local rows, errs = fleet:list()
    assert.is_nil(errs)
    local endpoints = 0
    for _, r in ipairs(rows) do
      one_of_them(r)
      if r.key:match("^runpod:endpoint:") and r.cost_per_hour then endpoints = endpoints + 1 end
    end
    assert.is_true(endpoints >= 4, "RunPod endpoints priced from their workers")
  end)

  it("an endpoint whose workers cannot be read is unknown, and says so; the others stay priced", function()
    assert(sim:inject { method = "GET", path = "/v2/serverless/ep-busy/workers", status = 500, times = 10 })
    local rows = fleet:list { kinds = { "endpoint" } }
    for _, r in ipairs(rows) do
      one_of_them(r)
      if r.key == "runpod:endpoint:ep-busy" then assert.match("workers could not be read", r.cost_unknown, 1, true) end
      if r.key == "runpod:endpoint:ep-idle" then assert.near(2.72, r.cost_per_hour, 1e-9) end
    end
  end)

  it("a reason a refinement left goes once a source gives the cost; a known cost goes with a stale one", function()
    local kind = { cost = { { field = "price" } } }
    local rows = {
      { key = "x:thing:1", raw = { price = 0.5 }, cost_unknown = "its workers were not read", created_at = 0 },
      { key = "x:thing:2", raw = {}, cost_per_hour = 9, created_at = 0 },
    }
    cost.listed(nil, "x", kind, rows, cost.context())
    one_of_them(rows[1])
    assert.equal(0.5, rows[1].cost_per_hour)
    one_of_them(rows[2])
    assert.is_nil(rows[2].cost_per_hour)
    assert.match("has no price", rows[2].cost_unknown, 1, true)
  end)
end)
