-- A lying server for every row: what spec/lying_*_spec.lua share. Each
-- registered provider's client is pointed at the simulator (every host),
-- with a key of its own that answers may echo; each row can be called
-- through the one operation path (call.lua, or the pager for a paged row)
-- with arguments made from its own checks, and answered by injected rules
-- shaped from the row itself (its list or object key, its id field, its
-- cursor). Nothing here names a provider or a row: one added later is
-- walked the same way.

local args = require "gpucloud.args"
local call = require "gpucloud.call"
local config = require "gpucloud.config"
local define = require "gpucloud.define"
local json = require "gpucloud.json"
local pager = require "gpucloud.pager"
local providers = require "gpucloud.providers"
local request = require "gpucloud.request"

local M = {}

local function no_env() end

--- The key a provider's client sends: what a lying answer echoes (no
-- piece of it is a word a message may hold: a provider's name, an op's).
function M.key()
  return "sk-LYING-Zq8RwT3uLm9XpK2vNb7cYh4J"
end

--- Keys of `t`, sorted (specs never depend on iteration order).
function M.sorted(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

--- A client of provider `name` whose every host is the simulator `s`.
function M.client(name, s)
  local spec = providers.spec(name)
  local o = { api_key = M.key(name), getenv = no_env, retries = 0, backoff = { base = 0, max = 0 } }
  for _, h in pairs(spec.hosts) do o[h.option] = s.url end
  return providers.get(name).new(o)
end

-- Values a check may take, tried in order.
local SCALARS = { 101, "x-101", "x", true }

--- A value that `check` (a name of gpucloud.args or a function) takes, for
-- an argument of a row: a scalar, or a table of one field the check's own
-- words name; else a placeholder the path can still carry.
function M.value_for(check)
  for _, v in ipairs(SCALARS) do
    local ok = args.check(check, v, "x")
    if ok ~= nil then return ok end
  end
  local _, why = args.check(check, {}, "x")
  for word in tostring(why):gmatch("[%a_]+") do
    for _, v in ipairs(SCALARS) do
      local ok = args.check(check, { [word] = v }, "x")
      if ok ~= nil then return ok end
    end
  end
  return {}
end

--- The arguments a row is called with.
function M.argv(row)
  local argv = {}
  for _, p in ipairs(row.args or {}) do argv[p[1]] = M.value_for(p[2]) end
  return argv
end

--- The path (no query) a call of the row with `argv` goes to.
function M.path(client, row, argv)
  local req = request.build(client, row, argv, {}, "k")
  return (req.url:match("^https?://[^/]+([^?]*)"))
end

--- Call a row through the one path: value, err. A paged row is listed by
-- the pager (`each`: through its iterator, returning the items handed out
-- and how it ended).
function M.call(client, spec, name, argv, each, opts)
  local row = spec.ops[name]
  local ctx = define.context(client)
  local op = spec.name .. "." .. name
  if not row.paged then return call.perform(client, ctx.p, ctx.rt, op, row, argv, opts or {}) end
  local settings, o = config.paged(op, row, opts or { rate = false }, 1)
  local job = pager.new { self = client, p = ctx.p, rt = ctx.rt, op = op, row = row, argv = argv, opts = o,
                          settings = settings }
  if not each then return pager.collect(job) end
  local it, got = pager.each(job), {}
  while true do
    local v, err = it()
    if v == nil then return got, err end
    got[#got + 1] = v
  end
end

local function copy(t)
  if type(t) ~= "table" then return t end
  local out = {}
  for k, v in pairs(t) do out[k] = copy(v) end
  return out
end

-- The item with what the row's `item` reader asks for: each field its
-- refusal names filled with a value it takes, as value_for fills a check
-- (an amount for a charge), so that the lies reach the pager.
local function acceptable(row, it)
  if not row.item then return it end
  for _ = 1, 4 do
    local ok, why = row.item(copy(it))
    if ok ~= nil then return it end
    local filled = false
    for word in tostring(why):gmatch("[%a_]+") do
      if it[word] == nil and not filled then
        for _, v in ipairs(SCALARS) do
          local try = copy(it)
          try[word] = v
          if row.item(copy(try)) ~= nil then
            it[word], filled = v, true
            break
          end
        end
      end
    end
    if not filled then return it end
  end
  return it
end

--- An item of a row's list, with `id` and any extra fields (and what the
-- row's `item` reader needs of one).
function M.item(row, id, extra)
  local it = { [row.id_field or "id"] = id }
  for k, v in pairs(extra or {}) do it[k] = v end
  return acceptable(row, it)
end

--- A list answer of the row's shape: its items under its key, and for a
-- paged row the next cursor (nil: the last page) and `extra` fields.
function M.list_answer(row, items, nxt, extra)
  local arr = json.array(items)
  if row.list == true then return arr end
  local a = { success = true, [row.list] = arr }
  if row.paged then a[row.paged.next] = nxt or json.null end
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

--- An object answer of the row's shape holding `fields`.
function M.object_answer(row, fields)
  if type(row.object) == "string" then return { success = true, message = "ok", [row.object] = fields } end
  return fields
end

--- An answer of the row's shape that would be a success, holding `extra`
-- (a list of one item, or an object with the row's echoes of `argv`).
function M.good_answer(row, argv, extra)
  if row.list then return M.list_answer(row, { M.item(row, 7001, extra) }) end
  local fields = {}
  for f, a in pairs(row.echo or {}) do fields[f] = argv[a] end
  for k, v in pairs(extra or {}) do fields[k] = v end
  if row.method == "DELETE" then fields.success = true end
  return M.object_answer(row, fields)
end

--- Patterns matching the paths of a provider's rows, each with its row.
function M.route_patterns(spec)
  local out = {}
  for _, name in ipairs(M.sorted(spec.ops)) do
    local row = spec.ops[name]
    local p = row.path:gsub("%?.*$", ""):gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
    out[#out + 1] = { pattern = "^" .. p:gsub("{[%w_]+}", "[^/]+") .. "$", name = name, row = row }
  end
  return out
end

--- Does `v` (tables walked, keys too, and tostring of tables) hold `key`
-- or any 10-byte piece of it?
function M.holds(v, key, seen)
  seen = seen or {}
  if type(v) == "string" then
    for i = 1, #key - 9 do
      if v:find(key:sub(i, i + 9), 1, true) then return true end
    end
    return false
  end
  if type(v) ~= "table" or seen[v] then return false end
  seen[v] = true
  for k, x in pairs(v) do
    if M.holds(k, key, seen) or M.holds(x, key, seen) then return true end
  end
  return M.holds(tostring(v), key, seen)
end

return M
