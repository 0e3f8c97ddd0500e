-- Lambda Cloud, as data: its Cloud API v1 (https://cloud.lambda.ai, paths
-- /api/v1/...). The wire: docs/lambda.md. Lambda publishes no command-line
-- tool of its own: method names are its API's operations (listInstances,
-- getInstance, terminateInstance, listFilesystems, filesystemDelete) in
-- snake_case. Row fields: see vast/init.lua.
--
-- What rows cannot say, each in its own file: Lambda's error object, its
-- list envelope and the Jupyter token in a URL (wire.lua, which every
-- method goes through), the terminate of one instance judged by the
-- instance and confirmed by listing again (terminate.lua, watch.lua), a
-- file system's delete followed with wait (delete.lua),
-- prices (prices.lua, read by fleet.lua).

local checks = require "gpucloud.providers.lambda.checks"
local define = require "gpucloud.define"
local delete = require "gpucloud.providers.lambda.delete"
local terminate = require "gpucloud.providers.lambda.terminate"
local wire = require "gpucloud.providers.lambda.wire"

-- "Generally limited to one request per second" (per account).
local RATE = 1.0

local ID = { "id", checks.id }

local spec = {
  name = "lambda",
  short = "lambda", -- its name in the REPL
  title = "Lambda Cloud",
  hosts = {
    -- cloud.lambdalabs.com is the deprecated name of the same API
    api = { option = "url", env = "LAMBDA_URL", default = "https://cloud.lambda.ai" },
  },
  -- Lambda's own tools keep no key file
  key = { env = { "LAMBDA_API_KEY" } },
  -- {"error": {"code": ...}} (wire.lua reads it): the codes whose meaning
  -- the status may not carry
  server_codes = {
    ["global/invalid-api-key"] = "unauthorized",
    ["global/account-inactive"] = "forbidden",
    ["global/object-does-not-exist"] = "not_found",
    ["global/invalid-parameters"] = "invalid",
    ["filesystems/filesystem-in-use"] = "conflict",
    ["global/internal-error"] = "server_error",
    -- a second terminate of an instance already terminating (status unknown)
    ["global/unknown"] = "server_error",
  },
  ops = {
    -- Instances: every one the account has (no pages); with cluster_id,
    -- those of that cluster
    list_instances = {
      method = "GET", host = "api", path = "/api/v1/instances", query = { { "cluster_id", checks.id } },
      list = "data", id_field = "id", idempotent = true, rate = RATE,
    },
    get_instance = {
      method = "GET", host = "api", path = "/api/v1/instances/{id}", args = { ID }, object = "data",
      echo = { id = "id" }, idempotent = true, rate = RATE,
    },
    -- Any number of ids at once; 200 lists those accepted, now
    -- `terminating`. Not safe to repeat: a second terminate of an instance
    -- already terminating answered an error (global/unknown).
    terminate_batch = {
      method = "POST", host = "api", path = "/api/v1/instance-operations/terminate",
      args = { { "instance_ids", checks.instance_ids } }, body = { "instance_ids" }, object = "data",
      destructive = true, rate = RATE,
    },

    -- File systems. Note the spelling: listed under file-systems, deleted
    -- under filesystems.
    list_filesystems = {
      method = "GET", host = "api", path = "/api/v1/file-systems", list = "data", id_field = "id",
      idempotent = true, rate = RATE,
    },
    -- 200 {"data": {"deleted_ids": [...]}}; 400 filesystems/filesystem-in-use while mounted
    delete_filesystem = {
      method = "DELETE", host = "api", path = "/api/v1/filesystems/{id}", args = { ID }, idempotent = true,
      rate = RATE,
    },
  },
}

-- terminate_instances' first step, per id: the instance read (get_instance's
-- wire), counted against bulk's `max` as the terminate it leads to.
do
  local row = {}
  for k, v in pairs(spec.ops.get_instance) do row[k] = v end
  row.destructive = true
  spec.ops.check_instance = row
end

spec.bulk = {
  terminate_instances = { op = "check_instance", settle = terminate.settle(spec),
                          verb = "terminate", done_verb = "terminated" },
  delete_filesystems = { op = "delete_filesystem", settle = delete.settle(spec) },
}

-- help's lines (gpucloud repl) for what says more than its row; wire.install
-- adds each row's method and its line.
spec.docs = {
  check_instance = { args = "id [, opts]", options = "call",
    "GET /api/v1/instances/{id} -> the instance: terminate_instances' first step (counts against bulk max)" },
  terminate_instances = { "for each id: the instance read, then terminated (one id a call) unless it is already "
    .. "terminating or cannot be; with wait = true, listed again until it is gone or terminated" },
  delete_filesystems = { "delete_filesystem for each id; one still mounted is refused (conflict); "
    .. "with wait = true, listed again until it is gone" },
}
wire.install(spec)

return { spec = spec, new = define.define(spec) }
