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
local fixture = require "gpucloud.sim.section"
local common = require "gpucloud.providers.tensorpool.sim.common"
local requests = require "gpucloud.providers.tensorpool.sim.requests"

local M = {}

local detail = common.detail

local FIELDS = { tp_storage_name = "string", deletion_protection = "boolean", size_gb = "integer" }

-- The volume of the path, for common.thing_of.
local VOLUME = { param = "storage_id", list = "volumes", field = "id", missing = "Storage volume not found" }

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

M.list = common.found("volumes", "volumes", "storage volume")

function M.info(req)
  local id, v, value = common.thing_of(req, VOLUME)
  if not id then return v, value end
  return 200, { message = "Storage info retrieved", storage_info = values.public(v) }
end

-- Check order: 422, 403, 404, 422 (body), 400 (shrinking), 409.
function M.edit(req)
  local id, v, value = common.thing_of(req, VOLUME, true)
  if not id then return v, value end
  local fields, s, e = common.edit_fields(req, FIELDS)
  if not fields then return s, e end
  if fields.size_gb and fields.size_gb < (v.size_gb or 0) then
    return detail(400, "size_gb can only grow (now " .. tostring(v.size_gb) .. ")")
  end
  if v._destroying then return detail(409, "Storage volume is being destroyed") end
  return requests.accept_edit(req, v, fields, { kind = "STORAGE_EDIT", key = "storage_id", id = id,
    apply = apply, fails = "Failed to update storage (simulated provider error)", noun = "Storage" })
end

-- Check order: 422, 403, 404, 409 (destroying, protection, attached).
function M.destroy(req)
  local id, v, value = common.thing_of(req, VOLUME, true)
  if not id then return v, value end
  if v._destroying then return detail(409, "Storage volume is already being destroyed") end
  if v.deletion_protection == true then
    return detail(409, "Deletion protection is enabled for this storage volume")
  end
  if #v.attached_clusters > 0 then
    return detail(409, "Storage volume is attached to " .. table.concat(v.attached_clusters, ", ")
      .. ": detach it first")
  end
  return requests.accept_destroy(req, v, { kind = "STORAGE_DESTROY", key = "storage_id", id = id, remove = remove,
    fails = "Failed to delete the volume's data (simulated provider error)",
    message = "Storage destruction initiated" })
end

function M.build(st, section)
  st.volumes = fixture.string_ids(fixture.list(section, "storage", "tensorpool"), "id", "tensorpool.storage")
  for _, v in ipairs(st.volumes) do
    if v.attached_clusters == nil then v.attached_clusters = json.array() end
  end
end

return M
