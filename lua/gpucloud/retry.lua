-- The retry policy, in one place: which failures are worth another attempt,
-- how long to wait before it, and what a failed delete that may have landed
-- looks like. The generic operation path (client.lua) applies it.

local M = {}

M.DEFAULTS = {
  retries = 3,        -- retries after the first attempt
  base = 0.25,        -- first backoff ceiling, seconds
  max = 8,            -- backoff ceiling, seconds
}

-- Failures worth another attempt: a 429 (the server refused the request
-- unread), a gateway or server timeout, a network failure. errors.lua marks
-- them `retryable`; the policy repeats them, 429 always and the others only
-- for operations marked idempotent.
local transient_code = { timeout = true, connect = true, transport = true }
local transient_status = { [408] = true, [502] = true, [503] = true, [504] = true }

-- Failures after which the request may have been carried out anyway.
local landed_code = { timeout = true, transport = true }
local landed_status = { [502] = true, [503] = true, [504] = true }

--- Is `err` (status, code) a failure worth another attempt at all?
function M.transient(err)
  if err.code == "rate_limited" then return true end
  if err.status then return transient_status[err.status] or false end
  return transient_code[err.code] or false
end

--- Is `err` worth another attempt of an operation described by `row`?
function M.retryable(row, err)
  if err.code == "rate_limited" then return true end
  return row.idempotent and M.transient(err) or false
end

--- Could the request behind `err` have been applied by the server?
function M.may_have_landed(err)
  if err.status then return landed_status[err.status] or false end
  return landed_code[err.code] or false
end

--- A failure that says the thing is not there (any 404, or a 4xx whose
-- words say so: Vast.ai answers an unknown endpoint with 400
-- "Routegroup not found for user").
function M.is_not_found(err)
  if err.status == 404 or err.code == "not_found" then return true end
  return err.status ~= nil and err.status >= 400 and err.status < 500
    and type(err.message) == "string" and err.message:lower():find("not found", 1, true) ~= nil
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

--- Seconds to wait before retry number `attempt` (1 for the first retry):
-- capped exponential backoff with full jitter, or the server's Retry-After
-- when it sent one, and at least one slot of the operation's documented
-- rate for a 429 (Vast.ai sends no Retry-After).
function M.delay(policy, row, err, attempt, retry_after, random)
  if retry_after then return retry_after end
  local ceiling = math.min(policy.max, policy.base * 2 ^ (attempt - 1))
  local wait = (random or math.random)() * ceiling
  if err.code == "rate_limited" and row.rate then wait = math.max(wait, 1 / row.rate) end
  return wait
end

return M
