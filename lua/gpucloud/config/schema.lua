-- The options schema: every option, its kind of value, its scopes and its
-- default, in one table; and the kinds' checks, which raise (misuse) with
-- the option's name. What checks a table of options against it is
-- config/options.lua; the settings a client is made of, config/client.lua.

local args = require "gpucloud.args"

local M = {}

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
-- paged (paged listings, on top of call), plan (fleet:plan and rows:plan).

local O = {
  api_key = { kind = "api_key", scope = "client",
    doc = "the account's API key (else the provider's environment variables and key files)" },
  timeout = { kind = "seconds", default = 60, scope = "client call",
    doc = "seconds one attempt may take, connect included" },
  connect_timeout = { kind = "seconds", default = 10, scope = "client call",
    doc = "seconds a connection may take to open" },
  -- a wait with no deadline of the caller's takes WAIT's: the official
  -- TensorPool CLI waits forever; a script must not
  deadline = { kind = "seconds", defaults = { wait = 600 }, scope = "client call bulk wait fleet",
    doc = "seconds the whole call may take, retries, pauses and waits included (a bulk call: all of it;" ..
      " a wait: 600 unless given)" },
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
  keep = { kind = "table", scope = "fleet plan",
    doc = "fleet delete: keep rules (gpucloud.fleet.keep): a thing one matches is skipped, with the rule" },
  expires = { kind = "seconds", default = 86400, scope = "plan",
    doc = "seconds a plan stays valid: fleet:delete refuses it afterwards" },
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


--- Whether option `o` (a schema entry) applies in `scope`.
function M.in_scope(o, scope)
  return o.scope:find(scope, 1, true) ~= nil
end

--- The default of option `name` (in `scope`, where it differs there).
function M.default(name, scope)
  local o = O[name]
  if not o then return nil end
  if scope and o.defaults and o.defaults[scope] ~= nil then return o.defaults[scope] end
  return o.default
end

return M
