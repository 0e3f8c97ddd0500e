-- fleet:delete(plan_or_rows, opts): each provider's bulk calls, in a safe
-- order within a provider (stage 1 before stage 2: workergroups before the
-- endpoints that would delete them, instances before their volumes,
-- clusters and jobs before storage), the providers at once, and one report
-- keyed "provider:kind:id" with the truth rules of bulk reports. Before
-- anything is sent, each planned thing is read again and what changed
-- since the plan, or is kept by a keep rule, is skipped (fleet/drift.lua;
-- `force` skips the re-read). An expired plan raises. With `journal`,
-- every destructive call is journaled with the plan's id. With `verify`,
-- everything is listed again afterwards and what is still there moves
-- from ok to failed.

local bulk = require "gpucloud.bulk"
local config = require "gpucloud.config"
local define = require "gpucloud.define"
local drift = require "gpucloud.fleet.drift"
local errors = require "gpucloud.errors"
local journal = require "gpucloud.journal"
local keep = require "gpucloud.fleet.keep"
local plan_mod = require "gpucloud.fleet.plan"
local runtime = require "gpucloud.runtime"

local M = {}

local function fail(level, fmt, ...)
  error(string.format(fmt, ...), level + 1)
end

-- One provider's part of the plan, stage by stage.
local function provider_task(entry, groups, o, bind, clock, stop)
  return function(trt)
    local c = bind(entry.client, trt)
    local done = {}
    for stage = 1, 2 do
      for _, g in ipairs(groups) do
        local k = entry.map.kinds[g.kind]
        if k.stage == stage then
          local bo = { concurrency = o.concurrency, max = #g.ids, rate = o.rate }
          local left = stop and (stop - clock.now())
          if left and left <= 0 then
            done[#done + 1] = { g = g, late = true }
          else
            bo.deadline = left
            if k.delete_opts and k.delete_opts.wait then bo.wait = o.wait end
            if o.unprotect and k.protected then bo.unprotect = true end
            bo.journal = o.journal
            done[#done + 1] = { g = g, report = c[k.delete](c, g.ids, bo) }
          end
        end
      end
    end
    return done
  end
end

-- Fold one kind's bulk report into the fleet report.
local function fold(report, part, done)
  local g, r = part.g, part.report
  local maybe = {}
  for _, id in ipairs(r and r.maybe_deleted or {}) do maybe[id] = true end
  local unprotected, unstarted = {}, {}
  for _, id in ipairs(r and r.unprotected or {}) do unprotected[id] = true end
  for _, id in ipairs(r and r.not_started or {}) do unstarted[id] = true end
  for i, id in ipairs(g.ids) do
    local key = g.keys[i]
    if not r then
      report.failed[key] = errors.local_failure("fleet.delete", "timeout",
        "deadline reached before the " .. g.kind .. " deletes began; nothing was sent")
    elseif r.failed[id] then
      report.failed[key] = r.failed[id]
    elseif unstarted[id] then
      -- never started: the run was interrupted
      report.skipped[#report.skipped + 1] = key
      report.not_started[#report.not_started + 1] = key
      report.skip_reasons[key] = r.skip_reasons[id]
    else
      done[key] = true
      report.results[key] = r.results[id]
      if maybe[id] then report.maybe_deleted[#report.maybe_deleted + 1] = key end
    end
    if unprotected[id] then report.unprotected[#report.unprotected + 1] = key end
  end
  report.interrupted = report.interrupted or (r and r.interrupted)
end

-- List again what the plan deleted (relist: fleet.lua's listing of those
-- kinds); move what is still there to failed. A kind whose delete leaves it
-- listed (a TensorPool job, canceled) says by its `done` what that looks
-- like: such a row is what the delete made, not "still present".
local function verify(fleet, relist, plan, report, done)
  local kinds = {}
  for _, g in ipairs(plan.groups) do kinds[#kinds + 1] = g.provider .. ":" .. g.kind end
  local present, unknown = {}, {}
  for _, r in ipairs(relist(kinds)) do
    for _, row in ipairs(r[1] or {}) do
      -- listed as being destroyed: going, not "still present"
      local kind = fleet.by_provider[row.provider].map.kinds[row.kind]
      if row.state ~= "gone" and not (kind.done and kind.done(row)) then present[row.key] = row end
    end
    for _, e in ipairs(r[2] or {}) do
      if not r[1] then unknown[e.fleet] = e end
    end
  end
  report.unverified, report.verify_errors = {}, {}
  for _, e in pairs(unknown) do report.verify_errors[#report.verify_errors + 1] = e end
  for _, g in ipairs(plan.groups) do
    local gk = g.provider .. ":" .. g.kind
    for _, key in ipairs(g.keys) do
      if done[key] then
        if unknown[gk] then
          report.unverified[#report.unverified + 1] = key
        elseif present[key] then
          done[key] = nil
          local row = present[key]
          report.failed[key] = errors.local_failure("fleet.delete", "failed",
            "still present after delete" .. (row.status and (" (status " .. tostring(row.status) .. ")") or ""),
            { may_have_landed = true })
        end
      end
    end
  end
end

function M.run(fleet, plan, opts, level, relist)
  level = (level or 1) + 1
  local where = "fleet:delete"
  if not plan_mod.is(plan) then plan = fleet:plan(plan) end
  -- (waited for, and paced at the documented rates, unless told otherwise:
  -- the fleet's defaults in config/schema.lua)
  local o = config.scoped(where, "fleet", opts, level)
  if plan.count > o.max then
    fail(level, "%s: refusing to delete %d things, more than max = %d (raise opts.max to go ahead)",
      where, plan.count, o.max)
  end
  if plan:expired(fleet.now()) then
    fail(level, "%s: plan %s expired at %s: make a new plan", where, tostring(plan.id),
      os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(plan.expires_at)))
  end
  if o.keep ~= nil and not keep.is(o.keep) then
    local rules, err = keep.rules(o.keep)
    if not rules then fail(level, "%s: %s", where, err) end
    o.keep = rules
  end
  if o.journal and not o.dry_run then
    journal.check(o.journal, where, level)
    o.journal = journal.open(type(o.journal) == "table" and o.journal.path or o.journal,
      { plan = plan.id, now = fleet.now })
  end
  for _, g in ipairs(plan.groups) do
    local entry = fleet.by_provider[g.provider]
    if not entry then
      fail(level, "%s: the plan names %s, and this fleet has no %s client", where, g.provider, g.provider)
    end
    local method = entry.map.kinds[g.kind].delete
    if not entry.client[method] then
      fail(level, "%s: the %s client cannot delete a %s", where, g.provider, g.kind)
    end
    -- every id checked here, before any provider starts: a raise from one
    -- provider's bulk call once the others are deleting would lose the report
    local spec = define.spec_of(entry.client)
    local row = spec.ops[spec.bulk[method].op]
    bulk.check_items(where .. " (" .. g.provider .. " " .. g.kind .. ")", row, g.ids, level)
  end
  local report = bulk.new_report {
    op = "fleet.delete", total = plan.count, order = plan.keys, ok = {}, failed = {}, skipped = {},
    results = {}, maybe_deleted = {}, unprotected = {}, dry_run = o.dry_run, elapsed = 0,
    verb = "delete", done_verb = "deleted", plan = plan, skip_reasons = {}, changed = {}, forced = o.force or nil,
    not_started = {},
  }
  -- rows whose ids cannot be deleted are in the report too, never sent
  if plan.refused and #plan.refused > 0 then
    report.order = {}
    for i, key in ipairs(plan.keys) do report.order[i] = key end
    for _, r in ipairs(plan.refused) do
      report.order[#report.order + 1] = r.key
      report.failed[r.key] = errors.local_failure("fleet.delete", "invalid", "not sent: " .. r.reason)
    end
    report.total = plan.count + #plan.refused
  end
  -- the re-reads are part of the run: its time, its deadline
  local clock = runtime.concrete(define.runtime_of(fleet.entries[1].client))
  local t0 = clock.now()
  local by_provider, order = {}, {}
  local screened = drift.screen(fleet, plan, plan.groups, o, report)
  for _, g in ipairs(screened) do
    if not by_provider[g.provider] then
      by_provider[g.provider] = { entry = fleet.by_provider[g.provider], groups = {} }
      order[#order + 1] = g.provider
    end
    local t = by_provider[g.provider].groups
    t[#t + 1] = g
  end
  if o.dry_run then
    report.would_delete = {}
    for _, g in ipairs(screened) do
      for _, key in ipairs(g.keys) do report.would_delete[#report.would_delete + 1] = key end
    end
    report.protected = plan.protected
    return report
  end
  local stop = o.deadline and (t0 + o.deadline)
  local run, bind = fleet:runner()
  local tasks = {}
  for i, name in ipairs(order) do
    tasks[i] = provider_task(by_provider[name].entry, by_provider[name].groups, o, bind, clock, stop)
  end
  local done = {}
  local results = run(tasks)
  for i, name in ipairs(order) do
    local r = results[i]
    for _, part in ipairs(r[1] or {}) do fold(report, part, done) end
    if r[2] and r[2].not_started then
      -- a provider the run never started (a signal came first): all its ids
      for _, g in ipairs(by_provider[name].groups) do
        for _, key in ipairs(g.keys) do
          report.skipped[#report.skipped + 1] = key
          report.not_started[#report.not_started + 1] = key
          report.skip_reasons[key] = r[2].message
        end
      end
    end
  end
  report.interrupted = report.interrupted or results.interrupted
  if o.verify then verify(fleet, relist, plan, report, done) end
  for _, key in ipairs(plan.keys) do
    if done[key] then report.ok[#report.ok + 1] = key end
  end
  local kept = {}
  for _, key in ipairs(report.maybe_deleted) do
    if done[key] then kept[#kept + 1] = key end
  end
  report.maybe_deleted = kept
  report.elapsed = clock.now() - t0
  return report
end

return M
