-- The command line's money: `gpucloud fleet cost` (the report of
-- fleet:costs), and what `fleet list` and `fleet delete` add: the price
-- table file (--prices), the filters on age and cost that say what they
-- left out and why (--older-than, --cost-above), and the totals line.

local M = {}

local format = string.format

--- --prices FILE: the file's name (read when the command runs).
function M.prices_file(s)
  if s == "" then return nil, "a JSON file of prices, got an empty name" end
  return s
end

--- The fleet's prices option from --prices FILE: a table, or nil and why.
function M.prices(opts)
  local path = opts.prices
  if not path then return nil end
  local f, err = io.open(path, "rb")
  if not f then return nil, "--prices: " .. tostring(err) end
  local text = f:read("*a")
  f:close()
  local t, derr = require("gpucloud.json").decode(text)
  if type(t) ~= "table" then
    return nil, "--prices " .. path .. ": not a JSON object" .. (derr and (" (" .. derr .. ")") or "")
  end
  local ok, why = pcall(require("gpucloud.fleet.cost").check_prices, "--prices " .. path, "prices", t, 1)
  if not ok then return nil, (tostring(why):gsub("^[^:]*:%d+: ", "")) end
  return t
end

--- A UTC day as typed (YYYY-MM-DD), for the money listings' --from/--to.
function M.day(s)
  if s:match("^%d%d%d%d%-%d%d%-%d%d$") and require("gpucloud.providers.vast.billing").epoch(s) then return s end
  return nil, "a UTC day YYYY-MM-DD, got " .. require("gpucloud.cli.checks").describe(s)
end

--- --cost-above USD: dollars an hour, in decimal (0.5, 12).
function M.amount(s)
  local n = (s:match("^%d+%.?%d*$") or s:match("^%.%d+$")) and tonumber(s)
  if n and n < math.huge then return n end
  return nil, "an amount of dollars such as 0.5 or 12, got " .. require("gpucloud.cli.checks").describe(s)
end

--- An amount of money for a person.
function M.money(v)
  if v == nil then return "-" end
  if v < 0 then return format("-$%.2f", -v) end
  return format("$%.2f", v)
end

local function signed(v)
  if v == nil then return "-" end
  if v >= 0.005 then return "+" .. M.money(v) end
  if v <= -0.005 then return M.money(v) end
  return "$0.00"
end

-- "provider kind (n): why; ...": the rows left out, by kind, each with
-- the reason most of them share.
local function reasons(by_kind)
  local list = {}
  for kind, t in pairs(by_kind) do
    local top, most = nil, 0
    for why, n in pairs(t.why) do
      if n > most or (n == most and why < top) then top, most = why, n end
    end
    list[#list + 1] = { kind, t.n, top }
  end
  table.sort(list, function(a, b)
    if a[2] ~= b[2] then return a[2] > b[2] end
    return a[1] < b[1]
  end)
  local parts = {}
  for i, e in ipairs(list) do parts[i] = format("%s (%d): %s", e[1], e[2], e[3]) end
  return table.concat(parts, "; ")
end

--- --older-than and --cost-above over fleet rows: the rows kept, and a
-- note for each filter that left out rows whose age or cost is unknown.
function M.filters(rows, opts)
  local notes = {}
  local function by(field, unknown_field, test, name, what)
    local left, kinds = 0, {}
    rows = rows:filter(function(r)
      if r[field] == nil then
        left = left + 1
        local k = r.provider .. " " .. r.kind
        kinds[k] = kinds[k] or { n = 0, why = {} }
        local t, w = kinds[k], r[unknown_field] or "unknown"
        t.n, t.why[w] = t.n + 1, (t.why[w] or 0) + 1
        return false
      end
      return test(r[field])
    end)
    if left > 0 then
      notes[#notes + 1] = format("%s left out %d thing%s whose %s is unknown: %s", name, left,
        left == 1 and "" or "s", what, reasons(kinds))
    end
  end
  local min_age = opts["older-than"]
  if min_age then by("age", "age_unknown", function(age) return age > min_age end, "--older-than", "age") end
  local min_cost = opts["cost-above"]
  if min_cost then
    by("cost_per_hour", "cost_unknown", function(c) return c > min_cost end, "--cost-above", "$/h")
  end
  return rows, notes
end

--- Write notes on stderr (unless --quiet): what a filter left out.
function M.say_notes(notes, opts)
  if opts.quiet then return end
  for _, n in ipairs(notes) do io.stderr:write("gpucloud: note: ", n, "\n") end
end

--- The totals of fleet rows as a line: $/h now, after pending price
-- increases, and how many have no known cost.
function M.totals_line(rows)
  local t = require("gpucloud.fleet.cost").totals(rows)
  local parts = { format("total: %s/h now", M.money(t.now)) }
  if t.changes > 0 then
    parts[#parts + 1] = format("%s/h once %d pending price increase%s start%s", M.money(t.after), t.changes,
      t.changes == 1 and "" or "s", t.changes == 1 and "s" or "")
  else
    parts[#parts + 1] = "no pending price increases"
  end
  if t.next_unknown > 0 then parts[#parts + 1] = format("%d not checked for one", t.next_unknown) end
  parts[#parts + 1] = format("%d thing%s of unknown cost", t.unknown, t.unknown == 1 and "" or "s")
  return table.concat(parts, ", ")
end

------------------------------------------------------------------------
-- gpucloud fleet cost

--- --since / --until: a duration back from now (7d, 12h) or a UTC day
-- (YYYY-MM-DD); {ago = s} or {at = epoch}.
function M.when(s)
  local billing = require "gpucloud.providers.vast.billing"
  local at = billing.epoch(s)
  if at then return { at = at } end
  local ago = require("gpucloud.cli.checks").duration(s)
  if ago then return { ago = ago } end
  return nil, "a duration back from now (7d, 12h) or a UTC day YYYY-MM-DD, got "
    .. require("gpucloud.cli.checks").describe(s)
end

local function resolve(w, now, default)
  if w == nil then return default end
  if w.at then return w.at end
  return now - w.ago
end

local function day_text(t)
  return os.date("!%Y-%m-%d %H:%M", t) .. " UTC"
end

local shown_list = require("gpucloud.list").class("group", {},
  { "group", "things", "estimate", "billed", "difference", "notes" })

local function notes_of(g)
  local n = {}
  if g.gone > 0 then n[#n + 1] = format("%d gone", g.gone) end
  if g.unbilled > 0 then n[#n + 1] = format("%d not billed yet", g.unbilled) end
  if g.estimate_unknown > 0 then n[#n + 1] = format("%d no estimate", g.estimate_unknown) end
  if g.billed_unknown > 0 then n[#n + 1] = format("%d no bill", g.billed_unknown) end
  return #n > 0 and table.concat(n, ", ") or nil
end

local function text_report(report, groups, by)
  local t = report.totals
  local lines = { format("costs from %s to %s, by %s (charges are kept per UTC day: today's grow)",
    day_text(report.from), day_text(report.to), by) }
  local shown = {}
  for i, g in ipairs(groups) do
    shown[i] = { group = g.group, things = g.things, estimate = M.money(g.estimate), billed = M.money(g.billed),
      difference = signed(g.difference), notes = notes_of(g) }
  end
  lines[#lines + 1] = tostring(shown_list(shown))
  lines[#lines + 1] = format("total: estimate %s, billed %s, difference %s (billed - estimate, where both are known)",
    M.money(t.estimate), M.money(t.billed), signed(t.difference))
  local n = {}
  if t.gone > 0 then n[#n + 1] = format("%d billed and gone", t.gone) end
  if t.unbilled > 0 then n[#n + 1] = format("%d listed and not billed yet", t.unbilled) end
  if t.estimate_unknown > 0 then
    n[#n + 1] = format("%d without an estimate (cost or age unknown)", t.estimate_unknown)
  end
  if t.billed_unknown > 0 then n[#n + 1] = format("%d whose provider's bill gpucloud cannot read", t.billed_unknown) end
  if #n > 0 then lines[#lines + 1] = "of " .. t.things .. " things: " .. table.concat(n, "; ") end
  local providers = {}
  for p in pairs(report.no_bill or {}) do providers[#providers + 1] = p end
  table.sort(providers)
  for _, p in ipairs(providers) do lines[#lines + 1] = format("no bill from %s: %s", p, report.no_bill[p]) end
  return table.concat(lines, "\n")
end

local function json_report(report, groups, by)
  local json = require "gpucloud.json"
  local rows = json.array()
  for i, r in ipairs(report.rows) do rows[i] = json.object(r) end
  local gs = json.array()
  for i, g in ipairs(groups) do gs[i] = json.object(g) end
  return json.object { from = report.from, to = report.to, by = by, groups = gs, rows = rows,
    totals = json.object(report.totals), no_bill = json.object(report.no_bill or {}) }
end

--- `gpucloud fleet cost`: the report, grouped by --by.
function M.cost(lib, call, out, make_fleet, errors_out)
  local opts = call.opts
  local now = os.time()
  local to = resolve(opts["until"], now, now)
  local since = resolve(opts.since, now)
  if since > to then return nil, "--since is after --until" end
  local fleet, clients, why = make_fleet(lib, call)
  if not fleet then return nil, why end
  local report, errs = fleet:costs { since = since, ["until"] = to }
  for _, c in pairs(clients) do c:close() end
  local by = opts.by or "thing"
  local groups = require("gpucloud.fleet.costs").group(report, by)
  if opts.json then
    out.record(json_report(report, groups, by))
  elseif not opts.quiet then
    io.stdout:write(text_report(report, groups, by), "\n")
  end
  errors_out(out, errs or {}, opts.json)
  return errs and 1 or 0
end

return M
