--- JSON in and out, with the normalisation the library promises: object
-- members that are null are removed, JSON null inside arrays is
-- `json.null` (removing it would shift every later element), integral
-- numbers are integers on VMs that have them, a number the VM cannot hold
-- exactly is its text (an id past 2^53: see keeps_text), and every array carries
-- `json.array_mt`, so `[]` and `{}` stay apart: a shape check must be able
-- to tell an empty list from an object that is not one.
--
-- Decoding: the C core (src/json.c: one pass, faster than cjson, fuzzed),
-- else lua-dkjson (Debian's lua-cjson 2.1.0 cannot tell `[]` from `{}`),
-- for when the core is not loaded (inside nginx it is optional).
-- @module gpucloud.json

local M = {}

-- a masked field's value, written as the one marker the library shows
local HIDDEN = '"' .. require("gpucloud.secrets").HIDDEN .. '"'

local array_mt = { __name = "gpucloud.json.array" }
local object_mt = { __name = "gpucloud.json.object" }
M.array_mt, M.object_mt = array_mt, object_mt

local ok_core, core = pcall(require, "gpucloud.core")

-- JSON null: the light userdata NULL that cjson and ngx also use, so a
-- null from any of them is this one (the C core's own, else cjson's, so
-- cjson is not loaded for it); a frozen table where none is loaded.
local function find_null()
  if ok_core and type(core) == "table" and core.json_null ~= nil then return core.json_null end
  local ok, cjson = pcall(require, "cjson.safe")
  if ok and type(cjson) == "table" and cjson.null ~= nil then return cjson.null end
  local ngx = rawget(_G, "ngx")
  if type(ngx) == "table" and ngx.null ~= nil then return ngx.null end
  return setmetatable({}, {
    __name = "gpucloud.null", __tostring = function() return "null" end,
    __newindex = function() error("gpucloud.null is read-only", 2) end,
  })
end
local null = find_null()
--- JSON null inside decoded arrays, and what encode writes as `null`.
M.null = null

local tointeger = math.tointeger -- nil on LuaJIT / Lua 5.1 / 5.2
local type, next = type, next

local function normalise(t)
  for k, v in next, t do
    local tv = type(v)
    if v == null then
      -- JSON object keys are strings; numeric keys mean an array element
      if type(k) == "string" then t[k] = nil end
    elseif tv == "table" then
      normalise(v)
    elseif tv == "number" and tointeger then
      local i = tointeger(v)
      if i then t[k] = i end
    end
  end
  return t
end

local core_decode = ok_core and type(core) == "table" and core.json_decode or nil

--- Decode and normalise. Returns the value, or nil and a message.
-- A top-level `null` decodes to nil with no message.
function M.decode(text)
  if core_decode then
    local v, err = core_decode(text, null, array_mt)
    if v == null then return nil end
    return v, err
  end
  return M.decode_lua(text)
end

-- A number the VM cannot hold exactly is decoded as its text, as written
-- (src/json.c's rule, the same on both paths): an integer beyond what the
-- VM holds exactly (2^53 without integers, 2^63 with them), and a number
-- with a fraction or exponent of magnitude 2^53 or more. An id is never
-- rounded into its neighbour; args.vast_id takes the text and sends it.
local TWO53, MAX_EXACT = 2 ^ 53, "9007199254740992"
local mtype = math.type

local function keeps_text(tok)
  local digits = tok:match("^%-?0*(%d+)$")
  if digits then
    if mtype then return mtype(tonumber(tok)) ~= "integer" end
    return #digits > #MAX_EXACT or (#digits == #MAX_EXACT and digits > MAX_EXACT)
  end
  local v = tonumber(tok)
  return v ~= nil and not (v < TWO53 and v > -TWO53)
end

-- The text with such number literals (outside strings) put in quotes,
-- for a decoder that would read them as doubles.
local function quote_inexact(text)
  if not (text:find("%d%d%d%d%d%d%d%d%d%d%d%d%d%d%d%d") or text:find("[%d%.][eE]")) then return text end
  local out, pos, from = {}, 1, 1
  while true do
    local i = text:find('["%-%d]', pos)
    if not i then break end
    if text:sub(i, i) == '"' then
      pos = #text + 1
      local j = i + 1
      while true do
        local k = text:find('["\\]', j)
        if not k then break end
        if text:sub(k, k) == '"' then
          pos = k + 1
          break
        end
        j = k + 2
      end
    else
      local s, e = text:find("^%-?%d[%d%.eE%+%-]*", i)
      if s and keeps_text(text:sub(s, e)) then
        out[#out + 1] = text:sub(from, s - 1) .. '"' .. text:sub(s, e) .. '"'
        from = e + 1
      end
      pos = (e or i) + 1
    end
  end
  if from == 1 then return text end
  out[#out + 1] = text:sub(from)
  return table.concat(out)
end

local dkjson

--- The same through lua-dkjson and a walk in Lua (the fallback, and what
-- specs compare the core's decoder with).
function M.decode_lua(text)
  if not dkjson then dkjson = require "dkjson" end
  if type(text) ~= "string" then return nil, "expected a string" end
  local v, pos, err = dkjson.decode(quote_inexact(text), 1, null, nil, array_mt)
  if err then return nil, err end
  if pos and text:find("%S", pos) then return nil, "trailing garbage at byte " .. pos end
  if v == null then return nil end
  local tv = type(v)
  if tv == "table" then return normalise(v) end
  if tv == "number" and tointeger then return tointeger(v) or v end
  return v
end

--- Is `t` a decoded (or marked) JSON array?
-- (array_mt is this module's own: no other value can carry it, so no
-- type() call is needed first)
function M.is_array(t) return getmetatable(t) == array_mt end

local core_records = ok_core and type(core) == "table" and core.json_records or nil

--- Is every element of array `t` an object (a table that is not an array)
-- and, with `id_field` (a string), does no element's `id_field` (not nil,
-- not NaN) equal an earlier one's? Returns true; or false and the index of
-- the first element that is not an object; or false, the index of the
-- first that repeats an id and the index of the element it repeats. (The
-- shape check of every listing: the C core's loop where it is loaded.)
function M.records(t, id_field)
  if core_records then return core_records(t, array_mt, id_field) end
  if type(id_field) ~= "string" then id_field = nil end
  local seen = {}
  for i = 1, #t do
    local v = t[i]
    if type(v) ~= "table" or getmetatable(v) == array_mt then return false, i end
    local id = id_field and v[id_field]
    if id ~= nil and id == id then
      if seen[id] then return false, i, seen[id] end
      seen[id] = i
    end
  end
  return true
end

--- What a decoded value is, in words, for messages.
function M.kind(v)
  if v == nil or v == null then return "null" end
  if type(v) == "table" then
    if getmetatable(v) == array_mt then return #v == 0 and "an empty array" or "an array" end
    return next(v) == nil and "an empty object" or "an object"
  end
  return "a " .. type(v)
end

------------------------------------------------------------------------
-- Encoding. Not cjson's encoder: Debian's 2.1.0 writes an empty array as
-- `{}` and a large id in exponent form (14 significant digits). One encoder
-- serves the request bodies, the command line's `--json` output and the
-- simulator's answers.
-- @section encoding


--- Mark a table (default: a new one) as a JSON array; returns it.
-- Unmarked tables are arrays when their keys are exactly 1..n, and an empty
-- unmarked table is an empty array: in these APIs an empty value is a list.
function M.array(t) return setmetatable(t or {}, array_mt) end
--- Mark a table (default: a new one) as a JSON object (`{}` when empty); returns it.
function M.object(t) return setmetatable(t or {}, object_mt) end

local format, concat, sort = string.format, table.concat, table.sort
local floor, huge = math.floor, math.huge


local function encode_number(n)
  if n ~= n or n == huge or n == -huge then
    error("json: cannot encode " .. tostring(n), 0)
  end
  -- an integer of 5.3+ is exact at any size: an id past 2^53 stays itself
  if mtype and mtype(n) == "integer" then return format("%d", n) end
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
    if mask and mask(k) then
      out[#out + 1] = HIDDEN
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

--- json.encode(value[, {mask = fn_or_set}]) -> string.
-- Fields named in `mask` are written as `"<hidden>"` (credentials in
-- listings). Raises on what JSON cannot hold (functions, NaN, cycles).
function M.encode(v, opts)
  local out = {}
  local mask = opts and opts.mask
  if type(mask) == "table" then
    local set = mask
    mask = function(k) return set[k] end
  end
  encode_value(v, 0, out, mask)
  return concat(out)
end

--- An encoder for objects with these fields (values read from a table by
-- name), writing what M.encode writes for them: the request body of an
-- operation is always the same fields, so their keys are sorted and
-- encoded once here instead of on every call. Absent fields are left out.
-- Numbers and strings, what bodies hold, are joined without a buffer table
-- (a body is built on every call: issue 23).
function M.object_encoder(names)
  local sorted = {}
  for i, k in ipairs(names) do sorted[i] = k end
  sort(sorted)
  local prefixes = {}
  for i, k in ipairs(sorted) do prefixes[i] = encode_string(k) .. ":" end
  local n = #sorted
  return function(values)
    local body
    for i = 1, n do
      local v = values[sorted[i]]
      if v ~= nil then
        local tv = type(v)
        local text
        if tv == "number" then
          text = encode_number(v)
        elseif tv == "string" then
          text = encode_string(v)
        else
          local out = {}
          encode_value(v, 1, out)
          text = concat(out)
        end
        body = body and (body .. "," .. prefixes[i] .. text) or (prefixes[i] .. text)
      end
    end
    return "{" .. (body or "") .. "}"
  end
end

return M
