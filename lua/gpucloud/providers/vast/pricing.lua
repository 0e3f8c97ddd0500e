-- What Vast.ai's things cost, as the fleet's cost rules (the source forms
-- are fleet/cost.lua's) and the charges hook (DEVELOPERS.md "Adding a
-- provider"). The units and what is UNVERIFIED: docs/vast.md "What
-- gpucloud assumes about money".

local key = require("gpucloud.fleet.plan").key

local M = {}

local format = string.format
local HOUR = 3600

-- Stopped (and frozen) instances bill their disk, not their GPU.
local STOPPED = { stopped = true, frozen = true }
local function stopped(r) return STOPPED[r.actual_status] == true end
local function not_stopped(r) return not STOPPED[r.actual_status] end

--- An instance: `dph_total` (all in) while it may run; its disk's
-- `storage_total_cost` while stopped.
M.instance = {
  { field = "storage_total_cost", when = stopped, source_note = "stopped: its disk bills, its GPU does not" },
  { field = "dph_total", when = not_stopped },
}

-- The $/h change a pending increase makes: GPU $/s per GPU and disk $/s per
-- GB, each x 3600 (an unchanged side is null).
local function delta(r, e)
  local d, notes = 0, {}
  local gpu_old, gpu_new = e.old_gpu_costpersec, e.new_gpu_costpersec
  if gpu_new ~= nil and not stopped(r) then
    if type(r.num_gpus) ~= "number" then return nil, "the GPU price changes per GPU, and the row has no num_gpus" end
    if type(gpu_old) ~= "number" then return nil, "the increase gives no old GPU price to compare" end
    d = d + (gpu_new - gpu_old) * HOUR * r.num_gpus
    notes[#notes + 1] = format("GPU $%.4f -> $%.4f/h each", gpu_old * HOUR, gpu_new * HOUR)
  end
  local disk_old, disk_new = e.old_disk_ram_costpersec, e.new_disk_ram_costpersec
  if disk_new ~= nil then
    if type(r.disk_space) ~= "number" then
      return nil, "the disk price changes per GB, and the row has no disk_space"
    end
    if type(disk_old) ~= "number" then return nil, "the increase gives no old disk price to compare" end
    d = d + (disk_new - disk_old) * HOUR * r.disk_space
    notes[#notes + 1] = format("disk $%.6f -> $%.6f/GB/h", disk_old * HOUR, disk_new * HOUR)
  end
  if e.new_platform_fee ~= nil then notes[#notes + 1] = "a platform fee change, not included" end
  return d, notes
end

--- An instance's pending price increase (show_pending_price_increases,
-- $ per second on the wire, converted): its $/h once its contract ends.
M.instance_next = {
  call = "show_pending_price_increases", match = "contract_id",
  key = function(r) return r.id end,
  apply = function(r, e, now)
    if now == nil then return nil, "no current $/h to apply the increase to" end
    local d, notes = delta(r, e)
    if d == nil then return nil, notes end
    return now + d, "converted from $ per second: " .. table.concat(notes, "; ")
  end,
  starts = function(e) return e.contract_end_date end,
}

--- A volume: its `storage_total_cost`, read as the instance's field is
-- ($/h for the whole disk).
M.volume = { field = "storage_total_cost", source_note = "$/h for the whole volume (unit as for instances)" }

--- An endpoint: the sum of its workers' instances (a worker is an
-- instance, its id the instance's).
M.endpoint = {
  needs = { "instance" }, why = "the sum of its workers' instances",
  derive = function(row)
    if row.worker_ids == nil then
      return nil, "its workers could not be read" .. (row.workers_error and (": " .. tostring(row.workers_error)) or "")
    end
    local keys = {}
    for i, id in ipairs(row.worker_ids) do keys[i] = key("vast", "instance", id) end
    return keys
  end,
  source_note = "its workers' instances",
}

--- A workergroup: its workers are its endpoint's, counted there.
M.workergroup = {
  derive = function(row)
    return nil, "its workers bill as instances, counted in " .. (row.parent or "its endpoint")
  end,
}

--- A deployment: no fee of its own; what its endpoint's workers cost.
M.deployment = {
  needs = { "endpoint", "instance" }, why = "its endpoint's cost",
  derive = function(row)
    local id = row.raw.endpoint_id
    if type(id) ~= "number" then return nil, "it names no endpoint" end
    return { key("vast", "endpoint", id) }
  end,
  source_note = "no fee of its own: its endpoint's workers",
}

--- The charges hook: what was billed between `from` and `to` (epoch
-- seconds; whole UTC days are asked for), one entry per contract. The
-- window ends before `to`: one that ends at midnight asks nothing of the
-- day that starts then (a whole day's charges beside no estimate).
function M.charges(client, from, to)
  local out, nxt = {}, client:each_charge { from = from, to = math.max(from, to - 1) }
  while true do
    local c, err = nxt()
    if c == nil then
      if err then return nil, err end
      return out
    end
    out[#out + 1] = { kind = c.kind, id = c.id, amount = c.amount, start = c.start, ["end"] = c["end"],
      label = c.metadata and c.metadata.label or nil, description = c.description }
  end
end

return M
