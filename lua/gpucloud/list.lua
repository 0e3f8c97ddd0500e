--- Lists: plain arrays (so `#`, ipairs and cjson.encode behave as on any
-- array) whose metatable adds filter/map/each/ids/first/sort_by and a
-- readable __tostring for the REPL. Nothing is stored in the array itself;
-- the field that names an element's id lives in the metatable.
-- @module gpucloud.list

local null = require("gpucloud.json").null
local secrets = require "gpucloud.secrets"

local M = {}

local methods = {}
local metatables = {} -- one per id field, made on first use

local function metatable_for(id_field)
  if id_field == nil then id_field = "id" end -- false: records without an id
  local mt = metatables[id_field]
  if not mt then
    mt = {
      __index = methods,
      __tostring = function(l) return M.render(l) end,
      __name = "gpucloud.list",
      id_field = id_field,
    }
    metatables[id_field] = mt
  end
  return mt
end

--- Make `items` (an array, used in place) a list. `id_field` names the field
-- `ids()` reads (default "id").
function M.new(items, id_field)
  return setmetatable(items or {}, metatable_for(id_field))
end

--- A kind of list with methods of its own on top of the list methods (the
-- fleet's rows have plan()): returns a constructor like M.new. Lists made
-- from it by filter, map and sort_by keep its methods.
function M.class(id_field, extra, lead)
  local index = setmetatable({}, { __index = methods })
  for k, fn in pairs(extra) do index[k] = fn end
  local mt = {
    __index = index, __tostring = function(l) return M.render(l) end,
    __name = "gpucloud.list", id_field = id_field or "id", is_list = true, columns = lead,
  }
  return function(items) return setmetatable(items or {}, mt) end
end

--- Is `v` a list (of any kind)?
function M.is(v)
  local mt = getmetatable(v)
  return mt ~= nil and (mt.__index == methods or mt.is_list == true)
end

local function derive(self, items)
  return setmetatable(items, getmetatable(self))
end

-- Does a field's value match what a filter table asks of it? A function
-- is a predicate on the value; a list means any of its values; anything
-- else must be equal.
local function matches(have, want)
  local tw = type(want)
  if tw == "function" then return want(have) and true or false end
  if tw == "table" and want ~= null then
    for i = 1, #want do
      if have == want[i] then return true end
    end
    return false
  end
  return have == want
end

-- A predicate from a function, or from a table of field = value that must
-- all hold (see matches for what a value may be).
local function predicate(p, level)
  if type(p) == "function" then return p end
  if type(p) ~= "table" then
    error("expected a function or a table of field = value, got " .. type(p), level + 1)
  end
  return function(item)
    if type(item) ~= "table" then return false end
    for k, want in pairs(p) do
      if not matches(item[k], want) then return false end
    end
    return true
  end
end

local function getter(f, level)
  if type(f) == "function" then return f end
  if type(f) == "string" or type(f) == "number" then
    return function(item) if type(item) == "table" then return item[f] end end
  end
  error("expected a function or a field name, got " .. type(f), level + 1)
end

--- What every list has: what listings return, `gpucloud.list(array)`, and
-- what filter, map and sort_by make.
-- @type List

-- Strict mode: every field a filter table names must be a field of some
-- element (or named in `known`), so that a typo selects nothing by error,
-- never silently (and a negated typo never everything).
local function check_fields(self, pred, known, level)
  if type(pred) ~= "table" or #self == 0 then return end
  local have, names = {}, {}
  for _, f in ipairs(type(known) == "table" and known or {}) do have[f] = true end
  for i = 1, #self do
    if type(self[i]) == "table" then
      for k in pairs(self[i]) do have[k] = true end
    end
  end
  local unknown = {}
  for k in pairs(pred) do
    if not have[k] then unknown[#unknown + 1] = tostring(k) end
  end
  if #unknown == 0 then return end
  for k in pairs(have) do
    if type(k) == "string" then names[#names + 1] = k end
  end
  table.sort(unknown)
  table.sort(names)
  error(string.format("filter: no field %s in these items; they have: %s", table.concat(unknown, ", "),
    table.concat(names, ", ")), level + 1)
end

--- Elements for which `pred(item)` is true (or which match a field table:
-- `{status = "running"}`; a list value matches any of its values, a
-- function value is a predicate on the field).
-- @function List:filter
-- @param pred a function(item) -> true to keep, or a table of field = value
-- @tparam[opt] table opts `strict = true`: a field of the table that no
-- element has raises (naming the fields they have) instead of selecting
-- nothing; `known`: fields to accept even so (a list's fields when empty)
-- @treturn List a new list of the same kind
function methods:filter(pred, opts)
  if opts ~= nil and type(opts) ~= "table" then error("filter: opts must be a table", 2) end
  if opts and opts.strict then check_fields(self, pred, opts.known, 2) end
  local p, out = predicate(pred, 2), {}
  for i = 1, #self do
    local v = self[i]
    if p(v) then out[#out + 1] = v end
  end
  return derive(self, out)
end

--- `fn(item, i)` for each element, or each element's field `name`.
-- Results that are nil are skipped, so the result stays a proper array.
-- @function List:map
-- @param f a function(item, i) -> value, or a field name
-- @treturn List a new list of the same kind
function methods:map(f)
  local g, out = getter(f, 2), {}
  for i = 1, #self do
    local v = g(self[i], i)
    if v ~= nil then out[#out + 1] = v end
  end
  return derive(self, out)
end

--- Call `fn(item, i)` for each element; returns the list for chaining.
-- @function List:each
-- @tparam function fn called as fn(item, i)
-- @treturn List the list
function methods:each(fn)
  if type(fn) ~= "function" then error("each expects a function", 2) end
  for i = 1, #self do fn(self[i], i) end
  return self
end

--- The ids of the elements (the field named by the list's id field,
-- falling back to `id`), as a list. A list of records without an id
-- (a row's `id_field = false`: billing records) has none to give: name
-- the field to read.
-- @function List:ids
-- @tparam[opt] string field the field to read instead of the list's id field
-- @treturn List the ids
function methods:ids(field)
  local f = field or getmetatable(self).id_field
  if f == false then error("ids: the items of this list have no id of their own; ids(field) reads a field", 2) end
  local out = {}
  for i = 1, #self do
    local v = self[i]
    if type(v) == "table" then
      local id = v[f]
      if id == nil and field == nil then id = v.id end
      if id ~= nil then out[#out + 1] = id end
    end
  end
  return M.new(out)
end

--- The first element matching `pred` (any element when pred is nil), or nil.
-- @function List:first
-- @param[opt] pred as for filter
-- @return the element, or nil
function methods:first(pred)
  local p = pred == nil and function() return true end or predicate(pred, 2)
  for i = 1, #self do
    if p(self[i]) then return self[i] end
  end
  return nil
end

-- Orders numbers before strings before anything else; nil last.
local rank = { number = 1, string = 2, boolean = 3 }

local function less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb or not rank[ta] then
    return (rank[ta] or 9) < (rank[tb] or 9)
  end
  if ta == "boolean" then return (not a) and b end
  return a < b
end

--- A new list sorted by a field (or a key function); `desc` reverses.
-- Stable: elements with equal keys keep their order. nil keys sort last.
-- @function List:sort_by
-- @param f a field name, or a function(item) -> key
-- @tparam[opt] boolean desc largest first
-- @treturn List a new list of the same kind
function methods:sort_by(f, desc)
  local g = getter(f, 2)
  local keyed = {}
  for i = 1, #self do keyed[i] = { key = g(self[i]), i = i, v = self[i] } end
  table.sort(keyed, function(a, b)
    local ka, kb = a.key, b.key
    if ka == nil or kb == nil then
      if ka == nil and kb == nil then return a.i < b.i end
      return kb == nil
    end
    if less(ka, kb) then return not desc end
    if less(kb, ka) then return desc and true or false end
    return a.i < b.i
  end)
  local out = {}
  for i = 1, #keyed do out[i] = keyed[i].v end
  return derive(self, out)
end

------------------------------------------------------------------------
-- Rendering for the REPL
-- @section rendering

-- Fields that are credentials are never printed: secrets.lua decides
-- which (its `fields` is the same answer as a set, for json.encode's mask).
M.secret_fields = secrets.fields

local MAX_CELL = 32
local MAX_WIDTH = 160

local function cell(k, v)
  if v ~= nil and secrets.is_secret_name(k) then return secrets.HIDDEN end
  local t = type(v)
  local s
  if v == nil then
    s = ""
  elseif v == null then
    s = "null" -- inside arrays a JSON null keeps its place (json.lua)
  elseif t == "table" then
    s = (#v > 0 or next(v) == nil) and ("[" .. #v .. "]") or "{...}"
  elseif t == "number" and v == math.floor(v) and v > -1e15 and v < 1e15 then
    s = string.format("%d", v)
  else
    s = tostring(v)
  end
  s = s:gsub("[%c]", " ")
  if #s > MAX_CELL then s = s:sub(1, MAX_CELL - 3) .. "..." end
  return s
end

-- Columns: the id field first, then the names seen, in sorted order, until
-- the line would be too wide.
-- A list class may name its leading columns (mt.columns); the others follow.
local function columns(list)
  local seen, names = {}, {}
  local mt = getmetatable(list) or {}
  local id_field = mt.id_field or "id"
  local lead = {}
  for i, name in ipairs(mt.columns or {}) do lead[name] = i end
  for i = 1, #list do
    local v = list[i]
    if type(v) == "table" then
      for k in pairs(v) do
        if type(k) == "string" and not seen[k] then seen[k] = true; names[#names + 1] = k end
      end
    end
  end
  table.sort(names, function(a, b)
    if lead[a] or lead[b] then return (lead[a] or math.huge) < (lead[b] or math.huge) end
    if a == id_field or b == id_field then return a == id_field and b ~= id_field end
    if (a == "id") ~= (b == "id") then return a == "id" end
    return a < b
  end)
  return names
end

-- An element's field, or nil when the element is not a table: written out
-- because `t and t[k] or nil` would turn a false field into nil.
local function field(item, name)
  if type(item) == "table" then return item[name] end
  return nil
end

--- The columns that fit the width of a screen (160): `width_of(j)` of
-- each of `count` columns in order, until the next would not fit (the
-- first always shows; `all` shows every one). Returns the shown columns'
-- numbers and their widths. The REPL's view and the command line's table
-- both ask it.
function M.fit(count, width_of, all)
  local shown, widths, used = {}, {}, 0
  for j = 1, count do
    local w = width_of(j)
    if not all and used + w + 2 > MAX_WIDTH and #shown > 0 then break end
    used = used + w + 2
    shown[#shown + 1] = j
    widths[#widths + 1] = w
  end
  return shown, widths
end

--- One line of a table: each cell padded to its column's width, two
-- spaces between columns, nothing trailing (the REPL's view and the
-- command line's tables both lay out their lines here).
function M.line(cells, widths)
  local parts = {}
  for j = 1, #cells do parts[j] = cells[j] .. string.rep(" ", widths[j] - #cells[j]) end
  return (table.concat(parts, "  "):gsub("%s+$", ""))
end

--- A readable table of the list's elements (secret fields hidden).
function M.render(list)
  local n = #list
  if n == 0 then return "(empty list)" end
  if type(list[1]) ~= "table" then
    local cells = {}
    for i = 1, n do cells[i] = cell(nil, list[i]) end
    return string.format("%d item%s: %s", n, n == 1 and "" or "s", table.concat(cells, ", "))
  end
  local names = columns(list)
  local numbers, w = M.fit(#names, function(j)
    local name, width = names[j], #names[j]
    for i = 1, n do
      local c = cell(name, field(list[i], name))
      if #c > width then width = #c end
    end
    return width
  end)
  local shown = {}
  for j, k in ipairs(numbers) do shown[j] = names[k] end
  local rows = { M.line(shown, w) }
  for i = 1, n do
    local vals = {}
    for j, name in ipairs(shown) do
      vals[j] = cell(name, field(list[i], name))
    end
    rows[#rows + 1] = M.line(vals, w)
  end
  local hidden = #names - #shown
  rows[#rows + 1] = string.format("(%d item%s%s)", n, n == 1 and "" or "s",
    hidden > 0 and string.format(", %d more column%s not shown", hidden, hidden == 1 and "" or "s") or "")
  return table.concat(rows, "\n")
end

return M
