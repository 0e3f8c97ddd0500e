-- Nightly clean-up across every provider: delete what has been idle or
-- failed for longer than a threshold, plan first. Made for cron: one log
-- line per action on stdout, problems on stderr, and an exit status.
--
--   lua5.4 examples/nightly_cleanup.lua [--older-than HOURS] [--yes] [--max N]
--
-- Without --yes it only prints the plan (a dry run). Clients come from the
-- environment (VAST_API_KEY, TENSORPOOL_KEY, ...); a provider without a key
-- is left out, and said so.
--
-- Exit status: 0 done (or nothing to do), 1 something failed or a provider
-- could not be listed (nothing is deleted then), 2 bad arguments.
--
-- crontab: 15 3 * * *  cd /opt/gpucloud && lua5.4 examples/nightly_cleanup.lua --yes >> /var/log/gpucloud.log

local gpucloud = require "gpucloud"

local hours, yes, max = 24, false, 50
do
  local i = 1
  while arg and arg[i] do
    local a = arg[i]
    if a == "--yes" then
      yes = true
    elseif (a == "--older-than" or a == "--max") and arg[i + 1] and arg[i + 1]:match("^%d+$") then
      if a == "--max" then max = tonumber(arg[i + 1]) else hours = tonumber(arg[i + 1]) end
      i = i + 1
    else
      io.stderr:write("usage: nightly_cleanup.lua [--older-than HOURS] [--yes] [--max N]\n")
      os.exit(2)
    end
    i = i + 1
  end
end

local function log(fmt, ...)
  io.stdout:write(os.date("!%Y-%m-%dT%H:%M:%SZ "), string.format(fmt, ...), "\n")
end

local function readable(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- The providers that have a key here.
local clients = {}
local has = {
  vast = os.getenv("VAST_API_KEY") or readable((os.getenv("HOME") or "") .. "/.config/vastai/vast_api_key"),
  tensorpool = os.getenv("TENSORPOOL_KEY") or os.getenv("TENSORPOOL_API_KEY"),
}
for name, present in pairs(has) do
  if present then clients[name] = gpucloud[name]() else log("skip %s: no API key in the environment", name) end
end
if not next(clients) then
  log("nothing to do: no provider has a key")
  os.exit(0)
end
local fleet = gpucloud.fleet(clients)

local rows, errs = fleet:list()
if errs then
  -- a plan made from half the answer could delete what the other half needs
  for _, e in ipairs(errs) do io.stderr:write("cannot list ", e.fleet, ": ", tostring(e), "\n") end
  log("deleting nothing: %d listing(s) failed", #errs)
  os.exit(1)
end
local limit = hours * 3600
local stale = rows:filter(function(r)
  return (r.state == "idle" or r.state == "failed") and type(r.age) == "number" and r.age > limit
    and not r.protected
end)
local plan = stale:plan()
for line in tostring(plan):gmatch("[^\n]+") do log("%s", line) end
if plan.count == 0 then os.exit(0) end
if plan.count > max then
  log("deleting nothing: %d things is more than --max %d", plan.count, max)
  os.exit(1)
end
if not yes then
  log("dry run: pass --yes to delete these %d things", plan.count)
  os.exit(0)
end

local report = fleet:delete(plan, { max = max, verify = true })
for _, key in ipairs(report.ok) do log("deleted %s", key) end
for _, key in ipairs(report:failed_ids()) do log("FAILED %s: %s", key, tostring(report.failed[key])) end
log("done: %d deleted, %d failed, saving up to $%.2f/h, in %.1f s", #report.ok, report:failed_count(),
  plan.cost_per_hour, report.elapsed)
for _, c in pairs(clients) do c:close() end
os.exit(report:failed_count() == 0 and 0 or 1)
