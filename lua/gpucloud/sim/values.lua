-- The JSON values the simulator reads and keeps. Decoding is Debian's
-- lua-dkjson, told to mark arrays and objects with gpucloud.json's
-- metatables and to give JSON null as gpucloud.json.null, so `[]`, `{}` and
-- `null` stay apart from the wire to the state and back; encoding is
-- gpucloud.json's (one encoder for the whole project). Lua 5.1..5.4 and
-- LuaJIT, inside nginx or not.
--
-- dkjson is lenient: it reads "[1,]", "[1 2]", "01" and "\x" as if they were
-- JSON. Only what follows the value is checked here.

local dkjson = require "dkjson"
local json = require "gpucloud.json"

local M = {}

local null, array_mt, object_mt = json.null, json.array_mt, json.object_mt
local floor = math.floor

local function decode(text)
  local v, pos, err = dkjson.decode(text, 1, null, object_mt, array_mt)
  if err then return nil, "json: " .. err end
  -- dkjson stops after one value; whatever follows it is not JSON.
  if not text:find("^[ \t\r\n]*$", pos) then
    return nil, "json: trailing garbage at byte " .. pos
  end
  return v
end

-- decode(text) -> value | nil, message. Never raises (nesting deep enough
-- to exhaust the Lua stack is a message too). A top-level `null` is
-- json.null, not nil.
function M.decode(text)
  if type(text) ~= "string" then return nil, "json: expected a string" end
  local ok, v, err = pcall(decode, text)
  if not ok then return nil, "json: " .. tostring(v) end
  return v, err
end

-- A JSON object (not an array, not a scalar) -> table | nil, message.
function M.decode_object(text)
  local t, err = M.decode(text)
  if t == nil then return nil, "invalid JSON: " .. tostring(err) end
  if type(t) ~= "table" or json.is_array(t) then return nil, "expected a JSON object" end
  return t
end

local function copy(v, keep)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do
    if keep(k) then t[k] = copy(x, keep) end
  end
  local mt = getmetatable(v)
  if mt == array_mt or mt == object_mt then setmetatable(t, mt) end
  return t
end

local function any() return true end
local function not_private(k) return not (type(k) == "string" and k:sub(1, 1) == "_") end

-- A deep copy that keeps the array/object marks.
function M.deepcopy(v) return copy(v, any) end

-- What a client may see: a deep copy without the sim-private `_` fields.
function M.public(v) return copy(v, not_private) end

-- The public view of each element, as a JSON array.
function M.public_list(list)
  local out = json.array()
  for i, v in ipairs(list) do out[i] = copy(v, not_private) end
  return out
end

-- The first element of `list` whose `field` (default "id") is `id`, or nil.
function M.find(list, id, field)
  field = field or "id"
  for _, x in ipairs(list) do
    if x[field] == id then return x end
  end
end

-- A copy of `list` without `item`, kept a JSON array.
function M.without(list, item)
  local kept = json.array()
  for _, x in ipairs(list) do
    if x ~= item then kept[#kept + 1] = x end
  end
  return kept
end

-- An integral number that survives a round trip through JSON.
function M.is_integer(v)
  return type(v) == "number" and v == floor(v) and v >= -2 ^ 53 and v <= 2 ^ 53
end

return M
