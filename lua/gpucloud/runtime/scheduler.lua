-- Many calls at once in one Lua thread, over libcurl's multi interface.
-- Each task is a coroutine running the ordinary operation path with a task
-- runtime: where that path would block (a request, a pause, a nested group
-- of tasks) the coroutine yields here, and the scheduler keeps every
-- request in flight on the multi handle until something finishes or a
-- pause is due. Groups nest: a task may run tasks of its own (a fleet
-- delete runs each provider's bulk call as one task), and the parent
-- resumes when its whole group has ended.

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
-- after each. Returns results[i] = {value, err}. A raise in a task (a
-- hook's, say) is the caller's: it propagates.
function M.run(engine, base, tasks, n, on_done)
  local now, sleep, virtual = base.now, base.sleep, base.virtual
  local rt = M.task_runtime(base)
  local groups, sleepers = {}, {}
  local group_of, index_of = {}, {}
  local step

  local function new_group(list, limit, done_fn, parent)
    return { tasks = list, limit = limit or #list, on_done = done_fn, parent = parent,
             next = 1, live = 0, done = 0, results = {} }
  end

  local function finish(co, value, err)
    local g, i = group_of[co], index_of[co]
    group_of[co], index_of[co] = nil, nil
    g.results[i] = { value, err }
    g.live, g.done = g.live - 1, g.done + 1
    if g.on_done then g.on_done(g.done, #g.tasks) end
    if g.done == #g.tasks then
      for k = #groups, 1, -1 do
        if groups[k] == g then table.remove(groups, k) end
      end
      if g.parent then step(g.parent, g.results) end
    end
  end

  step = function(co, ...)
    local ok, tag, a, b, c = resume(co, ...)
    if not ok then error(tag, 0) end
    if status(co) == "dead" then return finish(co, tag, a) end
    if tag == HTTP then
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

  local function start_what_may()
    local started = true
    while started do
      started = false
      local snapshot = {}
      for k, g in ipairs(groups) do snapshot[k] = g end
      for _, g in ipairs(snapshot) do
        while g.live < g.limit and g.next <= #g.tasks do
          local i = g.next
          g.next, g.live = i + 1, g.live + 1
          local co = create(g.tasks[i])
          group_of[co], index_of[co] = g, i
          step(co, rt)
          started = true
        end
      end
    end
  end

  while root.done < #tasks do
    start_what_may()
    if root.done >= #tasks then break end
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
      if engine:pending() > 0 and virtual and #sleepers > 0 then
        -- a virtual clock (runtime/virtual.lua) does not move while the
        -- network works: what finished is taken, else the clock moves on
        -- to the next pause, so a slow answer never holds up the others
        local done = engine:wait(0)
        for _, d in ipairs(done) do step(d[1], d[2], d[3]) end
        if #done == 0 then sleep(soonest - now()) end
      elseif engine:pending() > 0 then
        local wait = math.max(0, math.min(soonest - now(), 1))
        for _, d in ipairs(engine:wait(wait)) do step(d[1], d[2], d[3]) end
      elseif #sleepers > 0 then
        local wait = soonest - now()
        if wait > 0 then sleep(wait) end
      elseif root.done < #tasks and #groups > 0 then
        local stuck = true
        for _, g in ipairs(groups) do
          if g.next <= #g.tasks and g.live < g.limit then stuck = false end
        end
        if stuck then error("gpucloud: bulk scheduler has tasks that wait on nothing", 0) end
      end
    end
  end
  return root.results
end

return M
