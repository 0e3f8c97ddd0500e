-- The documented Vast.ai delete threshold (3 requests/s), for real: 300
-- deletes take 100 s, so this runs in `make test-slow` (CI), not `make test`.

local gpucloud = require "gpucloud"
local server = require "gpucloud.sim.server"
local clock = require "gpucloud.core"

describe("pacing at the documented threshold #slow", function()
  it("300 deletes with rate = true provoke zero 429s", function()
    local sim = assert(server.start {})
    local wgs = {}
    for i = 1, 300 do wgs[i] = { id = 7000 + i, endpoint_id = 1, endpoint_name = "fleet" } end
    assert(sim:reset { vast = { api_keys = { sim.keys.vast }, endpoints = { { id = 1, endpoint_name = "fleet" } },
                                workergroups = wgs, workers = {} } })
    assert(sim:config { rate_limits = true }) -- each route's documented threshold
    local vast = gpucloud.vast { url = sim.url, api_key = sim.keys.vast, getenv = function() end,
                                 rate = true, retries = 0 }
    local t0, ok = clock.now(), 0
    for i = 1, 300 do
      if vast:delete_workergroup(7000 + i) then ok = ok + 1 end
    end
    local elapsed = clock.now() - t0
    vast:close()
    local stats = assert(sim:stats())
    sim:stop()
    print(string.format("\n300 deletes paced at 3.0/s: %d ok, %d x 429, %.1f s", ok,
      stats.by_status["429"] or 0, elapsed))
    assert.equal(0, stats.by_status["429"] or 0)
    assert.equal(300, ok)
    assert.equal(300, stats.by_route["DELETE /api/v0/workergroups/{id}/"])
  end)
end)

describe("bulk pacing at the documented threshold #slow", function()
  it("200 concurrent deletes with the default rate provoke zero 429s", function()
    local sim = assert(server.start {})
    local wgs, ids = {}, {}
    for i = 1, 200 do
      wgs[i] = { id = 8000 + i, endpoint_id = 1, endpoint_name = "fleet" }
      ids[i] = 8000 + i
    end
    assert(sim:reset { vast = { api_keys = { sim.keys.vast }, endpoints = { { id = 1, endpoint_name = "fleet" } },
                                workergroups = wgs, workers = {} } })
    assert(sim:config { rate_limits = true })
    local vast = gpucloud.vast { url = sim.url, api_key = sim.keys.vast, getenv = function() end, retries = 0 }
    local report = vast:delete_workergroups(ids, { concurrency = 16, max = 200 })
    vast:close()
    local stats = assert(sim:stats())
    sim:stop()
    print(string.format("\n200 bulk deletes, concurrency 16, default rate: %d ok, %d x 429, %.1f s",
      #report.ok, stats.by_status["429"] or 0, report.elapsed))
    assert.equal(0, stats.by_status["429"] or 0)
    assert.equal(200, #report.ok)
  end)
end)
