-- The generic client. A provider (vast.lua, tensorpool.lua) is data: its
-- hosts, where its key comes from, and one row per operation. `define`
-- turns that into a constructor whose methods all go through one path:
-- check arguments, build the request, call the transport, decode,
-- normalise, detect failures, unwrap.

local args = require "gpucloud.args"
local errors = require "gpucloud.errors"
local json = require "gpucloud.json"
local list = require "gpucloud.list"

local M = {}

local VERSION = "0.1.0"
local DEFAULT_TIMEOUT = 60
local DEFAULT_CONNECT_TIMEOUT = 10

-- What must not be visible through pairs() or a debug dump of a client: the
-- key, and the handle behind the transport. Weak keys: a dropped client
-- takes its secrets with it.
local private = setmetatable({}, { __mode = "k" })

local client_options = {
  api_key = true, timeout = true, connect_timeout = true, transport = true,
  user_agent = true, ca_file = true, max_body = true, getenv = true, insecure = true,
}
local call_options = { timeout = true, connect_timeout = true, max_body = true }

local function fail(level, fmt, ...)
  error(string.format(fmt, ...), level + 1)
end

local function check_seconds(where, name, v, level)
  if v ~= nil and (type(v) ~= "number" or v ~= v or v <= 0) then
    fail(level + 1, "%s: '%s' must be a positive number of seconds, got %s", where, name, args.describe(v))
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

-- The key, looked up at the first call that needs it: the constructor, then
-- the environment variables, then the key files, in the provider's order.
local function resolve_key(spec, p, op)
  if p.key then return p.key end
  local where = {}
  for _, name in ipairs(spec.key.env) do
    local v = p.getenv(name)
    if v and trim(v) ~= "" then
      v = trim(v)
      check_key_text(op, name, v, 4)
      p.key, p.key_source = v, name
      return v
    end
    where[#where + 1] = name
  end
  for _, path in ipairs(spec.key.files and spec.key.files(p.getenv) or {}) do
    local v = read_file(path)
    if v and trim(v) ~= "" then
      v = trim(v)
      check_key_text(op, path, v, 4)
      warn_if_exposed(path)
      p.key, p.key_source = v, path
      return v
    end
    where[#where + 1] = path
  end
  return nil, errors.local_failure(op, "no_api_key", string.format(
    "no %s API key: pass api_key to gpucloud.%s{}, or set it in %s",
    spec.title, spec.name, table.concat(where, ", ")))
end

local function default_transport(p)
  local t = require "gpucloud.transport.curl"
  p.transport, p.handle = t.new()
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

local function build_request(self, row, argv, opts, key)
  local path = row.path:gsub("{([%w_]+)}", function(name) return args.encode(argv[name]) end)
  local headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Accept"] = "application/json",
    ["User-Agent"] = self.user_agent,
  }
  local body
  if row.body then
    local fields = {}
    for _, name in ipairs(row.body) do fields[name] = argv[name] end
    body = json.encode_object(fields)
    headers["Content-Type"] = "application/json"
  end
  opts = opts or {}
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

--- The one path every operation takes. argv holds checked arguments.
-- Returns value, err, res, decoded (res is the transport's answer, when any).
function M.perform(self, op, row, argv, opts)
  local p = private[self]
  if p.closed then error(op .. ": client is closed", 3) end
  local key, kerr = resolve_key(p.spec, p, op)
  if not key then return nil, kerr end
  local req = build_request(self, row, argv, opts, key)
  local transport = p.transport or default_transport(p)
  local res, terr = transport(req)
  if not res then return nil, errors.redact(errors.from_transport(op, terr), key) end
  local value, err, decoded = M.interpret(op, row, res)
  return value, errors.redact(err, key), res, decoded
end

local function check_call_options(op, row, opts)
  if opts == nil then return end
  if type(opts) ~= "table" then fail(3, "%s: options must be a table, got %s", op, type(opts)) end
  for k, v in pairs(opts) do
    if call_options[k] then
      check_seconds(op, k, k ~= "max_body" and v or nil, 3)
    else
      local known = false
      for _, q in ipairs(row.query or {}) do if q == k then known = true end end
      if not known then fail(3, "%s: unknown option '%s'", op, tostring(k)) end
      local ok, want = args.boolean(v)
      if ok == nil then fail(3, "%s: option '%s' must be %s", op, k, want) end
    end
  end
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

  --- Release the connection handle. Idempotent; later calls raise.
  function class.close(self)
    local p = private[self]
    if p and not p.closed then
      p.closed = true
      if p.handle then p.handle:close() end
      p.handle, p.transport = nil, nil
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
    check_seconds(where, "timeout", opts.timeout, 2)
    check_seconds(where, "connect_timeout", opts.connect_timeout, 2)
    if opts.transport ~= nil and type(opts.transport) ~= "function" then
      fail(2, "%s: 'transport' must be a function(req) -> res | nil, err", where)
    end
    if opts.getenv ~= nil and type(opts.getenv) ~= "function" then
      fail(2, "%s: 'getenv' must be a function", where)
    end
    if opts.max_body ~= nil and (type(opts.max_body) ~= "number" or opts.max_body < 0) then
      fail(2, "%s: 'max_body' must be a byte count", where)
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
    }, class)
    private[self] = {
      spec = spec,
      key = opts.api_key,
      key_source = opts.api_key and "the api_key option" or nil,
      getenv = getenv,
      transport = opts.transport,
    }
    return self
  end
end

M.VERSION = VERSION

return M
