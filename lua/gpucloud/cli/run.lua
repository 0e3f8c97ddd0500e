-- Making a parsed call (gpucloud.cli.parser) through the library's public
-- API: the configuration checks the library would otherwise raise on, the
-- client, the method, and for bulk commands the dry run, the --max check,
-- the confirmation and the progress line. Returns the exit status, or nil
-- and a usage message. A raise from the library is not caught: it is a bug.

local checks = require "gpucloud.cli.checks"
local output = require "gpucloud.cli.output"

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
  sys.stderr:write(format("%s %d %s (%s)? [y/N] ", (row.bulk.verb:gsub("^%l", string.upper)), #ids,
    row.bulk.noun, output.show_ids(ids)))
  local answer = (sys.stdin:read("*l") or ""):lower():match("^%s*(.-)%s*$")
  return answer == "y" or answer == "yes"
end

local function run_bulk(client, call, out, sys)
  local row, opts = call.row, call.opts
  local ids = distinct(call.args[1])
  if #ids > opts.max then
    return nil, format("refusing to %s %d %s: more than max = %d (raise --max to go ahead)",
      row.bulk.verb, #ids, row.bulk.noun, opts.max)
  end
  local settings = { concurrency = opts.concurrency, max = opts.max, wait = opts.wait, journal = opts.journal }
  for k, v in pairs(call.options) do settings[k] = v end
  -- the whole run, every call and wait of it
  settings.deadline = opts.deadline
  if opts["dry-run"] then
    settings.dry_run = true
    out.report(client[row[2]](client, call.args[1], settings), row, ids)
    return 0
  end
  -- The distinct ids, as the run takes them; nothing is sent before the
  -- answer (a library dry run may read a listing: TensorPool's protection).
  local targets = ids
  if #targets > 1 and not opts.yes then
    if not sys.isatty(0) then
      return nil, format("refusing to %s %d %s without --yes: stdin is not a terminal to ask on",
        row.bulk.verb, #targets, row.bulk.noun)
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

-- Keep the items whose fields print as one of the wanted values.
local function filtered(l, filters)
  if #filters == 0 then return l end
  local fields = {}
  for _, f in ipairs(filters) do
    fields[f[1]] = fields[f[1]] or {}
    fields[f[1]][f[2]] = true
  end
  return l:filter(function(item)
    for field, wanted in pairs(fields) do
      if not wanted[output.text(item[field]) or false] then return false end
    end
    return true
  end)
end

--- Run `call` with the library `lib` (what require "gpucloud" gives),
-- printing through `out` (gpucloud.cli.output's printer). `sys` holds
-- getenv, isatty(fd), stdin and stderr.
function M.run(lib, call, out, sys)
  local p, row, opts = call.provider, call.row, call.opts
  -- a command of its own (the fleet's): it makes what it needs
  if row.run then return row.run(lib, call, out, sys) end
  if row.needs_option and next(call.options) == nil then
    local names = {}
    for _, o in ipairs(row.options) do names[#names + 1] = "--" .. o[1] end
    return nil, format("%s: give at least one of %s", call.node.path, table.concat(names, ", "))
  end
  local ok, why = check_env(p, opts, sys.getenv)
  if not ok then return nil, why end
  local client = lib[p.name] {
    api_key = opts["api-key"], url = opts.url, ca_file = opts["ca-file"],
    timeout = opts.timeout, retries = opts.retries, deadline = opts.deadline,
  }
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
    out.list(filtered(value, opts.filter or {}))
  else
    out.record(value)
  end
  return 0
end

return M
