-- The commands of unattended runs (their rows are in cli/commands.lua):
--
--   gpucloud fleet observe --state-file FILE      list, and update what was seen since when
--   gpucloud fleet plan [selection] --out FILE    a plan saved for review, applied later
--   gpucloud fleet apply FILE [--yes] [--max N]   delete what still matches the saved plan
--   gpucloud journal check FILE                   what became of every journaled call
--
-- Clients come from the environment, as for `fleet list`.

local fleet_cli = require "gpucloud.cli.fleet"
local json = require "gpucloud.json"

local M = {}

local format = string.format

local function utc(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(t))
end

function M.observe(lib, call, out)
  local opts = call.opts
  local path = opts["state-file"] or opts.state
  if not path then return nil, "fleet observe: give the state file: --state-file FILE" end
  local fleet, clients = fleet_cli.make_fleet(lib, call)
  local rows, errs = fleet:observe(path)
  fleet_cli.close(clients)
  if not rows then
    out.error(errs)
    return 1
  end
  errs = errs or {}
  if opts.json then out.list(rows) elseif not opts.quiet then out.list(fleet_cli.shown(rows)) end
  fleet_cli.errors_out(out, errs, opts.json)
  return #errs > 0 and 1 or 0
end

-- What --json says of a plan.
local function plan_json(plan, saved)
  local kept = json.array()
  for i, k in ipairs(plan.kept) do kept[i] = json.object { key = k.key, rule = k.rule } end
  return json.object {
    plan = json.object {
      id = plan.id, count = plan.count, keys = json.array(plan.keys), kept = kept,
      cost_per_hour = plan.cost_per_hour, unknown_cost = plan.unknown_cost,
      made_at = plan.made_at, expires_at = plan.expires_at, saved = saved,
    },
  }
end

function M.plan(lib, call, out)
  local opts = call.opts
  local ok, why = fleet_cli.observed(opts)
  if not ok then return nil, why end
  local rules, kerr = fleet_cli.keep_rules(opts)
  if opts.keep and not rules then return nil, kerr end
  local fleet, clients = fleet_cli.make_fleet(lib, call)
  local rows, errs = fleet_cli.selected(fleet, opts)
  fleet_cli.close(clients)
  if #errs > 0 then
    -- a plan made from half the answer is not saved
    fleet_cli.errors_out(out, errs, false)
    if opts.json then out.error(errs[1]) end
    return 1
  end
  local plan = fleet:plan(rows, { keep = rules, expires = opts.expires })
  if opts.out then
    local saved, err = plan:save(opts.out)
    if not saved then
      out.error(err)
      return 1
    end
  end
  if opts.json then
    out.record(plan_json(plan, opts.out))
  elseif not opts.quiet then
    io.stdout:write(tostring(plan), "\n")
    if opts.out then
      io.stdout:write(format("saved plan %s to %s (expires %s): gpucloud fleet apply %s\n", plan.id, opts.out,
        utc(plan.expires_at), opts.out))
    end
  end
  return 0
end

function M.apply(lib, call, out, sys)
  local opts, file = call.opts, call.args[1]
  local rules, kerr = fleet_cli.keep_rules(opts)
  if opts.keep and not rules then return nil, kerr end
  local fleet, clients = fleet_cli.make_fleet(lib, call)
  local plan, err = fleet:load_plan(file)
  if plan and plan:expired(fleet.now()) then
    plan, err = nil, { code = "invalid", message = format("%s: plan %s expired at %s: make a new plan", file,
      plan.id, utc(plan.expires_at)) }
  end
  if not plan then
    fleet_cli.close(clients)
    out.error(err)
    return 1
  end
  return fleet_cli.execute(fleet, clients, plan, call, out, sys)
end

-- What --json says of a journal check.
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

function M.journal_check(lib, call, out)
  local fleet, clients = fleet_cli.make_fleet(lib, call)
  local result, err = fleet:check_journal(call.args[1])
  fleet_cli.close(clients)
  if not result then
    out.error(err)
    return 1
  end
  if call.opts.json then
    out.record(check_json(result))
  elseif not call.opts.quiet then
    io.stdout:write(tostring(result), "\n")
  end
  return result.ok and 0 or 1
end

return M
