--- A plan: what a fleet delete will act on, fixed when it is made. The
-- rows' keys are copied into groups (provider, kind, ids) at plan time, so
-- a dry run and the real run of one plan act on the same ids by
-- construction, whatever happens to the rows afterwards. Printing a plan
-- shows what would go, per provider and kind, and the $/h it saves.
-- @module gpucloud.fleet.plan

-- (required when a plan is made: the command line loads this file for plan.key)
local function adder() return require("gpucloud.fleet.cost").adder() end

local M = {}

local Plan = {}
Plan.__index = Plan
M.Plan = Plan

local function money(v)
  return string.format("$%.2f/h", v)
end

-- an id as reports show it (integral numbers without ".0")
local id_text = require("gpucloud.bulk").show_id

--- The key of a thing in the fleet: "provider:kind:id".
function M.key(provider, kind, id)
  return provider .. ":" .. kind .. ":" .. id_text(id)
end

--- A plan from fleet rows (each with provider, kind, id). `order` gives
-- the providers' and kinds' order: { {provider, {kind, ...}}, ... }.
function M.new(rows, order, level)
  level = (level or 1) + 1
  if type(rows) ~= "table" then error("fleet plan: expected a list of fleet rows, got " .. type(rows), level) end
  local rank = {}
  for pi, entry in ipairs(order) do
    for ki, kind in ipairs(entry[2]) do rank[entry[1] .. ":" .. kind] = pi * 100 + ki end
  end
  -- a thing whose $/h is the sum of others' (an endpoint's workers) is
  -- counted once, however many rows name it
  local groups, by_group, seen, add, group_add = {}, {}, {}, adder(), {}
  local plan = setmetatable({ count = 0, cost_per_hour = 0, unknown_cost = 0, keys = {}, protected = {},
                              groups = groups }, Plan)
  for i = 1, #rows do
    local r = rows[i]
    if type(r) ~= "table" or type(r.provider) ~= "string" or type(r.kind) ~= "string" or r.id == nil then
      error(string.format("fleet plan: row %d is not a fleet row (provider, kind, id)", i), level)
    end
    local gk = r.provider .. ":" .. r.kind
    if not rank[gk] then error("fleet plan: row " .. i .. " is of an unknown kind " .. gk, level) end
    local key = M.key(r.provider, r.kind, r.id)
    if not seen[key] then
      seen[key] = true
      local g = by_group[gk]
      if not g then
        g = { provider = r.provider, kind = r.kind, ids = {}, keys = {}, count = 0, cost_per_hour = 0,
              unknown_cost = 0, rank = rank[gk] }
        by_group[gk] = g
        groups[#groups + 1] = g
        group_add[gk] = adder()
      end
      g.ids[#g.ids + 1] = r.id
      g.keys[#g.keys + 1] = key
      g.count = g.count + 1
      plan.count = plan.count + 1
      local v = type(r.cost_per_hour) == "number" and add(r)
      if v then
        g.cost_per_hour = g.cost_per_hour + group_add[gk](r)
        plan.cost_per_hour = plan.cost_per_hour + v
      else
        g.unknown_cost = g.unknown_cost + 1
        plan.unknown_cost = plan.unknown_cost + 1
      end
      if r.protected then plan.protected[#plan.protected + 1] = key end
    end
  end
  table.sort(groups, function(a, b) return a.rank < b.rank end)
  for _, g in ipairs(groups) do
    for _, key in ipairs(g.keys) do plan.keys[#plan.keys + 1] = key end
  end
  return plan
end

--- Is `v` a plan?
function M.is(v)
  return getmetatable(v) == Plan
end

Plan.__tostring = function(p)
  if p.count == 0 then return "plan: nothing to delete" end
  local lines = {
    string.format("plan: delete %d thing%s, saving %s%s", p.count, p.count == 1 and "" or "s",
      money(p.cost_per_hour),
      p.unknown_cost > 0 and string.format(" (%d without a known cost)", p.unknown_cost) or ""),
  }
  for _, g in ipairs(p.groups) do
    lines[#lines + 1] = string.format("  %-11s %-12s %5d  %s", g.provider, g.kind, g.count,
      g.unknown_cost == g.count and "-" or money(g.cost_per_hour))
  end
  if #p.protected > 0 then
    lines[#lines + 1] = "  protected (deleted only with unprotect = true): " .. table.concat(p.protected, ", ")
  end
  return table.concat(lines, "\n")
end

--- What fleet:plan(rows) and rows:plan() return; `tostring(plan)` is what
-- would go, per provider and kind, and the $/h it saves.
-- @table Plan
-- @field count how many things (distinct keys)
-- @field cost_per_hour the $/h of those whose cost is known
-- @field unknown_cost how many have no known cost
-- @field keys every "provider:kind:id", in delete order
-- @field protected the keys of those with deletion protection on
-- @field groups {provider, kind, ids, keys, count, cost_per_hour, unknown_cost} each, in delete order

return M
