-- The default transport: the C core, one libcurl easy handle per client so
-- keep-alive connections and TLS sessions are reused across calls.

local core = require "gpucloud.core"

local M = {}

--- A transport function and the handle behind it (close it when done).
function M.new()
  local handle = core.new()
  local request = handle.request
  return function(req) return request(handle, req) end, handle
end

return M
