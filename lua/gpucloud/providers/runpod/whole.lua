-- A RunPod list is the whole list, or an error. v2 documents no paging,
-- but one third-party client follows `pagination.nextCursor` (UNVERIFIED);
-- the workers listing states its count (`summary.total`), a billing
-- listing its record count (`metadata.recordCount`). An answer that says
-- there is more than it holds is bad_response, never a short list: a
-- clean-up must not miss what it did not see. A billing listing naming one
-- thing twice in one bucket is bad_response too (billing.repeated). Each
-- list row says so in its `check_answer` (request.lua reads every answer
-- through it): its method, ctx:call, bulk and batch alike.

local billing = require "gpucloud.providers.runpod.billing"

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

--- The check of list row `name`'s answers (a row's check_answer).
function M.check(name)
  return function(items, decoded)
    return more_than(decoded, #items) or billing.repeated(name, items)
  end
end

--- Every list row of `spec` checks its answers so.
function M.install(spec)
  for name, row in pairs(spec.ops) do
    if row.list then row.check_answer = M.check(name) end
  end
end

return M
