-- Destroy a project's TensorPool clusters (those whose name matches a Lua
-- pattern) and wait for each, then destroy the storage volumes they leave
-- behind: volumes attached to those clusters only, which would go on being
-- billed. Protected clusters and volumes go only with --unprotect; without
-- it the server refuses them, they are reported, and nothing about them
-- changes. --dry-run lists what would go (and which of it is protected).
--
--   TENSORPOOL_KEY=... lua5.4 examples/destroy_clusters.lua '^ci%-' [--dry-run] [--unprotect]
--
-- Against the built-in simulator (whose destroy requests are pending for a
-- second unless --retry-after says otherwise):
--   bin/gpucloud-sim run --retry-after 0 -- lua5.4 examples/destroy_clusters.lua '^dev'

local gpucloud = require "gpucloud"

-- assert() takes only a string message on Lua 5.1 and 5.2, and gpucloud's
-- errors are tables with a readable tostring: check() works on every Lua.
local function check(v, err)
  if v == nil then error(tostring(err), 0) end
  return v
end

local pattern, flags = nil, {}
for _, a in ipairs(arg or {}) do
  if a == "--dry-run" or a == "--unprotect" then
    flags[a] = true
  elseif pattern == nil and a:sub(1, 2) ~= "--" then
    pattern = a
  else
    pattern = false
  end
end
if not pattern then
  io.stderr:write("usage: destroy_clusters.lua LUA_PATTERN [--dry-run] [--unprotect]\n")
  os.exit(2)
end
local opts = { wait = true, dry_run = flags["--dry-run"], unprotect = flags["--unprotect"] }

-- An attachment may be a cluster id or an object naming one.
local function cluster_of(a)
  if type(a) == "table" then return a.cluster_id or a.id end
  return a
end

-- The volumes attached to clusters, all of which are in `set`.
local function left_by(volumes, set)
  return volumes:filter(function(v)
    if type(v.attached_clusters) ~= "table" or #v.attached_clusters == 0 then return false end
    for _, a in ipairs(v.attached_clusters) do
      if not set[cluster_of(a)] then return false end
    end
    return true
  end)
end

local function set_of(ids)
  local set = {}
  for _, id in ipairs(ids) do set[id] = true end
  return set
end

local tp = gpucloud.tensorpool()
local clusters = check(tp:list_clusters())
local doomed = clusters:filter(function(c) return type(c.name) == "string" and c.name:find(pattern) ~= nil end)
print(string.format("%d clusters, %d match %q:", #clusters, #doomed, pattern))
if #doomed == 0 then
  tp:close()
  return
end
print(doomed)
-- what the clusters hold, seen before they go
local behind = left_by(check(tp:list_storage()), set_of(doomed:ids()))

local failed = 0
local report = tp:destroy_clusters(doomed:ids(), opts)
print(report)
failed = failed + report:failed_count()

-- a volume is left behind only when every cluster it was attached to went
-- (a dry run: would go)
local gone = set_of(opts.dry_run and report.would_delete or report.ok)
local volumes = left_by(behind, gone)
if #volumes < #behind then
  print(string.format("keeping %d volume(s) attached to clusters that were not destroyed", #behind - #volumes))
end
if #volumes > 0 then
  print(string.format("%d volume(s) left behind:", #volumes))
  print(volumes)
  report = tp:destroy_storages(volumes:ids(), opts)
  print(report)
  failed = failed + report:failed_count()
end
tp:close()
os.exit(failed == 0 and 0 or 1)
