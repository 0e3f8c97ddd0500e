-- A RunPod list is the whole list, or an error. v2 documents no paging,
-- but one third-party client follows `pagination.nextCursor` (UNVERIFIED);
-- the workers listing states its count (`summary.total`), a billing
-- listing its record count (`metadata.recordCount`). An answer that says
-- there is more than it holds is bad_response, never a short list: a
-- clean-up must not miss what it did not see. A billing listing naming one
-- thing twice in one bucket is bad_response too (billing.repeated). Each list row's method is
-- replaced by one that checks this (spec.methods); the row itself stays
-- what ctx:call, bulk and batch run.

local billing = require "gpucloud.providers.runpod.billing"
local config = require "gpucloud.config"
local define = require "gpucloud.define"
local errors = require "gpucloud.errors"

local M = {}

local format = string.format

local function cursor(v)
  return type(v) == "string" and v ~= ""
end

-- What a decoded answer says beyond the `n` items it holds, or nil.
local function more_than(decoded, n)
  if type(decoded) ~= "table" then return nil end
  for _, where in ipairs { decoded, decoded.pagination } do
    if type(where) == "table" and (where.hasNextPage == true or cursor(where.nextCursor)) then
      return "the answer says more pages follow (gpucloud reads no pages here: the list would be short)"
    end
  end
  local s = type(decoded.summary) == "table" and decoded.summary
  if s and s.total ~= nil and s.total ~= n then
    return format("summary.total says %s, the answer lists %d", tostring(s.total), n)
  end
  local m = type(decoded.metadata) == "table" and decoded.metadata
  if m and m.recordCount ~= nil and m.recordCount ~= n then
    return format("metadata.recordCount says %s, the answer lists %d", tostring(m.recordCount), n)
  end
end
M.more_than = more_than

--- The method of list row `name`: the row's call, then the check.
function M.method(spec, name)
  local row = spec.ops[name]
  local op = spec.name .. "." .. name
  local params = row.args or {}
  return function(ctx, ...)
    local argv = define.check_args(op, params, 2, ...)
    local opts = (select(#params + 1, ...))
    if opts ~= nil then config.call(op, row, opts, 2) end
    local items, err, res, decoded = ctx:call(name, argv, opts)
    if items == nil then return nil, err end
    local why = more_than(decoded, #items) or billing.repeated(name, items)
    if why then return nil, errors.bad_response(op, res.status, why) end
    if decoded ~= nil and decoded ~= items then return items, decoded end
    return items
  end
end

--- spec.methods and spec.docs entries for every list row of `spec`.
function M.install(spec)
  spec.methods = spec.methods or {}
  spec.docs = spec.docs or {}
  for name, row in pairs(spec.ops) do
    if row.list then
      spec.methods[name] = M.method(spec, name)
      local names = {}
      for i, a in ipairs(row.args or {}) do names[i] = a[1] end
      names[#names + 1] = "opts"
      spec.docs[name] = { args = #names == 1 and "[opts]" or (table.concat(names, ", ", 1, #names - 1) .. " [, opts]"),
        options = "call",
        format("%s %s -> the whole list (%q); an answer that says it holds less is bad_response",
          row.method, row.path, row.list) }
    end
  end
end

return M
