-- Vast.ai's commands: `gpucloud vast WORDS...`, a row each (the format is
-- in gpucloud.cli.commands), in the official CLI's words.

local checks = require "gpucloud.cli.checks"

return {
  id = checks.vast_id, -- how an ID argument is checked
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
}
