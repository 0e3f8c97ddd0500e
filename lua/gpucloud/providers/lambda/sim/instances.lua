-- Instances as the Lambda simulator serves them: list (a cluster's with
-- ?cluster_id=), get, terminate. `actions` is made from the status.
-- Asynchronous on purpose: a terminate answers the instances
-- `terminating`, and each later read of one (a listing or a get) counts
-- down its `_terminate_polls` (default 2); then it is gone (404, absent
-- from the listing), or, flagged `_linger`, listed as `terminated`. The
-- file systems it holds stay in use until then.
--
-- A terminate is all or nothing in the simulator (Lambda documents no
-- partial failure): an unknown id fails the whole batch with 404, an
-- instance already terminating with 500 `global/unknown` (as a second
-- terminate was once seen answered), one flagged `_unavailable` (a reason
-- code) with 400; nothing is terminated then.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local common = require "gpucloud.providers.lambda.sim.common"

local M = {}

local fail, data = common.fail, common.data

local function not_found()
  return fail(404, "global/object-does-not-exist", "Specified instance does not exist.")
end

local REASONS = {
  ["vm-has-not-launched"] = "The instance has not launched yet.",
  ["vm-is-too-old"] = "The instance is too old for this action.",
  ["vm-is-terminating"] = "The instance is terminating.",
}

local function action(available, reason)
  if available then return json.object { available = true } end
  return json.object { available = false, reason_code = reason, reason_description = REASONS[reason] or reason }
end

local function actions(inst)
  local ending = inst.status == "terminating" or inst.status == "terminated"
  local terminate = ending and action(false, "vm-is-terminating")
    or (inst._unavailable and action(false, inst._unavailable)) or action(true)
  local up = inst.status == "active"
  return json.object {
    migrate = action(false, ending and "vm-is-terminating" or "vm-is-too-old"),
    rebuild = action(up, ending and "vm-is-terminating" or "vm-has-not-launched"),
    restart = action(up, ending and "vm-is-terminating" or "vm-has-not-launched"),
    cold_reboot = action(up, ending and "vm-is-terminating" or "vm-has-not-launched"),
    terminate = terminate,
  }
end

--- The instance as the wire shows it.
function M.view(inst)
  local v = values.public(inst)
  v.actions = actions(inst)
  return v
end

-- A read of a terminating instance brings its end nearer.
local function advance(st, inst)
  if inst.status ~= "terminating" then return end
  inst._left = (inst._left or inst._terminate_polls or 2) - 1
  if inst._left > 0 then return end
  if inst._linger then
    inst.status = "terminated"
  else
    st.instances = common.without(st.instances, inst)
  end
end

function M.list(req)
  local st = req.state
  local cluster = req.query.cluster_id
  local out = json.array()
  for _, inst in ipairs(st.instances) do
    if cluster == nil or inst._cluster_id == cluster then out[#out + 1] = M.view(inst) end
  end
  local listed = {}
  for _, inst in ipairs(st.instances) do listed[#listed + 1] = inst end
  for _, inst in ipairs(listed) do advance(st, inst) end
  return data(out)
end

function M.get(req)
  local st = req.state
  local inst = common.find(st.instances, req.params.id)
  if not inst then return not_found() end
  local out = M.view(inst)
  advance(st, inst)
  return data(out)
end

local function bad_ids(why)
  return fail(400, "global/invalid-parameters", "Invalid request body: " .. why,
    "Send {\"instance_ids\": [\"<id>\", ...]}.")
end

-- POST /api/v1/instance-operations/terminate {"instance_ids": [...]}
function M.terminate(req)
  local st = req.state
  local body = req.json
  if type(body) ~= "table" or json.is_array(body) then return bad_ids("expected a JSON object") end
  local ids = body.instance_ids
  if type(ids) ~= "table" or not json.is_array(ids) or #ids == 0 then
    return bad_ids("instance_ids must be a non-empty array")
  end
  local picked = {}
  for _, id in ipairs(ids) do
    if type(id) ~= "string" then return bad_ids("instance_ids must hold strings") end
    local inst = common.find(st.instances, id)
    if not inst then return not_found() end
    picked[#picked + 1] = inst
  end
  for _, inst in ipairs(picked) do
    if inst.status == "terminating" or inst.status == "terminated" then
      return fail(500, "global/unknown", "An unknown error occurred.")
    end
    if inst._unavailable then
      return fail(400, "global/invalid-parameters", "Instance " .. inst.id .. " cannot be terminated: "
        .. (REASONS[inst._unavailable] or inst._unavailable))
    end
  end
  local out = json.array()
  for _, inst in ipairs(picked) do
    inst.status, inst._left = "terminating", nil
    out[#out + 1] = M.view(inst)
  end
  return data(json.object { terminated_instances = out })
end

function M.build(st, list)
  for i, inst in ipairs(list) do
    if type(inst.id) ~= "string" then error(string.format("lambda.instances[%d].id must be a string", i), 0) end
    if inst.status == nil then inst.status = "active" end
    if inst.file_system_names == nil then inst.file_system_names = json.array() end
  end
  st.instances = list
end

return M
