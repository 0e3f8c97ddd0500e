-- TensorPool, as data, plus what rows cannot say: waiting for an
-- asynchronous request or a job's cancel (waits.lua), confirming a destroy
-- whose answer was lost (confirm.lua), and turning deletion protection off
-- before a destroy, only when asked (protect.lua, destroy.lua). The wire: docs/tensorpool.md. Method
-- names follow the official CLI's words in snake_case (`list_`,
-- `destroy_`, `get_..._info`, `edit_`, `cancel_`). Row fields: see
-- vast.lua; `destructive` (a POST that counts against the bulk max).

local args = require "gpucloud.args"
local buckets = require "gpucloud.providers.tensorpool.buckets"
local define = require "gpucloud.define"
local destroy = require "gpucloud.providers.tensorpool.destroy"
local waits = require "gpucloud.providers.tensorpool.waits"

local INCLUDE_ORG = { "include_org", "boolean" }

local spec = {
  name = "tensorpool",
  short = "tp", -- its name in the REPL, and the official CLI's
  title = "TensorPool",
  hosts = {
    engine = { option = "url", env = "TENSORPOOL_ENGINE", default = "https://engine.tensorpool.dev" },
  },
  key = { env = { "TENSORPOOL_KEY", "TENSORPOOL_API_KEY" } },
  server_codes = {},
  -- The structured fields of listings and infos are undocumented: an
  -- answer without its `clusters`, `volumes`, `jobs`, `cluster_info`, ...
  -- is bad_response (its whole answer in err.body), never an empty list.
  ops = {
    list_clusters = {
      method = "GET", host = "engine", path = "/cluster/list",
      query = { INCLUDE_ORG, { "instances", "boolean" } },
      list = "clusters", id_field = "cluster_id", idempotent = true,
    },
    get_cluster_info = {
      method = "GET", host = "engine", path = "/cluster/info/{cluster_id}",
      args = { { "cluster_id", "tp_id" } }, object = "cluster_info", idempotent = true,
      echo = { cluster_id = "cluster_id", id = "cluster_id" }, echo_optional = true,
    },
    -- 202 and a CLUSTER_EDIT request; repeating the same fields is harmless
    edit_cluster = {
      method = "PATCH", host = "engine", path = "/cluster/edit/{cluster_id}",
      args = { { "cluster_id", "tp_id" },
               { "fields", args.fields { cluster_name = "text", deletion_protection = "boolean" } } },
      body = "fields", idempotent = true,
    },
    destroy_cluster = {
      method = "DELETE", host = "engine", path = "/cluster/{cluster_id}",
      args = { { "cluster_id", "tp_id" } }, idempotent = true,
    },
    list_storage = {
      method = "GET", host = "engine", path = "/storage/list", query = { INCLUDE_ORG },
      list = "volumes", id_field = "id", idempotent = true,
    },
    get_storage_info = {
      method = "GET", host = "engine", path = "/storage/info/{storage_id}",
      args = { { "storage_id", "tp_id" } }, object = "storage_info", idempotent = true,
      echo = { storage_id = "storage_id", id = "storage_id" }, echo_optional = true,
    },
    edit_storage = {
      method = "PATCH", host = "engine", path = "/storage/edit/{storage_id}",
      args = { { "storage_id", "tp_id" }, { "fields", args.fields {
        tp_storage_name = "text", deletion_protection = "boolean", size_gb = "positive_int" } } },
      body = "fields", idempotent = true,
    },
    destroy_storage = {
      method = "DELETE", host = "engine", path = "/storage/{storage_id}",
      args = { { "storage_id", "tp_id" } }, idempotent = true,
    },
    list_jobs = {
      method = "GET", host = "engine", path = "/job/list", query = { INCLUDE_ORG },
      list = "jobs", id_field = "id", idempotent = true,
    },
    get_job_info = {
      method = "GET", host = "engine", path = "/job/info/{job_id}",
      args = { { "job_id", "tp_id" } }, object = "job_info", idempotent = true,
      -- the polls of a cancel: an info about another job is never its end
      -- (which field names the job is not documented: either, when there)
      echo = { job_id = "job_id", id = "job_id" }, echo_optional = true,
    },
    -- idempotent on the server: a repeat says "already canceled"
    cancel_job = {
      method = "POST", host = "engine", path = "/job/cancel/{job_id}",
      args = { { "job_id", "tp_id" } }, idempotent = true, destructive = true,
    },
    -- finished jobs only (else 409)
    delete_job = {
      method = "DELETE", host = "engine", path = "/job/delete/{job_id}",
      args = { { "job_id", "tp_id" } }, idempotent = true,
    },
    get_request_info = {
      method = "GET", host = "engine", path = "/request/info/{request_id}",
      args = { { "request_id", "tp_id" } }, object = true, idempotent = true,
      -- the polls of every destroy and edit: about this request, or bad_response
      echo = { request_id = "request_id" },
    },

    -- Money and object storage (issue 21; docs/tensorpool.md). The quote's
    -- parameter and answer fields are UNVERIFIED: the answer comes back
    -- whole, and the fleet reads a numeric hourly_rate from it or says why not.
    get_storage_quote = {
      method = "GET", host = "engine", path = "/storage/quote",
      args = { { "size_gb", "positive_int", query = "size" } }, object = true, idempotent = true,
    },
    -- organization-wide: every member's buckets
    list_buckets = {
      method = "GET", host = "engine", path = "/object-storage/bucket/list",
      list = "buckets", item = buckets.item, id_field = "name", idempotent = true,
    },
    -- empty buckets only (204); see buckets.lua for a refusal
    delete_bucket = {
      method = "DELETE", host = "engine", path = "/object-storage/bucket/delete/{bucket_name}",
      args = { { "bucket_name", "tp_id" } }, idempotent = true,
    },
  },
}

-- What differs between destroying a cluster and a storage volume; the
-- rest is one piece of code (destroy.lua).
local clusters = {
  destroy = "destroy_cluster", id = "cluster_id", list = "list_clusters", edit = "edit_cluster",
  release = "CLUSTER_RELEASE", edit_type = "CLUSTER_EDIT", noun = "cluster", listing = "cluster list",
}
local storage = {
  destroy = "destroy_storage", id = "storage_id", list = "list_storage", edit = "edit_storage",
  release = "STORAGE_DESTROY", edit_type = "STORAGE_EDIT", noun = "storage volume", listing = "storage list",
}

spec.methods = {
  wait_request = waits.wait_request_method(spec),
  wait_job = waits.wait_job_method(spec),
  -- destroy_cluster(id, {unprotect = true, ...}) and destroy_storage: the
  -- rows, plus the protection step when asked
  destroy_cluster = destroy.destroy_method(spec, clusters),
  destroy_storage = destroy.destroy_method(spec, storage),
  delete_bucket = buckets.delete_method(spec),
}

spec.bulk = {
  destroy_clusters = destroy.destroy_entry(spec, clusters),
  destroy_storages = destroy.destroy_entry(spec, storage),
  cancel_jobs = { op = "cancel_job", settle = waits.settle_cancel, verb = "cancel", done_verb = "canceled" },
  delete_jobs = { op = "delete_job" },
  delete_buckets = { op = "delete_bucket", settle = buckets.settle },
}

-- help's line (gpucloud repl) for what is not a row, whose help is made
-- from the row itself: the arguments, the option scope, one line.
spec.docs = {
  wait_request = { args = "request_id [, opts]", options = "wait",
    "poll get_request_info until COMPLETED (its info) or FAILED (nil, err with code failed)" },
  wait_job = { args = "job_id [, opts]", options = "wait",
    "poll get_job_info until canceled (its info) or completed/error/failed (nil, err saying which)" },
  destroy_cluster = { args = "cluster_id [, opts]", options = "call",
    "DELETE engine /cluster/{cluster_id} -> 202 {cluster_id, request_id, message}; "
      .. "with unprotect = true, a refusal for deletion protection turns it off, waits, and destroys" },
  destroy_storage = { args = "storage_id [, opts]", options = "call",
    "DELETE engine /storage/{storage_id} -> 202 {storage_id, request_id, message}; "
      .. "with unprotect = true, as destroy_cluster" },
  delete_bucket = { args = "bucket_name [, opts]", options = "call",
    "DELETE engine /object-storage/bucket/delete/{bucket_name} -> 204; an empty bucket only: a non-empty "
      .. "one fails (not_empty = true) and gpucloud never empties it" },
  destroy_clusters = {
    "destroy_cluster for each id; with wait = true, wait for each and confirm a lost answer by the listing" },
  delete_buckets = { "delete_bucket for each name; one not empty is refused (not_empty = true); "
    .. "with wait = true, listed again until it is gone" },
}

return { spec = spec, new = define.define(spec) }
