-- The generated part of the reference: LDoc-commented Lua stubs for what
-- the library makes from data, written from that data, so the reference
-- and the REPL's help say the same things from one source:
--   gpucloud.vast, gpucloud.tensorpool  each client's methods, from its
--       rows, bulk entries and spec.docs, through gpucloud.repl.help (the
--       lines `help "delete_endpoint"` prints are the method's wire block)
--   gpucloud.config  every option of every scope, from config.OPTIONS
--   gpucloud.errors  the error fields and codes, from README's "Errors"
--       tables, which must name exactly errors.CODES
-- A client function with nothing to say (a spec.methods entry without a
-- spec.docs line) is an error: docs/build.lua stops there.

local config = require "gpucloud.config"
local define = require "gpucloud.define"
local errors = require "gpucloud.errors"
local help = require "gpucloud.repl.help"
local show = require "gpucloud.repl.show"

local M = {}

local format, concat = string.format, table.concat

local function sorted_keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- Prose for the markdown LDoc renders (discount): `<`, `>`, `&`, `^` and
-- `*` written as entities outside code spans, so `<hidden>` and
-- `base*2^(n-1)` show as typed (not a tag, a superscript, emphasis).
local ENTITY = { ["<"] = "&lt;", [">"] = "&gt;", ["&"] = "&amp;", ["^"] = "&#94;", ["*"] = "&#42;" }
local function md(text)
  local out, i = {}, 1
  while true do
    local s, e = text:find("`[^`]*`", i)
    out[#out + 1] = text:sub(i, (s or 0) - 1):gsub("[<>&^*]", ENTITY)
    if not s then break end
    out[#out + 1] = text:sub(s, e)
    i = e + 1
  end
  return concat(out)
end

-- A doc comment: "--- " and the first line of `text`, "-- " and the others.
local function comment(lines, text)
  local lead = "--- "
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    lines[#lines + 1] = line == "" and "--" or (lead .. line)
    lead = "-- "
  end
end

------------------------------------------------------------------------
-- Providers

-- Entries by name: help's entries, and for a client function help does
-- not list, its spec.docs line (a method `define` composes from a row).
-- Returns {name -> {entry, ...}} and the names with nothing to say.
local function named_entries(spec, class)
  local by_name, missing, unsaid = {}, {}, {}
  for _, e in ipairs(help.entries(spec)) do
    if e.kind == "method" and not (spec.docs and spec.docs[e.name] and spec.docs[e.name][1]) then
      missing[#missing + 1] = e.name
      unsaid[e.name] = true
    else
      by_name[e.name] = by_name[e.name] or {}
      local t = by_name[e.name]
      t[#t + 1] = e
    end
  end
  for _, name in ipairs(sorted_keys(class)) do
    if type(class[name]) == "function" and not name:match("^__") and not by_name[name] and not unsaid[name] then
      local doc = spec.docs and spec.docs[name]
      if doc and doc[1] then
        by_name[name] = { { name = name, kind = "method", doc = doc, args = doc.args or "...", line = doc[1] } }
      else
        missing[#missing + 1] = name
      end
    end
  end
  table.sort(missing)
  return by_name, missing
end

-- The parameters a signature names ("request_id [, opts]", "ids [, opts]",
-- "op_name, items [, opts]"): {name, optional}, a name optional when it
-- is inside brackets; `...` when the signature is not plain names.
local function params_of(args)
  args = args or ""
  if args:find("[^%w_%s,%[%]]") then return { { "...", true } } end
  local out = {}
  for pos, name in args:gmatch("()([%a_][%w_]*)") do
    local before = args:sub(1, pos - 1)
    local _, opened = before:gsub("%[", "")
    local _, closed = before:gsub("%]", "")
    out[#out + 1] = { name, opened > closed }
  end
  return out
end

-- What a composed method's argument accepts: the check of the rows'
-- argument of that name, when every row that has one checks it alike.
local function row_arg_check(spec, name)
  local found
  for _, op in ipairs(sorted_keys(spec.ops)) do
    for _, a in ipairs(spec.ops[op].args or {}) do
      if a[1] == name then
        if found ~= nil and found ~= a[2] then return nil end
        found = a[2]
      end
    end
  end
  return found
end

local function option_links(e)
  local parts = {}
  for _, g in ipairs(help.option_groups(e)) do
    local scope, heading, except = g[1], g[2]:gsub(":$", ""), g[3]
    local names = help.option_names(scope, except)
    for i, n in ipairs(names) do names[i] = "`" .. n .. "`" end
    parts[#parts + 1] = format("the @{gpucloud.config.%s|%s}: %s", scope, heading, concat(names, ", "))
      .. (except and format(" (not %s: the run's)", concat(sorted_keys(except), ", ")) or "")
  end
  return concat(parts, "; ")
end

local function param_doc(p, spec, e, name)
  if name == "opts" then
    local text = option_links(e)
    -- and the row's own options, sent in the query string or the body
    local carried = { query = "the query string", body_opts = "the body" }
    for _, field in ipairs { "query", "body_opts" } do
      if e.row and (e.kind == "op" or e.kind == "each") and e.row[field] then
        local q = {}
        for i, a in ipairs(e.row[field]) do q[i] = format("`%s` (%s)", a[1], help.accepts(a[2])) end
        text = text .. "; and what " .. carried[field] .. " carries: " .. concat(q, ", ")
      end
    end
    return "table", text ~= "" and text or "options"
  end
  if e.kind == "op" or e.kind == "each" then
    for _, a in ipairs(e.row.args or {}) do
      if a[1] == name then return nil, help.accepts(a[2]) end
    end
  elseif e.kind == "bulk" and name == "ids" then
    return "table", format("the ids, each as %s:%s takes it: %s", p.var, e.entry.op, help.accepts(e.row.args[1][2]))
  elseif e.kind == "client" and name == "op_name" then
    return "string", "the name of an operation: " .. concat(sorted_keys(spec.ops), ", ")
  elseif e.kind == "client" and name == "items" then
    return "table", "one call each: the argument of a one-argument operation, else a list of its arguments"
  end
  local check = row_arg_check(spec, name)
  if check ~= nil then return nil, help.accepts(check) end
  return nil, "see above"
end

local function returns(e)
  if e.kind == "op" then
    -- help's words, the list linked to what a list can do
    local answer = md(help.answer(e.row)):gsub("^a list", "a @{gpucloud.list.List|list}")
    local r = { "@return[1] " .. answer }
    if type(e.row.list) == "string" or type(e.row.object) == "string" then
      r[#r + 1] = "@return[1] the whole decoded answer"
    end
    r[#r + 1] = "@return[2] nil"
    r[#r + 1] = "@treturn[2] gpucloud.errors.Error what failed"
    return r
  elseif e.kind == "each" then
    return { "@treturn function an iterator: each call the next item, nil at the end; nil, err once a page failed" }
  elseif e.kind == "bulk" or (e.kind == "client" and e.name == "batch") then
    return { "@treturn gpucloud.bulk.Report every id's outcome" }
  elseif e.kind == "client" then
    return {}
  end
  return { "@return[1] as the summary says", "@return[2] nil", "@treturn[2] gpucloud.errors.Error what failed" }
end

-- One client function. Of the entries of its name (in help's order: a
-- row, then a method that replaces it) the last speaks for it, and every
-- entry's facts follow its line.
local function function_stub(lines, p, spec, entries)
  local primary = entries[#entries]
  local facts = {}
  for _, e in ipairs(entries) do
    local f = help.facts(p, e)
    for i = 3, #f do facts[#facts + 1] = f[i] end
  end
  -- a full stop ends LDoc's summary; without one the wire block joins it
  lines[#lines + 1] = "--- " .. md(primary.line) .. (primary.line:match("[.!?]$") and "" or ".")
  if #facts > 0 then
    lines[#lines + 1] = "--"
    for _, f in ipairs(facts) do lines[#lines + 1] = "--    " .. f end
    lines[#lines + 1] = "--"
  end
  local formal = {}
  for _, prm in ipairs(params_of(primary.args)) do
    local name, optional = prm[1], prm[2]
    formal[#formal + 1] = name
    if name ~= "..." then
      local ty, text = param_doc(p, spec, primary, name)
      local opt = optional and "[opt]" or ""
      local tag = ty and ("@tparam" .. opt .. " " .. ty) or ("@param" .. opt)
      lines[#lines + 1] = format("-- %s %s %s", tag, name, md(text))
    end
  end
  -- a method that replaces a row answers as the row does
  local answers = primary
  for _, e in ipairs(entries) do if e.kind == "op" then answers = e end end
  for _, r in ipairs(returns(answers)) do lines[#lines + 1] = "-- " .. r end
  lines[#lines + 1] = format("function %s:%s(%s) end", p.var, primary.name, concat(formal, ", "))
  lines[#lines + 1] = ""
end

-- Where a host's base URL comes from, in config.urls' order.
local function host_line(spec, name)
  local h = spec.hosts[name]
  local from = { h.env and ("`" .. h.env .. "`") or nil }
  if h.follows then from[#from + 1] = format("the %s host's override", h.follows) end
  from[#from + 1] = h.default
  return format("`%s`: the %s host's base URL (else %s)", h.option, name, concat(from, ", else "))
end

-- The provider's key places: the option, its environment variables, its
-- files (as for a user whose home is ~).
local function key_places(spec)
  local places = { "the `api_key` option" }
  for _, v in ipairs(spec.key.env or {}) do places[#places + 1] = "`" .. v .. "`" end
  if spec.key.files then
    for _, f in ipairs(spec.key.files(function(k) return k == "HOME" and "~" or nil end)) do
      places[#places + 1] = "`" .. f .. "`"
    end
  end
  return concat(places, ", else ")
end

--- The stub of provider `p` (an entry of help.providers): its text, or
-- nil and the client functions that have nothing to say.
function M.provider(p)
  local spec = help.spec_of(p)
  local class = define.class_of(spec)
  local by_name, missing = named_entries(spec, class)
  if #missing > 0 then return nil, missing end
  local title = spec.title or spec.name
  local lines = {}
  comment(lines, format("%s: `gpucloud.%s{...}` makes a client with one method per operation.\n\n"
    .. "Generated by docs/gen.lua from the provider's rows (lua/gpucloud/providers/%s/init.lua): the same facts as "
    .. "`help(%s)` in `gpucloud repl`. The wire: docs/%s.md. Arguments are checked before anything is sent "
    .. "(misuse raises); a failure of the call itself returns nil and an @{gpucloud.errors.Error|Error}.",
    title, p.ctor, spec.name, p.var, spec.name))
  lines[#lines + 1] = "-- @module " .. p.module
  lines[#lines + 1] = ""
  local hosts = {}
  for _, h in ipairs(sorted_keys(spec.hosts)) do hosts[#hosts + 1] = host_line(spec, h) end
  comment(lines, format("Make a client (`gpucloud.%s{...}`, or `gpucloud.%s()` for the defaults). "
    .. "The API key: %s; looked up at the first call that needs it.", p.ctor, p.ctor, key_places(spec)))
  lines[#lines + 1] = "-- @tparam[opt] table opts the @{gpucloud.config.client|client options}, and "
    .. md(concat(hosts, "; "))
  lines[#lines + 1] = format("-- @treturn %s the client", p.var)
  lines[#lines + 1] = "function new(opts) end"
  lines[#lines + 1] = ""
  lines[#lines + 1] = format("--- A %s client: each method below, and `tostring(client)` "
    .. "(its URLs and where its key came from, never the key).", title)
  lines[#lines + 1] = "-- @type " .. p.var
  lines[#lines + 1] = ""
  for _, name in ipairs(sorted_keys(by_name)) do function_stub(lines, p, spec, by_name[name]) end
  return concat(lines, "\n")
end

------------------------------------------------------------------------
-- Options

-- What each scope of config.OPTIONS is; a scope without a line here is
-- an error (a reference that cannot say where an option goes).
M.SCOPES = {
  client = "The options of a client: `gpucloud.vast{...}`, `gpucloud.tensorpool{...}` (and each host's URL: "
    .. "see the providers' `new`). Those that are call options too are the defaults of every call.",
  call = "The options of every operation (its last argument, `opts`); the client's settings are the defaults.",
  bulk = "The options of a bulk call and of `client:batch`, on top of the call options given to each call; "
    .. "a bulk call's `deadline` bounds the whole run, and its calls are paced at the operation's documented "
    .. "rate unless `rate = false`.",
  wait = "The options of a wait (`tp:wait_request`, `tp:wait_job`).",
  paged = "The options of a paged listing (an operation whose row is `paged`, and its iterator), "
    .. "on top of the call options of its pages, which are paced at the documented rate unless `rate = false`.",
  fleet = "The options of @{gpucloud.fleet.Fleet:delete|fleet:delete}.",
  pricing = "The options of `gpucloud.fleet{...}` beside its clients: what a fleet's costs are read with "
    .. "(`prices`: each provider's tables, as README's fleet table names them; one given replaces a published rate).",
}

-- Where a scope's own default is not the option's: fleet:delete waits and
-- paces unless told not to (lua/gpucloud/fleet/delete.lua; README "Fleet").

--- The options stub: a table per scope, a field per option.
function M.options()
  local by_scope, order = {}, {}
  for _, name in ipairs(sorted_keys(config.OPTIONS)) do
    local o = config.OPTIONS[name]
    if type(o.doc) ~= "string" or not o.doc:find("%S") then return nil, { "option " .. name .. " (no doc)" } end
    for scope in o.scope:gmatch("%S+") do
      if not by_scope[scope] then by_scope[scope] = {}; order[#order + 1] = scope end
      local t = by_scope[scope]
      t[#t + 1] = name
    end
  end
  table.sort(order)
  local lines = {
    "--- Every option and its default: one schema (`OPTIONS` in lua/gpucloud/config.lua) for clients,",
    "-- calls, bulk calls, waits and the fleet. An unknown option, or one of the wrong kind, raises.",
    "-- Generated by docs/gen.lua; `help` in `gpucloud repl` lists the same.",
    "-- @module gpucloud.config", "",
  }
  for _, scope in ipairs(order) do
    local what = M.SCOPES[scope]
    if not what then return nil, { "scope " .. scope .. " (docs/gen.lua's SCOPES)" } end
    lines[#lines + 1] = "--- " .. what
    lines[#lines + 1] = "-- @table " .. scope
    for _, name in ipairs(by_scope[scope]) do
      local o = config.OPTIONS[name]
      local d = config.default(name, scope)
      local default = d ~= nil and (" (default `" .. show.inline(d) .. "`)") or ""
      lines[#lines + 1] = format("-- @field %s %s%s", name, md(o.doc), default)
    end
    lines[#lines + 1] = ""
  end
  return concat(lines, "\n")
end

------------------------------------------------------------------------
-- Errors

-- The rows of a markdown table whose header's first cell is `first`,
-- in README's section `section`: {names, text}, names from the first
-- cell's code spans.
local function readme_table(readme, section, first)
  local body = readme:match("\n## " .. section .. "\n(.-)\n## ") or readme:match("\n## " .. section .. "\n(.*)$")
  if not body then return nil end
  local rows, inside = {}, false
  for line in (body .. "\n"):gmatch("([^\n]*)\n") do
    local cells = {}
    for c in line:gsub("\\|", "\1"):gmatch("|%s*([^|]-)%s*%f[|]") do cells[#cells + 1] = c:gsub("\1", "|") end
    if #cells < 2 then
      if inside then break end
    elseif not inside then
      inside = cells[1] == first
    elseif not cells[1]:match("^%-+$") then
      local names = {}
      for n in cells[1]:gmatch("`([^`]+)`") do names[#names + 1] = n end
      rows[#rows + 1] = { names = names, text = cells[2] }
    end
  end
  return #rows > 0 and rows or nil
end

local function fields(lines, rows)
  for _, r in ipairs(rows) do
    for _, n in ipairs(r.names) do
      local others = {}
      for _, m in ipairs(r.names) do if m ~= n then others[#others + 1] = "`" .. m .. "`" end end
      local with = #others > 0 and ("(as " .. concat(others, ", ") .. ") ") or ""
      lines[#lines + 1] = format("-- @field %s %s%s", n, with, md(r.text))
    end
  end
end

--- The errors stub, from README's text: its text, or nil and what is wrong.
function M.errors(readme)
  local codes = readme_table(readme, "Errors", "`code`")
  local fieldrows = readme_table(readme, "Errors", "field")
  if not codes or not fieldrows then return nil, { "README's Errors tables (`code` | when, field | meaning)" } end
  local named, problems = {}, {}
  for _, r in ipairs(codes) do for _, n in ipairs(r.names) do named[n] = true end end
  for _, c in ipairs(sorted_keys(errors.CODES)) do
    if not named[c] then problems[#problems + 1] = "code " .. c .. " (not in README's Errors table)" end
  end
  for _, c in ipairs(sorted_keys(named)) do
    if not errors.CODES[c] then problems[#problems + 1] = "code " .. c .. " (in README, not in errors.CODES)" end
  end
  if #problems > 0 then return nil, problems end
  local lines = {
    "--- Failures as values: a call that fails returns nil and an @{gpucloud.errors.Error|Error};",
    "-- misuse (a bad argument, an unknown option) raises instead. Generated by docs/gen.lua from",
    "-- README's \"Errors\".",
    "-- @module gpucloud.errors", "",
    "--- What a failed call returns as its second value. `tostring(err)` is one line that ends with",
    "-- `[may have been carried out]`, `[an earlier attempt may have deleted it]` or",
    "-- `[server asked to wait N s]` when those hold; `gpucloud.is_error(v)` tells one from other values.",
    "-- @table Error",
  }
  fields(lines, fieldrows)
  lines[#lines + 1] = ""
  lines[#lines + 1] = "--- The closed set of `err.code`s, the same for every provider (a script can branch on it"
  lines[#lines + 1] = "-- without knowing who answered); the server's own code is `err.server_code`."
  lines[#lines + 1] = "-- @table codes"
  fields(lines, codes)
  lines[#lines + 1] = ""
  return concat(lines, "\n")
end

------------------------------------------------------------------------

--- Every stub: {file name -> text}, or nil and what has nothing to say.
function M.stubs(readme)
  local out, problems = {}, {}
  local function add(file, text, missing)
    if text then
      out[file] = text .. "\n"
    else
      for _, m in ipairs(missing) do problems[#problems + 1] = file .. ": " .. m end
    end
  end
  for _, p in ipairs(help.providers) do
    local spec = help.spec_of(p)
    add(spec.name .. ".lua", M.provider(p))
  end
  add("config.lua", M.options())
  add("errors.lua", M.errors(readme))
  if #problems > 0 then return nil, problems end
  return out
end

return M
