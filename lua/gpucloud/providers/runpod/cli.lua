-- RunPod's commands: `gpucloud runpod WORDS...`, a row each (the format is
-- in gpucloud.cli.commands), in the official CLI's words (runpodctl: `pod`,
-- `serverless`, `network-volume`, `gpu`, `billing`; runpodctl 1.x's `get
-- pod`, `remove pod`, `stop pod`, `start pod` as aliases), with the columns
-- a table shows by default (a dotted column is a nested field: gpu.id).

local checks = require "gpucloud.cli.checks"
local rp = require "gpucloud.providers.runpod.checks"

local format = string.format

-- A library check as the command line's: the text, or what was wanted and what was typed.
local function typed(check)
  return function(s)
    local v, want = check(s)
    if v ~= nil then return v end
    return nil, format("%s, got %s", want, checks.describe(s))
  end
end


-- A billing listing's options; `id_option` narrows it to one thing.
local function billing(id_option, field, noun)
  return {
    { "start-time", value = "TIME", check = typed(rp.time), field = "startTime",
      help = "billing: from this RFC 3339 time (default: 30 days ago)" },
    { "end-time", value = "TIME", check = typed(rp.time), field = "endTime",
      help = "billing: until this RFC 3339 time (default: now)" },
    { "bucket-size", value = "SIZE", check = checks.one_of { "hour", "day", "week", "month", "year" },
      field = "bucketSize", help = "billing: hour, day (default), week, month or year" },
    { "last", value = "N", check = checks.count(1), field = "lastN",
      help = "billing: the last N buckets, the current one included (instead of the times)" },
    { id_option, value = "ID", check = checks.segment_id, field = field, help = "billing: only this " .. noun },
  }
end

-- How fields show in tables: a title, and a format (cli/table.lua).
local FIELDS = {
  ["gpu.id"] = { "GPU" }, ["gpu.count"] = { "GPUs" }, dataCenterId = { "datacenter" }, dataCenter = { "datacenter" },
  -- RunPod's own `cost`: 0 while a pod is stopped, whose disk still bills (fleet list says what bills)
  cost = { "cost", "money/h" }, createdAt = { "age", "age" }, startedAt = { "started", "age" },
  ["workers.min"] = { "min workers" }, ["workers.max"] = { "max workers" }, ["workers.idleTimeout"] = { "idle s" },
  gpuTypeId = { "GPU" }, gpuCount = { "GPUs" }, uptimeSeconds = { "up", "duration" }, size = { "GB" },
  memory = { "GB" }, ["price.secure"] = { "secure $/h" }, ["price.community"] = { "community $/h" },
  ["price.serverless"] = { "serverless $/h" },
  startTime = { "from", "date" }, podId = { "pod" }, serverlessId = { "endpoint" }, networkVolumeId = { "volume" },
  totalAmount = { "total", "money" }, gpuAmount = { "GPU", "money" }, cpuAmount = { "CPU", "money" },
  diskAmount = { "disk", "money" }, feeAmount = { "fees", "money" }, standardAmount = { "standard", "money" },
  highPerformanceAmount = { "high perf.", "money" },
}

local POD_COLUMNS = { "id", "name", "status", "gpu.id", "gpu.count", "cloud", "dataCenterId", "cost", "createdAt" }
local ENDPOINT_COLUMNS = { "id", "name", "type", "workers.min", "workers.max", "workers.idleTimeout", "createdAt" }
local VOLUME_COLUMNS = { "id", "name", "size", "type", "dataCenter" }

return {
  -- how an ID argument is checked: the library's rule for string ids (one path segment)
  id = checks.segment_id,
  commands = {
  { "pod list", "list_pods", groups = { "list" }, help = "list pods, with their $/h (cost)",
    aliases = { "get pod" }, fields = FIELDS, columns = POD_COLUMNS,
    options = { { "include-cluster-pods", field = "includeClusterPods",
                  help = "pod list: the Instant Clusters' member pods too" } },
    examples = { "gpucloud runpod pod list", "gpucloud runpod pod list --filter status=EXITED -o ids" } },
  { "pod get", "get_pod", args = { "ID" }, help = "show a pod", fields = FIELDS, columns = POD_COLUMNS,
    examples = { "gpucloud runpod pod get pod-train-h100" } },
  { "pod stop", "stop_pods", args = { "ID..." }, groups = { "bulk", "wait" }, kind = "pod",
    aliases = { "stop pod" }, help = "stop pods (their volume disks still bill)",
    bulk = { noun = "pods", one = "pod", verb = "stop", done = "stopped", doing = "stopping" },
    examples = { "gpucloud runpod pod stop pod-dev-4090 --wait" } },
  { "pod start", "start_pods", args = { "ID..." }, groups = { "bulk", "wait" }, kind = "pod",
    aliases = { "start pod" }, help = "start stopped pods",
    bulk = { noun = "pods", one = "pod", verb = "start", done = "started", doing = "starting" },
    examples = { "gpucloud runpod pod start pod-stopped-a100" } },
  { "pod delete", "delete_pods", args = { "ID..." }, groups = { "bulk" }, kind = "pod",
    aliases = { "remove pod" }, help = "delete (terminate) pods, and what they bill",
    bulk = { noun = "pods", one = "pod", verb = "delete", done = "deleted", doing = "deleting" },
    examples = { "gpucloud runpod pod delete pod-dev-4090 pod-stopped-a100 --dry-run",
                 "gpucloud runpod pod delete pod-dev-4090 pod-stopped-a100 --yes" } },
  { "serverless list", "list_endpoints", groups = { "list" }, help = "list serverless endpoints",
    fields = FIELDS, columns = ENDPOINT_COLUMNS,
    examples = { "gpucloud runpod serverless list", "gpucloud runpod serverless list --columns id,name,gpu.pools" } },
  { "serverless get", "get_endpoint", args = { "ID" }, help = "show an endpoint", fields = FIELDS,
    columns = ENDPOINT_COLUMNS, examples = { "gpucloud runpod serverless get ep-idle" } },
  { "serverless workers", "list_endpoint_workers", args = { "ID" }, groups = { "list" },
    help = "list an endpoint's active workers", fields = FIELDS,
    columns = { "id", "status", "gpuTypeId", "gpuCount", "dataCenterId", "uptimeSeconds", "startedAt" },
    examples = { "gpucloud runpod serverless workers ep-busy --filter status=IDLE" } },
  { "serverless update", "update_endpoint", args = { "ID" }, needs_option = true, options = {
    { "name", value = "NAME", check = checks.text, field = "name", help = "serverless update: the new name" },
    { "workers-min", value = "N", check = checks.count(0), field = "workers_min",
      help = "serverless update: workers always kept (they bill while idle)" },
    { "workers-max", value = "N", check = checks.count(0), field = "workers_max",
      help = "serverless update: the most workers at once" },
    { "idle-timeout", value = "SECONDS", check = checks.count(1), field = "idle_timeout",
      help = "serverless update: seconds before an idle worker goes" },
  }, help = "change an endpoint's name or workers",
    examples = { "gpucloud runpod serverless update ep-idle --workers-min 0 --idle-timeout 30" } },
  { "serverless pause", "pause_endpoints", args = { "ID..." }, groups = { "bulk", "wait" }, kind = "endpoint",
    help = "scale endpoints to zero workers (nothing is deleted)",
    bulk = { noun = "endpoints", one = "endpoint", verb = "pause", done = "paused", doing = "pausing" },
    examples = { "gpucloud runpod serverless pause ep-busy --wait" } },
  { "serverless delete", "delete_endpoints", args = { "ID..." }, groups = { "bulk" }, kind = "endpoint",
    help = "delete endpoints (their workers and template with them)",
    bulk = { noun = "endpoints", one = "endpoint", verb = "delete", done = "deleted", doing = "deleting" },
    examples = { "gpucloud runpod serverless delete ep-empty ep-paused --dry-run" } },
  { "network-volume list", "list_network_volumes", groups = { "list" }, help = "list network volumes",
    fields = FIELDS, columns = VOLUME_COLUMNS, examples = { "gpucloud runpod network-volume list" } },
  { "network-volume get", "get_network_volume", args = { "ID" }, help = "show a network volume", fields = FIELDS,
    columns = VOLUME_COLUMNS, examples = { "gpucloud runpod network-volume get nv-datasets" } },
  { "network-volume delete", "delete_network_volumes", args = { "ID..." }, groups = { "bulk" }, kind = "volume",
    help = "delete network volumes (none a pod or endpoint still mounts)",
    bulk = { noun = "network volumes", one = "network volume", verb = "delete", done = "deleted",
             doing = "deleting" },
    examples = { "gpucloud runpod network-volume delete nv-scratch nv-archive --yes" } },
  { "gpu list", "list_gpu_types", groups = { "list" }, help = "list GPU types and their prices", fields = FIELDS,
    columns = { "id", "name", "memory", "price.secure", "price.community", "price.serverless" },
    examples = { "gpucloud runpod gpu list" } },
  { "billing pods", "billing_pods", groups = { "list" }, options = billing("pod-id", "podId", "pod"),
    help = "what pods cost, per time bucket", fields = FIELDS,
    columns = { "startTime", "podId", "totalAmount", "gpuAmount", "cpuAmount", "diskAmount" },
    examples = { "gpucloud runpod billing pods --last 7", "gpucloud runpod billing pods --pod-id pod-train-h100" } },
  { "billing serverless", "billing_serverless", groups = { "list" },
    options = billing("endpoint-id", "serverlessId", "endpoint"), help = "what endpoints cost, per time bucket",
    fields = FIELDS, columns = { "startTime", "serverlessId", "totalAmount", "gpuAmount", "diskAmount", "feeAmount" },
    examples = { "gpucloud runpod billing serverless --bucket-size week --last 4" } },
  { "billing network-volume", "billing_network_volumes", groups = { "list" },
    options = billing("network-volume-id", "networkVolumeId", "network volume"),
    help = "what network volumes cost, per time bucket", fields = FIELDS,
    columns = { "startTime", "networkVolumeId", "totalAmount", "standardAmount", "highPerformanceAmount" },
    examples = { "gpucloud runpod billing network-volume --bucket-size month --last 3" } },
  },
}
