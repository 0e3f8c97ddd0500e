-- Rates for the cost rules (fleet/cost.lua): the one check every amount
-- passes (gpucloud.money's), the user's `prices` option, and the `price`
-- source: a rate from a table (the user's, else the provider's published
-- one, else one call's catalog) times how much of it a thing holds.
--
--   { price = "network_volume_gb_month",  the table: prices[provider][name]
--     published = $ | {key = $},        the provider's stated rates, used
--                                       where the user's table has none
--     catalog = { call = "list_gpu_types", key = "id", rate = fn(entry) -> v },
--                                       else one call per listing, its
--                                       entries' rates by their `key` field
--     -- how much (one of):
--     key = fn(raw) -> k | nil, why,    one rate (the table's entry k; no
--     times = fn(raw) -> n,               key: the table is the rate) x n
--     size = fn(raw) -> GB | nil, why,  $ per GB-month x GB / `month` hours
--     month = 730,                        (key too: a rate per tier)
--     parts = fn(row) -> {{k, n}, ...} | nil, why }
--                                       the sum of each part's rate x n
--                                       (an endpoint's workers' GPUs)

local args = require "gpucloud.args"
local money = require "gpucloud.money"

local M = {}

local format = string.format

M.HOURS_A_MONTH = 730 -- 365 x 24 / 12

--- An amount as gpucloud.money takes it, or nil and why, naming `what`.
function M.amount(v, what)
  local amount, why = money.per_hour(v)
  if amount == nil then return nil, what .. " is " .. why end
  return amount
end

--- The fleet's `prices` option: {provider = {name = $ | {key = $}}}, every
-- amount one gpucloud.money takes; raises (misuse) otherwise.
function M.check(where, name, v, level)
  local function problem()
    if type(v) ~= "table" then return name, "is not a table" end
    for provider, t in pairs(v) do
      if type(provider) ~= "string" or type(t) ~= "table" then return tostring(provider), "is not a table" end
      for tname, x in pairs(t) do
        local path = provider .. "." .. tostring(tname)
        local amounts = type(x) == "table" and x or { [""] = x }
        for k, y in pairs(amounts) do
          local _, why = money.per_hour(y)
          if why then return path .. (k ~= "" and ("[" .. tostring(k) .. "]") or ""), "is " .. why end
        end
      end
    end
  end
  local path, what = problem()
  if path then
    error(format("%s: '%s' must be {provider = {table = amount or {key = amount}}}: %s %s", where, name, path, what),
      level + 1)
  end
  return v
end

local function shown(k) return k == nil and "" or format("[%q]", tostring(k)) end

-- One call's entries as rates by key: {k = {rate} or {nil, why}}, or nil
-- and why the call failed; asked once per listing (ctx.catalogs).
local function catalog(c, ctx, client)
  local got = ctx.catalogs[c.call]
  if not got then
    local entries, err = client[c.call](client)
    got = { by = {}, err = entries == nil and format("%s failed: %s", c.call, tostring(err)) or nil }
    for _, e in ipairs(entries or {}) do
      local k = type(e) == "table" and e[c.key] or nil
      if k ~= nil then
        local rate, why = M.amount(c.rate(e), format("%s%s's rate", c.call, shown(k)))
        got.by[k] = { rate, why }
      end
    end
    ctx.catalogs[c.call] = got
  end
  return got
end

-- The rate of `k` (nil: the table is the rate): rate, whence | nil, why.
local function rate_of(src, k, ctx, provider, client)
  local where = format("prices.%s.%s", provider, src.price)
  local own = ctx.prices[provider] and ctx.prices[provider][src.price]
  local v = own
  if type(own) == "table" then v = k ~= nil and own[k] or nil end
  if v ~= nil then return v, "price table " .. where .. (type(own) == "table" and shown(k) or "") end
  local pub = src.published
  if type(pub) == "table" then v = k ~= nil and pub[k] or nil else v = pub end
  if v ~= nil then return v, "published rate " .. where .. (type(pub) == "table" and shown(k) or "") end
  if src.catalog and k ~= nil then
    local got = catalog(src.catalog, ctx, client)
    if got.err then return nil, got.err end
    local e = got.by[k]
    if e and e[1] ~= nil then return e[1], format("catalog %s%s", src.catalog.call, shown(k)) end
    return nil, e and e[2] or format("%s has no rate for %s", src.catalog.call, tostring(k))
  end
  if own == nil and pub == nil then return nil, format("no %s in the fleet's prices option", where) end
  return nil, format("%s has no price for %s", where, tostring(k))
end

-- How much of a rate a thing holds, as a provider's function says: a
-- number, or nil and why (its sign is the final check's: fleet/cost.lua).
local function quantity(v, what)
  if type(v) == "number" and v == v then return v end
  return nil, what .. " is not a number: " .. args.describe(v)
end

-- A provider's function of the record, as a quantity: number | nil, why.
local function measure(fn, raw, what)
  local v, why = fn(raw)
  if v == nil then return nil, why end
  return quantity(v, what)
end

-- A checked rate: rate, whence | nil, why.
local function rate(src, k, ctx, provider, client)
  local v, whence = rate_of(src, k, ctx, provider, client)
  if v == nil then return nil, whence end
  local amount, bad = M.amount(v, whence)
  if amount == nil then return nil, bad end
  return amount, whence
end

--- The `price` source for one row: $/h, whence | nil, why (checked again
-- by the evaluator, like every source's).
function M.price(src, raw, ctx, provider, client, row)
  if src.parts then
    local parts, why = src.parts(row)
    if parts == nil then return nil, why end
    local sum, whence = 0, {}
    for i, p in ipairs(parts) do
      local n, bad = quantity(p[2], "part " .. i .. "'s count")
      if n == nil then return nil, bad end
      local r, w = rate(src, p[1], ctx, provider, client)
      if r == nil then return nil, w end
      sum, whence[#whence + 1] = sum + r * p[2], format("%s x %s", w, tostring(p[2]))
    end
    return sum, #parts == 0 and "nothing that bills" or table.concat(whence, " + ")
  end
  -- what the row lacks first: a table cannot help a row without a size
  local k, size, why
  if src.key then
    k, why = src.key(raw)
    if k == nil then return nil, why end
  end
  if src.size then
    size, why = measure(src.size, raw, "its size")
    if size == nil then return nil, why end
  end
  local r, whence = rate(src, k, ctx, provider, client)
  if r == nil then return nil, whence end
  if size then
    local month = src.month or M.HOURS_A_MONTH
    return r * size / month, format("%s x %s GB / %d h", whence, tostring(size), month)
  end
  local n = 1
  if src.times then
    n, why = measure(src.times, raw, "its count")
    if n == nil then return nil, why end
  end
  return r * n, whence .. (n ~= 1 and format(" x %s", tostring(n)) or "")
end

return M
