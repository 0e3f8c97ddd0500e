-- terminate_instances' settle: what follows each id's terminate (the bulk
-- row terminate_instance: Lambda's terminate with this one id), so the
-- report is exact per id (docs/lambda.md, "Terminating").
--
-- The terminate is accepted when its answer names the id among
-- `terminated_instances` (the row's check_answer, M.about). Lambda documents no partial failure of a batch,
-- and answered a second terminate of an instance already terminating with
-- `global/unknown`: so any other answer (a bad key, an inactive account or
-- a rate limit aside: nothing was done) is judged by a listing asked for
-- after it. `terminating` or `terminated` is done (`already`); a preempted
-- instance Lambda will not terminate has ended (done); one whose
-- `actions.terminate.available` is false is refused in Lambda's words
-- (conflict, server_code its reason code); absent is gone (maybe_deleted:
-- counts as done) when the terminate may have landed, else the terminate's
-- failure; anything else is the terminate's failure. With `wait = true` an
-- accepted terminate is followed by listing again until the instance is
-- absent or `terminated`, bounded by the run's deadline.

local args = require "gpucloud.args"
local config = require "gpucloud.config"
local errors = require "gpucloud.errors"
local json = require "gpucloud.json"
local watch = require "gpucloud.providers.lambda.watch"

local M = {}

local format = string.format
local OP = "lambda.terminate_instances"

-- An instance in this status has ended; in this one its terminate is under way.
local ENDED = { terminated = true }
local GOING = { terminating = true }
-- Failures that say nothing was done: nothing to judge.
local NOTHING_DONE = { unauthorized = true, forbidden = true, rate_limited = true }

-- `once`: not waiting, one listing judges (its failure leaves the
-- terminate's own); waiting, listings are polled through failures.
local function settings(ctx)
  return { deadline = ctx.settings.wait_timeout or config.WAIT_DEADLINE, interval = config.default("interval"),
           once = not ctx.settings.wait }
end

-- The entry of `id` in a terminate's answer, or nil.
local function named(answer, id)
  local list = answer.terminated_instances
  if not json.is_array(list) then return nil end
  for _, x in ipairs(list) do
    if type(x) == "table" and x.id == id then return x end
  end
end

--- terminate_instance's check_answer: the answer names the instance asked
-- for among those it terminates, or it is no acceptance (bad_response,
-- which may have landed), whichever path reads it.
function M.about(answer, _, argv)
  if not named(answer, argv.id) then
    return format("Lambda answered without naming instance %s among those it terminates", args.describe(argv.id))
  end
end

-- After a terminate that was not plainly accepted: the instance as a
-- later listing shows it ({gone = true} when absent).
local function as_listed(item)
  if item == false then return "done", { gone = true } end
  return "done", item
end

-- Until the instance has left the listing or is listed as terminated.
local function until_gone(item)
  if item == false then return "done", "absent from the listing" end
  if ENDED[item.status] then return "done", "listed as terminated" end
  return "pending", item.status or "listed"
end

-- What the listing says of a terminate that failed with `err`: the
-- instance (done), or nil and the failure to report.
local function judged(id, err, seen)
  if seen.gone then
    if err.may_have_landed then
      -- gone, and perhaps by this very call: for a clean-up that is done
      err.maybe_deleted = true
    else
      err.message = format("%s; absent from the listing afterwards", tostring(err.message))
    end
    return nil, err
  end
  if ENDED[seen.status] or GOING[seen.status] then
    seen.already = seen.status
    return seen
  end
  local act = type(seen.actions) == "table" and seen.actions.terminate
  if type(act) == "table" and act.available == false then
    -- a preempted instance Lambda will not terminate has ended
    if seen.status == "preempted" then
      seen.already = seen.status
      return seen
    end
    return nil, errors.local_failure(OP, "conflict", format("Lambda says instance %s cannot be terminated now: %s",
      id, tostring(act.reason_description or act.reason_code or "no reason given")),
      { server_code = type(act.reason_code) == "string" and act.reason_code or nil, status = err.status,
        may_have_landed = err.may_have_landed })
  end
  err.message = format("%s; listed afterwards as %s", tostring(err.message), args.describe(seen.status))
  return nil, err
end

--- terminate_instances' settle: `answer`, err are the terminate's (an
-- answer names the instance: the row's check_answer).
function M.settle(ctx, argv, answer, err)
  local id = argv.id
  local accepted = answer and named(answer, id)
  if not accepted then
    if NOTHING_DONE[err.code] then return nil, err end
    local seen = watch.watch(ctx, id, watch.mark(ctx), settings(ctx), "after its terminate", as_listed)
    -- no listing read: the terminate's own failure
    if not seen then return nil, err end
    accepted, err = judged(id, err, seen)
    if not accepted then return nil, err end
    -- ended already: nothing to wait for
    if not GOING[accepted.status] then return accepted end
  end
  if not ctx.settings.wait then return accepted end
  local how, werr = watch.watch(ctx, id, watch.mark(ctx), settings(ctx), "leaving the listing", until_gone)
  if how then
    accepted.confirmed = how
    return accepted
  end
  -- accepted, and not seen to end: it may still
  werr.may_have_landed = true
  return nil, werr
end

return M
