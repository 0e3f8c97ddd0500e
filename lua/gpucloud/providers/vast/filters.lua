-- Vast.ai's server-side instance filters: the `select_filters` query value
-- of the paged instance listing (docs/vast.md), from a Lua table.
--
--   { label = "ci" }                  {"label":{"eq":"ci"}}
--   { id = { 101, 102 } }             {"id":{"in":[101,102]}}
--   { label = gpucloud.null }         {"label":{"in":[null]}}   (unlabelled)
--   { start_date = { lt = t } }       {"start_date":{"lt":t}}   (operators as written)
--
-- Refused before anything is sent: fields the server computes per request
-- (it answers 400 for them; the list is filtered in Lua instead), unknown
-- operators, and an empty list, which must not be left to a server that
-- might read "in nothing" as "no filter" ahead of a destroy.

local args = require "gpucloud.args"
local json = require "gpucloud.json"

local M = {}

local null = json.null
local format = string.format

-- operator -> what it takes
M.OPERATORS = { eq = "value", neq = "value", gt = "value", gte = "value", lt = "value", lte = "value",
                ["in"] = "list", notin = "list" }
-- fields the listing computes, which select_filters cannot see
M.COMPUTED = { dph_total = true, num_gpus = true }

local function is_value(v)
  local t = type(v)
  if t == "string" or t == "boolean" or v == null then return true end
  return t == "number" and v == v and v ~= math.huge and v ~= -math.huge
end

-- A non-empty sequence of values as a JSON array, or nil and why.
local function as_list(v)
  local n = 0
  for k in pairs(v) do
    if type(k) ~= "number" or k < 1 or k ~= math.floor(k) then return nil end
    if k > n then n = k end
  end
  if n == 0 then return nil, "an empty list matches nothing: leave the field out, or do not list at all" end
  local out = json.array()
  for i = 1, n do
    if not is_value(v[i]) then
      return nil, format("list element %d is %s, not a string, number, boolean or gpucloud.null", i,
        args.describe(v[i]))
    end
    out[i] = v[i]
  end
  return out
end

-- One field's filter as an object of operators, or nil and why.
local function condition(field, v)
  if v == null then return json.object { ["in"] = json.array { null } } end
  if is_value(v) then return json.object { eq = v } end
  if type(v) ~= "table" then return nil, format("%s: %s is not a filter", field, args.describe(v)) end
  local list, why = as_list(v)
  if list then return json.object { ["in"] = list } end
  if why then return nil, field .. ": " .. why end
  local out = json.object()
  for op, x in pairs(v) do
    local takes = M.OPERATORS[op]
    if not takes then
      return nil, format("%s: unknown operator %s (eq neq gt gte lt lte in notin)", field, args.describe(op))
    end
    if takes == "list" then
      local l, lwhy
      if type(x) == "table" then l, lwhy = as_list(x) end
      if not l then return nil, format("%s: %s takes a list%s", field, op, lwhy and (": " .. lwhy) or "") end
      out[op] = l
    elseif is_value(x) then
      out[op] = x
    else
      return nil, format("%s: %s takes a string, number, boolean or gpucloud.null", field, op)
    end
  end
  return out
end

--- The check of a listing's filters (see gpucloud.args): nil or a table of
-- field = filter -> the select_filters object (empty: none is sent), or
-- nil, what was wanted, why.
function M.select_filters(filters)
  local out = json.object()
  if filters == nil then return out end
  if type(filters) ~= "table" then return nil, "nil or a table of field = filter" end
  for field, v in pairs(filters) do
    if type(field) ~= "string" or not field:match("^[%a_][%w_]*$") then
      return nil, nil, "field names are words, got " .. args.describe(field)
    end
    if M.COMPUTED[field] then
      return nil, nil, format("%s is computed by Vast.ai for each listing and cannot be filtered on there " ..
        "(it answers 400): list without it and filter the list in Lua, e.g. " ..
        "vast:show_instances(...):filter(function(i) return i.%s ... end)", field, field)
    end
    local c, why = condition(field, v)
    if not c then return nil, nil, why end
    out[field] = c
  end
  return out
end

return M
