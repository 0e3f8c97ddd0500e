-- Many calls at once in one Lua thread, over libcurl's multi interface.
-- Each task is a coroutine running the ordinary operation path with a task
-- runtime: where that path would block (a request, a pause, a nested group
-- of tasks) the coroutine yields here, and the scheduler keeps every
-- request in flight on the multi handle until something finishes or a
-- pause is due. Groups nest: a task may run tasks of its own (a fleet
-- delete runs each provider's bulk call as one task), and the parent
-- resumes when its whole group has ended. A signal (the core's interrupt
-- guard) or a raise stops the run early: runtime/stop.lua says how.

local stop = require "gpucloud.runtime.stop"

local M = {}

local create, resume, yield, status = coroutine.create, coroutine.resume, coroutine.yield, coroutine.status

-- Yield tags: tables, so nothing but this module's task runtime can make
-- a yield the scheduler acts on.
local HTTP, SLEEP, SPAWN = {}, {}, {}

--- What code inside a task sees: the runtime interface, yielding to the
-- scheduler instead of blocking. `base` gives now() and the family.
function M.task_runtime(base)
  return {
    kind = "curl", family = base.family, task = true,
    request = function(req) return yield(HTTP, req) end,
    now = base.now,
    sleep = function(s) yield(SLEEP, s) end,
    run_all = function(tasks, n, on_done) return yield(SPAWN, tasks, n, on_done) end,
    close = function() end,
  }
end

-- An engine over a core multi: add(req, token), pending(), wait(seconds)
-- -> { {token, res, err}, ... } for what finished.
local Engine = {}
Engine.__index = Engine

function M.engine(multi)
  return setmetatable({ multi = multi, tokens = {} }, Engine)
end

function Engine:add(req, token)
  self.tokens[self.multi:add(req)] = token
end

function Engine:pending()
  return self.multi:pending()
end

--- End every transfer in flight (a run that raised): nothing more is sent.
function Engine:abort()
  self.multi:abort()
  self.tokens = {}
end

function Engine:wait(seconds)
  local out = {}
  for _, d in ipairs(self.multi:perform(seconds)) do
    local token = self.tokens[d.id]
    self.tokens[d.id] = nil
    -- a transfer left over from a run that raised belongs to nobody
    if token then out[#out + 1] = { token, d.res, d.err } end
  end
  return out
end

--- Run tasks[i](task_runtime) for every i, at most `n` at once; on_done
-- after each. Returns results[i] = {value, err}. When base.interrupt()
-- says to stop (a signal, with the core's interrupt guard on), nothing new
-- starts: the tasks not begun end as not started (runtime/stop.lua) and
-- results.interrupted names the signal; on "abort" the core also ends
-- what is in flight, and pauses end early. A raise in a task (a hook's,
-- say) stops the run: what is in flight is aborted and the raise reaches
-- the caller as a runtime.stop value carrying the results so far.
function M.run(engine, base, tasks, n, on_done)
  local now, sleep, interrupt = base.now, base.sleep, base.interrupt
  local rt = M.task_runtime(base)
  local groups, sleepers = {}, {}
  local group_of, index_of = {}, {}
  -- which root task each coroutine works for, and the root tasks that
  -- have sent a request: what a run that raises can say of each
  local root_of, sent = {}, {}
  local stopped_by -- the signal that stopped the run, once one has
  local step

  local function new_group(list, limit, done_fn, parent)
    return { tasks = list, limit = limit or #list, on_done = done_fn, parent = parent,
             next = 1, live = 0, done = 0, dropped = 0, results = {} }
  end

  -- Every task of g has ended (or will never start): its parent goes on.
  local function close_if_ended(g)
    if g.done + g.dropped < #g.tasks then return end
    g.ended = true
    g.results.interrupted = stopped_by
    for k = #groups, 1, -1 do
      if groups[k] == g then table.remove(groups, k) end
    end
    if g.parent then step(g.parent, g.results) end
  end

  local function finish(co, value, err)
    local g, i = group_of[co], index_of[co]
    group_of[co], index_of[co], root_of[co] = nil, nil, nil
    g.results[i] = { value, err }
    g.live, g.done = g.live - 1, g.done + 1
    if g.on_done then g.on_done(g.done, #g.tasks) end
    close_if_ended(g)
  end

  step = function(co, ...)
    local ok, tag, a, b, c = resume(co, ...)
    if not ok then error(tag, 0) end
    if status(co) == "dead" then return finish(co, tag, a) end
    if tag == HTTP then
      sent[root_of[co]] = true
      engine:add(a, co)
    elseif tag == SLEEP then
      sleepers[#sleepers + 1] = { co = co, at = now() + (a or 0) }
    elseif tag == SPAWN then
      if #a == 0 then return step(co, {}) end
      groups[#groups + 1] = new_group(a, b, c, co)
    else
      error("gpucloud: a task yielded outside gpucloud (" .. tostring(tag) .. ")", 0)
    end
  end

  local root = new_group(tasks, n, on_done, nil)
  if #tasks == 0 then return root.results end
  groups[1] = root

  -- Once stopped, what has not begun never will.
  local function drop_rest(g)
    for i = g.next, #g.tasks do g.results[i] = stop.not_started(stopped_by) end
    g.dropped = #g.tasks - g.next + 1
    g.next = #g.tasks + 1
    close_if_ended(g)
  end

  local function start_what_may()
    local changed = true
    while changed do
      changed = false
      local snapshot = {}
      for k, g in ipairs(groups) do snapshot[k] = g end
      for _, g in ipairs(snapshot) do
        if stopped_by and g.next <= #g.tasks then
          drop_rest(g)
          changed = true
        end
        while g.live < g.limit and g.next <= #g.tasks do
          local i = g.next
          g.next, g.live = i + 1, g.live + 1
          local co = create(g.tasks[i])
          group_of[co], index_of[co] = g, i
          root_of[co] = g.parent and root_of[g.parent] or i
          step(co, rt)
          changed = true
        end
      end
    end
  end

  local function look_for_interrupt()
    local mode, sig = interrupt()
    if not mode then return end
    stopped_by = stopped_by or sig or "interrupt"
    -- an abort wakes every pause: what each task sends next ends at once
    if mode == "abort" then
      for _, s in ipairs(sleepers) do s.at = -math.huge end
    end
  end

  local function loop()
    while not root.ended do
      if interrupt then look_for_interrupt() end
      start_what_may()
      if root.ended then break end
      -- wake the sleepers that are due, then wait for the network or the next one
      local t, soonest = now(), math.huge
      local due, still = {}, {}
      for _, s in ipairs(sleepers) do
        if s.at <= t then
          due[#due + 1] = s
        else
          still[#still + 1] = s
          if s.at < soonest then soonest = s.at end
        end
      end
      sleepers = still
      for _, s in ipairs(due) do step(s.co) end
      if #due == 0 then
        if engine:pending() > 0 then
          local wait = math.max(0, math.min(soonest - now(), 1))
          for _, d in ipairs(engine:wait(wait)) do step(d[1], d[2], d[3]) end
        elseif #sleepers > 0 then
          local wait = soonest - now()
          if wait > 0 then sleep(wait) end
        elseif not root.ended and #groups > 0 then
          local stuck = true
          for _, g in ipairs(groups) do
            if g.next <= #g.tasks and g.live < g.limit then stuck = false end
          end
          if stuck then error("gpucloud: bulk scheduler has tasks that wait on nothing", 0) end
        end
      end
    end
  end

  local ok, e = pcall(loop)
  if not ok then
    -- nothing more goes out for a run that raised
    engine:abort()
    stop.raise(e, root.results, root.next - 1, #tasks, sent)
  end
  return root.results
end

return M
