-- Options checked against the schema (config/schema.lua), per scope: a
-- call's, a bulk call's, a wait's, a paged listing's, the fleet's. Each
-- check raises on misuse, naming the option, and returns what the caller
-- runs with (the scope's defaults filled in where it says).

local args = require "gpucloud.args"
local schema = require "gpucloud.config.schema"
local warn = require "gpucloud.warn"

local M = {}

local O, kinds = schema.OPTIONS, schema.kinds

local function fail(level, fmt, ...)
  error(string.format(fmt, ...), level + 1)
end

-- Check the options of `scope` in `opts` (plus `extra` names: a row's query
-- options, kind in the value); raise on anything unknown.
local function check(where, scope, opts, extra, level, also)
  if opts == nil then return {} end
  if type(opts) ~= "table" then fail(level + 1, "%s: options must be a table, got %s", where, type(opts)) end
  for k, v in pairs(opts) do
    local o = O[k]
    local kind = extra and extra[k]
    if kind then
      local ok, why = args.check(kind, v, "option '" .. tostring(k) .. "'")
      if ok == nil then fail(level + 1, "%s: %s", where, why) end
    elseif o and (schema.in_scope(o, scope) or (also and schema.in_scope(o, also))) then
      kinds[o.kind](where, k, v, level + 1)
      if o.deprecated then
        warn(string.format("%s: '%s' is deprecated; use '%s'", where, k, o.deprecated))
      end
    else
      fail(level + 1, "%s: unknown option '%s'", where, tostring(k))
    end
  end
  return opts
end

-- A row's own options, sent in the query string or the body: name -> kind.
local function query_kinds(row)
  if not row.query and not row.body_opts then return nil end
  local t = {}
  for _, q in ipairs(row.query or {}) do t[q[1]] = q[2] end
  for _, q in ipairs(row.body_opts or {}) do t[q[1]] = q[2] end
  return t
end

--- Check the options of `scope` ("fleet", ...) and fill in the defaults
-- of that scope; returns a new table. Raises on misuse.
function M.scoped(where, scope, opts, level)
  check(where, scope, opts, nil, (level or 1) + 1)
  local out = {}
  for name, o in pairs(O) do
    if schema.in_scope(o, scope) then
      local v = opts and opts[name]
      if v == nil then v = schema.default(name, scope) end
      out[name] = v
    end
  end
  return out
end

--- Check a call's options (raises on misuse); returns them (or {}).
function M.call(where, row, opts, level)
  return check(where, "call", opts, query_kinds(row), (level or 1) + 1)
end

--- Check a wait's options; returns {deadline, interval}.
function M.wait(where, opts, level)
  opts = opts or {}
  if type(opts) == "table" and opts.timeout ~= nil and opts.deadline == nil then
    warn(where .. ": 'timeout' is deprecated here; use 'deadline'")
    kinds.seconds(where, "timeout", opts.timeout, (level or 1) + 1)
    local copy = {}
    for k, v in pairs(opts) do copy[k] = v end
    copy.deadline, copy.timeout = copy.timeout, nil
    opts = copy
  end
  check(where, "wait", opts, nil, (level or 1) + 1)
  return { deadline = opts.deadline or schema.default("deadline", "wait"),
           interval = opts.interval or O.interval.default }
end

--- Split a bulk call's options into bulk settings (with defaults) and the
-- per-call options; raises on misuse.
function M.bulk(where, row, opts, level)
  level = (level or 1) + 1
  if opts ~= nil and type(opts) ~= "table" then fail(level, "%s: options must be a table", where) end
  local b, c = {}, {}
  for k, v in pairs(opts or {}) do
    local o = O[k]
    if o and schema.in_scope(o, "bulk") then b[k] = v else c[k] = v end
  end
  check(where, "bulk", b, nil, level)
  check(where, "call", c, query_kinds(row), level)
  for name, o in pairs(O) do
    if schema.in_scope(o, "bulk") and b[name] == nil then b[name] = o.default end
  end
  -- a bulk call's deadline is the whole run's; each call gets what is left
  c.deadline = nil
  -- bulk work is paced at the documented rates unless told otherwise
  if c.rate == nil then c.rate = true end
  return b, c
end

--- A paged listing's options -> its paging settings (max_pages, page_size) and
-- the per-page call options, paced unless told otherwise: a listing is many requests.
function M.paged(where, row, opts, level)
  level = (level or 1) + 1
  check(where, "call", opts, query_kinds(row), level, "paged")
  local most = row.paged.limit
  local s, c = { max_pages = O.max_pages.default, page_size = most }, {}
  for k, v in pairs(opts or {}) do
    if O[k] and schema.in_scope(O[k], "paged") then s[k] = v else c[k] = v end
  end
  if most and s.page_size > most then
    fail(level, "%s: 'page_size' may be at most %d, got %d", where, most, s.page_size)
  end
  if c.rate == nil then c.rate = true end
  return s, c
end

return M
