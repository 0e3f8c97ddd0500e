-- `gpucloud fleet list` and `gpucloud fleet delete`: every provider in use
-- at once (gpucloud.fleet). The providers in use: --provider, else the
-- config file's `providers`, else every provider with a key (one without
-- is left out, with one note on stderr); --prices FILE gives the fleet the
-- rates no answer carries. The selection (--provider, --kind, --state,
-- --older-than, --cost-above, --filter; --idle-for with a state file of
-- `fleet observe`) is the same for both, so what `list` shows is what
-- `delete` plans; `delete` prints the plan, naming each thing and why it
-- was chosen or left out, before it acts, with the confirmation rules of
-- the other deletes; what changed since the plan is skipped and named.
-- (`fleet observe|plan|apply` and `journal check`: cli/unattended.lua.)

local commands = require "gpucloud.cli.commands"
local output = require "gpucloud.cli.output"
local providers = require "gpucloud.providers"
local run = require "gpucloud.cli.run"
local text = require "gpucloud.cli.fleet_text"

local M = {}

local format, concat = string.format, table.concat

-- The fields a fleet row may have (gpucloud.fleet, a kind's refine, a
-- state file's idle_for), for strict filters: a typo is an error, a field
-- no row happens to hold is not.
local ROW_FIELDS = { "provider", "kind", "id", "key", "name", "label", "status", "state", "created_at", "age",
  "age_unknown", "cost_per_hour", "cost_unknown", "cost_source", "cost_parts", "next_cost_per_hour",
  "next_cost_starts", "next_cost_note", "next_cost_unknown", "not_actionable", "protected", "parent", "raw",
  "workers", "state_error", "idle_for" }

-- A repeatable option not given is an empty list: that selects everything.
local function given(list)
  if type(list) == "table" and #list > 0 then return list end
end

-- Whether provider `name` has a key anywhere the library looks (or in
-- the config file), without sending anything.
local function has_key(name, entry, sys)
  local keys = require "gpucloud.keys"
  local o = run.client_options(entry, {}, sys)
  if o.api_key then return true end
  return keys.lookup(providers.spec(name), { getenv = sys.getenv }, "fleet") ~= nil
end

-- The fleet of the providers in use, its clients, and what was left out.
local function make_fleet(lib, call, sys)
  local opts, cfg = call.opts, sys.config or {}
  local names, explicit = {}, true
  if given(opts.provider) then
    names = opts.provider
  elseif cfg.providers then
    for _, p in ipairs(cfg.providers) do
      if providers.has(p, "fleet") then names[#names + 1] = p end
    end
  else
    explicit = false
    for _, p in ipairs(providers.names()) do
      if providers.has(p, "fleet") then names[#names + 1] = p end
    end
  end
  local clients, entries, left = {}, {}, {}
  for _, p in ipairs(names) do
    local entry = commands.provider(p)
    if explicit or has_key(p, entry, sys) then
      clients[p] = lib[p](run.client_options(entry, opts, sys))
      entries[p] = entry
    else
      left[#left + 1] = entry
    end
  end
  if #left > 0 then
    local what = {}
    for i, e in ipairs(left) do
      local vars = {}
      for j, v in ipairs(e.key_env) do vars[j] = v end
      what[i] = e.title .. " (set " .. concat(vars, " or ") .. ")"
    end
    sys.stderr:write(format("gpucloud: fleet: leaving out %s: no API key; to be told instead, list the providers"
      .. " in use in %s\n", concat(what, ", "),
      require("gpucloud.cli.settings").path(sys.getenv) or "the config file"))
  end
  if next(clients) == nil then return nil, "fleet: no provider in use has an API key (see above)" end
  -- --prices: the table its check read
  local o = { prices = opts.prices }
  for p, c in pairs(clients) do o[p] = c end
  return lib.fleet(o), clients, entries
end

local function close(clients)
  for _, c in pairs(clients) do c:close() end
end

-- --older-than and --cost-above: a row whose age or cost is unknown is
-- left out, and a note on stderr says how many of each kind, and why.
local function above(rows, opts, sys)
  for _, f in ipairs { { "older-than", "age", "age_unknown", "age" }, { "cost-above", "cost_per_hour",
      "cost_unknown", "$/h" } } do
    local min, field, why_field = opts[f[1]], f[2], f[3]
    if min then
      local left = {}
      rows = rows:filter(function(r)
        if r[field] == nil then left[#left + 1] = { r.provider .. " " .. r.kind, r[why_field] or "unknown" } end
        return r[field] ~= nil and r[field] > min
      end)
      if #left > 0 and not opts.quiet then
        sys.stderr:write("gpucloud: note: ", text.unknown_left_out("--" .. f[1], f[4], left), "\n")
      end
    end
  end
  return rows
end

-- The rows the options select, and the listings' errors (a state file's
-- too: with --state-file, rows have idle_for, and --idle-for selects on
-- it); nil and a usage message for a filter on a field fleet rows do not have.
local function selected(fleet, opts, sys)
  local pick = {}
  if opts["idle-for"] then
    local min = opts["idle-for"]
    pick.idle_for = function(v) return type(v) == "number" and v >= min end
  end
  if given(opts.state) then pick.state = opts.state end
  -- the fleet filters the rows, and asks the servers that can to filter too
  local rows, errs = fleet:list { kinds = given(opts.kind), state = opts["state-file"],
    where = next(pick) and pick or nil }
  rows = above(rows, opts, sys)
  local filtered, why = run.filtered(rows, opts.filter, ROW_FIELDS)
  if not filtered then return nil, why end
  return filtered, errs or {}
end

--- The total of a cost column of fleet rows (the table's total line):
-- each thing counted once (an endpoint's $/h is its workers' instances'),
-- the $/h after pending price increases where one is pending, and how
-- many have no known cost; nil for another column (summed as it is).
function M.sums(field, rows)
  if field ~= "cost_per_hour" and field ~= "next_cost_per_hour" then return nil end
  local t = require("gpucloud.fleet.cost").totals(rows)
  return { sum = field == "cost_per_hour" and t.now or t.after, unknown = t.unknown,
    why = "--columns key,cost_unknown says why",
    note = t.next_unknown > 0 and format("%d not checked for a pending price increase", t.next_unknown) or nil }
end

-- A listing's error in the command line's words (a missing key's advice).
local function cli_error(err, entries)
  local p = err.fleet and err.fleet:match("^[^:]+")
  if err.code == "no_api_key" and p and entries[p] then
    return { code = "no_api_key", op = err.op, message = err.fleet .. ": " .. entries[p].no_key }
  end
  return err
end

local function errors_out(out, errs, entries)
  for _, e in ipairs(errs) do out.error(cli_error(e, entries)) end
end

-- --idle-for is observed time: it needs the observations.
local function observed(opts)
  if opts["idle-for"] and not opts["state-file"] then
    return nil, "--idle-for needs --state-file FILE (what `gpucloud fleet observe` keeps)"
  end
  return true
end

-- Keep rules: the config file's `keep` section, then --keep FILE's lines.
-- The rules (nil when there are none), or nil and a message.
local function keep_rules(opts, sys)
  local keep, settings = require "gpucloud.fleet.keep", require "gpucloud.cli.settings"
  local rules, err
  local listed = settings.keep(sys.config)
  if #listed > 0 then
    rules, err = keep.rules(listed, (sys.config.path or "the config file") .. ": keep rule")
    if not rules then return nil, err end
  end
  if opts.keep then
    local more
    more, err = keep.read(opts.keep)
    if not more then return nil, err end
    if not rules then return more end
    for _, r in ipairs(more) do rules[#rules + 1] = r end
  end
  return rules
end

-- What the command needs before any listing: --idle-for's state file, the
-- keep rules (nil and a usage message when either is wrong).
local function prepare(opts, sys)
  local ok, why = observed(opts)
  if not ok then return nil, why end
  local rules, kerr = keep_rules(opts, sys)
  if kerr then return nil, kerr end
  return true, rules
end

--- The fleet of the command's providers, listed and selected, for a
-- plan: fleet, clients, rows. Or nil and what the command returns: the
-- exit status once the errors are printed (no key; a listing that failed:
-- deciding on the others' rows alone would be a plan made from half the
-- answer), or nil and a usage message.
function M.listed(lib, call, out, sys)
  local fleet, clients, entries = make_fleet(lib, call, sys)
  if not fleet then
    out.error { code = "no_api_key", message = clients }
    return nil, 1
  end
  local rows, errs = selected(fleet, call.opts, sys)
  if not rows or #errs > 0 then close(clients) end
  if not rows then return nil, nil, errs end
  if #errs > 0 then
    errors_out(out, errs, entries)
    return nil, 1
  end
  return fleet, clients, rows
end

--- The plan of selected rows: those with deletion protection on are
-- left out (a delete the provider would refuse), and listed apart; what
-- a keep rule keeps is in plan.kept. Returns plan, by_key, skipped.
function M.plan_of(fleet, rows, rules, expires)
  local by_key, skipped = {}, {}
  for _, r in ipairs(rows) do by_key[r.key] = r end
  local chosen = rows:filter(function(r)
    if r.protected then skipped[#skipped + 1] = r end
    return not r.protected
  end)
  return fleet:plan(chosen, { keep = rules, expires = expires }), by_key, skipped
end

function M.list(lib, call, out, sys)
  local ok, why = observed(call.opts)
  if not ok then return nil, why end
  local fleet, clients, entries = make_fleet(lib, call, sys)
  if not fleet then
    out.error { code = "no_api_key", message = clients }
    return 1
  end
  local rows, errs = selected(fleet, call.opts, sys)
  close(clients)
  if not rows then return nil, errs end
  local shown, why2 = out.list(rows, M.sums)
  if not shown then return nil, why2 end
  if out.format ~= "json" then errors_out(out, errs, entries) end
  return #errs > 0 and 1 or 0
end

function M.delete(lib, call, out, sys)
  local opts = call.opts
  local ok, rules = prepare(opts, sys)
  if not ok then return nil, rules end
  local fleet, clients, rows = M.listed(lib, call, out, sys)
  if not fleet then return clients, rows end
  local plan, by_key, skipped = M.plan_of(fleet, rows, rules)
  return M.execute(fleet, clients, { plan = plan, by_key = by_key, skipped = skipped, rules = rules,
    why = text.selection(opts) }, call, out, sys)
end

--- Delete a plan (what.plan; what.by_key: its rows; what.skipped: rows
-- left out; what.why: what selected them; what.rules: keep rules): the
-- --max check, the plan printed, the dry run or the confirmation, the
-- report (fleet delete, and fleet apply's saved plan).
function M.execute(fleet, clients, what, call, out, sys)
  local opts, plan, by_key = call.opts, what.plan, what.by_key
  if plan.count > opts.max then
    close(clients)
    return nil, format("refusing to delete %d things: more than max = %d (raise --max to go ahead)",
      plan.count, opts.max)
  end
  local words = out.format == "table" or out.format == "csv"
  if words and not opts.quiet then io.stdout:write(text.plan(plan, by_key, what.skipped or {}, what.why), "\n") end
  local settings = { max = opts.max, concurrency = opts.concurrency, verify = opts.verify, deadline = opts.deadline,
                     journal = opts.journal, force = opts.force or nil, keep = what.rules }
  if opts["dry-run"] or plan.count == 0 then
    settings.dry_run = true
    local r = fleet:delete(plan, settings)
    close(clients)
    if words then
      if not opts.quiet and (plan.count > 0 or #r.skipped > 0) then io.stdout:write(text.dry_run(r, by_key), "\n") end
    else
      out.report(r)
    end
    return 0
  end
  if plan.count > 1 and not opts.yes then
    if not sys.isatty(0) then
      close(clients)
      return nil, format("refusing to delete %d things without --yes: stdin is not a terminal to ask on", plan.count)
    end
    sys.stderr:write(format("Delete %d things (%s)? [y/N] ", plan.count, output.show_ids(plan.keys)))
    local answer = (sys.stdin:read("*l") or ""):lower():match("^%s*(.-)%s*$")
    if answer ~= "y" and answer ~= "yes" then
      close(clients)
      out.error { code = "aborted", message = "aborted: nothing was sent" }
      return 1
    end
  end
  local report = fleet:delete(plan, settings)
  close(clients)
  if words then
    if not opts.quiet then io.stdout:write(text.report(report, by_key), "\n") end
  else
    out.report(report)
  end
  return next(report.failed) and 1 or 0
end

M.make_fleet, M.close, M.errors_out, M.prepare, M.observed = make_fleet, close, errors_out, prepare, observed

return M
