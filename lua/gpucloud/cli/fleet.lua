-- `gpucloud fleet list` and `gpucloud fleet delete`: every provider in use
-- at once (gpucloud.fleet). The providers in use: --provider, else the
-- config file's `providers`, else every provider with a key (one without
-- is left out, with one note on stderr). The selection (--provider,
-- --kind, --state, --older-than, --filter) is the same for both, so what
-- `list` shows is what `delete` plans; `delete` prints the plan, naming
-- each thing and why it was chosen or skipped, before it acts, with the
-- confirmation rules of the other deletes.

local commands = require "gpucloud.cli.commands"
local output = require "gpucloud.cli.output"
local providers = require "gpucloud.providers"
local report_words = require "gpucloud.cli.report"
local run = require "gpucloud.cli.run"
local times = require "gpucloud.times"

local M = {}

local format, concat = string.format, table.concat

-- The fields of a fleet row (gpucloud.fleet), for strict filters on an
-- empty listing.
local ROW_FIELDS = { "provider", "kind", "id", "key", "name", "status", "state", "created_at", "age",
  "cost_per_hour", "protected", "parent", "raw" }

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
  return lib.fleet(clients), clients, entries
end

local function close(clients)
  for _, c in pairs(clients) do c:close() end
end

-- What the selection said, in the command line's words (why a row was chosen).
local function selection(opts)
  local parts = {}
  for _, k in ipairs(given(opts.kind) or {}) do parts[#parts + 1] = "--kind " .. k end
  for _, s in ipairs(given(opts.state) or {}) do parts[#parts + 1] = "--state " .. s end
  if opts["older-than"] then parts[#parts + 1] = "--older-than " .. times.age(opts["older-than"]) end
  for _, f in ipairs(opts.filter or {}) do
    parts[#parts + 1] = "--filter " .. f[1] .. (f["not"] and "!=" or "=") .. f[2]
  end
  return #parts > 0 and concat(parts, " ") or "everything listed"
end

-- The rows the options select, and the listings' errors; nil and a usage
-- message for a filter on a field fleet rows do not have.
local function selected(fleet, opts)
  local rows, errs = fleet:list { kinds = given(opts.kind) }
  local pick = {}
  if given(opts.state) then pick.state = opts.state end
  if opts["older-than"] then
    local min = opts["older-than"]
    pick.age = function(age) return type(age) == "number" and age > min end
  end
  if next(pick) then rows = rows:filter(pick) end
  local filtered, why = run.filtered(rows, opts.filter, ROW_FIELDS)
  if not filtered then return nil, why end
  return filtered, errs or {}
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

function M.list(lib, call, out, sys)
  local fleet, clients, entries = make_fleet(lib, call, sys)
  if not fleet then
    out.error { code = "no_api_key", message = clients }
    return 1
  end
  local rows, errs = selected(fleet, call.opts)
  close(clients)
  if not rows then return nil, errs end
  local shown, why = out.list(rows)
  if not shown then return nil, why end
  if out.format ~= "json" then errors_out(out, errs, entries) end
  return #errs > 0 and 1 or 0
end

-- A thing's cells: "vast workergroup", "201", its name, state, $/h, age.
local function thing(r)
  local money = require("gpucloud.cli.table").FORMATS["money/h"]
  return { r.provider .. " " .. r.kind, output.text(r.id) or tostring(r.id), r.name and tostring(r.name) or "",
    r.state or "?", r.cost_per_hour and money(r.cost_per_hour) or "-", r.age and ("age " .. times.age(r.age)) or "" }
end

-- Lines for rows of cells, each with a leading word, aligned.
local function things(lead, rows)
  local cells = {}
  for i, r in ipairs(rows) do
    cells[i] = thing(r.row)
    if lead then table.insert(cells[i], 1, r.lead) end
    if r.tail then cells[i][#cells[i] + 1] = r.tail end
  end
  return report_words.aligned(cells)
end

--- The plan in words: what goes (each thing, its name, state, $/h and
-- age), selected by what, and what is skipped and why.
function M.plan_text(plan, by_key, skipped, opts)
  local lines = {}
  if plan.count == 0 then
    lines[1] = "plan: nothing to delete (selected by " .. selection(opts) .. ")"
  else
    lines[1] = format("plan: delete %d thing%s, saving %s%s; selected by %s:", plan.count,
      plan.count == 1 and "" or "s", format("$%.2f/h", plan.cost_per_hour),
      plan.unknown_cost > 0 and format(" (%d without a known cost)", plan.unknown_cost) or "", selection(opts))
  end
  local rows = {}
  for _, key in ipairs(plan.keys) do rows[#rows + 1] = { row = by_key[key] } end
  report_words.folded(lines, things(false, rows))
  if #skipped > 0 then
    lines[#lines + 1] = format("skipped %d with deletion protection on (the provider refuses to delete it until "
      .. "an edit turns it off: --deletion-protection false):", #skipped)
    rows = {}
    for i, r in ipairs(skipped) do rows[i] = { row = r } end
    report_words.folded(lines, things(false, rows))
  end
  return concat(lines, "\n")
end

-- The report of a fleet delete, naming each thing.
local function report_text(r, by_key)
  local lines = {}
  local failed = r:failed_ids()
  lines[1] = format("deleted %d of %d thing%s in %.2f s%s", #r.ok, r.total, r.total == 1 and "" or "s",
    r.elapsed or 0, #failed > 0 and format(", %d failed", #failed) or "")
  local rows = {}
  for _, key in ipairs(r.ok) do rows[#rows + 1] = { lead = "deleted", row = by_key[key] } end
  for _, key in ipairs(failed) do
    rows[#rows + 1] = { lead = "failed", row = by_key[key],
      tail = (tostring(r.failed[key]):gsub("^gpucloud: ", "")) }
  end
  report_words.folded(lines, things(true, rows))
  if r.unverified and #r.unverified > 0 then
    lines[#lines + 1] = "  not verified (the listing failed): " .. concat(r.unverified, ", ")
  end
  return concat(lines, "\n")
end

function M.delete(lib, call, out, sys)
  local opts = call.opts
  local fleet, clients, entries = make_fleet(lib, call, sys)
  if not fleet then
    out.error { code = "no_api_key", message = clients }
    return 1
  end
  local rows, errs = selected(fleet, opts)
  if not rows then
    close(clients)
    return nil, errs
  end
  if #errs > 0 then
    -- a provider that could not be listed: deciding on the others' rows
    -- alone would be a plan made from half the answer
    close(clients)
    errors_out(out, errs, entries)
    return 1
  end
  local by_key, skipped = {}, {}
  for _, r in ipairs(rows) do by_key[r.key] = r end
  local chosen = rows:filter(function(r)
    if r.protected then skipped[#skipped + 1] = r end
    return not r.protected
  end)
  local plan = chosen:plan()
  if plan.count > opts.max then
    close(clients)
    return nil, format("refusing to delete %d things: more than max = %d (raise --max to go ahead)",
      plan.count, opts.max)
  end
  local text = out.format == "table" or out.format == "csv"
  if text and not opts.quiet then io.stdout:write(M.plan_text(plan, by_key, skipped, opts), "\n") end
  local settings = { max = opts.max, concurrency = opts.concurrency, verify = opts.verify, deadline = opts.deadline }
  if opts["dry-run"] or plan.count == 0 then
    settings.dry_run = true
    local r = fleet:delete(plan, settings)
    close(clients)
    if text then
      if not opts.quiet and plan.count > 0 then io.stdout:write("dry run: nothing sent\n") end
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
  if text then
    if not opts.quiet then io.stdout:write(report_text(report, by_key), "\n") end
  else
    out.report(report)
  end
  return next(report.failed) and 1 or 0
end

return M
