-- What follows a pod action or an endpoint's scale to zero in a bulk run.
--
-- A pod action (`POST /v2/pods/{id}/action`) that finds the pod already
-- where it was sent answers 409 ("not valid for the current status"); so
-- does a repeat of one whose answer was lost. Either is judged by the pod
-- itself: already stopped (or started) is done, with the pod as the
-- value. With `wait = true`, an accepted action is followed (get_pod)
-- until the pod is there: a stop answered while the pod still runs is not
-- yet a stopped pod. A paused endpoint's workers drain by themselves; with
-- `wait = true` its worker list is followed until it is empty.

local config = require "gpucloud.config"
local errors = require "gpucloud.errors"
local wait = require "gpucloud.wait"

local M = {}

-- Where each action leads: the statuses that say it is done.
local ARRIVED = {
  stop = { EXITED = true },
  start = { RUNNING = true },
}
-- Statuses that say it was accepted and is under way (a start may pull an
-- image for minutes: STARTING and PROVISIONING are on the way).
local ON_THE_WAY = {
  stop = {},
  start = { STARTING = true, PROVISIONING = true },
}

local function settings(ctx)
  return { deadline = ctx.settings.wait_timeout or config.WAIT_DEADLINE, interval = config.default("interval") }
end

-- Poll get_pod until the action has arrived. (A pod answered for another
-- id is get_pod's bad_response, its row's echo: polled through.)
local function follow(ctx, action, id)
  local s = settings(ctx)
  local op = "runpod." .. action .. "_pod"
  return wait.poll({ rt = ctx.rt, op = op, what = "pod " .. id .. " to " .. action, deadline = s.deadline,
                     interval = s.interval, stop_at = ctx.stop_at }, function(stop)
    local pod, err, res = ctx:call("get_pod", { id = id }, { retries = 0 }, stop)
    if not pod then return nil, err, wait.retry_after(res) end
    if ARRIVED[action][pod.status] then return "done", pod end
    if pod.status == "TERMINATED" or pod.status == "ERROR" then
      return "failed", errors.local_failure(op, "failed",
        string.format("pod %s is %s, it will not %s", id, pod.status, action), { pod_status = pod.status })
    end
    return "pending", pod.status or "no status", wait.retry_after(res)
  end)
end

--- stop_pods' and start_pods' settle.
function M.pod_action(action)
  return function(ctx, argv, value, err)
    if value == nil then
      if err.code ~= "conflict" and not err.may_have_landed then return nil, err end
      local pod = ctx:call("get_pod", { id = argv.id }, ctx.opts)
      if not (pod and (ARRIVED[action][pod.status] or ON_THE_WAY[action][pod.status])) then
        return nil, err
      end
      value = pod
    end
    if not ctx.settings.wait or ARRIVED[action][value.status] then return value end
    local pod, werr = follow(ctx, action, argv.id)
    if pod then return pod end
    -- accepted, and not seen to arrive: it may still
    if werr.code ~= "failed" then werr.may_have_landed = true end
    return nil, werr
  end
end

--- pause_endpoints' settle: with wait, follow the workers until none is left.
function M.pause(ctx, argv, value, err)
  if value == nil or not ctx.settings.wait then return value, err end
  local s = settings(ctx)
  local op = "runpod.pause_endpoint"
  local workers, werr = wait.poll({ rt = ctx.rt, op = op, what = "endpoint " .. argv.id .. " draining",
    deadline = s.deadline, interval = s.interval, stop_at = ctx.stop_at }, function(stop)
    local list, e, res = ctx:call("list_endpoint_workers", { id = argv.id }, { retries = 0 }, stop)
    if not list then return nil, e, wait.retry_after(res) end
    if #list == 0 then return "done", list end
    return "pending", #list .. " workers", wait.retry_after(res)
  end)
  if not workers then
    werr.may_have_landed = true
    return nil, werr
  end
  value.drained = true
  return value
end

return M
