-- What Lambda Cloud's things cost per hour, from what its listings say and
-- its published rate (docs/lambda.md, "Money"). Money is a finite number
-- >= 0 or unknown (nil): a missing, negative or unreadable price is never 0.

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

--- US cents (an integer >= 0, as Lambda gives prices) as dollars, else nil.
function M.cents(v)
  local c = whole(v)
  return c and c / 100 or nil
end

--- An instance's $/h: its type's `price_cents_per_hour` (the whole
-- instance, whatever its GPU count) while it bills; 0 once terminated.
function M.instance(r)
  if M.ENDED[r.status] then return 0 end
  if not M.BILLS[r.status] then return nil end
  local t = r.instance_type
  return type(t) == "table" and M.cents(t.price_cents_per_hour) or nil
end

--- A file system's $/h from its `bytes_used` ("updated every few hours");
-- without it, unknown.
function M.filesystem(r)
  local b = whole(r.bytes_used)
  if not b then return nil end
  return b / M.BYTES_PER_GB * M.FILESYSTEM_GB_MONTH / M.HOURS_PER_MONTH
end

return M
