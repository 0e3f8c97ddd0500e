-- Vast.ai as the simulator serves it: the console host (/api/v0/...) and
-- the run host (/get_*/), on one port; serverless here, instances and
-- volumes in instances.lua. The wire format is in docs/vast.md.
--
-- A provider is data the router (gpucloud.sim.app) reads: `name` (its
-- fixture section and state), `build` (fixture section -> state), `routes`
-- (rows), `auth` (the credential checks rows name), `counts` and
-- `snapshot` (for /_sim/health and /_sim/state). A handler takes one
-- request table (see app.lua) and returns status, value, headers.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local fixture = require "gpucloud.sim.fixture"
local wire = require "gpucloud.providers.vast.sim.wire"
local instances = require "gpucloud.providers.vast.sim.instances"
local billing = require "gpucloud.providers.vast.sim.billing"
local deployments = require "gpucloud.providers.vast.sim.deployments"

local public_list = values.public_list
local format = string.format

---------------------------------------------------------------- helpers

local vast_error, bare_string, parse_id = wire.vast_error, wire.bare_string, wire.parse_id
local find_by, remove_if, run_key_ok, body_id = wire.find_by, wire.remove_if, wire.run_key_ok, wire.body_id

local function sorted_ids(list)
  local ids = json.array()
  for i, v in ipairs(list) do ids[i] = v.id end
  table.sort(ids)
  return ids
end

-- Remove the workergroups matching pred and their workers; returns the
-- removed workers' ids, sorted.
local function remove_groups(st, pred)
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

local function workers_of(st, group_ids)
  local out = {}
  for _, w in ipairs(st.workers) do
    if group_ids[w._workergroup_id] then out[#out + 1] = w end
  end
  table.sort(out, function(a, b) return a.id < b.id end)
  return public_list(out)
end

---------------------------------------------------------------- console

local function list_endpoints(req)
  return 200, { success = true, results = public_list(req.state.endpoints) }
end

local function list_workergroups(req)
  return 200, { success = true, results = public_list(req.state.workergroups) }
end

local function delete_endpoint(req)
  local id = parse_id(req.captures[1])
  if not id then return vast_error(400, "invalid_args", "Invalid autojob ID") end
  local st = req.state
  if not find_by(st.endpoints, "id", id) then
    return vast_error(400, "invalid_args", "Routegroup not found for user")
  end
  st.endpoints = remove_if(st.endpoints, function(e) return e.id == id end)
  local deleted = remove_groups(st, function(g) return g.endpoint_id == id end)
  return 200, {
    success = true, deleted_workers = deleted, failed_workers = json.array(),
    msg = format("Deleted endpoint job and %d workers", #deleted),
  }
end

local function delete_workergroup(req)
  local id = parse_id(req.captures[1])
  if not id then return vast_error(400, "invalid_args", "Invalid autojob ID") end
  if not find_by(req.state.workergroups, "id", id) then
    return vast_error(404, "no_such_workergroup", "No workergroup by that id is available.", { id = id })
  end
  local deleted = remove_groups(req.state, function(g) return g.id == id end)
  return 200, {
    success = true, deleted_workers = deleted, failed_workers = json.array(),
    msg = format("Deleted workergroup and %d workers", #deleted),
  }
end

---------------------------------------------------------------- run host

local function endpoint_workers(req)
  local id, status, value = body_id(req)
  if not id then return status, value end
  local st = req.state
  local ep = find_by(st.endpoints, "id", id)
  if not ep or not run_key_ok(req, ep) then
    local name = ep and ep.endpoint_name or format("%d", id)
    return bare_string("authenticate_endpoint_apikey: invalid api_key or endpoint " .. name .. " not found")
  end
  if ep._ready == false then return 200, { error_msg = "Endpoint is not ready yet" } end
  local groups = {}
  for _, g in ipairs(st.workergroups) do
    if g.endpoint_id == id then groups[g.id] = true end
  end
  local workers = workers_of(st, groups)
  if ep._bare_list then return 200, workers end
  return 200, { workers = workers }
end

local function workergroup_workers(req)
  local id, status, value = body_id(req)
  if not id then return status, value end
  local g = find_by(req.state.workergroups, "id", id)
  if not g or not run_key_ok(req, g) then
    return bare_string(format("authenticate_workergroup_apikey: invalid api_key or workergroup %d not found", id))
  end
  return 200, { workers = workers_of(req.state, { [id] = true }) }
end

---------------------------------------------------------------- endpoints: show, update, logs

local ENDPOINT_STATES = { active = true, suspended = true, stopped = true }
local ENDPOINT_NUMBERS = {
  min_load = true, min_cold_load = true, target_util = true, cold_mult = true, cold_workers = true,
  max_workers = true, max_queue_time = true, target_queue_time = true, inactivity_timeout = true,
}

local function endpoint_of(req)
  local id = parse_id(req.captures[1])
  if not id then return nil, vast_error(400, "invalid_args", "Invalid endpoint ID") end
  local ep = find_by(req.state.endpoints, "id", id)
  if not ep then return nil, vast_error(400, "invalid_args", "Routegroup not found for user") end
  return ep
end

local function show_endpoint(req)
  local ep, status, body = endpoint_of(req)
  if not ep then return status, body end
  return 200, { success = true, result = values.public(ep) }
end

-- All fields are checked before any is changed.
local function update_endpoint(req)
  local ep, status, body = endpoint_of(req)
  if not ep then return status, body end
  local t = req.json
  if type(t) ~= "table" or json.is_array(t) or next(t) == nil then
    return vast_error(400, "invalid_args", "Give the fields to change as a JSON object")
  end
  for k, v in pairs(t) do
    local ok = (k == "endpoint_state" and ENDPOINT_STATES[v]) or (k == "endpoint_name" and type(v) == "string")
      or (ENDPOINT_NUMBERS[k] and type(v) == "number")
    if not ok then return vast_error(400, "invalid_args", format("Invalid value for %s", tostring(k))) end
  end
  for k, v in pairs(t) do ep[k] = v end
  return 200, { success = true }
end

local LOG_LINES = 40

-- The last `tail` of a made-up log of `what`, one line per entry.
local function log_text(what, tail)
  local lines = {}
  for i = math.max(1, LOG_LINES - (tail or LOG_LINES) + 1), LOG_LINES do
    lines[#lines + 1] = format("2026-01-05T10:%02d:00Z %s: line %d", i, what, i)
  end
  return table.concat(lines, "\n")
end

-- The two answers: documented {"logs"}, the official CLI's four streams.
local function logs_answer(what, tail, cli_shape)
  if not cli_shape then return 200, { logs = log_text(what, tail) } end
  return 200, { info0 = log_text(what, tail), info1 = "", trace = "", debug = "" }
end

local function tail_of(t)
  if t.tail == nil then return true end
  if values.is_integer(t.tail) and t.tail >= 1 then return t.tail end
  return nil
end

-- {"endpoint": name, "tail": N} (documented) or {"id": N, "tail": N} (the CLI).
local function endpoint_logs(req)
  local t = req.json
  if type(t) ~= "table" or json.is_array(t) or (t.endpoint == nil) == (t.id == nil) then
    return vast_error(400, "invalid_args", "Give endpoint (a name) or id")
  end
  local tail = tail_of(t)
  if not tail then return vast_error(400, "invalid_args", "tail must be a positive integer") end
  local ep = t.endpoint ~= nil and find_by(req.state.endpoints, "endpoint_name", t.endpoint)
    or (values.is_integer(t.id) and find_by(req.state.endpoints, "id", t.id))
  if not ep or not run_key_ok(req, ep) then
    return bare_string("endpoint " .. tostring(t.endpoint or t.id) .. " not found or invalid api_key")
  end
  return logs_answer("endpoint " .. ep.endpoint_name, tail ~= true and tail or nil, t.id ~= nil)
end

local function workergroup_logs(cli_shape)
  return function(req)
    local id, status, value = body_id(req)
    if not id then return status, value end
    local tail = tail_of(req.json)
    if not tail then return vast_error(400, "invalid_args", "tail must be a positive integer") end
    local g = find_by(req.state.workergroups, "id", id)
    if not g or not run_key_ok(req, g) then
      return bare_string(format("workergroup %d not found or invalid api_key", id))
    end
    return logs_answer(format("workergroup %d", id), tail ~= true and tail or nil, cli_shape)
  end
end

---------------------------------------------------------------- provider

local M = { name = "vast" }

-- Credential checks named by the rows' `auth`: a key record, or nil and
-- the answer to give instead.
M.auth = {
  console = function(req)
    local k = req.bearer and req.state.keys[req.bearer]
    if k then return k end
    return nil, vast_error(401, "invalid_api_key", "Invalid or missing API key")
  end,
}

-- {method, template, handler, auth = scheme, rate = documented requests/s}
M.routes = {
  { "GET", "/api/v0/endptjobs/", list_endpoints, auth = "console", rate = 3.0 },
  { "DELETE", "/api/v0/endptjobs/{id}/", delete_endpoint, auth = "console", rate = 3.0 },
  { "GET", "/api/v0/workergroups/", list_workergroups, auth = "console", rate = 2.0 },
  { "GET", "/api/v0/autojobs/", list_workergroups, auth = "console", rate = 2.0 },
  { "DELETE", "/api/v0/workergroups/{id}/", delete_workergroup, auth = "console", rate = 3.0 },
  { "DELETE", "/api/v0/autojobs/{id}/", delete_workergroup, auth = "console", rate = 3.0 },
  -- the run host checks keys itself: a bad one is a 200 with a string
  { "POST", "/get_endpoint_workers/", endpoint_workers },
  { "POST", "/get_workergroup_workers/", workergroup_workers },
  { "GET", "/api/v0/endptjobs/{id}/", show_endpoint, auth = "console" },
  { "PUT", "/api/v0/endptjobs/{id}/", update_endpoint, auth = "console", rate = 2.0 },
  { "POST", "/get_endpoint_logs/", endpoint_logs },
  { "POST", "/get_workergroup_logs/", workergroup_logs(false) },
  { "POST", "/get_autogroup_logs/", workergroup_logs(true) },
}
-- money (its fixed paths before the instances' templates), deployments,
-- instances and volumes
for _, part in ipairs { billing, deployments, instances } do
  for _, r in ipairs(part.routes) do M.routes[#M.routes + 1] = r end
end

function M.build(section)
  local st = {
    keys = fixture.api_keys(section, "vast"),
    endpoints = fixture.list(section, "endpoints", "vast"),
    workergroups = fixture.list(section, "workergroups", "vast"),
    workers = fixture.list(section, "workers", "vast"),
  }
  fixture.integer_ids(st.endpoints, "id", "vast.endpoints")
  fixture.integer_ids(st.workergroups, "id", "vast.workergroups")
  fixture.integer_ids(st.workers, "id", "vast.workers")
  instances.build(section, st)
  billing.build(section, st, fixture)
  deployments.build(section, st)
  return st
end

function M.counts(st)
  return instances.counts(st, { endpoints = #st.endpoints, workergroups = #st.workergroups, workers = #st.workers,
    deployments = #st.deployments })
end

function M.snapshot(st)
  return billing.snapshot(st, instances.snapshot(st, {
    endpoints = json.array(st.endpoints), workergroups = json.array(st.workergroups),
    workers = json.array(st.workers), deployments = json.array(st.deployments),
  }))
end

return M
