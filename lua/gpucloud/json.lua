-- JSON in and out, with the normalisation DESIGN.md asks for: Debian's
-- lua-cjson 2.1.0 decodes 4242 as 4242.0 on Lua 5.4 and null as a truthy
-- cjson.null, so an id read from a listing would not survive a round trip
-- into a URL. After decode, object members that are null are removed and
-- integral numbers become integers (on VMs that have them).

local cjson = require "cjson.safe"

-- A private instance: settings made here do not leak into the caller's cjson.
local codec = cjson.new()
codec.decode_max_depth(256)
codec.encode_max_depth(256)

local M = {}

--- JSON null as cjson gives it. Kept only inside arrays, where removing an
-- element would shift every later one.
M.null = codec.null

local null = codec.null
local tointeger = math.tointeger -- nil on LuaJIT / Lua 5.1
local type, next = type, next

local function normalise(t)
  for k, v in next, t do
    local tv = type(v)
    if tv == "table" then
      normalise(v)
    elseif v == null then
      -- JSON object keys are strings; numeric keys mean an array element
      if type(k) == "string" then t[k] = nil end
    elseif tv == "number" and tointeger then
      local i = tointeger(v)
      if i then t[k] = i end
    end
  end
  return t
end

-- The C core decodes and normalises in one pass (about three times faster
-- than cjson and the walk above on a listing); without the core (inside
-- nginx, where it is optional) cjson and the walk do the same.
local ok_core, core = pcall(require, "gpucloud.core")
local core_decode = ok_core and type(core) == "table" and core.json_decode or nil

--- Decode and normalise. Returns the value, or nil and a message.
-- A top-level `null` decodes to nil with no message.
function M.decode(text)
  if core_decode then
    local v, err = core_decode(text, null)
    if v == null then return nil end
    return v, err
  end
  return M.decode_cjson(text)
end

--- The same through cjson and the walk in Lua (the fallback, and what
-- specs compare the core's decoder with).
function M.decode_cjson(text)
  local v, err = codec.decode(text)
  if v == nil then return nil, err end
  if v == null then return nil end
  local tv = type(v)
  if tv == "table" then return normalise(v) end
  if tv == "number" and tointeger then return tointeger(v) or v end
  return v
end

M.normalise = function(v)
  if type(v) == "table" then return normalise(v) end
  return v
end

function M.encode(v)
  return codec.encode(v)
end

local format, concat, sort = string.format, table.concat, table.sort
local floor = math.floor

--- Encode a flat request object with sorted keys. Integral numbers are
-- written as integers: cjson 2.1.0 prints at most 14 significant digits, so
-- it would send a large id as 1.2345678901234e+14.
function M.encode_object(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  sort(keys)
  local parts = {}
  for i, k in ipairs(keys) do
    local v = t[k]
    local s
    if type(v) == "number" and v == floor(v) and v >= -2 ^ 53 and v <= 2 ^ 53 then
      s = format("%d", v)
    else
      s = assert(codec.encode(v))
    end
    parts[i] = assert(codec.encode(tostring(k))) .. ":" .. s
  end
  return "{" .. concat(parts, ",") .. "}"
end

--- An encoder for objects with these fields (values read from a table by
-- name), written as encode_object writes them: the sorted keys are encoded
-- once here instead of on every call.
function M.object_encoder(names)
  local sorted = {}
  for i, k in ipairs(names) do sorted[i] = k end
  sort(sorted)
  local prefixes = {}
  for i, k in ipairs(sorted) do prefixes[i] = assert(codec.encode(tostring(k))) .. ":" end
  local n = #sorted
  return function(values)
    local parts = {}
    for i = 1, n do
      local v = values[sorted[i]]
      if v ~= nil then -- absent, as encode_object leaves it
        local s
        if type(v) == "number" and v == floor(v) and v >= -2 ^ 53 and v <= 2 ^ 53 then
          s = format("%d", v)
        else
          s = assert(codec.encode(v))
        end
        parts[#parts + 1] = prefixes[i] .. s
      end
    end
    return "{" .. concat(parts, ",") .. "}"
  end
end

return M
