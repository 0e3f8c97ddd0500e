-- help() for the REPL, made from the providers' own data: a row's wire,
-- arguments, answer and rate from the row (spec.ops), a bulk method from
-- its entry (spec.bulk) and the row it runs, what rows cannot say from the
-- provider's spec.docs, the options from config.OPTIONS. Nothing here
-- repeats what those say.

local args = require "gpucloud.args"
local config = require "gpucloud.config"
local define = require "gpucloud.define"
local providers = require "gpucloud.providers"
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
  if not (package.searchpath and package.searchpath("gpucloud.fleet", package.path)) then return nil end
  local f = require "gpucloud.fleet"
  return type(f) == "table" and type(f.docs) == "table" and f or nil
end
M.fleet_module = fleet_module

-- "vast =, tensorpool =": the providers' fields of a table (`suffix`
-- after each name), those with `part` only when given.
local function provider_fields(suffix, part)
  local out = {}
  for _, p in ipairs(M.providers) do
    if not part or (not p.spec and providers.has(p.ctor, part)) then out[#out + 1] = p.ctor .. suffix end
  end
  return concat(out, ", ")
end

local function sorted(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

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

local function signature(p, e)
  return format("%s:%s(%s)", p.var, e.name, e.args)
end

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

-- The options of a scope, one line each, but those named in `except`.
local function options(scope, lines, heading, except)
  lines[#lines + 1] = "  " .. heading
  for _, name in ipairs(option_names(scope, except)) do
    local o = config.OPTIONS[name]
    local d = config.default(name, scope)
    local default = d ~= nil and (" (default " .. show.inline(d) .. ")") or ""
    lines[#lines + 1] = format("    %-16s %s%s", name, o.doc, default)
  end
end

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
  local acts = row.method ~= "GET" and not row.read
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

local function detail(p, e)
  local lines = facts(p, e)
  for _, g in ipairs(option_groups(e)) do options(g[1], lines, g[2], g[3]) end
  return concat(lines, "\n")
end

local function overview_of(p, lines)
  local spec = spec_of(p)
  lines[#lines + 1] = format("%s: %s (gpucloud.%s{...})", p.var, spec.title or spec.name, p.ctor)
  -- one line per name: a method that replaces a row's (spec.methods) is
  -- what the client does, so its line stands for both
  local es, width, at = {}, 0, {}
  for _, e in ipairs(entries(spec)) do
    if at[e.name] then es[at[e.name]] = e else
      es[#es + 1] = e
      at[e.name] = #es
    end
  end
  for _, e in ipairs(es) do
    if e.kind ~= "client" and #signature(p, e) > width then width = #signature(p, e) end
  end
  for _, e in ipairs(es) do
    if e.kind ~= "client" then
      lines[#lines + 1] = format("  %-" .. width .. "s  %s", signature(p, e), e.line)
    end
  end
end

--- The overview: every provider's methods, one line each.
function M.overview(only)
  local lines = {}
  for _, p in ipairs(M.providers) do
    if not only or only == p then overview_of(p, lines) end
  end
  if not only and fleet_module() then
    local f = fleet_module()
    lines[#lines + 1] = "fleet: every provider at once (gpucloud.fleet{" .. provider_fields(" =", "fleet") .. "})"
    local sigs, width = {}, 0
    for i, name in ipairs(sorted(f.docs)) do
      sigs[i] = { format("fleet:%s(%s)", name, f.docs[name].args), f.docs[name][1] }
      if #sigs[i][1] > width then width = #sigs[i][1] end
    end
    for _, sg in ipairs(sigs) do lines[#lines + 1] = format("  %-" .. width .. "s  %s", sg[1], sg[2]) end
  end
  local generic = {}
  for _, e in ipairs(entries(spec_of(M.providers[1]))) do
    if e.kind == "client" then generic[#generic + 1] = format("%s(%s)", e.name, e.args) end
  end
  lines[#lines + 1] = "every client: " .. concat(generic, ", ")
  if not only then
    lines[#lines + 1] = "gpucloud: " .. provider_fields("{opts}") .. ", list(array), null, is_error(v)"
    lines[#lines + 1] = "results that are lists: filter, map, each, ids, first, sort_by"
  end
  -- the example: the first provider's first method that is not every client's
  local p = only or M.providers[1]
  for _, e in ipairs(entries(spec_of(p))) do
    if e.kind ~= "client" then
      lines[#lines + 1] = format('help(%s.%s) or help "%s": one method in full', p.var, e.name, e.name)
      break
    end
  end
  return concat(lines, "\n")
end

-- Entries named `name` ("delete_endpoint", "vast.delete_endpoint",
-- "tp:wait_request"), or whose method function is `fn`.
local function find(name, fn)
  local var, short = nil, name
  if name then var, short = name:match("^([%w_]+)[.:]([%w_]+)$") end
  short = short or name
  local found = {}
  local f = fleet_module()
  if f and (not var or var == "fleet") then
    for _, n in ipairs(sorted(f.docs)) do
      if (fn and f.Fleet and f.Fleet[n] == fn) or (not fn and n == short) then
        local doc = f.docs[n]
        local e = { name = n, kind = "fleet", doc = doc, args = doc.args, line = doc[1] }
        found[#found + 1] = { { var = "fleet" }, e }
      end
    end
  end
  for _, p in ipairs(M.providers) do
    local spec = spec_of(p)
    local class = define.class_of(spec)
    for _, e in ipairs(entries(spec)) do
      local hit
      if fn then
        hit = class and class[e.name] == fn
      else
        hit = e.name == short and (not var or var == p.var or var == p.ctor)
      end
      if hit and not (e.kind == "client" and #found > 0) then found[#found + 1] = { p, e } end
    end
  end
  return found
end

local function provider_of(v)
  local mt = getmetatable(v)
  for _, p in ipairs(M.providers) do
    if mt ~= nil and mt == define.class_of(spec_of(p)) then return p end
  end
end

local function not_found(what)
  return format("no method %s; help() lists them all", what)
end

--- help's text for `v` (n: how many arguments help was given).
function M.text(n, v)
  if n == 0 or v == require("gpucloud") then return M.overview() end
  local p = provider_of(v)
  if p then return M.overview(p) end
  local found
  if type(v) == "string" then
    found = find(v)
    if #found == 0 then return not_found(format("named %q", v)) end
  elseif type(v) == "function" then
    found = find(nil, v)
    if #found == 0 then return "no help for this function; help() lists the providers' methods" end
  else
    return "help(client), help(client.method) or help \"method_name\"; help() lists everything"
  end
  local out = {}
  for i, f in ipairs(found) do out[i] = detail(f[1], f[2]) end
  return concat(out, "\n\n")
end

--- Name every provider method for printouts (show.name).
function M.name_methods()
  for _, p in ipairs(M.providers) do
    local class = define.class_of(spec_of(p))
    if class then
      for name, f in pairs(class) do
        if type(f) == "function" and not name:match("^__") then show.name(f, format("method %s:%s", p.var, name)) end
      end
    end
  end
end


return M
