-- Saved plans: plan:save(path) writes a plan as JSON a person can read
-- and edit down, one thing a line; fleet:load_plan(path) reads it back.
-- Each thing keeps the facts that selected it (`was`: what fleet:delete
-- checks again before it deletes) and a digest of itself keyed by the
-- plan's id, so an entry added or changed by hand is refused; removing an
-- entry removes it from the apply. The header (id, made_at, expires_at)
-- has its digest too: a plan's time is not extended by editing it. The
-- digests are a check against mistakes, not a signature.

local errors = require "gpucloud.errors"
local files = require "gpucloud.files"
local json = require "gpucloud.json"
local plan_mod = require "gpucloud.fleet.plan"
local FIELDS = require("gpucloud.fleet.drift").FIELDS

local M = {}

local format = string.format

local function num(v)
  if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return format("%d", v) end
  return format("%.17g", v)
end

local function canonical(v)
  if v == nil then return "-" end
  if type(v) == "number" then return "n" .. num(v) end
  return type(v):sub(1, 1) .. tostring(v)
end

-- Two polynomial hashes modulo primes below 2^24: every product stays
-- exact in a double (no bit operators: one source for every Lua).
local function digest(text)
  local a, b = 0, 0
  for i = 1, #text do
    local c = text:byte(i)
    a = (a * 257 + c) % 16777213
    b = (b * 65599 + c) % 16777199
  end
  return format("%06x%06x", a, b)
end

local function entry_digest(id, e)
  local parts = { id, canonical(e.provider), canonical(e.kind), canonical(e.id), canonical(e.protected == true) }
  local was = e.was or {}
  for _, f in ipairs(FIELDS) do parts[#parts + 1] = f .. "=" .. canonical(was[f]) end
  return digest(table.concat(parts, "\n"))
end

local function header_digest(t)
  return digest(table.concat({ "plan", canonical(t.id), canonical(t.made_at), canonical(t.expires_at) }, "\n"))
end

local function utc(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", math.floor(t))
end

--- The plan as the file's text.
function M.encode(plan)
  local head = {
    gpucloud_plan = 1, id = plan.id, made_at = plan.made_at, expires_at = plan.expires_at,
    made = utc(plan.made_at), expires = utc(plan.expires_at), count = plan.count,
  }
  head.digest = header_digest(head)
  local list_cost, kept = json.object(), json.array()
  for _, g in ipairs(plan.groups) do list_cost[g.provider .. ":" .. g.kind] = g.list_cost or 1 end
  for i, k in ipairs(plan.kept or {}) do kept[i] = json.object { key = k.key, rule = k.rule } end
  local keys = {}
  for k in pairs(head) do keys[#keys + 1] = k end
  table.sort(keys)
  local lines = { "{" }
  for _, k in ipairs(keys) do lines[#lines + 1] = format("  %s: %s,", json.encode(k), json.encode(head[k])) end
  lines[#lines + 1] = '  "list_cost": ' .. json.encode(list_cost) .. ","
  lines[#lines + 1] = '  "kept": ' .. json.encode(kept) .. ","
  lines[#lines + 1] = '  "things": ['
  local n, protected = 0, {}
  for _, key in ipairs(plan.protected) do protected[key] = true end
  for _, g in ipairs(plan.groups) do
    for i, id in ipairs(g.ids) do
      local key = g.keys[i]
      local e = { provider = g.provider, kind = g.kind, id = id, protected = protected[key] or nil,
                  was = json.object((plan.records or {})[key] or {}) }
      e.digest = entry_digest(plan.id, e)
      n = n + 1
      lines[#lines + 1] = "    " .. json.encode(json.object(e)) .. (n < plan.count and "," or "")
    end
  end
  lines[#lines + 1] = "  ]"
  lines[#lines + 1] = "}"
  return table.concat(lines, "\n") .. "\n"
end

--- Write the plan to `path` (whole or not at all). true, or nil and err.
function M.save(plan, path)
  local ok, err = files.replace(path, M.encode(plan))
  if not ok then return nil, errors.local_failure("fleet.plan.save", "invalid", "cannot write " .. tostring(err)) end
  return true
end

local function refuse(path, fmt, ...)
  return nil, errors.local_failure("fleet.load_plan", "invalid", path .. ": " .. format(fmt, ...))
end

--- Read a saved plan: a plan (fleet/plan.lua) with its id and times, or
-- nil and an err (code invalid) naming the file and what is wrong with it.
-- `order` is the fleet's order of providers and kinds.
function M.load(path, order)
  local text, rerr = files.read(path)
  if not text then return refuse(path, "cannot read it (%s)", tostring(rerr)) end
  local t, jerr = json.decode(text)
  if type(t) ~= "table" or json.is_array(t) then
    return refuse(path, "not a plan file (%s)", jerr or "not a JSON object")
  end
  if t.gpucloud_plan ~= 1 then return refuse(path, "not a gpucloud plan (no \"gpucloud_plan\": 1)") end
  if type(t.id) ~= "string" or type(t.made_at) ~= "number" or type(t.expires_at) ~= "number"
      or t.digest ~= header_digest(t) then
    return refuse(path, "its id, made_at or expires_at were edited (or are missing): refusing the plan")
  end
  if not json.is_array(t.things) then return refuse(path, "\"things\" is not a list") end
  local known = {}
  for _, o in ipairs(order) do
    for _, k in ipairs(o[2]) do known[o[1] .. ":" .. k] = true end
  end
  local rows = {}
  for i, e in ipairs(t.things) do
    if type(e) ~= "table" or type(e.provider) ~= "string" or type(e.kind) ~= "string"
        or (type(e.id) ~= "number" and type(e.id) ~= "string") then
      return refuse(path, "entry %d is not {provider, kind, id, was, digest}", i)
    end
    local where = e.provider .. ":" .. e.kind
    if not known[where] then return refuse(path, "entry %d is of an unknown kind %s", i, where) end
    if e.was ~= nil and (type(e.was) ~= "table" or json.is_array(e.was)) then
      return refuse(path, "entry %d: \"was\" is not an object", i)
    end
    if e.digest ~= entry_digest(t.id, e) then
      return refuse(path, "entry %d (%s) was not in plan %s as it reads now (added or edited by hand): "
        .. "refusing the plan; remove the entry, or make a new plan", i, plan_mod.key(e.provider, e.kind, e.id), t.id)
    end
    local was = e.was or {}
    rows[i] = { provider = e.provider, kind = e.kind, id = e.id, protected = e.protected == true,
                cost_per_hour = was.cost_per_hour, record = was }
  end
  local cost = type(t.list_cost) == "table" and t.list_cost or {}
  return plan_mod.new(rows, order, 2, { id = t.id, made_at = t.made_at, expires_at = t.expires_at,
                                        list_cost = cost })
end

return M
