-- Waiting for something asynchronous to end (a TensorPool request, a job
-- being cancelled, a thing leaving a listing): one poll loop, bounded by a
-- deadline, polling through transient and unreadable answers, pausing as
-- the server asks (Retry-After) or at the interval.

local errors = require "gpucloud.errors"
local retry = require "gpucloud.retry"

local M = {}

-- A server saying "Retry-After: 0" must not get a busy loop.
local MIN_PAUSE = 0.05

-- What is worth polling through is the retry policy's to say.
local transient = retry.poll_through

--- Seconds from an answer's Retry-After header (seconds or an HTTP date,
-- read as retry.lua reads it), or nil.
function M.retry_after(res)
  return retry.parse_retry_after(res and res.headers and res.headers["retry-after"])
end

--- Poll until done. `poll(stop)` returns one of
--   "done", value          the wait is over: wait returns value
--   "failed", err          the thing ended badly: wait returns nil, err
--   "pending", state, s    not yet: state (kept for the timeout's message), pause hint
--   nil, err, s            the poll itself failed (polled through when transient)
-- `s` = {rt, op, what (words for messages), deadline (seconds), interval,
-- stop_at (an absolute limit from the caller, or nil)}.
function M.poll(s, poll)
  local rt = s.rt
  local stop = rt.now() + s.deadline
  if s.stop_at and s.stop_at < stop then stop = s.stop_at end
  local last, last_err, polls = nil, nil, 0
  while true do
    polls = polls + 1
    local state, a, pause = poll(stop)
    if state == "done" then return a end
    if state == "failed" then return nil, a end
    if state == "pending" then
      last = a
    elseif transient(a) then
      -- a poll the deadline kept from being sent, or cut short, says less
      -- than the one before
      if not (last_err and (a.attempts == 0 or a.code == "timeout")) then last_err = a end
    else
      return nil, a
    end
    local left = stop - rt.now()
    if left <= 0 then
      local seen = last and ("last state: " .. tostring(last))
        or (last_err and ("last poll: " .. tostring(last_err))) or "no answer"
      return nil, errors.local_failure(s.op, "timeout", string.format(
        "%s not finished by the deadline (%d polls; %s)", s.what, polls, seen), { last = last, last_error = last_err })
    end
    rt.sleep(math.min(math.max(pause or s.interval, MIN_PAUSE), left))
  end
end

--- After a delete answered 2xx, in a bulk settle's `ctx`: poll the
-- listing `list(stop)` (-> list | nil, err, res) until nothing in it
-- matches `match` ({id = x}). Returns `value` (`confirmed` set when it is
-- a table), or nil and the wait's error with may_have_landed (answered as
-- done and not seen to go: it may still). `what` names the thing.
function M.until_unlisted(ctx, op, what, list, match, value)
  local s = require("gpucloud.config").wait(op, { deadline = ctx.settings.wait_timeout })
  local gone, err = M.poll({ rt = ctx.rt, op = op, what = what .. " leaving the listing",
    deadline = s.deadline, interval = s.interval, stop_at = ctx.stop_at }, function(stop)
    local l, e, res = list(stop)
    if not l then return nil, e, M.retry_after(res) end
    if l:first(match) then return "pending", "listed" end
    return "done", "absent from the listing"
  end)
  if not gone then
    err.may_have_landed = true
    return nil, err
  end
  if type(value) == "table" then value.confirmed = gone end
  return value
end

return M
