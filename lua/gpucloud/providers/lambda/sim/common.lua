-- What the Lambda simulator's handlers share: Lambda's envelopes ({"data":
-- ...} for answers, {"error": {"code", "message", "suggestion"}} for
-- failures), finding things by id, the instances that hold a file system.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"

local M = {}

--- A failure in Lambda's error object: status, {error = {...}}.
function M.fail(status, code, message, suggestion)
  return status, { error = json.object { code = code, message = message, suggestion = suggestion } }
end

--- A success: 200, {data = value}.
function M.data(value)
  return 200, { data = value }
end

-- finding by id, and a copy of a list without one of its items
M.find, M.without = values.find, values.without

--- Does instance `inst` (not terminated) hold file system `fs`, by id
-- (file_system_mounts) or by name (file_system_names)?
function M.holds(inst, fs)
  if inst.status == "terminated" then return false end
  for _, m in ipairs(type(inst.file_system_mounts) == "table" and inst.file_system_mounts or {}) do
    if m.file_system_id == fs.id then return true end
  end
  for _, n in ipairs(type(inst.file_system_names) == "table" and inst.file_system_names or {}) do
    if n == fs.name then return true end
  end
  return false
end

return M
