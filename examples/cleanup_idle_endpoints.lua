-- Delete the Vast.ai serverless endpoints that do nothing: every worker
-- stopped or errored (an endpoint with no workers counts as idle too).
--
--   VAST_API_KEY=... lua5.4 examples/cleanup_idle_endpoints.lua [--dry-run]
--
-- Against the built-in simulator: `make demo`, or
--   bin/gpucloud-sim run -- lua5.4 examples/cleanup_idle_endpoints.lua
--
-- Exit status: 0 all went, 1 something failed or nothing was deleted
-- because an answer was not understood.

local gpucloud = require "gpucloud"

-- assert() takes only a string message on Lua 5.1 and 5.2, and gpucloud's
-- errors are tables with a readable tostring: check() works on every Lua.
local function check(v, err)
  if v == nil then error(tostring(err), 0) end
  return v
end

local dry_run = arg and arg[1] == "--dry-run"
local IDLE = { stopped = true, error = true }

local vast = gpucloud.vast()

local endpoints = check(vast:show_endpoints())
print(string.format("%d endpoints on %s:", #endpoints, vast.urls.console))
print(endpoints:sort_by("id"))
print()

-- An endpoint whose workers cannot be read yet (not ready, say) is left
-- alone: only what is known to be idle gets deleted. An answer that is not
-- a worker listing at all stops everything: the server is saying something
-- this script does not understand, and "no workers" must not be guessed.
local idle, skipped = {}, 0
for _, ep in ipairs(endpoints) do
  local workers, err = vast:get_endpoint_workers(ep.id)
  if not workers and err.code == "bad_response" then
    print(string.format("not deleting anything: the worker listing of endpoint %d was not understood (%s)",
      ep.id, tostring(err)))
    vast:close()
    os.exit(1)
  elseif not workers then
    skipped = skipped + 1
    print(string.format("skip   %-6d %-24s %s", ep.id, ep.endpoint_name or "?", tostring(err)))
  else
    local busy = workers:filter(function(w) return not IDLE[w.status] end)
    local state = #busy > 0 and "busy" or "idle"
    print(string.format("%-6s %-6d %-24s %d workers, %d busy", state, ep.id, ep.endpoint_name or "?", #workers, #busy))
    if #busy == 0 then idle[#idle + 1] = ep end
  end
end
print()

local ids = gpucloud.list(idle):ids()
local report = vast:delete_endpoints(ids, { dry_run = dry_run })
print(report)
local workers_gone = 0
for _, res in pairs(report.results) do workers_gone = workers_gone + #(res.deleted_workers or {}) end
local failed = report:failed_count()

print()
print(string.format("summary: %d endpoints, %d idle, %d deleted (%d workers), %d failed, %d skipped%s",
  #endpoints, #idle, dry_run and 0 or #report.ok, workers_gone, failed, skipped, dry_run and " (dry run)" or ""))
print(string.format("left: %d endpoints", #check(vast:show_endpoints())))
vast:close()
os.exit(failed == 0 and 0 or 1)
