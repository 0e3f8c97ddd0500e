-- Time for waits and deadlines: nginx's own clock and non-blocking sleep
-- inside OpenResty where the phase allows it, the C core's monotonic clock
-- and nanosleep elsewhere. The choice is made per call, by the same rule as
-- the transport (gpucloud.transport): init_by_lua cannot ngx.sleep, and a
-- client made there may wait in a handler later.

local cosocket = require "gpucloud.transport.ngx"

local M = {}

local core -- loaded when first needed: inside nginx the C core is optional

local function c()
  if not core then core = require "gpucloud.core" end
  return core
end

function M.now()
  if cosocket.available() then
    local ngx = rawget(_G, "ngx")
    ngx.update_time()
    return ngx.now()
  end
  return c().now()
end

function M.sleep(seconds)
  if cosocket.available() then return rawget(_G, "ngx").sleep(seconds) end
  return c().sleep(seconds)
end

return M
