-- JSON for the simulator.
--
-- Why not lua-cjson alone: Debian's cjson 2.1.0 encodes an empty table as
-- `{}` and has no empty_array_mt, and decoding loses the difference between
-- `[]` and `{}`. The simulator must answer `[]`, `{}` and `null` exactly as
-- the real services do: it encodes with gpucloud.json and decodes here.
-- Pure Lua 5.1..5.4 and LuaJIT (it runs inside nginx): no goto, no `//`.
--
-- Decoded arrays carry `json.array_mt`, objects `json.object_mt`, so a value
-- decoded and re-encoded keeps its shape; JSON null decodes to `json.null`.
-- When encoding a table without either metatable: keys 1..n -> array, other
-- keys -> object, and an empty one -> `[]` (in the simulator an unmarked
-- empty table is nearly always an empty list; mark objects with json.object).

local gjson = require "gpucloud.json"

local json = {}

local concat, format, byte, char, sub, find =
  table.concat, string.format, string.byte, string.char, string.sub, string.find
local floor = math.floor

-- Null, the array/object marks and the encoder are the library's own
-- (gpucloud.json): one encoder for the whole project. What this module adds
-- is a decoder that keeps `[]` apart from `{}`, which cjson cannot.
json.null = gjson.null
json.array_mt, json.object_mt = gjson.array_mt, gjson.object_mt
json.array, json.object, json.is_array = gjson.array, gjson.object, gjson.is_array
json.encode = gjson.encode

---------------------------------------------------------------- decoding

local function decode_error(s, pos, what)
  local line, col = 1, 1
  for i = 1, pos - 1 do
    if byte(s, i) == 10 then line, col = line + 1, 1 else col = col + 1 end
  end
  error(format("json: %s at line %d column %d", what, line, col), 0)
end

local function skip_ws(s, pos)
  local _, e = find(s, "^[ \t\r\n]*", pos)
  return e + 1
end

local function utf8_char(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then
    return char(0xC0 + floor(cp / 0x40), 0x80 + cp % 0x40)
  end
  if cp < 0x10000 then
    return char(0xE0 + floor(cp / 0x1000), 0x80 + floor(cp / 0x40) % 0x40,
      0x80 + cp % 0x40)
  end
  return char(0xF0 + floor(cp / 0x40000), 0x80 + floor(cp / 0x1000) % 0x40,
    0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

local unescapes = {
  ['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f', n = '\n',
  r = '\r', t = '\t',
}

local function decode_string(s, pos)
  -- pos is at the opening quote
  local parts = {}
  local i = pos + 1
  while true do
    local a, b = find(s, '^[^"\\%c]+', i)
    if a then
      parts[#parts + 1] = sub(s, a, b)
      i = b + 1
    end
    local c = sub(s, i, i)
    if c == '"' then
      return concat(parts), i + 1
    elseif c == "\\" then
      local e = sub(s, i + 1, i + 1)
      if e == "u" then
        local hex = sub(s, i + 2, i + 5)
        if not find(hex, "^%x%x%x%x$") then
          decode_error(s, i, "bad \\u escape")
        end
        local cp = tonumber(hex, 16)
        i = i + 6
        if cp >= 0xD800 and cp <= 0xDBFF then
          local lo = find(s, "^\\u[dD][c-fC-F]%x%x", i) and tonumber(sub(s, i + 2, i + 5), 16)
          if lo then
            cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
            i = i + 6
          end
        end
        parts[#parts + 1] = utf8_char(cp)
      elseif unescapes[e] then
        parts[#parts + 1] = unescapes[e]
        i = i + 2
      else
        decode_error(s, i, "bad escape")
      end
    elseif c == "" then
      decode_error(s, i, "unterminated string")
    else
      decode_error(s, i, "control character in string")
    end
  end
end

local decode_value

-- Strict JSON number grammar: -?(0|[1-9]d*)(.d+)?([eE][-+]?d+)?
local function decode_number(s, pos)
  local i = pos
  if sub(s, i, i) == "-" then i = i + 1 end
  local _, e = find(s, "^0", i)
  if not e then _, e = find(s, "^[1-9]%d*", i) end
  if not e then decode_error(s, pos, "bad number") end
  i = e + 1
  if sub(s, i, i) == "." then
    _, e = find(s, "^%d+", i + 1)
    if not e then decode_error(s, pos, "bad number") end
    i = e + 1
  end
  if find(s, "^[eE]", i) then
    _, e = find(s, "^[-+]?%d+", i + 1)
    if not e then decode_error(s, pos, "bad number") end
    i = e + 1
  end
  -- On Lua 5.4 tonumber gives an integer for "1001" and a float for "1.5".
  return tonumber(sub(s, pos, i - 1)), i
end

local function decode_array(s, pos, depth)
  local t = setmetatable({}, json.array_mt)
  local n = 0
  pos = skip_ws(s, pos + 1)
  if sub(s, pos, pos) == "]" then return t, pos + 1 end
  while true do
    local v
    v, pos = decode_value(s, pos, depth + 1)
    n = n + 1
    t[n] = v
    pos = skip_ws(s, pos)
    local c = sub(s, pos, pos)
    if c == "]" then return t, pos + 1 end
    if c ~= "," then decode_error(s, pos, "expected ',' or ']'") end
    pos = skip_ws(s, pos + 1)
  end
end

local function decode_object(s, pos, depth)
  local t = setmetatable({}, json.object_mt)
  pos = skip_ws(s, pos + 1)
  if sub(s, pos, pos) == "}" then return t, pos + 1 end
  while true do
    if sub(s, pos, pos) ~= '"' then decode_error(s, pos, "expected a key") end
    local k
    k, pos = decode_string(s, pos)
    pos = skip_ws(s, pos)
    if sub(s, pos, pos) ~= ":" then decode_error(s, pos, "expected ':'") end
    local v
    v, pos = decode_value(s, skip_ws(s, pos + 1), depth + 1)
    t[k] = v
    pos = skip_ws(s, pos)
    local c = sub(s, pos, pos)
    if c == "}" then return t, pos + 1 end
    if c ~= "," then decode_error(s, pos, "expected ',' or '}'") end
    pos = skip_ws(s, pos + 1)
  end
end

decode_value = function(s, pos, depth)
  if depth > 200 then decode_error(s, pos, "nesting too deep") end
  local c = sub(s, pos, pos)
  if c == "{" then return decode_object(s, pos, depth) end
  if c == "[" then return decode_array(s, pos, depth) end
  if c == '"' then return decode_string(s, pos) end
  if c == "-" or find(c, "^%d$") then return decode_number(s, pos) end
  if sub(s, pos, pos + 3) == "true" then return true, pos + 4 end
  if sub(s, pos, pos + 4) == "false" then return false, pos + 5 end
  if sub(s, pos, pos + 3) == "null" then return json.null, pos + 4 end
  decode_error(s, pos, c == "" and "unexpected end of input" or "unexpected character")
end

-- json.decode(string) -> value | nil, message (never raises).
function json.decode(s)
  if type(s) ~= "string" then return nil, "json: expected a string" end
  local ok, v, pos = pcall(function()
    local value, p = decode_value(s, skip_ws(s, 1), 0)
    return value, skip_ws(s, p)
  end)
  if not ok then return nil, v end
  if pos <= #s then
    local ok2, msg = pcall(decode_error, s, pos, "trailing garbage")
    return nil, ok2 or msg
  end
  return v
end

return json
