-- How Lambda Cloud's billable things look in the fleet view (see
-- vast/fleet.lua): instances and file systems, with their cost rules
-- (prices.lua, read by fleet/cost.lua). Lambda has no billing history in
-- its API: no charges hook, and the cost report says so (no_charges).

local key = require("gpucloud.fleet.plan").key
local prices = require "gpucloud.providers.lambda.prices"
local times = require "gpucloud.times"

local M = {}

-- There is no stop: every live status bills; an instance reads no idleness.
local INSTANCE_STATE = {
  booting = "pending", active = "running", unhealthy = "failed",
  terminating = "gone", terminated = "gone",
  -- ended by Lambda, perhaps still billing (unknown): something to clean up
  preempted = "failed",
}

local function in_use(r)
  if r.is_in_use == true then return "in use" end
  if r.is_in_use == false then return "not in use" end
end

-- The file systems an instance holds: by id (file_system_mounts), by name
-- (file_system_names).
local function holds(inst)
  local ids, names = {}, {}
  local mounts = inst.file_system_mounts
  for _, m in ipairs(type(mounts) == "table" and mounts or {}) do
    if type(m) == "table" and type(m.file_system_id) == "string" then ids[#ids + 1] = m.file_system_id end
  end
  local fs = inst.file_system_names
  for _, n in ipairs(type(fs) == "table" and fs or {}) do
    if type(n) == "string" then names[#names + 1] = n end
  end
  return ids, names
end

-- File systems: their parents are the instances that still hold them
-- (deleted first); one Lambda says is in use, or an instance holds, is
-- running; idle only when Lambda says it is not in use and no instance
-- holds it. Without the instances, an idle one is unknown (state_error).
local function refine_filesystems(client, rows)
  local instances, err = client:list_instances()
  if not instances then
    for _, row in ipairs(rows) do
      if row.state ~= "running" then row.state, row.state_error = nil, err end
    end
    return
  end
  local by_id, by_name = {}, {}
  local function use(t, k, inst)
    t[k] = t[k] or {}
    table.insert(t[k], key("lambda", "instance", inst.id))
  end
  for _, inst in ipairs(instances) do
    if not prices.ENDED[inst.status] and type(inst.id) == "string" then
      local ids, names = holds(inst)
      for _, id in ipairs(ids) do use(by_id, id, inst) end
      for _, n in ipairs(names) do use(by_name, n, inst) end
    end
  end
  for _, row in ipairs(rows) do
    local parent = (type(row.id) == "string" and by_id[row.id]) or (type(row.name) == "string" and by_name[row.name])
    row.parent = parent
    if parent then row.state = "running" end
  end
end

M.kinds = {
  instance = {
    list = "list_instances", id = "id", name = "name", status = "status",
    cost = prices.instance,
    state = function(r) return INSTANCE_STATE[r.status] end,
    age_unknown = "Lambda gives no creation or start time for an instance",
    delete = "terminate_instances", stage = 1, delete_opts = { wait = true },
  },
  filesystem = {
    list = "list_filesystems", id = "id", name = "name", status = in_use,
    created_at = function(r) return times.exact(r.created) end,
    cost = prices.filesystem,
    state = function(r)
      if r.is_in_use == true then return "running" end
      if r.is_in_use == false then return "idle" end
    end,
    refine = refine_filesystems,
    delete = "delete_filesystems", stage = 2,
  },
}

--- Why fleet cost reports show Lambda's estimates without a bill.
M.no_charges = "Lambda's API has no billing history (docs/lambda.md): estimates only"

return M
