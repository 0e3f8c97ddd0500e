-- help() for the REPL: the overview, one method in full, finding a method
-- by name or by its function. What it says of each method and option is
-- gpucloud.describe's, which reads the providers' own data.

local define = require "gpucloud.define"
local describe = require "gpucloud.describe"
local providers = require "gpucloud.providers"
local show = require "gpucloud.repl.show"

local M = {}

local format, concat = string.format, table.concat

-- What every reader of the rows shares: gpucloud.describe.
M.providers, M.spec_of, M.entries = describe.providers, describe.spec_of, describe.entries
M.fleet_module = describe.fleet_module
local spec_of, entries, signature = describe.spec_of, describe.entries, describe.signature
local fleet_module, sorted = describe.fleet_module, describe.sorted

-- "vast =, tensorpool =": the providers' fields of a table (`suffix`
-- after each name), those with `part` only when given.
local function provider_fields(suffix, part)
  local out = {}
  for _, p in ipairs(M.providers) do
    if not part or (not p.spec and providers.has(p.ctor, part)) then out[#out + 1] = p.ctor .. suffix end
  end
  return concat(out, ", ")
end

local function detail(p, e)
  return concat(describe.detail(p, e), "\n")
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
