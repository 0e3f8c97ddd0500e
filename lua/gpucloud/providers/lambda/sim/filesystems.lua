-- File systems as the Lambda simulator serves them: list (GET
-- /file-systems) and delete (DELETE /filesystems/{id}: Lambda's two
-- spellings). `is_in_use` is made from the instances: one that holds it
-- and is not terminated (a terminating one still does) keeps it in use,
-- and its delete is refused with 400 filesystems/filesystem-in-use.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local common = require "gpucloud.providers.lambda.sim.common"

local M = {}

local function in_use(st, fs)
  for _, inst in ipairs(st.instances) do
    if common.holds(inst, fs) then return true end
  end
  return false
end

function M.view(st, fs)
  local v = values.public(fs)
  v.is_in_use = in_use(st, fs)
  return v
end

function M.list(req)
  local st = req.state
  local out = json.array()
  for _, fs in ipairs(st.filesystems) do out[#out + 1] = M.view(st, fs) end
  return common.data(out)
end

function M.delete(req)
  local st = req.state
  local fs = common.find(st.filesystems, req.params.id)
  if not fs then return common.fail(404, "global/object-does-not-exist", "Filesystem was not found.") end
  if in_use(st, fs) then
    return common.fail(400, "filesystems/filesystem-in-use",
      "Filesystem is in use and cannot be deleted.",
      "Terminate the instances that mount it, then try again.")
  end
  st.filesystems = common.without(st.filesystems, fs)
  return common.data(json.object { deleted_ids = json.array { fs.id } })
end

function M.build(st, list)
  for i, fs in ipairs(list) do
    if type(fs.id) ~= "string" then error(string.format("lambda.filesystems[%d].id must be a string", i), 0) end
  end
  st.filesystems = list
end

return M
