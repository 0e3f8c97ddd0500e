-- How TensorPool's billable things look in the fleet view (see
-- providers/vast/fleet.lua). TensorPool confirms no rate or creation time
-- in its list answers (docs/tensorpool.md): a cost comes from a field where
-- an answer has one, the storage quote, or the user's price table
-- (`prices = {tensorpool = {...}}`); there is no billing call, so no
-- `charges` hook.

local key = require("gpucloud.fleet.plan").key

local M = {}

-- No kind names a `show` for the re-read before a delete (fleet/drift.lua):
-- the info answers' fields are not documented to be the listing's, and an
-- unpaged listing costs one request however many things are re-read.

local CLUSTER_STATE = {
  RUNNING = "running", PENDING = "pending", PROVISIONING = "pending", CREATING = "pending",
  STOPPED = "stopped", FAILED = "failed", ERROR = "failed", DESTROYING = "gone", DESTROYED = "gone",
}

local JOB_STATE = {
  pending = "pending", running = "running", canceling = "gone", canceled = "stopped",
  completed = "stopped", error = "failed", failed = "failed",
}

local function upper(v) return type(v) == "string" and v:upper() or v end
local function lower(v) return type(v) == "string" and v:lower() or v end

-- A cluster's instance type, and how many nodes of it.
local function instance_type(r)
  if type(r.instance_type) == "string" then return r.instance_type end
  return nil, "the answer has no instance_type"
end
local function nodes(r)
  if type(r.instances) == "table" and #r.instances > 0 then return #r.instances end
  if type(r.num_nodes) == "number" then return r.num_nodes end
  return 1
end
local function size_gb(r)
  local v = r.size_gb or r.size
  if type(v) == "number" and v > 0 then return v end
  return nil, "the answer gives no size in GB"
end

M.kinds = {
  cluster = {
    list = "list_clusters", id = "cluster_id", name = "name", status = "status",
    created_at = "created_at", age_unknown = "TensorPool's cluster list carries no creation time",
    cost = {
      { field = "hourly_rate" },
      { price = "instance_types", key = instance_type, times = nodes, source_note = "$/h per node" },
    },
    state = function(r) return CLUSTER_STATE[upper(r.status)] end,
    protected = function(r) return r.deletion_protection == true end,
    delete = "destroy_clusters", stage = 1, delete_opts = { wait = true },
  },
  storage = {
    list = "list_storage", id = "id", name = "name", status = "status",
    created_at = "created_at", age_unknown = "TensorPool's storage list carries no creation time",
    cost = {
      { field = "hourly_rate" },
      { quote = "get_storage_quote", arg = size_gb, read = "hourly_rate" },
      { price = "storage_gb_month", size = size_gb },
    },
    state = function(r)
      if type(r.attached_clusters) == "table" and #r.attached_clusters > 0 then return "running" end
      return "idle"
    end,
    protected = function(r) return r.deletion_protection == true end,
    parent = function(r)
      if type(r.attached_clusters) ~= "table" or #r.attached_clusters == 0 then return nil end
      local out = {}
      -- an attachment may be a cluster id or an object naming one
      for i, a in ipairs(r.attached_clusters) do
        out[i] = key("tensorpool", "cluster", type(a) == "table" and (a.cluster_id or a.id) or a)
      end
      return out
    end,
    delete = "destroy_storages", stage = 2, delete_opts = { wait = true },
    needs = "list_storage",
  },
  job = {
    list = "list_jobs", id = "id", name = "name", status = "status",
    created_at = "created_at", age_unknown = "TensorPool's job list carries no creation time",
    state = function(r) return JOB_STATE[lower(r.status)] end,
    cost = { { derive = function(row)
      return nil, "no rate of its own: it runs on "
        .. (row.raw.cluster_id and key("tensorpool", "cluster", row.raw.cluster_id) or "a cluster") .. ", which bills"
    end } },
    -- a canceled (or finished) job stays listed: what a check after the
    -- cancel counts as done (fleet/check.lua)
    done = function(row) return row.state == "stopped" or row.state == "failed" end,
    -- a job works or has ended, never idle: a failed one costs nothing,
    -- and a cancel of it is refused (fleet/observe.lua's idle_for)
    idle = function(row) if row.state ~= nil then return false end end,
    delete = "cancel_jobs", stage = 1, delete_opts = { wait = true },
    needs = "list_jobs",
  },
  -- organization-wide; billed on the month's peak size and per request.
  -- Never idle to the fleet: only an empty bucket can go, and whether one
  -- is empty no listing says.
  bucket = {
    list = "list_buckets", id = "name", name = "name", created_at = "created_at",
    age_unknown = "TensorPool's bucket list carries no creation time",
    state = function() return "running" end,
    cost = { { price = "object_storage_gb_month", size = function(r)
      local gb = r.size_gb or (type(r.size_bytes) == "number" and r.size_bytes / 1e9) or nil
      if type(gb) == "number" then return gb end
      return nil, "the bucket list gives no size (billed on the month's peak size, and per request)"
    end } },
    delete = "delete_buckets", stage = 2,
  },
}

--- Why fleet cost reports show TensorPool's estimates without a bill.
M.no_charges = "TensorPool has no billing call gpucloud knows (docs/tensorpool.md): estimates only"

return M
