-- The generic client. A provider (vast.lua, tensorpool.lua) is data: its
-- hosts, where its key comes from, and one row per operation. `define`
-- turns that into a constructor whose methods all go through one path:
-- check arguments, build the request, call the transport, decode,
-- normalise, detect failures, unwrap.

local args = require "gpucloud.args"
local bulk = require "gpucloud.bulk"
local errors = require "gpucloud.errors"
local json = require "gpucloud.json"
local list = require "gpucloud.list"
local pace = require "gpucloud.pace"
local retry = require "gpucloud.retry"

local M = {}

local VERSION = "0.1.0"
local DEFAULT_TIMEOUT = 60
local DEFAULT_CONNECT_TIMEOUT = 10

-- What must not be visible through pairs() or a debug dump of a client: the
-- key, and the handle behind the transport. Weak keys: a dropped client
-- takes its secrets with it.
local private = setmetatable({}, { __mode = "k" })

-- Inside a bulk task (a coroutine run by gpucloud.bulk) requests and pauses
-- go to the bulk scheduler instead of blocking: the task's coroutine maps
-- to the transport and clock to use.
local task_io = setmetatable({}, { __mode = "k" })

local function task()
  local co = coroutine.running()
  return co and task_io[co]
end

local client_options = {
  api_key = true, timeout = true, connect_timeout = true, transport = true,
  user_agent = true, ca_file = true, max_body = true, getenv = true, insecure = true,
  retries = true, backoff = true, deadline = true, rate = true,
  on_request = true, on_response = true, clock = true,
}
-- Options every call takes as its last argument; rows may add query options.
local call_options = {
  timeout = true, connect_timeout = true, max_body = true,
  retries = true, backoff = true, deadline = true, rate = true,
}

local function fail(level, fmt, ...)
  error(string.format(fmt, ...), level + 1)
end

local function check_seconds(where, name, v, level)
  if v ~= nil and (type(v) ~= "number" or v ~= v or v <= 0) then
    fail(level + 1, "%s: '%s' must be a positive number of seconds, got %s", where, name, args.describe(v))
  end
end

-- The options a client and a call share: checked the same way in both.
local function check_shared(where, o, level)
  check_seconds(where, "timeout", o.timeout, level + 1)
  check_seconds(where, "connect_timeout", o.connect_timeout, level + 1)
  check_seconds(where, "deadline", o.deadline, level + 1)
  if o.max_body ~= nil and (type(o.max_body) ~= "number" or o.max_body < 0) then
    fail(level + 1, "%s: 'max_body' must be a byte count", where)
  end
  local r = o.retries
  if r ~= nil and (type(r) ~= "number" or r < 0 or r ~= math.floor(r)) then
    fail(level + 1, "%s: 'retries' must be a whole number >= 0, got %s", where, args.describe(r))
  end
  local b = o.backoff
  if b ~= nil then
    if type(b) ~= "table" then fail(level + 1, "%s: 'backoff' must be a table {base, max}", where) end
    for k, v in pairs(b) do
      if (k ~= "base" and k ~= "max") or type(v) ~= "number" or v ~= v or v < 0 then
        fail(level + 1, "%s: 'backoff' takes base and max, in seconds >= 0", where)
      end
    end
  end
  local rate = o.rate
  if rate ~= nil and rate ~= true and rate ~= false and (type(rate) ~= "number" or rate ~= rate or rate <= 0) then
    fail(level + 1, "%s: 'rate' must be true, false or requests per second", where)
  end
end

local function check_key_text(where, source, key, level)
  if type(key) ~= "string" or key == "" then
    fail(level + 1, "%s: api_key must be a non-empty string", where)
  end
  if key:find("%c") then
    -- never echo the key itself
    fail(level + 1, "%s: the API key from %s contains control characters", where, source)
  end
end

local function check_url(where, name, url, level)
  if type(url) ~= "string" or not url:match("^https?://[^/%s]+") or url:find("[%s%c]") then
    fail(level + 1, "%s: '%s' must be an http:// or https:// URL, got %s", where, name, args.describe(url))
  end
  return (url:gsub("/+$", ""))
end

-- Base URLs: the constructor, then the environment, then the real host. A
-- host that `follows` another takes that one's override when it has none of
-- its own (Vast.ai's run host follows VAST_URL, as the official CLI does).
local function resolve_urls(spec, opts, getenv, where)
  local urls, overridden = {}, {}
  for name, h in pairs(spec.hosts) do
    local v = opts[h.option]
    if v == nil and h.env then
      v = getenv(h.env)
      if v == "" then v = nil end
    end
    if v ~= nil then
      urls[name] = check_url(where, h.option, v, 3)
      overridden[name] = true
    end
  end
  for name, h in pairs(spec.hosts) do
    if not urls[name] then
      urls[name] = (h.follows and overridden[h.follows]) and urls[h.follows] or h.default
    end
  end
  return urls
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function warn(msg)
  io.stderr:write("gpucloud: warning: ", msg, "\n")
end

-- ssh's rule for key files that others can read: say so, naming the file
-- (never the key), and go on, so an unattended job is not broken by it.
local function warn_if_exposed(path)
  local ok, core = pcall(require, "gpucloud.core")
  if not ok or type(core) ~= "table" or not core.file_mode then return end
  local mode = core.file_mode(path)
  if mode and mode % 64 ~= 0 then -- any of the group and other bits (077)
    warn(string.format("API key file %s is accessible by group or others (mode %03o); chmod 600 it",
      path, mode))
  end
end

-- Once per process: a warning repeated per client would be noise.
local warned_insecure = false

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- Where a provider's key may be, in order: its environment variables, then
-- its key files. Each place: a name for messages, and how to read it.
local function key_places(spec, getenv)
  local places = {}
  for _, name in ipairs(spec.key.env) do
    places[#places + 1] = { name = name, read = function() return getenv(name) end }
  end
  for _, path in ipairs(spec.key.files and spec.key.files(getenv) or {}) do
    places[#places + 1] = { name = path, read = function() return read_file(path) end, file = true }
  end
  return places
end

-- The key, looked up at the first call that needs it: the constructor, then
-- each place in the provider's order.
local function resolve_key(spec, p, op)
  if p.key then return p.key end
  local where = {}
  for _, place in ipairs(key_places(spec, p.getenv)) do
    local v = place.read()
    v = v and trim(v)
    if v and v ~= "" then
      check_key_text(op, place.name, v, 4)
      if place.file then warn_if_exposed(place.name) end
      p.key, p.key_source = v, place.name
      return v
    end
    where[#where + 1] = place.name
  end
  return nil, errors.local_failure(op, "no_api_key", string.format(
    "no %s API key: pass api_key to gpucloud.%s{}, or set it in %s",
    spec.title, spec.name, table.concat(where, ", ")))
end

-- Chosen per call (cosockets inside nginx, libcurl elsewhere): see
-- gpucloud/transport/init.lua for the rule.
local function default_transport(p)
  p.transport, p.handle = require("gpucloud.transport").auto()
  return p.transport
end

local function query_string(row, opts)
  if not row.query or not opts then return "" end
  local parts = {}
  for _, name in ipairs(row.query) do
    local v = opts[name]
    if v ~= nil then
      parts[#parts + 1] = args.encode(name) .. "=" .. args.encode(tostring(v))
    end
  end
  return #parts > 0 and ("?" .. table.concat(parts, "&")) or ""
end

-- What each row needs per call, worked out on its first call: whether its
-- path has placeholders, and an encoder for its body fields.
local compiled = setmetatable({}, { __mode = "k" })
local NO_OPTS = {}

local function compile(row)
  local c = {
    templated = row.path:find("{", 1, true) ~= nil,
    body = row.body and json.object_encoder(row.body),
  }
  compiled[row] = c
  return c
end

local function build_request(self, row, argv, opts, key)
  local c = compiled[row] or compile(row)
  local path = row.path
  if c.templated then
    path = path:gsub("{([%w_]+)}", function(name) return args.encode(argv[name]) end)
  end
  local headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Accept"] = "application/json",
    ["User-Agent"] = self.user_agent,
  }
  local body
  if c.body then
    body = c.body(argv)
    headers["Content-Type"] = "application/json"
  end
  opts = opts or NO_OPTS
  return {
    method = row.method,
    url = self.urls[row.host] .. path .. query_string(row, opts),
    headers = headers,
    body = body,
    timeout = opts.timeout or self.timeout,
    connect_timeout = opts.connect_timeout or self.connect_timeout,
    ca_file = self.ca_file,
    insecure = self.insecure,
    max_body = opts.max_body or self.max_body,
  }
end

-- A 2xx that says it failed: a bare JSON string where data was expected,
-- `success: false`, or an `error_msg` in place of the data.
local function says_failed(decoded, row)
  if type(decoded) == "string" then return true end
  if type(decoded) ~= "table" then return false end
  if decoded.success == false then return true end
  return decoded.error_msg ~= nil and (row.unwrap == nil or decoded[row.unwrap] == nil)
end

-- Listings carry per-endpoint credentials; an excerpt must not show them.
local function bad_response(op, status, message, raw)
  local excerpt = raw and errors.one_line(errors.mask_fields(raw):sub(1, 120)) or ""
  return errors.local_failure(op, "bad_response",
    excerpt ~= "" and (message .. "; body starts: " .. excerpt) or message,
    { status = status })
end

local function is_array(t)
  return t[1] ~= nil or next(t) == nil
end

--- Turn a transport response into the operation's result.
-- Returns value, nil, decoded on success; nil, err on failure.
function M.interpret(op, row, res)
  local status, raw = res.status, res.body or ""
  local decoded, derr
  if raw:find("%S") then decoded, derr = json.decode(raw) end
  if type(status) ~= "number" then
    return nil, bad_response(op, nil, "transport gave no HTTP status")
  end
  if status < 200 or status >= 300 then
    return nil, errors.from_response(op, status, decoded, raw)
  end
  if derr then return nil, bad_response(op, status, "response is not JSON (" .. derr .. ")", raw) end
  if decoded == nil then return nil, bad_response(op, status, "empty response") end
  if says_failed(decoded, row) then
    return nil, errors.from_response(op, status, decoded, raw)
  end
  if type(decoded) ~= "table" then
    return nil, bad_response(op, status, "expected a JSON object or array", raw)
  end
  local value = decoded
  if row.unwrap then
    local inner = decoded[row.unwrap]
    if type(inner) == "table" then
      value = inner
    elseif is_array(decoded) then
      value = decoded -- the bare-list form some servers answer
    elseif row.unwrap_optional and inner == nil then
      value = {}
    else
      return nil, bad_response(op, status, "expected '" .. row.unwrap .. "' in the response", raw)
    end
  end
  if row.list then
    if not is_array(value) then return nil, bad_response(op, status, "expected a list", raw) end
    value = list.new(value, row.id_field)
  end
  return value, nil, decoded
end

-- A per-call setting, else the client's.
local function setting(self, opts, name)
  if opts and opts[name] ~= nil then return opts[name] end
  return self[name]
end

local function policy_for(self, opts)
  local b = setting(self, opts, "backoff") or {}
  return {
    retries = setting(self, opts, "retries"),
    base = b.base or retry.DEFAULTS.base,
    max = b.max or retry.DEFAULTS.max,
  }
end

-- Book this operation's next slot in its token bucket; nil when unpaced.
local function pace_delay(self, p, op, row, opts, clock)
  local rate = pace.rate_for(setting(self, opts, "rate"), row)
  if not rate then return nil end
  local now = clock.now()
  local key = op .. "@" .. rate
  local bucket = p.buckets[key]
  if not bucket then
    bucket = pace.new(rate)
    p.buckets[key] = bucket
  end
  return bucket:reserve(now)
end

local function call_hook(hook, info)
  if hook and info then hook(info) end
end

--- The one path every operation takes. argv holds checked arguments.
-- Applies pacing and the retry policy around the transport.
-- Returns value, err, res, decoded (res is the last transport answer).
function M.perform(self, op, row, argv, opts)
  local p = private[self]
  if p.closed then error(op .. ": client is closed", 3) end
  local key, kerr = resolve_key(p.spec, p, op)
  if not key then return nil, kerr end
  local req = build_request(self, row, argv, opts, key)
  local io = task()
  local transport = io and io.transport or p.transport or default_transport(p)
  local clock = io and io.clock or p.clock
  local limit = setting(self, opts, "deadline")
  local deadline = limit and clock.now() + limit
  local per_try = req.timeout
  local attempt, landed, policy = 0, false, nil
  while true do
    attempt = attempt + 1
    local wait = pace_delay(self, p, op, row, opts, clock)
    if wait and wait > 0 then clock.sleep(wait) end
    if deadline then req.timeout = math.max(0.001, math.min(per_try, deadline - clock.now())) end
    -- The hooks' record of the attempt, and the clock readings it needs,
    -- only when a hook will read it.
    local info, t0
    if self.on_request or self.on_response then
      info = { op = op, method = req.method, url = req.url, attempt = attempt }
      call_hook(self.on_request, info)
      t0 = clock.now()
    end
    local res, terr = transport(req)
    local value, err, decoded
    if res then
      value, err, decoded = M.interpret(op, row, res)
    else
      err = errors.from_transport(op, terr)
    end
    if info then
      info.elapsed = clock.now() - t0
      info.status = res and res.status
      info.code = err and err.code
    end
    if value ~= nil then
      call_hook(self.on_response, info)
      return value, nil, res, decoded
    end
    err.attempts = attempt
    if landed and row.method == "DELETE" and retry.is_not_found(err) then
      -- an earlier attempt may have done the deletion and lost the answer
      err.server_code, err.code, err.maybe_deleted = err.code, "not_found", true
    end
    local delay
    policy = policy or policy_for(self, opts)
    if attempt <= policy.retries and retry.retryable(row, err) then
      local header = res and res.headers and res.headers["retry-after"]
      delay = retry.delay(policy, row, err, attempt, retry.parse_retry_after(header))
      if deadline and clock.now() + delay >= deadline then delay = nil end
    end
    if info then info.retry_in = delay end
    call_hook(self.on_response, info)
    -- a server that echoes the request back must not put the key in an error
    if not delay then return nil, errors.redact(err, key), res end
    landed = landed or retry.may_have_landed(err)
    clock.sleep(delay)
  end
end

local function check_call_options(op, row, opts)
  if opts == nil then return end
  if type(opts) ~= "table" then fail(3, "%s: options must be a table, got %s", op, type(opts)) end
  for k, v in pairs(opts) do
    if not call_options[k] then
      local known = false
      for _, q in ipairs(row.query or {}) do if q == k then known = true end end
      if not known then fail(3, "%s: unknown option '%s'", op, tostring(k)) end
      local ok, want = args.boolean(v)
      if ok == nil then fail(3, "%s: option '%s' must be %s", op, k, want) end
    end
  end
  check_shared(op, opts, 3)
end

local function make_method(spec, name, row)
  local op = spec.name .. "." .. name
  local params = row.args or {}
  local n = #params
  return function(self, ...)
    if private[self] == nil then
      fail(2, "%s: call it as a method (client:%s(...))", op, name)
    end
    local argv = {}
    for i = 1, n do
      local pname, check = params[i][1], args[params[i][2]]
      local v = (select(i, ...))
      local ok, want = check(v)
      if ok == nil then
        fail(2, "%s: %s must be %s, got %s", op, pname, want, args.describe(v))
      end
      argv[pname] = ok
    end
    local opts = (select(n + 1, ...))
    check_call_options(op, row, opts)
    local value, err, _, decoded = M.perform(self, op, row, argv, opts)
    if value == nil then return nil, err end
    if row.unwrap then return value, decoded end
    return value
  end
end

-- What runs a bulk call's requests concurrently: libcurl's multi for the
-- C transport, else the client's own transport function, in turn.
local function engine_for(p)
  if p.custom_transport then return bulk.sync_engine(p.transport) end
  if not p.multi then p.multi = require("gpucloud.core").multi() end
  return bulk.multi_engine(p.multi)
end

-- Run `row` for every item; `after(self, value, settings)` may continue each
-- successful call (waiting for a TensorPool request, say).
local function run_batch(self, op, row, items, opts, after)
  local where = op .. " (bulk)"
  local b, call = bulk.split_options(where, opts, 3)
  check_call_options(op, row, call)
  if b.wait ~= nil and not after then fail(3, "%s: 'wait' is not an option of %s", where, op) end
  local argvs, ids, skipped = bulk.check_items(where, row, items, 3)
  local deleting = row.method == "DELETE"
  local max = b.max or bulk.DEFAULT_MAX
  if deleting and #ids > max then
    fail(3, "%s: refusing to delete %d ids, more than max = %d (raise opts.max to go ahead)", where, #ids, max)
  end
  local p = private[self]
  if p.closed then fail(3, "%s: client is closed", where) end
  local report = bulk.new_report {
    total = #ids, order = ids, ok = {}, failed = {}, skipped = skipped, results = {}, maybe_deleted = {},
    dry_run = b.dry_run and true or false, elapsed = 0,
    verb = deleting and "delete" or "run", done_verb = deleting and "deleted" or "done",
  }
  if b.dry_run then
    report.would_delete = {}
    for i, id in ipairs(ids) do report.would_delete[i] = id end
    return report
  end
  local t0 = p.clock.now()
  local function one(argv)
    local value, err = M.perform(self, op, row, argv, call)
    if value ~= nil and after then return after(self, value, b) end
    return value, err
  end
  local run = {
    clock = p.clock, concurrency = b.concurrency or bulk.DEFAULT_CONCURRENCY,
    on_progress = b.on_progress, bind = function(co, io) task_io[co] = io end,
  }
  local results
  if not p.custom_transport and require("gpucloud.transport").current() == "ngx" then
    results = bulk.run_threads(argvs, one, run)
  else
    run.engine = engine_for(p)
    results = bulk.run(argvs, one, run)
  end
  for i, id in ipairs(ids) do
    local value, err = results[i][1], results[i][2]
    if value ~= nil then
      report.ok[#report.ok + 1] = id
      report.results[id] = value
    elseif err.maybe_deleted then
      -- gone, and perhaps by this very call: for a clean-up that is done
      report.ok[#report.ok + 1] = id
      report.maybe_deleted[#report.maybe_deleted + 1] = id
    else
      report.failed[id] = err
    end
  end
  report.elapsed = p.clock.now() - t0
  return report
end

--- Build a provider's constructor from its spec.
function M.define(spec)
  local class = {}
  class.__index = class
  class.__name = "gpucloud." .. spec.name

  for name, row in pairs(spec.ops) do
    class[name] = make_method(spec, name, row)
  end
  for name, fn in pairs(spec.methods or {}) do
    class[name] = fn
  end

  --- client:batch(op_name, items, opts): `op_name` for every item, at once.
  function class.batch(self, name, items, opts)
    local row = spec.ops[name]
    if not row then fail(2, "gpucloud.%s.batch: unknown operation '%s'", spec.name, tostring(name)) end
    return run_batch(self, spec.name .. "." .. name, row, items, opts)
  end
  for name, b in pairs(spec.bulk or {}) do
    local row = spec.ops[b.op]
    class[name] = function(self, items, opts)
      return run_batch(self, spec.name .. "." .. b.op, row, items, opts, b.after)
    end
  end

  --- Release the connection handle. Idempotent; later calls raise.
  function class.close(self)
    local p = private[self]
    if p and not p.closed then
      p.closed = true
      if p.handle then p.handle:close() end
      if p.multi then p.multi:close() end
      p.handle, p.transport, p.multi = nil, nil, nil
    end
  end
  class.__close = class.close

  class.__tostring = function(self)
    local p = private[self]
    local hosts = {}
    for h in pairs(spec.hosts) do hosts[#hosts + 1] = h end
    table.sort(hosts)
    for i, h in ipairs(hosts) do hosts[i] = h .. "=" .. self.urls[h] end
    local key = p.key_source and ("key from " .. p.key_source) or "key not yet looked up"
    return string.format("gpucloud.%s{%s; %s%s}", spec.name, table.concat(hosts, ", "), key,
      p.closed and "; closed" or "")
  end

  local allowed = {}
  for k in pairs(client_options) do allowed[k] = true end
  for _, h in pairs(spec.hosts) do allowed[h.option] = true end

  return function(opts)
    local where = "gpucloud." .. spec.name
    if opts ~= nil and type(opts) ~= "table" then
      fail(2, "%s: options must be a table, got %s", where, type(opts))
    end
    opts = opts or {}
    for k in pairs(opts) do
      if not allowed[k] then fail(2, "%s: unknown option '%s'", where, tostring(k)) end
    end
    check_shared(where, opts, 2)
    for _, hook in ipairs { "on_request", "on_response" } do
      if opts[hook] ~= nil and type(opts[hook]) ~= "function" then
        fail(2, "%s: '%s' must be a function(info)", where, hook)
      end
    end
    if opts.transport ~= nil and type(opts.transport) ~= "function" then
      fail(2, "%s: 'transport' must be a function(req) -> res | nil, err", where)
    end
    if opts.getenv ~= nil and type(opts.getenv) ~= "function" then
      fail(2, "%s: 'getenv' must be a function", where)
    end
    if opts.clock ~= nil and (type(opts.clock) ~= "table" or type(opts.clock.now) ~= "function"
        or type(opts.clock.sleep) ~= "function") then
      fail(2, "%s: 'clock' must be a table {now = fn, sleep = fn}", where)
    end
    if opts.api_key ~= nil then check_key_text(where, "the api_key option", opts.api_key, 2) end
    if opts.ca_file ~= nil and (type(opts.ca_file) ~= "string" or opts.ca_file == "") then
      fail(2, "%s: 'ca_file' must be the path of a PEM file", where)
    end
    if opts.insecure ~= nil and type(opts.insecure) ~= "boolean" then
      fail(2, "%s: 'insecure' must be a boolean", where)
    end
    if opts.insecure and not warned_insecure then
      warned_insecure = true
      warn("insecure = true: TLS certificates and host names are not checked; " ..
        "anyone on the network path can read the API key and forge answers")
    end
    local getenv = opts.getenv or os.getenv

    local self = setmetatable({
      provider = spec.name,
      urls = resolve_urls(spec, opts, getenv, where),
      timeout = opts.timeout or DEFAULT_TIMEOUT,
      connect_timeout = opts.connect_timeout or DEFAULT_CONNECT_TIMEOUT,
      user_agent = opts.user_agent or ("gpucloud/" .. VERSION),
      ca_file = opts.ca_file,
      insecure = opts.insecure or nil,
      max_body = opts.max_body,
      retries = opts.retries or retry.DEFAULTS.retries,
      backoff = opts.backoff,
      deadline = opts.deadline,
      rate = opts.rate or false,
      on_request = opts.on_request,
      on_response = opts.on_response,
    }, class)
    private[self] = {
      spec = spec,
      key = opts.api_key,
      key_source = opts.api_key and "the api_key option" or nil,
      getenv = getenv,
      transport = opts.transport,
      custom_transport = opts.transport ~= nil,
      clock = opts.clock or require "gpucloud.clock",
      buckets = {},
    }
    return self
  end
end

--- The clock a client waits with ({now, sleep}), a bulk task's inside one.
function M.clock(self)
  local p = private[self]
  local io = task()
  return io and io.clock or p.clock
end

M.VERSION = VERSION

return M
