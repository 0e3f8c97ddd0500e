-- What the command line prints: results on stdout, errors on stderr, or,
-- under --json, everything (errors included) as one JSON document on stdout.
-- Credential fields are <hidden> in both forms.

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
-- the set of credential field names the library hides in its own tables
local secret_fields = require("gpucloud.list").secret_fields

local M = {}

local format, concat = string.format, table.concat

-- Integral numbers without ".0" (Lua 5.4 may hold an id as 101.0, LuaJIT
-- holds every number as a double), other scalars as tostring.
local function integral(v)
  return type(v) == "number" and v == math.floor(v) and math.abs(v) <= 2 ^ 53
end

--- A scalar as a table cell, a filter and a JSON key see it; nil for a table.
function M.text(v)
  if integral(v) then return format("%d", v) end
  if type(v) == "string" or type(v) == "number" or type(v) == "boolean" then return tostring(v) end
end
local text = M.text

-- Tables that must be objects even when empty are marked with `object`.
local object = json.object
local function encode(v)
  return json.encode(v, { mask = secret_fields })
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
    -- why each skipped id was (not started; fleet delete/apply: changed since the plan, a keep rule)
    skip_reasons = skip_reasons, forced = r.forced,
    total = r.total or (#r.ok + count(r.failed)),
    elapsed = math.floor((r.elapsed or 0) * 1000 + 0.5) / 1000,
  }
end

-- One object's fields, a line each (nested values as JSON).
local function render_record(t)
  local keys, width = {}, 0
  for k in pairs(t) do
    keys[#keys + 1] = tostring(k)
    width = math.max(width, #tostring(k))
  end
  table.sort(keys)
  local lines = {}
  for i, k in ipairs(keys) do
    local v = secret_fields[k] and "<hidden>" or t[k]
    lines[i] = format("%-" .. width .. "s  %s", k, text(v) or encode(v))
  end
  return concat(lines, "\n")
end

--- The printer for a run: list(l), record(t), report(r, row, ids) and
-- error(err), where err is a library error or {code, message[, op]}.
function M.printer(opts)
  local out = {}
  local function say(s) if not opts.quiet then io.stdout:write(s, "\n") end end
  if opts.json then
    local function doc(v) io.stdout:write(encode(v), "\n") end
    out.list, out.record = doc, doc
    out.report = function(r) doc(report_json(r)) end
    out.error = function(err) doc(object { error = error_fields(err) }) end
  else
    out.list = function(l) say(tostring(l)) end
    out.record = function(t) say(render_record(t)) end
    out.report = function(r, row, ids)
      if not opts.quiet then return say(tostring(r)) end
      for _, id in ipairs(ids) do
        local err = r.failed[id]
        if err then
          io.stderr:write(format("gpucloud: %s %s: %s\n", row.bulk.verb, text(id),
            (tostring(err):gsub("^gpucloud: ", ""))))
        end
      end
    end
    out.error = function(err)
      -- a library error prints as "gpucloud: op: HTTP ..." already
      io.stderr:write(gpucloud.is_error(err) and tostring(err) or ("gpucloud: " .. err.message), "\n")
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
