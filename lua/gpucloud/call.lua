-- The one path every operation takes, with the runtime passed in: pacing,
-- attempts, retries, hooks, deadline, and the truth about what happened.
--
--   * every attempt the wire sees is counted (err.attempts, the hooks),
--     including a request the runtime re-sent by itself (res.sent > 1);
--   * once an attempt of a call that changes something may have been
--     carried out (retry.may_have_landed), any later failure of that call
--     says so (err.may_have_landed); a DELETE that then finds nothing is
--     err.maybe_deleted;
--   * nothing waits past the deadline: not a pacing slot, not a backoff,
--     not a server's Retry-After (retry.next_delay).

local config = require "gpucloud.config"
local errors = require "gpucloud.errors"
local keys = require "gpucloud.keys"
local pace = require "gpucloud.pace"
local request = require "gpucloud.request"
local retry = require "gpucloud.retry"
local rows = require "gpucloud.rows"

local M = {}

local setting = config.setting
local max, min = math.max, math.min

local function call_hook(hook, info)
  if hook and info then hook(info) end
end

local function policy_for(self, opts)
  local b = setting(self, opts, "backoff") or {}
  local d = config.default("backoff")
  return { retries = setting(self, opts, "retries"), base = b.base or d.base, max = b.max or d.max }
end

-- A failure that ends the call before anything more is sent.
local function out_of_time(op, what)
  return errors.local_failure(op, "timeout", "deadline reached " .. what)
end

-- The end of the call, as an absolute time of rt's clock, or nil.
local function stop_time(self, rt, opts, stop_at)
  local limit = setting(self, opts, "deadline")
  local t = limit and (rt.now() + limit)
  if stop_at and (not t or stop_at < t) then t = stop_at end
  return t
end

-- A 2xx head whose body was lost: for a DELETE the server acted.
local function deleted_unreadable(row, terr)
  local s = type(terr) == "table" and terr.status
  if rows.deletes(row) and type(s) == "number" and s >= 200 and s < 300 then
    return { status = s, unreadable = true }
  end
end

-- Hooks see every attempt: a request the runtime re-sent by itself shows
-- as an attempt that failed without an answer and one more that went out.
local function report_resends(self, info, sent)
  for k = 1, sent - 1 do
    local lost = { op = info.op, method = info.method, url = info.url, attempt = info.attempt + k - 1,
                   code = "transport", resent = true, elapsed = 0 }
    call_hook(self.on_response, lost)
    call_hook(self.on_request, { op = info.op, method = info.method, url = info.url,
                                 attempt = info.attempt + k, resent = true })
  end
  info.attempt = info.attempt + sent - 1
end

local function perform(self, p, rt, op, row, argv, opts, stop_at)
  local key = p.key -- looked up once, at the first call (keys.lua)
  if not key then
    local kerr
    key, kerr = keys.lookup(p.spec, p, op)
    if not key then return nil, kerr end
  end
  local req = request.build(self, row, argv, opts, key)
  local stop = stop_time(self, rt, opts, stop_at)
  local per_try = req.timeout
  local acts = rows.acts(row)
  local hooked = self.on_request or self.on_response
  local attempts, tries, landed, policy = 0, 0, false, nil
  local rate = pace.rate_for(setting(self, opts, "rate"), row)
  while true do
    if rate then
      local wait = pace.reserve(p, op, rate, rt.now())
      if stop and rt.now() + wait > stop then
        return nil, M.finish(out_of_time(op, "before the next slot at " .. rate .. " requests/s"),
          attempts, landed, row, key)
      end
      if wait > 0 then rt.sleep(wait) end
    end
    if stop then
      local left = stop - rt.now()
      if left <= 0 then return nil, M.finish(out_of_time(op, "before an attempt"), attempts, landed, row, key) end
      req.timeout = max(0.001, min(per_try, left))
    end
    local info, t0
    if hooked then
      info = { op = op, method = req.method, url = req.url, attempt = attempts + 1 }
      call_hook(self.on_request, info)
      t0 = rt.now()
    end
    tries = tries + 1
    local res, terr = rt.request(req)
    local reply = res or terr
    local sent = type(reply) == "table" and reply.sent or nil
    attempts = attempts + max(1, sent or 1)
    local value, err, decoded
    if res then
      value, err = request.read(op, row, res, key, p.spec.server_codes, argv)
      if value ~= nil then decoded = err; err = nil end
    else
      value = deleted_unreadable(row, terr)
      if not value then err = errors.from_transport(op, terr, key) end
    end
    if info then
      if sent and sent > 1 then report_resends(self, info, sent) end
      info.elapsed = rt.now() - t0
      info.status = res and res.status
      info.code = err and err.code
      info.sent = sent
    end
    if value ~= nil then
      call_hook(self.on_response, info)
      return value, nil, res, decoded
    end
    landed = landed or (acts and retry.may_have_landed(err, sent))
    policy = policy or policy_for(self, opts)
    local header = res and res.headers and res.headers["retry-after"]
    local delay = retry.next_delay(policy, row, err, tries, header, stop and (stop - rt.now()))
    if info then info.retry_in = delay end
    call_hook(self.on_response, info)
    if not delay then return nil, M.finish(err, attempts, landed, row, key), res end
    rt.sleep(delay)
  end
end

--- Perform one operation: `p` is the client's private state, `rt` the
-- runtime to use, `argv` the checked arguments, `opts` the checked call
-- options, `stop_at` an absolute time of rt's clock no attempt may pass
-- (a bulk call's or a wait's deadline; nil for none).
-- Returns value, nil, res, decoded on success; nil, err, res on failure.
-- A destructive call with a `journal` goes between its two lines.
function M.perform(self, p, rt, op, row, argv, opts, stop_at)
  local j = rows.destructive(row) and setting(self, opts, "journal")
  if not j then return perform(self, p, rt, op, row, argv, opts, stop_at) end
  return require("gpucloud.journal").around(j, p.spec, op, row, argv, rt, function(counting)
    return perform(self, p, counting, op, row, argv, opts, stop_at)
  end)
end

--- The last word on a failed call: how many attempts, whether one may
-- have been carried out, and the key out of every field.
function M.finish(err, attempts, landed, row, key)
  err.attempts = attempts
  if landed then
    err.may_have_landed = true
    -- an earlier attempt may have deleted it and lost the answer
    if rows.deletes(row) and err.code == "not_found" then err.maybe_deleted = true end
  end
  return errors.redact(err, key)
end

return M
