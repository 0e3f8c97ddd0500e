-- fleet:costs{since =, ["until"] =}: what each thing was billed in a
-- window beside what its $/h says it should have cost. The fleet's listing
-- and each provider's charges (its fleet.lua `charges` hook: DEVELOPERS.md
-- "Adding a provider") run at once; the charges are joined to the rows by
-- contract ("provider:kind:id"). A thing billed and no longer listed is
-- `gone`; one listed and not billed is `unbilled` (charges lag: today's are
-- partial, so "no charge yet" is not "free").

local cost = require "gpucloud.fleet.cost"
local errors = require "gpucloud.errors"
local plan = require "gpucloud.fleet.plan"

local M = {}

local format = string.format
local DAY = 86400

local function fail(level, fmt, ...)
  error(string.format(fmt, ...), level + 1)
end

local function time_opt(where, name, v, level)
  if type(v) ~= "number" or v ~= v or v < 0 or v >= 2 ^ 40 then
    fail(level + 1, "%s: '%s' must be epoch seconds, got %s", where, name, tostring(v))
  end
  return v
end

-- The fleet with its clients bound to a task's runtime, so its listing
-- runs as a nested group of that task (beside the charges).
local function bound(fleet, bind, trt)
  if trt == nil then return fleet end
  local f = setmetatable({ entries = {}, by_provider = {}, prices = fleet.prices, now = fleet.now },
    getmetatable(fleet))
  for i, e in ipairs(fleet.entries) do
    local b = { provider = e.provider, client = bind(e.client, trt), map = e.map }
    f.entries[i], f.by_provider[e.provider] = b, b
  end
  return f
end

-- One report row per listed thing.
local function listed_row(r, from, to)
  local out = {
    key = r.key, provider = r.provider, kind = r.kind, id = r.id, name = r.name, state = r.state,
    label = type(r.raw) == "table" and type(r.raw.label) == "string" and r.raw.label or nil,
    cost_per_hour = r.cost_per_hour, derived = r.cost_parts ~= nil or nil,
  }
  if r.cost_per_hour == nil then
    out.estimate_unknown = "cost unknown: " .. tostring(r.cost_unknown)
  elseif r.created_at == nil then
    out.estimate_unknown = "age unknown: " .. tostring(r.age_unknown)
  else
    local hours = math.max(0, to - math.max(from, r.created_at)) / 3600
    out.hours, out.estimate = hours, r.cost_per_hour * hours
  end
  return out
end

local function add(t, k, v)
  if v ~= nil then t[k] = (t[k] or 0) + v end
end

-- A sum of report rows: how many, of which gone, unbilled, without an
-- estimate or a bill; estimate (a derived row's is its parts', counted on
-- their own rows), billed and difference where known.
local function new_sum(fields)
  fields.things, fields.gone, fields.unbilled, fields.estimate_unknown, fields.billed_unknown = 0, 0, 0, 0, 0
  return fields
end

local function tally(t, row)
  t.things = t.things + 1
  if row.gone then t.gone = t.gone + 1 end
  if row.unbilled then t.unbilled = t.unbilled + 1 end
  if row.estimate == nil then t.estimate_unknown = t.estimate_unknown + 1 end
  if row.billed == nil then t.billed_unknown = t.billed_unknown + 1 end
  if not row.derived then add(t, "estimate", row.estimate) end
  add(t, "billed", row.billed)
  add(t, "difference", row.difference)
end

--- Run it: the report (see Fleet:costs) and the errors, or raise on misuse.
function M.run(fleet, opts, level)
  level = (level or 1) + 1
  local where = "fleet:costs"
  if type(opts) ~= "table" then fail(level, "%s: expected a table {since =, until =}", where) end
  for k in pairs(opts) do
    if k ~= "since" and k ~= "until" then fail(level, "%s: unknown option '%s'", where, tostring(k)) end
  end
  local to = opts["until"] ~= nil and time_opt(where, "until", opts["until"], level) or os.time()
  local since = time_opt(where, "since", opts.since, level)
  if since > to then fail(level, "%s: since is after until", where) end
  local from = math.floor(since / DAY) * DAY

  local run, bind = fleet:runner()
  local tasks, hooks = {}, {}
  tasks[1] = function(trt) return bound(fleet, bind, trt):list() end
  -- a provider without a charges hook says why (its fleet.lua's no_charges)
  local no_bill = {}
  for _, e in ipairs(fleet.entries) do
    if e.map.charges then
      hooks[#hooks + 1] = e
      tasks[#tasks + 1] = function(trt)
        return e.map.charges(trt and bind(e.client, trt) or e.client, from, to)
      end
    else
      no_bill[e.provider] = e.map.no_charges or "gpucloud reads no bill of this provider"
    end
  end
  local results = run(tasks)
  local rows, errs = results[1][1] or {}, {}
  for _, err in ipairs(results[1][2] or {}) do errs[#errs + 1] = err end
  local unlisted = {}
  for _, err in ipairs(errs) do unlisted[err.fleet or ""] = true end

  -- what each provider billed, by thing
  local billed, meta, has_bill = {}, {}, {}
  for i, e in ipairs(hooks) do
    local charges, err = results[i + 1][1], results[i + 1][2]
    if charges == nil then
      if type(err) == "table" then err.fleet = e.provider .. ":charges" end
      errs[#errs + 1] = err
      has_bill[e.provider] = "its charges could not be read: " .. tostring(err)
    else
      has_bill[e.provider] = true
      -- an amount that is not money makes the bill unreadable: a report
      -- never counts it as 0
      for n, c in ipairs(charges) do
        local _, bad = cost.money(c.amount, format("charge %d's amount", n))
        if bad then
          charges = {}
          err = errors.local_failure(e.provider .. ".charges", "bad_response", bad)
          err.fleet = e.provider .. ":charges"
          errs[#errs + 1] = err
          has_bill[e.provider] = "its charges could not be read: " .. bad
          break
        end
      end
      for n, c in ipairs(charges) do
        local amount = c.amount
        local key = (c.kind and c.id ~= nil) and plan.key(e.provider, c.kind, c.id)
          or format("%s:unattributed:%d", e.provider, n)
        billed[key] = (billed[key] or 0) + amount
        meta[key] = meta[key] or { provider = e.provider, kind = c.kind or "unattributed", id = c.id or n,
          label = c.label, description = c.description }
      end
    end
  end

  local out, seen = {}, {}
  local totals = new_sum { estimate = 0, billed = 0, difference = 0 }
  local function finish(row)
    local b = has_bill[row.provider]
    if b == true then
      row.billed = billed[row.key] or 0
      row.unbilled = billed[row.key] == nil or nil
    else
      row.billed_unknown = b or no_bill[row.provider] or "the provider has no charges gpucloud can read"
    end
    if row.billed and row.estimate and not row.derived then row.difference = row.billed - row.estimate end
    tally(totals, row)
    out[#out + 1] = row
  end
  for _, r in ipairs(rows) do
    seen[r.key] = true
    finish(listed_row(r, from, to))
  end
  local gone = {}
  for key in pairs(billed) do
    if not seen[key] then gone[#gone + 1] = key end
  end
  table.sort(gone)
  for _, key in ipairs(gone) do
    local m = meta[key]
    local row = { key = key, provider = m.provider, kind = m.kind, id = m.id, label = m.label, name = m.description }
    if unlisted[m.provider .. ":" .. m.kind] then
      row.unlisted, row.estimate_unknown = true, "its listing failed: not known to be gone"
    else
      row.gone, row.estimate_unknown = true, "gone: no $/h to estimate from"
    end
    finish(row)
  end
  return { from = from, to = to, rows = out, totals = totals, no_bill = no_bill }, (#errs > 0 and errs or nil)
end

--- The report's rows grouped by "provider", "kind", "label" or "thing":
-- a list of {group, things, estimate, billed, difference, gone, unbilled,
-- estimate_unknown, billed_unknown}, sorted by billed, then estimate, largest first.
function M.group(report, by)
  if by == "thing" then by = "key" end
  local groups, out = {}, {}
  for _, r in ipairs(report.rows) do
    local name = r[by] ~= nil and tostring(r[by]) or "-"
    local g = groups[name]
    if not g then
      g = new_sum { group = name }
      groups[name] = g
      out[#out + 1] = g
    end
    tally(g, r)
  end
  table.sort(out, function(a, b)
    if (a.billed or 0) ~= (b.billed or 0) then return (a.billed or 0) > (b.billed or 0) end
    if (a.estimate or 0) ~= (b.estimate or 0) then return (a.estimate or 0) > (b.estimate or 0) end
    return a.group < b.group
  end)
  return out
end

return M
