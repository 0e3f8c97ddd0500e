-- Every option and its default, in one schema: what a client takes, what a
-- call takes, what a bulk call and a wait add. Checks raise (misuse), with
-- the option's name. Also the base URLs (option, environment, real host);
-- the API key's places are in keys.lua.

local args = require "gpucloud.args"

local M = {}

M.VERSION = "0.2.0"

local function fail(level, fmt, ...)
  error(string.format(fmt, ...), level + 1)
end

------------------------------------------------------------------------
-- Kinds of value: each check returns the value to use or raises.

local kinds = {}
M.kinds = kinds

-- A finite number that `ok` accepts, described as `what` when it is not.
local function number(ok, what)
  return function(where, name, v, level)
    if type(v) ~= "number" or v ~= v or v == math.huge or not ok(v) then
      fail(level + 1, "%s: '%s' must be %s, got %s", where, name, what, args.describe(v))
    end
    return v
  end
end
kinds.pause = number(function(v) return v >= 0 end, "a number of seconds >= 0")
kinds.seconds = number(function(v) return v > 0 end, "a positive number of seconds")
kinds.count = number(function(v) return v >= 0 and v == math.floor(v) end, "a whole number >= 0")
kinds.positive_count = number(function(v) return v >= 1 and v == math.floor(v) end, "a whole number >= 1")
kinds.bytes = number(function(v) return v >= 0 end, "a byte count")

function kinds.backoff(where, name, v, level)
  if type(v) ~= "table" then fail(level + 1, "%s: '%s' must be a table {base, max}", where, name) end
  for k, x in pairs(v) do
    if (k ~= "base" and k ~= "max") or type(x) ~= "number" or x ~= x or x < 0 then
      fail(level + 1, "%s: '%s' takes base and max, in seconds >= 0", where, name)
    end
  end
  return v
end

function kinds.rate(where, name, v, level)
  if v ~= true and v ~= false and (type(v) ~= "number" or v ~= v or v <= 0) then
    fail(level + 1, "%s: '%s' must be true, false or requests per second", where, name)
  end
  return v
end

function kinds.boolean(where, name, v, level)
  if type(v) ~= "boolean" then fail(level + 1, "%s: '%s' must be a boolean", where, name) end
  return v
end

function kinds.func(where, name, v, level)
  if type(v) ~= "function" then fail(level + 1, "%s: '%s' must be a function", where, name) end
  return v
end

function kinds.text(where, name, v, level)
  if type(v) ~= "string" or v == "" then fail(level + 1, "%s: '%s' must be a non-empty string", where, name) end
  return v
end

function kinds.url(where, name, v, level)
  local url, want = args.url(v)
  if not url then fail(level + 1, "%s: '%s' must be %s, got %s", where, name, want, args.describe(v)) end
  return url
end

function kinds.api_key(where, name, v, level)
  if type(v) ~= "string" or v == "" then fail(level + 1, "%s: '%s' must be a non-empty string", where, name) end
  -- never echo the key itself
  if v:find("%c") then fail(level + 1, "%s: the API key from %s contains control characters", where, name) end
  return v
end

-- A journal: a file name, or what gpucloud.journal.open made.
function kinds.journal(where, name, v, level)
  if (type(v) == "string" and v ~= "") or (type(v) == "table" and v.journal == true) then return v end
  fail(level + 1, "%s: '%s' must be a file name (the journal's)", where, name)
end

function kinds.table(where, name, v, level)
  return type(v) == "table" and v or fail(level + 1, "%s: '%s' must be a table", where, name)
end

function kinds.runtime(where, name, v, level)
  if v == "auto" or v == "curl" or v == "ngx" then return v end
  if type(v) == "table" and type(v.request) == "function" and type(v.now) == "function"
      and type(v.sleep) == "function" then
    return v
  end
  fail(level + 1, "%s: '%s' must be \"auto\", \"curl\", \"ngx\" or a table {request, now, sleep[, run_all, close]}",
    where, name)
end

------------------------------------------------------------------------
-- The schema. scope: client (the constructor), call (every operation's
-- last argument; the client's value is the default), bulk (bulk calls and
-- client:batch, on top of call), wait (waits for an asynchronous request),
-- paged (paged listings, on top of call).

local O = {
  api_key = { kind = "api_key", scope = "client",
    doc = "the account's API key (else the provider's environment variables and key files)" },
  timeout = { kind = "seconds", default = 60, scope = "client call",
    doc = "seconds one attempt may take, connect included" },
  connect_timeout = { kind = "seconds", default = 10, scope = "client call",
    doc = "seconds a connection may take to open" },
  deadline = { kind = "seconds", scope = "client call bulk wait fleet",
    doc = "seconds the whole call may take, retries, pauses and waits included (a bulk call: all of it)" },
  retries = { kind = "count", default = 3, scope = "client call",
    doc = "attempts after the first, for failures worth repeating" },
  backoff = { kind = "backoff", default = { base = 0.25, max = 8 }, scope = "client call",
    doc = "{base, max} seconds: the backoff before retry n is random in [0, min(max, base*2^(n-1))];" ..
      " a server's Retry-After longer than max ends the call" },
  rate = { kind = "rate", default = false, defaults = { fleet = true }, scope = "client call fleet",
    doc = "pacing: false, true (the operation's documented rate) or requests per second" },
  max_body = { kind = "bytes", default = 64 * 1024 * 1024, scope = "client call",
    doc = "the largest answer body accepted, in bytes" },
  runtime = { kind = "runtime", default = "auto", scope = "client",
    doc = "\"auto\" (cosockets inside nginx where allowed, else libcurl), \"curl\", \"ngx\", or a runtime table" },
  transport = { kind = "func", scope = "client",
    doc = "function(req) -> res | nil, err: send every request through it (bulk calls run in turn)" },
  user_agent = { kind = "text", scope = "client", doc = "the User-Agent header" },
  ca_file = { kind = "text", scope = "client", doc = "a PEM file of CA certificates to trust" },
  insecure = { kind = "boolean", default = false, scope = "client",
    doc = "do not verify TLS certificates (warns once; for tests only)" },
  getenv = { kind = "func", scope = "client", doc = "os.getenv's stand-in, for the key and URL lookup" },
  journal = { kind = "journal", scope = "client call fleet",
    doc = "a file: one synced JSON line before and after each destructive call (gpucloud journal check reads it)" },
  on_request = { kind = "func", scope = "client", doc = "hook: function(info) before each attempt" },
  on_response = { kind = "func", scope = "client", doc = "hook: function(info) after each attempt" },
  pace_dict = { kind = "text", scope = "client",
    doc = "inside nginx: a lua_shared_dict that holds the pacing buckets, shared by every worker" },

  concurrency = { kind = "positive_count", default = 8, scope = "bulk fleet", doc = "requests in flight at once" },
  dry_run = { kind = "boolean", default = false, scope = "bulk fleet", doc = "send nothing; report what would go" },
  max = { kind = "count", default = 50, scope = "bulk fleet",
    doc = "refuse (raise) to delete more ids than this before anything is sent" },
  on_progress = { kind = "func", scope = "bulk", doc = "function(done, total) after each item" },
  wait = { kind = "boolean", default = false, defaults = { fleet = true }, scope = "bulk fleet",
    doc = "wait for each accepted asynchronous request to end" },
  verify = { kind = "boolean", default = false, scope = "fleet",
    doc = "fleet delete: list again afterwards; what is still there moves from ok to failed" },
  force = { kind = "boolean", default = false, scope = "fleet",
    doc = "fleet delete: no re-read to skip what changed since the plan (the report says so)" },
  keep = { kind = "table", scope = "fleet",
    doc = "fleet delete: keep rules (gpucloud.fleet.keep): a thing one matches is skipped, with the rule" },
  unprotect = { kind = "boolean", default = false, scope = "bulk fleet",
    doc = "when a destroy is refused for deletion protection, turn it off (and wait for that), then destroy again" },
  prices = { kind = "table", scope = "pricing", doc = "rates in USD: {provider = {table = $ | {key = $}}}" },
  wait_timeout = { kind = "seconds", scope = "bulk", deprecated = "deadline",
    doc = "deprecated: use deadline" },
  interval = { kind = "pause", default = 2, scope = "wait",
    doc = "seconds between polls when the server sends no Retry-After" },

  max_pages = { kind = "positive_count", default = 1000, scope = "paged",
    doc = "a paged listing that needs more pages than this fails (code too_large) instead of going on" },
  page_size = { kind = "positive_count", scope = "paged",
    doc = "items per page of a paged listing (default, and at most, the operation's documented limit)" },
}
M.OPTIONS = O

-- What a wait may take when the caller sets no deadline: the official
-- TensorPool CLI waits forever; a script must not.
M.WAIT_DEADLINE = 600
M.USER_AGENT = "gpucloud/" .. M.VERSION

-- What an answer's head may spend: the C core's hard limits
-- (src/http_parse.h), which the cosocket reader keeps too.
M.LIMITS = { header_bytes = 256 * 1024, header_lines = 500 }

local function in_scope(o, scope)
  return o.scope:find(scope, 1, true) ~= nil
end

--- The default of option `name` (in `scope`, where it differs there).
function M.default(name, scope)
  local o = O[name]
  if not o then return nil end
  if scope and o.defaults and o.defaults[scope] ~= nil then return o.defaults[scope] end
  return o.default
end

local warned = {}

-- Once per process and name: a warning repeated per call would be noise.
function M.warn(msg)
  if warned[msg] then return end
  warned[msg] = true
  io.stderr:write("gpucloud: warning: ", msg, "\n")
end

-- Check the options of `scope` in `opts` (plus `extra` names: a row's query
-- options, kind in the value); raise on anything unknown.
local function check(where, scope, opts, extra, level, also)
  if opts == nil then return {} end
  if type(opts) ~= "table" then fail(level + 1, "%s: options must be a table, got %s", where, type(opts)) end
  for k, v in pairs(opts) do
    local o = O[k]
    local kind = extra and extra[k]
    if kind then
      local ok, why = args.check(kind, v, "option '" .. tostring(k) .. "'")
      if ok == nil then fail(level + 1, "%s: %s", where, why) end
    elseif o and (in_scope(o, scope) or (also and in_scope(o, also))) then
      kinds[o.kind](where, k, v, level + 1)
      if o.deprecated then
        M.warn(string.format("%s: '%s' is deprecated; use '%s'", where, k, o.deprecated))
      end
    else
      fail(level + 1, "%s: unknown option '%s'", where, tostring(k))
    end
  end
  return opts
end

-- A row's own options, sent in the query string or the body: name -> kind.
local function query_kinds(row)
  if not row.query and not row.body_opts then return nil end
  local t = {}
  for _, q in ipairs(row.query or {}) do t[q[1]] = q[2] end
  for _, q in ipairs(row.body_opts or {}) do t[q[1]] = q[2] end
  return t
end

--- Check the options of `scope` ("fleet", ...) and fill in the defaults
-- of that scope; returns a new table. Raises on misuse.
function M.scoped(where, scope, opts, level)
  check(where, scope, opts, nil, (level or 1) + 1)
  local out = {}
  for name, o in pairs(O) do
    if in_scope(o, scope) then
      local v = opts and opts[name]
      if v == nil then v = M.default(name, scope) end
      out[name] = v
    end
  end
  return out
end

--- Check a call's options (raises on misuse); returns them (or {}).
function M.call(where, row, opts, level)
  return check(where, "call", opts, query_kinds(row), (level or 1) + 1)
end

--- Check a wait's options; returns {deadline, interval}.
function M.wait(where, opts, level)
  opts = opts or {}
  if type(opts) == "table" and opts.timeout ~= nil and opts.deadline == nil then
    M.warn(where .. ": 'timeout' is deprecated here; use 'deadline'")
    kinds.seconds(where, "timeout", opts.timeout, (level or 1) + 1)
    local copy = {}
    for k, v in pairs(opts) do copy[k] = v end
    copy.deadline, copy.timeout = copy.timeout, nil
    opts = copy
  end
  check(where, "wait", opts, nil, (level or 1) + 1)
  return { deadline = opts.deadline or M.WAIT_DEADLINE, interval = opts.interval or O.interval.default }
end

--- Split a bulk call's options into bulk settings (with defaults) and the
-- per-call options; raises on misuse.
function M.bulk(where, row, opts, level)
  level = (level or 1) + 1
  if opts ~= nil and type(opts) ~= "table" then fail(level, "%s: options must be a table", where) end
  local b, c = {}, {}
  for k, v in pairs(opts or {}) do
    local o = O[k]
    if o and in_scope(o, "bulk") then b[k] = v else c[k] = v end
  end
  check(where, "bulk", b, nil, level)
  check(where, "call", c, query_kinds(row), level)
  for name, o in pairs(O) do
    if in_scope(o, "bulk") and b[name] == nil then b[name] = o.default end
  end
  -- a bulk call's deadline is the whole run's; each call gets what is left
  c.deadline = nil
  -- bulk work is paced at the documented rates unless told otherwise
  if c.rate == nil then c.rate = true end
  return b, c
end

--- A paged listing's options -> its paging settings (max_pages, page_size) and
-- the per-page call options, paced unless told otherwise: a listing is many requests.
function M.paged(where, row, opts, level)
  level = (level or 1) + 1
  check(where, "call", opts, query_kinds(row), level, "paged")
  local most = row.paged.limit
  local s, c = { max_pages = O.max_pages.default, page_size = most }, {}
  for k, v in pairs(opts or {}) do
    if O[k] and in_scope(O[k], "paged") then s[k] = v else c[k] = v end
  end
  if most and s.page_size > most then
    fail(level, "%s: 'page_size' may be at most %d, got %d", where, most, s.page_size)
  end
  if c.rate == nil then c.rate = true end
  return s, c
end

------------------------------------------------------------------------
-- Clients

--- Check a constructor's options against the schema and the provider's
-- hosts; returns the public settings and the private ones.
function M.client(spec, opts, level)
  level = (level or 1) + 1
  local where = "gpucloud." .. spec.name
  local hosts = {}
  for _, h in pairs(spec.hosts) do hosts[h.option] = "url" end
  if opts ~= nil and type(opts) ~= "table" then
    fail(level, "%s: options must be a table, got %s", where, type(opts))
  end
  opts = opts or {}
  for k, v in pairs(opts) do
    if hosts[k] then
      kinds.url(where, k, v, level)
    elseif not (O[k] and in_scope(O[k], "client")) then
      fail(level, "%s: unknown option '%s'", where, tostring(k))
    else
      kinds[O[k].kind](where, k, v, level)
    end
  end
  if opts.runtime ~= nil and opts.transport ~= nil then
    fail(level, "%s: give 'runtime' or 'transport', not both", where)
  end
  if opts.insecure then
    M.warn("insecure = true: TLS certificates and host names are not checked; " ..
      "anyone on the network path can read the API key and forge answers")
  end
  local getenv = opts.getenv or os.getenv
  local settings = {
    provider = spec.name,
    urls = M.urls(spec, opts, getenv, where, level),
    user_agent = opts.user_agent or M.USER_AGENT,
    ca_file = opts.ca_file,
    insecure = opts.insecure or nil,
    on_request = opts.on_request,
    on_response = opts.on_response,
  }
  for name, o in pairs(O) do
    if o.scope:find("client call", 1, true) then
      local v = opts[name]
      if v == nil then v = o.default end
      settings[name] = v
    end
  end
  local private = {
    key = opts.api_key,
    key_source = opts.api_key and "the api_key option" or nil,
    getenv = getenv,
    runtime = opts.transport or opts.runtime or O.runtime.default,
    pace_dict = opts.pace_dict,
  }
  return settings, private
end

--- A per-call setting, else the client's.
function M.setting(client, opts, name)
  if opts and opts[name] ~= nil then return opts[name] end
  return client[name]
end

-- Base URLs: the constructor, then the environment, then the real host. A
-- host that `follows` another takes that one's override when it has none of
-- its own (Vast.ai's run host follows VAST_URL, as the official CLI does).
function M.urls(spec, opts, getenv, where, level)
  local urls, overridden = {}, {}
  for name, h in pairs(spec.hosts) do
    local v = opts[h.option]
    if v == nil and h.env then
      v = getenv(h.env)
      if v == "" then v = nil end
      if v ~= nil then v = kinds.url(where, h.env, v, level + 1) end
    end
    if v ~= nil then
      urls[name] = (v:gsub("/+$", ""))
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

--- The API key (looked up once, at the first call that needs it): see
-- keys.lua.
function M.key(spec, p, op)
  return require("gpucloud.keys").lookup(spec, p, op)
end

return M
