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

------------------------------------------------------------------------
-- Encoding. Not cjson's encoder: Debian's 2.1.0 writes an empty array as
-- `{}` and a large id in exponent form (14 significant digits). One encoder
-- serves the request bodies, the command line's --json output and the
-- simulator's answers.

local array_mt = { __name = "gpucloud.json.array" }
local object_mt = { __name = "gpucloud.json.object" }
M.array_mt, M.object_mt = array_mt, object_mt

--- Mark a table (default: a new one) as a JSON array / object; returns it.
-- Unmarked tables are arrays when their keys are exactly 1..n, and an empty
-- unmarked table is an empty array: in these APIs an empty value is a list.
function M.array(t) return setmetatable(t or {}, array_mt) end
function M.object(t) return setmetatable(t or {}, object_mt) end
function M.is_array(t) return type(t) == "table" and getmetatable(t) == array_mt end

local format, concat, sort = string.format, table.concat, table.sort
local floor, huge = math.floor, math.huge

local function encode_number(n)
  if n ~= n or n == huge or n == -huge then
    error("json: cannot encode " .. tostring(n), 0)
  end
  -- integral values print without a fraction, as the services send ids
  if floor(n) == n and n >= -2 ^ 53 and n <= 2 ^ 53 then return format("%d", n) end
  local s = format("%.14g", n)
  if tonumber(s) ~= n then s = format("%.17g", n) end
  return s
end

-- Not cjson's string escaping either: it writes "/" as "\/", valid but
-- not what these APIs send, and URLs are most of the strings here.
local escapes = {
  ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
  ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
}

local function escape_char(c)
  return escapes[c] or format("\\u%04x", c:byte())
end

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', escape_char) .. '"'
end

-- Is t a sequence 1..n and nothing else? Returns n, or nil.
local function array_length(t)
  local n = 0
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or floor(k) ~= k then return nil end
    if k > n then n = k end
  end
  for i = 1, n do
    if t[i] == nil then return nil end -- sparse: an object with numeric keys
  end
  return n
end

local encode_value

local function encode_table(t, depth, out, mask)
  if depth > 100 then error("json: nesting too deep (cycle?)", 0) end
  local mt = getmetatable(t)
  local n
  if mt == array_mt then
    n = array_length(t)
    if not n then error("json: array-marked table has non-sequence keys", 0) end
  elseif mt ~= object_mt then
    n = array_length(t)
  end
  if n then
    out[#out + 1] = "["
    for i = 1, n do
      if i > 1 then out[#out + 1] = "," end
      encode_value(t[i], depth + 1, out, mask)
    end
    out[#out + 1] = "]"
    return
  end
  -- sorted keys: stable output makes logs and specs reproducible
  local keys = {}
  for k in pairs(t) do
    local tk = type(k)
    if tk ~= "string" and tk ~= "number" then error("json: cannot encode a " .. tk .. " key", 0) end
    keys[#keys + 1] = k
  end
  sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  out[#out + 1] = "{"
  for i, k in ipairs(keys) do
    if i > 1 then out[#out + 1] = "," end
    out[#out + 1] = encode_string(type(k) == "number" and encode_number(k) or k)
    out[#out + 1] = ":"
    if mask and mask[k] then
      out[#out + 1] = '"<hidden>"'
    else
      encode_value(t[k], depth + 1, out, mask)
    end
  end
  out[#out + 1] = "}"
end

encode_value = function(v, depth, out, mask)
  local tv = type(v)
  if v == nil or v == null then
    out[#out + 1] = "null"
  elseif tv == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif tv == "number" then
    out[#out + 1] = encode_number(v)
  elseif tv == "string" then
    out[#out + 1] = encode_string(v)
  elseif tv == "table" then
    encode_table(v, depth, out, mask)
  elseif tv == "userdata" and (tostring(v) == "userdata: (nil)" or tostring(v) == "userdata: NULL") then
    out[#out + 1] = "null" -- another null: ngx.null, a second cjson instance's
  else
    error("json: cannot encode a " .. tv, 0)
  end
end

--- json.encode(value[, {mask = {field = true}}]) -> string.
-- Fields named in `mask` are written as "<hidden>" (credentials in
-- listings). Raises on what JSON cannot hold (functions, NaN, cycles).
function M.encode(v, opts)
  local out = {}
  encode_value(v, 0, out, opts and opts.mask)
  return concat(out)
end

--- An encoder for objects with these fields (values read from a table by
-- name), writing what M.encode writes for them: the request body of an
-- operation is always the same fields, so their keys are sorted and
-- encoded once here instead of on every call. Absent fields are left out.
function M.object_encoder(names)
  local sorted = {}
  for i, k in ipairs(names) do sorted[i] = k end
  sort(sorted)
  local prefixes = {}
  for i, k in ipairs(sorted) do prefixes[i] = encode_string(k) .. ":" end
  local n = #sorted
  return function(values)
    local out = { "{" }
    for i = 1, n do
      local v = values[sorted[i]]
      if v ~= nil then
        if #out > 1 then out[#out + 1] = "," end
        out[#out + 1] = prefixes[i]
        encode_value(v, 1, out)
      end
    end
    out[#out + 1] = "}"
    return concat(out)
  end
end

return M
