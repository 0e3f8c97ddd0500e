-- TensorPool's object storage buckets and the storage quote, as the
-- simulator serves them (docs/tensorpool.md). The real answers' shapes are
-- partly UNVERIFIED; the simulator's guesses: a bucket list of names
-- (`{"buckets":["a","b"]}`), a quote `{"size":N,"hourly_rate":x}` at the
-- published $0.10/GB-month (730 h), a delete of a bucket that holds
-- objects answered 409 `{"error":"BucketNotEmpty","message":...}` (S3's
-- word). Fixture: `buckets: [{"name", "_objects": N}]` (the objects count
-- is private: nothing on the engine API tells it).

local json = require "gpucloud.json"
local fixture = require "gpucloud.sim.fixture"
local common = require "gpucloud.providers.tensorpool.sim.common"

local detail, invalid, find = common.detail, common.invalid, common.find
local format = string.format

local M = {}

local GB_MONTH, HOURS_A_MONTH = 0.10, 730

function M.quote(req)
  local raw = req.query.size
  local size = raw and raw:match("^%d+$") and tonumber(raw)
  if not size or size < 1 then
    return invalid({ "query", "size" }, "Input should be a valid integer greater than 0", "int_parsing")
  end
  return 200, { size = size, hourly_rate = size * GB_MONTH / HOURS_A_MONTH,
    message = format("Storage of %d GB costs $%.4f per hour", size, size * GB_MONTH / HOURS_A_MONTH) }
end

function M.list(req)
  local names = json.array()
  for i, b in ipairs(req.state.buckets) do names[i] = b.name end
  return 200, { buckets = names }
end

function M.delete(req)
  if req.key.read_only then return detail(403, "Access denied") end
  local name = req.captures[1]
  local b = find(req.state.buckets, "name", name)
  if not b then return 404, { error = "NoSuchBucket", message = format("Bucket %s not found", name) } end
  if (tonumber(b._objects) or 0) > 0 then
    return 409, { error = "BucketNotEmpty", message = "The bucket you tried to delete is not empty" }
  end
  req.state.buckets = common.without(req.state.buckets, b)
  return 204, ""
end

function M.build(st, section)
  st.buckets = fixture.list(section, "buckets", "tensorpool")
  for i, b in ipairs(st.buckets) do
    if type(b.name) ~= "string" then error(format("tensorpool.buckets[%d].name must be a string", i), 0) end
  end
end

return M
