-- Bulk operations: many calls of one operation at once. Each item runs the
-- ordinary operation path (checks, pacing, retries, hooks, error mapping)
-- inside a coroutine; where that path would block (an HTTP request, a
-- pause) the coroutine yields to a scheduler that runs every request in
-- flight through one engine: libcurl's multi interface for the C
-- transport, or the transport function itself, in turn, for any other.

local args = require "gpucloud.args"

local M = {}

local unpack = table.unpack or unpack -- luacheck: ignore

------------------------------------------------------------------------
-- Engines: add(req, token) starts a request; wait(seconds) returns what
-- finished as { {token, res, err}, ... }; pending() counts what is in flight.

local MultiEngine = {}
MultiEngine.__index = MultiEngine

function M.multi_engine(multi)
  return setmetatable({ multi = multi, tokens = {} }, MultiEngine)
end

function MultiEngine:add(req, token)
  self.tokens[self.multi:add(req)] = token
end

function MultiEngine:pending()
  return self.multi:pending()
end

function MultiEngine:wait(seconds)
  local out = {}
  for i, d in ipairs(self.multi:perform(seconds)) do
    out[i] = { self.tokens[d.id], d.res, d.err }
    self.tokens[d.id] = nil
  end
  return out
end

-- Any transport function, called in turn: correct everywhere, concurrent
-- nowhere (a test's recording transport, say).
local SyncEngine = {}
SyncEngine.__index = SyncEngine

function M.sync_engine(transport)
  return setmetatable({ transport = transport, done = {} }, SyncEngine)
end

function SyncEngine:add(req, token)
  local res, err = self.transport(req)
  self.done[#self.done + 1] = { token, res, err }
end

function SyncEngine:pending()
  return #self.done
end

function SyncEngine:wait()
  local out = self.done
  self.done = {}
  return out
end

------------------------------------------------------------------------
-- Reports

local Report = {}
Report.__index = Report
M.Report = Report

local function show_id(id)
  if type(id) == "number" then return string.format("%d", id) end
  return tostring(id)
end

Report.__tostring = function(r)
  local lines = {}
  if r.dry_run then
    lines[1] = string.format("dry run: would %s %d of %d: %s", r.verb, #r.would_delete, r.total,
      table.concat(M.map_ids(r.would_delete), ", "))
  else
    local nfailed = 0
    for _ in pairs(r.failed) do nfailed = nfailed + 1 end
    lines[1] = string.format("%s %d of %d, %d failed, %d skipped, in %.2f s", r.done_verb, #r.ok, r.total,
      nfailed, #r.skipped, r.elapsed)
    for _, id in ipairs(r.order) do
      if r.failed[id] then
        lines[#lines + 1] = "  failed " .. show_id(id) .. ": " .. tostring(r.failed[id])
      end
    end
    if #r.skipped > 0 then
      lines[#lines + 1] = "  skipped (repeated): " .. table.concat(M.map_ids(r.skipped), ", ")
    end
  end
  return table.concat(lines, "\n")
end

function M.map_ids(ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = show_id(id) end
  return out
end

------------------------------------------------------------------------
-- The scheduler

--- Run `task(item)` for every item, at most `concurrency` at a time.
-- `io` is what the client's operation path uses inside a task: a function
-- bind(co, io) that makes coroutine `co` send through io.transport and wait
-- through io.clock. Returns results[i] = {value, err} in item order.
function M.run(items, task, o)
  local engine, clock, bind = o.engine, o.clock, o.bind
  local concurrency = o.concurrency
  local n = #items
  local results, next_item, live, finished = {}, 1, 0, 0
  local sleepers = {}
  local slot_of = {}

  local io_transport = function(req) return coroutine.yield("http", req) end
  local io_clock = { now = clock.now, sleep = function(s) coroutine.yield("sleep", s) end }

  local function step(co, ...)
    local ok, kind, a = coroutine.resume(co, ...)
    if not ok then error(kind, 0) end -- a raise in a task (a hook, say) is the caller's
    if coroutine.status(co) == "dead" then
      live = live - 1
      finished = finished + 1
      results[slot_of[co]] = { kind, a }
      if o.on_progress then o.on_progress(finished, n) end
    elseif kind == "http" then
      engine:add(a, co)
    elseif kind == "sleep" then
      sleepers[#sleepers + 1] = { co = co, at = clock.now() + (a or 0) }
    else
      error("gpucloud: a bulk task yielded outside gpucloud (" .. tostring(kind) .. ")", 0)
    end
  end

  while finished < n do
    while live < concurrency and next_item <= n do
      local i = next_item
      next_item = i + 1
      local co = coroutine.create(function() return task(items[i]) end)
      slot_of[co] = i
      bind(co, { transport = io_transport, clock = io_clock })
      live = live + 1
      step(co)
    end
    if finished >= n then break end
    -- wake the sleepers that are due, then wait for the network or the next one
    local now, soonest = clock.now(), math.huge
    local still = {}
    for _, s in ipairs(sleepers) do
      if s.at <= now then
        step(s.co)
      else
        still[#still + 1] = s
        if s.at < soonest then soonest = s.at end
      end
    end
    sleepers = still
    if engine:pending() > 0 then
      local wait = math.max(0, math.min(soonest - clock.now(), 1))
      for _, d in ipairs(engine:wait(wait)) do step(d[1], d[2], d[3]) end
    elseif #sleepers > 0 then
      local wait = soonest - clock.now()
      if wait > 0 then clock.sleep(wait) end
    end
  end
  return results
end

--- The same under nginx: each item in a light thread (gpucloud.transport.ngx
-- spawn_all), where cosockets and ngx.sleep yield to nginx by themselves.
function M.run_threads(items, task, o)
  local n, done, fns = #items, 0, {}
  for i, item in ipairs(items) do
    fns[i] = function()
      local value, err = task(item)
      done = done + 1
      if o.on_progress then o.on_progress(done, n) end
      return value, err
    end
  end
  local results = {}
  for i, r in ipairs(require("gpucloud.transport.ngx").spawn_all(fns, o.concurrency)) do
    if not r.ok then error(r[1], 0) end
    results[i] = { r[1], r[2] }
  end
  return results
end

--- Options bulk calls take on top of the per-call ones.
M.options = { concurrency = true, dry_run = true, on_progress = true, max = true, wait = true, wait_timeout = true }

M.DEFAULT_CONCURRENCY = 8
M.DEFAULT_MAX = 50

--- Check and split bulk options: returns bulk settings and per-call options.
function M.split_options(where, opts, level)
  if opts ~= nil and type(opts) ~= "table" then
    error(where .. ": options must be a table", level + 1)
  end
  local bulk, call = {}, {}
  for k, v in pairs(opts or {}) do
    if M.options[k] then bulk[k] = v else call[k] = v end
  end
  local c = bulk.concurrency
  if c ~= nil and (type(c) ~= "number" or c < 1 or c ~= math.floor(c)) then
    error(where .. ": 'concurrency' must be a whole number >= 1", level + 1)
  end
  local m = bulk.max
  if m ~= nil and (type(m) ~= "number" or m < 0 or m ~= math.floor(m)) then
    error(where .. ": 'max' must be a whole number >= 0", level + 1)
  end
  if bulk.on_progress ~= nil and type(bulk.on_progress) ~= "function" then
    error(where .. ": 'on_progress' must be a function(done, total)", level + 1)
  end
  -- bulk work is paced at the documented thresholds unless told otherwise
  if call.rate == nil then call.rate = true end
  return bulk, call
end

--- Check every item against the row's arguments before anything is sent.
-- Returns the argument vectors and the ids (the single argument, else the
-- item's position) with repeats split off.
function M.check_items(where, row, items, level)
  if type(items) ~= "table" then
    error(where .. ": expected a list of ids, got " .. type(items), level + 1)
  end
  local params = row.args or {}
  local argvs, ids, skipped, seen = {}, {}, {}, {}
  for i = 1, #items do
    local item = items[i]
    local values = (#params == 1 and type(item) ~= "table") and { item } or item
    if type(values) ~= "table" then
      error(string.format("%s: item %d must be a table of arguments", where, i), level + 1)
    end
    local argv = {}
    for j, p in ipairs(params) do
      local ok, want = args[p[2]](values[j])
      if ok == nil then
        error(string.format("%s: item %d: %s must be %s, got %s", where, i, p[1], want,
          args.describe(values[j])), level + 1)
      end
      argv[p[1]] = ok
    end
    local id = #params == 1 and argv[params[1][1]] or i
    if seen[id] then
      skipped[#skipped + 1] = id
    else
      seen[id] = true
      ids[#ids + 1] = id
      argvs[#argvs + 1] = argv
    end
  end
  return argvs, ids, skipped
end

function M.new_report(fields)
  return setmetatable(fields, Report)
end

M.unpack = unpack

return M
