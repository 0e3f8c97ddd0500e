-- What a run of many tasks (a runtime's run_all) hands back when it stops
-- before every task has ended. Stopped by a signal (the interrupt guard:
-- gpucloud.core.interrupt_guard), run_all returns: the tasks it never
-- started end as `not_started` errors, and results.interrupted names the
-- signal. Stopped by a Lua error (a hook's, an on_progress's, Ctrl-C in a
-- plain `lua` script), run_all raises a Stopped value that carries the
-- results so far, the tasks then in flight marked `in_flight`, the others
-- `not_started`, so a bulk call can still say what it did.

local errors = require "gpucloud.errors"

local M = {}

local Stopped = {}
Stopped.__index = Stopped
Stopped.__tostring = function(s) return tostring(s.error) end

--- The result of a task never started: `why` names what stopped the run.
function M.not_started(why)
  return { nil, errors.local_failure(nil, "interrupted", "not started: the run was interrupted (" .. why .. ")",
    { not_started = true }) }
end

--- The result of a task cut off in flight by a Lua error; `unsent` when
-- the runtime knows it had sent no request.
function M.in_flight(e, unsent)
  return { nil, errors.local_failure(nil, "interrupted",
    "stopped in flight by an error: " .. errors.one_line(tostring(e)), { in_flight = true, unsent = unsent }) }
end

--- Raise what run_all raises on a Lua error `e`: `results` of the tasks
-- that ended, the first `started` of `total` having begun; `sent[i]` is
-- true for a task that had sent a request (nil `sent`: not known).
function M.raise(e, results, started, total, sent)
  local out = {}
  for i = 1, total do
    out[i] = results[i] or (i <= started and M.in_flight(e, sent and not sent[i] or nil)
      or M.not_started("an error"))
  end
  error(setmetatable({ error = e, results = out }, Stopped), 0)
end

--- The Stopped value in `e`, or nil when `e` is any other error.
function M.stopped(e)
  if getmetatable(e) == Stopped then return e end
end

return M
