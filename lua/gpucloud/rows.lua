-- What a row says about itself, asked in one place: whether it deletes
-- (the rule for deletions: any 2xx means the server acted), whether it
-- changes what it names, whether bulk's `max` guard counts it. The call
-- path, the answer reader, bulk runs and help all ask here.

local M = {}

--- Does `row` delete what it names? Its answer follows the rule for
-- deletions: any 2xx (a lost body included) means the server acted, and a
-- not_found after an attempt that may have landed is maybe_deleted.
function M.deletes(row)
  return row.method == "DELETE"
end

--- Can `row` change what it names? Anything but a GET or a `read` row: its
-- failures may have been carried out (may_have_landed).
function M.acts(row)
  return row.method ~= "GET" and not row.read
end

--- Does bulk's `max` guard count `row`? A deletion, or a row marked
-- `destructive` (TensorPool's destroys are POSTs and DELETEs alike).
function M.destructive(row)
  return M.deletes(row) or row.destructive == true
end

return M
