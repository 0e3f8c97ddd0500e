-- Lambda Cloud's commands: `gpucloud lambda WORDS...`, a row each (the
-- format is in gpucloud.cli.commands). Lambda publishes no command-line
-- tool of its own: the words are its API's (instances, filesystems).

local checks = require "gpucloud.cli.checks"

return {
  -- how an ID argument is checked: the library's rule for string ids
  -- (one path segment), the same as TensorPool's
  id = checks.tensorpool_id,
  commands = {
  { "instance list", "list_instances", groups = { "list" }, help = "list instances, with their $/h (cost)",
    options = { { "cluster-id", value = "ID", check = checks.tensorpool_id, field = "cluster_id",
                  help = "instance list: only the instances of this cluster" } } },
  { "instance get", "get_instance", args = { "ID" }, help = "show an instance" },
  { "instance terminate", "terminate_instances", args = { "ID..." }, groups = { "bulk", "wait" },
    help = "terminate instances (there is no stop: this ends their billing)",
    bulk = { noun = "instances", verb = "terminate", doing = "terminating" } },
  { "filesystem list", "list_filesystems", groups = { "list" }, help = "list file systems" },
  { "filesystem delete", "delete_filesystems", args = { "ID..." }, groups = { "bulk", "wait" },
    help = "delete file systems (none an instance still mounts)",
    bulk = { noun = "file systems", verb = "delete", doing = "deleting" } },
  },
}
