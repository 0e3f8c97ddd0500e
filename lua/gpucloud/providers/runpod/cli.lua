-- RunPod's commands: `gpucloud runpod WORDS...`, a row each (the format is
-- in gpucloud.cli.commands), in the official CLI's words (runpodctl: `pod`,
-- `serverless`, `network-volume`, `gpu`, `billing`).

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

--- A RunPod id: text that stays one path segment (the library's rule,
-- the same as TensorPool's ids).
local function id(s)
  if rp.id(s) then return s end
  return nil, format("id must be 1 to 256 bytes without '/' or control characters, and not . or .., got %s",
    checks.describe(s))
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
    { id_option, value = "ID", check = id, field = field, help = "billing: only this " .. noun },
  }
end

return {
  id = id, -- how an ID argument is checked
  commands = {
  { "pod list", "list_pods", groups = { "list" }, help = "list pods, with their $/h (cost)",
    options = { { "include-cluster-pods", field = "includeClusterPods",
                  help = "pod list: the Instant Clusters' member pods too" } } },
  { "pod get", "get_pod", args = { "ID" }, help = "show a pod" },
  { "pod stop", "stop_pods", args = { "ID..." }, groups = { "bulk", "wait" },
    help = "stop pods (their volume disks still bill)", bulk = { noun = "pods", verb = "stop", doing = "stopping" } },
  { "pod start", "start_pods", args = { "ID..." }, groups = { "bulk", "wait" }, help = "start stopped pods",
    bulk = { noun = "pods", verb = "start", doing = "starting" } },
  { "pod delete", "delete_pods", args = { "ID..." }, groups = { "bulk" },
    help = "delete (terminate) pods, and what they bill",
    bulk = { noun = "pods", verb = "delete", doing = "deleting" } },
  { "serverless list", "list_endpoints", groups = { "list" }, help = "list serverless endpoints" },
  { "serverless get", "get_endpoint", args = { "ID" }, help = "show an endpoint" },
  { "serverless workers", "list_endpoint_workers", args = { "ID" }, groups = { "list" },
    help = "list an endpoint's active workers" },
  { "serverless update", "update_endpoint", args = { "ID" }, needs_option = true, options = {
    { "name", value = "NAME", check = checks.text, field = "name", help = "serverless update: the new name" },
    { "workers-min", value = "N", check = checks.count(0), field = "workers_min",
      help = "serverless update: workers always kept (they bill while idle)" },
    { "workers-max", value = "N", check = checks.count(0), field = "workers_max",
      help = "serverless update: the most workers at once" },
    { "idle-timeout", value = "SECONDS", check = checks.count(1), field = "idle_timeout",
      help = "serverless update: seconds before an idle worker goes" },
  }, help = "change an endpoint's name or workers" },
  { "serverless pause", "pause_endpoints", args = { "ID..." }, groups = { "bulk", "wait" },
    help = "scale endpoints to zero workers (nothing is deleted)",
    bulk = { noun = "endpoints", verb = "pause", doing = "pausing" } },
  { "serverless delete", "delete_endpoints", args = { "ID..." }, groups = { "bulk" },
    help = "delete endpoints (their workers and template with them)",
    bulk = { noun = "endpoints", verb = "delete", doing = "deleting" } },
  { "network-volume list", "list_network_volumes", groups = { "list" }, help = "list network volumes" },
  { "network-volume get", "get_network_volume", args = { "ID" }, help = "show a network volume" },
  { "network-volume delete", "delete_network_volumes", args = { "ID..." }, groups = { "bulk" },
    help = "delete network volumes (none a pod or endpoint still mounts)",
    bulk = { noun = "network volumes", verb = "delete", doing = "deleting" } },
  { "gpu list", "list_gpu_types", groups = { "list" }, help = "list GPU types and their prices" },
  { "billing pods", "billing_pods", groups = { "list" }, options = billing("pod-id", "podId", "pod"),
    help = "what pods cost, per time bucket" },
  { "billing serverless", "billing_serverless", groups = { "list" },
    options = billing("endpoint-id", "serverlessId", "endpoint"), help = "what endpoints cost, per time bucket" },
  { "billing network-volume", "billing_network_volumes", groups = { "list" },
    options = billing("network-volume-id", "networkVolumeId", "network volume"),
    help = "what network volumes cost, per time bucket" },
  },
}
