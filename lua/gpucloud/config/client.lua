-- The settings a client is made of: its constructor's options checked
-- against the schema and the provider's hosts, the defaults filled in, the
-- base URLs worked out (config/urls.lua); and a call's setting, its own
-- option else the client's.

local schema = require "gpucloud.config.schema"
local urls = require("gpucloud.config.urls").urls
local warn = require "gpucloud.warn"

local M = {}

local O, kinds = schema.OPTIONS, schema.kinds

--- The library's version, and the User-Agent it sends unless told otherwise.
M.VERSION = "0.2.0"
local USER_AGENT = "gpucloud/" .. M.VERSION
M.USER_AGENT = USER_AGENT

local function fail(level, fmt, ...)
  error(string.format(fmt, ...), level + 1)
end

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
    elseif not (O[k] and schema.in_scope(O[k], "client")) then
      fail(level, "%s: unknown option '%s'", where, tostring(k))
    else
      kinds[O[k].kind](where, k, v, level)
    end
  end
  if opts.runtime ~= nil and opts.transport ~= nil then
    fail(level, "%s: give 'runtime' or 'transport', not both", where)
  end
  if opts.insecure then
    warn("insecure = true: TLS certificates and host names are not checked; " ..
      "anyone on the network path can read the API key and forge answers")
  end
  local getenv = opts.getenv or os.getenv
  local settings = {
    provider = spec.name,
    urls = urls(spec, opts, getenv, where, level),
    user_agent = opts.user_agent or USER_AGENT,
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

return M
