-- `gpucloud fleet cost` (its row is cli/commands.lua's): fleet:costs'
-- report of a window, grouped by --by: each group's estimate ($/h x the
-- time alive), what was billed and the difference, as a table whose total
-- line is the report's totals, then what was gone, not billed yet or
-- unknown, and each provider whose bill gpucloud cannot read. -o json is
-- the whole report (rows, groups, totals, errors); jsonl and csv the groups.

local fleet_cli = require "gpucloud.cli.fleet"
local json = require "gpucloud.json"

local M = {}

local format, concat = string.format, table.concat

local function utc(t)
  return os.date("!%Y-%m-%d %H:%M", t) .. " UTC"
end

-- What a group's amounts leave out, in words ("2 gone, 1 no estimate").
local function notes_of(g)
  local n = {}
  if g.gone > 0 then n[#n + 1] = format("%d gone", g.gone) end
  if g.unbilled > 0 then n[#n + 1] = format("%d not billed yet", g.unbilled) end
  if g.estimate_unknown > 0 then n[#n + 1] = format("%d no estimate", g.estimate_unknown) end
  if g.billed_unknown > 0 then n[#n + 1] = format("%d no bill", g.billed_unknown) end
  return #n > 0 and concat(n, ", ") or nil
end

local groups_list = require("gpucloud.list").class("group", {},
  { "group", "things", "estimate", "billed", "difference", "notes" })

-- The table's total line: the report's totals (a derived thing's estimate
-- is its parts', counted once), unknown only when no group has an amount.
local function sums_of(report, groups)
  local t = report.totals
  local function none(field)
    for _, g in ipairs(groups) do
      if g[field] ~= nil then return 0 end
    end
    return #groups
  end
  return function(field)
    if t[field] == nil and field ~= "difference" then return nil end
    return { sum = t[field] or 0, unknown = none(field) }
  end
end

-- The lines under the table: what the amounts leave out, and why.
local function after_lines(report)
  local t = report.totals
  local lines = { "difference: billed - estimate, where both are known (charges are kept per UTC day: today's grow)" }
  local n = {}
  if t.gone > 0 then n[#n + 1] = format("%d billed and gone", t.gone) end
  if t.unbilled > 0 then n[#n + 1] = format("%d listed and not billed yet", t.unbilled) end
  if t.estimate_unknown > 0 then
    n[#n + 1] = format("%d without an estimate (cost or age unknown)", t.estimate_unknown)
  end
  if t.billed_unknown > 0 then n[#n + 1] = format("%d whose provider's bill gpucloud cannot read", t.billed_unknown) end
  if #n > 0 then lines[#lines + 1] = format("of %d things: %s", t.things, concat(n, "; ")) end
  local providers = {}
  for p in pairs(report.no_bill or {}) do providers[#providers + 1] = p end
  table.sort(providers)
  for _, p in ipairs(providers) do lines[#lines + 1] = format("no bill from %s: %s", p, report.no_bill[p]) end
  return lines
end

local function json_report(report, groups, by, errs)
  local errors = json.array()
  for i, e in ipairs(errs or {}) do
    errors[i] = require("gpucloud.cli.output").error_fields(e)
    errors[i].fleet = e.fleet
  end
  local rows = json.array()
  for i, r in ipairs(report.rows) do rows[i] = json.object(r) end
  local gs = json.array()
  for i, g in ipairs(groups) do gs[i] = json.object(g) end
  return json.object { from = report.from, to = report.to, by = by, groups = gs, rows = rows,
    totals = json.object(report.totals), no_bill = json.object(report.no_bill or {}), errors = errors }
end

--- `gpucloud fleet cost`: the report, grouped by --by.
function M.cost(lib, call, out, sys)
  local opts = call.opts
  local to = opts["until"] or os.time()
  if opts.since > to then return nil, "--since is after --until" end
  local fleet, clients, entries = fleet_cli.make_fleet(lib, call, sys)
  if not fleet then
    out.error { code = "no_api_key", message = clients }
    return 1
  end
  local report, errs = fleet:costs { since = opts.since, ["until"] = to }
  fleet_cli.close(clients)
  local by = opts.by or "thing"
  local groups = require("gpucloud.fleet.costs").group(report, by)
  for _, g in ipairs(groups) do g.notes = notes_of(g) end
  if out.format == "json" then
    out.record(json_report(report, groups, by, errs))
  else
    local words = out.format == "table" and not opts.quiet
    if words then
      io.stdout:write(format("costs from %s to %s, by %s\n", utc(report.from), utc(report.to), by))
    end
    local shown, why = out.list(groups_list(groups), sums_of(report, groups))
    if not shown then return nil, why end
    if words then
      for _, l in ipairs(after_lines(report)) do io.stdout:write(l, "\n") end
    end
  end
  if out.format ~= "json" then fleet_cli.errors_out(out, errs or {}, entries) end
  return errs and 1 or 0
end

return M
