-- Any value as text a person can read, for the REPL: lists as tables (the
-- list's own render), records as one field per line with nested tables
-- shown shallowly on that line, values with a __tostring (errors, reports,
-- clients) by it, gpucloud.null as `null`, numbers that are whole without
-- a ".0". Never `table: 0x...`. Credential fields (secrets.is_secret_name)
-- show as <hidden>, at every depth.

local json = require "gpucloud.json"
local list = require "gpucloud.list"
local secrets = require "gpucloud.secrets"

local M = {}

local format, concat = string.format, table.concat
local floor = math.floor

local LINE = 120      -- a nested value is cut to this on its line
local MAX_FIELDS = 200 -- a record longer than this shows the rest as a count

-- Names of functions a printout can give (methods of the REPL's clients):
-- weak keys, so a name never keeps a function alive.
local names = setmetatable({}, { __mode = "k" })

--- Let `fn` print as `<name>` (e.g. "method vast:delete_endpoint").
function M.name(fn, name)
  names[fn] = name
end

local function is_null(v)
  return v == json.null
end

local function number(v)
  if v == floor(v) and v > -1e15 and v < 1e15 then return format("%d", v) end
  return format("%.14g", v)
end

local function quoted(s)
  return (format("%q", s):gsub("\\\n", "\\n"))
end

-- The sequence length of t when it is an array (1..n and nothing else),
-- else nil. A decoded `[]` is an array of length 0.
local function array_length(t)
  local n = #t
  if n == 0 then return json.is_array(t) and 0 or nil end
  local count = 0
  for _ in pairs(t) do
    count = count + 1
    if count > n then return nil end
  end
  return count == n and n or nil
end

-- A value's own text when its metatable gives one (errors, reports,
-- clients, lists, a null table). Protected: a broken __tostring must not
-- break the printout.
local function own_text(v)
  local mt = getmetatable(v)
  if type(mt) == "table" and rawget(mt, "__tostring") then
    local ok, s = pcall(tostring, v)
    if ok and type(s) == "string" then return s end
  end
  return nil
end

local function scalar(v, quote)
  local t = type(v)
  if v == nil then return "nil" end
  if is_null(v) then return "null" end
  if t == "number" then return number(v) end
  if t == "string" then return quote and quoted(v) or v end
  if t == "function" then return "<" .. (names[v] or "function") .. ">" end
  return tostring(v)
end

-- Keys in the order a person looks for them: numbers, then `id`, then
-- the rest by name.
local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then
      if ta == "number" or tb == "number" then return ta == "number" end
      return ta < tb
    end
    if ta == "number" then return a < b end
    if ta == "string" then
      if (a == "id") ~= (b == "id") then return a == "id" end
      return a < b
    end
    return tostring(a) < tostring(b)
  end)
  return keys
end

local function key_text(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return k end
  if type(k) == "number" then return "[" .. number(k) .. "]" end
  return "[" .. scalar(k, true) .. "]"
end

local function cut(s, width)
  s = s:gsub("[%c]", " ")
  if #s > width then s = s:sub(1, width - 3) .. "..." end
  return s
end

-- One line for a value inside a record: scalars as such, nested tables
-- one level deep ({a = 1, b = {...}}, [1, 2, 3]), deeper ones as a count.
local inline

local function count(n)
  return "[" .. n .. (n == 1 and " item]" or " items]")
end

local function inline_table(t, depth)
  local n = list.is(t) and #t or array_length(t)
  local own = not n and own_text(t)
  if own then return (own:match("^[^\n]*")) end
  if depth > 1 then
    if n then return count(n) end
    return next(t) == nil and "{}" or "{...}"
  end
  local parts = {}
  if n then
    -- scalars in a row; records would only show as {...}: count them
    for i = 1, n do
      if type(t[i]) == "table" and not is_null(t[i]) then return count(n) end
      parts[i] = inline(nil, t[i], depth + 1)
    end
    return "[" .. concat(parts, ", ") .. "]"
  end
  for _, k in ipairs(sorted_keys(t)) do
    parts[#parts + 1] = key_text(k) .. " = " .. inline(k, t[k], depth + 1)
  end
  return "{" .. concat(parts, ", ") .. "}"
end

inline = function(k, v, depth)
  if v ~= nil and secrets.is_secret_name(k) then return secrets.HIDDEN end
  if type(v) == "table" and not is_null(v) then return inline_table(v, depth) end
  return scalar(v, true)
end

-- An array of records (or of scalars) as the list render draws it: a
-- copy, so the value itself is left as it was.
local function as_list(t, n)
  local copy = {}
  for i = 1, n do copy[i] = t[i] end
  return list.render(list.new(copy))
end

local function record(t)
  local keys = sorted_keys(t)
  if #keys == 0 then return "{}" end
  local width = 0
  for i = 1, math.min(#keys, MAX_FIELDS) do
    local w = #key_text(keys[i])
    if w > width then width = w end
  end
  local lines = {}
  for i = 1, math.min(#keys, MAX_FIELDS) do
    local k = keys[i]
    local name = key_text(k)
    lines[i] = name .. string.rep(" ", width - #name) .. "  " .. cut(inline(k, t[k], 1), LINE)
  end
  if #keys > MAX_FIELDS then
    lines[#lines + 1] = format("(%d more fields)", #keys - MAX_FIELDS)
  end
  return concat(lines, "\n")
end

--- One value as text (a block of lines for lists and records). Strings at
-- the top are shown as they are, as Lua's own REPL does.
function M.value(v)
  if type(v) ~= "table" or is_null(v) then return scalar(v, false) end
  local own = own_text(v)
  if own then return own end
  local n = array_length(v)
  if n then return as_list(v, n) end
  return record(v)
end

--- A value on one line, nested tables shallowly (as a record's fields are).
function M.inline(v)
  return cut(inline(nil, v, 1), LINE)
end

--- The values a call returned (n of them): each in turn; when there is
-- more than one, each is numbered so a second value is not read as part
-- of the first.
function M.values(n, ...)
  if n == 1 then return M.value((...)) end
  local out = {}
  for i = 1, n do
    local text = M.value((select(i, ...)))
    if text:find("\n", 1, true) then
      out[i] = format("[%d]\n%s", i, text)
    else
      out[i] = format("[%d] %s", i, text)
    end
  end
  return concat(out, "\n")
end

--- What `print` shows in the REPL: each argument as M.value, tab-separated
-- as Lua's print does.
function M.print_line(n, ...)
  local out = {}
  for i = 1, n do out[i] = M.value((select(i, ...))) end
  return concat(out, "\t")
end

return M
