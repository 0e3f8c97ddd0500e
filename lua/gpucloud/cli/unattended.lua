-- The commands of unattended runs (their rows are in cli/commands.lua):
--
--   gpucloud fleet observe --state-file FILE      list, and update what was seen since when
--   gpucloud fleet plan [selection] --out FILE    a plan saved for review, applied later
--   gpucloud fleet apply FILE [--yes] [--max N]   delete what still matches the saved plan
--   gpucloud journal check FILE                   what became of every journaled call
--
-- The providers in use are the fleet commands' (cli/fleet.lua).

local fleet_cli = require "gpucloud.cli.fleet"
local json = require "gpucloud.json"
local text = require "gpucloud.cli.fleet_text"

local M = {}

local format = string.format

local function utc(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(t))
end

-- The fleet of the providers in use, or nil and the exit status (no key).
local function fleet_of(lib, call, out, sys)
  local fleet, clients, entries = fleet_cli.make_fleet(lib, call, sys)
  if not fleet then
    out.error { code = "no_api_key", message = clients }
    return nil, 1
  end
  return fleet, clients, entries
end

function M.observe(lib, call, out, sys)
  local opts = call.opts
  local path = opts["state-file"] or opts.state
  if not path then return nil, "fleet observe: give the state file: --state-file FILE" end
  local fleet, clients, entries = fleet_of(lib, call, out, sys)
  if not fleet then return clients end
  local rows, errs = fleet:observe(path)
  fleet_cli.close(clients)
  if not rows then
    out.error(errs)
    return 1
  end
  errs = errs or {}
  local shown, why = out.list(rows, fleet_cli.sums)
  if not shown then return nil, why end
  if out.format ~= "json" then fleet_cli.errors_out(out, errs, entries) end
  return #errs > 0 and 1 or 0
end

-- What -o json says of a plan.
local function plan_json(plan, saved, skipped)
  local kept, refused, protected = json.array(), json.array(), json.array()
  for i, k in ipairs(plan.kept) do kept[i] = json.object { key = k.key, rule = k.rule } end
  for i, r in ipairs(plan.refused) do refused[i] = json.object { key = r.key, reason = r.reason } end
  for i, r in ipairs(skipped) do protected[i] = r.key end
  return json.object {
    plan = json.object {
      id = plan.id, count = plan.count, keys = json.array(plan.keys), kept = kept, refused = refused,
      protected = protected, cost_per_hour = plan.cost_per_hour, unknown_cost = plan.unknown_cost,
      made_at = plan.made_at, expires_at = plan.expires_at, saved = saved,
    },
  }
end

function M.plan(lib, call, out, sys)
  local opts = call.opts
  local ok, rules = fleet_cli.prepare(opts, sys)
  if not ok then return nil, rules end
  local fleet, clients, rows = fleet_cli.listed(lib, call, out, sys)
  if not fleet then return clients, rows end
  fleet_cli.close(clients)
  local plan, by_key, skipped = fleet_cli.plan_of(fleet, rows, rules, opts.expires)
  if opts.out then
    local saved, err = plan:save(opts.out)
    if not saved then
      out.error(err)
      return 1
    end
  end
  if out.format == "ids" then
    for _, key in ipairs(plan.keys) do io.stdout:write(key, "\n") end
  elseif out.format ~= "table" and out.format ~= "csv" then
    out.record(plan_json(plan, opts.out, skipped))
  elseif not opts.quiet then
    io.stdout:write(text.plan(plan, by_key, skipped, text.selection(opts)), "\n")
    if opts.out then
      io.stdout:write(format("saved plan %s to %s (expires %s): gpucloud fleet apply %s\n", plan.id, opts.out,
        utc(plan.expires_at), opts.out))
    end
  end
  return 0
end

function M.apply(lib, call, out, sys)
  local opts, file = call.opts, call.args[1]
  local ok, rules = fleet_cli.prepare(opts, sys)
  if not ok then return nil, rules end
  local fleet, clients, entries = fleet_of(lib, call, out, sys)
  if not fleet then return clients end
  local plan, err = fleet:load_plan(file)
  if plan and plan:expired(fleet.now()) then
    plan, err = nil, { code = "invalid", message = format("%s: plan %s expired at %s: make a new plan", file,
      plan.id, utc(plan.expires_at)) }
  end
  -- a provider the plan names that is not in use (no key) cannot be asked
  for _, g in ipairs(plan and plan.groups or {}) do
    if not entries[g.provider] then
      local e = require("gpucloud.cli.commands").provider(g.provider)
      plan, err = nil, { code = "no_api_key", message = format("%s: plan %s names %s things: %s", file, plan.id,
        e.title, e.no_key) }
      break
    end
  end
  if not plan then
    fleet_cli.close(clients)
    out.error(err)
    return 1
  end
  return fleet_cli.execute(fleet, clients, { plan = plan, by_key = text.rows_of(plan), rules = rules,
    why = format("saved plan %s (made %s)", plan.id, utc(plan.made_at)) }, call, out, sys)
end

-- What -o json says of a journal check.
local function check_json(r)
  local items = json.array()
  for i, it in ipairs(r.items) do
    items[i] = json.object {
      line = it.line, at = it.at, plan = it.plan, key = it.key, op = it.op, resolution = it.resolution,
      unresolved = it.unresolved, state = it.state, status = it.status, why = it.why,
      outcome = it.outcome and it.outcome.outcome,
    }
  end
  local damaged = json.array()
  for i, d in ipairs(r.damaged) do damaged[i] = json.object(d) end
  return json.object { items = items, damaged = damaged, gone = r.gone, still_there = r.still_there,
                       unknown = r.unknown, unresolved = r.unresolved, ok = r.ok }
end

function M.journal_check(lib, call, out, sys)
  local fleet, clients = fleet_of(lib, call, out, sys)
  if not fleet then return clients end
  local result, err = fleet:check_journal(call.args[1])
  fleet_cli.close(clients)
  if not result then
    out.error(err)
    return 1
  end
  if out.format ~= "table" and out.format ~= "csv" then
    out.record(check_json(result))
  elseif not call.opts.quiet then
    io.stdout:write(tostring(result), "\n")
  end
  return result.ok and 0 or 1
end

return M
