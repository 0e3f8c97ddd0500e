-- What each fleet row costs per hour, and how old it is, or why that is
-- not known. Each provider's fleet.lua says where a kind's $/h comes from,
-- as data (`cost`, a list of sources tried in order); this file is the one
-- evaluator, and the one place `cost_per_hour` and `cost_unknown` are made:
-- every amount is checked here by gpucloud.money's one rule (finite, >= 0,
-- no absurd price), so a bad answer leaves a cost unknown, never 0 and never
-- negative.
--
-- Sources (each may have `when = fn(raw) -> bool`: it applies only then):
--   { field = "dph_total" }           a number of the answer, $/h; a dotted
--                                     name reads nested objects
--                                     ("instance_type.price_cents_per_hour");
--                                     `read = fn(v) -> number | nil, why`
--                                     converts the wire's unit or form
--   { fixed = 0 }                     a rate the rule knows (a terminated
--                                     thing bills nothing)
--   { quote = "get_storage_quote", arg = fn(raw) -> v | nil, why,
--     read = "hourly_rate" }          a call of the client, once per distinct
--                                     arg in a listing; a numeric `read`
--                                     field of its answer, $/h
--   { price = "instance_types", ... } a rate from a table (the user's
--                                     `prices` option, the provider's
--                                     published rates, a catalog call) times
--                                     a count, a size or parts: fleet/rates.lua
--   { derive = fn(row) -> keys | nil, why, needs = {kind, ...} }
--                                     the sum of those rows' $/h (rows of the
--                                     same listing; `needs` are listed for it
--                                     when not asked for); a plan counts each
--                                     underlying thing once (cost_parts)
--   { none = "why" | fn(raw) -> why } never known here: the reason
-- `source_note` on a source is added to cost_source (a unit's caveat).
-- Whatever a source makes passes gpucloud.money's check (rates.amount)
-- before it is a row's cost: a provider's function cannot make -1 a price.
--
-- A kind may also have `age_unknown` (why, when created_at is absent) and
-- `next_cost = { call = method, match = field, key = fn(raw) -> id,
-- apply = fn(raw, entry, cost) -> $/h | nil, why, starts = fn(entry) }`:
-- one call per listing whose entries, matched to rows, give the $/h after a
-- pending price change (next_cost_per_hour, next_cost_starts).

local rates = require "gpucloud.fleet.rates"

local M = {}

local format = string.format

--- An amount of money as gpucloud accepts it (gpucloud.money.per_hour):
-- returns it, or nil and why not, naming `what`.
M.money = rates.amount
local money = M.money

--- The fleet's `prices` option checked (fleet/rates.lua): raises on misuse.
M.check_prices = rates.check

-- A field of the answer; a dotted name reads nested objects.
local function field_of(raw, name)
  local v = raw
  for part in name:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    v = v[part]
  end
  return v
end

local function describe(v)
  if type(v) == "table" then
    local ok, json = pcall(require, "gpucloud.json")
    local text = ok and json.encode(v) or "a table"
    return #text > 80 and (text:sub(1, 80) .. "...") or text
  end
  return tostring(v)
end

------------------------------------------------------------------------
-- One source

local TRY = {}

function TRY.field(src, raw)
  local v = field_of(raw, src.field)
  if v == nil then return nil, "the answer has no " .. src.field end
  if src.read then
    local got, why = src.read(v)
    if got == nil then return nil, src.field .. " " .. (why or ("cannot be read: " .. describe(v))) end
    v = got
  end
  local amount, why = money(v, src.field)
  if amount == nil then return nil, why end
  return amount, "field " .. src.field
end

function TRY.fixed(src)
  return src.fixed, format("$%s/h by rule", tostring(src.fixed))
end

TRY.price = rates.price

function TRY.quote(src, raw, ctx, _, client)
  local arg, why = src.arg(raw)
  if arg == nil then return nil, why end
  local id = src.quote .. "\0" .. tostring(arg)
  local got = ctx.quotes[id]
  if not got then
    local answer, err = client[src.quote](client, arg)
    got = { answer, err }
    ctx.quotes[id] = got
  end
  local answer, err = got[1], got[2]
  if answer == nil then return nil, format("%s(%s) failed: %s", src.quote, tostring(arg), tostring(err)) end
  local v = field_of(answer, src.read)
  if v == nil then
    return nil, format("%s(%s) answered no %s: %s", src.quote, tostring(arg), src.read, describe(answer))
  end
  local amount, bad = money(v, format("%s(%s).%s", src.quote, tostring(arg), src.read))
  if amount == nil then return nil, bad end
  return amount, format("quote %s(%s)", src.quote, tostring(arg))
end

function TRY.none(src, raw)
  if type(src.none) == "function" then return nil, src.none(raw) end
  return nil, src.none
end

local function kind_of(src)
  for _, k in ipairs { "field", "fixed", "price", "quote", "none", "derive" } do
    if src[k] ~= nil then return k end
  end
  error("fleet cost: a cost source needs field, fixed, price, quote, derive or none", 3)
end

-- Try the sources from `first` on; stops at a derive (done after every
-- kind is listed). Sets the row's fields; returns whether a derive waits.
local function evaluate(row, sources, first, ctx, provider, client, reasons)
  for i = first, #sources do
    local src = sources[i]
    if not src.when or src.when(row.raw) then
      local k = kind_of(src)
      if k == "derive" then
        row.cost_pending = i
        return true
      end
      local made, why = TRY[k](src, row.raw, ctx, provider, client, row)
      -- the one check, whatever the source made (a product, a sum, a conversion)
      local amount, bad = made, why
      if made ~= nil then amount, bad = money(made, "its $/h (" .. tostring(why) .. ")") end
      if amount ~= nil then
        row.cost_per_hour, row.cost_source = amount, why .. (src.source_note and ("; " .. src.source_note) or "")
        row.cost_unknown = nil
        return false
      end
      reasons[#reasons + 1] = tostring(bad)
    end
  end
  row.cost_per_hour = nil
  row.cost_unknown = #reasons > 0 and table.concat(reasons, "; ") or "no cost rule applies"
  return false
end

------------------------------------------------------------------------
-- A listing

--- The state one listing shares: the user's prices, the quotes and
-- catalogs asked. `opts.next_cost = false`: no pending price changes (a
-- delete's re-read compares what selected a thing, not what comes next).
function M.context(prices, opts)
  return { prices = prices or {}, quotes = {}, catalogs = {}, next_cost = not (opts and opts.next_cost == false) }
end

-- The pending price changes of a kind's rows: one call, matched by id.
local function next_costs(client, kind, rows)
  local nc = kind.next_cost
  local entries, whole = client[nc.call](client)
  if entries == nil then
    for _, row in ipairs(rows) do
      row.next_cost_unknown = format("%s failed: %s", nc.call, tostring(whole))
    end
    return
  end
  local by_id = {}
  for _, e in ipairs(entries) do
    if e[nc.match] ~= nil then by_id[e[nc.match]] = e end
  end
  local cut = type(whole) == "table" and whole.truncated == true
  for _, row in ipairs(rows) do
    local e = by_id[nc.key(row.raw)]
    if e then
      local v, why = nc.apply(row.raw, e, row.cost_per_hour)
      local amount, bad = v, why
      if v ~= nil then amount, bad = money(v, "the next $/h") end
      if amount ~= nil then
        row.next_cost_per_hour, row.next_cost_starts, row.next_cost_note = amount, nc.starts(e), why
      else
        row.next_cost_unknown = bad
      end
    elseif cut then
      row.next_cost_unknown = nc.call .. " answered a truncated list: a pending change may be missing"
    end
  end
end

--- One record against a kind's cost rule, as a listing prices it (a
-- derivation aside): $/h, cost_source | nil, cost_unknown. opts:
-- `provider`, `client` (for quotes and catalogs), `prices`, `row` (the
-- fields a refinement adds).
function M.rate(kind, raw, opts)
  opts = opts or {}
  local row = opts.row or {}
  row.raw = raw
  evaluate(row, kind.cost or {}, 1, M.context(opts.prices), opts.provider or "?", opts.client, {})
  if row.cost_pending then return nil, "derived from other rows" end
  return row.cost_per_hour, row.cost_per_hour ~= nil and row.cost_source or row.cost_unknown
end

--- Price and date a kind's rows, just listed by `client` (a task's).
function M.listed(client, provider, kind, rows, ctx)
  for _, row in ipairs(rows) do
    if row.created_at == nil then
      row.age_unknown = kind.age_unknown
        or (type(kind.created_at) == "string" and ("the answer has no " .. kind.created_at))
        or "no creation time in the answer"
    end
    evaluate(row, kind.cost or { { none = "no cost rule for this kind" } }, 1, ctx, provider, client, {})
  end
  if kind.next_cost and ctx.next_cost and #rows > 0 then next_costs(client, kind, rows) end
end

--- The listing jobs derived costs need that `jobs` (fleet:list's) lack:
-- each `needs` of a selected kind's sources, transitively, where the
-- client can list it (`listable(entry)`: its kind names).
function M.helper_jobs(jobs, listable)
  local have, out = {}, {}
  for _, job in ipairs(jobs) do have[job.entry.provider .. ":" .. job.name] = true end
  local i = 1
  local all = {}
  for _, job in ipairs(jobs) do all[#all + 1] = job end
  while i <= #all do
    local job = all[i]
    local can = {}
    for _, k in ipairs(listable(job.entry)) do can[k] = true end
    for _, src in ipairs(job.kind.cost or {}) do
      for _, k in ipairs(src.needs or {}) do
        local full = job.entry.provider .. ":" .. k
        if can[k] and not have[full] then
          have[full] = true
          local extra = { entry = job.entry, name = k, kind = job.entry.map.kinds[k] }
          out[#out + 1] = extra
          all[#all + 1] = extra
        end
      end
    end
    i = i + 1
  end
  return out
end

-- A derived row's sum over the rows it names, resolved depth first.
local function resolve(row, index, kinds, visiting)
  if not row.cost_pending then return end
  if visiting[row] then
    row.cost_pending, row.cost_unknown = nil, "its cost is derived from itself"
    return
  end
  visiting[row] = true
  local src = kinds[row.provider][row.kind].cost[row.cost_pending]
  row.cost_pending = nil
  local keys, why = src.derive(row)
  if keys == nil then
    row.cost_unknown = why
    return
  end
  local sum, parts, missing = 0, {}, {}
  for _, key in ipairs(keys) do
    local part = index[key]
    if not part then
      missing[#missing + 1] = key .. " is not listed"
    else
      resolve(part, index, kinds, visiting)
      if part.cost_per_hour == nil then
        missing[#missing + 1] = key .. ": " .. tostring(part.cost_unknown)
      elseif part.cost_parts then
        for k, v in pairs(part.cost_parts) do
          if parts[k] == nil then sum, parts[k] = sum + v, v end
        end
      elseif parts[key] == nil then
        sum, parts[key] = sum + part.cost_per_hour, part.cost_per_hour
      end
    end
  end
  visiting[row] = nil
  if #missing > 0 then
    row.cost_per_hour, row.cost_unknown = nil, (src.why or "derived from other things") .. ": "
      .. table.concat(missing, "; ", 1, math.min(#missing, 3))
      .. (#missing > 3 and format("; and %d more", #missing - 3) or "")
    return
  end
  row.cost_per_hour, row.cost_parts = sum, parts
  row.cost_source = format("derived: the sum of %d thing%s' $/h%s", #keys, #keys == 1 and "" or "s",
    src.source_note and ("; " .. src.source_note) or "")
  row.cost_unknown = nil
end

--- After every kind is listed: derived costs, over `rows` and the rows
-- listed only for them (`extra`). `kinds`: {provider = {kind = def}}.
function M.finish(rows, extra, kinds)
  local index = {}
  for _, list in ipairs { rows, extra or {} } do
    for _, r in ipairs(list) do index[r.key] = r end
  end
  for _, list in ipairs { rows, extra or {} } do
    for _, r in ipairs(list) do resolve(r, index, kinds, {}) end
  end
end

------------------------------------------------------------------------
-- Sums

--- An adder of rows' $/h that counts each underlying thing once (a
-- derived row's parts, or the row itself): add(row) -> the $/h it added
-- (0 when its parts were counted already) and, with `next_too`, its $/h
-- once a pending price change starts; nil when its cost is unknown.
function M.adder()
  local counted = {}
  return function(row, next_too)
    -- a row made by hand is held to the same rule as a listed one
    local own = money(row.cost_per_hour, "")
    if own == nil then return nil end
    local next_rate = money(row.next_cost_per_hour, "")
    if row.cost_parts then
      for _, v in pairs(row.cost_parts) do
        if money(v, "") == nil then return nil end
      end
      local now_sum = 0
      for k, v in pairs(row.cost_parts) do
        if not counted[k] then
          counted[k] = true
          now_sum = now_sum + v
        end
      end
      return now_sum, now_sum
    end
    if row.key ~= nil then
      if counted[row.key] then return 0, 0 end
      counted[row.key] = true
    end
    return own, (next_too and next_rate) or own
  end
end

--- Totals of fleet rows: {now ($/h of those known), after ($/h once the
-- pending price changes have started), unknown (how many have no known
-- cost), changes (how many have a pending change), next_unknown (how many
-- could not be checked for one), reasons ({why = count})}.
function M.totals(rows)
  local add = M.adder()
  local t = { now = 0, after = 0, unknown = 0, changes = 0, next_unknown = 0, reasons = {} }
  for _, r in ipairs(rows) do
    local now_v, after_v = add(r, true)
    if now_v == nil then
      t.unknown = t.unknown + 1
      local why = r.cost_unknown or "unknown"
      t.reasons[why] = (t.reasons[why] or 0) + 1
    else
      t.now, t.after = t.now + now_v, t.after + after_v
    end
    if r.next_cost_per_hour then t.changes = t.changes + 1 end
    if r.next_cost_unknown then t.next_unknown = t.next_unknown + 1 end
  end
  return t
end

return M
