-- The retry policy, in one place: which failures are worth another attempt,
-- how long to wait before it, which failures may have been carried out
-- anyway, and how long a server may make us wait. The one operation path
-- (call.lua) applies it; its defaults are in config.lua.

local M = {}

-- Failures worth another attempt: a 429 (the server refused the request
-- unread), a gateway or server timeout, a network failure. The policy
-- repeats a 429 always and the others only for operations marked
-- idempotent (errors.lua marks them all `retryable`).
local transient_code = { timeout = true, connect = true, transport = true }
local transient_status = { [408] = true, [502] = true, [503] = true, [504] = true }

--- Is `err` (status, code) a failure worth another attempt at all?
function M.transient(err)
  if err.code == "rate_limited" then return true end
  -- stopped on purpose (a signal): never tried again
  if err.code == "interrupted" then return false end
  if err.status then return transient_status[err.status] or false end
  return transient_code[err.code] or false
end

--- Is `err` worth another attempt of an operation described by `row`?
function M.retryable(row, err)
  if err.code == "rate_limited" then return true end
  return row.idempotent and M.transient(err) or false
end

--- Could the attempt behind `err` have been carried out by the server?
-- `sent` is how many times the transport put the request on a connection
-- (nil when it cannot say). Nothing sent: no. An answer in which the server
-- refused the request (a 4xx, a 2xx that says it failed): no. A server or
-- proxy failure (5xx), an answer lost or cut after sending (timeout,
-- network failure, an unreadable or too large answer, a transfer stopped
-- by a signal), or a request that libcurl re-sent by itself on a dead
-- keep-alive connection: it may have.
function M.may_have_landed(err, sent)
  if sent ~= nil and sent > 1 then return true end
  if sent == 0 then return false end
  if err.code == "bad_response" or err.code == "too_large" then return true end
  if err.status then return err.status >= 500 end
  return err.code == "timeout" or err.code == "transport" or err.code == "interrupted"
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
                 Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }

-- os.time reads a table as local time; this is the offset to undo that.
local function utc_offset(t)
  local u = os.date("!*t", t)
  u.isdst = false
  return os.time(u) - t
end

--- Seconds to wait from a Retry-After value: delta-seconds or an HTTP date
-- (`Wed, 21 Oct 2015 07:28:00 GMT`). nil when absent or unreadable.
function M.parse_retry_after(value, now)
  if type(value) ~= "string" then return nil end
  local secs = tonumber(value:match("^%s*(%d+%.?%d*)%s*$"))
  if secs then return secs end
  local d, mon, y, h, mi, s = value:match("(%d%d?) (%a%a%a) (%d%d%d%d) (%d%d):(%d%d):(%d%d) GMT")
  if not d or not MONTHS[mon] then return nil end
  local t = os.time { year = tonumber(y), month = MONTHS[mon], day = tonumber(d),
                      hour = tonumber(h), min = tonumber(mi), sec = tonumber(s), isdst = false }
  if not t then return nil end
  now = now or os.time()
  local at = t - utc_offset(t)
  return math.max(0, at - now)
end

--- Seconds to wait before the next attempt after failed attempt number
-- `attempt`, or nil to stop there. `policy` is {retries, base, max};
-- `header` the answer's Retry-After; `remaining` the seconds left before
-- the caller's deadline (nil: none). Capped exponential backoff with full
-- jitter, at least one slot of the operation's documented rate after a 429
-- (Vast.ai sends no Retry-After), or the server's Retry-After, which may not
-- exceed the cap (policy.max, or what is left of the deadline): a longer
-- one ends the call, and err.retry_after says what the server asked.
function M.next_delay(policy, row, err, attempt, header, remaining, random)
  local asked = M.parse_retry_after(header)
  if asked then err.retry_after = asked end
  if attempt > policy.retries or not M.retryable(row, err) then return nil end
  local wait
  if asked then
    if asked > policy.max then return nil end
    wait = asked
  else
    local ceiling = math.min(policy.max, policy.base * 2 ^ (attempt - 1))
    wait = (random or math.random)() * ceiling
    if err.code == "rate_limited" and row.rate then wait = math.max(wait, 1 / row.rate) end
  end
  if remaining and wait >= remaining then return nil end
  return wait
end

return M
