-- Observation with memory: no provider says since when a thing is idle;
-- only looking again and again can. fleet:observe(path) lists the fleet
-- and updates a state file that remembers, for each thing, the state it
-- was seen in and since when without interruption:
--
--     {"state":"idle","since":T,"idle_since":T,"first_seen":T,"last_seen":T}
--
-- A thing seen active starts its idle time again; a thing not seen (gone)
-- leaves the file; one whose state cannot be read (its workers, or its
-- kind's listing failed) is "unknown", and unknown is never idle. An
-- observation more than `max_gap` seconds after the last one starts every
-- thing again: time nobody looked at is not observed time. Rows gain
-- `idle_for`: seconds observed continuously idle (or failed), 0 when seen
-- active, nil when unknown. The file is replaced whole (write, fsync,
-- rename) under a lock (path .. ".lock"), and a damaged file is an error
-- that names it, never an empty history. Whether a row is idle is its
-- kind's `idle(row)` where a provider's fleet.lua says, else its state.

local errors = require "gpucloud.errors"
local files = require "gpucloud.files"
local json = require "gpucloud.json"

local M = {}

M.MAX_GAP = 3600  -- seconds between observations that still count as continuous
M.LOCK_WAIT = 60  -- seconds an observation waits for another one to finish

local format = string.format

-- true (idle or failed), false (doing something), nil (unknown).
local function idle_of(fleet, row)
  local entry = fleet.by_provider[row.provider]
  local kind = entry and entry.map.kinds[row.kind]
  if kind and kind.idle then return kind.idle(row) end
  if row.state == nil then return nil end
  return row.state == "idle" or row.state == "failed"
end

local function fail(code, fmt, ...)
  return nil, errors.local_failure("fleet.observe", code, format(fmt, ...))
end

local function number(v) return type(v) == "number" and v == v end

--- Read a state file: the state, or nil, err (naming the file) and true
-- when the file does not exist.
function M.load(path)
  local text, rerr, missing = files.read(path)
  if not text then
    local _, err = fail("invalid", "state file %s: %s", path, tostring(rerr))
    return nil, err, missing
  end
  local t, jerr = json.decode(text)
  if type(t) ~= "table" or json.is_array(t) or t.gpucloud_state ~= 1 or type(t.things) ~= "table"
      or json.is_array(t.things) and #t.things > 0 then
    return fail("invalid", "state file %s is damaged (%s): move it away to start the history again",
      path, jerr or "not a gpucloud state file")
  end
  for key, e in pairs(t.things) do
    if type(e) ~= "table" or type(e.state) ~= "string" or not number(e.since) or not number(e.last_seen)
        or (e.idle_since ~= nil and not number(e.idle_since)) then
      return fail("invalid", "state file %s is damaged (its entry %s): move it away to start the history again",
        path, tostring(key))
    end
  end
  return t
end

--- The state after one observation at `now`: `rows` as listed, `listed`
-- the set of "provider:kind" whose listing worked (the things of other
-- kinds were not seen: unknown, never gone).
function M.merge(fleet, old, rows, listed, now, max_gap)
  max_gap = max_gap or M.MAX_GAP
  local before = old and old.things or {}
  local things = {}
  local seen = {}
  for _, row in ipairs(rows) do
    local e = before[row.key]
    local broken = not e or (now - e.last_seen) > max_gap
    local idle = idle_of(fleet, row)
    local state = idle == nil and "unknown" or (row.state or "unknown")
    local keep_since = not broken and e.state == state
    things[row.key] = {
      state = state,
      since = keep_since and e.since or now,
      idle_since = idle and ((not broken and e.idle_since) or now) or nil,
      first_seen = (e and e.first_seen) or now,
      last_seen = now,
    }
    seen[row.key] = true
  end
  for key, e in pairs(before) do
    local kind = key:match("^([^:]+:[^:]+):")
    if not seen[key] and not listed[kind] then
      -- not seen, and not known to be gone: unknown from now on
      things[key] = { state = "unknown", since = (e.state == "unknown" and e.since) or now,
                      first_seen = e.first_seen or e.since, last_seen = e.last_seen }
    end
  end
  return { gpucloud_state = 1, observed_at = now, observations = ((old and old.observations) or 0) + 1,
           things = things }
end

--- Set rows' `idle_for` from a state (as of `now`): observed seconds idle,
-- 0 for a thing seen active, nil when unknown, not in the state, or when
-- the last observation is more than max_gap old.
function M.annotate(fleet, rows, state, now, max_gap)
  max_gap = max_gap or M.MAX_GAP
  for _, row in ipairs(rows) do
    local e = state.things[row.key]
    local idle = idle_of(fleet, row)
    if e == nil or idle == nil or e.state == "unknown" or now - e.last_seen > max_gap then
      row.idle_for = nil
    elseif idle and e.idle_since then
      row.idle_for = e.last_seen - e.idle_since
    else
      row.idle_for = 0
    end
  end
end

--- The state as the file's text: one thing a line, sorted.
function M.encode(state)
  local keys = {}
  for k in pairs(state.things) do keys[#keys + 1] = k end
  table.sort(keys)
  local lines = {
    "{",
    format('  "gpucloud_state": 1, "observed_at": %s, "observations": %d,', json.encode(state.observed_at),
      state.observations),
    '  "things": {',
  }
  for i, k in ipairs(keys) do
    lines[#lines + 1] = format("    %s: %s%s", json.encode(k), json.encode(json.object(state.things[k])),
      i < #keys and "," or "")
  end
  lines[#lines + 1] = "  }"
  lines[#lines + 1] = "}"
  return table.concat(lines, "\n") .. "\n"
end

local function listed_kinds(fleet, errs)
  local failed, listed = {}, {}
  for _, e in ipairs(errs or {}) do failed[e.fleet] = true end
  for _, k in ipairs(fleet:kinds()) do
    if not failed[k] then listed[k] = true end
  end
  return listed
end

--- fleet:observe(path, opts): list every kind, update the state file,
-- return the rows (with idle_for) and the failed listings as fleet:list
-- does; nil, err when the state file is damaged, cannot be written, or
-- another observation holds its lock for longer than opts.lock_wait.
function M.observe(fleet, path, opts)
  opts = opts or {}
  local lock, lerr, why = files.lock(path .. ".lock", opts.lock_wait or M.LOCK_WAIT)
  if not lock then
    return fail(why == "busy" and "conflict" or "invalid", "state file %s: %s", path, tostring(lerr))
  end
  local old, err, missing = M.load(path)
  if not old and not missing then
    lock:unlock()
    return nil, err
  end
  local rows, errs = fleet:list()
  local now = fleet.now()
  local state = M.merge(fleet, old, rows, listed_kinds(fleet, errs), now, opts.max_gap)
  local ok, werr = files.replace(path, M.encode(state))
  lock:unlock()
  if not ok then return fail("invalid", "state file %s: cannot write it: %s", path, tostring(werr)) end
  M.annotate(fleet, rows, state, now, opts.max_gap)
  return rows, errs
end

--- Set rows' idle_for from the state file at `path` (no observation is
-- made). true, or nil and err when the file is missing or damaged.
function M.read_into(fleet, rows, path, opts)
  local state, err = M.load(path)
  if not state then return nil, err end
  M.annotate(fleet, rows, state, fleet.now(), opts and opts.max_gap)
  return true
end

return M
