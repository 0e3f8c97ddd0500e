-- One neutral description of what the library is made of, read from the
-- data itself: each provider's entries (a row's wire, arguments, answer,
-- rate, how it pages; a bulk entry; what spec.docs says of a composed
-- method), the options of each scope with their defaults, and the error
-- codes. Help in the REPL (repl/help.lua), the reference (docs/gen.lua)
-- and the command line's help read it; each writes it in its own form.
-- Nothing here repeats what the rows, the schema or errors.lua say.

local args = require "gpucloud.args"
local config = require "gpucloud.config"
local define = require "gpucloud.define"
local errors = require "gpucloud.errors"
local providers = require "gpucloud.providers"
local rows = require "gpucloud.rows"
local show = require "gpucloud.repl.show"

local M = {}

local format, concat = string.format, table.concat

--- The providers, and the name each client has in the REPL (its spec's
-- `short`, else its name): {var =, ctor = name, module = "gpucloud.<name>"
-- (the reference's page)}.
M.providers = {}
for _, name in ipairs(providers.names()) do
  M.providers[#M.providers + 1] = { var = providers.spec(name).short or name, ctor = name,
                                    module = "gpucloud." .. name }
end

-- (a provider the registry does not know, such as a spec's fake, brings its spec)
local function spec_of(p)
  return p.spec or providers.spec(p.ctor)
end
M.spec_of = spec_of

-- gpucloud.fleet, where it is installed (it documents its methods in
-- its `docs`, as providers do in spec.docs)
local function fleet_module()
  -- (package.searchpath is 5.2's: under 5.1 it was never found)
  local ok, f = pcall(require, "gpucloud.fleet")
  return ok and type(f) == "table" and type(f.docs) == "table" and f or nil
end
M.fleet_module = fleet_module

local function sorted(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end
M.sorted = sorted

-- What an argument check accepts, in its own words ("a positive integer
-- up to 2^53"): asked of the check itself, with a value it refuses. A
-- check is a name of gpucloud.args or a function (args.fields{...}).
local function accepts(check)
  local fn = type(check) == "function" and check or args[check]
  local _, want = fn(nil)
  -- a check that takes nil (filters are optional) is asked with a
  -- value no check takes
  if want == nil then _, want = fn(accepts) end
  return want or (type(check) == "string" and check) or "what its check accepts"
end
M.accepts = accepts

local function answer(row)
  if row.list == true then return "a list" end
  if row.list then return format("a list (the answer's %q)", row.list) end
  if type(row.object) == "string" then return format("an object (the answer's %q)", row.object) end
  return "an object"
end
M.answer = answer

local function arg_names(row)
  local out = {}
  for i, a in ipairs(row.args or {}) do out[i] = a[1] end
  return concat(out, ", ")
end

local function with_opts(list)
  return list == "" and "[opts]" or (list .. " [, opts]")
end

local KIND_ORDER = { op = 1, each = 2, bulk = 3, method = 4, client = 5 }

-- Every documented entry of a provider: {name, kind, args, line, ...}.
local function entries(spec)
  local out = {}
  for name, row in pairs(spec.ops) do
    out[#out + 1] = { name = name, kind = "op", row = row, args = with_opts(arg_names(row)),
                      line = format("%s %s %s -> %s", row.method, row.host, row.path, answer(row)) }
    -- a paged row's lazy iterator (define.lua, pager.lua)
    local each = row.paged and row.paged.each
    if each then
      local doc = spec.docs and spec.docs[each]
      out[#out + 1] = { name = each, kind = "each", row = row, op = name, args = with_opts(arg_names(row)),
                        line = doc and doc[1]
                          or format("%s's items, a page when the loop needs it: an iterator", name) }
    end
  end
  for name, entry in pairs(spec.bulk or {}) do
    local doc = spec.docs and spec.docs[name]
    out[#out + 1] = { name = name, kind = "bulk", entry = entry, row = spec.ops[entry.op], args = "ids [, opts]",
                      line = doc and doc[1] or format("%s for each id, concurrently and paced: a report", entry.op) }
  end
  for name in pairs(spec.methods or {}) do
    local doc = spec.docs and spec.docs[name] or {}
    out[#out + 1] = { name = name, kind = "method", doc = doc, args = doc.args or "...",
                      line = doc[1] or "(no line in the provider's spec.docs)" }
  end
  for name, doc in pairs(define.docs) do
    out[#out + 1] = { name = name, kind = "client", doc = doc, args = doc.args, line = doc[1] }
  end
  -- a method named like a row (it replaces the row's method) after the
  -- row: by name alone, the order of the two would change from run to run
  table.sort(out, function(a, b)
    if a.name ~= b.name then return a.name < b.name end
    return (KIND_ORDER[a.kind] or 9) < (KIND_ORDER[b.kind] or 9)
  end)
  return out
end
M.entries = entries

--- How an entry is called: "vast:show_endpoint(id [, opts])".
local function signature(p, e)
  return format("%s:%s(%s)", p.var, e.name, e.args)
end
M.signature = signature

-- The names of a scope's options ("call", "bulk", "wait"), sorted, but
-- those named in `except` and the deprecated ones.
local function option_names(scope, except)
  local names = {}
  for name, o in pairs(config.OPTIONS) do
    if o.scope:find(scope, 1, true) and not o.deprecated and not (except and except[name]) then
      names[#names + 1] = name
    end
  end
  table.sort(names)
  return names
end
M.option_names = option_names

--- Option `name` as help shows it in `scope`: {name, doc, default (a
-- value or nil), default_text ("(default 60)" or "")}.
function M.option(name, scope)
  local o = config.OPTIONS[name]
  if not o then return nil end
  local d = config.default(name, scope)
  return { name = name, doc = o.doc, default = d,
           default_text = d ~= nil and ("(default " .. show.inline(d) .. ")") or "" }
end

--- The options of a scope, one line each, but those named in `except`,
-- under `heading`, appended to `lines`.
local function options(scope, lines, heading, except)
  lines[#lines + 1] = "  " .. heading
  for _, name in ipairs(option_names(scope, except)) do
    local o = M.option(name, scope)
    lines[#lines + 1] = format("    %-16s %s%s", name, o.doc, o.default ~= nil and (" " .. o.default_text) or "")
  end
end
M.options = options

local function row_detail(spec, row, lines)
  local h = spec.hosts[row.host]
  lines[#lines + 1] = format("  wire      %s %s%s", row.method, h.default, row.path)
  lines[#lines + 1] = format("  host      %s: the client's %s option, else %s, else %s", row.host, h.option,
    h.env or "-", h.default)
  for _, a in ipairs(row.args or {}) do
    lines[#lines + 1] = format("  %-9s %s%s", a[1], accepts(a[2]),
      a.query and ("; sent as the query's " .. a.query) or "")
  end
  if type(row.body) == "table" or row.body_list then
    local fields = {}
    for i, f in ipairs(row.body or {}) do fields[i] = format("%q: %s", f, f) end
    for _, k in ipairs(sorted(row.body_list or {})) do
      fields[#fields + 1] = format("%q: [%s]", k, row.body_list[k])
    end
    for _, k in ipairs(sorted(row.body_const or {})) do
      fields[#fields + 1] = format("%q: %s", k, show.inline(row.body_const[k]))
    end
    lines[#lines + 1] = "  body      JSON {" .. concat(fields, ", ") .. "}"
  elseif row.body then
    lines[#lines + 1] = "  body      the table " .. row.body .. ", as JSON"
  end
  for _, o in ipairs(row.body_opts or {}) do
    lines[#lines + 1] = format("  body opt  %s (an opts field): %s", o[1], accepts(o[2]))
  end
  for _, q in ipairs(row.query or {}) do
    lines[#lines + 1] = format("  query     %s (an opts field): %s%s", q[1], accepts(q[2]),
      q.default ~= nil and ("; default " .. show.inline(q.default)) or "")
  end
  lines[#lines + 1] = "  answer    " .. answer(row)
    .. ((row.list and row.id_field) and format("; ids() reads %q", row.id_field) or "")
    .. (row.null_is and ("; a bare null is " .. row.null_is) or "")
    .. (row.check_answer and "; checked by the provider's own rule (else bad_response)" or "")
  local acts = rows.acts(row)
  lines[#lines + 1] = "  repeats   " .. (row.idempotent and "safe to repeat after a lost answer" or "not repeated")
    .. (acts and "; changes what it names" or "; changes nothing")
  if row.rate then
    lines[#lines + 1] = format("  rate      %s requests/s documented: paced at it with rate = true "
      .. "(bulk calls pace by default)", show.inline(row.rate))
  else
    lines[#lines + 1] = "  rate      none documented (rate = N paces at N requests/s)"
  end
end

-- What a paged row adds: how it pages, and the other way to read it.
local function paging(p, e, lines)
  local pg = e.row.paged
  lines[#lines + 1] = format("  pages     %s items a page (page_size lowers it), each page one call, paced"
    .. " unless rate = false; at most max_pages", pg.limit and show.inline(pg.limit) or "the server's")
  if e.kind == "each" then
    lines[#lines + 1] = format("  at once   %s:%s(%s); after the loop the iterator gives nil, err if a page failed",
      p.var, e.op, e.args)
  elseif pg.each then
    lines[#lines + 1] = format("  lazily    %s:%s(%s)", p.var, pg.each, e.args)
  end
end

-- What help says of an entry before its options, one line each: the
-- signature, its line, and what its row or bulk entry says (the
-- reference, docs/gen.lua, shows the same lines).
local function facts(p, e)
  local lines = { signature(p, e), "  " .. e.line }
  if e.kind == "op" or e.kind == "each" then
    local spec = spec_of(p)
    row_detail(spec, e.row, lines)
    if e.row.paged then paging(p, e, lines) end
    for name, b in pairs(e.kind == "op" and spec.bulk or {}) do
      if b.op == e.name then lines[#lines + 1] = format("  many      %s:%s(ids [, opts])", p.var, name) end
    end
  elseif e.kind == "bulk" then
    lines[#lines + 1] = format("  each id   %s: %s", e.entry.op, accepts(e.row.args[1][2]))
    lines[#lines + 1] = "  report    ok, failed {[id] = err}, skipped, results, maybe_deleted, elapsed;"
      .. " r:failed_ids()"
    local rate = e.row.rate and (show.inline(e.row.rate) .. " requests/s unless rate = false")
    lines[#lines + 1] = "  rate      " .. (rate or "none documented")
  end
  return lines
end
M.facts = facts

-- The options an entry takes, as {scope, heading, except} groups.
local function option_groups(e)
  if e.kind == "op" or e.kind == "each" then
    local groups = { { "call", "options (the last argument; the client's settings are the defaults):" } }
    if e.row.paged then groups[2] = { "paged", "options of the listing:" } end
    return groups
  elseif e.kind == "bulk" then
    -- a bulk call's deadline is the whole run's (config.bulk)
    return { { "bulk", "options of the run:" }, { "call", "options of each call:", { deadline = true } } }
  elseif e.doc and e.doc.options then
    return { { e.doc.options, "options:" } }
  end
  return {}
end
M.option_groups = option_groups

--- Everything help says of one entry: its facts, then each group of its
-- options, as lines.
function M.detail(p, e)
  local lines = facts(p, e)
  for _, g in ipairs(option_groups(e)) do options(g[1], lines, g[2], g[3]) end
  return lines
end

--- One provider's operations, for a table (the reference's, help's):
-- {name, signature, wire ("GET console /api/v0/endptjobs/"), answer, rate
-- (documented requests/s or nil), deletes, acts, paged, bulk (the bulk
-- method running it, or nil)}, sorted by name. `p` an entry of
-- M.providers (or its ctor name).
function M.operations(p)
  if type(p) == "string" then
    for _, x in ipairs(M.providers) do
      if x.ctor == p then p = x end
    end
  end
  local spec = spec_of(p)
  local bulk_of = {}
  for name, b in pairs(spec.bulk or {}) do bulk_of[b.op] = name end
  local out = {}
  for _, e in ipairs(entries(spec)) do
    if e.kind == "op" then
      local row = e.row
      out[#out + 1] = {
        name = e.name, signature = signature(p, e),
        wire = format("%s %s %s", row.method, row.host, row.path), answer = answer(row),
        rate = row.rate, deletes = rows.deletes(row), acts = rows.acts(row), paged = row.paged ~= nil,
        bulk = bulk_of[e.name],
      }
    end
  end
  return out
end

--- Arguments that exercise `row` (a list, for `client[op](client,
-- unpack(sample))`): the row's own `sample`, else one value each of its
-- argument checks accepts (args.sample); nil when a check takes none of
-- those and the row names no sample. What the secrets spec calls every
-- operation with, so a new row needs no line there.
function M.sample(row)
  if row.sample then return row.sample end
  local out = {}
  for i, a in ipairs(row.args or {}) do
    local v = args.sample(a[2])
    if v == nil then return nil end
    out[i] = v
  end
  return out
end

--- The closed set of error codes, sorted: {code, transport (a runtime may
-- give it to a failed transfer)}. What each means: README's "Errors", the
-- reference's gpucloud.errors page.
function M.codes()
  local out = {}
  for _, code in ipairs(sorted(errors.CODES)) do
    out[#out + 1] = { code = code, transport = errors.TRANSPORT[code] == true }
  end
  return out
end

return M
