-- Vast.ai's commands: `gpucloud vast WORDS...`, a row each (the format is
-- in gpucloud.cli.commands), in the official CLI's words (`vastai`'s other
-- words as aliases), with the columns a table shows by default.

local checks = require "gpucloud.cli.checks"

-- How fields show in tables: a title, and a format (cli/table.lua).
local FIELDS = {
  endpoint_name = { "name" }, endpoint_state = { "state" }, endpoint_id = { "endpoint" },
  actual_status = { "status" }, num_gpus = { "GPUs" }, gpu_name = { "GPU" },
  dph_total = { "$/h", "money/h" }, dph_base = { "base $/h", "money/h" }, min_bid = { "min bid", "money/h" },
  storage_cost = { "storage $/month/GB", "money" }, storage_total_cost = { "storage $", "money" },
  start_date = { "age", "age" }, end_date = { "ends", "date" }, created_at = { "age", "age" },
  duration = { "duration", "duration" }, disk_space = { "GB" }, gpu_util = { "util" },
}

local LIST = { "list" }

return {
  id = checks.vast_id, -- how an ID argument is checked
  commands = {
  { "show endpoints", "show_endpoints", groups = LIST, help = "list endpoints", fields = FIELDS,
    columns = { "id", "endpoint_name", "endpoint_state", "min_load", "max_workers", "created_at" },
    examples = { "gpucloud vast show endpoints", "gpucloud vast show endpoints --filter endpoint_state=active -o ids" } },
  { "show workergroups", "show_workergroups", groups = LIST, help = "list workergroups", fields = FIELDS,
    columns = { "id", "endpoint_id", "endpoint_name", "gpu_ram", "max_workers", "test_workers", "created_at" },
    examples = { "gpucloud vast show workergroups --filter endpoint_id=101" } },
  { "get endpoint workers", "get_endpoint_workers", args = { "ID" }, groups = LIST, fields = FIELDS,
    columns = { "id", "status", "gpu_name", "cur_load", "cur_perf", "created_at" },
    help = "list an endpoint's workers",
    examples = { "gpucloud vast get endpoint workers 101 --filter status=stopped --filter status=error" } },
  { "get workergroup workers", "get_workergroup_workers", args = { "ID" }, groups = LIST, fields = FIELDS,
    columns = { "id", "status", "gpu_name", "cur_load", "cur_perf", "created_at" },
    help = "list a workergroup's workers", examples = { "gpucloud vast get workergroup workers 201" } },
  { "delete endpoint", "delete_endpoints", args = { "ID..." }, groups = { "bulk" }, kind = "endpoint",
    aliases = { "delete endpoints" }, help = "delete endpoints (and their workergroups)",
    bulk = { noun = "endpoints", verb = "delete", done = "deleted", doing = "deleting" },
    examples = { "gpucloud vast delete endpoint 102 103 --dry-run", "gpucloud vast delete endpoint 102 103 --yes" } },
  { "delete workergroup", "delete_workergroups", args = { "ID..." }, groups = { "bulk" }, kind = "workergroup",
    aliases = { "delete workergroups" }, help = "delete workergroups",
    bulk = { noun = "workergroups", verb = "delete", done = "deleted", doing = "deleting" },
    examples = { "gpucloud vast delete workergroup 201 --dry-run", "gpucloud vast delete workergroup 201 202 --yes" } },
  -- instances, volumes, endpoint show/update/logs (issue 12)
  { "show instances", "show_instances", groups = LIST, help = "list instances (every page)", fields = FIELDS,
    columns = { "id", "label", "actual_status", "num_gpus", "gpu_name", "dph_total", "start_date" },
    options = { { "label", value = "LABEL", check = checks.text, field = "label",
                  help = "show instances: only those with this label (filtered by Vast.ai)" } },
    examples = { "gpucloud vast show instances", "gpucloud vast show instances --label ci --filter actual_status=exited",
                 "gpucloud vast show instances --columns id,label,dph_total,end_date -o csv" } },
  { "show instance", "show_instance", args = { "ID" }, help = "show one instance", fields = FIELDS,
    columns = { "id", "label", "actual_status", "status_msg", "num_gpus", "gpu_name", "dph_total", "start_date" },
    examples = { "gpucloud vast show instance 5001" } },
  { "destroy instance", "destroy_instances", args = { "ID..." }, groups = { "bulk" }, kind = "instance",
    aliases = { "destroy instances" }, help = "destroy instances (and what they bill)",
    bulk = { noun = "instances", verb = "destroy", done = "destroyed", doing = "destroying" },
    examples = { "gpucloud vast destroy instance 5006 5007 --dry-run", "gpucloud vast destroy instances 5006 5007 --yes" } },
  { "stop instance", "stop_instances", args = { "ID..." }, groups = { "bulk" }, kind = "instance",
    aliases = { "stop instances" }, help = "stop instances (their disks still bill)",
    bulk = { noun = "instances", verb = "stop", done = "stopped", doing = "stopping" },
    examples = { "gpucloud vast stop instance 5001" } },
  { "start instance", "start_instances", args = { "ID..." }, groups = { "bulk" }, kind = "instance",
    aliases = { "start instances" }, help = "start stopped instances",
    bulk = { noun = "instances", verb = "start", done = "started", doing = "starting" },
    examples = { "gpucloud vast start instance 5004" } },
  { "label instance", "label_instance", args = { "ID", "LABEL" }, help = "set an instance's label",
    examples = { "gpucloud vast label instance 5001 keep-me" } },
  { "show volumes", "show_volumes", groups = LIST, help = "list volumes", fields = FIELDS,
    columns = { "id", "status", "disk_space", "instances", "storage_total_cost", "start_date" },
    options = { { "type", value = "TYPE", check = checks.one_of { "all_volume", "local_volume", "network_volume" },
                  field = "type", help = "show volumes: all_volume (default), local_volume or network_volume" } },
    examples = { "gpucloud vast show volumes --type local_volume" } },
  { "delete volume", "delete_volumes", args = { "ID..." }, groups = { "bulk" }, kind = "volume",
    aliases = { "delete volumes" }, help = "delete volumes (none with an instance attached)",
    bulk = { noun = "volumes", verb = "delete", done = "deleted", doing = "deleting" },
    examples = { "gpucloud vast delete volume 3002 3003 --yes" } },
  { "show endpoint", "show_endpoint", args = { "ID" }, help = "show one endpoint", fields = FIELDS,
    columns = { "id", "endpoint_name", "endpoint_state" }, examples = { "gpucloud vast show endpoint 102" } },
  { "update endpoint", "update_endpoint", args = { "ID" }, help = "change an endpoint's state (stopped: a pause)",
    options = { { "state", value = "STATE", check = checks.one_of { "active", "suspended", "stopped" },
                  field = "endpoint_state", required = true,
                  help = "update endpoint: active, suspended or stopped" } },
    examples = { "gpucloud vast update endpoint 102 --state stopped" } },
  { "get endpoint logs", "get_endpoint_logs", args = { "ID" }, help = "an endpoint's logs, as text", text = true,
    aliases = { "get endpt-logs" },
    options = { { "tail", value = "N", check = checks.count(1), field = "tail",
                  help = "get endpoint logs: only the last N lines" } },
    examples = { "gpucloud vast get endpoint logs 102 --tail 50" } },
  },
}
