-- TensorPool, as data, plus wait_request: the one composed operation, a
-- poll loop over get_request_info. See shared/api/tensorpool.md.

local client = require "gpucloud.client"
local args = require "gpucloud.args"
local errors = require "gpucloud.errors"

local spec = {
  name = "tensorpool",
  title = "TensorPool",
  hosts = {
    engine = { option = "url", env = "TENSORPOOL_ENGINE", default = "https://engine.tensorpool.dev" },
  },
  key = { env = { "TENSORPOOL_KEY", "TENSORPOOL_API_KEY" } },
  ops = {
    destroy_cluster = {
      method = "DELETE", host = "engine", path = "/cluster/{cluster_id}",
      args = { { "cluster_id", "path_segment" } }, idempotent = true,
    },
    list_clusters = {
      method = "GET", host = "engine", path = "/cluster/list",
      query = { "include_org", "instances" },
      -- the structured fields are undocumented: an answer without
      -- `clusters` is an empty list, and the whole answer is the 2nd value
      unwrap = "clusters", unwrap_optional = true,
      list = true, id_field = "cluster_id", idempotent = true,
    },
    get_request_info = {
      method = "GET", host = "engine", path = "/request/info/{request_id}",
      args = { { "request_id", "path_segment" } }, idempotent = true,
    },
  },
  methods = {},
}

-- destroy_clusters{..., wait = true}: each destroy then waits for its request
-- (in the same bulk run, so the waits overlap too).
local function wait_after(self, res, settings)
  if not settings.wait or not res.request_id then return res end
  local info, err = self:wait_request(res.request_id, { timeout = settings.wait_timeout })
  if not info then return nil, err end
  res.request = info
  return res
end

spec.bulk = { destroy_clusters = { op = "destroy_cluster", after = wait_after } }

local TERMINAL = { COMPLETED = true, FAILED = true }
local DEFAULT_WAIT = 600 -- seconds; the official CLI waits forever
local DEFAULT_INTERVAL = 2 -- the official CLI's pause when Retry-After is absent
local MIN_PAUSE = 0.05 -- a server saying "Retry-After: 0" must not get a busy loop

-- Retry-After in seconds (an HTTP date is not used by this API).
local function retry_after(res)
  local v = res and res.headers and tonumber(res.headers["retry-after"])
  if v and v >= 0 then return math.max(v, MIN_PAUSE) end
end

--- Poll a request until it is COMPLETED (returns its info) or FAILED
-- (nil, err with code "failed"). opts.timeout bounds the whole wait
-- (default 600 s; nil, err with code "timeout" when it runs out);
-- opts.interval is the pause when the server sends no Retry-After.
-- Transient failures (network, 429, 5xx) are polled through until then.
function spec.methods.wait_request(self, request_id, opts)
  local op = "tensorpool.wait_request"
  local id, want = args.path_segment(request_id)
  if id == nil then
    error(string.format("%s: request_id must be %s, got %s", op, want, args.describe(request_id)), 2)
  end
  if opts ~= nil and type(opts) ~= "table" then error(op .. ": options must be a table", 2) end
  opts = opts or {}
  for k, v in pairs(opts) do
    if k ~= "timeout" and k ~= "interval" then error(op .. ": unknown option '" .. tostring(k) .. "'", 2) end
    if type(v) ~= "number" or v ~= v or v < 0 then
      error(op .. ": '" .. k .. "' must be a non-negative number of seconds", 2)
    end
  end
  local limit = opts.timeout or DEFAULT_WAIT
  local interval = opts.interval or DEFAULT_INTERVAL
  local row = spec.ops.get_request_info
  local clock = client.clock(self)
  local deadline = clock.now() + limit
  local last, last_err
  while true do
    local remaining = deadline - clock.now()
    local per_call = math.min(self.timeout, math.max(remaining, 0.001))
    local info, err, res = client.perform(self, op, row, { request_id = id },
      { timeout = per_call, retries = 0 }) -- this loop is the retry
    local pause
    if info then
      if info.status then last = info end
      if info.status == "COMPLETED" then return info end
      if info.status == "FAILED" then
        return nil, errors.local_failure(op, "failed",
          info.external_message or ("request " .. id .. " failed"), { info = info, status = res.status })
      end
      pause = retry_after(res) or interval
    elseif err.retryable then
      last_err = err
      pause = retry_after(res) or interval
    else
      return nil, err
    end
    remaining = deadline - clock.now()
    if remaining <= 0 or TERMINAL[info and info.status] then
      local state = last and last.status or (last_err and tostring(last_err)) or "no answer"
      return nil, errors.local_failure(op, "timeout", string.format(
        "request %s not finished after %gs (last state: %s)", id, limit, state), { info = last })
    end
    clock.sleep(math.min(pause, remaining))
  end
end

return { spec = spec, new = client.define(spec) }
