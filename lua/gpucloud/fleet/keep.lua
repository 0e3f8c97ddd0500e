--- Keep rules: things a fleet plan or delete never touches, whatever the
-- selection says. A rule names any of `provider`, `kind`, `id`, `name` and
-- `label` (name and label take `*` and `?` as wildcards); a thing matching
-- every field a rule names is kept. Rules come from a Lua table (the
-- command line's config file feeds one) or from a file, one rule a line:
--
--     # production never goes
--     provider=tensorpool kind=cluster id=c-prod-serving
--     name=prod-*
--     label="keep me"
--
-- A plan leaves kept things out (plan.kept says which rule kept each);
-- fleet:delete checks again and reports a kept thing `skipped` with its rule.
-- @module gpucloud.fleet.keep

local files = require "gpucloud.files"

local M = {}

local FIELDS = { "provider", "kind", "id", "name", "label" }
local KNOWN = {}
for _, f in ipairs(FIELDS) do KNOWN[f] = true end

local Rules = {}
Rules.__index = Rules

local function text_of(v)
  if type(v) == "number" and v == math.floor(v) then return string.format("%d", v) end
  return tostring(v)
end

-- "prod-*" as an anchored Lua pattern.
local function glob(s)
  local p = s:gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0"):gsub("%*", ".*"):gsub("%?", ".")
  return "^" .. p .. "$"
end

-- A rule as it reads in a file: "provider=vast name=prod-*".
local function describe(rule)
  local parts = {}
  for _, f in ipairs(FIELDS) do
    local v = rule[f]
    if v ~= nil then
      v = text_of(v)
      parts[#parts + 1] = f .. "=" .. (v:find("[%s\"]") and string.format("%q", v) or v)
    end
  end
  return table.concat(parts, " ")
end

-- One rule from a table of fields -> rule | nil, message.
local function make(t, where)
  local rule, n = { where = where }, 0
  for k, v in pairs(t) do
    if not KNOWN[k] then
      return nil, string.format("%s: unknown field %q (fields: %s)", where, tostring(k), table.concat(FIELDS, ", "))
    end
    if (type(v) ~= "string" and type(v) ~= "number") or v == "" then
      return nil, string.format("%s: %s must be a string or a number", where, k)
    end
    rule[k] = v
    n = n + 1
  end
  if n == 0 then return nil, where .. ": an empty rule would keep everything; name at least one field" end
  rule.text = describe(rule)
  rule.name_pattern = rule.name and glob(text_of(rule.name))
  rule.label_pattern = rule.label and glob(text_of(rule.label))
  return rule
end

--- Parse one line of the file format into a table of fields, or nil and
-- a message. `where` names the line in messages.
function M.parse_line(line, where)
  local t, rest = {}, line
  while true do
    rest = rest:match("^%s*(.-)$")
    if rest == "" or rest:sub(1, 1) == "#" then break end
    local field, after = rest:match("^([%a_]+)=(.*)$")
    if not field then return nil, where .. ": expected field=value, got " .. string.format("%q", rest) end
    local value
    if after:sub(1, 1) == '"' then
      value, rest = after:match('^"([^"]*)"(.*)$')
      if not value then return nil, where .. ": a quoted value has no closing quote" end
    else
      value, rest = after:match("^(%S*)(.*)$")
    end
    if t[field] ~= nil then return nil, string.format("%s: %s given twice", where, field) end
    t[field] = value
  end
  return t
end

--- Rules from a Lua table: a list whose entries are tables of fields
-- ({provider = "vast", label = "prod"}) or lines of the file format.
-- Returns the rules, or nil and a message naming the entry at fault.
function M.rules(list, source)
  if type(list) ~= "table" then return nil, "keep rules: expected a list, got " .. type(list) end
  source = source or "keep rule"
  local out = setmetatable({}, Rules)
  for i, entry in ipairs(list) do
    local where = source .. " " .. i
    local t, err = entry, nil
    if type(entry) == "string" then
      t, err = M.parse_line(entry, where)
      if t and next(t) == nil then t = nil end -- a blank or comment line
    elseif type(entry) ~= "table" then
      err = where .. ": expected a table of fields or a line"
    end
    if err then return nil, err end
    if t then
      local rule, rerr = make(t, where)
      if not rule then return nil, rerr end
      out[#out + 1] = rule
    end
  end
  return out
end

--- Rules from a file, one a line (blank lines and # comments skipped).
-- nil and a message naming the file (and line) when it cannot be used.
function M.read(path)
  local text, err = files.read(path)
  if not text then return nil, "keep rules: " .. tostring(err) end
  local lines = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  return M.rules(lines, path .. ": line")
end

--- Whether `v` is a set of rules made here.
function M.is(v)
  return getmetatable(v) == Rules
end

local function matches(rule, row)
  if rule.provider ~= nil and row.provider ~= rule.provider then return false end
  if rule.kind ~= nil and row.kind ~= rule.kind then return false end
  if rule.id ~= nil and (row.id == nil or text_of(row.id) ~= text_of(rule.id)) then return false end
  if rule.name_pattern and not (type(row.name) == "string" and row.name:match(rule.name_pattern)) then
    return false
  end
  if rule.label_pattern and not (type(row.label) == "string" and row.label:match(rule.label_pattern)) then
    return false
  end
  return true
end

--- The first rule that keeps `row` (a fleet row, or {provider, kind, id,
-- name, label}), or nil.
function Rules:match(row)
  for _, rule in ipairs(self) do
    if matches(rule, row) then return rule end
  end
end

--- "keep rule 2 (name=prod-*)": which rule, as a report says it.
function M.says(rule)
  return string.format("kept by %s (%s)", rule.where, rule.text)
end

return M
