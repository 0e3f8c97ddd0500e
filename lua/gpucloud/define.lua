-- Rows -> a client class. A provider file is data: hosts, where its key
-- comes from, its server codes, and one row per operation; `define` makes
-- each row a method (check the arguments, then the one path in call.lua),
-- each bulk entry a bulk method (bulk.lua), `batch` for any operation,
-- `close`, and a __tostring. The few operations rows cannot express (a
-- wait, a destroy that unprotects first) are functions in the provider
-- file that receive a context: the client, its runtime, and `ctx:call`.
-- A method named like a row replaces the row's method on the client (a
-- destroy that may unprotect first); the row stays what `ctx:call`, bulk
-- entries and `batch` run.

local args = require "gpucloud.args"
local call = require "gpucloud.call"
local config = require "gpucloud.config"
local errors = require "gpucloud.errors"
local runtime = require "gpucloud.runtime"
-- bulk.lua and pager.lua (and what they load) are required at the first
-- bulk or paged call: a client that makes neither never loads them

local M = {}

-- What must not be visible through pairs() or a dump of a client: the key,
-- and the handles behind the runtime. Weak keys: a dropped client takes
-- its secrets with it.
local private = setmetatable({}, { __mode = "k" })

-- Each spec's class, for help (a method function back to its name).
local classes = setmetatable({}, { __mode = "k" })

local function fail(level, fmt, ...)
  error(string.format(fmt, ...), level + 1)
end

local function state_of(self, op, name, level)
  local p = private[self]
  if p == nil then fail(level + 1, "%s: call it as a method (client:%s(...))", op, name) end
  if p.closed then fail(level + 1, "%s: client is closed", op) end
  return p
end

------------------------------------------------------------------------
-- The context composed operations and bulk continuations run in.

local Ctx = {}
Ctx.__index = Ctx

--- Run the provider's operation `name` with arguments `argv`; `stop_at`
-- (default: the context's) is the absolute time no attempt may pass.
-- Returns value, err, res, decoded as call.perform does. The arguments
-- pass the row's checks here too: a composed operation's may come from a
-- server (a request_id to poll), and an id that fails them (`..`, `/`) is
-- bad_response, never a path.
function Ctx:call(name, argv, opts, stop_at)
  local row = self.spec.ops[name]
  local op = self.spec.name .. "." .. name
  -- one call of a paged row is one page: a composed operation that used it
  -- as a listing would act on part of one
  if row.paged then error(op .. " is a paged listing: ctx:call gives one page", 2) end
  local checked = {}
  for _, param in ipairs(row.args or {}) do
    local ok, why = args.check(param[2], argv[param[1]], param[1])
    if ok == nil then
      return nil, errors.local_failure(op, "bad_response", "not sent: " .. why, { not_sent = true, attempts = 0 })
    end
    checked[param[1]] = ok
  end
  return call.perform(self.client, self.p, self.rt, op, row, checked, opts, stop_at or self.stop_at)
end

function Ctx:now() return self.rt.now() end
function Ctx:sleep(s) return self.rt.sleep(s) end

-- `opts`: inside a bulk run, its per-call options (what a continuation
-- that repeats the call passes again).
local function context(self, p, rt, stop_at, settings, opts)
  return setmetatable({ client = self, p = p, spec = p.spec, rt = rt, stop_at = stop_at,
                        settings = settings or {}, opts = opts }, Ctx)
end
M.context = function(self, rt, stop_at)
  return context(self, private[self], rt or private[self].runtime, stop_at)
end

------------------------------------------------------------------------
-- Methods

local function check_args(op, params, level, ...)
  local argv = {}
  for i = 1, #params do
    local pname, kind = params[i][1], params[i][2]
    local ok, why = args.check(kind, (select(i, ...)), pname)
    if ok == nil then fail(level + 1, "%s: %s", op, why) end
    argv[pname] = ok
  end
  return argv
end
M.check_args = check_args

local function op_method(spec, name, row)
  local op = spec.name .. "." .. name
  local params = row.args or {}
  local n = #params
  -- rows of one argument or none (most of them) take theirs without
  -- select() and with the check resolved here, once
  local name1, check1 = params[1] and params[1][1], params[1] and args.checker(params[1][2])
  return function(self, ...)
    local p = state_of(self, op, name, 2)
    local argv, opts
    if n == 0 then
      argv, opts = {}, ...
    elseif n == 1 then
      local a1, o = ...
      local v = check1(a1)
      if v == nil then check_args(op, params, 2, a1) end -- raises, in the usual words
      argv, opts = { [name1] = v }, o
    else
      argv, opts = check_args(op, params, 2, ...), (select(n + 1, ...))
    end
    if opts ~= nil then config.call(op, row, opts, 2) end
    local value, err, _, decoded = call.perform(self, p, p.runtime, op, row, argv, opts)
    if value == nil then return nil, err end
    if decoded ~= nil and decoded ~= value then return value, decoded end
    return value
  end
end

-- A paged row: `name` collects every page, `row.paged.each` (when given)
-- iterates lazily (pager.lua). Arguments and options are checked at the
-- call, before anything is sent, the iterator's too.
local function paged_methods(class, spec, name, row)
  local op = spec.name .. "." .. name
  local params = row.args or {}
  local n = #params
  local function pager() return require "gpucloud.pager" end
  local function start(self, ...)
    local p = state_of(self, op, name, 3)
    local argv = check_args(op, params, 3, ...)
    local settings, opts = config.paged(op, row, (select(n + 1, ...)), 3)
    return pager().new { self = self, p = p, rt = p.runtime, op = op, row = row, argv = argv, opts = opts,
                         settings = settings }
  end
  class[name] = function(self, ...) return pager().collect(start(self, ...)) end
  if row.paged.each then
    class[row.paged.each] = function(self, ...) return pager().each(start(self, ...)) end
  end
end

local function bulk_method(spec, name, entry)
  local op = spec.name .. "." .. entry.op
  local row = spec.ops[entry.op]
  assert(row, spec.name .. ": bulk " .. name .. " names no row " .. tostring(entry.op))
  return function(self, items, opts)
    local p = state_of(self, op, name, 2)
    return require("gpucloud.bulk").run({
      self = self, p = p, rt = p.runtime, op = op, row = row,
      settle = entry.settle, dry = entry.dry, unprotect = entry.unprotect,
      verb = entry.verb, done_verb = entry.done_verb,
      context = function(rt, stop_at, settings, call_opts)
        return context(self, p, rt, stop_at, settings, call_opts)
      end,
    }, items, opts, 2)
  end
end

--- Build a provider's constructor from its spec.
function M.define(spec)
  local class = {}
  class.__index = class
  class.__name = "gpucloud." .. spec.name
  classes[spec] = class

  for name, row in pairs(spec.ops) do
    if row.paged then paged_methods(class, spec, name, row) else class[name] = op_method(spec, name, row) end
  end
  for name, fn in pairs(spec.methods or {}) do
    local op = spec.name .. "." .. name
    class[name] = function(self, ...)
      local p = state_of(self, op, name, 2)
      return fn(context(self, p, p.runtime), ...)
    end
  end
  for name, entry in pairs(spec.bulk or {}) do class[name] = bulk_method(spec, name, entry) end

  --- client:batch(op_name, items, opts): `op_name` for every item, at once.
  function class.batch(self, name, items, opts)
    local row = spec.ops[name]
    if not row then fail(2, "gpucloud.%s.batch: unknown operation '%s'", spec.name, tostring(name)) end
    -- one call of a paged row is one page: a batch of them would be short
    if row.paged then fail(2, "gpucloud.%s.batch: '%s' is a paged listing, not a batch operation", spec.name, name) end
    return bulk_method(spec, "batch", { op = name })(self, items, opts)
  end

  --- Release the runtime's handles. Idempotent; later calls raise.
  function class.close(self)
    local p = private[self]
    if p and p.bound then return end -- a view: the client it views owns the handles
    if p and not p.closed then
      p.closed = true
      p.runtime.close()
    end
  end
  class.__close = class.close

  class.__tostring = function(self)
    local p = private[self]
    local hosts = {}
    for h in pairs(spec.hosts) do hosts[#hosts + 1] = h end
    table.sort(hosts)
    for i, h in ipairs(hosts) do hosts[i] = h .. "=" .. self.urls[h] end
    local key = p.key_source and ("key from " .. p.key_source) or "key not yet looked up"
    return string.format("gpucloud.%s{%s; %s%s}", spec.name, table.concat(hosts, ", "), key,
      p.closed and "; closed" or "")
  end

  -- `level` (not for users): where a refused option is reported, for a
  -- caller that calls this one for its own caller (gpucloud.vast, which
  -- loads the provider at its first call: 3); default 2, new's caller
  return function(opts, level)
    local settings, p = config.client(spec, opts, level or 2)
    p.spec = spec
    p.buckets = {}
    p.runtime = runtime.resolve(p.runtime)
    local self = setmetatable(settings, class)
    private[self] = p
    return self
  end
end

--- The same client, its calls going through runtime `rt` instead of its
-- own: for work that runs many clients at once inside one runtime (the
-- fleet runs each provider's calls as tasks of one run_all). It shares the
-- client's key, settings and pacing; closing it closes nothing.
function M.bind(self, rt)
  local p = private[self]
  assert(p, "define.bind: not a client")
  local view = {}
  for k, v in pairs(self) do view[k] = v end
  setmetatable(view, getmetatable(self))
  private[view] = setmetatable({ runtime = rt, bound = true }, { __index = p })
  return view
end

--- The runtime a client's calls go through (for specs and the fleet).
function M.runtime_of(self)
  local p = private[self]
  return p and p.runtime
end

--- The class (method table) `define` made for a spec (for help).
function M.class_of(spec)
  return classes[spec]
end

-- What help says of the methods every client has.
M.docs = {
  batch = { args = "op_name, items [, opts]", options = "bulk",
    "any operation for every item, concurrently and paced, as a bulk report" },
  close = { args = "", "release the client's connections (idempotent; later calls raise)" },
}

--- The spec behind a client (for help and the fleet).
function M.spec_of(self)
  local p = private[self]
  return p and p.spec
end

return M
