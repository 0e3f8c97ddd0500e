-- What RunPod's things cost per hour, from what its listings say and its
-- published rates (docs/runpod.md, "Money"). Money is a finite number >= 0
-- or unknown (nil): a missing, negative or unreadable price is never 0.

local M = {}

-- Published rates, USD per GB per month, and the month gpucloud divides
-- them by (730 h: our convention, not RunPod's).
M.HOURS_PER_MONTH = 730
M.STOPPED_VOLUME_DISK = 0.20 -- a stopped pod's volume disk (its container disk is free)
M.NETWORK_VOLUME = 0.07      -- a network volume of up to 1 TB
M.NETWORK_VOLUME_LARGE = 0.05 -- one over 1 TB
M.LARGE_FROM_GB = 1000

--- A price: a number, or a decimal number as text ("0.74": RunPod's
-- OpenAPI once gave its example so); finite and >= 0, else nil.
function M.money(v)
  if type(v) == "string" then
    if not (v:match("^%d+%.?%d*$") or v:match("^%.%d+$")) then return nil end
    v = tonumber(v)
  end
  if type(v) ~= "number" or v ~= v or v < 0 or v == math.huge then return nil end
  return v
end

local function whole(v)
  if type(v) == "number" and v >= 0 and v == math.floor(v) and v < 2 ^ 31 then return v end
end

-- A pod's host-local volume disk in GB (mounts.persistent.size), 0 when it
-- has none (a network mount bills as its volume), nil when unreadable.
local function persistent_gb(r)
  local mounts = r.mounts
  if mounts == nil then return 0 end
  if type(mounts) ~= "table" then return nil end
  if mounts.persistent == nil then return 0 end
  return type(mounts.persistent) == "table" and whole(mounts.persistent.size) or nil
end

-- Statuses whose `cost` is the hourly rate; in the others RunPod reports
-- 0.0 and only the disk bills.
local COMPUTING = { RUNNING = true, PROVISIONING = true, STARTING = true }
local DISK_ONLY = { EXITED = true, ERROR = true }

--- A pod's $/h: its `cost` while it computes; stopped (EXITED) or failed
-- (ERROR), its volume disk at the stopped rate, unless `cost` says more;
-- TERMINATED, 0.
function M.pod(r)
  local cost = M.money(r.cost)
  if COMPUTING[r.status] then return cost end
  if r.status == "TERMINATED" then return 0 end
  if DISK_ONLY[r.status] then
    local gb = persistent_gb(r)
    if gb == nil then return cost ~= nil and cost > 0 and cost or nil end
    local disk = gb * M.STOPPED_VOLUME_DISK / M.HOURS_PER_MONTH
    if cost and cost > disk then return cost end
    return disk
  end
  return nil
end

--- A network volume's $/h from its size: STANDARD (or no type) at the
-- published rates; HIGH_PERFORMANCE is unpublished (unknown).
function M.volume(r)
  local gb = whole(r.size)
  if not gb or not (r.type == nil or r.type == "STANDARD") then return nil end
  local rate = gb > M.LARGE_FROM_GB and M.NETWORK_VOLUME_LARGE or M.NETWORK_VOLUME
  return gb * rate / M.HOURS_PER_MONTH
end

-- Worker statuses that hold no GPU yet (waiting for capacity).
local UNPLACED = { THROTTLED = true }

--- An endpoint's $/h from its workers: each placed worker at the
-- catalog's serverless list price of its GPU type times its GPU count
-- (`price_of(gpu_type_id)` -> $/h per GPU | nil). No workers: 0. Any
-- worker whose price cannot be known makes the whole unknown.
function M.workers(workers, price_of)
  local total = 0
  for _, w in ipairs(workers) do
    if type(w) ~= "table" then return nil end
    if not UNPLACED[w.status] then
      local n = whole(w.gpuCount)
      local each = type(w.gpuTypeId) == "string" and price_of(w.gpuTypeId) or nil
      if not n or n == 0 or not each then return nil end
      total = total + n * each
    end
  end
  return total
end

--- The catalog's serverless price per GPU type: a function gpu_type_id ->
-- $/h | nil, from list_gpu_types' answer.
function M.serverless_prices(gpus)
  local by_id = {}
  for _, g in ipairs(gpus) do
    if type(g) == "table" and type(g.id) == "string" and type(g.price) == "table" then
      by_id[g.id] = M.money(g.price.serverless)
    end
  end
  return function(id) return by_id[id] end
end

return M
