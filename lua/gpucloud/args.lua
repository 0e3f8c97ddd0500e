-- Argument checks for operation rows. A bad argument is a programming error:
-- the caller gets a raised error before anything is sent. Each checker
-- returns the value to use, or nil and what was expected.

local M = {}

local tointeger = math.tointeger
local floor = math.floor
local MAX_ID = 2 ^ 53 -- beyond this a double no longer holds every integer
local MAX_SEGMENT = 256

--- A positive integer id; 102.0 (as cjson decodes it on Lua 5.4) becomes 102.
function M.positive_int(v)
  if type(v) ~= "number" or v ~= v or v < 1 or v > MAX_ID or v ~= floor(v) then
    return nil, "a positive integer"
  end
  return tointeger and tointeger(v) or v
end

--- A string id that becomes one path segment: refused when it could change
-- the path (`/`, dot segments) or the request line (control characters).
function M.path_segment(v)
  if type(v) ~= "string" or v == "" or #v > MAX_SEGMENT then
    return nil, "a non-empty string of at most " .. MAX_SEGMENT .. " bytes"
  end
  if v:find("/", 1, true) or v:find("%c") or v == "." or v == ".." then
    return nil, "a string without '/', control characters or dot segments"
  end
  return v
end

--- An option that is a boolean.
function M.boolean(v)
  if type(v) ~= "boolean" then return nil, "a boolean" end
  return v
end

local function pct(c)
  return string.format("%%%02X", c:byte())
end

--- The text of a checked value inside a URL.
function M.encode(v)
  if type(v) == "number" then return string.format("%d", v) end
  return (tostring(v):gsub("[^%w%-%._~]", pct))
end

-- %q as Lua 5.2+ and LuaJIT write it (PUC 5.1's leaves control characters
-- raw), with a newline as \n: a digit after an escape makes it three digits.
local function quote(s)
  s = s:gsub('[\\"]', "\\%0"):gsub("\n", "\\n")
  return '"' .. s:gsub("(%c)(%d?)", function(c, d)
    return string.format(d == "" and "\\%d" or "\\%03d", c:byte()) .. d
  end) .. '"'
end

--- A value as it should appear in an error message.
function M.describe(v)
  if type(v) == "string" then
    if #v > 40 then v = v:sub(1, 40) .. "..." end
    return quote(v)
  end
  return tostring(v)
end

return M
