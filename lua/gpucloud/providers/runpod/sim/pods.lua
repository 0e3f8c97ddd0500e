-- Pods as the RunPod simulator serves them: list (cluster members hidden
-- unless asked), get, the state actions, delete. A pod's `cost` is its
-- rate while it computes and 0.0 once EXITED (as v2 documents); `actions`
-- is made from its status. Asynchronous on purpose: a pod flagged
-- `_slow_stop: N` answers a stop still RUNNING and is EXITED only after N
-- more reads of it; a start answers STARTING, and the next read is RUNNING.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local common = require "gpucloud.providers.runpod.sim.common"

local M = {}

local problem, lookup = common.problem, common.lookup

local ACTIONS = {
  RUNNING = { "stop", "restart", "terminate" }, PROVISIONING = { "stop", "terminate" },
  STARTING = { "stop", "terminate" }, EXITED = { "start", "terminate" }, ERROR = { "start", "terminate" },
  TERMINATED = {},
}

local KNOWN = { start = true, stop = true, restart = true, terminate = true }

local function allowed(pod, action)
  for _, a in ipairs(ACTIONS[pod.status] or {}) do
    if a == action then return true end
  end
  return false
end

--- The pod as the wire shows it.
function M.view(pod)
  local v = values.public(pod)
  v.actions = json.array(values.deepcopy(ACTIONS[pod.status] or {}))
  return v
end

-- What moves on after a pod is read: a stop under way, a start.
local function advance(pod)
  if pod._stopping then
    pod._stopping = pod._stopping - 1
    if pod._stopping <= 0 then
      pod._stopping = nil
      pod.status, pod.cost, pod.runtime = "EXITED", 0, json.null
    end
  elseif pod.status == "STARTING" and pod._starting then
    pod._starting = nil
    pod.status, pod.cost = "RUNNING", pod._cost or pod.cost
  end
end

function M.list(req)
  local st = req.state
  local all = req.query.includeClusterPods == "true"
  local out = json.array()
  for _, pod in ipairs(st.pods) do
    if all or pod.cluster == nil then out[#out + 1] = M.view(pod) end
  end
  for _, pod in ipairs(st.pods) do advance(pod) end
  return 200, { pods = out }
end

function M.get(req)
  local pod, s, v, h = lookup(req, req.state.pods, "pod")
  if not pod then return s, v, h end
  local out = M.view(pod)
  advance(pod)
  return 200, out
end

local function remove(req, pod)
  if pod.cluster ~= nil then
    return problem(409, "Pod belongs to a cluster and cannot be terminated via the pod endpoints.")
  end
  req.state.pods = common.without(req.state.pods, pod)
  return 204, ""
end

function M.delete(req)
  local pod, s, v, h = lookup(req, req.state.pods, "pod")
  if not pod then return s, v, h end
  return remove(req, pod)
end

-- POST /v2/pods/{id}/action {"action": "start"|"stop"|"restart"|"terminate"}
function M.action(req)
  local body, s, v, h = common.object_body(req)
  if not body then return s, v, h end
  for k in pairs(body) do
    if k ~= "action" then return common.invalid("$: additional properties '" .. tostring(k) .. "' not allowed") end
  end
  local action = body.action
  if not KNOWN[action] then
    return common.invalid("$.action: value must be one of 'start', 'stop', 'restart', 'terminate'")
  end
  local pod
  pod, s, v, h = lookup(req, req.state.pods, "pod")
  if not pod then return s, v, h end
  if pod.cluster ~= nil then return problem(409, "Pod belongs to a cluster and is managed through it.") end
  if action == "terminate" then return remove(req, pod) end
  if not allowed(pod, action) or pod._stopping then
    return problem(409, string.format("Action '%s' is not valid for a pod in status %s.", action, pod.status))
  end
  if pod.locked == true and action == "stop" then return problem(409, "Pod is locked: it cannot be stopped.") end
  if action == "stop" then
    pod._cost = pod.cost
    if pod._slow_stop then
      pod._stopping = pod._slow_stop
    else
      pod.status, pod.cost, pod.runtime = "EXITED", 0, json.null
    end
  elseif action == "start" then
    pod.status, pod._starting = "STARTING", true
  end
  return 200, M.view(pod)
end

--- The ids of the network volumes a pod that still exists mounts.
function M.mounts(pod)
  local out = {}
  local net = type(pod.mounts) == "table" and pod.mounts.network
  for _, m in ipairs(type(net) == "table" and net or {}) do
    if type(m) == "table" and m.volumeId then out[#out + 1] = m.volumeId end
  end
  return out
end

function M.build(st, list)
  for i, pod in ipairs(list) do
    if type(pod.id) ~= "string" then error(string.format("runpod.pods[%d].id must be a string", i), 0) end
    if pod.status == nil then pod.status = "RUNNING" end
  end
  st.pods = list
end

return M
