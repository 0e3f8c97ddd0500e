-- Vast.ai instances and volumes as the simulator serves them (the wire:
-- docs/vast.md): the paged v1 listing with select_filters, the retired v0
-- listing (410), show, destroy, stop/start/label, volumes. Its routes are
-- appended to sim/init.lua's; its state lives in the same section.
--
-- Fixture flags: `_missing_billing: true` on an instance (start answers
-- 400 missing_billing), `_type` on a volume (local_volume or
-- network_volume, what `type=` selects).

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local fixture = require "gpucloud.sim.fixture"
local wire = require "gpucloud.providers.vast.sim.wire"
local billing = require "gpucloud.providers.vast.sim.billing"

local vast_error, parse_id, find_by, remove_if = wire.vast_error, wire.parse_id, wire.find_by, wire.remove_if
local null = json.null
local format = string.format

local M = {}

local PAGE_MAX = 25
local LABEL_MAX = 1024
-- fields the listing computes, which select_filters cannot see (400)
local COMPUTED = { dph_total = true, num_gpus = true }
local NEVER_RUN = { exited = true, unknown = true, offline = true }

---------------------------------------------------------------- select_filters

local function field_value(inst, field)
  local v = inst[field]
  if v == nil then return null end
  return v
end

local function ordered(a, b)
  return type(a) == type(b) and (type(a) == "number" or type(a) == "string")
end

local function member(v, list)
  for _, x in ipairs(list) do
    if x == v then return true end
  end
  return false
end

local TESTS = {
  eq = function(v, x) return v == x end,
  neq = function(v, x) return v ~= x end,
  gt = function(v, x) return ordered(v, x) and v > x end,
  gte = function(v, x) return ordered(v, x) and v >= x end,
  lt = function(v, x) return ordered(v, x) and v < x end,
  lte = function(v, x) return ordered(v, x) and v <= x end,
  ["in"] = member,
  notin = function(v, list) return not member(v, list) end,
}

-- The select_filters query value -> a predicate | nil, status, body.
local function predicate(text)
  if text == nil or text == "" then return function() return true end end
  local f = values.decode(text)
  if type(f) ~= "table" or json.is_array(f) then
    return nil, vast_error(400, "invalid_args", "select_filters must be a JSON object")
  end
  for field, cond in pairs(f) do
    if COMPUTED[field] then
      return nil, vast_error(400, "invalid_args", format("Cannot filter on computed field: %s", field))
    end
    if type(cond) ~= "table" or json.is_array(cond) then
      return nil, vast_error(400, "invalid_args", format("Filter for %s must be an object of operators", field))
    end
    for op, x in pairs(cond) do
      if not TESTS[op] then return nil, vast_error(400, "invalid_args", format("Unknown operator: %s", op)) end
      if (op == "in" or op == "notin") ~= json.is_array(x) then
        return nil, vast_error(400, "invalid_args", format("Operator %s on %s takes %s", op, field,
          (op == "in" or op == "notin") and "a list" or "a value"))
      end
    end
  end
  return function(inst)
    for field, cond in pairs(f) do
      local v = field_value(inst, field)
      for op, x in pairs(cond) do
        if not TESTS[op](v, x) then return false end
      end
    end
    return true
  end
end

---------------------------------------------------------------- instances

local function sorted(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v end
  table.sort(out, function(a, b) return a.id < b.id end)
  return out
end

-- A cursor names the last id of the page before: opaque to clients.
local function cursor(id) return format("c%x", id) end
local function after(token)
  local hex = type(token) == "string" and token:match("^c(%x+)$")
  return hex and tonumber(hex, 16)
end

local function list_instances(req)
  local q = req.query
  local limit = PAGE_MAX
  if q.limit ~= nil then
    limit = tonumber(q.limit)
    if not limit or limit < 1 or limit ~= math.floor(limit) then
      return vast_error(400, "invalid_args", "limit must be a positive integer")
    end
    limit = math.min(limit, PAGE_MAX)
  end
  local from = 0
  if q.after_token ~= nil then
    from = after(q.after_token)
    if not from then return vast_error(400, "invalid_args", "Invalid after_token") end
  end
  local keep, status, body = predicate(q.select_filters)
  if not keep then return status, body end
  local all = req.state.instances
  local matching, labels = {}, json.object()
  for _, inst in ipairs(sorted(all)) do
    local label = type(inst.label) == "string" and inst.label or ""
    labels[label] = (labels[label] or 0) + 1
    if keep(inst) then matching[#matching + 1] = inst end
  end
  local page, last = {}, nil
  for _, inst in ipairs(matching) do
    if inst.id > from then
      if #page == limit then
        last = page[#page].id
        break
      end
      page[#page + 1] = inst
    end
  end
  return 200, {
    success = true, instances_found = #matching, total_instances = #all, label_counts = labels,
    next_token = last and cursor(last) or null, instances = values.public_list(page),
  }
end

local function retired_listing()
  return vast_error(410, "deprecated_endpoint", "/api/v0/instances/ is deprecated. Use /api/v1/instances/ instead.")
end

-- The instance named by the path -> instance | nil, status, body.
local function instance_of(req)
  local id = parse_id(req.captures[1])
  if not id then return nil, vast_error(400, "invalid_args", "Invalid instance ID") end
  local inst = find_by(req.state.instances, "id", id)
  if not inst then return nil, vast_error(404, "not_found", "Instance not found", { id = id }) end
  return inst
end

-- An object, despite the name; a bare null when there is none.
local function show_instance(req)
  local id = parse_id(req.captures[1])
  local inst = id and find_by(req.state.instances, "id", id)
  if not inst then return 200, "null" end
  return 200, { instances = values.public(inst) }
end

local function destroy_instance(req)
  local inst, status, body = instance_of(req)
  if not inst then return status, body end
  local st = req.state
  billing.ended(st, "instance", inst, req.now) -- its charges go on
  st.instances = remove_if(st.instances, function(i) return i == inst end)
  for _, v in ipairs(st.volumes) do
    v.instances = json.array((remove_if(v.instances, function(x) return x == inst.id end)))
  end
  return 200, { success = true }
end

local function set_state(inst, state)
  if state == "stopped" then
    inst.actual_status, inst.cur_state, inst.next_state, inst.intended_status =
      "stopped", "stopped", "stopped", "stopped"
    return
  end
  inst.intended_status, inst.next_state = "running", "running"
  -- exited, unknown and offline never get there
  if not NEVER_RUN[inst.actual_status] then inst.actual_status, inst.cur_state = "running", "running" end
end

local function put_instance(req)
  local inst, status, body = instance_of(req)
  if not inst then return status, body end
  local t = req.json
  if type(t) ~= "table" or json.is_array(t) then return vast_error(400, "invalid_args", "Invalid JSON body") end
  if t.state ~= nil then
    if t.state ~= "stopped" and t.state ~= "running" then
      return vast_error(400, "invalid_args", "state must be stopped or running")
    end
    if t.state == "running" and inst._missing_billing then
      return vast_error(400, "missing_billing", "Add a payment method before starting an instance")
    end
    set_state(inst, t.state)
  elseif t.label ~= nil then
    if t.label ~= null and type(t.label) ~= "string" then return vast_error(400, "invalid_args", "Invalid label") end
    if type(t.label) == "string" and #t.label > LABEL_MAX then
      return vast_error(400, "label_too_long", format("Label must be at most %d characters", LABEL_MAX))
    end
    inst.label = t.label
  else
    return vast_error(400, "invalid_args", "Nothing to change: give state or label")
  end
  return 200, { success = true }
end

---------------------------------------------------------------- volumes

local VOLUME_TYPES = { all_volume = true, local_volume = true, network_volume = true }

local function list_volumes(req)
  local kind = req.query.type or "all_volume"
  if not VOLUME_TYPES[kind] then return vast_error(400, "invalid_args", "Unknown volume type: " .. kind) end
  local out = {}
  for _, v in ipairs(sorted(req.state.volumes)) do
    if kind == "all_volume" or v._type == kind then out[#out + 1] = v end
  end
  return 200, { volumes = values.public_list(out) }
end

-- The id in the query (what the CLI sends) or in a JSON body (what the
-- reference shows).
local function delete_volume(req)
  local raw = req.query.id
  if raw == nil and type(req.json) == "table" and values.is_integer(req.json.id) then
    raw = format("%d", req.json.id)
  end
  local id = raw and parse_id(raw)
  if not id then return vast_error(400, "invalid_args", "Invalid volume ID") end
  local st = req.state
  local vol = find_by(st.volumes, "id", id)
  if not vol then return vast_error(404, "no_such_volume", "No volume by that id", { id = id }) end
  if #vol.instances > 0 then
    local ids = {}
    for i, x in ipairs(vol.instances) do ids[i] = format("%d", x) end
    return vast_error(400, "volume_in_use", format("Volume %d is attached to instances %s: destroy them first",
      id, table.concat(ids, ", ")))
  end
  billing.ended(st, "volume", vol, req.now)
  st.volumes = remove_if(st.volumes, function(v) return v == vol end)
  return 200, { success = true }
end

---------------------------------------------------------------- provider parts

M.routes = {
  { "GET", "/api/v1/instances/", list_instances, auth = "console", rate = 1.0 },
  { "GET", "/api/v0/instances/", retired_listing, auth = "console" },
  { "GET", "/api/v0/instances/{id}/", show_instance, auth = "console", rate = 2.0 },
  { "DELETE", "/api/v0/instances/{id}/", destroy_instance, auth = "console", rate = 3.0 },
  { "PUT", "/api/v0/instances/{id}/", put_instance, auth = "console", rate = 1.0 },
  { "GET", "/api/v0/volumes", list_volumes, auth = "console", rate = 5.5 },
  { "DELETE", "/api/v0/volumes/", delete_volume, auth = "console", rate = 5.5 },
}

--- Add the instances and volumes of a fixture section to a state.
function M.build(section, st)
  st.instances = fixture.list(section, "instances", "vast")
  st.volumes = fixture.list(section, "volumes", "vast")
  fixture.integer_ids(st.instances, "id", "vast.instances")
  fixture.integer_ids(st.volumes, "id", "vast.volumes")
  for _, v in ipairs(st.volumes) do
    if v.instances == nil or v.instances == null then v.instances = json.array() end
  end
end

function M.counts(st, out)
  out.instances, out.volumes = #st.instances, #st.volumes
  return out
end

function M.snapshot(st, out)
  out.instances, out.volumes = json.array(st.instances), json.array(st.volumes)
  return out
end

return M
