-- A fleet row: one billable thing of any provider as the fleet shows it,
-- made from what a provider's listing said through its kind's table
-- (providers/<name>/fleet.lua), and the key that names it across
-- providers. Low in the tree on purpose: the providers' fleet tables, the
-- plan, the re-read before a delete (drift.lua) and the journal ask here,
-- so none of them requires gpucloud.fleet back.

local args = require "gpucloud.args"
local epoch = require("gpucloud.times").epoch

local M = {}

--- The key of a thing in the fleet: "provider:kind:id" (an id as reports
-- show it: integral numbers without ".0", never rounded).
function M.key(provider, kind, id)
  return provider .. ":" .. kind .. ":" .. args.id_text(id)
end

-- A field of a listed record through the kind's table: a name, or a function.
local function field(kind, name, r)
  local f = kind[name]
  if type(f) == "function" then return f(r) end
  if f then return r[f] end
end

--- The row of record `r`, listed at `now`, of kind `kind` (its table,
-- named `kind_name`). `id_check`: the check of the kind's delete
-- (gpucloud.args'). A listed id it refuses (123.5, an id the VM cannot
-- hold, "..") makes the row not actionable, with why: shown and planned as
-- such, never deleted. (cost_per_hour and the other money fields:
-- fleet/cost.lua, after the kind's refine)
function M.make(provider, kind_name, kind, r, now, id_check)
  local id = r[kind.id]
  local created = epoch(field(kind, "created_at", r))
  local not_actionable
  if id_check then
    local ok, why = args.check(id_check, id, kind_name .. " id")
    if ok == nil then not_actionable = why end
  end
  return {
    provider = provider, kind = kind_name, id = id, key = M.key(provider, kind_name, id),
    name = field(kind, "name", r), label = field(kind, "label", r), status = field(kind, "status", r),
    state = kind.state(r),
    created_at = created, age = created and math.max(0, now - created) or nil,
    not_actionable = not_actionable,
    protected = kind.protected and kind.protected(r) or false,
    parent = kind.parent and kind.parent(r) or nil,
    raw = r,
  }
end

return M
