-- Times as the APIs send them and as people read them: epoch seconds from
-- a number or a text, RFC 3339 back, an age ("3h12m"), a UTC date.
--
-- The texts read: ISO 8601 / RFC 3339 ("2026-06-01T12:00:00Z", with a
-- fraction and an offset: RunPod's v2, Lambda Cloud's `created`), Go's
-- default format ("2026-10-04 11:09:24.633 +0000 UTC", recorded on
-- RunPod's wire by a third party) and Unix seconds as digits (RunPod's CLI
-- reads them). A zone that cannot be read, or a date that is not one, is
-- unknown (nil), never a guess. Pure arithmetic: os.time would read the
-- fields as local time.

local M = {}

local format, floor = string.format, math.floor

-- Days from 1970-01-01 to a civil date (proleptic Gregorian): arithmetic,
-- so no time zone or os.time can move it.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

--- Days from 1970-01-01 to year `y`, month `m`, day `d` (UTC).
M.days_from_civil = days_from_civil

local DATE = "^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(.*)$"

-- The fields as UTC epoch seconds, or nil when they are not a time (a
-- 30th of February too: the day after the month's last is no date).
local function fields(y, mo, d, h, mi, s)
  y, mo, d, h, mi, s = tonumber(y), tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(s)
  if mo < 1 or mo > 12 or d < 1 or h > 23 or mi > 59 or s > 60 then return nil end
  local days = days_from_civil(y, mo, d)
  local first_next = mo == 12 and days_from_civil(y + 1, 1, 1) or days_from_civil(y, mo + 1, 1)
  if days >= first_next then return nil end
  return days * 86400 + h * 3600 + mi * 60 + s
end

-- Seconds east of UTC of what follows the seconds (a fraction already
-- removed): "Z"; "+02:00" or "+0200", after a space too (Go), and a zone's
-- name after it (" +0000 UTC"). false when there is none; nil when it
-- cannot be read.
local function zone(rest)
  if rest == "" then return false end
  if rest == "Z" or rest == "z" then return 0 end
  local sign, h, m = rest:match("^ ?([%+%-])(%d%d):?(%d%d)$")
  if not sign then sign, h, m = rest:match("^ ([%+%-])(%d%d)(%d%d) %u+$") end
  if not sign then return nil end
  local secs = tonumber(h) * 3600 + tonumber(m) * 60
  return sign == "-" and -secs or secs
end

-- Epoch seconds of a text, and whether it named its zone; nil when it is
-- not a time.
local function read_text(v)
  if v:match("^%d+$") and #v <= 12 then return tonumber(v), true end
  local y, mo, d, h, mi, s, rest = v:match(DATE)
  if not y then return nil end
  local t = fields(y, mo, d, h, mi, s)
  local off = zone((rest:gsub("^%.%d+", "", 1)))
  if not t or off == nil then return nil end
  return t - (off or 0), off ~= false
end

--- Epoch seconds from a number or a time text; a text without a zone is
-- UTC (a listing that leaves it out); nil for anything else.
function M.epoch(v)
  if type(v) == "number" then return v end
  if type(v) ~= "string" then return nil end
  return (read_text(v))
end

--- Whole epoch seconds only from what names its instant: a finite
-- number, Unix seconds as digits, or a time text with its zone; nil for
-- anything else (a provider's documented format, read exactly).
function M.exact(v)
  if type(v) == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return nil end
    return floor(v)
  end
  if type(v) ~= "string" then return nil end
  local t, zoned = read_text(v)
  if t and zoned then return floor(t) end
end

--- Whether `v` is RFC 3339 text ("2026-06-01T00:00:00Z", a fraction or a
-- "+02:00" offset allowed): what RunPod's billing calls take.
function M.is_rfc3339(v)
  if type(v) ~= "string" or not v:match("^%d%d%d%d%-%d%d%-%d%d[Tt]%d%d:%d%d:%d%d") then return false end
  local rest = v:sub(20):gsub("^%.%d+", "", 1)
  if not (rest == "Z" or rest == "z" or rest:match("^[%+%-]%d%d:%d%d$")) then return false end
  return M.exact(v) ~= nil
end

--- RFC 3339 UTC text of epoch seconds.
function M.rfc3339(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", floor(t))
end

--- A UTC day "YYYY-MM-DD" as the epoch second it starts at; nil for
-- anything else (a month past 12, a day past 31).
function M.day(s)
  if type(s) ~= "string" then return nil end
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if not y or m < 1 or m > 12 or d < 1 or d > 31 then return nil end
  return days_from_civil(y, m, d) * 86400
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
