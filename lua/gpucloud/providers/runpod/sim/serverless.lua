-- Serverless endpoints as the RunPod simulator serves them: list, get,
-- their active workers (with the `summary` v2 rolls up from them), the
-- PATCH that changes a name or the workers' bounds, delete. An endpoint's
-- workers are its private `_workers`. Asynchronous on purpose: once an
-- endpoint's `workers.max` is 0, each read of its workers answers what is
-- left and then lets one go (they drain, as idle workers time out).

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local common = require "gpucloud.providers.runpod.sim.common"

local M = {}

local problem, lookup = common.problem, common.lookup

local SUMMARY = { RUNNING = "running", IDLE = "idle", INITIALIZING = "initializing", THROTTLED = "throttled",
                  UNHEALTHY = "unhealthy" }

function M.list(req)
  return 200, { endpoints = values.public_list(req.state.endpoints) }
end

function M.get(req)
  local ep, s, v, h = lookup(req, req.state.endpoints, "endpoint")
  if not ep then return s, v, h end
  return 200, values.public(ep)
end

function M.workers(req)
  local ep, s, v, h = lookup(req, req.state.endpoints, "endpoint")
  if not ep then return s, v, h end
  local workers = values.public_list(ep._workers)
  local summary = { running = 0, idle = 0, initializing = 0, throttled = 0, unhealthy = 0, total = #workers }
  for _, w in ipairs(workers) do
    local k = SUMMARY[w.status]
    if k then summary[k] = summary[k] + 1 end
  end
  if ep.workers.max == 0 and #ep._workers > 0 then table.remove(ep._workers) end
  return 200, { workers = workers, summary = summary, endpointVersion = ep._version or 1 }
end

local function whole(v, min, max)
  return type(v) == "number" and v == math.floor(v) and v >= min and (max == nil or v <= max)
end

-- The fields the simulator changes: name, and workers {min, max, idleTimeout}.
local WORKER_FIELDS = { min = { 0 }, max = { 0 }, idleTimeout = { 1, 3600 } }

function M.update(req)
  local body, s, v, h = common.object_body(req)
  if not body then return s, v, h end
  for k in pairs(body) do
    if k ~= "name" and k ~= "workers" then
      return common.invalid("$: the simulator changes only name and workers, not '" .. tostring(k) .. "'")
    end
  end
  if body.name ~= nil and (type(body.name) ~= "string" or body.name == "") then
    return common.invalid("$.name: minLength: got 0, want 1")
  end
  local w = body.workers
  if w ~= nil then
    if type(w) ~= "table" or json.is_array(w) then return common.invalid("$.workers: expected object") end
    for k, x in pairs(w) do
      local range = WORKER_FIELDS[k]
      if not range then
        return common.invalid("$.workers: additional properties '" .. tostring(k) .. "' not allowed")
      end
      if not whole(x, range[1], range[2]) then return common.invalid("$.workers." .. k .. ": out of range") end
    end
  end
  local ep
  ep, s, v, h = lookup(req, req.state.endpoints, "endpoint")
  if not ep then return s, v, h end
  local min = w and w.min or ep.workers.min
  local max = w and w.max or ep.workers.max
  if min > max then return problem(400, "workers.min may not exceed workers.max") end
  if body.name then ep.name = body.name end
  for k, x in pairs(w or {}) do ep.workers[k] = x end
  return 200, values.public(ep)
end

function M.delete(req)
  local ep, s, v, h = lookup(req, req.state.endpoints, "endpoint")
  if not ep then return s, v, h end
  req.state.endpoints = common.without(req.state.endpoints, ep)
  return 204, ""
end

--- The network volume ids an endpoint names.
function M.mounts(ep)
  local out = {}
  for _, id in ipairs(type(ep.networkVolumes) == "table" and ep.networkVolumes or {}) do out[#out + 1] = id end
  return out
end

function M.build(st, list)
  for i, ep in ipairs(list) do
    if type(ep.id) ~= "string" then error(string.format("runpod.endpoints[%d].id must be a string", i), 0) end
    if type(ep.workers) ~= "table" then ep.workers = json.object { min = 0, max = 1 } end
    if ep._workers == nil then ep._workers = json.array() end
    if ep.networkVolumes == nil then ep.networkVolumes = json.array() end
  end
  st.endpoints = list
end

return M
