-- Time for waits and deadlines: nginx's own clock and non-blocking sleep
-- inside OpenResty, the C core's monotonic clock and nanosleep elsewhere.

local M = {}

local ngx = rawget(_G, "ngx")

if ngx and ngx.sleep and ngx.now then
  function M.now()
    ngx.update_time()
    return ngx.now()
  end
  M.sleep = ngx.sleep
else
  local core = require "gpucloud.core"
  M.now = core.now
  M.sleep = core.sleep
end

return M
