-- Every option and its default, one schema (gpucloud.config.OPTIONS) for
-- what a client takes, what a call takes, what a bulk call, a wait, a
-- paged listing and the fleet add. This module gathers the parts, each
-- with one job: config/schema.lua (the options, their kinds and
-- defaults), config/options.lua (a scope's options checked), config/
-- client.lua (the settings a client is made of), config/urls.lua (base
-- URLs). The API key's places are keys.lua's.

-- The parts' public names, gathered: VERSION, USER_AGENT, client, setting
-- (config/client.lua), scoped, call, wait, bulk, paged (config/options.lua),
-- OPTIONS, kinds, default, in_scope (config/schema.lua), urls, warn.
local M = {}
for _, part in ipairs { "client", "options", "schema", "urls" } do
  for k, v in pairs(require("gpucloud.config." .. part)) do M[k] = v end
end
M.warn = require "gpucloud.warn"

return M
