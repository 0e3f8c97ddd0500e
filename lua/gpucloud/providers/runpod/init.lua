-- RunPod, as data: its REST v2 management API (https://api.runpod.io,
-- paths /v2/...; REST v1 was retired on 2026-11-15 and GraphQL is not
-- needed). The wire: docs/runpod.md. Method names follow the official
-- CLI's words (`runpodctl pod list`, `serverless delete`, `network-volume
-- get`, `billing pods`) in snake_case. Row fields: see vast/init.lua.
--
-- What rows cannot say, each in its own file: the whole-list check of
-- every listing (whole.lua), a pod action judged by the pod and a pause
-- followed until its workers drain (settle.lua), the key file
-- (keyfile.lua) and prices (prices.lua, read by fleet.lua); its times are
-- read by gpucloud.times.

local checks = require "gpucloud.providers.runpod.checks"
local define = require "gpucloud.define"
local keyfile = require "gpucloud.providers.runpod.keyfile"
local settle = require "gpucloud.providers.runpod.settle"
local whole = require "gpucloud.providers.runpod.whole"

-- The RateLimit-Policy RunPod's OpenAPI gives as its example: 60 requests
-- a minute (3000 an hour); not a promised quota, and 429s carry Retry-After.
local RATE = 1.0

local ID = { "id", checks.id }

-- An answer that is one thing (a pod, an endpoint, a volume) is about the
-- id asked for: its `id` says so (every v2 object carries one).
local ABOUT_ID = { id = "id" }

-- A billing listing's query: a window (startTime, endTime; or lastN
-- buckets), the bucket size, and one thing's id. Its records are charges
-- of a thing in a time bucket, with no id of their own (`id_field =
-- false`): a pod billed two days is named twice. whole.lua refuses the
-- same thing in the same bucket twice.
local function billing(path, id_name)
  return {
    method = "GET", host = "api", path = path,
    query = { { "startTime", checks.time }, { "endTime", checks.time }, { "bucketSize", checks.bucket_size },
              { "lastN", "positive_int" }, { id_name, checks.id } },
    list = "records", id_field = false, idempotent = true, rate = RATE,
  }
end

-- A pod action: POST /v2/pods/{id}/action {"action": ...}, answered with the pod.
local function pod_action(action)
  return {
    method = "POST", host = "api", path = "/v2/pods/{id}/action", args = { ID },
    body = {}, body_const = { action = action }, echo = ABOUT_ID, idempotent = true, rate = RATE,
  }
end

local spec = {
  name = "runpod",
  short = "runpod", -- its name in the REPL
  title = "RunPod",
  hosts = {
    -- not the official CLI's RUNPOD_API_URL: that one is REST v1's base, path included
    api = { option = "url", env = "RUNPOD_URL", default = "https://api.runpod.io" },
  },
  -- the key file is read through getenv (keyfile.lua): gpucloud.keys reads
  -- a key file whole, and this one is TOML
  key = { env = { "RUNPOD_API_KEY", keyfile.PLACE } },
  -- v2 answers in problem+json ({title, status, detail, errors}); its
  -- status says what went wrong, and no machine code says more
  server_codes = {},
  ops = {
    -- Pods. Cluster member pods are left out unless includeClusterPods.
    -- (bare: v1's shape of the pods, endpoints and network volumes lists)
    list_pods = {
      method = "GET", host = "api", path = "/v2/pods", query = { { "includeClusterPods", "boolean" } },
      list = "pods", bare = true, id_field = "id", idempotent = true, rate = RATE,
    },
    get_pod = {
      method = "GET", host = "api", path = "/v2/pods/{id}", args = { ID }, object = true, echo = ABOUT_ID,
      idempotent = true, rate = RATE,
    },
    -- 200 with the pod; 409 when the pod's status does not allow it
    stop_pod = pod_action("stop"),
    start_pod = pod_action("start"),
    -- 204; 409 for a cluster's member pod (delete the cluster)
    delete_pod = {
      method = "DELETE", host = "api", path = "/v2/pods/{id}", args = { ID }, idempotent = true, rate = RATE,
    },

    -- Serverless endpoints
    list_endpoints = {
      method = "GET", host = "api", path = "/v2/serverless", list = "endpoints", bare = true, id_field = "id",
      idempotent = true, rate = RATE,
    },
    get_endpoint = {
      method = "GET", host = "api", path = "/v2/serverless/{id}", args = { ID }, object = true, echo = ABOUT_ID,
      idempotent = true, rate = RATE,
    },
    list_endpoint_workers = {
      method = "GET", host = "api", path = "/v2/serverless/{id}/workers", args = { ID },
      list = "workers", id_field = "id", idempotent = true, rate = RATE,
    },
    update_endpoint = {
      method = "PATCH", host = "api", path = "/v2/serverless/{id}",
      args = { ID, { "fields", checks.endpoint_fields } }, body = "fields", echo = ABOUT_ID,
      idempotent = true, rate = RATE, sample = { "ep-idle", { name = "renamed" } },
    },
    -- the pause: no worker may run, nothing is deleted
    pause_endpoint = {
      method = "PATCH", host = "api", path = "/v2/serverless/{id}", args = { ID },
      body = {}, body_const = { workers = { min = 0, max = 0 } }, echo = ABOUT_ID, idempotent = true, rate = RATE,
    },
    -- 204: its workers are terminated and its template deleted with it
    delete_endpoint = {
      method = "DELETE", host = "api", path = "/v2/serverless/{id}", args = { ID }, idempotent = true, rate = RATE,
    },

    -- Network volumes
    list_network_volumes = {
      method = "GET", host = "api", path = "/v2/network-volumes", list = "networkVolumes", bare = true,
      id_field = "id", idempotent = true, rate = RATE,
    },
    get_network_volume = {
      method = "GET", host = "api", path = "/v2/network-volumes/{id}", args = { ID }, object = true,
      echo = ABOUT_ID, idempotent = true, rate = RATE,
    },
    -- 204; refused while a pod or an endpoint still mounts it
    delete_network_volume = {
      method = "DELETE", host = "api", path = "/v2/network-volumes/{id}", args = { ID },
      idempotent = true, rate = RATE,
    },

    -- The GPU catalog: its serverless price per GPU is an endpoint's $/h
    list_gpu_types = {
      method = "GET", host = "api", path = "/v2/catalog/gpus", list = "gpus", id_field = "id",
      idempotent = true, rate = RATE,
    },

    -- Billing history (USD per time bucket)
    billing_pods = billing("/v2/billing/pods", "podId"),
    billing_serverless = billing("/v2/billing/serverless", "serverlessId"),
    billing_network_volumes = billing("/v2/billing/network-volumes", "networkVolumeId"),
  },
}

spec.bulk = {
  delete_pods = { op = "delete_pod" },
  stop_pods = { op = "stop_pod", settle = settle.pod_action("stop"), verb = "stop", done_verb = "stopped" },
  start_pods = { op = "start_pod", settle = settle.pod_action("start"), verb = "start", done_verb = "started" },
  delete_endpoints = { op = "delete_endpoint" },
  pause_endpoints = { op = "pause_endpoint", settle = settle.pause, verb = "pause", done_verb = "paused" },
  delete_network_volumes = { op = "delete_network_volume" },
}

-- help's lines (gpucloud repl) for the bulk entries whose words say more
-- than their row.
spec.docs = {
  stop_pods = { "stop_pod for each id; a pod already stopped counts as stopped; "
    .. "with wait = true, followed until EXITED (its volume disk still bills)" },
  start_pods = { "start_pod for each id; one already running counts; with wait = true, followed until RUNNING" },
  pause_endpoints = { "pause_endpoint for each id (workers min = max = 0); "
    .. "with wait = true, followed until no worker is left" },
}
-- every list row: the whole list, or bad_response
whole.install(spec)

local construct = define.define(spec)

-- The constructor: define's, with a getenv that also reads the key file.
-- `level` as define's, one more for this frame (no tail call: see
-- providers.constructor).
local function new(opts, level)
  if opts == nil then opts = {} end
  if type(opts) == "table" and (opts.getenv == nil or type(opts.getenv) == "function") then
    local o = {}
    for k, v in pairs(opts) do o[k] = v end
    o.getenv = keyfile.getenv(opts.getenv or os.getenv)
    opts = o
  end
  local client = construct(opts, (level or 2) + 1)
  return client
end

return { spec = spec, new = new }
