-- Network volumes as the RunPod simulator serves them: list, get, delete.
-- A volume that a pod (not terminated: a stopped pod still holds it) or a
-- serverless endpoint mounts is not deleted: 409, in the words RunPod's
-- GraphQL API uses for it (v2 documents no answer for this: the
-- simulator's guess, see docs/runpod.md).

local values = require "gpucloud.sim.values"
local common = require "gpucloud.providers.runpod.sim.common"
local pods = require "gpucloud.providers.runpod.sim.pods"
local serverless = require "gpucloud.providers.runpod.sim.serverless"

local M = {}

local function mounted_by(list, mounts, id)
  for _, x in ipairs(list) do
    if x.status ~= "TERMINATED" then
      for _, vid in ipairs(mounts(x)) do
        if vid == id then return x end
      end
    end
  end
end

function M.list(req)
  return 200, { networkVolumes = values.public_list(req.state.volumes) }
end

function M.get(req)
  local vol, s, v, h = common.lookup(req, req.state.volumes, "network volume")
  if not vol then return s, v, h end
  return 200, values.public(vol)
end

function M.delete(req)
  local st = req.state
  local vol, s, v, h = common.lookup(req, st.volumes, "network volume")
  if not vol then return s, v, h end
  if mounted_by(st.pods, pods.mounts, vol.id) then
    return common.problem(409, "You must remove this network volume from all pods before deleting it.")
  end
  if mounted_by(st.endpoints, serverless.mounts, vol.id) then
    return common.problem(409, "You must remove this network volume from all serverless endpoints before deleting it.")
  end
  st.volumes = common.without(st.volumes, vol)
  return 204, ""
end

function M.build(st, list)
  for i, vol in ipairs(list) do
    if type(vol.id) ~= "string" then error(string.format("runpod.volumes[%d].id must be a string", i), 0) end
  end
  st.volumes = list
end

return M
