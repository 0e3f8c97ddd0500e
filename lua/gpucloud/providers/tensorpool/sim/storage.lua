-- The TensorPool simulator's storage volumes: a listing, info, edits
-- (STORAGE_EDIT requests) and destroys (STORAGE_DESTROY requests). A
-- volume attached to a cluster cannot be destroyed; a cluster that is
-- destroyed lets go of its volumes, which stay behind (and are billed)
-- until they are destroyed themselves.
--
-- A volume: {id, name, size_gb, hourly_rate, attached_clusters: [cluster
-- ids], deletion_protection, status}; private flags `_destroy_fails`,
-- `_edit_fails`, `_no_request_id` as for clusters.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local fixture = require "gpucloud.sim.fixture"
local common = require "gpucloud.providers.tensorpool.sim.common"
local requests = require "gpucloud.providers.tensorpool.sim.requests"

local M = {}

local detail = common.detail

local FIELDS = { tp_storage_name = "string", deletion_protection = "boolean", size_gb = "integer" }

local function volume_of(req)
  local id, status, value = common.path_id(req, "storage_id")
  if not id then return nil, status, value end
  local v = common.find(req.state.volumes, "id", id)
  if not v then return nil, detail(404, "Storage volume not found") end
  return v
end

local function remove(st, v)
  st.volumes = common.without(st.volumes, v)
end

local function apply(v, fields)
  if fields.deletion_protection ~= nil then v.deletion_protection = fields.deletion_protection end
  if fields.tp_storage_name ~= nil then v.name = fields.tp_storage_name end
  if fields.size_gb ~= nil then v.size_gb = fields.size_gb end
end

requests.effects.STORAGE_DESTROY = {
  done = function(st, r)
    local v = common.find(st.volumes, "id", r.object_id)
    if v then remove(st, v) end
  end,
  failed = function(st, r)
    local v = common.find(st.volumes, "id", r.object_id)
    if v then v._destroying = nil; v.status = r._previous_status end
  end,
}

requests.effects.STORAGE_EDIT = {
  done = function(st, r)
    local v = common.find(st.volumes, "id", r.object_id)
    if v then apply(v, r._fields) end
  end,
}

--- A destroyed cluster's id leaves every volume's attachments.
function M.detach_all(st, cluster_id)
  for _, v in ipairs(st.volumes) do
    local kept = json.array()
    for _, c in ipairs(v.attached_clusters) do
      if c ~= cluster_id then kept[#kept + 1] = c end
    end
    v.attached_clusters = kept
  end
end

function M.list(req)
  local volumes = values.public_list(req.state.volumes)
  return 200, { volumes = volumes, message = "Found " .. common.plural(#volumes, "storage volume") }
end

function M.info(req)
  local v, status, value = volume_of(req)
  if not v then return status, value end
  return 200, { message = "Storage info retrieved", storage_info = values.public(v) }
end

-- Check order: 422, 403, 404, 422 (body), 400 (shrinking), 409.
function M.edit(req)
  local id, bad, why = common.path_id(req, "storage_id")
  if not id then return bad, why end
  if req.key.read_only then return detail(403, "Access denied") end
  local v, status, value = volume_of(req)
  if not v then return status, value end
  local fields, s, e = common.edit_fields(req, FIELDS)
  if not fields then return s, e end
  if fields.size_gb and fields.size_gb < (v.size_gb or 0) then
    return detail(400, "size_gb can only grow (now " .. tostring(v.size_gb) .. ")")
  end
  if v._destroying then return detail(409, "Storage volume is being destroyed") end
  if v._no_request_id then
    apply(v, fields)
    return 202, { storage_id = id, request_id = json.null, message = "Storage update applied" }
  end
  local rid = requests.start(req.state, "STORAGE_EDIT", id, req.now, {
    _fields = fields, _fails = v._edit_fails and "Failed to update storage (simulated provider error)" or nil,
  })
  return 202, { storage_id = id, request_id = rid, message = "Storage update initiated" }
end

-- Check order: 422, 403, 404, 409 (destroying, protection, attached).
function M.destroy(req)
  local id, bad, why = common.path_id(req, "storage_id")
  if not id then return bad, why end
  if req.key.read_only then return detail(403, "Access denied") end
  local v, status, value = volume_of(req)
  if not v then return status, value end
  if v._destroying then return detail(409, "Storage volume is already being destroyed") end
  if v.deletion_protection == true then
    return detail(409, "Deletion protection is enabled for this storage volume")
  end
  if #v.attached_clusters > 0 then
    return detail(409, "Storage volume is attached to " .. table.concat(v.attached_clusters, ", ")
      .. ": detach it first")
  end
  local st = req.state
  if v._no_request_id then
    remove(st, v)
    return 202, { storage_id = id, request_id = json.null, message = "Storage destruction initiated" }
  end
  local rid = requests.start(st, "STORAGE_DESTROY", id, req.now, {
    _previous_status = v.status,
    _fails = v._destroy_fails and "Failed to delete the volume's data (simulated provider error)" or nil,
  })
  v._destroying = rid
  v.status = "DESTROYING"
  return 202, { storage_id = id, request_id = rid, message = "Storage destruction initiated" }
end

function M.build(st, section)
  st.volumes = fixture.list(section, "storage", "tensorpool")
  for i, v in ipairs(st.volumes) do
    if type(v.id) ~= "string" then error(("tensorpool.storage[%d].id must be a string"):format(i), 0) end
    if v.attached_clusters == nil then v.attached_clusters = json.array() end
  end
end

return M
