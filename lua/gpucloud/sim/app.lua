-- The simulator's router and state: a fake Vast.ai (console + run hosts) and
-- TensorPool engine that speaks their wire format. Pure Lua 5.1..5.4 /
-- LuaJIT with no ngx dependency, so specs drive it without sockets and the
-- nginx glue (gpucloud.sim.ngx) only moves bytes.
--
--   local app = require("gpucloud.sim.app").new(fixture_table_or_nil)
--   local status, headers, body, directives = app:handle(method, path_with_query,
--                                                        headers_lowercased, body)
--
-- `directives` tells the transport what the app cannot do itself: `delay`
-- (seconds to sleep before answering), `fault` ("close": drop the
-- connection without an answer; "truncate": promise the whole body, send
-- half, then drop; "raw": write the rule's `raw` bytes as they are, piece
-- by piece `pause` seconds apart, then drop), `error` (an internal error
-- message to log).
--
-- All state lives in the object; the module holds only constants.

local json = require "gpucloud.sim.json"

local M = {}

local App = {}
App.__index = App

local floor, format, concat = math.floor, string.format, table.concat

local LOG_MAX = 1000
local DEFAULT_CONFIG = { retry_after = "1" }
local JSON_TYPE = "application/json"

-- The operations served, as data. `rate` is the documented per-identity
-- threshold (requests/s) kept for a future rate limiter; `auth` says which
-- credential check guards the route.
local ROUTES = {
  { "GET", "/api/v0/endptjobs/", "vast_list_endpoints", auth = "console", rate = 3.0 },
  { "DELETE", "/api/v0/endptjobs/{id}/", "vast_delete_endpoint", auth = "console", rate = 3.0 },
  { "GET", "/api/v0/workergroups/", "vast_list_workergroups", auth = "console", rate = 2.0 },
  { "GET", "/api/v0/autojobs/", "vast_list_workergroups", auth = "console", rate = 2.0 },
  { "DELETE", "/api/v0/workergroups/{id}/", "vast_delete_workergroup", auth = "console", rate = 3.0 },
  { "DELETE", "/api/v0/autojobs/{id}/", "vast_delete_workergroup", auth = "console", rate = 3.0 },
  { "POST", "/get_endpoint_workers/", "vast_endpoint_workers", auth = "run" },
  { "POST", "/get_workergroup_workers/", "vast_workergroup_workers", auth = "run" },
  { "GET", "/healthz", "tp_healthz" },
  { "GET", "/cluster/list", "tp_list_clusters", auth = "tensorpool" },
  { "GET", "/cluster/info/{cluster}", "tp_cluster_info", auth = "tensorpool" },
  { "PATCH", "/cluster/edit/{cluster}", "tp_edit_cluster", auth = "tensorpool" },
  { "DELETE", "/cluster/{cluster}", "tp_destroy_cluster", auth = "tensorpool" },
  { "GET", "/request/info/{request_id}", "tp_request_info", auth = "tensorpool" },
}

local CONTROL_ROUTES = {
  { "GET", "/_sim/health", "ctl_health" },
  { "POST", "/_sim/reset", "ctl_reset" },
  { "GET", "/_sim/log", "ctl_log" },
  { "DELETE", "/_sim/log", "ctl_clear_log" },
  { "GET", "/_sim/stats", "ctl_stats" },
  { "GET", "/_sim/inject", "ctl_list_injections" },
  { "POST", "/_sim/inject", "ctl_inject" },
  { "DELETE", "/_sim/inject", "ctl_clear_injections" },
  { "GET", "/_sim/config", "ctl_get_config" },
  { "POST", "/_sim/config", "ctl_config" },
  { "GET", "/_sim/state", "ctl_state" },
}

local function compile(routes)
  for _, r in ipairs(routes) do
    r.method, r.template, r.handler = r[1], r[2], r[3]
    local pat = r.template:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
    r.pattern = "^" .. pat:gsub("{[%w_]+}", "([^/]+)") .. "$"
  end
  return routes
end
compile(ROUTES)
compile(CONTROL_ROUTES)
M.routes = ROUTES -- read-only view for tools and specs

---------------------------------------------------------------- helpers

-- Copy a value, keeping the json array/object marks; json.null stays itself.
local function deepcopy(v)
  if type(v) ~= "table" or v == json.null then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deepcopy(x) end
  local mt = getmetatable(v)
  if mt == json.array_mt or mt == json.object_mt then setmetatable(t, mt) end
  return t
end
M.deepcopy = deepcopy

-- What a client may see: a deep copy without sim-private `_` fields.
local function public(v)
  if type(v) ~= "table" or v == json.null then return v end
  local t = {}
  for k, x in pairs(v) do
    if not (type(k) == "string" and k:sub(1, 1) == "_") then t[k] = public(x) end
  end
  local mt = getmetatable(v)
  if mt == json.array_mt or mt == json.object_mt then setmetatable(t, mt) end
  return t
end

local function public_list(list)
  local out = json.array()
  for i, v in ipairs(list) do out[i] = public(v) end
  return out
end

local function is_integer(v)
  return type(v) == "number" and v == floor(v) and v >= -2^53 and v <= 2^53
end

local function int_string(n) return format("%d", n) end

local function url_decode(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function now_iso()
  return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

local function bearer(headers)
  local h = headers.authorization
  if type(h) ~= "string" then return nil end
  local key = h:match("^[Bb][Ee][Aa][Rr][Ee][Rr]%s+(%S+)%s*$")
  return key
end

-- A packed answer {status, headers, body} returned through an error path.
local function unpack_reply(t)
  return t[1], t[2], t[3]
end

local function reply(status, value, headers)
  local h = { ["Content-Type"] = JSON_TYPE }
  if headers then for k, v in pairs(headers) do h[k] = v end end
  return status, h, json.encode(value)
end

local function remove_if(list, pred)
  local kept, removed = {}, {}
  for _, v in ipairs(list) do
    if pred(v) then removed[#removed + 1] = v else kept[#kept + 1] = v end
  end
  return kept, removed
end

local function find_by(list, field, value)
  for _, v in ipairs(list) do
    if v[field] == value then return v end
  end
  return nil
end

local function sorted_ids(list)
  local ids = json.array()
  for i, v in ipairs(list) do ids[i] = v.id end
  table.sort(ids)
  return ids
end

---------------------------------------------------------------- fixtures

local function module_dir()
  local src = debug.getinfo(1, "S").source
  return (src:sub(1, 1) == "@" and src:sub(2):match("^(.*)/[^/]*$")) or "."
end

function M.default_fixture_path()
  return module_dir() .. "/fixture.json"
end

-- Read and decode a fixture file -> table | nil, message.
function M.load_fixture(path)
  path = path or M.default_fixture_path()
  local f, err = io.open(path, "rb")
  if not f then return nil, "cannot read fixture: " .. tostring(err) end
  local text = f:read("*a")
  f:close()
  local t, derr = json.decode(text)
  if not t then return nil, "fixture " .. path .. ": " .. derr end
  if type(t) ~= "table" or json.is_array(t) then
    return nil, "fixture " .. path .. ": expected a JSON object"
  end
  return t
end

local function list_field(section, name, where)
  local v = section[name]
  if v == nil or v == json.null then return {} end
  if type(v) ~= "table" then error(where .. "." .. name .. " must be an array", 0) end
  for i, x in ipairs(v) do
    if type(x) ~= "table" then
      error(format("%s.%s[%d] must be an object", where, name, i), 0)
    end
  end
  return v
end

-- api_keys may be absent, an array of strings/objects.
local function list_field_or_strings(section, where)
  local v = section.api_keys
  if v == nil or v == json.null then return {} end
  if type(v) ~= "table" then error(where .. ".api_keys must be an array", 0) end
  return v
end

-- Build the live state from a fixture (deep-copied: the fixture stays
-- pristine for later resets). Raises a message on malformed input.
local function build_state(fixture)
  if type(fixture) ~= "table" then error("fixture must be an object", 0) end
  fixture = deepcopy(fixture)
  local vast = fixture.vast or {}
  local tp = fixture.tensorpool or {}
  local st = {
    vast_keys = {}, tp_keys = {},
    endpoints = list_field(vast, "endpoints", "vast"),
    workergroups = list_field(vast, "workergroups", "vast"),
    workers = list_field(vast, "workers", "vast"),
    clusters = list_field(tp, "clusters", "tensorpool"),
    requests = {}, request_order = {}, next_request = 1,
  }
  -- A key is a string, or {"key": "...", "read_only": true}.
  local function keys(section, where, into)
    for i, k in ipairs(list_field_or_strings(section, where)) do
      if type(k) == "string" then
        into[k] = { read_only = false }
      elseif type(k) == "table" and type(k.key) == "string" then
        into[k.key] = { read_only = k.read_only == true }
      else
        error(format("%s.api_keys[%d] must be a string or {key=...}", where, i), 0)
      end
    end
  end
  keys(vast, "vast", st.vast_keys)
  keys(tp, "tensorpool", st.tp_keys)
  for i, e in ipairs(st.endpoints) do
    if not is_integer(e.id) then error(format("vast.endpoints[%d].id must be an integer", i), 0) end
  end
  for i, g in ipairs(st.workergroups) do
    if not is_integer(g.id) then error(format("vast.workergroups[%d].id must be an integer", i), 0) end
  end
  for i, w in ipairs(st.workers) do
    if not is_integer(w.id) then error(format("vast.workers[%d].id must be an integer", i), 0) end
  end
  for i, c in ipairs(st.clusters) do
    if type(c.cluster_id) ~= "string" then
      error(format("tensorpool.clusters[%d].cluster_id must be a string", i), 0)
    end
    if c.instances == nil then c.instances = json.array() end
  end
  return st
end

---------------------------------------------------------------- app object

-- M.new(fixture_table_or_nil[, opts]) -> app. With no fixture, the default
-- seed file beside this module. Raises on an unreadable or malformed seed.
function M.new(fixture, opts)
  if fixture == nil then
    fixture = assert(M.load_fixture())
  elseif type(fixture) == "string" then
    local t, err = json.decode(fixture)
    if type(t) ~= "table" then error("fixture: " .. tostring(err or "expected an object"), 2) end
    fixture = t
  end
  local self = setmetatable({}, App)
  self.opts = opts or {}
  self.initial = deepcopy(fixture)
  self.state = build_state(fixture)
  self.config = deepcopy(DEFAULT_CONFIG)
  self.injections = {}
  self.log = {}
  self.buckets = {}
  self:clear_stats()
  return self
end

function App:clear_stats()
  self.stats = { total = 0, by_route = json.object(), by_status = json.object() }
end

-- Replace the state (nil: the fixture the app was created with); clears
-- injections, log and stats. Config (e.g. retry_after) is kept.
function App:reset(fixture)
  self.state = build_state(fixture or self.initial)
  self.injections = {}
  self.log = {}
  self.buckets = {}
  self:clear_stats()
end

-- The first configured key of a provider that may delete (for launchers).
function App:keys()
  local out = {}
  for _, name in ipairs({ "vast", "tensorpool" }) do
    local section = self.initial[name] or {}
    for _, k in ipairs(section.api_keys or {}) do
      if type(k) == "string" then out[name] = k break end
      if type(k) == "table" and not k.read_only then out[name] = k.key break end
    end
  end
  return out
end

---------------------------------------------------------------- Vast.ai

local function vast_error(status, code, msg, extra)
  local body = { success = false, error = code, msg = msg }
  if extra then for k, v in pairs(extra) do body[k] = v end end
  return reply(status, body)
end

local function parse_vast_id(s)
  if s:match("^%d+$") and #s <= 15 then return tonumber(s) end
  return nil
end

function App:check_console(headers)
  local key = bearer(headers)
  if key and self.state.vast_keys[key] then return true end
  return false
end

function App:vast_list_endpoints()
  return reply(200, { success = true, results = public_list(self.state.endpoints) })
end

function App:vast_list_workergroups()
  return reply(200, { success = true, results = public_list(self.state.workergroups) })
end

-- Remove workergroups matching pred and their workers; returns the removed
-- workers' ids, sorted.
function App:remove_groups(pred)
  local st = self.state
  local removed_groups
  st.workergroups, removed_groups = remove_if(st.workergroups, pred)
  local gone = {}
  for _, g in ipairs(removed_groups) do gone[g.id] = true end
  local removed_workers
  st.workers, removed_workers = remove_if(st.workers, function(w)
    return gone[w._workergroup_id] == true
  end)
  return sorted_ids(removed_workers)
end

function App:vast_delete_endpoint(_, _, captures)
  local id = parse_vast_id(url_decode(captures[1]))
  if not id then return vast_error(400, "invalid_args", "Invalid autojob ID") end
  local st = self.state
  local ep = find_by(st.endpoints, "id", id)
  if not ep then return vast_error(400, "invalid_args", "Routegroup not found for user") end
  st.endpoints = remove_if(st.endpoints, function(e) return e.id == id end)
  local deleted = self:remove_groups(function(g) return g.endpoint_id == id end)
  return reply(200, {
    success = true, deleted_workers = deleted, failed_workers = json.array(),
    msg = format("Deleted endpoint job and %d workers", #deleted),
  })
end

function App:vast_delete_workergroup(_, _, captures)
  local id = parse_vast_id(url_decode(captures[1]))
  if not id then return vast_error(400, "invalid_args", "Invalid autojob ID") end
  if not find_by(self.state.workergroups, "id", id) then
    return vast_error(404, "no_such_workergroup", "No workergroup by that id is available.", { id = id })
  end
  local deleted = self:remove_groups(function(g) return g.id == id end)
  return reply(200, {
    success = true, deleted_workers = deleted, failed_workers = json.array(),
    msg = format("Deleted workergroup and %d workers", #deleted),
  })
end

-- Body of the run-host POSTs: {"id": N}. Returns id or nil, error answer.
local function run_body_id(body)
  local t = json.decode(body or "")
  if type(t) ~= "table" then
    return nil, { vast_error(400, "invalid_args", "Invalid JSON body") }
  end
  if t.id == nil or t.id == json.null or json.is_array(t) then
    return nil, { vast_error(400, "invalid_args", "Missing required field: id") }
  end
  if not is_integer(t.id) then
    return nil, { vast_error(400, "invalid_args", "Field id must be an integer") }
  end
  return t.id
end

function App:workers_of(group_ids)
  local out = {}
  for _, w in ipairs(self.state.workers) do
    if group_ids[w._workergroup_id] then out[#out + 1] = w end
  end
  table.sort(out, function(a, b) return a.id < b.id end)
  return public_list(out)
end

-- The run host accepts the account key or the entity's own api_key.
function App:run_key_ok(headers, entity)
  local key = bearer(headers)
  if not key then return false end
  if self.state.vast_keys[key] then return true end
  return entity ~= nil and entity.api_key == key
end

function App:vast_endpoint_workers(headers, body)
  local id, bad = run_body_id(body)
  if not id then return unpack_reply(bad) end
  local st = self.state
  local ep = find_by(st.endpoints, "id", id)
  if not ep or not self:run_key_ok(headers, ep) then
    local name = ep and ep.endpoint_name or int_string(id)
    return reply(200, "authenticate_endpoint_apikey: invalid api_key or endpoint "
      .. name .. " not found")
  end
  if ep._ready == false then
    return reply(200, { error_msg = "Endpoint is not ready yet" })
  end
  local groups = {}
  for _, g in ipairs(st.workergroups) do
    if g.endpoint_id == id then groups[g.id] = true end
  end
  local workers = self:workers_of(groups)
  if ep._bare_list then return reply(200, workers) end
  return reply(200, { workers = workers })
end

function App:vast_workergroup_workers(headers, body)
  local id, bad = run_body_id(body)
  if not id then return unpack_reply(bad) end
  local g = find_by(self.state.workergroups, "id", id)
  if not g or not self:run_key_ok(headers, g) then
    return reply(200, "authenticate_workergroup_apikey: invalid api_key or workergroup "
      .. int_string(id) .. " not found")
  end
  return reply(200, { workers = self:workers_of({ [id] = true }) })
end

---------------------------------------------------------------- TensorPool

local CLUSTER_ID_PATTERN = "^[A-Za-z0-9._-]+$"

-- FastAPI-style 422 for a path parameter.
local function path_invalid(name, msg)
  return reply(422, { detail = { { loc = { "path", name }, msg = msg, type = "value_error" } } })
end

local function cluster_id_ok(id)
  return id:match(CLUSTER_ID_PATTERN) ~= nil and #id <= 64
end

local function bad_cluster_id()
  return path_invalid("cluster", "String should match pattern '^[A-Za-z0-9._-]{1,64}$'")
end

function App:tp_key(headers)
  local key = bearer(headers)
  return key and self.state.tp_keys[key] or nil
end

function App.tp_healthz()
  return reply(200, { status = "ok" })
end

function App:tp_list_clusters()
  local clusters = public_list(self.state.clusters)
  local n = #clusters
  return reply(200, {
    clusters = clusters,
    message = format("Found %d cluster%s", n, n == 1 and "" or "s"),
  })
end

function App:tp_cluster_info(_, _, captures)
  local id = url_decode(captures[1])
  if not cluster_id_ok(id) then return bad_cluster_id() end
  local c = find_by(self.state.clusters, "cluster_id", id)
  if not c then return reply(404, { detail = "Cluster not found" }) end
  return reply(200, { message = "Cluster info retrieved", cluster_info = public(c) })
end

function App:tp_edit_cluster(_, body, captures, key)
  local id = url_decode(captures[1])
  if not cluster_id_ok(id) then return bad_cluster_id() end
  if key.read_only then return reply(403, { detail = "Access denied" }) end
  local c = find_by(self.state.clusters, "cluster_id", id)
  if not c then return reply(404, { detail = "Cluster not found" }) end
  local t = json.decode(body or "")
  if type(t) ~= "table" or json.is_array(t) then
    return reply(422, { detail = { { loc = { "body" },
      msg = "Input should be a valid dictionary", type = "dict_type" } } })
  end
  if t.deletion_protection ~= nil and type(t.deletion_protection) ~= "boolean" then
    return reply(422, { detail = { { loc = { "body", "deletion_protection" },
      msg = "Input should be a valid boolean", type = "bool_type" } } })
  end
  if t.cluster_name ~= nil and type(t.cluster_name) ~= "string" then
    return reply(422, { detail = { { loc = { "body", "cluster_name" },
      msg = "Input should be a valid string", type = "string_type" } } })
  end
  if t.deletion_protection ~= nil then c.deletion_protection = t.deletion_protection end
  if t.cluster_name ~= nil then c.name = t.cluster_name end
  return reply(202, { cluster_id = c.cluster_id, message = "Cluster update applied" })
end

function App:tp_destroy_cluster(_, _, captures, key)
  local id = url_decode(captures[1])
  if not cluster_id_ok(id) then return bad_cluster_id() end
  if key.read_only then return reply(403, { detail = "Access denied" }) end
  local st = self.state
  local c = find_by(st.clusters, "cluster_id", id)
  if not c then return reply(404, { detail = "Cluster not found" }) end
  if c._destroying then
    return reply(409, { detail = "Cluster is already being destroyed" })
  end
  if c.deletion_protection == true then
    return reply(409, { detail = "Deletion protection is enabled for this cluster" })
  end
  for _, inst in ipairs(c.instances or {}) do
    if inst.status ~= "RUNNING" then
      return reply(409, { detail = format(
        "Cluster instances must be RUNNING to destroy (instance %s is %s)",
        tostring(inst.id), tostring(inst.status)) })
    end
  end
  if c._no_request_id then
    -- Nothing to poll: the destruction is done at once.
    st.clusters = remove_if(st.clusters, function(x) return x == c end)
    return reply(202, { cluster_id = id, request_id = json.null,
      message = "Cluster destruction initiated" })
  end
  local rid = format("req-%06d", st.next_request)
  st.next_request = st.next_request + 1
  st.requests[rid] = {
    request_id = rid, request_type = "CLUSTER_RELEASE", status = "PENDING",
    created_at = now_iso(), object_id = id, external_message = json.null,
    _fails = c._destroy_fails == true, _previous_status = c.status,
  }
  st.request_order[#st.request_order + 1] = rid
  c._destroying = rid
  c.status = "DESTROYING"
  return reply(202, { cluster_id = id, request_id = rid, message = "Cluster destruction initiated" })
end

local TERMINAL = { COMPLETED = true, FAILED = true }

-- Each poll answers the current state, then advances one step, so a client
-- sees PENDING, PROCESSING, COMPLETED (or PENDING, FAILED) deterministically.
function App:advance_request(r)
  local st = self.state
  local c = find_by(st.clusters, "cluster_id", r.object_id)
  if r.status == "PENDING" and r._fails then
    r.status = "FAILED"
    r.external_message = "Failed to release cluster instances (simulated provider error)"
    if c then c._destroying = nil; c.status = r._previous_status end
  elseif r.status == "PENDING" or r.status == "RETRYING" then
    r.status = "PROCESSING"
  elseif r.status == "PROCESSING" then
    r.status = "COMPLETED"
    st.clusters = remove_if(st.clusters, function(x) return x == c end)
  end
end

function App:tp_request_info(_, _, captures)
  local r = self.state.requests[url_decode(captures[1])]
  if not r then return reply(404, { detail = "Request not found" }) end
  local snapshot = public(r)
  local headers
  if not TERMINAL[r.status] then
    headers = { ["Retry-After"] = tostring(self.config.retry_after) }
  end
  self:advance_request(r)
  return reply(200, snapshot, headers)
end

---------------------------------------------------------------- routing

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

local function lower_headers(headers)
  local out = json.object()
  for k, v in pairs(headers or {}) do
    if type(v) == "table" then v = concat(v, ", ") end
    out[string.lower(tostring(k))] = tostring(v)
  end
  return out
end

local function split_target(target)
  local path, query = target:match("^([^?]*)%??(.*)$")
  return path, query
end

-- Does an injection rule apply to this request?
local function rule_matches(rule, method, path, route)
  if rule.method ~= "*" and rule.method ~= method then return false end
  local p = rule.path
  if p == "*" or p == path then return true end
  if route and p == route.template then return true end
  if p:sub(-1) == "*" and path:sub(1, #p - 1) == p:sub(1, -2) then return true end
  return false
end

-- Take the first queued rule that matches (FIFO), consuming one use.
function App:take_injection(method, path, route)
  for i, rule in ipairs(self.injections) do
    if rule_matches(rule, method, path, route) then
      if rule.times > 0 then
        rule.times = rule.times - 1
        if rule.times == 0 then table.remove(self.injections, i) end
      end
      return rule
    end
  end
  return nil
end

local function canned(rule)
  local h = {}
  local body = ""
  if rule.json ~= nil then
    body = json.encode(rule.json)
    h["Content-Type"] = JSON_TYPE
  elseif rule.body ~= nil then
    body = rule.body
    h["Content-Type"] = "text/plain; charset=utf-8"
  end
  for k, v in pairs(rule.headers or {}) do h[k] = tostring(v) end
  return rule.status or 200, h, body
end

-- Rate limits, off unless config.rate_limits says: true (each route's
-- documented threshold), or {["DELETE /api/v0/workergroups/{id}/"] = 3.0}.
-- A token bucket of one token per route and identity (the Authorization
-- header), refilled at the threshold; config.rate_grace (seconds, default
-- 0.05) forgives the jitter between a client's clock and ours. Returns the
-- threshold when this request is over it.
function App:rate_limit(route, route_key, headers)
  local limits = self.config.rate_limits
  if not limits or limits == json.null then return nil end
  local rate = limits == true and route.rate or (type(limits) == "table" and tonumber(limits[route_key]))
  if not rate or rate <= 0 then return nil end
  local now = (self.opts.now or os.time)()
  local grace = tonumber(self.config.rate_grace) or 0.05
  local id = route_key .. " " .. (headers.authorization or "")
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

function App:dispatch(route, caps, method, headers, body)
  if route.auth == "console" and not self:check_console(headers) then
    return vast_error(401, "invalid_api_key", "Invalid or missing API key")
  end
  local key
  if route.auth == "tensorpool" then
    key = self:tp_key(headers)
    if not key then return reply(401, { error = "Invalid or missing authentication token" }) end
  end
  return self[route.handler](self, headers, body, caps, key, method)
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

-- app:handle(method, path_with_query, headers, body)
--   -> status, headers, body, directives
function App:handle(method, target, headers, body)
  method = string.upper(method or "GET")
  target = target or "/"
  body = body or ""
  headers = lower_headers(headers)
  local path, query = split_target(target)
  if path == "/_sim" or path:sub(1, 6) == "/_sim/" then
    return self:control(method, path, query, body)
  end

  local route, caps, allowed = match(ROUTES, method, path)
  local route_key
  if route then
    route_key = method .. " " .. route.template
  else
    -- Name a 405 after the template it hit; anything else is unmatched.
    local hit = allowed and match(ROUTES, allowed[1], path)
    route_key = method .. " " .. (hit and hit.template or "(unmatched)")
  end

  local directives = {}
  local status, h, out
  local rule = self:take_injection(method, path, route)
  if rule then
    directives.delay = rule.delay
    directives.fault = rule.fault
    directives.truncate_at = rule.truncate_at
    directives.raw, directives.pause = rule.raw, rule.pause
  end
  -- A rule answers for the server when it says what to answer (or drops the
  -- connection); a bare delay or truncation applies to the normal answer.
  local answers = rule and (rule.status or rule.body or rule.json or rule.fault == "close")
  local limited = route and not answers and self:rate_limit(route, route_key, headers)
  if answers then
    status, h, out = canned(rule)
  elseif limited then
    -- Vast.ai's words, and like Vast.ai no Retry-After
    status, h, out = reply(429, { detail = format("API requests too frequent endpoint threshold=%.1f", limited) })
  elseif route then
    local ok, s, hh, o = pcall(self.dispatch, self, route, caps, method, headers, body)
    if ok then
      status, h, out = s, hh, o
    else
      directives.error = tostring(s)
      status, h, out = reply(500, { detail = "Internal Server Error" })
    end
  elseif allowed then
    status, h, out = reply(405, { detail = "Method Not Allowed" },
      { Allow = concat(allowed, ", ") })
  else
    status, h, out = reply(404, { detail = "Not Found" })
  end

  self:record({
    method = method, path = path, query = query, headers = headers, body = body,
    status = directives.fault == "close" and 444 or status, route = route_key,
  })
  return status, h, out, directives
end

---------------------------------------------------------------- control

local function ctl_error(status, msg)
  return reply(status, { error = msg })
end

function App:control(method, path, query, body)
  local route, _, allowed = match(CONTROL_ROUTES, method, path)
  local status, h, out
  if route then
    local ok, s, hh, o = pcall(self[route.handler], self, body, query)
    if ok then
      status, h, out = s, hh, o
    else
      status, h, out = ctl_error(500, tostring(s))
    end
  elseif allowed then
    status, h, out = reply(405, { detail = "Method Not Allowed" }, { Allow = concat(allowed, ", ") })
  else
    status, h, out = reply(404, { detail = "Not Found" })
  end
  return status, h, out, {}
end

local function decode_object(body)
  local t, err = json.decode(body)
  if t == nil then return nil, "invalid JSON: " .. tostring(err) end
  if type(t) ~= "table" or json.is_array(t) then return nil, "expected a JSON object" end
  return t
end

function App:ctl_health()
  return reply(200, {
    status = "ok",
    endpoints = #self.state.endpoints,
    workergroups = #self.state.workergroups,
    workers = #self.state.workers,
    clusters = #self.state.clusters,
  })
end

function App:ctl_reset(body)
  local fixture
  if body:match("%S") then
    local err
    fixture, err = decode_object(body)
    if not fixture then return ctl_error(400, err) end
  end
  local ok, err = pcall(self.reset, self, fixture)
  if not ok then return ctl_error(400, tostring(err)) end
  return self:ctl_health()
end

function App:ctl_log()
  return reply(200, json.array(self.log))
end

function App:ctl_clear_log()
  self.log = {}
  return reply(200, { cleared = true })
end

function App:ctl_stats()
  return reply(200, self.stats)
end

local FAULTS = { close = true, truncate = true, raw = true }

-- Validate one injection spec; returns a normalised rule or nil, message.
local function make_rule(spec)
  if type(spec) ~= "table" or json.is_array(spec) then return nil, "a rule must be an object" end
  local rule = {
    method = spec.method == nil and "*" or spec.method,
    path = spec.path == nil and "*" or spec.path,
    times = spec.times == nil and 1 or spec.times,
    status = spec.status, delay = spec.delay, fault = spec.fault,
    truncate_at = spec.truncate_at, pause = spec.pause,
  }
  if type(rule.method) ~= "string" then return nil, "method must be a string" end
  rule.method = rule.method:upper()
  if type(rule.path) ~= "string" then return nil, "path must be a string" end
  if not is_integer(rule.times) or (rule.times < 1 and rule.times ~= -1) then
    return nil, "times must be a positive integer, or -1 for always"
  end
  if rule.status ~= nil and (not is_integer(rule.status) or rule.status < 100 or rule.status > 599) then
    return nil, "status must be an integer 100..599"
  end
  if rule.delay ~= nil and (type(rule.delay) ~= "number" or rule.delay < 0 or rule.delay > 300) then
    return nil, "delay must be a number of seconds (0..300)"
  end
  if rule.fault ~= nil and not FAULTS[rule.fault] then
    return nil, "fault must be \"close\", \"truncate\" or \"raw\""
  end
  -- raw: what a broken or hostile server may send, which nginx itself
  -- never would (folded or endless headers, bad status lines, slow bodies)
  if (spec.raw ~= nil) ~= (rule.fault == "raw") then
    return nil, "fault \"raw\" and raw (a string or an array of strings) go together"
  end
  if spec.raw ~= nil then
    local pieces = type(spec.raw) == "string" and json.array { spec.raw } or spec.raw
    if type(pieces) ~= "table" or not json.is_array(pieces) then return nil, "raw must be a string or an array" end
    for _, piece in ipairs(pieces) do
      if type(piece) ~= "string" then return nil, "raw pieces must be strings" end
    end
    rule.raw = pieces
  end
  if rule.pause ~= nil and (type(rule.pause) ~= "number" or rule.pause < 0 or rule.pause > 60) then
    return nil, "pause must be a number of seconds (0..60)"
  end
  if rule.truncate_at ~= nil and (not is_integer(rule.truncate_at) or rule.truncate_at < 0) then
    return nil, "truncate_at must be a non-negative integer"
  end
  if spec.body ~= nil and type(spec.body) ~= "string" then return nil, "body must be a string" end
  if spec.body ~= nil and spec.json ~= nil then return nil, "give body or json, not both" end
  rule.body, rule.json = spec.body, spec.json
  if spec.headers ~= nil then
    if type(spec.headers) ~= "table" or json.is_array(spec.headers) then
      return nil, "headers must be an object"
    end
    rule.headers = {}
    for k, v in pairs(spec.headers) do
      if type(v) ~= "string" and type(v) ~= "number" then return nil, "header values must be strings" end
      if tostring(v):find("[\r\n]") or tostring(k):find("[\r\n:]") then
        return nil, "header names and values must not hold CR, LF or ':'"
      end
      rule.headers[k] = tostring(v)
    end
  end
  return rule
end
M.make_rule = make_rule

-- Queue canned answers; body is one rule or an array of them.
function App:inject(spec)
  -- A list (decoded JSON array or plain Lua sequence) holds several rules.
  local specs = spec
  if type(spec) ~= "table" or not (json.is_array(spec) or spec[1] ~= nil) then specs = { spec } end
  local rules = {}
  for i, s in ipairs(specs) do
    local rule, err = make_rule(s)
    if not rule then return nil, format("rule %d: %s", i, err) end
    rules[#rules + 1] = rule
  end
  for _, r in ipairs(rules) do self.injections[#self.injections + 1] = r end
  return #rules
end

function App:ctl_inject(body)
  local spec, err = json.decode(body)
  if type(spec) ~= "table" then return ctl_error(400, "invalid JSON: " .. tostring(err)) end
  local n, ierr = self:inject(spec)
  if not n then return ctl_error(400, ierr) end
  return reply(200, { queued = n, pending = #self.injections })
end

function App:ctl_list_injections()
  local out = json.array()
  for i, r in ipairs(self.injections) do out[i] = r end
  return reply(200, out)
end

function App:ctl_clear_injections()
  self.injections = {}
  return reply(200, { pending = 0 })
end

function App:ctl_get_config()
  return reply(200, json.object(self.config))
end

-- Merge settings. Known: retry_after (string or number of seconds). Other
-- keys are kept as given, for settings added later.
function App:ctl_config(body)
  local t, err = decode_object(body)
  if not t then return ctl_error(400, err) end
  if t.retry_after ~= nil then
    if type(t.retry_after) ~= "string" and type(t.retry_after) ~= "number" then
      return ctl_error(400, "retry_after must be a string or a number")
    end
    local ra = t.retry_after
    t.retry_after = type(ra) == "number" and json.encode(ra) or ra
  end
  for k, v in pairs(t) do self.config[k] = v end
  return self:ctl_get_config()
end

-- The whole state, private fields included, for specs and debugging.
function App:ctl_state()
  local st = self.state
  local requests = json.array()
  for i, rid in ipairs(st.request_order) do requests[i] = st.requests[rid] end
  return reply(200, {
    vast = {
      endpoints = json.array(st.endpoints), workergroups = json.array(st.workergroups),
      workers = json.array(st.workers),
    },
    tensorpool = { clusters = json.array(st.clusters), requests = requests },
  })
end

return M
