-- Lambda Cloud's commands: `gpucloud lambda WORDS...`, a row each (the
-- format is in gpucloud.cli.commands). Lambda publishes no command-line
-- tool of its own: the words are its API's (instances, filesystems). The
-- columns a table shows by default: a dotted column is a nested field
-- (instance_type.name).

local checks = require "gpucloud.cli.checks"

-- How fields show in tables: a title, and a format (cli/table.lua).
local FIELDS = {
  ["instance_type.name"] = { "type" }, ["instance_type.price_cents_per_hour"] = { "$/h", "cents/h" },
  ["instance_type.specs.gpus"] = { "GPUs" }, ["region.name"] = { "region" }, created = { "age", "age" },
  is_in_use = { "in use" }, bytes_used = { "bytes used" },
}
local INSTANCE_COLUMNS = { "id", "name", "status", "instance_type.name", "instance_type.specs.gpus", "region.name",
  "ip", "instance_type.price_cents_per_hour" }

return {
  -- how an ID argument is checked: the library's rule for string ids
  -- (one path segment)
  id = checks.segment_id,
  commands = {
  { "instance list", "list_instances", groups = { "list" }, help = "list instances, with their $/h",
    fields = FIELDS, columns = INSTANCE_COLUMNS,
    options = { { "cluster-id", value = "ID", check = checks.segment_id, field = "cluster_id",
                  help = "instance list: only the instances of this cluster" } },
    examples = { "gpucloud lambda instance list", "gpucloud lambda instance list --filter status=active -o ids" } },
  { "instance get", "get_instance", args = { "ID" }, help = "show an instance", fields = FIELDS,
    columns = INSTANCE_COLUMNS, examples = { "gpucloud lambda instance get i-train-a100x8" } },
  { "instance terminate", "terminate_instances", args = { "ID..." }, groups = { "bulk", "wait" }, kind = "instance",
    help = "terminate instances (there is no stop: this ends their billing)",
    bulk = { noun = "instances", one = "instance", verb = "terminate", done = "terminated", doing = "terminating" },
    examples = { "gpucloud lambda instance terminate i-dev-a10 --dry-run",
                 "gpucloud lambda instance terminate i-dev-a10 i-slow-h100 --yes --wait" } },
  { "filesystem list", "list_filesystems", groups = { "list" }, help = "list file systems", fields = FIELDS,
    columns = { "id", "name", "is_in_use", "bytes_used", "region.name", "created" },
    examples = { "gpucloud lambda filesystem list --filter is_in_use=false" } },
  { "filesystem delete", "delete_filesystems", args = { "ID..." }, groups = { "bulk", "wait" }, kind = "filesystem",
    help = "delete file systems (none an instance still mounts)",
    bulk = { noun = "file systems", one = "file system", verb = "delete", done = "deleted", doing = "deleting" },
    examples = { "gpucloud lambda filesystem delete fs-scratch --dry-run" } },
  },
}
