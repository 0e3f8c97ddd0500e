-- The documented Vast.ai delete threshold (3 requests/s), for real: 90
-- deletes take 30 s, so this runs in `make test-slow` (CI), not `make test`.
-- The simulator's bucket holds one token (no burst), so every request past
-- the first is paced: 90 show what 300 did, in under a third of the time.

local N, BULK = 90, 60

local gpucloud = require "gpucloud"
local server = require "gpucloud.sim.server"
local clock = require "gpucloud.core"

describe("pacing at the documented threshold #slow", function()
  it(N .. " deletes with rate = true provoke zero 429s", function()
    local sim = assert(server.start {})
    local wgs = {}
    for i = 1, N do wgs[i] = { id = 7000 + i, endpoint_id = 1, endpoint_name = "fleet" } end
    assert(sim:reset { vast = { api_keys = { sim.keys.vast }, endpoints = { { id = 1, endpoint_name = "fleet" } },
                                workergroups = wgs, workers = {} } })
    assert(sim:config { rate_limits = true }) -- each route's documented threshold
    local vast = gpucloud.vast { url = sim.url, api_key = sim.keys.vast, getenv = function() end,
                                 rate = true, retries = 0 }
    local t0, ok = clock.now(), 0
    for i = 1, N do
      if vast:delete_workergroup(7000 + i) then ok = ok + 1 end
    end
    local elapsed = clock.now() - t0
    vast:close()
    local stats = assert(sim:stats())
    sim:stop()
    print(string.format("\n%d deletes paced at 3.0/s: %d ok, %d x 429, %.1f s", N, ok,
      stats.by_status["429"] or 0, elapsed))
    assert.equal(0, stats.by_status["429"] or 0)
    assert.equal(N, ok)
    assert.equal(N, stats.by_route["DELETE /api/v0/workergroups/{id}/"])
  end)
end)

describe("bulk pacing at the documented threshold #slow", function()
  it(BULK .. " concurrent deletes with the default rate provoke zero 429s", function()
    local sim = assert(server.start {})
    local wgs, ids = {}, {}
    for i = 1, BULK do
      wgs[i] = { id = 8000 + i, endpoint_id = 1, endpoint_name = "fleet" }
      ids[i] = 8000 + i
    end
    assert(sim:reset { vast = { api_keys = { sim.keys.vast }, endpoints = { { id = 1, endpoint_name = "fleet" } },
                                workergroups = wgs, workers = {} } })
    assert(sim:config { rate_limits = true })
    local vast = gpucloud.vast { url = sim.url, api_key = sim.keys.vast, getenv = function() end, retries = 0 }
    local report = vast:delete_workergroups(ids, { concurrency = 16, max = BULK })
    vast:close()
    local stats = assert(sim:stats())
    sim:stop()
    print(string.format("\n%d bulk deletes, concurrency 16, default rate: %d ok, %d x 429, %.1f s",
      BULK, #report.ok, stats.by_status["429"] or 0, report.elapsed))
    assert.equal(0, stats.by_status["429"] or 0)
    assert.equal(BULK, #report.ok)
  end)
end)
