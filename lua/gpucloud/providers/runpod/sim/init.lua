-- RunPod's REST v2 management API as the simulator serves it: pods
-- (pods.lua), serverless endpoints and their workers (serverless.lua),
-- network volumes (volumes.lua), the GPU catalog, billing history
-- (billing.lua). The wire format is in docs/runpod.md; errors are RFC 9457
-- problems (common.lua). A provider is data the router reads (see
-- vast/sim/init.lua for the fields).
--
-- Keys: a bad or missing bearer is 401; a read-only key may GET, and
-- anything else answers 403 (v2: "access denied").

local values = require "gpucloud.sim.values"
local fixture = require "gpucloud.sim.fixture"
local billing = require "gpucloud.providers.runpod.sim.billing"
local common = require "gpucloud.providers.runpod.sim.common"
local pods = require "gpucloud.providers.runpod.sim.pods"
local serverless = require "gpucloud.providers.runpod.sim.serverless"
local volumes = require "gpucloud.providers.runpod.sim.volumes"

local M = { name = "runpod" }

M.auth = {
  runpod = function(req)
    local k = req.bearer and req.state.keys[req.bearer]
    if not k then
      return nil, common.problem(401, req.bearer and "invalid bearer token" or "missing bearer token")
    end
    if req.method ~= "GET" and k.read_only then return nil, common.problem(403, "access denied") end
    return k
  end,
}

local function gpus(req)
  return 200, { gpus = values.public_list(req.state.gpus) }
end

-- The documented quota's example, 60 requests a minute.
local RATE = 1.0

-- {method, template, handler, auth = scheme, rate = documented requests/s};
-- fixed paths before templates that would match them.
M.routes = {
  { "GET", "/v2/pods", pods.list, auth = "runpod", rate = RATE },
  { "GET", "/v2/pods/{id}", pods.get, auth = "runpod", rate = RATE },
  { "DELETE", "/v2/pods/{id}", pods.delete, auth = "runpod", rate = RATE },
  { "POST", "/v2/pods/{id}/action", pods.action, auth = "runpod", rate = RATE },
  { "GET", "/v2/serverless", serverless.list, auth = "runpod", rate = RATE },
  { "GET", "/v2/serverless/{id}", serverless.get, auth = "runpod", rate = RATE },
  { "PATCH", "/v2/serverless/{id}", serverless.update, auth = "runpod", rate = RATE },
  { "DELETE", "/v2/serverless/{id}", serverless.delete, auth = "runpod", rate = RATE },
  { "GET", "/v2/serverless/{id}/workers", serverless.workers, auth = "runpod", rate = RATE },
  { "GET", "/v2/network-volumes", volumes.list, auth = "runpod", rate = RATE },
  { "GET", "/v2/network-volumes/{id}", volumes.get, auth = "runpod", rate = RATE },
  { "DELETE", "/v2/network-volumes/{id}", volumes.delete, auth = "runpod", rate = RATE },
  { "GET", "/v2/catalog/gpus", gpus, auth = "runpod", rate = RATE },
  { "GET", "/v2/billing/pods", billing.pods, auth = "runpod", rate = RATE },
  { "GET", "/v2/billing/serverless", billing.serverless, auth = "runpod", rate = RATE },
  { "GET", "/v2/billing/network-volumes", billing.network_volumes, auth = "runpod", rate = RATE },
}

function M.build(section)
  local st = { keys = fixture.api_keys(section, "runpod"), gpus = fixture.list(section, "gpus", "runpod") }
  pods.build(st, fixture.list(section, "pods", "runpod"))
  serverless.build(st, fixture.list(section, "endpoints", "runpod"))
  volumes.build(st, fixture.list(section, "volumes", "runpod"))
  billing.build(st, section)
  return st
end

function M.counts(st)
  return { pods = #st.pods, serverless_endpoints = #st.endpoints, network_volumes = #st.volumes }
end

function M.snapshot(st)
  return { pods = st.pods, endpoints = st.endpoints, volumes = st.volumes, billing = st.billing }
end

return M
