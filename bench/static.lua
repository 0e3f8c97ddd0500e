-- The per-call listing served by nginx itself, for bench/run.lua and
-- bench/profile.lua: endpoint 101's workers exactly as the simulator's app
-- answers them, from a static location guarded by the key (the app's Lua
-- handler costs about as much per call as the whole client, and a slow
-- server squeezes every ratio towards 1).

local app_mod = require "gpucloud.sim.app"

local M = {}

local UNAUTHORIZED = '{"success":false,"error":"invalid_api_key","msg":"Invalid or missing API key"}'

--- nginx's `if` that answers 401 unless the request carries `key`.
function M.guard(key)
  return string.format('if ($http_authorization != "Bearer %s") { return 401 \'%s\'; }', key, UNAUTHORIZED)
end

--- The server lines of the per-call location, for server.start's extra.server.
function M.percall(fixture, key)
  local _, _, small = app_mod.new(fixture):handle("POST", "/get_endpoint_workers/",
    { authorization = "Bearer " .. key }, '{"id":101}')
  assert(not small:find("[\\'$]"), "the static listing must not need nginx escapes")
  return "location = /get_endpoint_workers/ { " .. M.guard(key) .. " return 200 '" .. small .. "'; }"
end

return M
