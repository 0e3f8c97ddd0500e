-- Lambda Cloud's argument checks (gpucloud.args' shape: value -> the value
-- to use | nil, what was wanted): its ids, and the list of ids a terminate
-- takes. The wire: docs/lambda.md.

local args = require "gpucloud.args"
local json = require "gpucloud.json"

local M = {}

--- A Lambda id (an instance's "0920582c7ff041399e34823a0be62549", a file
-- system's, a cluster's): a string that stays one path segment (no `/`,
-- control characters or dot segments), percent-encoded when sent. Numbers
-- are refused: an id is never reparsed from another type.
function M.id(v)
  return args.path_segment(v)
end

local IDS = "a list of instance ids (strings without '/', control characters or dot segments), at least one"

--- The `instance_ids` of a terminate: a non-empty list of ids, each as
-- M.id takes it, none twice; sent as a JSON array.
function M.instance_ids(v)
  if type(v) ~= "table" or #v == 0 then return nil, IDS end
  local out, seen, n = json.array(), {}, 0
  for _ in pairs(v) do n = n + 1 end
  if n ~= #v then return nil, IDS end
  for i, id in ipairs(v) do
    if not M.id(id) then
      return nil, nil, string.format("instance_ids[%d] must be an id, got %s", i, args.describe(id))
    end
    if seen[id] then return nil, nil, "instance_ids names " .. args.describe(id) .. " twice" end
    seen[id] = true
    out[i] = id
  end
  return out
end

return M
