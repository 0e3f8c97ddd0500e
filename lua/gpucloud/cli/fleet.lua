-- `gpucloud fleet list` and `gpucloud fleet delete`: every provider at once
-- (gpucloud.fleet), clients made from the environment. The selection
-- (--provider, --kind, --state, --older-than, --filter) is the same for
-- both, so what `list` shows is what `delete` plans; `delete` prints the
-- plan (count and $/h) before it acts, with the confirmation rules of the
-- other deletes.

local output = require "gpucloud.cli.output"

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
  for _, p in ipairs(given(opts.provider) or { "vast", "tensorpool" }) do set[p] = true end
  local client = { timeout = opts.timeout, retries = opts.retries, deadline = opts.deadline }
  local clients = {}
  if set.vast then clients.vast = lib.vast(client) end
  if set.tensorpool then clients.tensorpool = lib.tensorpool(client) end
  return lib.fleet(clients), clients
end

local function close(clients)
  for _, c in pairs(clients) do c:close() end
end

-- The rows the options select, and the listings' errors.
local function selected(fleet, opts)
  local pick = {}
  if given(opts.state) then pick.state = opts.state end
  if opts["older-than"] then
    local min = opts["older-than"]
    pick.age = function(age) return type(age) == "number" and age > min end
  end
  for _, f in ipairs(opts.filter or {}) do
    local field, value = f[1], f[2]
    pick[field] = function(v) return output.text(v) == value end
  end
  -- the fleet filters the rows, and asks the servers that can to filter too
  local rows, errs = fleet:list { kinds = given(opts.kind), where = next(pick) and pick or nil }
  return rows, errs or {}
end

local function errors_out(out, errs, json)
  if json then return end
  for _, e in ipairs(errs) do out.error(e) end
end

-- What a person sees of a row (JSON gets the row itself).
local shown_list = require("gpucloud.list").class("id", {},
  { "provider", "kind", "id", "state", "status", "name", "age", "$/h", "protected" })

local function shown(rows)
  return shown_list(rows:map(function(r)
    return {
      provider = r.provider, kind = r.kind, id = r.id, state = r.state or "?", status = r.status,
      name = r.name, age = age_text(r.age), ["$/h"] = r.cost_per_hour, protected = r.protected or nil,
    }
  end))
end

function M.list(lib, call, out)
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
  local plan = rows:plan()
  if plan.count > opts.max then
    close(clients)
    return nil, format("refusing to delete %d things: more than max = %d (raise --max to go ahead)",
      plan.count, opts.max)
  end
  if not opts.json then io.stdout:write(tostring(plan), "\n") end
  local settings = { max = opts.max, concurrency = opts.concurrency, verify = opts.verify, deadline = opts.deadline }
  if opts["dry-run"] or plan.count == 0 then
    settings.dry_run = true
    local r = fleet:delete(plan, settings)
    close(clients)
    if opts.json then out.report(r) end
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

return M
