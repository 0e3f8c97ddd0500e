-- Waiting for something asynchronous to end (a TensorPool request, a job
-- being cancelled, a thing leaving a listing): one poll loop, bounded by a
-- deadline, polling through transient and unreadable answers, pausing as
-- the server asks (Retry-After) or at the interval.

local errors = require "gpucloud.errors"

local M = {}

-- A server saying "Retry-After: 0" must not get a busy loop.
local MIN_PAUSE = 0.05

-- Failed polls worth polling through: the network, 429, any 5xx, an
-- answer that could not be read. Anything else (401, 403, 404) ends the wait.
local POLL_THROUGH = { bad_response = true, timeout = true, too_large = true, server_error = true,
                       transport = true, connect = true, tls = true, rate_limited = true }
-- (A poll that was not sent, because what it would ask is not an id,
-- would not be sent the next time either.)
local function transient(err)
  if err.not_sent then return false end
  return err.retryable or POLL_THROUGH[err.code] or false
end
M.transient = transient

--- Seconds from a Retry-After header, or nil.
function M.retry_after(res)
  local v = res and res.headers and tonumber(res.headers["retry-after"])
  if v and v >= 0 then return v end
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
      -- a poll the deadline kept from being sent says less than the one before
      if not (last_err and a.attempts == 0) then last_err = a end
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
  local config = require "gpucloud.config"
  local gone, err = M.poll({ rt = ctx.rt, op = op, what = what .. " leaving the listing",
    deadline = ctx.settings.wait_timeout or config.WAIT_DEADLINE, interval = config.default("interval"),
    stop_at = ctx.stop_at }, function(stop)
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
