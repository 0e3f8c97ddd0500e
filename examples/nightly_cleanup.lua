-- Nightly clean-up across every provider: delete what has been OBSERVED
-- idle (or failed) for at least N hours, and nothing else. No provider
-- says since when a thing is idle, so a run every 15 minutes looks and
-- remembers (a state file); the nightly run plans from what was seen,
-- re-reads each planned thing before it deletes (what changed since the
-- plan stays), and writes a journal of every delete. Its log says, for
-- each thing, why it went or stayed.
--
--   lua5.4 examples/nightly_cleanup.lua observe --state FILE
--   lua5.4 examples/nightly_cleanup.lua plan    --state FILE --out PLAN [--idle-for HOURS] [--keep FILE]
--   lua5.4 examples/nightly_cleanup.lua apply   --state FILE --journal FILE [--idle-for HOURS] [--keep FILE]
--                                               [--plan PLAN] [--max N] [--yes]
--
-- `apply` without --yes is a dry run. With --plan it applies a plan saved
-- by `plan` (reviewed in the morning, say) instead of planning again; what
-- is no longer idle for long enough stays either way. --idle-for defaults
-- to 6 hours. Clients come from the environment (VAST_API_KEY,
-- TENSORPOOL_KEY, ...): every provider gpucloud has with a key here; one
-- without a key is left out, and said so. Unknown is never idle: a thing
-- whose state cannot be read, or that was not seen, stays.
--
-- Exit status: 0 done (or nothing to do), 1 something failed or could not
-- be listed (nothing is deleted then), 2 bad arguments.
--
-- crontab (see README, "Running it unattended"), with S=/var/lib/gpucloud:
--   */15 * * * *  cd /opt/gpucloud && lua5.4 examples/nightly_cleanup.lua observe --state $S/state.json
--   30 3 * * *    cd /opt/gpucloud && lua5.4 examples/nightly_cleanup.lua apply --state $S/state.json
--                   --journal $S/journal.jsonl --yes          (one line in the crontab)
-- each with >> /var/log/gpucloud.log 2>&1

local gpucloud = require "gpucloud"
local keep = require "gpucloud.fleet.keep"
local keys = require "gpucloud.keys"
local providers = require "gpucloud.providers"

local USAGE = "usage: nightly_cleanup.lua observe|plan|apply --state FILE [--journal FILE] [--out PLAN] [--plan PLAN]"
  .. " [--idle-for HOURS] [--keep FILE] [--max N] [--yes]\n"

local VALUE = { ["--state"] = "state", ["--journal"] = "journal", ["--out"] = "out", ["--plan"] = "plan",
                ["--keep"] = "keep", ["--idle-for"] = "hours", ["--max"] = "max" }

-- argv -> command, options | nil
local function parse(argv)
  local cmd = argv[1]
  if cmd ~= "observe" and cmd ~= "plan" and cmd ~= "apply" then return nil end
  local o = { hours = 6, max = 50 }
  local i = 2
  while argv[i] do
    local a, v = argv[i], argv[i + 1]
    if a == "--yes" then
      o.yes = true
    elseif VALUE[a] and v then
      if (a == "--idle-for" or a == "--max") and not v:match("^%d+$") then return nil end
      o[VALUE[a]] = (a == "--idle-for" or a == "--max") and tonumber(v) or v
      i = i + 1
    else
      return nil
    end
    i = i + 1
  end
  if not o.state or (cmd == "plan" and not o.out) or (cmd == "apply" and not o.journal) then return nil end
  return cmd, o
end

local function span(s)
  s = math.floor(s)
  return string.format("%dh%02dm", math.floor(s / 3600), math.floor(s % 3600 / 60))
end

-- Why a row goes (true) or stays (false), in words.
local function verdict(row, limit)
  if row.protected then return false, "deletion protection is on" end
  if row.state == nil then
    return false, "state unknown, never idle" .. (row.state_error and (" (" .. tostring(row.state_error) .. ")") or "")
  end
  if row.idle_for == nil then return false, row.state .. ", not observed long enough to say" end
  if row.idle_for == 0 or row.idle_for < limit then
    return false, string.format("%s; observed idle for %s, less than %s", row.state, span(row.idle_for), span(limit))
  end
  return true, string.format("%s; observed idle for %s (at least %s)", row.state, span(row.idle_for), span(limit))
end

--- Run one command; `env` stands in for the process's world (a host, or a
-- spec on a virtual clock): now, getenv, out, err, client_options(name).
local function main(argv, env)
  env = env or {}
  local now, getenv = env.now or os.time, env.getenv or os.getenv
  local out, err = env.out or io.stdout, env.err or io.stderr
  local function log(fmt, ...)
    out:write(os.date("!%Y-%m-%dT%H:%M:%SZ ", math.floor(now())), string.format(fmt, ...), "\n")
  end
  local cmd, o = parse(argv)
  if not cmd then
    err:write(USAGE)
    return 2
  end
  local rules, kerr
  if o.keep then
    rules, kerr = keep.read(o.keep)
    if not rules then
      err:write(kerr, "\n")
      return 2
    end
  end

  -- Every provider with a fleet view and a key here.
  local clients = {}
  for _, p in ipairs(providers.parts("fleet")) do
    if keys.lookup(providers.spec(p.name), { getenv = getenv }, "nightly_cleanup") then
      local copts = { getenv = getenv }
      for k, v in pairs(env.client_options and env.client_options(p.name) or {}) do copts[k] = v end
      clients[p.name] = gpucloud[p.name](copts)
    else
      log("skip %s: no API key here (its things are not seen: never idle)", p.name)
    end
  end
  if not next(clients) then
    log("nothing to do: no provider has a key")
    return 0
  end
  local opts = { now = now }
  for name, c in pairs(clients) do opts[name] = c end
  local fleet = gpucloud.fleet(opts)
  local function done(status)
    for _, c in pairs(clients) do c:close() end
    return status
  end

  local rows, errs = fleet:observe(o.state)
  if not rows then
    log("cannot observe: %s", tostring(errs))
    return done(1)
  end
  if cmd == "observe" then
    local long, unknown = 0, 0
    for _, r in ipairs(rows) do
      if r.idle_for == nil then unknown = unknown + 1 elseif r.idle_for >= o.hours * 3600 then long = long + 1 end
    end
    log("observed %d things: %d idle for at least %dh, %d unknown", #rows, long, o.hours, unknown)
    for _, e in ipairs(errs or {}) do log("cannot list %s: %s", tostring(e.fleet), tostring(e)) end
    return done(errs and 1 or 0)
  end
  if errs then
    -- a plan made from half the answer could delete what the other half needs
    for _, e in ipairs(errs) do log("cannot list %s: %s", tostring(e.fleet), tostring(e)) end
    log("deleting nothing: %d listing(s) failed", #errs)
    return done(1)
  end

  local limit = o.hours * 3600
  local goes, short = {}, {}
  for _, r in ipairs(rows) do
    local go, why = verdict(r, limit)
    log("%s %s: %s", go and "goes " or "stays", r.key, why)
    if go then goes[#goes + 1] = r else short[#short + 1] = { provider = r.provider, kind = r.kind, id = r.id } end
  end
  local plan
  if o.plan then
    local perr
    plan, perr = fleet:load_plan(o.plan)
    if plan and plan:expired(now()) then plan, perr = nil, "plan " .. plan.id .. " has expired: make a new one" end
    if not plan then
      log("deleting nothing: %s", tostring(perr))
      return done(1)
    end
    -- what the plan names and is not idle for long enough now stays
    local observed = assert(keep.rules(short, "the observation (not idle long enough now):"))
    for _, rule in ipairs(rules or {}) do observed[#observed + 1] = rule end
    rules = observed
  else
    plan = fleet:plan(gpucloud.list(goes), { keep = rules })
  end
  for line in tostring(plan):gmatch("[^\n]+") do log("%s", line) end
  if cmd == "plan" then
    local ok, serr = plan:save(o.out)
    if not ok then
      log("cannot save the plan: %s", tostring(serr))
      return done(1)
    end
    log("saved plan %s to %s: apply it with --plan %s", plan.id, o.out, o.out)
    return done(0)
  end
  if plan.count == 0 then return done(0) end
  if plan.count > o.max then
    log("deleting nothing: %d things is more than --max %d", plan.count, o.max)
    return done(1)
  end
  if not o.yes then
    log("dry run: pass --yes to delete these %d things", plan.count)
    return done(0)
  end
  local report = fleet:delete(plan, { max = o.max, journal = o.journal, keep = rules, verify = true })
  for _, key in ipairs(report.ok) do log("deleted %s", key) end
  for _, key in ipairs(report.skipped) do log("stays %s: %s", key, report.skip_reasons[key]) end
  for _, key in ipairs(report:failed_ids()) do log("FAILED %s: %s", key, tostring(report.failed[key])) end
  log("done: %d deleted, %d failed, %d skipped, saving up to $%.2f/h; journal %s", #report.ok,
    report:failed_count(), #report.skipped, plan.cost_per_hour, o.journal)
  return done(report:failed_count() == 0 and 0 or 1)
end

-- Loaded with a table as its argument (a host, a spec), it gives main;
-- run as a script, it runs.
if type((...)) == "table" then return { main = main } end
os.exit(main(arg))
