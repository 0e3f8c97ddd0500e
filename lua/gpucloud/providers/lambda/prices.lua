-- What Lambda Cloud's things cost per hour, as the fleet's cost rules (the
-- source forms are fleet/cost.lua's and fleet/rates.lua's, which check
-- every amount) and the published rate they use (docs/lambda.md, "Money").
-- The published rate is a default: the fleet's prices option replaces it
-- (`prices = {lambda = {filesystem_gb_month = 0.20}}`).

local args = require "gpucloud.args"

local M = {}

-- File systems: USD per GB used per month, and the month Lambda's own
-- billing example divides by (720 h); a GB is 10^9 bytes.
M.FILESYSTEM_GB_MONTH = 0.20
M.HOURS_PER_MONTH = 720
M.BYTES_PER_GB = 1e9

-- Instance statuses that bill at the instance type's price (there is no
-- stop: everything until the end bills, `terminating` too, to be safe),
-- and the one that bills nothing. `preempted` and any status not named
-- here: unknown.
M.BILLS = { booting = true, active = true, unhealthy = true, terminating = true }
M.ENDED = { terminated = true }

local function whole(v)
  if type(v) == "number" and v >= 0 and v < math.huge and v == math.floor(v) then return v end
end

--- US cents (an integer >= 0, as Lambda gives prices) as dollars, else nil
-- and why.
function M.cents(v)
  local c = whole(v)
  if c == nil then return nil, "is not a whole number of cents: " .. args.describe(v) end
  return c / 100
end

local function bills(r) return M.BILLS[r.status] == true end
local function ended(r) return M.ENDED[r.status] == true end

--- An instance: its type's `price_cents_per_hour` (the whole instance,
-- whatever its GPU count) while it bills; 0 once terminated.
M.instance = {
  { fixed = 0, when = ended, source_note = "terminated: nothing bills" },
  { field = "instance_type.price_cents_per_hour", read = M.cents, when = bills,
    source_note = "cents / 100, the whole instance" },
  { none = function(r) return "whether a Lambda instance " .. args.describe(r.status) .. " bills is not known" end,
    when = function(r) return not (bills(r) or ended(r)) end },
}

local function used_gb(r)
  local b = whole(r.bytes_used)
  if b == nil then return nil, "Lambda gave no bytes_used" end
  return b / M.BYTES_PER_GB
end

--- A file system: its `bytes_used` ("updated every few hours") at the
-- published rate per GB-month of 720 h.
M.filesystem = {
  { price = "filesystem_gb_month", published = M.FILESYSTEM_GB_MONTH, size = used_gb, month = M.HOURS_PER_MONTH,
    source_note = "bytes_used, which Lambda updates every few hours" },
}

return M
