-- The control plane, /_sim/*: no auth, never logged or counted, never
-- faulted. Rows like a provider's; each handler takes the request table
-- (req.app is the app) and returns status, value, headers.

local json = require "gpucloud.json"
local faults = require "gpucloud.sim.faults"

local M = {}

local function fail(status, msg)
  return status, { error = msg }
end

-- The body as a JSON object -> table | nil, message.
local function body_object(req)
  local t = req.json
  if t == nil then return nil, "invalid JSON: " .. tostring(req.json_error) end
  if type(t) ~= "table" or json.is_array(t) then return nil, "expected a JSON object" end
  return t
end

local function health(req)
  local out = { status = "ok" }
  for name, n in pairs(req.app:counts()) do out[name] = n end
  return 200, out
end

-- Empty body: back to the start fixture; a JSON fixture replaces it.
local function reset(req)
  local fixture
  if req.body:match("%S") then
    local err
    fixture, err = body_object(req)
    if not fixture then return fail(400, err) end
  end
  local ok, err = pcall(req.app.reset, req.app, fixture)
  if not ok then return fail(400, tostring(err)) end
  return health(req)
end

local function get_log(req)
  return 200, json.array(req.app.log)
end

local function clear_log(req)
  req.app.log = {}
  return 200, { cleared = true }
end

local function stats(req)
  return 200, req.app.stats
end

local function inject(req)
  if type(req.json) ~= "table" then return fail(400, "invalid JSON: " .. tostring(req.json_error)) end
  local n, err = faults.add(req.app.injections, req.json)
  if not n then return fail(400, err) end
  return 200, { queued = n, pending = #req.app.injections }
end

local function list_injections(req)
  local out = json.array()
  for i, r in ipairs(req.app.injections) do out[i] = r end
  return 200, out
end

local function clear_injections(req)
  req.app.injections = {}
  return 200, { pending = 0 }
end

local function get_config(req)
  return 200, json.object(req.app.config)
end

-- Merge settings. Known: retry_after (string or number of seconds),
-- rate_limits, rate_grace, clock (a number: the simulator's time from now
-- on, as a client's virtual clock reads it; null: the real clock again),
-- now (epoch seconds: the providers' date, fixed; rate limits keep the
-- running clock; app.lua). Other keys are kept as given.
local function set_config(req)
  local t, err = body_object(req)
  if not t then return fail(400, err) end
  if t.retry_after ~= nil then
    local ra = t.retry_after
    if type(ra) ~= "string" and type(ra) ~= "number" then
      return fail(400, "retry_after must be a string or a number")
    end
    t.retry_after = type(ra) == "number" and json.encode(ra) or ra
  end
  if t.clock ~= nil and t.clock ~= json.null and type(t.clock) ~= "number" then
    return fail(400, "clock must be a number of seconds or null")
  end
  if t.clock == json.null then
    t.clock = nil
    req.app.config.clock = nil
  end
  for k, v in pairs(t) do req.app.config[k] = v end
  return get_config(req)
end

-- Settings back to the simulator's defaults.
local function reset_config(req)
  req.app:default_config()
  return get_config(req)
end

-- The whole state, private fields included, for specs and debugging.
local function state(req)
  return 200, req.app:snapshot()
end

M.routes = {
  { "GET", "/_sim/health", health },
  { "POST", "/_sim/reset", reset },
  { "GET", "/_sim/log", get_log },
  { "DELETE", "/_sim/log", clear_log },
  { "GET", "/_sim/stats", stats },
  { "GET", "/_sim/inject", list_injections },
  { "POST", "/_sim/inject", inject },
  { "DELETE", "/_sim/inject", clear_injections },
  { "GET", "/_sim/config", get_config },
  { "POST", "/_sim/config", set_config },
  { "DELETE", "/_sim/config", reset_config },
  { "GET", "/_sim/state", state },
}

return M
