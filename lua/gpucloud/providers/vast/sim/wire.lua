-- What the simulated Vast.ai says and reads on every route: its error
-- bodies, the run host's bare-string failures, ids in paths and bodies,
-- the run host's key rule. Shared by init.lua (serverless) and
-- instances.lua (instances and volumes).

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"

local M = {}

local function vast_error(status, code, msg, extra)
  local body = { success = false, error = code, msg = msg }
  if extra then for k, v in pairs(extra) do body[k] = v end end
  return status, body
end

-- The run host answers some failures with a bare JSON string, status 200.
local function bare_string(msg)
  return 200, json.encode(msg)
end

local function parse_id(s)
  if s:match("^%d+$") and #s <= 15 then return tonumber(s) end
  return nil
end

local function find_by(list, field, value)
  for _, v in ipairs(list) do
    if v[field] == value then return v end
  end
  return nil
end

local function remove_if(list, pred)
  local kept, removed = {}, {}
  for _, v in ipairs(list) do
    if pred(v) then removed[#removed + 1] = v else kept[#kept + 1] = v end
  end
  return kept, removed
end

-- The run host accepts the account key or the entity's own api_key.
local function run_key_ok(req, entity)
  local key = req.bearer
  if not key then return false end
  if req.state.keys[key] then return true end
  return entity ~= nil and entity.api_key == key
end

-- The id in a run-host body {"id": N} -> id | nil, status, value.
local function body_id(req)
  local t = req.json
  if type(t) ~= "table" then return nil, vast_error(400, "invalid_args", "Invalid JSON body") end
  if t.id == nil or t.id == json.null or json.is_array(t) then
    return nil, vast_error(400, "invalid_args", "Missing required field: id")
  end
  if not values.is_integer(t.id) then
    return nil, vast_error(400, "invalid_args", "Field id must be an integer")
  end
  return t.id
end

M.vast_error, M.bare_string, M.parse_id, M.find_by, M.remove_if = vast_error, bare_string, parse_id, find_by, remove_if
M.run_key_ok, M.body_id = run_key_ok, body_id

return M
