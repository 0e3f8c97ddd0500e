-- How RunPod's billable things look in the fleet view (see vast/fleet.lua):
-- pods, serverless endpoints and network volumes, with their cost rules
-- (prices.lua, read by fleet/cost.lua), and its billing history as
-- charges (billing.lua: the hook fleet:costs calls).

local billing = require "gpucloud.providers.runpod.billing"
local key = require("gpucloud.fleet.plan").key
local prices = require "gpucloud.providers.runpod.prices"
local times = require "gpucloud.times"

local M = {}

local POD_STATE = {
  PROVISIONING = "pending", STARTING = "pending", RUNNING = "running",
  EXITED = "stopped", ERROR = "failed", TERMINATED = "gone",
}

local function created(r) return times.exact(r.createdAt) end

-- An endpoint from its workers: busy when any does anything (or says
-- something unknown: unknown is never idle), failed when all are
-- unhealthy, else idle (none at all included).
local function from_workers(workers)
  local unhealthy = 0
  for _, w in ipairs(workers) do
    local s = type(w) == "table" and w.status
    if s == "UNHEALTHY" then
      unhealthy = unhealthy + 1
    elseif s ~= "IDLE" then
      return "running"
    end
  end
  if unhealthy > 0 and unhealthy == #workers then return "failed" end
  return "idle"
end

-- Endpoints: each one's workers give its state, and its $/h (prices.lua's
-- rule reads them). Workers that cannot be read leave an endpoint that is
-- not paused without a state (state_error says why); a paused one stays
-- stopped. (The fleet refines only rows whose id the delete takes, which
-- the workers listing takes too: a listed id that cannot be one is never
-- sent.)
local function refine_endpoints(client, rows)
  for _, row in ipairs(rows) do
    local workers, err = client:list_endpoint_workers(row.id)
    if workers then
      row.workers = #workers
      prices.WORKERS[row] = workers
      if row.state ~= "stopped" then row.state = from_workers(workers) end
    else
      row.workers_error = err
      if row.state ~= "stopped" then row.state, row.state_error = nil, err end
    end
  end
end

-- The volume ids a pod mounts (mounts.network[].volumeId).
local function pod_mounts(pod)
  local out = {}
  local net = type(pod.mounts) == "table" and pod.mounts.network
  for _, m in ipairs(type(net) == "table" and net or {}) do
    if type(m) == "table" and m.volumeId ~= nil then out[#out + 1] = m.volumeId end
  end
  return out
end

-- The volume ids an endpoint names (v2: ids; GraphQL's old form: objects).
local function endpoint_mounts(ep)
  local out = {}
  local nv = ep.networkVolumes
  for _, v in ipairs(type(nv) == "table" and nv or {}) do
    out[#out + 1] = type(v) == "table" and (v.networkVolumeId or v.id) or v
  end
  return out
end

-- Volumes: attached (running) while a pod that is not terminated, or an
-- endpoint, mounts it; those are its parents, deleted first. Without the
-- pods and endpoints (cluster members included) no volume has a state.
local function refine_volumes(client, rows)
  local pods, err = client:list_pods { includeClusterPods = true }
  local eps
  if pods then eps, err = client:list_endpoints() end
  if not eps then
    for _, row in ipairs(rows) do row.state, row.state_error = nil, err end
    return
  end
  local users = {}
  local function use(vid, k)
    if vid == nil then return end
    users[vid] = users[vid] or {}
    table.insert(users[vid], k)
  end
  for _, pod in ipairs(pods) do
    if pod.status ~= "TERMINATED" then
      for _, vid in ipairs(pod_mounts(pod)) do use(vid, key("runpod", "pod", pod.id)) end
    end
  end
  for _, ep in ipairs(eps) do
    for _, vid in ipairs(endpoint_mounts(ep)) do use(vid, key("runpod", "endpoint", ep.id)) end
  end
  for _, row in ipairs(rows) do
    row.parent = users[row.id]
    row.state = row.parent and "running" or "idle"
  end
end

M.kinds = {
  pod = {
    list = "list_pods", id = "id", name = "name", status = "status",
    created_at = created, cost = prices.pod,
    state = function(r) return POD_STATE[r.status] end,
    delete = "delete_pods", stage = 1,
  },
  endpoint = {
    list = "list_endpoints", id = "id", name = "name", created_at = created,
    status = function(r)
      local w = r.workers
      if type(w) == "table" then return string.format("workers %s..%s", tostring(w.min), tostring(w.max)) end
    end,
    -- scaled to zero (no worker may run): paused; else unknown until its
    -- workers are read (refine_endpoints)
    state = function(r)
      if type(r.workers) == "table" and r.workers.max == 0 then return "stopped" end
    end,
    refine = refine_endpoints, cost = prices.endpoint,
    delete = "delete_endpoints", stage = 1,
  },
  volume = {
    list = "list_network_volumes", id = "id", name = "name", status = "type",
    age_unknown = "RunPod's network volume answer carries no creation time", cost = prices.volume,
    state = function() return nil end, -- refine_volumes: attached or not
    refine = refine_volumes,
    delete = "delete_network_volumes", stage = 2,
  },
}

--- What RunPod billed (fleet cost reports): billing.charges.
M.charges = billing.charges

return M
