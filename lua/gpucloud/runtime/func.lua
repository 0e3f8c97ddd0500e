-- A runtime around what a user gives: a transport function(req) -> res |
-- nil, err (the `transport` option), or a table with request, now and sleep
-- of its own (the `runtime` option). Many calls at once run one after
-- another, since nothing here can overlap a blocking function; run_all and
-- close are the table's own when it has them.

local stop = require "gpucloud.runtime.stop"

local M = {}

local function clock()
  local ngx_rt = require "gpucloud.runtime.ngx"
  local ok, core = pcall(require, "gpucloud.core")
  local now = function()
    if ngx_rt.available() then return ngx_rt.new().now() end
    return core.now()
  end
  local sleep = function(s)
    if ngx_rt.available() then return ngx_rt.new().sleep(s) end
    return core.sleep(s)
  end
  if not ok and not rawget(_G, "ngx") then
    now, sleep = os.time, function() error("gpucloud: no clock: gpucloud.core is not loadable", 2) end
  end
  return now, sleep
end

--- Run tasks one after another: results[i] = {value, err}. A raise
-- reaches the caller with the results so far (runtime/stop.lua).
function M.sequential(rt)
  return function(tasks, _, on_done)
    local results, started = {}, 0
    local ok, e = pcall(function()
      for i = 1, #tasks do
        started = i
        local v, err = tasks[i](rt)
        results[i] = { v, err }
        if on_done then on_done(i, #tasks) end
      end
    end)
    if not ok then stop.raise(e, results, started, #tasks) end
    return results
  end
end

--- A runtime from a transport function.
function M.new(transport)
  local rt = { kind = "func", request = transport, close = function() end }
  rt.family = rt -- only itself: its requests cannot go through another runtime
  rt.now, rt.sleep = clock()
  rt.run_all = M.sequential(rt)
  return rt
end

--- A runtime from a table {request, now, sleep[, run_all, close]}.
function M.wrap(t)
  local rt = {
    kind = t.kind or "func", request = t.request, now = t.now, sleep = t.sleep,
    close = t.close or function() end,
  }
  rt.family = t.family or rt
  rt.run_all = t.run_all or M.sequential(rt)
  return rt
end

return M
