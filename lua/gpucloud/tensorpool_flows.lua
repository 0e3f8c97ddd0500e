-- What TensorPool's rows cannot say, for clusters and storage volumes
-- alike (a table of what differs is passed in: the rows, the id's name,
-- the request types; see tensorpool.lua):
--
--   * waiting for an asynchronous request (destroy, edit) or for a job's
--     cancel, through transient and unreadable polls, bounded by a deadline;
--   * confirming by the listing a destroy whose answer was lost;
--   * deletion protection: a destroy refused for it says how to lift it,
--     and only `unprotect = true` lifts it: the edit, waited for, then the
--     destroy again; a failed edit destroys nothing. The server's refusal
--     is the read, so only what is protected is ever unprotected.

local config = require "gpucloud.config"
local define = require "gpucloud.define"
local errors = require "gpucloud.errors"
local wait = require "gpucloud.wait"

local M = {}

local format = string.format

local function settings(deadline)
  return { deadline = deadline or config.WAIT_DEADLINE, interval = config.default("interval") }
end

-- The wait's own limits inside a bulk call: what is left of the run's
-- deadline (the context's stop_at), else the deprecated per-wait
-- wait_timeout, else the default.
local function bulk_settings(b)
  return settings(b.wait_timeout)
end

------------------------------------------------------------------------
-- Requests

-- Poll request `id` until COMPLETED (its info) or FAILED (nil, err with
-- code "failed"); transient and unreadable polls are polled through. With
-- `want_type`, a request of another type is bad_response: it is not the
-- one the call was answered with.
local function wait_for_request(ctx, id, s, want_type)
  local op = "tensorpool.wait_request"
  return wait.poll({ rt = ctx.rt, op = op, what = "request " .. id, deadline = s.deadline,
                     interval = s.interval, stop_at = ctx.stop_at }, function(stop)
    -- this loop is the retry: each poll is one attempt
    local info, err, res = ctx:call("get_request_info", { request_id = id }, { retries = 0 }, stop)
    if not info then return nil, err, wait.retry_after(res) end
    if want_type and type(info.request_type) == "string" and info.request_type ~= want_type then
      return "failed", errors.local_failure(op, "bad_response", format("request %s is a %s, not a %s", id,
        info.request_type, want_type), { info = info })
    end
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
  return wait_method(spec, "wait_request", "get_request_info", wait_for_request)
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
  local info, werr = wait_for_job(ctx, argv.job_id, bulk_settings(ctx.settings))
  if info then
    value.job = info
    return value
  end
  -- accepted, and not seen to end: it may still happen
  if werr.code ~= "failed" then werr.may_have_landed = true end
  return nil, werr
end

------------------------------------------------------------------------
-- Listings

-- Words of a status that says a destroy is under way.
local function destroying(status)
  local l = type(status) == "string" and status:lower() or ""
  return l:find("destroy") or l:find("releas") or l:find("terminat") or l:find("delet")
end

-- Poll k's listing until judge(the item, or nil when it is not listed)
-- says "done" or "failed" (wait.poll's words).
local function watch(ctx, spec, k, id, s, what, judge)
  local field = spec.ops[k.list].id_field
  return wait.poll({ rt = ctx.rt, op = "tensorpool." .. k.destroy, what = k.noun .. " " .. id .. " " .. what,
                     deadline = s.deadline, interval = s.interval, stop_at = ctx.stop_at }, function(stop)
    local items, err = ctx:call(k.list, {}, { retries = 0 }, stop)
    if not items then return nil, err end
    return judge(items:first { [field] = id })
  end)
end

-- Wait until `id` has left the listing: the confirmation for a destroy
-- whose request is unknown (its answer was lost, or it had none). With
-- `unsure` (we do not know the destroy was accepted) a thing listed in a
-- status that is not a destroy under way ends the wait: "not gone".
local function wait_until_gone(ctx, spec, k, id, s, unsure)
  return watch(ctx, spec, k, id, s, "leaving the list", function(item)
    if not item then return "done", { [k.id] = id, confirmed = "absent from the " .. k.listing } end
    if unsure and not destroying(item.status) then return "failed", false end
    return "pending", item.status or "listed"
  end)
end

------------------------------------------------------------------------
-- Deletion protection

-- A destroy refused because the thing is protected: a 409 whose words say
-- so (the status alone also means "already being destroyed", "instances
-- not running", "attached").
local function refused_for_protection(err)
  return err.code == "conflict" and type(err.message) == "string" and err.message:lower():find("protect") ~= nil
end

-- Such a refusal says how to go ahead.
local function hint(err)
  if refused_for_protection(err) then
    err.protected = true
    err.message = err.message .. " (turn it off first: {unprotect = true}, or --unprotect on the command line)"
  end
  return err
end

-- The edit failed, or was not seen to end: nothing was destroyed. When
-- the edit may have been carried out (`maybe`: accepted, or lost after
-- sending), protection may be off: the error says `unprotected` too.
local function not_lifted(err, maybe)
  if maybe then
    err.unprotected = true
    err.message = "deletion protection may be off (its edit was not seen to end), nothing destroyed: "
      .. tostring(err.message)
  else
    err.message = "deletion protection not turned off, nothing destroyed: " .. tostring(err.message)
  end
  return err
end

-- Turn `id`'s deletion protection off (an edit with the call's options)
-- and see it done: the edit's request completed, or, with no request to
-- follow, the listing no longer showing it protected. -> true | nil, err.
local function lift(ctx, spec, k, id, s, opts)
  local v, err = ctx:call(k.edit, { [k.id] = id, fields = { deletion_protection = false } }, opts)
  if not v then return nil, not_lifted(err, err.may_have_landed) end
  local ok, werr
  if type(v.request_id) == "string" then
    ok, werr = wait_for_request(ctx, v.request_id, s, k.edit_type)
  else
    ok, werr = watch(ctx, spec, k, id, s, "losing its deletion protection", function(item)
      -- not listed: nothing to see; the destroy will say what is true
      if item and item.deletion_protection == true then return "pending", "protected" end
      return "done", true
    end)
  end
  -- FAILED is the server's word that nothing changed
  if not ok then return nil, not_lifted(werr, werr.code ~= "failed") end
  return true
end

-- After a destroy's first answer: when it was refused for protection,
-- either say how to lift it or (asked to: `unprotect`) lift it, wait for
-- that, and destroy again. A failed lift destroys nothing. The value or
-- error of a destroy that followed a lift says `unprotected`, as does a
-- lift that may have been carried out.
local function after_refusal(ctx, spec, k, argv, opts, value, err, unprotect, s)
  if value or not refused_for_protection(err) then return value, err end
  if not unprotect then return nil, hint(err) end
  local ok, lerr = lift(ctx, spec, k, argv[k.id], s, opts)
  if not ok then return nil, lerr end
  value, err = ctx:call(k.destroy, argv, opts)
  local r = value or err
  r.unprotected = true
  return value, err
end

------------------------------------------------------------------------
-- Destroys

--- tp:destroy_cluster(id[, opts]) and tp:destroy_storage: the row; with
-- `unprotect = true` among the options, a destroy refused for deletion
-- protection lifts it (the edit, waited for) and destroys again. The
-- call's deadline bounds it all, the edit's wait included.
function M.destroy_method(spec, k)
  local op = "tensorpool." .. k.destroy
  local row = spec.ops[k.destroy]
  return function(ctx, id, opts)
    local argv = define.check_args(op, row.args, 2, id)
    local unprotect = false
    if type(opts) == "table" and opts.unprotect ~= nil then
      unprotect = config.kinds.boolean(op, "unprotect", opts.unprotect, 2)
      local copy = {}
      for name, v in pairs(opts) do
        if name ~= "unprotect" then copy[name] = v end
      end
      opts = copy
    end
    if opts ~= nil then config.call(op, row, opts, 2) end
    local limit = config.setting(ctx.client, opts, "deadline")
    if limit then ctx.stop_at = ctx:now() + limit end
    local value, err = ctx:call(k.destroy, argv, opts)
    return after_refusal(ctx, spec, k, argv, opts, value, err, unprotect, settings(limit))
  end
end

-- destroy_*{..., wait = true}: each accepted destroy is waited for (in the
-- same bulk run, so the waits overlap too), and a destroy that may have
-- been carried out by an attempt whose answer was lost is confirmed by the
-- listing before it counts as done. Protection first, as destroy_method.
local function settle_destroy(spec, k)
  return function(ctx, argv, value, err)
    local s = bulk_settings(ctx.settings)
    value, err = after_refusal(ctx, spec, k, argv, ctx.opts, value, err, ctx.settings.unprotect, s)
    if not ctx.settings.wait then return value, err end
    local id = argv[k.id]
    if value then
      if type(value.request_id) == "string" then
        local info, werr = wait_for_request(ctx, value.request_id, s, k.release)
        if info then
          value.request = info
          return value
        end
        werr.unprotected = value.unprotected
        if werr.code == "failed" then return nil, werr end
        -- accepted, and not seen to end: it may still happen
        werr.may_have_landed = true
        if werr.code ~= "not_found" then return nil, werr end
      end
      local gone, gerr = wait_until_gone(ctx, spec, k, id, s)
      if gone then
        value.confirmed = gone.confirmed
        return value
      end
      gerr.may_have_landed = true
      gerr.unprotected = value.unprotected
      return nil, gerr
    end
    -- a destroy answered "not found" or "already being destroyed" after an
    -- attempt that may have landed: see whether it is gone
    if err.may_have_landed and (err.code == "not_found" or err.code == "conflict") then
      local gone, gerr = wait_until_gone(ctx, spec, k, id, s, true)
      if gone then
        gone.maybe_deleted_by_us = true
        gone.unprotected = err.unprotected
        return gone
      end
      if gerr == false then return nil, err end -- listed, and not being destroyed
      gerr.may_have_landed = true
      gerr.unprotected = err.unprotected
      return nil, gerr
    end
    return nil, err
  end
end

-- A dry run says which of the ids the listing shows protected.
local function dry_protected(spec, k)
  local field = spec.ops[k.list].id_field
  return function(ctx, ids, report)
    local items, err = ctx:call(k.list, {})
    if not items then
      report.protected_unknown = err
      return
    end
    report.protected = {}
    for _, id in ipairs(ids) do
      local item = items:first { [field] = id }
      if item and item.deletion_protection == true then report.protected[#report.protected + 1] = id end
    end
  end
end

--- The bulk entry of k's destroy: protection, waits, confirmations.
function M.destroy_entry(spec, k)
  return { op = k.destroy, settle = settle_destroy(spec, k), dry = dry_protected(spec, k), unprotect = true,
           verb = "destroy", done_verb = "destroyed" }
end

return M
