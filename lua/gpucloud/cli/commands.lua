-- The command line as data: its options, and a row per command naming the
-- client method it calls. Adding a command is adding a row (and, in the
-- library, the method).
--
-- An option: { name, value = "METAVAR" (absent for a flag), check = fn
-- (text -> value | nil, what was wanted), repeats = true (the value is a
-- list), default = v (what the command line passes when it is not given),
-- required = true (the command needs it), help = "..." }.
--
-- A command row:
--   [1]      its words, after the provider's name
--   [2]      the client method
--   args     the positional arguments, in order, by kind (M.arguments):
--            "ID" one id, "ID..." one or more (the method is a bulk method,
--            called with the list and the bulk settings), others such as
--            "LABEL" text checked by their kind's check
--   groups   the option groups that apply (M.groups): "list" (the result
--            is a list: printed as a table, --filter applies), "bulk" (the
--            delete options), "wait" (--wait)
--   options  the command's own options, as above plus `field`: the name of
--            the method's option that gets the value, in the options table
--            after the arguments (the bulk settings for a bulk method)
--   bulk     for "ID...": the words of the prompt, report and progress line
--   needs_option  true: running it without one of its own options is a
--            usage error (an edit with nothing to change)
--   help     one line
-- e.g. a later { "label instance", "label_instance", args = { "ID", "LABEL" } },
-- { "update endpoint", "update_endpoint", args = { "ID" }, options = {
--   { "state", value = "STATE", check = checks.one_of { "active", "stopped" }, field = "state" } } }.

local checks = require "gpucloud.cli.checks"
local fleet = require "gpucloud.cli.fleet"

local M = {}

-- Options every command takes, anywhere after `gpucloud`.
M.global = {
  { "json", help = "print one JSON document on stdout, errors included" },
  { "quiet", help = "print nothing but errors (--json still prints its document)" },
  { "api-key", value = "KEY", check = checks.api_key,
    help = "the API key (else from the environment); never printed" },
  { "url", value = "URL", check = checks.url, help = "the API's base URL (else VAST_URL, TENSORPOOL_ENGINE)" },
  { "ca-file", value = "FILE", check = checks.path,
    help = "trust the certificates in this PEM file (a private CA, a proxy)" },
  { "timeout", value = "SECONDS", check = checks.seconds, help = "one attempt's timeout (default 60)" },
  { "deadline", value = "SECONDS", check = checks.seconds,
    help = "the whole call or wait, retries included (default none)" },
  { "retries", value = "N", check = checks.count(0), help = "retries after a failed attempt (default 3)" },
  -- read before parsing, wherever it is (see cli.lua): never parsed
  { "help", before_parsing = true, help = "this help (also -h); `gpucloud vast --help` for one provider" },
}

-- Option groups: the options of the commands that name the group, after
-- the command's words.
M.groups = {
  list = {
    { "filter", value = "FIELD=VALUE", check = checks.filter, repeats = true,
      help = "show/get/list: keep items whose FIELD is VALUE (repeatable)" },
  },
  bulk = {
    { "dry-run", help = "delete/destroy: print what would go, change nothing" },
    { "yes", help = "delete/destroy: do not ask before more than one id" },
    { "max", value = "N", check = checks.count(0), default = 50,
      help = "delete/destroy: refuse more than N ids (default 50)" },
    { "concurrency", value = "N", check = checks.count(1),
      help = "delete/destroy: requests in flight at once (default 8)" },
  },
  wait = {
    { "wait", help = "destroy/cancel: wait until each destroy or cancel has finished" },
  },
  -- what the fleet's list and delete select, the same for both
  select = {
    { "provider", value = "P", check = checks.one_of { "vast", "tensorpool" }, repeats = true,
      help = "fleet: only this provider (repeatable; default both)" },
    { "kind", value = "K", check = checks.one_of { "endpoint", "workergroup", "instance", "volume",
      "cluster", "storage", "job" }, repeats = true, help = "fleet: only this kind (repeatable)" },
    { "state", value = "S", check = checks.one_of { "running", "idle", "stopped", "failed", "pending", "gone" },
      repeats = true, help = "fleet: only things in this state (repeatable: any of them)" },
    { "older-than", value = "AGE", check = checks.duration, help = "fleet: only things older than AGE (6h, 2d)" },
    { "filter", value = "FIELD=VALUE", check = checks.filter, repeats = true,
      help = "fleet: keep rows whose FIELD is VALUE (repeatable)" },
  },
  verify = {
    { "verify", help = "fleet delete: list again afterwards; what is still there counts as failed" },
  },
}

-- Positional argument kinds. `id`: the provider's id rule.
M.arguments = {
  ID = { id = true },
  ["ID..."] = { id = true, many = true },
  LABEL = { check = checks.text },
}

-- TensorPool's options shared by several commands.
local TP_ORG = { "org", field = "include_org", help = "list: the organisation's, not only yours" }
local TP_PROTECTION = { "deletion-protection", value = "BOOL", check = checks.boolean, field = "deletion_protection",
  help = "edit: true or false" }
local TP_UNPROTECT = { "unprotect", field = "unprotect",
  help = "destroy: turn deletion protection off (and wait for that) when a destroy is refused for it" }

M.providers = {
  {
    name = "vast", title = "Vast.ai", id = checks.vast_id,
    key = "--api-key, VAST_API_KEY or ~/.config/vastai/vast_api_key",
    no_key = "no Vast.ai API key: pass --api-key, or set VAST_API_KEY (or ~/.config/vastai/vast_api_key)",
    url_env = "VAST_URL",
    commands = {
      { "show endpoints", "show_endpoints", groups = { "list" }, help = "list endpoints" },
      { "show workergroups", "show_workergroups", groups = { "list" }, help = "list workergroups" },
      { "get endpoint workers", "get_endpoint_workers", args = { "ID" }, groups = { "list" },
        help = "list an endpoint's workers" },
      { "get workergroup workers", "get_workergroup_workers", args = { "ID" }, groups = { "list" },
        help = "list a workergroup's workers" },
      { "delete endpoint", "delete_endpoints", args = { "ID..." }, groups = { "bulk" }, help = "delete endpoints",
        bulk = { noun = "endpoints", verb = "delete", doing = "deleting" } },
      { "delete workergroup", "delete_workergroups", args = { "ID..." }, groups = { "bulk" },
        help = "delete workergroups", bulk = { noun = "workergroups", verb = "delete", doing = "deleting" } },
      -- instances, volumes, endpoint show/update/logs (issue 12)
      { "show instances", "show_instances", groups = { "list" }, help = "list instances (every page)",
        options = { { "label", value = "LABEL", check = checks.text, field = "label",
                      help = "show instances: only those with this label (filtered by Vast.ai)" } } },
      { "show instance", "show_instance", args = { "ID" }, help = "show one instance" },
      { "destroy instance", "destroy_instances", args = { "ID..." }, groups = { "bulk" },
        help = "destroy instances (and what they bill)",
        bulk = { noun = "instances", verb = "destroy", doing = "destroying" } },
      { "stop instance", "stop_instances", args = { "ID..." }, groups = { "bulk" },
        help = "stop instances (their disks still bill)",
        bulk = { noun = "instances", verb = "stop", doing = "stopping" } },
      { "start instance", "start_instances", args = { "ID..." }, groups = { "bulk" }, help = "start stopped instances",
        bulk = { noun = "instances", verb = "start", doing = "starting" } },
      { "label instance", "label_instance", args = { "ID", "LABEL" }, help = "set an instance's label" },
      { "show volumes", "show_volumes", groups = { "list" }, help = "list volumes",
        options = { { "type", value = "TYPE", check = checks.one_of { "all_volume", "local_volume", "network_volume" },
                      field = "type", help = "show volumes: all_volume (default), local_volume or network_volume" } } },
      { "delete volume", "delete_volumes", args = { "ID..." }, groups = { "bulk" },
        help = "delete volumes (none with an instance attached)",
        bulk = { noun = "volumes", verb = "delete", doing = "deleting" } },
      { "show endpoint", "show_endpoint", args = { "ID" }, help = "show one endpoint" },
      { "update endpoint", "update_endpoint", args = { "ID" }, help = "change an endpoint's state (stopped: a pause)",
        options = { { "state", value = "STATE", check = checks.one_of { "active", "suspended", "stopped" },
                      field = "endpoint_state", required = true,
                      help = "update endpoint: active, suspended or stopped" } } },
      { "get endpoint logs", "get_endpoint_logs", args = { "ID" }, help = "an endpoint's logs",
        options = { { "tail", value = "N", check = checks.count(1), field = "tail",
                      help = "get endpoint logs: only the last N lines" } } },
    },
  },
  {
    name = "tensorpool", title = "TensorPool", id = checks.tensorpool_id,
    key = "--api-key, TENSORPOOL_KEY or TENSORPOOL_API_KEY",
    no_key = "no TensorPool API key: pass --api-key, or set TENSORPOOL_KEY (or TENSORPOOL_API_KEY)",
    url_env = "TENSORPOOL_ENGINE",
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
  },
  {
    name = "fleet", title = "every provider at once (clients from the environment)",
    key = "each provider's own: VAST_API_KEY, TENSORPOOL_KEY, ...",
    commands = {
      { "list", "list", run = fleet.list, groups = { "select" },
        help = "list every billable thing: kind, state, age, $/h" },
      { "delete", "delete", run = fleet.delete, groups = { "select", "bulk", "verify" },
        help = "delete what the selection lists, plan first" },
    },
  },
}

-- Commands of their own, not a provider's: the same row format, with
-- `module` instead of a client method (its main(call, sys) returns the
-- exit status, or nil and a usage message).
M.tools = {
  { "repl", module = "gpucloud.repl", help = "an interactive Lua with gpucloud, vast and tp ready (help() inside)",
    options = { { "sim", field = "sim", help = "repl: start the simulator for the session, stop it on exit" } } },
}

return M
