-- What the reference must document, read from the objects themselves,
-- not from the rows the generator reads: every function of every client
-- class (rows, bulk entries, composed methods, whatever `define` adds),
-- every field of the `gpucloud` module, the functions and class methods
-- of the hand-written public modules, every option of every scope and
-- every error code. docs/check.lua compares this with what LDoc found.

local config = require "gpucloud.config"
local define = require "gpucloud.define"
local errors = require "gpucloud.errors"
local help = require "gpucloud.repl.help"
local providers = require "gpucloud.providers"

local M = {}

-- Exported for the library's own use, not for scripts: left out of the
-- reference on purpose, each with the reason.
M.INTERNAL = {
  ["gpucloud.fleet"] = {
    epoch = "the providers' fleet.lua read created_at with it",
    select_kinds = "fleet:list's and the command line's kind selection",
    list_jobs = "fleet:list's listing tasks, shared with the command line",
    make_row = "a provider's record as a fleet row, shared with the re-read before a delete",
    rows = "the constructor of fleet:list's rows (documented as Rows)",
    ["Fleet:runner"] = "how fleet/delete.lua runs providers at once",
  },
}

local function sorted(t)
  table.sort(t)
  return t
end

-- The function fields of `t` (own, not metamethods) as `prefix .. name`.
local function functions(t, prefix, out)
  out = out or {}
  for k, v in pairs(t) do
    if type(k) == "string" and type(v) == "function" and not k:match("^__") then
      out[#out + 1] = (prefix or "") .. k
    end
  end
  return out
end

-- `names` but the internal ones; an internal name the module no longer
-- has is an error (the list would hide the next function of that name).
local function without_internal(module, names)
  local skip, seen, out = M.INTERNAL[module] or {}, {}, {}
  for _, n in ipairs(names) do
    seen[n] = true
    if not skip[n] then out[#out + 1] = n end
  end
  for n in pairs(skip) do
    if not seen[n] then error("docs/public.lua: INTERNAL names " .. module .. " " .. n .. ", which is not there", 0) end
  end
  return sorted(out)
end

local function keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  return sorted(out)
end

--- The public surface: a list of {module = name, items = {name, ...},
-- fields = {item -> {field, ...}}}, every list sorted.
function M.surface()
  local out = {}
  local function add(module, items, fields)
    out[#out + 1] = { module = module, items = without_internal(module, items), fields = fields or {} }
  end

  -- gpucloud.<provider>: each documented as its page's `new`
  local gp = {}
  for _, k in ipairs(keys(require "gpucloud")) do
    if not providers.known(k) then gp[#gp + 1] = k end
  end
  add("gpucloud", gp)

  for _, p in ipairs(help.providers) do
    local class = define.class_of(help.spec_of(p))
    local items = functions(class, p.var .. ":")
    items[#items + 1] = "new"
    items[#items + 1] = p.var
    add(p.module, items)
  end

  local list = require "gpucloud.list"
  local items = functions(list)
  functions(getmetatable(list.new {}).__index, "List:", items)
  items[#items + 1] = "List"
  add("gpucloud.list", items)

  local fleet = require "gpucloud.fleet"
  items = functions(fleet)
  functions(fleet.Fleet, "Fleet:", items)
  -- the rows' own methods; the list methods they inherit are List's
  functions(getmetatable(fleet.rows {}).__index, "Rows:", items)
  items[#items + 1] = "Fleet"
  items[#items + 1] = "Rows"
  add("gpucloud.fleet", items)

  local plan = require "gpucloud.fleet.plan"
  items = functions(plan)
  functions(plan.Plan, "Plan:", items)
  items[#items + 1] = "Plan"
  add("gpucloud.fleet.plan", items)

  local bulk = require "gpucloud.bulk"
  items = functions(bulk.Report, "Report:")
  items[#items + 1] = "Report"
  add("gpucloud.bulk", items)

  local json = require "gpucloud.json"
  items = functions(json)
  items[#items + 1] = "null"
  add("gpucloud.json", items)

  local scopes = {}
  for name, o in pairs(config.OPTIONS) do
    for scope in o.scope:gmatch("%S+") do
      scopes[scope] = scopes[scope] or {}
      table.insert(scopes[scope], name)
    end
  end
  for _, names in pairs(scopes) do sorted(names) end
  add("gpucloud.config", keys(scopes), scopes)

  add("gpucloud.errors", { "Error", "codes" }, { codes = keys(errors.CODES) })

  table.sort(out, function(a, b) return a.module < b.module end)
  return out
end

-- `v` as Lua source (strings, lists and string-keyed tables).
local function source(v, indent)
  if type(v) == "string" then return string.format("%q", v) end
  local inner = indent .. "  "
  local parts = {}
  for i = 1, #v do parts[#parts + 1] = inner .. source(v[i], inner) end
  local named = {}
  for k in pairs(v) do
    if type(k) == "string" then named[#named + 1] = k end
  end
  for _, k in ipairs(sorted(named)) do
    parts[#parts + 1] = string.format("%s[%q] = %s", inner, k, source(v[k], inner))
  end
  if #parts == 0 then return "{}" end
  return "{\n" .. table.concat(parts, ",\n") .. ",\n" .. indent .. "}"
end

--- The surface as a Lua chunk that returns it (what docs/check.lua reads
-- inside LDoc, which runs under another interpreter).
function M.chunk(surface)
  return "-- generated by docs/public.lua: what the reference must document\nreturn "
    .. source(surface or M.surface(), "") .. "\n"
end

return M
