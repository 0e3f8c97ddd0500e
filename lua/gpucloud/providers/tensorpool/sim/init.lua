-- The TensorPool engine as the simulator serves it: clusters, storage
-- volumes (tensorpool_storage.lua), jobs (tensorpool_jobs.lua) and the
-- asynchronous requests that destroy and edit clusters and volumes
-- (tensorpool_requests.lua). The wire format is in docs/tensorpool.md. A
-- provider is data the router reads (see vast.lua for the fields).
--
-- Every route first advances what time moves by itself (requests and
-- cancellations, with config.request_step), then answers.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local fixture = require "gpucloud.sim.fixture"
local common = require "gpucloud.providers.tensorpool.sim.common"
local requests = require "gpucloud.providers.tensorpool.sim.requests"
local storage = require "gpucloud.providers.tensorpool.sim.storage"
local jobs = require "gpucloud.providers.tensorpool.sim.jobs"
local buckets = require "gpucloud.providers.tensorpool.sim.buckets"

local public = values.public
local format = string.format
local detail, find = common.detail, common.find

---------------------------------------------------------------- clusters

local function cluster_id(req)
  return common.path_id(req, "cluster")
end

local function find_cluster(st, id)
  return find(st.clusters, "cluster_id", id)
end

-- A cluster that has gone no longer holds any volume.
local function remove_cluster(st, c)
  st.clusters = common.without(st.clusters, c)
  storage.detach_all(st, c.cluster_id)
end

requests.effects.CLUSTER_RELEASE = {
  done = function(st, r)
    local c = find_cluster(st, r.object_id)
    if c then remove_cluster(st, c) end
  end,
  failed = function(st, r)
    local c = find_cluster(st, r.object_id)
    if c then c._destroying = nil; c.status = r._previous_status end
  end,
}

local CLUSTER_FIELDS = { cluster_name = "string", deletion_protection = "boolean" }

local function apply_cluster_edit(c, fields)
  if fields.deletion_protection ~= nil then c.deletion_protection = fields.deletion_protection end
  if fields.cluster_name ~= nil then c.name = fields.cluster_name end
end

requests.effects.CLUSTER_EDIT = {
  done = function(st, r)
    local c = find_cluster(st, r.object_id)
    if c then apply_cluster_edit(c, r._fields) end
  end,
}

local function healthz()
  return 200, { status = "ok" }
end

local function list_clusters(req)
  local clusters = values.public_list(req.state.clusters)
  return 200, { clusters = clusters, message = "Found " .. common.plural(#clusters, "cluster") }
end

local function cluster_info(req)
  local id, status, value = cluster_id(req)
  if not id then return status, value end
  local c = find_cluster(req.state, id)
  if not c then return detail(404, "Cluster not found") end
  return 200, { message = "Cluster info retrieved", cluster_info = public(c) }
end

-- The edit is a CLUSTER_EDIT request; its fields apply when it completes.
local function edit_cluster(req)
  local id, status, value = cluster_id(req)
  if not id then return status, value end
  if req.key.read_only then return detail(403, "Access denied") end
  local c = find_cluster(req.state, id)
  if not c then return detail(404, "Cluster not found") end
  local fields, s, v = common.edit_fields(req, CLUSTER_FIELDS)
  if not fields then return s, v end
  if c._destroying then return detail(409, "Cluster is being destroyed") end
  if c._no_request_id then
    apply_cluster_edit(c, fields)
    return 202, { cluster_id = id, request_id = json.null, message = "Cluster update applied" }
  end
  local rid = requests.start(req.state, "CLUSTER_EDIT", id, req.now, {
    _fields = fields, _fails = c._edit_fails and "Failed to update cluster (simulated provider error)" or nil,
  })
  return 202, { cluster_id = id, request_id = rid, message = "Cluster update initiated" }
end

-- Check order: 422, 403, 404, 409 (the router answered 401 before).
local function destroy_cluster(req)
  local id, status, value = cluster_id(req)
  if not id then return status, value end
  if req.key.read_only then return detail(403, "Access denied") end
  local st = req.state
  local c = find_cluster(st, id)
  if not c then return detail(404, "Cluster not found") end
  if c._destroying then return detail(409, "Cluster is already being destroyed") end
  if c.deletion_protection == true then
    return detail(409, "Deletion protection is enabled for this cluster")
  end
  for _, inst in ipairs(c.instances or {}) do
    if inst.status ~= "RUNNING" then
      return detail(409, format("Cluster instances must be RUNNING to destroy (instance %s is %s)",
        tostring(inst.id), tostring(inst.status)))
    end
  end
  if c._no_request_id then
    -- Nothing to poll: the destruction is done at once.
    remove_cluster(st, c)
    return 202, { cluster_id = id, request_id = json.null, message = "Cluster destruction initiated" }
  end
  local rid = requests.start(st, "CLUSTER_RELEASE", id, req.now, {
    _previous_status = c.status,
    _fails = c._destroy_fails and "Failed to release cluster instances (simulated provider error)" or nil,
  })
  c._destroying = rid
  c.status = "DESTROYING"
  return 202, { cluster_id = id, request_id = rid, message = "Cluster destruction initiated" }
end

---------------------------------------------------------------- provider

local M = { name = "tensorpool" }

local BALANCE = "Insufficient balance: add funds to your account to continue"

M.auth = {
  -- A key whose account has an empty balance (`"balance": 0`) may still
  -- look, but anything that changes something answers 402.
  tensorpool = function(req)
    local k = req.bearer and req.state.keys[req.bearer]
    if not k then return nil, 401, { error = "Invalid or missing authentication token" } end
    if req.method ~= "GET" and type(k.balance) == "number" and k.balance <= 0 then
      return nil, 402, { detail = BALANCE }
    end
    return k
  end,
}

-- What time moves by itself, before any route answers.
local function ticking(handler)
  return function(req)
    requests.tick(req.state, req)
    jobs.tick(req.state, req)
    return handler(req)
  end
end

-- {method, template, handler, auth = scheme, rate = documented requests/s}
M.routes = {
  { "GET", "/healthz", healthz },
  { "GET", "/cluster/list", ticking(list_clusters), auth = "tensorpool" },
  { "GET", "/cluster/info/{cluster}", ticking(cluster_info), auth = "tensorpool" },
  { "PATCH", "/cluster/edit/{cluster}", ticking(edit_cluster), auth = "tensorpool" },
  { "DELETE", "/cluster/{cluster}", ticking(destroy_cluster), auth = "tensorpool" },
  { "GET", "/storage/list", ticking(storage.list), auth = "tensorpool" },
  { "GET", "/storage/quote", buckets.quote, auth = "tensorpool" },
  { "GET", "/storage/info/{storage_id}", ticking(storage.info), auth = "tensorpool" },
  { "PATCH", "/storage/edit/{storage_id}", ticking(storage.edit), auth = "tensorpool" },
  { "DELETE", "/storage/{storage_id}", ticking(storage.destroy), auth = "tensorpool" },
  { "GET", "/job/list", ticking(jobs.list), auth = "tensorpool" },
  { "GET", "/job/info/{job_id}", ticking(jobs.info), auth = "tensorpool" },
  { "POST", "/job/cancel/{job_id}", ticking(jobs.cancel), auth = "tensorpool" },
  { "DELETE", "/job/delete/{job_id}", ticking(jobs.delete), auth = "tensorpool" },
  { "GET", "/request/info/{request_id}", ticking(requests.info), auth = "tensorpool" },
  { "GET", "/object-storage/bucket/list", buckets.list, auth = "tensorpool" },
  { "DELETE", "/object-storage/bucket/delete/{bucket_name}", buckets.delete, auth = "tensorpool" },
}

function M.build(section)
  local st = {
    keys = fixture.api_keys(section, "tensorpool"),
    clusters = fixture.list(section, "clusters", "tensorpool"),
    requests = {}, request_order = {}, next_request = 1,
  }
  for i, c in ipairs(st.clusters) do
    if type(c.cluster_id) ~= "string" then
      error(format("tensorpool.clusters[%d].cluster_id must be a string", i), 0)
    end
    if c.instances == nil then c.instances = json.array() end
  end
  storage.build(st, section)
  jobs.build(st, section)
  buckets.build(st, section)
  return st
end

function M.counts(st)
  return { clusters = #st.clusters, volumes = #st.volumes, jobs = #st.jobs, buckets = #st.buckets }
end

function M.snapshot(st)
  return { clusters = json.array(st.clusters), volumes = json.array(st.volumes), jobs = json.array(st.jobs),
           requests = requests.snapshot(st), buckets = json.array(st.buckets) }
end

return M
