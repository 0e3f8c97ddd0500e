-- What the command line prints: results on stdout, errors on stderr, or,
-- under -o json (--json, --raw) everything (errors included) as one JSON
-- document on stdout; -o jsonl a line per item (errors one line too), -o
-- csv the columns as comma-separated values, -o ids one id a line.
-- Credential fields are <hidden> in every form; JSON keeps raw values.

local json = require "gpucloud.json"
local secrets = require "gpucloud.secrets"

local M = {}

local format, concat = string.format, table.concat

-- tables (cli/table.lua) are loaded by the commands that print one
local tbl = setmetatable({}, { __index = function(t, k)
  setmetatable(t, { __index = require "gpucloud.cli.table" })
  return t[k]
end })

--- A scalar as a table cell, a filter and a JSON key see it: whole numbers
-- without ".0" (Lua 5.4 may hold an id as 101.0, LuaJIT every number as a
-- double); nil for a table or nil.
function M.text(v)
  if type(v) == "number" and v == math.floor(v) and math.abs(v) <= 2 ^ 53 then return format("%d", v) end
  if type(v) == "string" or type(v) == "number" or type(v) == "boolean" then return tostring(v) end
end
local text = M.text

-- the set of credential field names, for json.encode's mask
local secret_fields = setmetatable({}, { __index = function(_, k) return secrets.is_secret_name(k) end })

local object = json.object
local function encode(v)
  return json.encode(v, { mask = secret_fields })
end

--- The output format the options ask for: -o, else --json or --raw, else
-- `default` (the config file's), else "table".
function M.format_of(opts, default)
  return opts.output or ((opts.json or opts.raw) and "json") or default or "table"
end

-- The error's fields a script may act on (the body stays out: it is the
-- server's, and may be large).
local function error_fields(err)
  return object {
    status = err.status, code = err.code, server_code = err.server_code, message = err.message, op = err.op,
    attempts = err.attempts, may_have_landed = err.may_have_landed, maybe_deleted = err.maybe_deleted,
    retry_after = err.retry_after,
    -- TensorPool: refused for deletion protection; protection turned off (or maybe); how a job ended
    protected = err.protected, unprotected = err.unprotected, job_status = err.job_status,
  }
end
M.error_fields = error_fields

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

local function report_json(r)
  local failed, results, skip_reasons = object(), object(), object()
  for id, err in pairs(r.failed) do failed[text(id)] = error_fields(err) end
  for id, why in pairs(r.skip_reasons or {}) do skip_reasons[text(id)] = why end
  for id, value in pairs(r.results) do results[text(id)] = value end
  return object {
    ok = r.ok, failed = failed, skipped = r.skipped, maybe_deleted = r.maybe_deleted,
    would_delete = r.would_delete or {}, results = results, dry_run = r.dry_run,
    -- a run stopped early: by what, and the ids it never started (in `skipped` too)
    interrupted = r.interrupted, not_started = r.not_started or {},
    -- when the run was asked to unprotect / a dry run could say
    unprotected = r.unprotected, protected = r.protected,
    -- a dry run that read the listing: the ids it does not have
    missing = r.missing,
    -- why each skipped id was (not started; fleet delete/apply: changed since the plan, a keep rule)
    skip_reasons = skip_reasons, forced = r.forced,
    total = r.total or (#r.ok + count(r.failed)),
    elapsed = math.floor((r.elapsed or 0) * 1000 + 0.5) / 1000,
  }
end

-- One object's fields, a line each (nested values as JSON), in `cols`'
-- order when the command names its columns, then the rest sorted.
local function render_record(t, spec, now)
  local keys, width, seen = {}, 0, {}
  for _, f in ipairs(spec and spec.columns or {}) do
    if t[f] ~= nil and not seen[f] then
      seen[f] = true
      keys[#keys + 1] = f
    end
  end
  local rest = {}
  for k in pairs(t) do
    if not seen[k] then rest[#rest + 1] = tostring(k) end
  end
  table.sort(rest)
  for _, k in ipairs(rest) do keys[#keys + 1] = k end
  for _, k in ipairs(keys) do width = math.max(width, #k) end
  local lines = {}
  for i, k in ipairs(keys) do
    local v = t[k]
    local f = spec and spec.fields and spec.fields[k]
    local shown = f and f[2] and tbl.FORMATS[f[2]](v, now or os.time())
    if secrets.is_secret_name(k) then shown = secrets.HIDDEN end
    lines[i] = format("%-" .. width .. "s  %s", k, shown or text(v) or encode(v))
  end
  return concat(lines, "\n")
end

-- An answer that is text (a log): its non-empty text fields as they are.
local function render_text(t)
  if type(t) == "string" then return t end
  local keys = {}
  for k, v in pairs(t) do
    if type(v) == "string" and v ~= "" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  local parts = {}
  for i, k in ipairs(keys) do parts[i] = (t[k]:gsub("\n$", "")) end
  return concat(parts, "\n")
end

--- The printer for a run: list(l[, sums]) (sums: how a table totals its
-- money columns, cli/table.lua's render), record(t), report(r, row, ids),
-- error(err) (a library error or {code, message[, op]}) and usage(msg).
-- `opts` are the call's options (output, json, raw, quiet, columns);
-- `spec` the row's columns, fields, text, and the list's id field.
-- list returns nil and a message when --columns names fields the items
-- do not have (a usage error).
function M.printer(opts, spec, default_format)
  local out = {}
  local fmt = M.format_of(opts, default_format)
  local quiet = opts.quiet
  spec = spec or {}
  local function say(s) if not quiet then io.stdout:write(s, "\n") end end
  local function doc(v) io.stdout:write(encode(v), "\n") end
  out.format = fmt
  local function columns(l)
    local cols, unknown, have = tbl.columns(l, spec, opts.columns)
    if not cols then
      return nil, format("no field %s in these items; they have: %s", concat(unknown, ", "), concat(have, ", "))
    end
    return cols, unknown
  end
  out.error = function(err)
    if fmt == "json" or fmt == "jsonl" then return doc(object { error = error_fields(err) }) end
    -- a library error prints as "gpucloud: op: HTTP ..." already
    local s = tostring(err)
    io.stderr:write(s:match("^gpucloud: ") and s or ("gpucloud: " .. (err.message or s)), "\n")
  end
  out.usage = function(msg) out.error { code = "usage", message = msg } end
  if fmt == "json" then
    out.list = function(l) doc(l) return true end
    out.record = doc
    out.report = function(r) doc(report_json(r)) end
    return out
  end
  if fmt == "jsonl" then
    out.list = function(l)
      for i = 1, #l do doc(l[i]) end
      return true
    end
    out.record = doc
    out.report = function(r) doc(report_json(r)) end
    return out
  end
  local report_text = function(r, row, ids, names)
    return require("gpucloud.cli.report").text(r, row, ids, names)
  end
  if fmt == "ids" then
    -- the list's own id field (a TensorPool cluster's is cluster_id)
    local function id_of(item, field)
      if type(item) ~= "table" then return item end
      local id = item[field or "id"]
      if id == nil then id = item.id end
      return id
    end
    out.list = function(l)
      local mt = getmetatable(l)
      local field = type(mt) == "table" and mt.id_field or nil
      for i = 1, #l do
        local id = id_of(l[i], field)
        if id ~= nil then say(text(id) or encode(id)) end
      end
      return true
    end
    out.record = function(t) local id = id_of(t) if id ~= nil then say(text(id) or encode(id)) end end
    out.report = function(r) for _, id in ipairs(r.dry_run and r.would_delete or r.ok) do say(text(id)) end end
    return out
  end
  if fmt == "csv" then
    out.list = function(l)
      local cols, err = columns(l)
      if not cols then return nil, err end
      say(tbl.csv(l, cols, encode))
      return true
    end
    out.record = function(t) say(tbl.csv({ t }, (tbl.columns({ t }, spec, "all")), encode)) end
    out.report = function(r, row, ids, names) say(report_text(r, row, ids, names)) end
    return out
  end
  out.list = function(l, sums)
    local cols, chosen = columns(l)
    if not cols then return nil, chosen end
    say(tbl.render(l, cols, chosen, nil, sums))
    return true
  end
  out.record = function(t)
    if spec.text then return say(render_text(t)) end
    say(render_record(t, spec))
  end
  out.report = function(r, row, ids, names)
    if not quiet then return say(report_text(r, row, ids, names)) end
    for _, id in ipairs(ids) do
      local err = r.failed[id]
      if err then
        io.stderr:write(format("gpucloud: %s %s: %s\n", row.bulk.verb, text(id),
          (tostring(err):gsub("^gpucloud: ", ""))))
      end
    end
  end
  return out
end

--- The first ids, for a prompt.
function M.show_ids(ids)
  local shown = {}
  for i = 1, math.min(#ids, 10) do shown[i] = text(ids[i]) end
  local more = #ids > 10 and format(", and %d more", #ids - 10) or ""
  return concat(shown, ", ") .. more
end

return M
