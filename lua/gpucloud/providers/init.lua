-- The providers gpucloud knows, in the order they are listed, shown and
-- deleted in. A provider is a folder beside this file, providers/<name>/:
--
--   init.lua   its client: hosts, key places, server codes, one row per
--              operation, bulk names, help lines ({spec =, new =})
--   fleet.lua  its kinds in the fleet view (optional)
--   cli.lua    its command-line rows (optional)
--   sim/       its simulator: routes, handlers, fixture.json (optional)
--   ...        its own rules, one file each
--
-- Adding a provider is its folder and one line here. Everything that walks
-- the providers (gpucloud.<name>, the fleet, the command line, the REPL,
-- the simulator, help and the reference) asks this module.

local NAMES = {
  "vast",
  "tensorpool",
  "runpod",
  "lambda",
}

local M = {}

--- The providers' names, in order (a copy).
function M.names()
  local out = {}
  for i, n in ipairs(NAMES) do out[i] = n end
  return out
end

local KNOWN = {}
for _, n in ipairs(NAMES) do KNOWN[n] = true end

--- Whether `name` is a registered provider.
function M.known(name)
  return KNOWN[name] == true
end

-- package.searchpath, or the same rule where the VM lacks it (5.1, LuaJIT).
local function findable(modname)
  local path = package.path
  if package.searchpath then return package.searchpath(modname, path) ~= nil end
  local file = modname:gsub("%.", "/")
  for template in path:gmatch("[^;]+") do
    local f = io.open((template:gsub("%?", file)), "r")
    if f then
      f:close()
      return true
    end
  end
  return false
end

--- The fleet kind that operation `op` of provider `name` deletes, through
-- its bulk form ("endpoint" for vast's delete_endpoint), from its
-- fleet.lua; nil when no kind is deleted by it.
local kinds_by_op = {}
function M.fleet_kind(name, op)
  local known = kinds_by_op[name]
  if not known then
    known = {}
    local fleet, spec = M.part(name, "fleet"), M.spec(name)
    for kind, k in pairs(fleet and fleet.kinds or {}) do
      local entry = spec.bulk and spec.bulk[k.delete]
      if entry then known[entry.op] = kind end
    end
    kinds_by_op[name] = known
  end
  return known[op]
end

--- Provider `name`'s module: {spec = ..., new = constructor}. Its spec
-- gains `fleet_kind(op)` (M.fleet_kind): what the journal, below the
-- providers, asks of a destructive call.
function M.get(name)
  if not KNOWN[name] then error("gpucloud: no provider '" .. tostring(name) .. "'", 2) end
  local mod = require("gpucloud.providers." .. name)
  if not mod.spec.fleet_kind then
    mod.spec.fleet_kind = function(op) return M.fleet_kind(name, op) end
  end
  return mod
end

--- Provider `name`'s constructor, as gpucloud.<name>: the provider is
-- loaded at its first call (require "gpucloud" loads none, a client its
-- own only). An option the constructor refuses is reported at the
-- caller's line: `new` is told the level (3: the caller of this function;
-- not a tail call, as Lua 5.1 keeps no position through one).
function M.constructor(name)
  if not KNOWN[name] then error("gpucloud: no provider '" .. tostring(name) .. "'", 2) end
  return function(opts)
    local client = M.get(name).new(opts, 3)
    return client
  end
end

--- Provider `name`'s spec (its rows and the rest).
function M.spec(name)
  return M.get(name).spec
end

--- A part of provider `name` ("fleet", "cli", "sim"), or nil when the
-- provider has none.
function M.part(name, part)
  if not KNOWN[name] then error("gpucloud: no provider '" .. tostring(name) .. "'", 2) end
  local modname = "gpucloud.providers." .. name .. "." .. part
  if package.loaded[modname] ~= nil then return package.loaded[modname] end
  if not findable(modname) then return nil end
  return require(modname)
end

--- Whether provider `name` has part `part`, without loading it.
function M.has(name, part)
  if not KNOWN[name] then error("gpucloud: no provider '" .. tostring(name) .. "'", 2) end
  local modname = "gpucloud.providers." .. name .. "." .. part
  return package.loaded[modname] ~= nil or findable(modname)
end

--- Every provider's part `part`, in order: a list of {name =, module =}.
function M.parts(part)
  local out = {}
  for _, n in ipairs(NAMES) do
    local m = M.part(n, part)
    if m ~= nil then out[#out + 1] = { name = n, module = m } end
  end
  return out
end

return M
