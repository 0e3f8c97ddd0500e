-- The runtime over the C core: one libcurl easy handle for calls one at a
-- time (keep-alive connections and TLS sessions reused across calls), one
-- multi handle for many at once (runtime/scheduler.lua), the core's
-- monotonic clock and nanosleep. close() releases both handles. A group
-- of one task runs on the easy handle, without the scheduler.

local core = require "gpucloud.core"
-- runtime/scheduler.lua is required at the first run_all of more than one task

local M = {}

-- The process a handle belongs to: nginx forks its workers from the
-- master, and a handle (with its open connections) must not be shared
-- across the fork.
local function process_id()
  local ngx = rawget(_G, "ngx")
  return ngx and ngx.worker and ngx.worker.pid and ngx.worker.pid() or 0
end

--- A new curl runtime (handles are opened on first use).
function M.new()
  local easy, multi, owner
  local rt = { kind = "curl", family = "curl", now = core.now, sleep = core.sleep }

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

  function rt.run_all(tasks, n, on_done)
    -- one task needs no scheduler: it runs here, its calls on the easy
    -- handle, one request at a time as it would make them there (a bulk
    -- call of one id, the command line's delete of one)
    if #tasks == 1 then
      local value, err = tasks[1](rt)
      if on_done then on_done(1, 1) end
      return { { value, err } }
    end
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
