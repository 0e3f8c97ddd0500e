-- TensorPool's waits: an asynchronous request (destroy, edit) until it is
-- COMPLETED or FAILED, a job being canceled until it is canceled, through
-- transient and unreadable polls (wait.lua's one poll loop), bounded by a
-- deadline. The public wait_request and wait_job, and cancel_jobs' settle.

local args = require "gpucloud.args"
local config = require "gpucloud.config"
local define = require "gpucloud.define"
local errors = require "gpucloud.errors"
local wait = require "gpucloud.wait"

local M = {}

local format = string.format

function M.settings(deadline)
  return { deadline = deadline or config.WAIT_DEADLINE, interval = config.default("interval") }
end

-- The wait's own limits inside a bulk call: what is left of the run's
-- deadline (the context's stop_at), else the deprecated per-wait
-- wait_timeout, else the default.
function M.bulk_settings(b)
  return M.settings(b.wait_timeout)
end

------------------------------------------------------------------------
-- Requests

-- A request answer that is not the one the wait follows: of another type
-- than `want.request_type`, or about another thing than `want.object_id`
-- (when the server names one). nil, or why. (Which request it is, the row
-- checks: get_request_info's `echo`.)
local function not_ours(id, info, want)
  if want.request_type and info.request_type ~= want.request_type then
    return format("request %s is a %s, not a %s", id, args.describe(info.request_type), want.request_type)
  end
  if want.object_id and info.object_id ~= nil and info.object_id ~= want.object_id then
    return format("request %s is about %s, not %s", id, args.describe(info.object_id), args.describe(want.object_id))
  end
end

-- Poll request `id` until COMPLETED (its info) or FAILED (nil, err with
-- code "failed"); transient and unreadable polls are polled through. With
-- `want` ({request_type =, object_id =}), a request of another type or
-- about another thing is bad_response: it is not the one the call was
-- answered with.
function M.wait_for_request(ctx, id, s, want)
  local op = "tensorpool.wait_request"
  return wait.poll({ rt = ctx.rt, op = op, what = "request " .. args.id_text(id), deadline = s.deadline,
                     interval = s.interval, stop_at = ctx.stop_at }, function(stop)
    -- this loop is the retry: each poll is one attempt
    local info, err, res = ctx:call("get_request_info", { request_id = id }, { retries = 0 }, stop)
    if not info then return nil, err, wait.retry_after(res) end
    local why = want and not_ours(id, info, want)
    if why then return "failed", errors.local_failure(op, "bad_response", why, { info = info }) end
    if info.status == "COMPLETED" then return "done", info end
    if info.status == "FAILED" then
      return "failed", errors.local_failure(op, "failed",
        info.external_message or ("request " .. id .. " failed"), { info = info, status = res.status })
    end
    return "pending", info.status, wait.retry_after(res)
  end)
end

--- tp:wait_request(request_id, {deadline =, interval =}): poll a request
-- until it is COMPLETED (returns its info) or FAILED (nil, err with code
-- "failed"). `deadline` bounds the whole wait (default 600 s; then nil,
-- err with code "timeout"); `interval` is the pause when the server sends
-- no Retry-After. Transient and unreadable answers are polled through.
-- A public wait: the id checked as the polled row checks it, the wait's
-- options checked, then the poll loop.
local function wait_method(spec, name, row, waiter)
  local op = "tensorpool." .. name
  local params = spec.ops[row].args
  return function(ctx, id, opts)
    local argv = define.check_args(op, params, 2, id)
    return waiter(ctx, argv[params[1][1]], config.wait(op, opts, 2))
  end
end

function M.wait_request_method(spec)
  return wait_method(spec, "wait_request", "get_request_info", M.wait_for_request)
end

------------------------------------------------------------------------
-- Jobs

-- States in which a job will never be canceled.
local ENDED = { completed = true, error = true, failed = true }

local function wait_for_job(ctx, id, s)
  local op = "tensorpool.wait_job"
  return wait.poll({ rt = ctx.rt, op = op, what = "job " .. id .. " being canceled", deadline = s.deadline,
                     interval = s.interval, stop_at = ctx.stop_at }, function(stop)
    local info, err, res = ctx:call("get_job_info", { job_id = id }, { retries = 0 }, stop)
    if not info then return nil, err, wait.retry_after(res) end
    local status = type(info.status) == "string" and info.status:lower() or nil
    if status == "canceled" then return "done", info end
    if ENDED[status] then
      return "failed", errors.local_failure(op, "failed", format("job %s ended %s, not canceled", id, status),
        { info = info, job_status = status })
    end
    return "pending", info.status or "no status", wait.retry_after(res)
  end)
end

--- tp:wait_job(job_id, {deadline =, interval =}): poll a job being
-- canceled until it is `canceled` (returns its info), or nil, err with
-- code "failed" and err.job_status when it ended otherwise (`completed`,
-- `error`: the user's code, `failed`: the infrastructure). Bounded and
-- polled through as wait_request.
function M.wait_job_method(spec)
  return wait_method(spec, "wait_job", "get_job_info", wait_for_job)
end

--- cancel_jobs{..., wait = true}: each accepted cancel is waited for; a
-- job that finished first is a failure that says how it ended.
function M.settle_cancel(ctx, argv, value, err)
  if not (value and ctx.settings.wait) then return value, err end
  local info, werr = wait_for_job(ctx, argv.job_id, M.bulk_settings(ctx.settings))
  if info then
    value.job = info
    return value
  end
  -- accepted, and not seen to end: it may still happen
  if werr.code ~= "failed" then werr.may_have_landed = true end
  return nil, werr
end

------------------------------------------------------------------------

return M
