-- How TensorPool's billable things look in the fleet view (see fleet/vast.lua).

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

M.kinds = {
  cluster = {
    list = "list_clusters", id = "cluster_id", name = "name", status = "status",
    created_at = "created_at", cost_per_hour = "hourly_rate",
    state = function(r) return CLUSTER_STATE[upper(r.status)] end,
    protected = function(r) return r.deletion_protection == true end,
    delete = "destroy_clusters", stage = 1, delete_opts = { wait = true },
  },
  storage = {
    list = "list_storage", id = "id", name = "name", status = "status",
    created_at = "created_at", cost_per_hour = "hourly_rate",
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
    created_at = "created_at",
    state = function(r) return JOB_STATE[lower(r.status)] end,
    -- a canceled (or finished) job stays listed: what a check after the
    -- cancel counts as done (fleet/check.lua)
    done = function(row) return row.state == "stopped" or row.state == "failed" end,
    -- a job works or has ended, never idle: a failed one costs nothing,
    -- and a cancel of it is refused (fleet/observe.lua's idle_for)
    idle = function(row) if row.state ~= nil then return false end end,
    delete = "cancel_jobs", stage = 1, delete_opts = { wait = true },
    needs = "list_jobs",
  },
}

return M
