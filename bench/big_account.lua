-- The big account of make bench's fleet row (issue 23): N Vast.ai
-- instances and M endpoints, each endpoint with a workergroup and two
-- workers (one running on even endpoints), beside the seed fixture's
-- things of both providers. Served by a simulator of its own, with the
-- documented rate limits on.

local json = require "gpucloud.json"
local simfixture = require "gpucloud.sim.fixture"

local M = {}

M.FIRST_INSTANCE, M.FIRST_ENDPOINT = 800001, 900001

--- The fixture table (gpucloud.sim.server.start's `fixture`).
function M.fixture(instances, endpoints)
  local fixture = assert(simfixture.load())
  local v = fixture.vast
  local statuses = { "running", "running", "stopped", "exited", "loading" }
  local list = json.array()
  for i = 1, instances do
    list[i] = json.object { id = M.FIRST_INSTANCE + i - 1, actual_status = statuses[i % #statuses + 1],
      label = i % 3 == 0 and "ci" or json.null, dph_total = 0.2 + (i % 40) / 10, gpu_name = "RTX 4090",
      num_gpus = 1, start_date = 1767225600 + i }
  end
  v.instances = list
  for i = 1, endpoints do
    local ep, group = M.FIRST_ENDPOINT + i - 1, M.FIRST_ENDPOINT + 50000 + i - 1
    v.endpoints[#v.endpoints + 1] = json.object { id = ep, endpoint_name = "big-" .. i, endpoint_state = "active",
      api_key = "ep-big-" .. i, created_at = 1760000000 }
    v.workergroups[#v.workergroups + 1] = json.object { id = group, endpoint_id = ep, endpoint_name = "big-" .. i,
      created_at = 1760000100 }
    for k = 0, 1 do
      v.workers[#v.workers + 1] = json.object { id = 3000000 + 2 * i + k, _workergroup_id = group,
        status = (k == 0 and i % 2 == 0) and "running" or "stopped", created_at = "2026-01-03T17:47:00Z" }
    end
  end
  return fixture
end

return M
