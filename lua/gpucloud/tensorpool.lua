-- TensorPool, as data, plus what rows cannot say: waiting for an
-- asynchronous request, and confirming a destroy whose answer was lost.
-- The wire: docs/tensorpool.md. Method names follow the official CLI's
-- words in snake_case (`list_`, `destroy_`, `get_..._info`). Row fields:
-- see vast.lua.

local config = require "gpucloud.config"
local define = require "gpucloud.define"
local errors = require "gpucloud.errors"
local wait = require "gpucloud.wait"

local spec = {
  name = "tensorpool",
  title = "TensorPool",
  hosts = {
    engine = { option = "url", env = "TENSORPOOL_ENGINE", default = "https://engine.tensorpool.dev" },
  },
  key = { env = { "TENSORPOOL_KEY", "TENSORPOOL_API_KEY" } },
  server_codes = {},
  ops = {
    destroy_cluster = {
      method = "DELETE", host = "engine", path = "/cluster/{cluster_id}",
      args = { { "cluster_id", "tp_id" } }, idempotent = true,
    },
    list_clusters = {
      method = "GET", host = "engine", path = "/cluster/list",
      query = { { "include_org", "boolean" }, { "instances", "boolean" } },
      -- the structured fields are undocumented: an answer without
      -- `clusters` is bad_response (its whole answer in err.body), never
      -- an empty list
      list = "clusters", id_field = "cluster_id", idempotent = true,
    },
    get_request_info = {
      method = "GET", host = "engine", path = "/request/info/{request_id}",
      args = { { "request_id", "tp_id" } }, object = true, idempotent = true,
    },
  },
  methods = {},
}

local TERMINAL_FAILED = "FAILED"

-- Poll request `id` until COMPLETED (its info) or FAILED (nil, err with
-- code "failed"); transient and unreadable polls are polled through.
local function wait_for_request(ctx, id, s)
  local op = "tensorpool.wait_request"
  return wait.poll({ rt = ctx.rt, op = op, what = "request " .. id, deadline = s.deadline,
                     interval = s.interval, stop_at = ctx.stop_at }, function(stop)
    -- this loop is the retry: each poll is one attempt
    local info, err, res = ctx:call("get_request_info", { request_id = id }, { retries = 0 }, stop)
    if not info then return nil, err, wait.retry_after(res) end
    if info.status == "COMPLETED" then return "done", info end
    if info.status == TERMINAL_FAILED then
      return "failed", errors.local_failure(op, "failed",
        info.external_message or ("request " .. id .. " failed"), { info = info, status = res.status })
    end
    return "pending", info.status, wait.retry_after(res)
  end)
end

--- tp:wait_request(request_id, {deadline =, interval =}): poll a request
-- until it is COMPLETED (returns its info) or FAILED (nil, err with code
-- "failed"). `deadline` bounds the whole wait (default 600 s; then nil,
-- err with code "timeout"); `interval` is the pause when the server sends
-- no Retry-After. Transient and unreadable answers are polled through.
function spec.methods.wait_request(ctx, request_id, opts)
  local op = "tensorpool.wait_request"
  local argv = define.check_args(op, spec.ops.get_request_info.args, 2, request_id)
  return wait_for_request(ctx, argv.request_id, config.wait(op, opts, 2))
end

-- Words of a status that says a destroy is under way.
local function destroying(status)
  local l = type(status) == "string" and status:lower() or ""
  return l:find("destroy") or l:find("releas") or l:find("terminat") or l:find("delet")
end

-- Wait until `id` has left the cluster listing: the confirmation for a
-- destroy whose request is unknown (its answer was lost, or it had none).
-- With `unsure` (we do not know the destroy was accepted) a cluster listed
-- in a status that is not a destroy under way ends the wait: "not gone".
local function wait_until_gone(ctx, id, s, unsure)
  return wait.poll({ rt = ctx.rt, op = "tensorpool.destroy_cluster", what = "cluster " .. id .. " leaving the list",
                     deadline = s.deadline, interval = s.interval, stop_at = ctx.stop_at }, function(stop)
    local clusters, err = ctx:call("list_clusters", {}, { retries = 0 }, stop)
    if not clusters then return nil, err end
    local c = clusters:first { cluster_id = id }
    if not c then return "done", { cluster_id = id, confirmed = "absent from the cluster list" } end
    if unsure and not destroying(c.status) then return "failed", false end
    return "pending", c.status or "listed"
  end)
end

-- The wait's own limits inside a bulk call: what is left of the run's
-- deadline (the context's stop_at), else the deprecated per-wait
-- wait_timeout, else the default.
local function wait_settings(b)
  return { deadline = b.wait_timeout or config.WAIT_DEADLINE, interval = config.default("interval") }
end

-- destroy_clusters{..., wait = true}: each accepted destroy is waited for
-- (in the same bulk run, so the waits overlap too), and a destroy that may
-- have been carried out by an attempt whose answer was lost is confirmed
-- by the listing before it counts as done.
local function settle_destroy(ctx, argv, value, err)
  if not ctx.settings.wait then return value, err end
  local s = wait_settings(ctx.settings)
  local id = argv.cluster_id
  if value then
    if type(value.request_id) == "string" then
      local info, werr = wait_for_request(ctx, value.request_id, s)
      if info then
        value.request = info
        return value
      end
      if werr.code == "failed" then return nil, werr end
      -- accepted, and not seen to end: it may still happen
      werr.may_have_landed = true
      if werr.code ~= "not_found" then return nil, werr end
    end
    local gone, gerr = wait_until_gone(ctx, id, s)
    if gone then
      value.confirmed = gone.confirmed
      return value
    end
    gerr.may_have_landed = true
    return nil, gerr
  end
  -- a destroy answered "not found" or "already being destroyed" after an
  -- attempt that may have landed: see whether it is gone
  if err.may_have_landed and (err.code == "not_found" or err.code == "conflict") then
    local gone, gerr = wait_until_gone(ctx, id, s, true)
    if gone then
      gone.maybe_deleted_by_us = true
      return gone
    end
    if gerr == false then return nil, err end -- listed, and not being destroyed
    gerr.may_have_landed = true
    return nil, gerr
  end
  return nil, err
end

spec.bulk = { destroy_clusters = { op = "destroy_cluster", settle = settle_destroy } }

-- help's line (gpucloud repl) for what is not a row, whose help is made
-- from the row itself: the arguments, the option scope, one line.
spec.docs = {
  wait_request = { args = "request_id [, opts]", options = "wait",
    "poll get_request_info until COMPLETED (its info) or FAILED (nil, err with code failed)" },
  destroy_clusters = {
    "destroy_cluster for each id; with wait = true, wait for each and confirm a lost answer by the listing" },
}

return { spec = spec, new = define.define(spec) }
