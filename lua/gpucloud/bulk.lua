--- Bulk calls: one operation for many ids at once, and the one report.
-- Every item runs the ordinary operation path (call.lua) as a task of the
-- client's runtime (run_all: the multi handle for curl, light threads
-- inside nginx, one after another for a user's transport), so retries,
-- pacing, hooks and errors are the same for 1 id or 500.
--
-- The report is complete and exclusive: every distinct id is in exactly
-- one of `ok` and `failed` (repeats of an id are listed in `skipped`); a
-- failure that may have been carried out says so (may_have_landed); a
-- delete that may have been done by this very call and then found nothing
-- (maybe_deleted) counts as done. A dry run selects the same ids as the
-- run, from the same checks, and changes nothing (its entry's dry hook
-- may read: TensorPool's lists which ids are protected). A run stopped
-- early keeps the report whole: stopped by a signal (the interrupt guard)
-- it returns with the ids it never started skipped and `interrupted`
-- set; stopped by a Lua error it raises an `interrupted` error carrying
-- that report, the calls then in flight failed as may have landed.
-- @module gpucloud.bulk

local args = require "gpucloud.args"
local call = require "gpucloud.call"
local config = require "gpucloud.config"
local errors = require "gpucloud.errors"
local rows = require "gpucloud.rows"

local M = {}

local Report = {}
Report.__index = Report
M.Report = Report

-- an id as reports show it: digits, never rounded (args.id_text)
local show_id = args.id_text
M.show_id = show_id

function M.map_ids(ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = show_id(id) end
  return out
end

--- What a bulk call (`vast:delete_endpoints`, `client:batch`, ...) and
-- fleet:delete return; `tostring(report)` says it in a few lines. Its fields:
--
-- - `ok`: the ids done, in input order (`maybe_deleted` ones included)
-- - `failed`: `{[id] = err}` for the others (an @{gpucloud.errors.Error} each)
-- - `skipped`: ids given more than once (each is done once), and ids not started
-- - `not_started`: the ids a run stopped early never started (also in `skipped`)
-- - `skip_reasons`: `{[id] = why}` for the skipped ids but repeated ones (not started;
--   fleet:delete: changed since the plan, a keep rule)
-- - `interrupted`: what stopped the run early ("SIGINT", "SIGTERM", "error"), or nil
-- - `results`: `{[id] = value}`, each done id's answer (with `wait`, the final request under `request`)
-- - `maybe_deleted`: ids gone, perhaps by an attempt whose answer was lost: counted as done
-- - `would_delete`: a dry run's ids, what the run would act on; nothing is sent
-- - `unprotected`: ids whose deletion protection was turned off on the way (`unprotect = true`)
-- - `protected`: a dry run's ids with deletion protection on, where a listing says
-- - `total`: how many distinct ids; `dry_run`: true for a dry run; `elapsed`: seconds the run took
--
-- fleet:delete's report keys every id "provider:kind:id" and holds its `plan`.
-- @type Report

--- How many ids failed.
function Report:failed_count()
  local n = 0
  for _ in pairs(self.failed) do n = n + 1 end
  return n
end

--- The failed ids, in input order.
function Report:failed_ids()
  local out = {}
  for _, id in ipairs(self.order) do
    if self.failed[id] then out[#out + 1] = id end
  end
  return out
end

-- The failed ids that may have been carried out all the same.
local function landed_ids(r)
  local out = {}
  for _, id in ipairs(r:failed_ids()) do
    if r.failed[id].may_have_landed then out[#out + 1] = id end
  end
  return out
end

Report.__tostring = function(r)
  local lines = {}
  local not_started = r.not_started or {}
  if r.dry_run then
    lines[1] = string.format("dry run: would %s %d of %d: %s", r.verb, #r.would_delete, r.total,
      table.concat(M.map_ids(r.would_delete), ", "))
  else
    lines[1] = string.format("%s %d of %d, %d failed, %d skipped, in %.2f s", r.done_verb, #r.ok, r.total,
      r:failed_count(), #r.skipped, r.elapsed)
    if r.interrupted then
      lines[1] = lines[1] .. ", interrupted (" .. r.interrupted .. ")"
      local landed = landed_ids(r)
      if #landed > 0 then
        lines[#lines + 1] = "  failed, but may have been carried out: " .. table.concat(M.map_ids(landed), ", ")
      end
    end
    if #not_started > 0 then
      lines[#lines + 1] = "  not started: " .. table.concat(M.map_ids(not_started), ", ")
    end
    if #r.maybe_deleted > 0 then
      lines[#lines + 1] = "  gone, perhaps by an attempt whose answer was lost: "
        .. table.concat(M.map_ids(r.maybe_deleted), ", ")
    end
    if r.unprotected and #r.unprotected > 0 then
      lines[#lines + 1] = "  deletion protection turned off: " .. table.concat(M.map_ids(r.unprotected), ", ")
    end
    for _, id in ipairs(r:failed_ids()) do
      lines[#lines + 1] = "  failed " .. show_id(id) .. ": " .. tostring(r.failed[id])
    end
  end
  if r.protected and #r.protected > 0 then
    lines[#lines + 1] = "  deletion protection on: " .. table.concat(M.map_ids(r.protected), ", ")
      .. (r.unprotect and " (turned off when a destroy is refused for it)" or " (refused unless unprotect = true)")
  elseif r.protected_unknown then
    lines[#lines + 1] = "  deletion protection unknown: " .. tostring(r.protected_unknown)
  end
  -- each skipped id once: those not started are said above; those with
  -- a reason (fleet:delete: changed since the plan, a keep rule) a line
  -- each; the rest were repeated in the input
  local unsaid, repeated = {}, {}
  for _, id in ipairs(not_started) do unsaid[id] = (unsaid[id] or 0) + 1 end
  for _, id in ipairs(r.skipped) do
    local why = r.skip_reasons and r.skip_reasons[id]
    if (unsaid[id] or 0) > 0 then
      unsaid[id] = unsaid[id] - 1
    elseif why then
      lines[#lines + 1] = "  skipped " .. show_id(id) .. ": " .. why
    else
      repeated[#repeated + 1] = id
    end
  end
  if #repeated > 0 then
    lines[#lines + 1] = "  skipped (repeated): " .. table.concat(M.map_ids(repeated), ", ")
  end
  if r.forced then lines[#lines + 1] = "  force: nothing was read again to check for changes since the plan" end
  return table.concat(lines, "\n")
end

function M.new_report(fields)
  return setmetatable(fields, Report)
end

local function fail(level, fmt, ...)
  error(string.format(fmt, ...), level + 1)
end

--- Check every item against the row's arguments before anything is sent.
-- @local
-- Returns the argument vectors and the ids (the single argument, else the
-- item's position) with repeats split off.
function M.check_items(where, row, items, level)
  if type(items) ~= "table" then fail(level + 1, "%s: expected a list of ids, got %s", where, type(items)) end
  local params = row.args or {}
  local argvs, ids, skipped, seen = {}, {}, {}, {}
  for i = 1, #items do
    local item = items[i]
    local values = (#params == 1 and type(item) ~= "table") and { item } or item
    if type(values) ~= "table" then fail(level + 1, "%s: item %d must be a table of arguments", where, i) end
    local argv = {}
    for j, p in ipairs(params) do
      local ok, why = args.check(p[2], values[j], p[1])
      if ok == nil then fail(level + 1, "%s: item %d: %s", where, i, why) end
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

-- The tasks through the runtime: results[i] = {value, err}, or, when a
-- Lua error stopped the run, what is known of each and the error. Inside
-- a run (a fleet's task) a raise is left to that run: Lua 5.1 cannot
-- yield across the pcall.
local function run_tasks(rt, tasks, b)
  if rt.task then return rt.run_all(tasks, b.concurrency, b.on_progress) end
  local ok, results = pcall(rt.run_all, tasks, b.concurrency, b.on_progress)
  if ok then return results end
  -- (runtime/stop.lua only for a run that raised)
  local stop = require "gpucloud.runtime.stop"
  local stopped = stop.stopped(results)
  if stopped then return stopped.results, stopped.error end
  -- a runtime that cannot say how far it got: every call may be in flight
  local unknown = {}
  for i = 1, #tasks do unknown[i] = stop.in_flight(results) end
  return unknown, results
end

-- Raise the report of a run a Lua error stopped, in an `interrupted` error.
local function stopped_by_error(op, report, e)
  local landed = #landed_ids(report)
  error(errors.new {
    op = op, code = "interrupted", report = report, cause = e,
    message = string.format("stopped by an error after %s %d of %d, %d failed (%d may have been carried out), "
      .. "%d not started: %s", report.done_verb, #report.ok, report.total, report:failed_count(), landed,
      #report.not_started, errors.one_line(tostring(e))),
  }, 0)
end

--- Run `row` for every item. `job` names what the run needs: self, p (the
-- client's private state), rt (the runtime), op (the operation's name),
-- row, settle (optional: function(ctx, argv, value, err) -> value, err,
-- which continues each call: a wait, a confirmation), context (function(rt,
-- stop_at, settings, call_opts) -> ctx for settle; ctx.opts are the
-- per-call options, for a call settle makes again), dry (optional: function(ctx, ids,
-- report) adding what a dry run should say), unprotect (true when the
-- run may say `unprotect = true`: settle then lifts an item's deletion
-- protection when its destroy is refused for it, and marks the value or
-- the error `unprotected`), verb and done_verb (the report's words, when
-- not delete/deleted or run/done). Raises on misuse, before anything is
-- sent.
-- @local
function M.run(job, items, opts, level)
  level = (level or 1) + 1
  local op, row = job.op, job.row
  local where = op .. " (bulk)"
  local b, call_opts = config.bulk(where, row, opts, level)
  if (b.wait or b.wait_timeout) and not job.settle then
    fail(level, "%s: 'wait' is not an option of %s", where, op)
  end
  if b.unprotect and not job.unprotect then fail(level, "%s: 'unprotect' is not an option of %s", where, op) end
  local argvs, ids, skipped = M.check_items(where, row, items, level)
  local deleting = rows.destructive(row)
  local verb = job.verb or (deleting and "delete" or "run")
  if deleting and #ids > b.max then
    fail(level, "%s: refusing to %s %d ids, more than max = %d (raise opts.max to go ahead)", where, verb, #ids,
      b.max)
  end
  if job.p.closed then fail(level, "%s: client is closed", where) end
  local rt = job.rt
  local report = M.new_report {
    op = op, total = #ids, order = ids, ok = {}, failed = {}, skipped = skipped, results = {},
    maybe_deleted = {}, dry_run = b.dry_run, elapsed = 0, unprotect = b.unprotect or nil,
    not_started = {}, skip_reasons = {},
    verb = verb, done_verb = job.done_verb or (deleting and "deleted" or "done"),
  }
  if b.dry_run then
    report.would_delete = {}
    for i, id in ipairs(ids) do report.would_delete[i] = id end
    if job.dry then job.dry(job.context(rt, nil, b), ids, report) end
    return report
  end
  local t0 = rt.now()
  local stop_at = b.deadline and (t0 + b.deadline)
  local tasks = {}
  for i, argv in ipairs(argvs) do
    tasks[i] = function(trt)
      local value, err = call.perform(job.self, job.p, trt, op, row, argv, call_opts, stop_at)
      if job.settle then value, err = job.settle(job.context(trt, stop_at, b, call_opts), argv, value, err) end
      return value, err
    end
  end
  local results, raised = run_tasks(rt, tasks, b)
  local acts = rows.acts(row)
  for i, id in ipairs(ids) do
    local value, err = results[i][1], results[i][2]
    if value ~= nil then
      report.ok[#report.ok + 1] = id
      report.results[id] = value
    elseif err.not_started then
      report.not_started[#report.not_started + 1] = id
      report.skipped[#report.skipped + 1] = id
      report.skip_reasons[id] = err.message
    elseif err.maybe_deleted then
      -- gone, and perhaps by this very call: for a clean-up that is done
      report.ok[#report.ok + 1] = id
      report.maybe_deleted[#report.maybe_deleted + 1] = id
    else
      if err.in_flight then
        -- cut off mid-call: whatever it had sent may have been acted on
        err.op, err.may_have_landed = op, (acts and not err.unsent) or nil
      end
      report.failed[id] = err
    end
  end
  report.interrupted = raised and "error" or results.interrupted
  if b.unprotect then
    -- every id whose protection this run turned off, whatever came next
    report.unprotected = {}
    for i, id in ipairs(ids) do
      local r = results[i][1] or results[i][2]
      if type(r) == "table" and r.unprotected then report.unprotected[#report.unprotected + 1] = id end
    end
  end
  report.elapsed = rt.now() - t0
  if raised then stopped_by_error(op, report, raised) end
  return report
end

return M
