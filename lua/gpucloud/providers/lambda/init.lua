-- Lambda Cloud, as data: its Cloud API v1 (https://cloud.lambda.ai, paths
-- /api/v1/...). The wire: docs/lambda.md. Lambda publishes no command-line
-- tool of its own: method names are its API's operations (listInstances,
-- getInstance, terminateInstance, listFilesystems, filesystemDelete) in
-- snake_case. Row fields: see vast/init.lua.
--
-- Lambda's error object ({"error": {code, message, suggestion}}) is read
-- where every error is made (errors.lua, through server_codes below); its
-- instances' Jupyter URL is a credential by the one rule (secrets.lua).
-- What rows cannot say, each in its own file: a terminate judged by a
-- listing when its answer is not a plain acceptance, and confirmed by
-- listing again (terminate.lua, watch.lua), a file system's delete
-- followed with wait (delete.lua), prices (prices.lua, read by fleet.lua).

local checks = require "gpucloud.providers.lambda.checks"
local define = require "gpucloud.define"
local delete = require "gpucloud.providers.lambda.delete"
local terminate = require "gpucloud.providers.lambda.terminate"

-- "Generally limited to one request per second" (per account).
local RATE = 1.0

local ID = { "id", checks.id }
local TERMINATE = "/api/v1/instance-operations/terminate"

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
  -- {"error": {"code": ...}}: the codes whose meaning the status may not
  -- carry (a bad key answered 404 is never "already gone")
  server_codes = {
    ["global/invalid-api-key"] = "unauthorized",
    ["global/account-inactive"] = "forbidden",
    ["global/object-does-not-exist"] = "not_found",
    ["global/invalid-parameters"] = "invalid",
    ["filesystems/filesystem-in-use"] = "conflict",
    ["global/internal-error"] = "server_error",
    -- a second terminate of an instance already terminating (status unknown)
    ["global/unknown"] = "server_error",
    -- an upstream failure ("Try again shortly"), whatever follows the slash
    ["provider/"] = "server_error",
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
    -- The terminate of one instance: Lambda's terminate with a list of one
    -- id. 200 lists those accepted, now `terminating`: an answer that does
    -- not name the id is bad_response (it may have landed). Not safe to repeat:
    -- a second terminate of an instance already terminating answered an
    -- error (global/unknown).
    terminate_instance = {
      method = "POST", host = "api", path = TERMINATE, args = { ID }, body_list = { instance_ids = "id" },
      object = "data", check_answer = terminate.about, destructive = true, rate = RATE,
    },
    -- Any number of ids at once, as given
    terminate_batch = {
      method = "POST", host = "api", path = TERMINATE,
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

spec.bulk = {
  terminate_instances = { op = "terminate_instance", settle = terminate.settle,
                          verb = "terminate", done_verb = "terminated" },
  delete_filesystems = { op = "delete_filesystem", settle = delete.settle },
}

-- help's lines (gpucloud repl) for what says more than its row
spec.docs = {
  terminate_instances = { "terminate_instance for each id; an answer that is not a plain acceptance is judged "
    .. "by a listing asked for after it (terminating or terminated: done; absent: maybe_deleted when it may "
    .. "have landed); with wait = true, listed again until it is gone or terminated" },
  delete_filesystems = { "delete_filesystem for each id; one still mounted is refused (conflict); "
    .. "with wait = true, listed again until it is gone" },
}

return { spec = spec, new = define.define(spec) }
