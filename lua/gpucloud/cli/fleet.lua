-- `gpucloud fleet list` and `gpucloud fleet delete`: every provider at once
-- (gpucloud.fleet), clients made from the environment. The selection
-- (--provider, --kind, --state, --older-than, --filter) is the same for
-- both, so what `list` shows is what `delete` plans; `delete` prints the
-- plan (count and $/h) before it acts, with the confirmation rules of the
-- other deletes.

local output = require "gpucloud.cli.output"
local providers = require "gpucloud.providers"

local M = {}

local format = string.format

-- A repeatable option not given is an empty list: that selects everything.
local function given(list)
  if type(list) == "table" and #list > 0 then return list end
end

-- "3d4h", "5h12m", "42s": an age as people read it.
local function age_text(s)
  if type(s) ~= "number" then return nil end
  local floor = math.floor
  s = floor(s)
  if s >= 86400 then return format("%dd%dh", floor(s / 86400), floor(s % 86400 / 3600)) end
  if s >= 3600 then return format("%dh%dm", floor(s / 3600), floor(s % 3600 / 60)) end
  if s >= 60 then return format("%dm", floor(s / 60)) end
  return format("%ds", s)
end

local function make_fleet(lib, call)
  local opts = call.opts
  local set = {}
  if given(opts.provider) then
    for _, p in ipairs(opts.provider) do set[p] = true end
  else
    for _, p in ipairs(providers.parts("fleet")) do set[p.name] = true end
  end
  local client = { timeout = opts.timeout, retries = opts.retries, deadline = opts.deadline }
  local clients = {}
  for _, p in ipairs(providers.names()) do
    if set[p] then clients[p] = lib[p](client) end
  end
  return lib.fleet(clients), clients
end

local function close(clients)
  for _, c in pairs(clients) do c:close() end
end

-- The rows the options select, and the listings' errors (a state file's
-- too: with --state-file, rows have idle_for, and --idle-for selects on it).
local function selected(fleet, opts)
  local rows, errs = fleet:list { kinds = given(opts.kind), state = opts["state-file"] }
  local pick = {}
  if opts["idle-for"] then
    local min = opts["idle-for"]
    pick.idle_for = function(v) return type(v) == "number" and v >= min end
  end
  if given(opts.state) then pick.state = opts.state end
  if opts["older-than"] then
    local min = opts["older-than"]
    pick.age = function(age) return type(age) == "number" and age > min end
  end
  for _, f in ipairs(opts.filter or {}) do
    local field, value = f[1], f[2]
    pick[field] = function(v) return output.text(v) == value end
  end
  if next(pick) then rows = rows:filter(pick) end
  return rows, errs or {}
end

local function errors_out(out, errs, json)
  if json then return end
  for _, e in ipairs(errs) do out.error(e) end
end

-- What a person sees of a row (JSON gets the row itself).
local shown_list = require("gpucloud.list").class("id", {},
  { "provider", "kind", "id", "state", "status", "name", "age", "idle for", "$/h", "protected" })

local function shown(rows)
  return shown_list(rows:map(function(r)
    return {
      provider = r.provider, kind = r.kind, id = r.id, state = r.state or "?", status = r.status,
      name = r.name, age = age_text(r.age), ["$/h"] = r.cost_per_hour, protected = r.protected or nil,
      ["idle for"] = age_text(r.idle_for),
    }
  end))
end

-- --idle-for is observed time: it needs the observations.
local function observed(opts)
  if opts["idle-for"] and not opts["state-file"] then
    return nil, "--idle-for needs --state-file FILE (what `gpucloud fleet observe` keeps)"
  end
  return true
end

-- Keep rules from --keep FILE -> rules | nil, message.
local function keep_rules(opts)
  if not opts.keep then return nil end
  return require("gpucloud.fleet.keep").read(opts.keep)
end

function M.list(lib, call, out)
  local ok, why = observed(call.opts)
  if not ok then return nil, why end
  local fleet, clients = make_fleet(lib, call)
  local rows, errs = selected(fleet, call.opts)
  close(clients)
  if call.opts.json then
    out.list(rows)
  else
    out.list(shown(rows))
  end
  errors_out(out, errs, call.opts.json)
  return #errs > 0 and 1 or 0
end

function M.delete(lib, call, out, sys)
  local opts = call.opts
  local ok, why = observed(opts)
  if not ok then return nil, why end
  local rules, kerr = keep_rules(opts)
  if opts.keep and not rules then return nil, kerr end
  local fleet, clients = make_fleet(lib, call)
  local rows, errs = selected(fleet, opts)
  if #errs > 0 then
    -- a provider that could not be listed: deciding on the others' rows
    -- alone would be a plan made from half the answer
    close(clients)
    errors_out(out, errs, false)
    if opts.json then out.error(errs[1]) end
    return 1
  end
  return M.execute(fleet, clients, fleet:plan(rows, { keep = rules }), call, out, sys)
end

--- Delete a plan: the --max check, the plan printed, the dry run or the
-- confirmation, the report (fleet delete, and fleet apply's saved plan).
function M.execute(fleet, clients, plan, call, out, sys)
  local opts = call.opts
  if plan.count > opts.max then
    close(clients)
    return nil, format("refusing to delete %d things: more than max = %d (raise --max to go ahead)",
      plan.count, opts.max)
  end
  if not opts.json then io.stdout:write(tostring(plan), "\n") end
  local settings = { max = opts.max, concurrency = opts.concurrency, verify = opts.verify, deadline = opts.deadline,
                     journal = opts.journal, force = opts.force or nil, keep = keep_rules(opts) }
  if opts["dry-run"] or plan.count == 0 then
    settings.dry_run = true
    local r = fleet:delete(plan, settings)
    close(clients)
    if opts.json then out.report(r) elseif #r.skipped > 0 then io.stdout:write(tostring(r), "\n") end
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
  out.report(report, { bulk = { verb = "delete" } }, plan.keys)
  return next(report.failed) and 1 or 0
end

M.make_fleet, M.close, M.selected, M.shown, M.errors_out = make_fleet, close, selected, shown, errors_out
M.observed, M.keep_rules, M.age_text = observed, keep_rules, age_text

return M
