-- The TensorPool simulator's jobs. States: pending, running, completed,
-- error (the user's code failed), failed (the infrastructure did),
-- canceling, canceled. A cancel moves a pending or running job to
-- canceling; each poll of its /job/info answers the current state, then
-- moves it on: to canceled, or, for a job with `_finishes` ("completed",
-- "error" or "failed"), to that state (it finished before the cancel took
-- effect). With config.request_step a canceling job also moves on by
-- itself, one step per that many seconds. The info of a job that has not
-- finished carries Retry-After (config.retry_after), as a request's does.
-- Only a finished job can be deleted.
--
-- A job: {id, name, status, cluster_id, exit_code}; private `_finishes`.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local fixture = require "gpucloud.sim.fixture"
local common = require "gpucloud.providers.tensorpool.sim.common"

local M = {}

local detail = common.detail

local FINISHED = { completed = true, error = true, failed = true, canceled = true }
local CANCELABLE = { pending = true, running = true }

-- The job of the path -> job | nil, status, value. Check order: 422, 403
-- (with `acting`, for a read-only key), 404.
local function job_of(req, acting)
  local id, status, value = common.path_id(req, "job_id")
  if not id then return nil, status, value end
  if acting and req.key.read_only then return nil, detail(403, "Access denied") end
  local j = common.find(req.state.jobs, "id", id)
  if not j then return nil, detail(404, "Job not found") end
  return j
end

local function step(j)
  if j.status ~= "canceling" then return end
  j.status = j._finishes or "canceled"
  if j.status == "completed" then j.exit_code = 0 end
end

--- Canceling jobs nobody polled, moved on by the time that passed.
function M.tick(st, req)
  local every = tonumber(req.config.request_step)
  if not every or every <= 0 then return end
  for _, j in ipairs(st.jobs) do
    if j.status == "canceling" then
      j._canceled_at = j._canceled_at or req.now
      if req.now - j._canceled_at >= every then step(j) end
    end
  end
end

function M.list(req)
  local jobs = values.public_list(req.state.jobs)
  return 200, { jobs = jobs, message = "Found " .. common.plural(#jobs, "job") }
end

function M.info(req)
  local j, status, value = job_of(req)
  if not j then return status, value end
  local snapshot = values.public(j)
  -- as /request/info does: a job still moving says when to look again
  local headers
  if not FINISHED[j.status] then headers = { ["Retry-After"] = tostring(req.config.retry_after) } end
  step(j)
  return 200, { message = "Job info retrieved", job_info = snapshot }, headers
end

-- Check order: 422, 403, 404, then by state.
function M.cancel(req)
  local j, status, value = job_of(req, true)
  if not j then return status, value end
  if j.status == "canceled" then
    return 200, { job_id = j.id, message = "Job already canceled", status = "canceled" }
  end
  if j.status == "canceling" then
    return 202, { job_id = j.id, message = "Job is already being canceled", status = "canceling" }
  end
  if not CANCELABLE[j.status] then
    return detail(409, "Job has already finished (" .. tostring(j.status) .. ")")
  end
  j.status = "canceling"
  j._canceled_at = req.now
  return 202, { job_id = j.id, message = "Job cancellation initiated", status = "canceling" }
end

function M.delete(req)
  local j, status, value = job_of(req, true)
  if not j then return status, value end
  if not FINISHED[j.status] then
    return detail(409, "Job is " .. tostring(j.status) .. ": only finished jobs can be deleted")
  end
  req.state.jobs = common.without(req.state.jobs, j)
  return 200, { message = "Job deleted" }
end

function M.build(st, section)
  st.jobs = fixture.list(section, "jobs", "tensorpool")
  for i, j in ipairs(st.jobs) do
    if type(j.id) ~= "string" then error(("tensorpool.jobs[%d].id must be a string"):format(i), 0) end
    if j.exit_code == nil and not FINISHED[j.status] then j.exit_code = json.null end
  end
end

return M
