-- A fleet plan and a fleet delete's report in the command line's words:
-- every thing named (provider and kind, id, name, state, $/h, age), what
-- selected it, and what was left out and why (deletion protection, a keep
-- rule, an id that cannot be deleted, a change since the plan).

local output = require "gpucloud.cli.output"
local report_words = require "gpucloud.cli.report"
local times = require "gpucloud.times"

local M = {}

local format, concat = string.format, table.concat

-- A repeatable option not given is an empty list.
local function each(list)
  return ipairs(type(list) == "table" and list or {})
end

--- What the selection said, in the command line's words (why a row was chosen).
function M.selection(opts)
  local parts = {}
  for _, k in each(opts.kind) do parts[#parts + 1] = "--kind " .. k end
  for _, s in each(opts.state) do parts[#parts + 1] = "--state " .. s end
  if opts["older-than"] then parts[#parts + 1] = "--older-than " .. times.age(opts["older-than"]) end
  if opts["cost-above"] then parts[#parts + 1] = format("--cost-above %g", opts["cost-above"]) end
  if opts["idle-for"] then parts[#parts + 1] = "--idle-for " .. times.age(opts["idle-for"]) end
  for _, f in each(opts.filter) do
    parts[#parts + 1] = "--filter " .. f[1] .. (f["not"] and "!=" or "=") .. f[2]
  end
  return #parts > 0 and concat(parts, " ") or "everything listed"
end

--- What --older-than or --cost-above (`option`) left out for want of
-- `what` (age, $/h): `left` is a list of {"provider kind", why}. One part
-- per kind, most first, each with the reason most of its rows share:
-- "--older-than left out 6 things whose age is unknown: tensorpool cluster
-- (6): TensorPool's cluster list carries no creation time".
function M.unknown_left_out(option, what, left)
  local kinds, list = {}, {}
  for _, e in ipairs(left) do
    local k = kinds[e[1]]
    if not k then
      k = { kind = e[1], n = 0, why = {} }
      kinds[e[1]], list[#list + 1] = k, k
    end
    k.n, k.why[e[2]] = k.n + 1, (k.why[e[2]] or 0) + 1
  end
  local parts = {}
  for _, k in ipairs(list) do
    local top, most = nil, 0
    for why, n in pairs(k.why) do
      if n > most or (n == most and why < top) then top, most = why, n end
    end
    k.top = top
  end
  table.sort(list, function(a, b)
    if a.n ~= b.n then return a.n > b.n end
    return a.kind < b.kind
  end)
  for i, k in ipairs(list) do parts[i] = format("%s (%d): %s", k.kind, k.n, k.top) end
  return format("%s left out %d thing%s whose %s is unknown: %s", option, #left, #left == 1 and "" or "s", what,
    concat(parts, "; "))
end

-- A thing's cells: "vast workergroup", "201", its name, state, $/h, age.
local function thing(r)
  local money = require("gpucloud.cli.table").FORMATS["money/h"]
  local cost = type(r.cost_per_hour) == "number" and money(r.cost_per_hour) or "-"
  return { r.provider .. " " .. r.kind, output.text(r.id) or tostring(r.id), r.name and tostring(r.name) or "",
    r.state or "?", cost, r.age and ("age " .. times.age(r.age)) or "" }
end

-- Lines for rows of cells ({row, lead, tail}), aligned, folded when long.
local function things(lines, rows, lead)
  local cells = {}
  for i, r in ipairs(rows) do
    cells[i] = thing(r.row)
    if lead then table.insert(cells[i], 1, r.lead) end
    if r.tail then cells[i][#cells[i] + 1] = r.tail end
  end
  report_words.folded(lines, report_words.aligned(cells))
end

-- A key's row: the listed one, else one made from the key ("p:kind:id").
local function row_of(by_key, key)
  local r = by_key[key]
  if r then return r end
  local p, k, id = key:match("^([^:]+):([^:]+):(.*)$")
  return { provider = p or key, kind = k or "", id = id or "" }
end

--- The rows a plan names, by key, from what it recorded (a saved plan
-- has no listing to show: its records say name, state and $/h).
function M.rows_of(plan)
  local by_key = {}
  for _, g in ipairs(plan.groups) do
    for i, key in ipairs(g.keys) do
      local rec = plan.records and plan.records[key] or {}
      by_key[key] = { provider = g.provider, kind = g.kind, id = g.ids[i], name = rec.name,
        state = rec.state ~= "unknown" and rec.state or nil, cost_per_hour = rec.cost_per_hour }
    end
  end
  return by_key
end

--- The plan in words: what goes, selected by what (`why`), and what is
-- left out: `skipped` (rows with deletion protection on), the plan's
-- refused (ids that cannot be deleted) and kept (keep rules).
function M.plan(plan, by_key, skipped, why)
  local lines = {}
  if plan.count == 0 then
    lines[1] = "plan: nothing to delete (selected by " .. why .. ")"
  else
    -- no known cost at all is not a saving of $0.00/h
    local saving = plan.unknown_cost == plan.count and "none with a known cost"
      or format("saving $%.2f/h%s", plan.cost_per_hour,
        plan.unknown_cost > 0 and format(" (%d without a known cost)", plan.unknown_cost) or "")
    lines[1] = format("plan: delete %d thing%s, %s; selected by %s:", plan.count, plan.count == 1 and "" or "s",
      saving, why)
  end
  local rows = {}
  for _, key in ipairs(plan.keys) do rows[#rows + 1] = { row = row_of(by_key, key) } end
  things(lines, rows)
  if #skipped > 0 then
    lines[#lines + 1] = format("skipped %d with deletion protection on (the provider refuses to delete it until "
      .. "an edit turns it off: --deletion-protection false):", #skipped)
    rows = {}
    for i, r in ipairs(skipped) do rows[i] = { row = r } end
    things(lines, rows)
  end
  -- {key, why} each: the ids that cannot be deleted, what a keep rule kept
  for _, part in ipairs { { "not deletable, never sent", plan.refused, "reason" },
                          { "kept by a keep rule", plan.kept, "rule" } } do
    local list, field = part[2] or {}, part[3]
    if #list > 0 then
      lines[#lines + 1] = format("%s (%d):", part[1], #list)
      rows = {}
      for i, e in ipairs(list) do rows[i] = { row = row_of(by_key, e.key), tail = e[field] } end
      things(lines, rows)
    end
  end
  return concat(lines, "\n")
end

-- The things a run skipped, with why (changed since the plan, a keep
-- rule), added to `rows`.
local function skipped_rows(rows, r, by_key)
  for _, key in ipairs(r.skipped or {}) do
    rows[#rows + 1] = { lead = "skipped", row = row_of(by_key, key), tail = r.skip_reasons and r.skip_reasons[key] }
  end
  return rows
end

--- What a dry run of the plan found: what it would skip, and why.
function M.dry_run(r, by_key)
  local n = #(r.skipped or {})
  local lines = { n > 0 and format("dry run: nothing sent; %d would be skipped:", n) or "dry run: nothing sent" }
  things(lines, skipped_rows({}, r, by_key), true)
  return concat(lines, "\n")
end

--- The report of a fleet delete, naming each thing.
function M.report(r, by_key)
  local lines = {}
  local failed = r:failed_ids()
  local skipped = #(r.skipped or {})
  lines[1] = format("deleted %d of %d thing%s in %.2f s%s%s%s%s", #r.ok, r.total, r.total == 1 and "" or "s",
    r.elapsed or 0, #failed > 0 and format(", %d failed", #failed) or "",
    skipped > 0 and format(", %d skipped", skipped) or "", r.forced and " (--force: not read again)" or "",
    r.interrupted and format(", interrupted (%s)", r.interrupted) or "")
  local rows = {}
  for _, key in ipairs(r.ok) do rows[#rows + 1] = { lead = "deleted", row = row_of(by_key, key) } end
  for _, key in ipairs(failed) do
    rows[#rows + 1] = { lead = "failed", row = row_of(by_key, key),
      tail = (tostring(r.failed[key]):gsub("^gpucloud: ", "")) }
  end
  things(lines, skipped_rows(rows, r, by_key), true)
  if #(r.maybe_deleted or {}) > 0 then
    lines[#lines + 1] = "  gone, perhaps by an attempt whose answer was lost: " .. concat(r.maybe_deleted, ", ")
  end
  if r.unverified and #r.unverified > 0 then
    lines[#lines + 1] = "  not verified (the listing failed): " .. concat(r.unverified, ", ")
  end
  return concat(lines, "\n")
end

return M
