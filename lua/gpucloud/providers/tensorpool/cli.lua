-- TensorPool's commands: `gpucloud tensorpool WORDS...` (or `gpucloud tp
-- ...`), a row each (the format is in gpucloud.cli.commands), in the
-- official CLI's words, with the columns a table shows by default.

local checks = require "gpucloud.cli.checks"

-- Options shared by several commands.
local TP_ORG = { "org", field = "include_org", help = "list: the organisation's, not only yours" }
local TP_PROTECTION = { "deletion-protection", value = "BOOL", check = checks.boolean, field = "deletion_protection",
  help = "edit: true or false" }
local TP_UNPROTECT = { "unprotect", field = "unprotect",
  help = "destroy: turn deletion protection off (and wait for that) when a destroy is refused for it" }

-- How fields show in tables: a title, and a format (cli/table.lua).
local FIELDS = {
  cluster_id = { "cluster" }, deletion_protection = { "protected" }, instance_type = { "type" },
  hourly_rate = { "$/h", "money/h" }, created_at = { "age", "age" }, attached_clusters = { "clusters" },
  size_gb = { "GB" }, size = { "GB" },
}
-- a bucket's size: in an answer or not (docs/tensorpool.md: UNVERIFIED)
local BUCKET_FIELDS = { size_gb = { "GB", optional = true }, size_bytes = { "bytes", optional = true } }
-- a cluster's own id is its id
local CLUSTER_FIELDS = { cluster_id = { "id" } }
for k, v in pairs(FIELDS) do CLUSTER_FIELDS[k] = CLUSTER_FIELDS[k] or v end

return {
  id = checks.tensorpool_id, -- how an ID argument is checked
  commands = {
  { "cluster list", "list_clusters", groups = { "list" }, options = { TP_ORG }, help = "list clusters",
    fields = CLUSTER_FIELDS,
    columns = { "cluster_id", "name", "status", "instance_type", "instances", "deletion_protection",
      "hourly_rate", "created_at" },
    examples = { "gpucloud tp cluster list", "gpucloud tensorpool cluster list --filter status=RUNNING -o ids" } },
  { "cluster info", "get_cluster_info", args = { "ID" }, help = "show a cluster", fields = CLUSTER_FIELDS,
    examples = { "gpucloud tp cluster info c-dev-h100" } },
  { "cluster edit", "edit_cluster", args = { "ID" }, needs_option = true, options = {
    { "name", value = "NAME", check = checks.text, field = "cluster_name", help = "edit: the new name" },
    TP_PROTECTION,
  }, help = "rename a cluster, or turn its deletion protection on or off",
    examples = { "gpucloud tp cluster edit c-prod-serving --deletion-protection false" } },
  { "cluster destroy", "destroy_clusters", args = { "ID..." }, groups = { "bulk", "wait" }, kind = "cluster",
    options = { TP_UNPROTECT },
    help = "destroy clusters", bulk = { noun = "clusters", verb = "destroy", done = "destroyed", doing = "destroying" },
    examples = { "gpucloud tp cluster destroy c-dev-h100 --wait",
                 "gpucloud tp cluster destroy c-prod-serving --unprotect --wait" } },
  { "storage list", "list_storage", groups = { "list" }, options = { TP_ORG }, help = "list storage volumes",
    fields = FIELDS, columns = { "id", "name", "status", "size_gb", "attached_clusters", "deletion_protection",
      "hourly_rate", "created_at" },
    examples = { "gpucloud tp storage list --filter deletion_protection=true --org" } },
  { "storage info", "get_storage_info", args = { "ID" }, help = "show a storage volume", fields = FIELDS,
    examples = { "gpucloud tp storage info s-scratch" } },
  { "storage edit", "edit_storage", args = { "ID" }, needs_option = true, options = {
    { "name", value = "NAME", check = checks.text, field = "tp_storage_name", help = "edit: the new name" },
    { "size-gb", value = "N", check = checks.count(1), field = "size_gb",
      help = "storage edit: the new size in GB (it only grows)" },
    TP_PROTECTION,
  }, help = "rename or grow a storage volume, or turn its deletion protection on or off",
    examples = { "gpucloud tp storage edit s-scratch --size-gb 100" } },
  { "storage destroy", "destroy_storages", args = { "ID..." }, groups = { "bulk", "wait" }, kind = "storage",
    options = { TP_UNPROTECT }, help = "destroy storage volumes",
    bulk = { noun = "storage volumes", verb = "destroy", done = "destroyed", doing = "destroying" },
    examples = { "gpucloud tp storage destroy s-scratch s-old --dry-run" } },
  { "job list", "list_jobs", groups = { "list" }, options = { TP_ORG }, help = "list jobs", fields = FIELDS,
    columns = { "id", "name", "status", "cluster_id", "exit_code", "created_at" },
    examples = { "gpucloud tp job list --filter status=running" } },
  { "job info", "get_job_info", args = { "ID" }, help = "show a job", fields = FIELDS,
    examples = { "gpucloud tp job info j-train-001" } },
  { "job cancel", "cancel_jobs", args = { "ID..." }, groups = { "bulk", "wait" }, kind = "job", help = "cancel jobs",
    bulk = { noun = "jobs", verb = "cancel", done = "canceled", doing = "canceling" },
    examples = { "gpucloud tp job cancel j-train-001 --wait" } },
  { "job delete", "delete_jobs", args = { "ID..." }, groups = { "bulk" }, kind = "job", help = "delete finished jobs",
    bulk = { noun = "jobs", verb = "delete", done = "deleted", doing = "deleting" },
    examples = { "gpucloud tp job delete j-done-005" } },
  { "request info", "get_request_info", args = { "ID" }, help = "show a request's status",
    examples = { "gpucloud tp request info req-000001" } },
  -- money and object storage (issue 21)
  { "storage quote", "get_storage_quote", args = { "GB" }, help = "what a storage volume of GB costs an hour",
    fields = FIELDS, columns = { "size", "hourly_rate", "message" }, examples = { "gpucloud tp storage quote 100" } },
  { "bucket list", "list_buckets", groups = { "list" }, help = "list the organization's object storage buckets",
    fields = BUCKET_FIELDS, columns = { "name", "size_gb", "size_bytes" },
    examples = { "gpucloud tp bucket list", "gpucloud tp bucket list -o ids" } },
  { "bucket delete", "delete_buckets", args = { "ID..." }, groups = { "bulk" }, kind = "bucket",
    help = "delete empty buckets (one that holds objects is refused: gpucloud never empties one)",
    bulk = { noun = "buckets", verb = "delete", done = "deleted", doing = "deleting" },
    examples = { "gpucloud tp bucket delete scratch-empty --dry-run", "gpucloud tp bucket delete scratch-empty" } },
  },
}
