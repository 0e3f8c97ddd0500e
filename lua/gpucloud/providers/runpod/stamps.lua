-- RunPod's times as epoch seconds, and back. v2 sends RFC 3339
-- ("2026-06-01T12:00:00Z", with a fraction or an offset); a third party
-- recorded Go's default format on the wire ("2026-10-04 11:09:24.633 +0000
-- UTC"), and the official CLI also reads Unix seconds as text. Each is
-- read; anything else is unknown (nil), never a guess. Pure arithmetic:
-- os.time would read the fields as local time.

local M = {}

local floor = math.floor

-- Days from 1970-01-01 to a civil date (proleptic Gregorian).
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

local function epoch(y, mo, d, h, mi, s)
  y, mo, d, h, mi, s = tonumber(y), tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(s)
  if mo < 1 or mo > 12 or d < 1 or d > 31 or h > 23 or mi > 59 or s > 60 then return nil end
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s
end

local DATE = "^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(.*)$"

-- An offset's seconds east of UTC from "Z", "+02:00" (RFC 3339) or
-- "+0200" (Go), else nil.
local function offset(zone, go)
  if not go and (zone == "Z" or zone == "z") then return 0 end
  local sign, h, m = zone:match(go and "^([%+%-])(%d%d)(%d%d)$" or "^([%+%-])(%d%d):(%d%d)$")
  if not sign then return nil end
  local secs = tonumber(h) * 3600 + tonumber(m) * 60
  return sign == "-" and -secs or secs
end

--- Whether `v` is RFC 3339 text (what the billing calls take).
function M.is_rfc3339(v)
  if type(v) ~= "string" then return false end
  local y, mo, d, h, mi, s, rest = v:match(DATE)
  if not y or not v:match("^%d%d%d%d%-%d%d%-%d%d[Tt]") then return false end
  rest = rest:gsub("^%.%d+", "", 1)
  return epoch(y, mo, d, h, mi, s) ~= nil and offset(rest) ~= nil
end

--- Epoch seconds (whole) from RFC 3339 text, Go's default format, Unix
-- seconds as digits, or a number; nil for anything else.
function M.epoch(v)
  if type(v) == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return nil end
    return floor(v)
  end
  if type(v) ~= "string" then return nil end
  if v:match("^%d+$") and #v <= 12 then return tonumber(v) end
  local y, mo, d, h, mi, s, rest = v:match(DATE)
  if not y then return nil end
  local t = epoch(y, mo, d, h, mi, s)
  if not t then return nil end
  rest = rest:gsub("^%.%d+", "", 1)
  local off = offset(rest)
  if not off then
    -- Go: " +0000 UTC" (the zone's name after the offset is for people)
    local zone = rest:match("^ ([%+%-]%d%d%d%d)$") or rest:match("^ ([%+%-]%d%d%d%d) %u+$")
    off = zone and offset(zone, true)
  end
  if not off then return nil end
  return t - off
end

--- RFC 3339 UTC text of epoch seconds (the billing calls' query).
function M.rfc3339(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", floor(t))
end

return M
