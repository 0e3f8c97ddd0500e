-- What the command line accepts, checked by the command line itself before
-- any client is made or anything is sent. Each check takes the text as
-- typed and returns the value to use, or nil and what was wanted, naming
-- what was typed. Numbers are read from decimal digits only: `tonumber`
-- would take 0x65, 1e2, " 101" and round past 2^53, and a deletion tool
-- must act on the id that was typed and no other.

local M = {}

local args = require "gpucloud.args"

local format = string.format

--- Text as typed, quoted so that spaces and control characters show; long
-- text is cut (the library's rule, the same under every Lua).
M.describe = args.describe

-- The library's limit (2^53: every whole number up to it is exact in a
-- double, so an id read here is the id sent under every interpreter),
-- compared as text.
local MAX_VAST_ID = format("%d", args.MAX_ID)

--- A Vast.ai id: decimal digits, 1 to 2^53.
function M.vast_id(s)
  local digits = s:match("^0*([0-9]+)$")
  if digits and digits ~= "0"
      and (#digits < #MAX_VAST_ID or (#digits == #MAX_VAST_ID and digits <= MAX_VAST_ID)) then
    return tonumber(digits)
  end
  return nil, format("id must be a positive integer, got %s (Vast.ai ids are decimal digits, 1 to %s)",
    M.describe(s), MAX_VAST_ID)
end

--- An id that is text (TensorPool's, RunPod's, Lambda Cloud's): text that
-- cannot change the path or the request line (the library's rule: one
-- path segment, percent-encoded when sent).
function M.segment_id(s)
  if args.path_segment(s) then return s end
  return nil, format("id must be 1 to %d bytes without '/' or control characters, and not . or .., got %s",
    args.MAX_SEGMENT, M.describe(s))
end
M.tensorpool_id = M.segment_id -- its first name

--- A positive number of seconds, in decimal: 5, 0.2, .5
function M.seconds(s)
  local n = (s:match("^%d+%.?%d*$") or s:match("^%.%d+$")) and tonumber(s)
  if n and n > 0 and n < math.huge then return n end
  return nil, "a positive number of seconds, got " .. M.describe(s)
end

--- A whole number >= min, in decimal digits (at most 15, so exact).
function M.count(min)
  return function(s)
    local n = s:match("^%d+$") and #s <= 15 and tonumber(s)
    if n and n >= min then return n end
    return nil, format("a whole number >= %d, got %s", min, M.describe(s))
  end
end

--- An http:// or https:// base URL.
function M.url(s)
  if args.url(s) then return s end
  return nil, "an http:// or https:// URL, got " .. M.describe(s)
end

--- An API key. Never echoed, not even in part.
function M.api_key(s)
  if s == "" then return nil, "a key, got an empty one" end
  if s:find("%c") then return nil, "a key without control characters (the one given has some)" end
  return s
end

--- A file name.
function M.path(s)
  if s == "" then return nil, "a file name, got an empty one" end
  return s
end

--- FIELD=VALUE, as {field, value}; FIELD!=VALUE as {field, value, not = true}.
function M.filter(s)
  local field, value = s:match("^([^=]-)!=(.*)$")
  if field and field ~= "" then return { field, value, ["not"] = true } end
  field, value = s:match("^([^=]+)=(.*)$")
  if field then return { field, value } end
  return nil, "FIELD=VALUE or FIELD!=VALUE, got " .. M.describe(s)
end

--- Column names, comma-separated ("id,label,dph_total"), or "all".
function M.columns(s)
  if s == "all" then return "all" end
  local out = {}
  for name in (s .. ","):gmatch("([^,]*),") do
    name = name:match("^%s*(.-)%s*$")
    if name == "" or name:find("%c") then
      return nil, "column names separated by commas, or all, got " .. M.describe(s)
    end
    out[#out + 1] = name
  end
  return out
end

--- Free text (a label, a name): anything but control characters.
function M.text(s)
  if not s:find("%c") then return s end
  return nil, "text without control characters, got " .. M.describe(s)
end

--- true or false.
function M.boolean(s)
  if s == "true" then return true end
  if s == "false" then return false end
  return nil, "true or false, got " .. M.describe(s)
end

local UNITS = { s = 1, m = 60, h = 3600, d = 86400, w = 604800 }

--- A duration: seconds, or digits with units (90s, 30m, 6h, 2d, 1h30m).
function M.duration(s)
  if s:match("^%d+$") then return tonumber(s) end
  local total, rest = 0, s
  while rest ~= "" do
    local n, unit, tail = rest:match("^(%d+)([smhdw])(.*)$")
    if not n then return nil, "a duration such as 90s, 30m, 6h or 2d, got " .. M.describe(s) end
    total, rest = total + tonumber(n) * UNITS[unit], tail
  end
  if s == "" then return nil, "a duration such as 90s, 30m, 6h or 2d, got " .. M.describe(s) end
  return total
end

--- Dollars, in decimal: 0.5, 12 (--cost-above).
function M.dollars(s)
  local n = (s:match("^%d+%.?%d*$") or s:match("^%.%d+$")) and tonumber(s)
  if n and n < math.huge then return n end
  return nil, "an amount of dollars such as 0.5 or 12, got " .. M.describe(s)
end

--- A UTC day, YYYY-MM-DD, kept as typed (the library reads it).
function M.day(s)
  if require("gpucloud.times").day(s) then return s end
  return nil, "a UTC day YYYY-MM-DD, got " .. M.describe(s)
end

--- A time as epoch seconds: a duration back from now (7d, 12h), a UTC
-- day (YYYY-MM-DD: its start), or now.
function M.when(s)
  local at = require("gpucloud.times").day(s)
  if at then return at end
  if s == "now" then return os.time() end
  local ago = s ~= "" and M.duration(s)
  if ago then return os.time() - ago end
  return nil, "a duration back from now (7d, 12h), a UTC day YYYY-MM-DD or now, got " .. M.describe(s)
end

--- A JSON file of prices (the fleet's `prices` option): the table it
-- holds, read and checked now, so that a bad file is a usage error
-- before anything is listed.
function M.prices(path)
  if path == "" then return nil, "a JSON file of prices, got an empty name" end
  local f, err = io.open(path, "rb")
  if not f then return nil, "a JSON file of prices: " .. tostring(err) end
  local text = f:read("*a")
  f:close()
  local t, derr = require("gpucloud.json").decode(text)
  if type(t) ~= "table" then
    return nil, format("a JSON file of prices: %s is not a JSON object%s", path, derr and (" (" .. derr .. ")") or "")
  end
  local ok, why = pcall(require("gpucloud.fleet.rates").check, path, "prices", t, 1)
  if not ok then return nil, "a JSON file of prices: " .. (tostring(why):gsub("^[^:]*:%d+: ", "")) end
  return t
end

--- One of a list of words.
function M.one_of(words)
  return function(s)
    for _, w in ipairs(words) do
      if s == w then return s end
    end
    return nil, format("one of %s, got %s", table.concat(words, ", "), M.describe(s))
  end
end

return M
