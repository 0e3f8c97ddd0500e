-- The TensorPool engine as the simulator serves it: clusters and the
-- requests that destroy them. The wire format is in docs/tensorpool.md.
-- A provider is data the router reads (see vast.lua for the fields).
--
-- Destroy requests advance one step per poll (each poll answers the
-- current state, then advances), so a client sees PENDING, PROCESSING,
-- COMPLETED (or PENDING, FAILED) deterministically. With
-- config.request_step (seconds) they also advance by themselves, one step
-- per that much time, as real ones do when nobody polls them (a client
-- that lost a destroy's answer can only watch the listing).

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local fixture = require "gpucloud.sim.fixture"

local public = values.public
local format = string.format

---------------------------------------------------------------- helpers

local CLUSTER_ID_PATTERN = "^[A-Za-z0-9._-]+$"
local TERMINAL = { COMPLETED = true, FAILED = true }

local function detail(status, msg)
  return status, { detail = msg }
end

-- FastAPI's 422 for one field: loc is { "path", name } or { "body", ... }.
local function invalid(loc, msg, kind)
  return 422, { detail = { { loc = loc, msg = msg, type = kind } } }
end

-- The {cluster} path parameter -> id | nil, status, value.
local function cluster_id(req)
  local id = req.captures[1]
  if id:match(CLUSTER_ID_PATTERN) and #id <= 64 then return id end
  return nil, invalid({ "path", "cluster" }, "String should match pattern '^[A-Za-z0-9._-]{1,64}$'",
    "value_error")
end

local function find_cluster(st, id)
  for _, c in ipairs(st.clusters) do
    if c.cluster_id == id then return c end
  end
  return nil
end

local function remove_cluster(st, c)
  local kept = {}
  for _, x in ipairs(st.clusters) do
    if x ~= c then kept[#kept + 1] = x end
  end
  st.clusters = kept
end

local function now_iso()
  return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

---------------------------------------------------------------- handlers

local function healthz()
  return 200, { status = "ok" }
end

local advance_by_time

local function list_clusters(req)
  advance_by_time(req)
  local clusters = values.public_list(req.state.clusters)
  local n = #clusters
  return 200, { clusters = clusters, message = format("Found %d cluster%s", n, n == 1 and "" or "s") }
end

local function cluster_info(req)
  local id, status, value = cluster_id(req)
  if not id then return status, value end
  local c = find_cluster(req.state, id)
  if not c then return detail(404, "Cluster not found") end
  return 200, { message = "Cluster info retrieved", cluster_info = public(c) }
end

local function edit_cluster(req)
  local id, status, value = cluster_id(req)
  if not id then return status, value end
  if req.key.read_only then return detail(403, "Access denied") end
  local c = find_cluster(req.state, id)
  if not c then return detail(404, "Cluster not found") end
  local t = req.json
  if type(t) ~= "table" or json.is_array(t) then
    return invalid({ "body" }, "Input should be a valid dictionary", "dict_type")
  end
  if t.deletion_protection ~= nil and type(t.deletion_protection) ~= "boolean" then
    return invalid({ "body", "deletion_protection" }, "Input should be a valid boolean", "bool_type")
  end
  if t.cluster_name ~= nil and type(t.cluster_name) ~= "string" then
    return invalid({ "body", "cluster_name" }, "Input should be a valid string", "string_type")
  end
  if t.deletion_protection ~= nil then c.deletion_protection = t.deletion_protection end
  if t.cluster_name ~= nil then c.name = t.cluster_name end
  return 202, { cluster_id = c.cluster_id, message = "Cluster update applied" }
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
  local rid = format("req-%06d", st.next_request)
  st.next_request = st.next_request + 1
  st.requests[rid] = {
    request_id = rid, request_type = "CLUSTER_RELEASE", status = "PENDING",
    created_at = now_iso(), object_id = id, external_message = json.null,
    _fails = c._destroy_fails == true, _previous_status = c.status, _stepped = req.now,
  }
  st.request_order[#st.request_order + 1] = rid
  c._destroying = rid
  c.status = "DESTROYING"
  return 202, { cluster_id = id, request_id = rid, message = "Cluster destruction initiated" }
end

local function advance(st, r)
  local c = find_cluster(st, r.object_id)
  if r.status == "PENDING" and r._fails then
    r.status = "FAILED"
    r.external_message = "Failed to release cluster instances (simulated provider error)"
    if c then c._destroying = nil; c.status = r._previous_status end
  elseif r.status == "PENDING" or r.status == "RETRYING" then
    r.status = "PROCESSING"
  elseif r.status == "PROCESSING" then
    r.status = "COMPLETED"
    if c then remove_cluster(st, c) end
  end
end

-- Requests nobody polled, advanced by the time that passed (config.request_step).
function advance_by_time(req)
  local step = tonumber(req.config.request_step)
  if not step or step <= 0 then return end
  local st = req.state
  for _, rid in ipairs(st.request_order) do
    local r = st.requests[rid]
    while not TERMINAL[r.status] and req.now - (r._stepped or req.now) >= step do
      r._stepped = r._stepped + step
      advance(st, r)
    end
  end
end

local function request_info(req)
  advance_by_time(req)
  local r = req.state.requests[req.captures[1]]
  if not r then return detail(404, "Request not found") end
  local snapshot = public(r)
  local headers
  if not TERMINAL[r.status] then headers = { ["Retry-After"] = tostring(req.config.retry_after) } end
  advance(req.state, r)
  return 200, snapshot, headers
end

---------------------------------------------------------------- provider

local M = { name = "tensorpool" }

M.auth = {
  tensorpool = function(req)
    local k = req.bearer and req.state.keys[req.bearer]
    if k then return k end
    return nil, 401, { error = "Invalid or missing authentication token" }
  end,
}

-- {method, template, handler, auth = scheme, rate = documented requests/s}
M.routes = {
  { "GET", "/healthz", healthz },
  { "GET", "/cluster/list", list_clusters, auth = "tensorpool" },
  { "GET", "/cluster/info/{cluster}", cluster_info, auth = "tensorpool" },
  { "PATCH", "/cluster/edit/{cluster}", edit_cluster, auth = "tensorpool" },
  { "DELETE", "/cluster/{cluster}", destroy_cluster, auth = "tensorpool" },
  { "GET", "/request/info/{request_id}", request_info, auth = "tensorpool" },
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
  return st
end

function M.counts(st)
  return { clusters = #st.clusters }
end

function M.snapshot(st)
  local requests = json.array()
  for i, rid in ipairs(st.request_order) do requests[i] = st.requests[rid] end
  return { clusters = json.array(st.clusters), requests = requests }
end

return M
