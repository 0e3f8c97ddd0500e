-- Destroy the TensorPool clusters whose name matches a Lua pattern, and wait
-- for each destruction to finish.
--
--   TENSORPOOL_KEY=... lua5.4 examples/destroy_clusters.lua '^ci%-' [--dry-run]

local gpucloud = require "gpucloud"

-- assert() takes only a string message on Lua 5.1 and 5.2, and gpucloud's
-- errors are tables with a readable tostring: check() works on every Lua.
local function check(v, err)
  if v == nil then error(tostring(err), 0) end
  return v
end

local pattern = arg and arg[1]
if not pattern then
  io.stderr:write("usage: destroy_clusters.lua LUA_PATTERN [--dry-run]\n")
  os.exit(2)
end
local dry_run = arg[2] == "--dry-run"

local tp = gpucloud.tensorpool()
local clusters = check(tp:list_clusters())
local doomed = clusters:filter(function(c) return type(c.name) == "string" and c.name:find(pattern) ~= nil end)
print(string.format("%d clusters, %d match %q:", #clusters, #doomed, pattern))
print(doomed)

local done, failed = 0, 0
for _, c in ipairs(doomed) do
  local id = c.cluster_id or c.id
  if dry_run then
    print("would destroy " .. id)
  else
    local res, err = tp:destroy_cluster(id)
    if res and res.request_id then
      res, err = tp:wait_request(res.request_id, { timeout = 300 })
    end
    if res then
      done = done + 1
      print(string.format("destroyed %s (%s)", id, c.name))
    else
      failed = failed + 1
      print(string.format("FAILED %s: %s", id, tostring(err)))
    end
  end
end
print(string.format("summary: %d destroyed, %d failed%s", done, failed, dry_run and " (dry run)" or ""))
tp:close()
os.exit(failed == 0 and 0 or 1)
