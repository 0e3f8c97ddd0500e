-- Times as the APIs send them and as people read them: epoch seconds from
-- a number or an ISO 8601 text, an age ("3h12m"), a UTC date.

local M = {}

local format, floor = string.format, math.floor

-- Seconds east of UTC of what follows the seconds: a fraction, then "Z",
-- "+02:00" (ISO 8601) or " +0200" (Go's default format); 0 for none.
local function offset(rest)
  rest = rest:gsub("^%.%d+", "", 1)
  local sign, h, m = rest:match("^ ?([%+%-])(%d%d):?(%d%d)")
  if not sign then return 0 end
  local secs = tonumber(h) * 3600 + tonumber(m) * 60
  return sign == "-" and -secs or secs
end

--- Epoch seconds from a number or an ISO 8601 text ("2026-01-03T17:47:00Z",
-- "2026-06-11T10:00:00+02:00"; no zone: UTC); nil for anything else.
function M.epoch(v)
  if type(v) == "number" then return v end
  if type(v) ~= "string" then return nil end
  local y, mo, d, h, mi, s, rest = v:match("^(%d%d%d%d)-(%d%d)-(%d%d)[T ](%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return nil end
  local t = os.time { year = tonumber(y), month = tonumber(mo), day = tonumber(d),
                      hour = tonumber(h), min = tonumber(mi), sec = tonumber(s), isdst = false }
  local u = os.date("!*t", t)
  u.isdst = false
  return t - (os.time(u) - t) - offset(rest) -- os.time read the fields as local time
end

--- A number of seconds as people read it: "3d4h", "5h12m", "42s".
function M.age(s)
  if type(s) ~= "number" or s ~= s then return nil end
  s = floor(s)
  if s < 0 then return "-" .. M.age(-s) end
  if s >= 86400 then return format("%dd%dh", floor(s / 86400), floor(s % 86400 / 3600)) end
  if s >= 3600 then return format("%dh%dm", floor(s / 3600), floor(s % 3600 / 60)) end
  if s >= 60 then return format("%dm", floor(s / 60)) end
  return format("%ds", s)
end

--- A time as a UTC date: "2026-01-31 17:47Z".
function M.date(t)
  t = M.epoch(t)
  if not t or t ~= t or t > 253402300799 or t < -62135596800 then return nil end
  return os.date("!%Y-%m-%d %H:%MZ", floor(t))
end

return M
