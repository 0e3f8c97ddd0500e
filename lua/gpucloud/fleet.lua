--- One view over every provider's billable things: one list of rows with a
-- common shape, one plan, one delete with one report.
--
--     local fleet = gpucloud.fleet{ vast = vast, tensorpool = tp }   -- or `true`: from the environment
--     local rows, errs = fleet:list{ kinds = { "endpoint", "cluster" } }
--     local plan = rows:filter{ state = { "idle", "failed" } }:plan()
--     local report = fleet:delete(plan, { verify = true })
--
-- How each provider's things map onto rows is data: its fleet.lua
-- (providers/<name>/fleet.lua). Listings and deletes of different providers run
-- at once, as tasks of one runtime when the clients' runtimes allow it.
-- @module gpucloud.fleet

local cost = require "gpucloud.fleet.cost"
local define = require "gpucloud.define"
local list = require "gpucloud.list"
local plan_mod = require "gpucloud.fleet.plan"
local providers = require "gpucloud.providers"
local runtime = require "gpucloud.runtime"

local M = {}

-- Each provider's kinds, in the registry's order; a map's `provider` is
-- its provider's name.
local MAPS, KINDS = {}, {}
for _, p in ipairs(providers.parts("fleet")) do
  p.module.provider = p.name
  MAPS[#MAPS + 1] = p.module
  KINDS[p.name] = p.module.kinds
end
-- "vast =, tensorpool =" for messages
local FIELDS = {}
for i, map in ipairs(MAPS) do FIELDS[i] = map.provider .. " =" end
FIELDS = table.concat(FIELDS, ", ")
local STATES = { running = true, idle = true, stopped = true, failed = true, pending = true, gone = true }
M.STATES = STATES

local Fleet = {}
Fleet.__index = Fleet

local function fail(level, fmt, ...)
  error(string.format(fmt, ...), level + 1)
end

-- Kinds in a stable order: by delete stage, then by name.
local function kind_names(map)
  local names = {}
  for name in pairs(map.kinds) do names[#names + 1] = name end
  table.sort(names, function(a, b)
    local sa, sb = map.kinds[a].stage, map.kinds[b].stage
    if sa ~= sb then return sa < sb end
    return a < b
  end)
  return names
end

local ORDER = {}
for i, map in ipairs(MAPS) do ORDER[i] = { map.provider, kind_names(map) } end

------------------------------------------------------------------------
-- Rows
-- @section rows

-- A row from a listed record (fleet/row.lua: drift.lua makes rows the same way).
local make_row = require("gpucloud.fleet.row").make

local new_rows -- the rows' list class (with plan), set below

------------------------------------------------------------------------
-- Running many clients at once
-- @section running

-- A runner for work over several clients: one runtime's run_all when they
-- all have runtimes of one family (the curl runtime's multi handle, or
-- nginx's light threads), each client's calls bound to the task's runtime;
-- else one provider after the other, each on its own runtime.
function Fleet:runner()
  local first, same = nil, true
  for _, entry in ipairs(self.entries) do
    local rt = runtime.concrete(define.runtime_of(entry.client))
    if not first then first = rt elseif rt.family ~= first.family then same = false end
  end
  if same and first then
    return function(tasks) return first.run_all(tasks, #tasks) end,
      function(client, trt) return define.bind(client, trt) end
  end
  return function(tasks)
    local out = {}
    for i, t in ipairs(tasks) do out[i] = { t(nil) } end
    return out
  end, function(client) return client end
end

------------------------------------------------------------------------
-- The fleet
-- @section fleet

--- gpucloud.fleet{vast = client | true, tensorpool = client | true}: a
-- fleet of these clients (`true`: a client made from the environment).
-- `now`: the clock of what the fleet observes and plans (epoch seconds;
-- default os.time), a virtual one in specs.
-- @tparam table opts `vast`, `tensorpool`: at least one; `now`; `prices`:
-- the rates no answer carries (see the pricing options)
-- @treturn Fleet the fleet
function M.new(opts)
  if type(opts) ~= "table" then
    fail(2, "gpucloud.fleet: expected a table {%s}, got %s", FIELDS, type(opts))
  end
  if opts.now ~= nil and type(opts.now) ~= "function" then fail(2, "gpucloud.fleet: 'now' must be a function") end
  local self = setmetatable({ entries = {}, by_provider = {}, now = opts.now or os.time }, Fleet)
  local known = { now = true, prices = true }
  for _, map in ipairs(MAPS) do
    known[map.provider] = true
    local c = opts[map.provider]
    if c == true then c = providers.get(map.provider).new() end
    if c ~= nil and c ~= false then
      local spec = define.spec_of(c)
      if not spec or spec.name ~= map.provider then
        fail(2, "gpucloud.fleet: '%s' must be a gpucloud.%s client or true", map.provider, map.provider)
      end
      local entry = { provider = map.provider, client = c, map = map }
      self.entries[#self.entries + 1] = entry
      self.by_provider[map.provider] = entry
    end
  end
  for k in pairs(opts) do
    if not known[k] then fail(2, "gpucloud.fleet: unknown option '%s'", tostring(k)) end
  end
  if opts.prices ~= nil then self.prices = cost.check_prices("gpucloud.fleet", "prices", opts.prices, 2) end
  if #self.entries == 0 then fail(2, "gpucloud.fleet: give at least one client (%s)", FIELDS) end
  return self
end

-- The kinds a client can list (a kind whose operations the client does not
-- have is left out), in ORDER.
local function kinds_of(entry)
  local out = {}
  for _, name in ipairs(kind_names(entry.map)) do
    local k = entry.map.kinds[name]
    if entry.client[k.list] and entry.client[k.delete] then out[#out + 1] = name end
  end
  return out
end

--- A fleet: `gpucloud.fleet{...}`.
-- @type Fleet

--- Every kind this fleet can list, as "provider:kind".
function Fleet:kinds()
  local out = {}
  for _, e in ipairs(self.entries) do
    for _, k in ipairs(kinds_of(e)) do out[#out + 1] = e.provider .. ":" .. k end
  end
  return out
end

-- Which (entry, kind) pairs `wanted` selects: nil for all; names may be
-- "kind" or "provider:kind".
local function select_kinds(self, wanted, level)
  if wanted ~= nil and type(wanted) ~= "table" then fail(level + 1, "fleet:list: 'kinds' must be a list of kinds") end
  local pick, used = nil, {}
  if wanted then
    pick = {}
    for _, w in ipairs(wanted) do pick[w] = true end
  end
  local jobs = {}
  for _, e in ipairs(self.entries) do
    for _, k in ipairs(kinds_of(e)) do
      local full = e.provider .. ":" .. k
      if not pick or pick[k] or pick[full] then
        jobs[#jobs + 1] = { entry = e, name = k, kind = e.map.kinds[k] }
        used[k], used[full] = true, true
      end
    end
  end
  for w in pairs(pick or {}) do
    if not used[w] then fail(level + 1, "fleet:list: no kind '%s' here (kinds: %s)", tostring(w),
      table.concat(self:kinds(), ", ")) end
  end
  return jobs
end

-- The id check of a kind's delete: its bulk entry's row's argument.
local function id_check(client, kind)
  local spec = define.spec_of(client)
  local entry = spec.bulk and spec.bulk[kind.delete]
  local row = entry and spec.ops[entry.op]
  return row and row.args and row.args[1] and row.args[1][2]
end

-- `priced`: a cost context (fleet/cost.lua) when the rows need their
-- costs (a verifying listing does not: no quote is asked for it). A job's
-- `where` (fleet:list's) is what its listing asks the server to filter on,
-- when its kind can.
local function list_jobs(self, jobs, priced)
  local run, bind = self:runner()
  local tasks = {}
  for i, job in ipairs(jobs) do
    tasks[i] = function(trt)
      local c = bind(job.entry.client, trt)
      -- the part of `where` the server can apply (a paged listing's filters)
      local server = job.where and job.kind.select and job.kind.select(job.where) or nil
      local items, err = c[job.kind.list](c, server)
      if not items then
        err.fleet = job.entry.provider .. ":" .. job.name
        return nil, { err }
      end
      local now = self.now()
      local check = id_check(c, job.kind)
      local rows, usable = {}, {}
      for j, r in ipairs(items) do
        rows[j] = make_row(job.entry.provider, job.name, job.kind, r, now, check)
        if not rows[j].not_actionable then usable[#usable + 1] = rows[j] end
      end
      -- what a refinement could not learn stays on its row (state nil,
      -- state_error): the thing was listed, only its state is unknown
      if job.kind.refine then job.kind.refine(c, usable) end
      if priced then cost.listed(c, job.entry.provider, job.kind, rows, priced) end
      -- what listing this kind again would cost (a delete's re-read)
      local requests = job.kind.list_cost and job.kind.list_cost(rows) or 1
      for _, row in ipairs(rows) do plan_mod.listing_cost[row] = requests end
      return rows, {}
    end
  end
  return run(tasks)
end

--- fleet:list{kinds = {...}, state = path, where = {...}} -> rows, errs.
-- rows: one list of every thing (provider, kind, id, key, name, label,
-- status, state, created_at, age or age_unknown, cost_per_hour (or
-- cost_unknown: why not) and cost_source, next_cost_per_hour and
-- next_cost_starts where a price change is pending, not_actionable (why
-- its id cannot be deleted, when it cannot), protected, parent, raw), with
-- the list methods and :plan(). errs: nil, or a list of the errors of
-- listings that failed (err.fleet says which "provider:kind"): the other
-- providers' rows are there, and a provider is never silently missing.
-- `state`: a state file of fleet:observe; rows gain idle_for from it (a
-- damaged or missing file is an error in errs, err.fleet = "state").
-- `where` (what rows:filter takes): only the rows it matches, and the
-- listings that can filter on the server (Vast.ai instances: state, name)
-- ask it to, so that their pages carry no more.
function Fleet:list(opts)
  if opts ~= nil and type(opts) ~= "table" then fail(2, "fleet:list: options must be a table") end
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "kinds" and k ~= "state" and k ~= "where" then
      fail(2, "fleet:list: unknown option '%s'", tostring(k))
    end
  end
  if opts.where ~= nil and type(opts.where) ~= "table" then fail(2, "fleet:list: 'where' must be a table") end
  local jobs = select_kinds(self, opts.kinds, 2)
  local n = #jobs
  -- the selected kinds' listings only: a cost's helper listing is whole
  for _, job in ipairs(jobs) do job.where = opts.where end
  -- what derived costs need and the selection left out: listed for them
  -- alone (their failures show as those costs' reasons)
  for _, job in ipairs(cost.helper_jobs(jobs, kinds_of)) do jobs[#jobs + 1] = job end
  local rows, errs, extra = new_rows(), {}, {}
  for i, r in ipairs(list_jobs(self, jobs, cost.context(self.prices))) do
    local into = i <= n and rows or extra
    for _, row in ipairs(r[1] or {}) do into[#into + 1] = row end
    if i <= n then
      for _, e in ipairs(r[2] or {}) do errs[#errs + 1] = e end
    end
  end
  cost.finish(rows, extra, KINDS)
  if opts.state then
    local ok, err = require("gpucloud.fleet.observe").read_into(self, rows, opts.state)
    if not ok then
      err.fleet = "state"
      errs[#errs + 1] = err
    end
  end
  -- after the state file: `where` may select on idle_for
  if opts.where then rows = rows:filter(opts.where) end
  return rows, (#errs > 0 and errs or nil)
end

--- fleet:plan(rows[, opts]) -> a plan (fleet/plan.lua): what a delete would act on,
-- made at the fleet's `now`. opts: `keep` (keep rules: fleet/keep.lua),
-- `expires` (seconds the plan stays valid; the schema's default: a day).
-- @function Fleet:plan
-- @tparam List rows fleet rows (from fleet:list, filtered as you like)
-- @tparam[opt] table opts keep, expires
-- @treturn gpucloud.fleet.plan.Plan the plan
function Fleet:plan(rows, opts)
  local o = { now = self.now() }
  for k, v in pairs(opts or {}) do o[k] = v end
  return plan_mod.new(rows, ORDER, 2, o)
end

new_rows = list.class("key", { plan = function(rows, opts) return plan_mod.new(rows, ORDER, 2, opts) end },
  { "key", "state", "status", "name", "age", "cost_per_hour", "protected" })
M.rows = new_rows

--- fleet:delete(plan_or_rows, opts) -> report: see fleet/delete.lua.
function Fleet:delete(plan, opts)
  -- verify's listing, handed over: fleet/delete.lua does not require this module back
  local function relist(kinds) return list_jobs(self, select_kinds(self, kinds, 4)) end
  return require("gpucloud.fleet.delete").run(self, plan, opts, 2, relist)
end

--- fleet:observe(state_path[, opts]) -> rows, errs: list every kind and
-- update the state file (fleet/observe.lua); rows gain idle_for. nil, err
-- when the state file is damaged or cannot be written.
function Fleet:observe(path, opts)
  if type(path) ~= "string" or path == "" then fail(2, "fleet:observe: expected the state file's name") end
  return require("gpucloud.fleet.observe").observe(self, path, opts)
end

--- fleet:load_plan(path) -> plan | nil, err: a plan saved by plan:save
-- (fleet/saved.lua), for fleet:delete.
-- @function Fleet:load_plan
function Fleet.load_plan(_, path)
  if type(path) ~= "string" or path == "" then fail(2, "fleet:load_plan: expected the plan file's name") end
  local rows, fields = require("gpucloud.fleet.saved").load(path, ORDER)
  if not rows then return nil, fields end
  return plan_mod.new(rows, ORDER, 2, fields)
end

--- fleet:check_journal(path) -> results | nil, err: every intent of a
-- journal resolved against fresh listings (fleet/check.lua).
function Fleet:check_journal(path)
  if type(path) ~= "string" or path == "" then fail(2, "fleet:check_journal: expected the journal's name") end
  -- the listing, handed over: fleet/check.lua does not require this module back
  local function relist(kinds) return list_jobs(self, select_kinds(self, kinds, 4)) end
  return require("gpucloud.fleet.check").run(self, path, relist)
end

--- fleet:costs{since =, ["until"] =} -> report, errs: what each thing
-- was billed in the window (the providers' charges, by contract) beside
-- its estimate ($/h x the time it was alive in the window), things billed
-- and gone included (`gone = true`). `since` (required), `until`: epoch
-- seconds (`until` defaults to now; the window starts at the start of
-- `since`'s UTC day, as charges are kept per day). The
-- report: `rows` (one per thing: key, provider, kind, id, name, label,
-- gone, cost_per_hour, hours, estimate or estimate_unknown, billed (nil
-- where the provider has no charges), unbilled, difference = billed -
-- estimate), `totals`, `from`/`to` (the window, whole UTC days back
-- from `until`) and `no_bill` ({provider = why} for each provider whose
-- bill gpucloud cannot read); errs: the listings and charge readings that failed.
function Fleet:costs(opts)
  return require("gpucloud.fleet.costs").run(self, opts, 2)
end

-- help's line for each method (gpucloud repl)
M.docs = {
  list = { args = "[{kinds = {...}}]", "one list of every billable thing of every provider, and the failed listings" },
  plan = { args = "rows [, {keep =, expires =}]", "what a delete of these rows would act on, in a safe order" },
  observe = { args = "state_path [, opts]", "list every kind and update the state file: since when each is idle" },
  load_plan = { args = "path", "a plan saved by plan:save, for fleet:delete (which re-reads what it planned)" },
  check_journal = { args = "path", "resolve every intent of a journal against fresh listings" },
  delete = { args = "plan_or_rows [, opts]", options = "fleet",
    "delete a plan, providers at once, children first, what changed since the plan skipped: one report" },
  kinds = { args = "", "the kinds this fleet's clients can list" },
  costs = { args = "{since = t [, until = t]}",
    "each thing's billed amount in a window beside its estimate ($/h x time alive): one report" },
}

--- What fleet:list returns: a @{gpucloud.list.List} of fleet rows, each
-- {provider, kind, id, key, name, status, state, created_at, age,
-- cost_per_hour, cost_unknown, not_actionable, protected, parent, raw}, whose filter, map and sort_by
-- keep this method.
-- @type Rows

--- rows:plan() -> a @{gpucloud.fleet.plan.Plan} of these rows (as fleet:plan(rows)).
-- @function Rows:plan

M.Fleet = Fleet
M.ORDER = ORDER

return M
