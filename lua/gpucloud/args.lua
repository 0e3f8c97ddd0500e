-- Argument checks for operation rows. A bad argument is a programming error:
-- the caller gets a raised error before anything is sent. Each checker
-- returns the value to use, or nil and what was expected (and, optionally,
-- a sentence of its own saying why, for checks whose refusal needs more
-- words than "must be X"). A row names a check here by name, or gives a
-- function of the same shape (a provider's own rule, kept in its file).

local M = {}

local tointeger = math.tointeger
local mtype = math.type -- nil before 5.3 (LuaJIT, 5.1, 5.2): every number is a double there
local floor = math.floor
local MAX_ID = 2 ^ 53 -- beyond this a double no longer holds every integer
local MAX_SEGMENT = 256
M.MAX_ID, M.MAX_SEGMENT = MAX_ID, MAX_SEGMENT

--- A positive integer id up to 2^53 (beyond it a double no longer holds
-- every integer, so an id could silently become its neighbour); an
-- integral float (102.0) becomes the integer 102. Strings are refused:
-- an id is never reparsed from text here (the command line checks its
-- own digits).
function M.positive_int(v)
  -- an integer (5.3+) needs only its range: one builtin call, not three
  if mtype and mtype(v) == "integer" then
    if v >= 1 and v <= MAX_ID then return v end
    return nil, "a positive integer up to 2^53"
  end
  if type(v) ~= "number" or v ~= v or v < 1 or v > MAX_ID or v ~= floor(v) then
    return nil, "a positive integer up to 2^53"
  end
  return tointeger and tointeger(v) or v
end

-- Does this text of decimal digits (no sign, no leading zero) name a
-- number above 2^53, which a double cannot hold exactly?
local MAX_ID_TEXT = string.format("%d", MAX_ID)
local function beyond_double(digits)
  return #digits > #MAX_ID_TEXT or (#digits == #MAX_ID_TEXT and digits > MAX_ID_TEXT)
end

--- A Vast.ai id: a positive integer up to 2^53 (see positive_int); an
-- integer the VM holds exactly beyond it (Lua 5.3+); or, beyond 2^53, its
-- decimal text, as the JSON decoder gives an id the VM cannot hold: sent
-- unchanged, so a listed id is never rounded into its neighbour.
function M.vast_id(v)
  if type(v) == "string" then
    if #v <= 20 and v:match("^[1-9]%d*$") and beyond_double(v) then return v end
    return nil, "a positive integer up to 2^53"
  end
  if mtype and mtype(v) == "integer" and v >= 1 then return v end
  return M.positive_int(v)
end

--- An id (or any number) as text: an integral number in digits, without
-- ".0" and never rounded by a cut to an integer (123.5 stays 123.5, where
-- "%d" would say 123 under LuaJIT and raise under 5.4), anything else as
-- tostring.
function M.id_text(v)
  if type(v) == "number" then
    if mtype and mtype(v) == "integer" then return string.format("%d", v) end
    if v == floor(v) and v > -2 ^ 63 and v < 2 ^ 63 then return string.format("%d", v) end
    local s = string.format("%.14g", v)
    if tonumber(s) ~= v then s = string.format("%.17g", v) end
    return s
  end
  return tostring(v)
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

--- An http:// or https:// base URL, without its trailing slashes (the
-- one rule: the client options, the environment, the command line).
function M.url(v)
  if type(v) ~= "string" or not v:match("^https?://[^/%s]+") or v:find("[%s%c]") then
    return nil, "an http:// or https:// URL"
  end
  return (v:gsub("/+$", ""))
end

--- A TensorPool id: a path segment (see path_segment).
function M.tp_id(v) return M.path_segment(v) end

--- Any string (a label, a name); the server judges its length and words.
function M.string(v)
  if type(v) ~= "string" then return nil, "a string" end
  return v
end

--- An option that is a boolean.
function M.boolean(v)
  if type(v) ~= "boolean" then return nil, "a boolean" end
  return v
end

--- Free text (a name): a non-empty string without control characters.
function M.text(v)
  if type(v) ~= "string" or v == "" or v:find("%c") then
    return nil, "a non-empty string without control characters"
  end
  return v
end

-- The field tables behind args.fields checks, for sample().
local fields_of = setmetatable({}, { __mode = "k" })

--- The check for a table of named fields sent as a JSON object (an edit's
-- body): `fields` maps each name the server takes to the check of its
-- value (a name of this module). An unknown name, a mistyped value or no
-- field at all is refused, so a typo never reaches the server as a
-- field it ignores. The check returns a copy.
function M.fields(fields)
  local names = {}
  for name, kind in pairs(fields) do
    assert(type(M[kind]) == "function", "gpucloud.args.fields: no check " .. tostring(kind))
    names[#names + 1] = name
  end
  table.sort(names)
  local want = "a table of " .. table.concat(names, ", ")
  local function check(v)
    if type(v) ~= "table" then return nil, want end
    local out, n = {}, 0
    for k, x in pairs(v) do
      if not fields[k] then return nil, want .. " (" .. M.describe(k) .. " is not one of them)" end
      local ok, w = M[fields[k]](x)
      if ok == nil then return nil, want .. " (" .. k .. " must be " .. w .. ", got " .. M.describe(x) .. ")" end
      out[k] = ok
      n = n + 1
    end
    if n == 0 then return nil, want .. " (at least one)" end
    return out
  end
  fields_of[check] = fields
  return check
end

-- A row's argument check: a name of this module, or a check itself.
local function check_of(kind)
  if type(kind) == "function" then return kind end
  return M[kind] or error("gpucloud.args: no check " .. tostring(kind), 3)
end

local function pct(c)
  return string.format("%%%02X", c:byte())
end

--- The check function a row names (a name of this module, or a check
-- itself); raises for an unknown name.
M.checker = check_of

--- The text of a checked value inside a URL.
function M.encode(v)
  if type(v) == "number" then return M.id_text(v) end
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
  if type(v) == "table" then return "a table" end
  return tostring(v)
end

-- What sample() offers a check, in turn.
local CANDIDATES = { 1, "x", true }

--- A value `kind` (a check's name here, or a check) accepts, for calls
-- made to exercise an operation (the secrets spec): the first of 1, "x",
-- true it takes, an args.fields table with its first field; nil when the
-- check takes none of them (the row then names its own `sample`).
function M.sample(kind)
  local check = check_of(kind)
  local fields = fields_of[check]
  if fields then
    local names = {}
    for name in pairs(fields) do names[#names + 1] = name end
    table.sort(names)
    local v = M.sample(fields[names[1]])
    if v ~= nil then return { [names[1]] = v } end
  end
  for _, v in ipairs(CANDIDATES) do
    if check(v) ~= nil then return v end
  end
  -- an optional argument (filters) takes nil
  if check(nil) ~= nil then return check(nil) end
end

--- Check `v` against `kind` (a check's name here, or a check function);
-- `name` names the value in the message. Returns the value to use, or nil
-- and a message: "NAME must be X, got Y", or "NAME: why" in the check's words.
function M.check(kind, v, name)
  local ok, want, why = check_of(kind)(v)
  if ok ~= nil then return ok end
  if why then return nil, name .. ": " .. why end
  return nil, name .. " must be " .. want .. ", got " .. M.describe(v)
end

return M
