-- terminate_instances: Lambda's terminate, one instance per call, with a
-- report exact per id (docs/lambda.md, "Terminating").
--
-- Each id's instance is read first (check_instance, the bulk row): one
-- already `terminated` is done, one `terminating` is under way, one whose
-- `actions.terminate.available` is false is refused in Lambda's words
-- (a preempted one that cannot be terminated has ended: done). Only then
-- is it terminated: POST /instance-operations/terminate with this one id,
-- accepted when the answer names it among `terminated_instances`.
-- Lambda documents no partial failure of a batch, and answered a second
-- terminate of an instance already terminating with `global/unknown`: so
-- any answer but an accepted one (a bad key, a refusal, a rate limit
-- aside) is judged by a listing asked for after it: absent is gone
-- (maybe_deleted: counts as done), `terminating` or `terminated` is
-- accepted, anything else is the terminate's failure. With `wait = true`
-- an accepted terminate is followed by listing again until the instance
-- is absent or `terminated`, bounded by the run's deadline.

local args = require "gpucloud.args"
local config = require "gpucloud.config"
local errors = require "gpucloud.errors"
local json = require "gpucloud.json"
local watch = require "gpucloud.providers.lambda.watch"
local wire = require "gpucloud.providers.lambda.wire"

local M = {}

local format = string.format
local OP = "lambda.terminate_instances"

-- An instance in this status has ended; in this one its terminate is under way.
local ENDED = { terminated = true }
local GOING = { terminating = true }
-- Failures that say nothing was done: nothing to judge.
local NOTHING_DONE = { unauthorized = true, forbidden = true, rate_limited = true }

local function settings(ctx)
  return { deadline = ctx.settings.wait_timeout or config.WAIT_DEADLINE, interval = config.default("interval") }
end

-- The entry of `id` in a terminate's answer, or nil.
local function named(answer, id)
  local list = answer.terminated_instances
  if not json.is_array(list) then return nil end
  for _, x in ipairs(list) do
    if type(x) == "table" and x.id == id then return x end
  end
end

-- After a terminate that was not plainly accepted: what a later listing says.
local function after_terminate(item)
  if item == false then return "done", { gone = true } end
  if ENDED[item.status] or GOING[item.status] then return "done", item end
  return "failed", item
end

-- Until the instance has left the listing or is listed as terminated.
local function until_gone(item)
  if item == false then return "done", "absent from the listing" end
  if ENDED[item.status] then return "done", "listed as terminated" end
  return "pending", item.status or "listed"
end

-- Terminate `id`: the instance accepted (the answer's entry, or as a
-- listing shows it), or nil, err.
local function send(ctx, spec, id)
  local answer, err = wire.call(ctx, spec, "terminate_batch", { instance_ids = json.array { id } }, ctx.opts)
  local mark = watch.mark(ctx)
  if answer then
    local entry = named(answer, id)
    if entry then return entry end
    err = errors.local_failure(OP, "bad_response",
      format("Lambda answered without naming instance %s among those it terminates", id),
      { may_have_landed = true, body = answer })
  elseif NOTHING_DONE[err.code] then
    return nil, err
  end
  local seen, why = watch.watch(ctx, spec, id, mark, settings(ctx), "after its terminate", after_terminate)
  if seen and seen.gone then
    -- gone, and perhaps by this very call: for a clean-up that is done
    err.may_have_landed, err.maybe_deleted = true, true
    return nil, err
  end
  if seen then
    seen.already = seen.status
    return seen
  end
  if type(why) == "table" and not errors.is(why) then
    err.message = format("%s; listed afterwards as %s", tostring(err.message), args.describe(why.status))
  end
  return nil, err
end

--- terminate_instances' settle: `inst` is what check_instance read.
function M.settle(spec)
  return function(ctx, argv, inst, err)
    local id = argv.id
    if inst == nil then return nil, wire.read_error(spec, err) end
    wire.hide(inst)
    local accepted
    if ENDED[inst.status] then
      inst.already = inst.status
      return inst
    elseif GOING[inst.status] then
      inst.already = inst.status
      accepted = inst
    else
      local act = type(inst.actions) == "table" and inst.actions.terminate
      if type(act) == "table" and act.available == false then
        -- a preempted instance Lambda will not terminate has ended
        if inst.status == "preempted" then
          inst.already = inst.status
          return inst
        end
        return nil, errors.local_failure(OP, "conflict", format("Lambda says instance %s cannot be terminated now: %s",
          id, tostring(act.reason_description or act.reason_code or "no reason given")),
          { server_code = type(act.reason_code) == "string" and act.reason_code or nil })
      end
      local aerr
      accepted, aerr = send(ctx, spec, id)
      if not accepted then return nil, aerr end
    end
    if not ctx.settings.wait then return accepted end
    local how, werr = watch.watch(ctx, spec, id, watch.mark(ctx), settings(ctx), "leaving the listing", until_gone)
    if how then
      accepted.confirmed = how
      return accepted
    end
    -- accepted, and not seen to end: it may still
    werr.may_have_landed = true
    return nil, werr
  end
end

return M
