-- The simulator's router: for each request, match a route, take an
-- injection rule, apply rate limits and auth, run the handler, record what
-- happened. Pure Lua 5.1..5.4 / LuaJIT with no ngx dependency, so specs
-- drive it without sockets and the nginx glue (gpucloud.sim.ngx) only
-- moves bytes. What it serves is the providers' rows (each provider's
-- sim/, gpucloud.providers.<name>.sim) and the control plane's
-- (gpucloud.sim.control).
--
--   local app = require("gpucloud.sim.app").new(fixture_table_or_nil)
--   local status, headers, body, directives = app:handle(method, path_with_query,
--                                                        headers, body)
--
-- `directives` tells the transport what the app cannot do itself: `delay`
-- (seconds to sleep before answering), `fault` ("close": drop the
-- connection without an answer; "truncate": promise the whole body, send
-- part, then drop; "raw": write the rule's `raw` pieces, `pause` seconds
-- apart, then drop), `error` (an internal error message to log).
--
-- A handler takes one request table and returns status, value, headers:
--   req.method, req.path, req.query (decoded table), req.query_string,
--   req.headers (lowercase names), req.body (string), req.json (the decoded
--   body, or nil; req.json_error says why), req.captures (the template's
--   {params} in order, percent-decoded), req.params (the same by name),
--   req.bearer (the Authorization bearer token), req.key (what the row's
--   auth scheme returned), req.state (the provider's state), req.config,
--   req.route (the row); control handlers get req.app.
-- A string value is the body as it is; any other value is encoded as JSON.
-- Content-Type is application/json unless the headers say otherwise.
--
-- All state lives in the app object; the module holds only constants.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local fixture = require "gpucloud.sim.fixture"
local faults = require "gpucloud.sim.faults"
local control = require "gpucloud.sim.control"

local M = {}

local App = {}
App.__index = App

local format, concat = string.format, table.concat

local LOG_MAX = 1000
local DEFAULT_CONFIG = { retry_after = "1" }
local JSON_TYPE = "application/json"

-- Providers in matching order: the first row whose method and template
-- match a request serves it.
local PROVIDERS = {}
for _, p in ipairs(require("gpucloud.providers").parts("sim")) do PROVIDERS[#PROVIDERS + 1] = p.module end

---------------------------------------------------------------- routes

-- Turn rows {method, template, handler, auth=, rate=} into matchable routes.
local function compile(rows, provider, into)
  for _, r in ipairs(rows) do
    local route = {
      method = r[1], template = r[2], handler = r[3], auth = r.auth, rate = r.rate,
      provider = provider, names = {},
    }
    if type(route.handler) ~= "function" then error("route " .. tostring(r[2]) .. ": no handler", 2) end
    if route.auth and not (provider and provider.auth and provider.auth[route.auth]) then
      error("route " .. r[2] .. ": unknown auth scheme " .. tostring(route.auth), 2)
    end
    route.key = route.method .. " " .. route.template
    for name in route.template:gmatch("{([%w_]+)}") do route.names[#route.names + 1] = name end
    local pat = route.template:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
    route.pattern = "^" .. pat:gsub("{[%w_]+}", "([^/]+)") .. "$"
    into[#into + 1] = route
  end
  return into
end

local ROUTES = {}
for _, p in ipairs(PROVIDERS) do compile(p.routes, p, ROUTES) end
local CONTROL = compile(control.routes, nil, {})
M.routes = ROUTES -- read-only view for tools and specs

-- -> route, captures | nil, nil, allowed methods | nil
local function match(routes, method, path)
  local allowed = {}
  for _, r in ipairs(routes) do
    local caps = { path:match(r.pattern) }
    if caps[1] ~= nil then
      if r.method == method then return r, caps end
      allowed[#allowed + 1] = r.method
    end
  end
  if #allowed > 0 then return nil, nil, allowed end
  return nil
end

---------------------------------------------------------------- requests

local function url_decode(s)
  s = s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
  return s
end

local function parse_query(qs)
  local q = {}
  for pair in qs:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    q[url_decode((k:gsub("%+", " ")))] = url_decode((v:gsub("%+", " ")))
  end
  return q
end

local function lower_headers(headers)
  local out = json.object()
  for k, v in pairs(headers or {}) do
    if type(v) == "table" then v = concat(v, ", ") end
    out[string.lower(tostring(k))] = tostring(v)
  end
  return out
end

local function bearer(headers)
  local h = headers.authorization
  return type(h) == "string" and h:match("^[Bb][Ee][Aa][Rr][Ee][Rr]%s+(%S+)%s*$") or nil
end

-- A handler's answer -> status, headers, body.
local function finish(status, value, headers)
  local h = { ["Content-Type"] = JSON_TYPE }
  if headers then for k, v in pairs(headers) do h[k] = v end end
  return status, h, type(value) == "string" and value or json.encode(value)
end

-- Fill in what the handler reads about its route, then run it.
local function run(route, caps, req)
  for i, c in ipairs(caps) do caps[i] = url_decode(c) end
  req.route, req.captures, req.params = route, caps, {}
  for i, name in ipairs(route.names) do req.params[name] = caps[i] end
  if req.body ~= "" then
    req.json, req.json_error = values.decode(req.body)
  else
    req.json_error = "empty body"
  end
  return finish(route.handler(req))
end

---------------------------------------------------------------- app object

-- M.new(fixture_table_or_json_or_nil[, opts]) -> app. With no fixture, the
-- default seed. opts.now: the clock for rate limits (default os.time).
-- Raises on an unreadable or malformed seed.
function M.new(fx, opts)
  if fx == nil then
    fx = assert(fixture.load())
  elseif type(fx) == "string" then
    local t, err = fixture.decode(fx)
    if not t then error(err, 2) end
    fx = t
  end
  local self = setmetatable({}, App)
  self.opts = opts or {}
  self.initial = values.deepcopy(fx)
  self.config = values.deepcopy(DEFAULT_CONFIG)
  self:reset()
  return self
end

-- Replace the state (nil: the fixture the app was created with); clears
-- injections, log, stats and rate buckets. Config (e.g. retry_after) is kept.
-- Raises a message on a malformed fixture, changing nothing.
function App:reset(fx)
  self.state = fixture.build(fx or self.initial, PROVIDERS)
  self.writes = (self.writes or 0) + 1
  self.injections = {}
  self.log = {}
  self.buckets = {}
  self.stats = { total = 0, by_route = json.object(), by_status = json.object() }
end

-- Sizes of the state, for /_sim/health.
function App:counts()
  local out = {}
  for _, p in ipairs(PROVIDERS) do
    for k, n in pairs(p.counts(self.state[p.name])) do out[k] = n end
  end
  return out
end

-- The whole state, private fields included, by provider.
function App:snapshot()
  local out = {}
  for _, p in ipairs(PROVIDERS) do out[p.name] = p.snapshot(self.state[p.name]) end
  return out
end

-- Rate limits, off unless config.rate_limits says: true (each route's
-- documented threshold), or {["DELETE /api/v0/workergroups/{id}/"] = 3.0}.
-- A token bucket of one token per route and identity (the Authorization
-- header), refilled at the threshold; config.rate_grace (seconds, default
-- 0.05) forgives the jitter between a client's clock and ours. Returns the
-- threshold when this request is over it.
function App:rate_limit(route, req)
  local limits = self.config.rate_limits
  if not limits or limits == json.null then return nil end
  local rate = limits == true and route.rate or (type(limits) == "table" and tonumber(limits[route.key]))
  if not rate or rate <= 0 then return nil end
  local now = (self.opts.now or os.time)()
  local grace = tonumber(self.config.rate_grace) or 0.05
  local id = route.key .. " " .. (req.headers.authorization or "")
  local b = self.buckets[id]
  if not b then
    b = { tokens = 1, t = now }
    self.buckets[id] = b
  end
  b.tokens = math.min(1, b.tokens + (now - b.t) * rate)
  b.t = now
  if b.tokens >= 1 - grace * rate then
    b.tokens = b.tokens - 1
    return nil
  end
  return rate
end

-- What the server answers when no rule stands in: 404, 405, a rate-limit
-- 429, an auth failure, or the handler's answer (500 when it raises).
function App:serve(req, route, caps, allowed, directives)
  if not route then
    if allowed then return finish(405, { detail = "Method Not Allowed" }, { Allow = concat(allowed, ", ") }) end
    return finish(404, { detail = "Not Found" })
  end
  local limited = self:rate_limit(route, req)
  if limited then
    -- Vast.ai's words, and like Vast.ai no Retry-After
    return finish(429, { detail = format("API requests too frequent endpoint threshold=%.1f", limited) })
  end
  req.state, req.config = self.state[route.provider.name], self.config
  local ok, status, h, out = pcall(function()
    if route.auth then
      local key, s, v, hh = route.provider.auth[route.auth](req)
      if not key then return finish(s, v, hh) end
      req.key = key
    end
    return run(route, caps, req)
  end)
  if ok then return status, h, out end
  directives.error = tostring(status)
  return finish(500, { detail = "Internal Server Error" })
end

function App:record(entry)
  local log = self.log
  log[#log + 1] = entry
  if #log > LOG_MAX then table.remove(log, 1) end
  local s = self.stats
  s.total = s.total + 1
  s.by_route[entry.route] = (s.by_route[entry.route] or 0) + 1
  local code = tostring(entry.status)
  s.by_status[code] = (s.by_status[code] or 0) + 1
end

-- The control plane: not logged, counted or faulted.
function App:control(req)
  local route, caps, allowed = match(CONTROL, req.method, req.path)
  local status, h, out
  if route then
    req.app = self
    local ok
    ok, status, h, out = pcall(run, route, caps, req)
    if not ok then status, h, out = finish(500, { error = tostring(status) }) end
  elseif allowed then
    status, h, out = finish(405, { detail = "Method Not Allowed" }, { Allow = concat(allowed, ", ") })
  else
    status, h, out = finish(404, { detail = "Not Found" })
  end
  return status, h, out, {}
end

-- The providers' clock (req.now): config `now` (epoch seconds, a time a
-- spec fixes), else opts.now, else os.time. Rate limits keep the real one.
function App:now()
  local fixed = tonumber(self.config.now)
  if fixed then return fixed end
  return (self.opts.now or os.time)()
end

-- app:handle(method, path_with_query, headers, body)
--   -> status, headers, body, directives
function App:handle(method, target, headers, body)
  method = string.upper(method or "GET")
  headers = lower_headers(headers)
  local path, qs = (target or "/"):match("^([^?]*)%??(.*)$")
  local req = {
    method = method, path = path, query = parse_query(qs), query_string = qs,
    headers = headers, body = body or "", bearer = bearer(headers),
    now = self:now(),
    -- what a handler may cache a computed answer against: the state is the
    -- same while no request that could change it came (a GET may not)
    writes = self.writes,
  }
  if method ~= "GET" then self.writes = self.writes + 1 end
  if path == "/_sim" or path:sub(1, 6) == "/_sim/" then return self:control(req) end

  local route, caps, allowed = match(ROUTES, method, path)
  local route_key
  if route then
    route_key = route.key
  else
    -- Name a 405 after the template it hit; anything else is unmatched.
    local hit = allowed and match(ROUTES, allowed[1], path)
    route_key = method .. " " .. (hit and hit.template or "(unmatched)")
  end

  local rule = faults.take(self.injections, method, path, route and route.template)
  local directives = faults.directives(rule)
  -- A rule that answers stands in for the server, which does nothing
  -- unless the rule says act; any other rule applies to the real answer.
  local answers = rule and faults.answers(rule)
  local status, h, out
  if not answers or rule.act then
    status, h, out = self:serve(req, route, caps, allowed, directives)
  end
  if answers then
    local auth = headers.authorization
    status, h, out = faults.canned(rule, type(auth) == "string" and auth:match("^%S+%s+(%S+)") or nil)
  end

  self:record({
    method = method, path = path, query = qs, headers = headers, body = req.body,
    status = directives.fault == "close" and 444 or status, route = route_key,
  })
  return status, h, out, directives
end

return M
