-- What RunPod's things cost per hour, as the fleet's cost rules (the
-- source forms are fleet/cost.lua's and fleet/rates.lua's, which check
-- every amount) and the published rates they use (docs/runpod.md, "Money").
-- A published rate is a default: the fleet's prices option replaces it
-- (`prices = {runpod = {network_volume_gb_month = {STANDARD = 0.07}}}`).

local args = require "gpucloud.args"

local M = {}

-- Published rates, USD per GB per month (of 730 h: gpucloud's convention,
-- not RunPod's).
M.STOPPED_VOLUME_DISK = 0.20 -- a stopped pod's volume disk (its container disk is free)
M.NETWORK_VOLUME = { STANDARD = 0.07, STANDARD_OVER_1TB = 0.05 }
M.LARGE_FROM_GB = 1000
local HOURS_A_MONTH = 730

--- A price as RunPod may write it: a number, or a decimal number as text
-- ("0.74": RunPod's OpenAPI once gave its example so), as a number; other
-- text is nil and why. (Whether it is money is the cost rules' check.)
function M.decimal(v)
  if type(v) ~= "string" then return v end
  if v:match("^%d+%.?%d*$") or v:match("^%.%d+$") then return tonumber(v) end
  return nil, "is not a decimal number: " .. args.describe(v)
end

local function whole(v)
  if type(v) == "number" and v >= 0 and v == math.floor(v) and v < 2 ^ 31 then return v end
end

-- A pod's host-local volume disk in GB (mounts.persistent.size), 0 when it
-- has none (a network mount bills as its volume), nil when unreadable.
local function persistent_gb(r)
  local mounts = r.mounts
  if mounts == nil then return 0 end
  local p = type(mounts) == "table" and mounts.persistent
  if p == nil then return 0 end
  local gb = type(p) == "table" and whole(p.size) or nil
  if gb == nil then return nil, "its volume disk's size (mounts.persistent.size) is not a whole number of GB" end
  return gb
end

-- Statuses whose `cost` is the hourly rate; in the others RunPod reports
-- 0.0 and only the disk bills.
local COMPUTING = { RUNNING = true, PROVISIONING = true, STARTING = true }
local DISK_ONLY = { EXITED = true, ERROR = true }

local function computing(r) return COMPUTING[r.status] == true end
local function disk_only(r) return DISK_ONLY[r.status] == true end
local function terminated(r) return r.status == "TERMINATED" end

-- A stopped pod whose `cost` says more than its disk at the published
-- rate (or whose disk cannot be read, and `cost` is above 0): `cost` then.
local function cost_says_more(r)
  if not disk_only(r) then return false end
  local cost = M.decimal(r.cost)
  -- (NaN is no number here, and an infinite cost fails the money check)
  if type(cost) ~= "number" or cost ~= cost or cost <= 0 then return false end
  local gb = persistent_gb(r)
  return gb == nil or cost > gb * M.STOPPED_VOLUME_DISK / HOURS_A_MONTH
end

--- A pod: its `cost` while it computes; stopped (EXITED) or failed
-- (ERROR), its volume disk at the stopped rate, unless `cost` says more;
-- TERMINATED, 0; any other status, unknown.
M.pod = {
  { fixed = 0, when = terminated, source_note = "terminated: nothing bills" },
  { field = "cost", read = M.decimal, when = computing },
  { field = "cost", read = M.decimal, when = cost_says_more, source_note = "stopped, and more than its disk" },
  { price = "stopped_volume_disk_gb_month", published = M.STOPPED_VOLUME_DISK, size = persistent_gb,
    month = HOURS_A_MONTH, when = disk_only,
    source_note = "stopped: its volume disk bills, its container disk does not (a network volume bills as itself)" },
  { none = function(r) return "RunPod states no price for a pod in status " .. args.describe(r.status) end,
    when = function(r) return not (computing(r) or disk_only(r) or terminated(r)) end },
}

-- A volume's tier: its type, STANDARD (or none) priced by size.
local function tier(r)
  if r.type ~= nil and r.type ~= "STANDARD" then return r.type end
  local gb = whole(r.size)
  return (gb and gb > M.LARGE_FROM_GB) and "STANDARD_OVER_1TB" or "STANDARD"
end

local function volume_gb(r)
  local gb = whole(r.size)
  if gb == nil then return nil, "its size is not a whole number of GB: " .. args.describe(r.size) end
  return gb
end

--- A network volume: its size at its tier's published rate per GB-month;
-- HIGH_PERFORMANCE has none published (unknown unless the prices option
-- gives one).
M.volume = {
  { price = "network_volume_gb_month", published = M.NETWORK_VOLUME, key = tier, size = volume_gb,
    month = HOURS_A_MONTH },
}

--- An endpoint's workers as fleet.lua's refinement read them, by row.
M.WORKERS = setmetatable({}, { __mode = "k" })

-- Worker statuses that hold no GPU yet (waiting for capacity).
local UNPLACED = { THROTTLED = true }

-- What an endpoint's placed workers hold: {gpu_type_id, gpu count} each.
local function worker_gpus(row)
  local workers = M.WORKERS[row]
  if workers == nil then
    return nil, row.workers_error and ("its workers could not be read: " .. tostring(row.workers_error))
      or "its workers were not read"
  end
  local parts = {}
  for i, w in ipairs(workers) do
    if type(w) ~= "table" then return nil, "worker " .. i .. " is not an object" end
    if not UNPLACED[w.status] then
      local n = whole(w.gpuCount)
      if not n or n == 0 then return nil, "worker " .. args.describe(w.id) .. " gives no GPU count" end
      if type(w.gpuTypeId) ~= "string" then return nil, "worker " .. args.describe(w.id) .. " gives no GPU type" end
      parts[#parts + 1] = { w.gpuTypeId, n }
    end
  end
  return parts
end

--- An endpoint: each placed worker's GPUs at the catalog's serverless
-- list price of their type (list_gpu_types, asked once per listing when
-- a worker needs it); no workers: 0.
M.endpoint = {
  { price = "serverless_gpu", parts = worker_gpus,
    catalog = { call = "list_gpu_types", key = "id",
                rate = function(g) return type(g.price) == "table" and M.decimal(g.price.serverless) or nil end },
    source_note = "list prices: active-worker and negotiated discounts are not in them" },
}

return M
