-- Destroy the Vast.ai instances that bill and do nothing: exited, offline
-- or unknown (they never run again), or stopped for longer than N hours (a
-- stopped instance still pays for its disk). Each is shown with what it
-- costs per hour. A dry run unless --yes.
--
--   VAST_API_KEY=... lua5.4 examples/destroy_idle_instances.lua [--hours N] [--label L] [--max N] [--yes]
--
-- Against the built-in simulator:
--   bin/gpucloud-sim run -- lua5.4 examples/destroy_idle_instances.lua
--
-- Exit status: 0 done (or a dry run), 1 something failed or nothing was
-- destroyed because the listing failed, 2 a usage error.

local gpucloud = require "gpucloud"

local function usage(why)
  io.stderr:write("destroy_idle_instances: ", why, "\n",
    "usage: destroy_idle_instances.lua [--hours N] [--label L] [--max N] [--yes]\n")
  os.exit(2)
end

local opts = { hours = 24, max = 50, yes = false }
local argv = arg or {}
local i = 1
while i <= #argv do
  local a = argv[i]
  if a == "--yes" then
    opts.yes = true
  elseif a == "--hours" or a == "--max" or a == "--label" then
    local v = argv[i + 1] or usage(a .. " needs a value")
    if a == "--label" then
      opts.label = v
    else
      opts[a:sub(3)] = (v:match("^%d+%.?%d*$") and tonumber(v)) or usage(a .. " needs a number, got " .. v)
    end
    i = i + 1
  else
    usage("unknown argument " .. a)
  end
  i = i + 1
end

-- Never running again, whatever is asked of them.
local DEAD = { exited = true, offline = true, unknown = true }
local now = os.time()

-- Vast.ai lists no time at which an instance stopped: start_date (its
-- last start) is the nearest, so "stopped for N hours" here means stopped
-- now and started more than N hours ago. Check the dry run before --yes.
local function why_idle(inst)
  if DEAD[inst.actual_status] then return inst.actual_status end
  if inst.actual_status == "stopped" and type(inst.start_date) == "number"
      and now - inst.start_date > opts.hours * 3600 then
    return string.format("stopped, started %.0f h ago", (now - inst.start_date) / 3600)
  end
end

local vast = gpucloud.vast()
local filters = opts.label and { label = opts.label } or nil

-- The listing pages lazily; a page that fails ends the loop, and the
-- iterator then says why. Nothing is destroyed from half a listing.
local idle, seen, per_hour = {}, 0, 0
local instances = vast:each_instance(filters)
for inst in instances do
  seen = seen + 1
  local why = why_idle(inst)
  if why then
    local cost = type(inst.dph_total) == "number" and inst.dph_total or 0
    idle[#idle + 1] = inst.id
    per_hour = per_hour + cost
    print(string.format("idle  %-10d %-10s %-14s $%7.3f/h  %s", inst.id, tostring(inst.actual_status),
      type(inst.label) == "string" and inst.label or "-", cost, why))
  end
end
local _, err = instances()
if err then
  print("not destroying anything: the instance listing failed after " .. seen .. " instances (" .. tostring(err) .. ")")
  vast:close()
  os.exit(1)
end

print(string.format("\n%d instances, %d idle, listed at $%.3f/h together", seen, #idle, per_hour))
if #idle > opts.max then
  print(string.format("refusing to destroy %d instances: more than --max %d", #idle, opts.max))
  vast:close()
  os.exit(1)
end

local report = vast:destroy_instances(idle, { dry_run = not opts.yes, max = opts.max })
print(report)
if not opts.yes then print("(a dry run: --yes destroys them)") end
vast:close()
os.exit(report:failed_count() == 0 and 0 or 1)
