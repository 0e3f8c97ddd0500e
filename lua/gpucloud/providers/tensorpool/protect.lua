-- Deletion protection is never turned off behind the user's back: a
-- destroy refused for it says how to lift it, and only `unprotect = true`
-- lifts it: the edit, waited for, then the destroy again; a failed edit
-- destroys nothing. The server's refusal is the read, so only what is
-- protected is ever unprotected.

local confirm = require "gpucloud.providers.tensorpool.confirm"
local waits = require "gpucloud.providers.tensorpool.waits"

local M = {}

local function refused_for_protection(err)
  return err.code == "conflict" and type(err.message) == "string" and err.message:lower():find("protect") ~= nil
end

-- Such a refusal says how to go ahead.
local function hint(err)
  if refused_for_protection(err) then
    err.protected = true
    err.message = err.message .. " (turn it off first: {unprotect = true}, or --unprotect on the command line)"
  end
  return err
end

-- The edit failed, or was not seen to end: nothing was destroyed. When
-- the edit may have been carried out (`maybe`: accepted, or lost after
-- sending), protection may be off: the error says `unprotected` too.
local function not_lifted(err, maybe)
  if maybe then
    err.unprotected = true
    err.message = "deletion protection may be off (its edit was not seen to end), nothing destroyed: "
      .. tostring(err.message)
  else
    err.message = "deletion protection not turned off, nothing destroyed: " .. tostring(err.message)
  end
  return err
end

-- Turn `id`'s deletion protection off (an edit with the call's options)
-- and see it done: the edit's request completed, or, with no request to
-- follow, the listing no longer showing it protected. -> true | nil, err.
local function lift(ctx, spec, k, id, s, opts)
  local v, err = ctx:call(k.edit, { [k.id] = id, fields = { deletion_protection = false } }, opts)
  if not v then return nil, not_lifted(err, err.may_have_landed) end
  local ok, werr
  if type(v.request_id) == "string" then
    ok, werr = waits.wait_for_request(ctx, v.request_id, s, { request_type = k.edit_type, object_id = id })
  else
    ok, werr = confirm.watch(ctx, spec, k, id, s, "losing its deletion protection", function(item)
      -- not listed: nothing to see; the destroy will say what is true
      if item and item.deletion_protection == true then return "pending", "protected" end
      return "done", true
    end)
  end
  -- FAILED is the server's word that nothing changed
  if not ok then return nil, not_lifted(werr, werr.code ~= "failed") end
  return true
end

-- After a destroy's first answer: when it was refused for protection,
-- either say how to lift it or (asked to: `unprotect`) lift it, wait for
-- that, and destroy again. A failed lift destroys nothing. The value or
-- error of a destroy that followed a lift says `unprotected`, as does a
-- lift that may have been carried out.
function M.after_refusal(ctx, spec, k, argv, opts, value, err, unprotect, s)
  if value or not refused_for_protection(err) then return value, err end
  if not unprotect then return nil, hint(err) end
  local ok, lerr = lift(ctx, spec, k, argv[k.id], s, opts)
  if not ok then return nil, lerr end
  value, err = ctx:call(k.destroy, argv, opts)
  local r = value or err
  r.unprotected = true
  return value, err
end

------------------------------------------------------------------------
-- Destroys

--- tp:destroy_cluster(id[, opts]) and tp:destroy_storage: the row; with
-- `unprotect = true` among the options, a destroy refused for deletion
-- protection lifts it (the edit, waited for) and destroys again. The

return M
