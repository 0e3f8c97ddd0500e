-- TensorPool's commands: `gpucloud tensorpool WORDS...`, a row each (the
-- format is in gpucloud.cli.commands), in the official CLI's words.

local checks = require "gpucloud.cli.checks"

-- Options shared by several commands.
local TP_ORG = { "org", field = "include_org", help = "list: the organisation's, not only yours" }
local TP_PROTECTION = { "deletion-protection", value = "BOOL", check = checks.boolean, field = "deletion_protection",
  help = "edit: true or false" }
local TP_UNPROTECT = { "unprotect", field = "unprotect",
  help = "destroy: turn deletion protection off (and wait for that) when a destroy is refused for it" }

return {
  id = checks.tensorpool_id, -- how an ID argument is checked
  commands = {
  { "cluster list", "list_clusters", groups = { "list" }, options = { TP_ORG }, help = "list clusters" },
  { "cluster info", "get_cluster_info", args = { "ID" }, help = "show a cluster" },
  { "cluster edit", "edit_cluster", args = { "ID" }, needs_option = true, options = {
    { "name", value = "NAME", check = checks.text, field = "cluster_name", help = "edit: the new name" },
    TP_PROTECTION,
  }, help = "rename a cluster, or turn its deletion protection on or off" },
  { "cluster destroy", "destroy_clusters", args = { "ID..." }, groups = { "bulk", "wait" },
    options = { TP_UNPROTECT },
    help = "destroy clusters", bulk = { noun = "clusters", verb = "destroy", doing = "destroying" } },
  { "storage list", "list_storage", groups = { "list" }, options = { TP_ORG }, help = "list storage volumes" },
  { "storage info", "get_storage_info", args = { "ID" }, help = "show a storage volume" },
  { "storage edit", "edit_storage", args = { "ID" }, needs_option = true, options = {
    { "name", value = "NAME", check = checks.text, field = "tp_storage_name", help = "edit: the new name" },
    { "size-gb", value = "N", check = checks.count(1), field = "size_gb",
      help = "storage edit: the new size in GB (it only grows)" },
    TP_PROTECTION,
  }, help = "rename or grow a storage volume, or turn its deletion protection on or off" },
  { "storage destroy", "destroy_storages", args = { "ID..." }, groups = { "bulk", "wait" },
    options = { TP_UNPROTECT }, help = "destroy storage volumes",
    bulk = { noun = "storage volumes", verb = "destroy", doing = "destroying" } },
  { "job list", "list_jobs", groups = { "list" }, options = { TP_ORG }, help = "list jobs" },
  { "job info", "get_job_info", args = { "ID" }, help = "show a job" },
  { "job cancel", "cancel_jobs", args = { "ID..." }, groups = { "bulk", "wait" }, help = "cancel jobs",
    bulk = { noun = "jobs", verb = "cancel", doing = "canceling" } },
  { "job delete", "delete_jobs", args = { "ID..." }, groups = { "bulk" }, help = "delete finished jobs",
    bulk = { noun = "jobs", verb = "delete", doing = "deleting" } },
  { "request info", "get_request_info", args = { "ID" }, help = "show a request's status" },
  },
}
