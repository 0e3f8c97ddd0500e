-- The runtime over the C core: one libcurl easy handle for calls one at a
-- time (keep-alive connections and TLS sessions reused across calls), one
-- multi handle for many at once (runtime/scheduler.lua), the core's
-- monotonic clock and nanosleep. close() releases both handles.
-- interrupt() reads the core's interrupt guard, for the scheduler. A group
-- of one task runs on the easy handle, without the scheduler.

local core = require "gpucloud.core"
-- runtime/scheduler.lua is required at the first run_all of more than one
-- task, runtime/stop.lua when a run of one stops early

local M = {}

-- The process a handle belongs to: nginx forks its workers from the
-- master, and a handle (with its open connections) must not be shared
-- across the fork.
local function process_id()
  local ngx = rawget(_G, "ngx")
  return ngx and ngx.worker and ngx.worker.pid and ngx.worker.pid() or 0
end

--- A new curl runtime (handles are opened on first use). `clock`
-- ({now, sleep}, optional) replaces the core's: runtime/virtual.lua's.
function M.new(clock)
  local easy, multi, owner
  local rt = { kind = "curl", family = "curl", now = clock and clock.now or core.now,
               sleep = clock and clock.sleep or core.sleep }

  -- A handle inherited from another process is left alone: closing it
  -- would shut connections its owner still holds.
  local function mine()
    local pid = process_id()
    if owner ~= pid then easy, multi, owner = nil, nil, pid end
  end

  function rt.request(req)
    if not easy or owner ~= 0 then
      mine()
      if not easy then easy = core.new() end
    end
    return easy:request(req)
  end

  --- nil, or what a signal asks of a run, with the guard on
  -- (core.interrupt_guard): "stop" (start nothing new) or "abort" (the
  -- core is ending what is in flight), and the signal's name.
  function rt.interrupt()
    local count, sig, aborting = core.interrupted()
    if count > 0 then return aborting and "abort" or "stop", sig end
  end

  -- One task needs no scheduler: it runs here, its calls on the easy
  -- handle one at a time, as they would go there (a bulk call of one id,
  -- the command line's delete of one), and it stops as the scheduler
  -- stops one: not started after a signal, named by results.interrupted
  -- when one came while it ran, a raise carrying whether it had sent.
  local function run_one(task, on_done)
    local mode, sig = rt.interrupt()
    if mode then
      local results = { require("gpucloud.runtime.stop").not_started(sig or "interrupt") }
      results.interrupted = sig or "interrupt"
      return results
    end
    local sent = false
    local trt = setmetatable({ request = function(req)
      sent = true
      return rt.request(req)
    end }, { __index = rt })
    local results = {}
    local ok, e = pcall(function()
      local value, err = task(trt)
      results[1] = { value, err }
      if on_done then on_done(1, 1) end
    end)
    if not ok then require("gpucloud.runtime.stop").raise(e, results, 1, 1, { sent }) end
    mode, sig = rt.interrupt()
    if mode then results.interrupted = sig or "interrupt" end
    return results
  end

  function rt.run_all(tasks, n, on_done)
    if #tasks == 1 then return run_one(tasks[1], on_done) end
    mine()
    if not multi then multi = core.multi() end
    local scheduler = require "gpucloud.runtime.scheduler"
    return scheduler.run(scheduler.engine(multi), rt, tasks, n, on_done)
  end

  function rt.close()
    if owner == process_id() then
      if easy then easy:close() end
      if multi then multi:close() end
    end
    easy, multi = nil, nil
  end

  --- What is open (for specs): the easy and multi handles, or nil.
  function rt.handles() return easy, multi end

  return rt
end

return M
