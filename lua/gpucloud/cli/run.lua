-- Making a parsed call (gpucloud.cli.parser) through the library's public
-- API: the configuration checks the library would otherwise raise on, the
-- client, the method, and for bulk commands the dry run, the --max check,
-- the confirmation and the progress line. Returns the exit status, or nil
-- and a usage message. A raise from the library is not caught: it is a bug.

local checks = require "gpucloud.cli.checks"
local output = require "gpucloud.cli.output"
local report_words = require "gpucloud.cli.report"

local M = {}

local format = string.format
local unpack = table.unpack or unpack -- luacheck: ignore

-- The library's error in the command line's words where they differ.
local function cli_error(p, err)
  if err.code == "no_api_key" then return { code = "no_api_key", op = err.op, message = p.no_key } end
  return err
end

-- The provider's base URL from the environment, when --url does not
-- replace it: the library raises on a bad one, which is the user's to fix.
local function check_env(p, opts, getenv)
  if opts.url ~= nil or not p.url_env then return true end
  local v = getenv(p.url_env)
  if v == nil or v == "" then return true end
  local ok, want = checks.url(v)
  if not ok then return nil, format("%s must be %s", p.url_env, want) end
  return true
end

local function distinct(ids)
  local seen, out = {}, {}
  for _, id in ipairs(ids) do
    if not seen[id] then
      seen[id] = true
      out[#out + 1] = id
    end
  end
  return out
end

-- A filter bug must not take out a whole fleet: more than one id needs a
-- yes, typed on a terminal or given as --yes.
local function confirmed(row, ids, sys)
  sys.stderr:write(format("%s %s (%s)? [y/N] ", (row.bulk.verb:gsub("^%l", string.upper)),
    report_words.count(#ids, row.bulk), output.show_ids(ids)))
  local answer = (sys.stdin:read("*l") or ""):lower():match("^%s*(.-)%s*$")
  return answer == "y" or answer == "yes"
end

local function run_bulk(client, call, out, sys)
  local row, opts = call.row, call.opts
  local ids = distinct(call.args[1])
  if #ids > opts.max then
    return nil, format("refusing to %s %s: more than max = %d (raise --max to go ahead)",
      row.bulk.verb, report_words.count(#ids, row.bulk), opts.max)
  end
  local settings = { concurrency = opts.concurrency, max = opts.max, wait = opts.wait, journal = opts.journal }
  for k, v in pairs(call.options) do settings[k] = v end
  -- the whole run, every call and wait of it
  settings.deadline = opts.deadline
  if opts["dry-run"] then
    settings.dry_run = true
    local r = client[row[2]](client, call.args[1], settings)
    local names = M.lookup(client, call, ids)
    if names then
      r.missing = {}
      for _, id in ipairs(ids) do
        if names[id] and names[id].missing then r.missing[#r.missing + 1] = id end
      end
    end
    out.report(r, row, ids, names)
    return 0
  end
  -- The distinct ids, as the run takes them; nothing is sent before the
  -- answer (a library dry run may read a listing: TensorPool's protection).
  local targets = ids
  if #targets > 1 and not opts.yes then
    if not sys.isatty(0) then
      return nil, format("refusing to %s %s without --yes: stdin is not a terminal to ask on",
        row.bulk.verb, report_words.count(#targets, row.bulk))
    end
    if not confirmed(row, targets, sys) then
      out.error { code = "aborted", message = "aborted: nothing was sent" }
      return 1
    end
  end
  local drawn = false
  if not (opts.quiet or opts.json) and sys.isatty(2) then
    settings.on_progress = function(done, total)
      drawn = true
      sys.stderr:write(format("\r%s %d/%d", row.bulk.doing, done, total))
    end
  end
  local report = client[row[2]](client, call.args[1], settings)
  if drawn then sys.stderr:write("\r\27[K") end
  for _, id in ipairs(ids) do
    local err = report.failed[id]
    -- no key: nothing was sent for any id, so one error says it all
    if err and err.code == "no_api_key" then
      out.error(cli_error(call.provider, err))
      return 1
    end
  end
  out.report(report, row, ids)
  return next(report.failed) and 1 or 0
end

--- What a dry run can read of `ids`: the listing of the row's fleet kind
-- (the provider's fleet.lua), as {[id] = {name =, status =} | {missing =
-- true}}; nil when the row names no kind or the listing failed (a dry run
-- still says what it would do).
function M.lookup(client, call, ids)
  local kind_name = call.row.kind
  local part = kind_name and require("gpucloud.providers").part(call.provider.name, "fleet")
  local kind = part and part.kinds[kind_name]
  if not kind or not client[kind.list] then return nil end
  local items = client[kind.list](client)
  if not items then return nil end
  local function field(name, r)
    local f = kind[name]
    if type(f) == "function" then return f(r) end
    if f then return r[f] end
  end
  local by_id = {}
  for _, r in ipairs(items) do
    local id = r[kind.id]
    if id ~= nil then by_id[output.text(id) or id] = { name = field("name", r), status = field("status", r) } end
  end
  local names = {}
  for _, id in ipairs(ids) do names[id] = by_id[output.text(id) or id] or { missing = true } end
  return names
end

--- The filter table of --filter's FIELD=VALUE and FIELD!=VALUE: a field
-- matches when its value prints as one of the wanted values (or, negated,
-- as none of them).
function M.filters(filters)
  local want, unwant = {}, {}
  for _, f in ipairs(filters or {}) do
    local t = f["not"] and unwant or want
    t[f[1]] = t[f[1]] or {}
    t[f[1]][f[2]] = true
  end
  local pick = {}
  for field, wanted in pairs(want) do
    pick[field] = function(v) return wanted[output.text(v) or false] or false end
  end
  for field, unwanted in pairs(unwant) do
    local first = pick[field]
    pick[field] = function(v)
      if first and not first(v) then return false end
      return not unwanted[output.text(v) or false]
    end
  end
  return pick
end

--- Keep the items the filters select; nil and a usage message when a
-- filter names a field no item has (the list's strict mode).
function M.filtered(l, filters, known)
  if #(filters or {}) == 0 then return l end
  local ok, r = pcall(l.filter, l, M.filters(filters), { strict = true, known = known })
  if ok then return r end
  return nil, (tostring(r):gsub("^.-:%d+: ", ""))
end

--- The client options of `call` for provider entry `p`: the command
-- line's, else the config file's (sys.config) where the environment has
-- none.
function M.client_options(p, opts, sys)
  local o = {}
  if sys.config and sys.config.path then -- a file was read
    o = require("gpucloud.cli.settings").client_opts(sys.config, p, sys.getenv)
  end
  o.api_key = opts["api-key"] or o.api_key
  o.url = opts.url or o.url
  o.ca_file, o.timeout, o.retries, o.deadline = opts["ca-file"], opts.timeout, opts.retries, opts.deadline
  return o
end

--- Run `call` with the library `lib` (what require "gpucloud" gives),
-- printing through `out` (gpucloud.cli.output's printer). `sys` holds
-- getenv, isatty(fd), stdin and stderr.
function M.run(lib, call, out, sys)
  local p, row, opts = call.provider, call.row, call.opts
  -- a command of its own (the fleet's, the journal's): it makes what it needs
  if row.run then return require(row.module or p.module)[row.run](lib, call, out, sys) end
  if row.needs_option and next(call.options) == nil then
    local names = {}
    for _, o in ipairs(row.options) do names[#names + 1] = "--" .. o[1] end
    return nil, format("%s: give at least one of %s", call.node.path, table.concat(names, ", "))
  end
  local ok, why = check_env(p, opts, sys.getenv)
  if not ok then return nil, why end
  local client = lib[p.name](M.client_options(p, opts, sys))
  if call.node.bulk then
    local status, err = run_bulk(client, call, out, sys)
    client:close()
    return status, err
  end
  local argv, n = {}, #call.args
  for i = 1, n do argv[i] = call.args[i] end
  if next(call.options) then
    n = n + 1
    argv[n] = call.options
  end
  local value, err = client[row[2]](client, unpack(argv, 1, n))
  client:close()
  if value == nil then
    out.error(cli_error(p, err))
    return 1
  end
  if call.node.list then
    local l, bad = M.filtered(value, opts.filter)
    if not l then return nil, bad end
    local shown, why2 = out.list(l)
    if not shown then return nil, why2 end
  else
    out.record(value)
  end
  return 0
end

return M
