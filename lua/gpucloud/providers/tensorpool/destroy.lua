-- TensorPool's destroys of clusters and storage volumes, beyond the row:
-- the protection step when asked (protect.lua), and in bulk runs with
-- `wait = true` the request followed to its end, or a lost answer
-- confirmed by the listing (waits.lua, confirm.lua).

local config = require "gpucloud.config"
local define = require "gpucloud.define"
local confirm = require "gpucloud.providers.tensorpool.confirm"
local protect = require "gpucloud.providers.tensorpool.protect"
local waits = require "gpucloud.providers.tensorpool.waits"

local M = {}

-- call's deadline bounds it all, the edit's wait included.
function M.destroy_method(spec, k)
  local op = "tensorpool." .. k.destroy
  local row = spec.ops[k.destroy]
  return function(ctx, id, opts)
    local argv = define.check_args(op, row.args, 2, id)
    local unprotect = false
    if type(opts) == "table" and opts.unprotect ~= nil then
      unprotect = config.kinds.boolean(op, "unprotect", opts.unprotect, 2)
      local copy = {}
      for name, v in pairs(opts) do
        if name ~= "unprotect" then copy[name] = v end
      end
      opts = copy
    end
    if opts ~= nil then config.call(op, row, opts, 2) end
    local limit = config.setting(ctx.client, opts, "deadline")
    if limit then ctx.stop_at = ctx:now() + limit end
    local value, err = ctx:call(k.destroy, argv, opts)
    return protect.after_refusal(ctx, spec, k, argv, opts, value, err, unprotect, waits.settings(limit))
  end
end

-- destroy_*{..., wait = true}: each accepted destroy is waited for (in the
-- same bulk run, so the waits overlap too), and a destroy that may have
-- been carried out by an attempt whose answer was lost is confirmed by the
-- listing before it counts as done. Protection first, as destroy_method.
local function settle_destroy(spec, k)
  return function(ctx, argv, value, err)
    local s = waits.bulk_settings(ctx.settings)
    value, err = protect.after_refusal(ctx, spec, k, argv, ctx.opts, value, err, ctx.settings.unprotect, s)
    if not ctx.settings.wait then return value, err end
    local id = argv[k.id]
    if value then
      if type(value.request_id) == "string" then
        local info, werr = waits.wait_for_request(ctx, value.request_id, s,
          { request_type = k.release, object_id = id })
        if info then
          value.request = info
          return value
        end
        werr.unprotected = value.unprotected
        if werr.code == "failed" then return nil, werr end
        -- accepted, and not seen to end: it may still happen
        werr.may_have_landed = true
        if werr.code ~= "not_found" then return nil, werr end
      end
      local gone, gerr = confirm.wait_until_gone(ctx, spec, k, id, s)
      if gone then
        value.confirmed = gone.confirmed
        return value
      end
      gerr.may_have_landed = true
      gerr.unprotected = value.unprotected
      return nil, gerr
    end
    -- a destroy answered "not found" or "already being destroyed" after an
    -- attempt that may have landed: see whether it is gone
    if err.may_have_landed and (err.code == "not_found" or err.code == "conflict") then
      local gone, gerr = confirm.wait_until_gone(ctx, spec, k, id, s, true)
      if gone then
        gone.maybe_deleted_by_us = true
        gone.unprotected = err.unprotected
        return gone
      end
      if gerr == false then return nil, err end -- listed, and not being destroyed
      gerr.may_have_landed = true
      gerr.unprotected = err.unprotected
      return nil, gerr
    end
    return nil, err
  end
end

-- A dry run says which of the ids the listing shows protected.
local function dry_protected(spec, k)
  local field = spec.ops[k.list].id_field
  return function(ctx, ids, report)
    local items, err = ctx:call(k.list, {})
    if not items then
      report.protected_unknown = err
      return
    end
    report.protected = {}
    for _, id in ipairs(ids) do
      local item = items:first { [field] = id }
      if item and item.deletion_protection == true then report.protected[#report.protected + 1] = id end
    end
  end
end

--- The bulk entry of k's destroy: protection, waits, confirmations.
function M.destroy_entry(spec, k)
  return { op = k.destroy, settle = settle_destroy(spec, k), dry = dry_protected(spec, k), unprotect = true,
           verb = "destroy", done_verb = "destroyed" }
end

return M
