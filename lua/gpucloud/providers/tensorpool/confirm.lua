-- Confirming by the listing: a destroy whose answer was lost (or that had
-- no request to follow) counts as done only once the thing has left its
-- listing. `k` names what differs between clusters and storage volumes
-- (see init.lua): the listing row, the id's name, the nouns.

local wait = require "gpucloud.wait"

local M = {}

-- Words of a status that says a destroy is under way.
local function destroying(status)
  local l = type(status) == "string" and status:lower() or ""
  return l:find("destroy") or l:find("releas") or l:find("terminat") or l:find("delet")
end

-- Poll k's listing until judge(the item, or nil when it is not listed)
-- says "done" or "failed" (wait.poll's words).
function M.watch(ctx, spec, k, id, s, what, judge)
  local field = spec.ops[k.list].id_field
  return wait.poll({ rt = ctx.rt, op = "tensorpool." .. k.destroy, what = k.noun .. " " .. id .. " " .. what,
                     deadline = s.deadline, interval = s.interval, stop_at = ctx.stop_at }, function(stop)
    local items, err = ctx:call(k.list, {}, { retries = 0 }, stop)
    if not items then return nil, err end
    return judge(items:first { [field] = id })
  end)
end

-- Wait until `id` has left the listing: the confirmation for a destroy
-- whose request is unknown (its answer was lost, or it had none). With
-- `unsure` (we do not know the destroy was accepted) a thing listed in a
-- status that is not a destroy under way ends the wait: "not gone".
function M.wait_until_gone(ctx, spec, k, id, s, unsure)
  return M.watch(ctx, spec, k, id, s, "leaving the list", function(item)
    if not item then return "done", { [k.id] = id, confirmed = "absent from the " .. k.listing } end
    if unsure and not destroying(item.status) then return "failed", false end
    return "pending", item.status or "listed"
  end)
end

------------------------------------------------------------------------
-- Deletion protection

-- A destroy refused because the thing is protected: a 409 whose words say

return M
