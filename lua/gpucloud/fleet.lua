--- One view over every provider's billable things: one list of rows with a
-- common shape, one plan, one delete with one report.
--
--     local fleet = gpucloud.fleet{ vast = vast, tensorpool = tp }   -- or `true`: from the environment
--     local rows, errs = fleet:list{ kinds = { "endpoint", "cluster" } }
--     local plan = rows:filter{ state = { "idle", "failed" } }:plan()
--     local report = fleet:delete(plan, { verify = true })
--
-- How each provider's things map onto rows is data: fleet/vast.lua and
-- fleet/tensorpool.lua. Listings and deletes of different providers run
-- at once, as tasks of one runtime when the clients' runtimes allow it.
-- @module gpucloud.fleet

local define = require "gpucloud.define"
local list = require "gpucloud.list"
local plan_mod = require "gpucloud.fleet.plan"
local runtime = require "gpucloud.runtime"

local M = {}

-- (parentheses: on 5.4 require returns a second value, which a table
-- constructor's last expression would keep)
local MAPS = { require "gpucloud.fleet.vast", (require "gpucloud.fleet.tensorpool") }
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

-- Epoch seconds from a number or an ISO 8601 UTC text ("2026-01-03T17:47:00Z").
local function epoch(v)
  if type(v) == "number" then return v end
  if type(v) ~= "string" then return nil end
  local y, mo, d, h, mi, s = v:match("^(%d%d%d%d)-(%d%d)-(%d%d)[T ](%d%d):(%d%d):(%d%d)")
  if not y then return nil end
  local t = os.time { year = tonumber(y), month = tonumber(mo), day = tonumber(d),
                      hour = tonumber(h), min = tonumber(mi), sec = tonumber(s), isdst = false }
  local u = os.date("!*t", t)
  u.isdst = false
  return t - (os.time(u) - t) -- os.time read the fields as local time
end
M.epoch = epoch

local function field(kind, name, r)
  local f = kind[name]
  if type(f) == "function" then return f(r) end
  if f then return r[f] end
end

local function make_row(provider, kind_name, kind, r, now)
  local id = r[kind.id]
  local created = epoch(field(kind, "created_at", r))
  local cost = field(kind, "cost_per_hour", r)
  return {
    provider = provider, kind = kind_name, id = id, key = plan_mod.key(provider, kind_name, id),
    name = field(kind, "name", r), status = field(kind, "status", r), state = kind.state(r),
    created_at = created, age = created and math.max(0, now - created) or nil,
    cost_per_hour = type(cost) == "number" and cost or nil,
    protected = kind.protected and kind.protected(r) or false,
    parent = kind.parent and kind.parent(r) or nil,
    raw = r,
  }
end

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
-- @tparam table opts `vast`, `tensorpool`: at least one
-- @treturn Fleet the fleet
function M.new(opts)
  if type(opts) ~= "table" then
    fail(2, "gpucloud.fleet: expected a table {vast =, tensorpool =}, got %s", type(opts))
  end
  local self = setmetatable({ entries = {}, by_provider = {} }, Fleet)
  local known = {}
  for _, map in ipairs(MAPS) do
    known[map.provider] = true
    local c = opts[map.provider]
    if c == true then c = require("gpucloud." .. map.client).new() end
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
  if #self.entries == 0 then fail(2, "gpucloud.fleet: give at least one client (vast =, tensorpool =)") end
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

local function list_jobs(self, jobs, where)
  local run, bind = self:runner()
  local tasks = {}
  for i, job in ipairs(jobs) do
    tasks[i] = function(trt)
      local c = bind(job.entry.client, trt)
      -- the part of `where` the server can apply (a paged listing's filters)
      local server = where and job.kind.select and job.kind.select(where) or nil
      local items, err = c[job.kind.list](c, server)
      if not items then
        err.fleet = job.entry.provider .. ":" .. job.name
        return nil, { err }
      end
      local now = os.time()
      local rows = {}
      for j, r in ipairs(items) do rows[j] = make_row(job.entry.provider, job.name, job.kind, r, now) end
      -- what a refinement could not learn stays on its row (state nil,
      -- state_error): the thing was listed, only its state is unknown
      if job.kind.refine then job.kind.refine(c, rows) end
      return rows, {}
    end
  end
  return run(tasks)
end

--- fleet:list{kinds = {...}, where = {...}} -> rows, errs. rows: one list
-- of every thing (provider, kind, id, key, name, status, state,
-- created_at, age, cost_per_hour, protected, parent, raw), with the list
-- methods and :plan(); with `where` (what rows:filter takes), only the
-- rows it matches, and the listings that can filter on the server (Vast.ai
-- instances: state, name) ask it to, so that their pages carry no more.
-- errs: nil, or a list of the errors of listings that failed (err.fleet
-- says which "provider:kind"): the other providers' rows are there, and a
-- provider is never silently missing.
function Fleet:list(opts)
  if opts ~= nil and type(opts) ~= "table" then fail(2, "fleet:list: options must be a table") end
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "kinds" and k ~= "where" then fail(2, "fleet:list: unknown option '%s'", tostring(k)) end
  end
  if opts.where ~= nil and type(opts.where) ~= "table" then fail(2, "fleet:list: 'where' must be a table") end
  local jobs = select_kinds(self, opts.kinds, 2)
  local rows, errs = new_rows(), {}
  for _, r in ipairs(list_jobs(self, jobs, opts.where)) do
    for _, row in ipairs(r[1] or {}) do rows[#rows + 1] = row end
    for _, e in ipairs(r[2] or {}) do errs[#errs + 1] = e end
  end
  if opts.where then rows = rows:filter(opts.where) end
  return rows, (#errs > 0 and errs or nil)
end

--- fleet:plan(rows) -> a plan (fleet/plan.lua): what a delete would act on.
-- @function Fleet:plan
-- @tparam List rows fleet rows (from fleet:list, filtered as you like)
-- @treturn gpucloud.fleet.plan.Plan the plan
function Fleet.plan(_, rows)
  return plan_mod.new(rows, ORDER, 2)
end

new_rows = list.class("key", { plan = function(rows) return plan_mod.new(rows, ORDER, 2) end },
  { "key", "state", "status", "name", "age", "cost_per_hour", "protected" })
M.rows = new_rows

--- fleet:delete(plan_or_rows, opts) -> report: see fleet/delete.lua.
function Fleet:delete(plan, opts)
  return require("gpucloud.fleet.delete").run(self, plan, opts, 2)
end

-- help's line for each method (gpucloud repl)
M.docs = {
  list = { args = "[{kinds = {...}}]", "one list of every billable thing of every provider, and the failed listings" },
  plan = { args = "rows", "what a delete of these rows would act on, in a safe order" },
  delete = { args = "plan_or_rows [, opts]", options = "fleet",
    "delete a plan, providers at once, children first: one report (verify = true lists again)" },
  kinds = { args = "", "the kinds this fleet's clients can list" },
}

--- What fleet:list returns: a @{gpucloud.list.List} of fleet rows, each
-- {provider, kind, id, key, name, status, state, created_at, age,
-- cost_per_hour, protected, parent, raw}, whose filter, map and sort_by
-- keep this method.
-- @type Rows

--- rows:plan() -> a @{gpucloud.fleet.plan.Plan} of these rows (as fleet:plan(rows)).
-- @function Rows:plan

M.Fleet = Fleet
M.ORDER = ORDER
M.select_kinds = select_kinds
M.list_jobs = list_jobs

return M
