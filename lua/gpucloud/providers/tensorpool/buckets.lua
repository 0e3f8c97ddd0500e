-- TensorPool's object storage buckets, beyond the rows: a listing whose
-- elements may be names or records (docs/tensorpool.md: the element type
-- is UNVERIFIED), and a delete that TensorPool allows only on an empty
-- bucket. gpucloud never empties one (each S3 request bills, and the
-- month's peak size bills anyway): a refusal says so, in words a person
-- can act on.

local config = require "gpucloud.config"
local define = require "gpucloud.define"
local wait = require "gpucloud.wait"

local M = {}

--- A listed bucket as a record: a name becomes {name = name}; a record
-- keeps its fields and gets `name` from `bucket_name` or `Name` if needed.
-- A name that cannot be one (a number, "..") stays as listed: the fleet
-- shows that bucket as not actionable, and the delete's check refuses it.
function M.item(v)
  if type(v) == "string" and v ~= "" then return { name = v } end
  if type(v) == "table" then
    if v.name == nil then v.name = v.bucket_name or v.Name end
    if v.name ~= nil then return v end
  end
  return nil, "a bucket is neither a name nor a record with one"
end

-- Whether a failed delete says the bucket still holds objects: S3's
-- BucketNotEmpty, a 409, or the words.
local function not_empty(err)
  if err.code == "conflict" then return true end
  local text = (tostring(err.server_code or "") .. " " .. tostring(err.message or "")):lower()
  return text:find("notempty", 1, true) ~= nil or text:find("not empty", 1, true) ~= nil
end

--- The failure of deleting bucket `name`, in words a person can act on.
function M.refusal(name, err)
  if err and not_empty(err) then
    err.not_empty = true
    err.message = string.format("bucket %s is not empty: TensorPool deletes only empty buckets, and gpucloud "
      .. "never empties one (delete its objects through the S3 API first; each request bills)%s", name,
      (err.message and err.message ~= "") and (" [server: " .. err.message .. "]") or "")
  end
  return err
end

--- tp:delete_bucket(name[, opts]): the row, its refusal explained.
function M.delete_method(spec)
  local row = spec.ops.delete_bucket
  return function(ctx, name, opts)
    local argv = define.check_args("tensorpool.delete_bucket", row.args, 2, name)
    if opts ~= nil then config.call("tensorpool.delete_bucket", row, opts, 2) end
    local value, err = ctx:call("delete_bucket", argv, opts)
    if value == nil then return nil, M.refusal(argv.bucket_name, err) end
    return value
  end
end

--- What follows each delete of a bulk run: the same words; with `wait =
-- true`, a delete answered 2xx followed by listing the buckets again until
-- it has left the listing, bounded by the run's deadline (as Lambda's file
-- systems: whether a 2xx means gone TensorPool does not say).
function M.settle(ctx, argv, value, err)
  local name = argv.bucket_name
  if value == nil then return nil, M.refusal(name, err) end
  if not ctx.settings.wait then return value end
  return wait.until_unlisted(ctx, "tensorpool.delete_buckets", "bucket " .. name, function(stop)
    return ctx:call("list_buckets", {}, { retries = 0 }, stop)
  end, { name = name }, value)
end

return M
