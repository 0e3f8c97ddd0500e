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

local money = require "gpucloud.money"

-- an id as reports show it (integral numbers without ".0")
local id_text = require("gpucloud.bulk").show_id

--- The key of a thing in the fleet: "provider:kind:id".
function M.key(provider, kind, id)
  return provider .. ":" .. kind .. ":" .. id_text(id)
end

-- How many requests the listing each row came from took (fleet:list
-- notes it): what re-reading a whole kind would cost (fleet/drift.lua).
M.listing_cost = setmetatable({}, { __mode = "k" })

local DAY = 86400

--- A plan from fleet rows (each with provider, kind, id). `order` gives
-- the providers' and kinds' order: { {provider, {kind, ...}}, ... }.
-- `opts`: `keep` (keep rules: a kept row is left out, in plan.kept with
-- its rule), `now` (the plan's time, epoch seconds; default os.time()),
-- `expires` (seconds it stays valid, default a day); a saved plan's `id`,
-- `made_at`, `expires_at` and `list_cost` when it is loaded again.
function M.new(rows, order, level, opts)
  level = (level or 1) + 1
  opts = opts or {}
  if type(rows) ~= "table" then error("fleet plan: expected a list of fleet rows, got " .. type(rows), level) end
  local drift = require "gpucloud.fleet.drift"
  local keep = require "gpucloud.fleet.keep"
  local rules = opts.keep
  if rules ~= nil and not keep.is(rules) then
    local err
    rules, err = keep.rules(rules)
    if not rules then error("fleet plan: " .. err, level) end
  end
  local rank = {}
  for pi, entry in ipairs(order) do
    for ki, kind in ipairs(entry[2]) do rank[entry[1] .. ":" .. kind] = pi * 100 + ki end
  end
  -- a thing whose $/h is the sum of others' (an endpoint's workers) is
  -- counted once, however many rows name it
  local groups, by_group, seen, add, group_add = {}, {}, {}, adder(), {}
  local made = opts.made_at or opts.now or os.time()
  local plan = setmetatable({ count = 0, cost_per_hour = 0, unknown_cost = 0, keys = {}, protected = {},
                              groups = groups, refused = {}, records = {}, kept = {}, made_at = made,
                              expires_at = opts.expires_at or (made + (opts.expires or DAY)),
                              id = opts.id or ("p-" .. os.date("!%Y%m%d-%H%M%S", math.floor(made)) .. "-"
                                .. require("gpucloud.files").random_hex(4)) }, Plan)
  for i = 1, #rows do
    local r = rows[i]
    if type(r) ~= "table" or type(r.provider) ~= "string" or type(r.kind) ~= "string" or r.id == nil then
      error(string.format("fleet plan: row %d is not a fleet row (provider, kind, id)", i), level)
    end
    local gk = r.provider .. ":" .. r.kind
    if not rank[gk] then error("fleet plan: row " .. i .. " is of an unknown kind " .. gk, level) end
    local key = M.key(r.provider, r.kind, r.id)
    local rule = not seen[key] and rules and rules:match(r)
    if rule then
      seen[key] = true
      plan.kept[#plan.kept + 1] = { key = key, rule = keep.says(rule) }
    end
    if not seen[key] and r.not_actionable then
      -- listed, and not deletable by its id: said, never sent
      seen[key] = true
      plan.refused[#plan.refused + 1] = { key = key, reason = tostring(r.not_actionable) }
    elseif not seen[key] then
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
      plan.records[key] = drift.record(r)
      g.list_cost = math.max(g.list_cost or 1, (opts.list_cost or {})[gk] or M.listing_cost[r] or 1)
      g.count = g.count + 1
      plan.count = plan.count + 1
      -- a sum holds only what money.per_hour takes (the adder asks it),
      -- and says how many it left out
      local v = add(r)
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

--- Whether the plan's time is up at `now` (epoch seconds).
function Plan:expired(now)
  return self.expires_at ~= nil and now > self.expires_at
end

--- plan:save(path): the plan as a JSON file a person can read and edit
-- down, for fleet:load_plan (fleet/saved.lua). Returns true, or nil, err.
function Plan:save(path)
  return require("gpucloud.fleet.saved").save(self, path)
end

local function kept_line(p)
  local t = {}
  for i, k in ipairs(p.kept) do t[i] = k.key .. " (" .. k.rule .. ")" end
  return "  kept: " .. table.concat(t, ", ")
end

Plan.__tostring = function(p)
  local lines = {}
  if p.count == 0 then
    lines[1] = "plan: nothing to delete"
  else
    lines[1] = string.format("plan: delete %d thing%s, saving %s%s", p.count, p.count == 1 and "" or "s",
      money.text(p.cost_per_hour),
      p.unknown_cost > 0 and string.format(" (%d without a known cost)", p.unknown_cost) or "")
  end
  for _, g in ipairs(p.groups) do
    local cost = "-"
    if g.unknown_cost < g.count then
      cost = money.text(g.cost_per_hour) .. (g.unknown_cost > 0 and string.format(" (+%d unknown)", g.unknown_cost)
        or "")
    end
    lines[#lines + 1] = string.format("  %-11s %-12s %5d  %s", g.provider, g.kind, g.count, cost)
  end
  for _, r in ipairs(p.refused) do
    lines[#lines + 1] = "  not deletable: " .. r.key .. " (" .. r.reason .. ")"
  end
  if #p.protected > 0 then
    lines[#lines + 1] = "  protected (deleted only with unprotect = true): " .. table.concat(p.protected, ", ")
  end
  if #p.kept > 0 then lines[#lines + 1] = kept_line(p) end
  return table.concat(lines, "\n")
end

--- What fleet:plan(rows) and rows:plan() return; `tostring(plan)` is what
-- would go, per provider and kind, and the $/h it saves.
-- @table Plan
-- @field count how many things (distinct keys)
-- @field cost_per_hour the $/h of those whose cost is known (finite, non-negative: gpucloud.money)
-- @field unknown_cost how many have no known cost (left out of the sum)
-- @field keys every "provider:kind:id", in delete order
-- @field protected the keys of those with deletion protection on
-- @field refused {key, reason} of rows whose id cannot be deleted (a row's not_actionable): never sent
-- @field groups {provider, kind, ids, keys, count, cost_per_hour, unknown_cost} each, in delete order
-- @field records {[key] = what selected it: state, status, workers, name, label, cost_per_hour}
-- @field kept {key, rule} each: rows a keep rule left out
-- @field id the plan's id; made_at, expires_at: epoch seconds

return M
