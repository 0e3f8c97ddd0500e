-- Nothing is deleted that changed since the plan. A plan records, for
-- each thing, the facts that selected it (record); before a delete each
-- planned thing is read again (reread: its show call, or one fresh
-- listing of its kind, whichever costs fewer requests) and what no longer
-- matches its record, or is kept by a keep rule, is taken out of the run
-- (screen) with the reason. `force = true` skips the re-read; keep rules
-- still hold. Which call re-reads a kind, and what that costs, is the
-- provider's data (its fleet.lua: `show`, `show_requests`, `list_cost`).

local keep = require "gpucloud.fleet.keep"

local M = {}

-- The facts a record holds, in the order changes are named.
M.FIELDS = { "state", "status", "workers", "name", "label", "cost_per_hour" }

--- What selected a row: its facts as listed ({} for a row made by hand,
-- whose only fact is that it exists). A thing whose state could not be
-- read is recorded "unknown", and must still be unknown to match.
function M.record(row)
  if row.record then return row.record end
  if row.raw == nil then return {} end
  local r = {}
  for _, f in ipairs(M.FIELDS) do r[f] = row[f] end
  r.state = row.state or "unknown"
  return r
end

local function shown(v)
  if v == nil then return "none" end
  if type(v) == "number" then
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return string.format("%d", v) end
    return string.format("%.6g", v)
  end
  if type(v) == "string" then return v:find("[%s\"]") and string.format("%q", v) or v end
  return tostring(v)
end

--- What changed between a record and the thing read again (`row`, or
-- false when it is gone): a list of "field was -> now", empty when it
-- still matches.
function M.changes(record, row)
  if row == false then return { "gone" } end
  if record.state == nil then return {} end
  local out = {}
  for _, f in ipairs(M.FIELDS) do
    local was, now = record[f], row[f]
    if f == "state" then now = now or "unknown" end
    -- a cost derived from other things is not re-derived by one kind's re-read
    if f == "cost_per_hour" and row.cost_pending then now = was end
    if was ~= now then out[#out + 1] = f .. " " .. shown(was) .. " -> " .. shown(now) end
  end
  return out
end

-- Read one group's things again, into found[key] (a row, or false: gone)
-- or errs[key].
local function reread_group(c, entry, g, o, now, found, errs, priced)
  local F = require "gpucloud.fleet"
  local kind = entry.map.kinds[g.kind]
  local each = kind.show and c[kind.show] and (kind.show_requests or 1)
  local rows = {}
  -- a tie goes to the listing: the shape every row was made from
  if each and #g.ids * each < (g.list_cost or 1) then
    local r = c:batch(kind.show, g.ids, { rate = o.rate, concurrency = o.concurrency, deadline = o.deadline })
    for i, id in ipairs(g.ids) do
      local raw, err = r.results[id], r.failed[id]
      if raw ~= nil then
        local row = F.make_row(entry.provider, g.kind, kind, raw, now)
        row.key = g.keys[i]
        rows[#rows + 1] = row
      elseif err and err.code == "not_found" then
        found[g.keys[i]] = false
      else
        errs[g.keys[i]] = err
      end
    end
  else
    local items, err = c[kind.list](c)
    if not items then
      for _, key in ipairs(g.keys) do errs[key] = err end
      return
    end
    local listed = {}
    for j, raw in ipairs(items) do listed[j] = F.make_row(entry.provider, g.kind, kind, raw, now) end
    local wanted = {}
    for _, key in ipairs(g.keys) do wanted[key], found[key] = true, false end
    for _, row in ipairs(listed) do
      if wanted[row.key] then rows[#rows + 1] = row end
    end
  end
  if kind.refine then kind.refine(c, rows) end
  require("gpucloud.fleet.cost").listed(c, entry.provider, kind, rows, priced)
  for _, row in ipairs(rows) do found[row.key] = row end
end

--- Read every thing of `groups` again, the providers at once: found
-- ({[key] = row, or false when it is gone}) and errs ({[key] = err}).
function M.reread(fleet, groups, o)
  local run, bind = fleet:runner()
  local by, order = {}, {}
  for _, g in ipairs(groups) do
    if not by[g.provider] then
      by[g.provider] = {}
      order[#order + 1] = g.provider
    end
    local t = by[g.provider]
    t[#t + 1] = g
  end
  local tasks = {}
  for i, name in ipairs(order) do
    local entry = fleet.by_provider[name]
    tasks[i] = function(trt)
      local c = bind(entry.client, trt)
      local found, errs = {}, {}
      -- costs as the listing made them (the fleet's prices), no pending increases
      local priced = require("gpucloud.fleet.cost").context(fleet.prices, { next_cost = false })
      for _, g in ipairs(by[name]) do reread_group(c, entry, g, o, fleet.now(), found, errs, priced) end
      return found, errs
    end
  end
  local found, errs = {}, {}
  for _, r in ipairs(run(tasks)) do
    for k, v in pairs(r[1] or {}) do found[k] = v end
    for k, v in pairs(r[2] or {}) do errs[k] = v end
  end
  return found, errs
end

--- Screen a plan's groups before a delete: returns the groups still to
-- delete (copies: the plan is not changed) and fills report.skipped,
-- report.skip_reasons, report.changed and report.failed (a thing that
-- could not be read again is not deleted: failed, nothing sent).
function M.screen(fleet, plan, groups, o, report)
  local errors = require "gpucloud.errors"
  local found, errs = {}, {}
  if not o.force then found, errs = M.reread(fleet, groups, o) end
  local rules = o.keep
  local out = {}
  for _, g in ipairs(groups) do
    local copy = {}
    for k, v in pairs(g) do copy[k] = v end
    copy.ids, copy.keys = {}, {}
    for i, key in ipairs(g.keys) do
      local record = plan.records and plan.records[key] or {}
      local row = found[key]
      local seen = row or { provider = g.provider, kind = g.kind, id = g.ids[i], name = record.name,
                            label = record.label }
      local rule = rules and rules:match(seen)
      local changed = (not o.force and not errs[key]) and M.changes(record, row == nil and false or row) or {}
      if rule then
        report.skipped[#report.skipped + 1] = key
        report.skip_reasons[key] = keep.says(rule)
      elseif errs[key] then
        local e = errs[key]
        report.failed[key] = errors.local_failure("fleet.delete", e.code, "not deleted: it could not be read again "
          .. "to check it did not change since the plan (" .. tostring(e) .. "); nothing was sent",
          { status = e.status })
      elseif #changed > 0 then
        report.skipped[#report.skipped + 1] = key
        report.skip_reasons[key] = "changed since plan: " .. table.concat(changed, ", ")
        report.changed[key] = changed
      else
        copy.ids[#copy.ids + 1] = g.ids[i]
        copy.keys[#copy.keys + 1] = key
      end
    end
    copy.count = #copy.ids
    if copy.count > 0 then out[#out + 1] = copy end
  end
  return out
end

return M
