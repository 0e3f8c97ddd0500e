-- Vast.ai deployments as the simulator serves them (docs/vast.md
-- "Deployments"): a wrapper over one endpoint. Show adds the endpoint's
-- state and its worker count; stop and start set the endpoint's state;
-- delete removes the deployment and leaves its endpoint (whether the
-- service deletes the endpoint too is UNVERIFIED: the simulator does not).

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local fixture = require "gpucloud.sim.fixture"
local wire = require "gpucloud.providers.vast.sim.wire"

local vast_error, parse_id, find_by, remove_if = wire.vast_error, wire.parse_id, wire.find_by, wire.remove_if

local M = {}

local function deployment_of(req)
  local id = parse_id(req.captures[1])
  local d = id and find_by(req.state.deployments, "id", id)
  if not d then return nil, vast_error(404, "not_found", "Deployment not found") end
  return d
end

local function list(req)
  return 200, { success = true, deployments = values.public_list(req.state.deployments) }
end

local function workers_of(st, endpoint_id)
  local groups, n = {}, 0
  for _, g in ipairs(st.workergroups) do
    if g.endpoint_id == endpoint_id then groups[g.id] = true end
  end
  for _, w in ipairs(st.workers) do
    if groups[w._workergroup_id] then n = n + 1 end
  end
  return n
end

local function show(req)
  local d, status, body = deployment_of(req)
  if not d then return status, body end
  local out = values.public(d)
  local ep = d.endpoint_id and find_by(req.state.endpoints, "id", d.endpoint_id)
  out.endpoint_state = ep and ep.endpoint_state or json.null
  out.worker_count = ep and workers_of(req.state, ep.id) or 0
  return 200, { success = true, deployment = out }
end

local function set_state(state)
  return function(req)
    local d, status, body = deployment_of(req)
    if not d then return status, body end
    local ep = d.endpoint_id and find_by(req.state.endpoints, "id", d.endpoint_id)
    if ep then ep.endpoint_state = state end
    return 200, { success = true, endpoint_state = state }
  end
end

local function delete(req)
  local d, status, body = deployment_of(req)
  if not d then return status, body end
  req.state.deployments = remove_if(req.state.deployments, function(x) return x == d end)
  return 200, { success = true }
end

M.routes = {
  { "GET", "/api/v0/deployments/", list, auth = "console", rate = 3.0 },
  { "GET", "/api/v0/deployment/{id}/", show, auth = "console", rate = 3.0 },
  { "DELETE", "/api/v0/deployment/{id}/", delete, auth = "console" },
  { "POST", "/api/v0/deployment/{id}/stop/", set_state("stopped"), auth = "console", rate = 2.0 },
  { "POST", "/api/v0/deployment/{id}/start/", set_state("active"), auth = "console", rate = 2.0 },
}

function M.build(section, st)
  st.deployments = fixture.list(section, "deployments", "vast")
  fixture.integer_ids(st.deployments, "id", "vast.deployments")
end

return M
