-- Vast.ai's money rows, what rows cannot say: the day range charges and
-- invoices are asked for, and how each answer is read (amounts as
-- numbers, a charge's `source` as the thing it bills, items recursively,
-- price increases from $ per second to $ per hour). The wire: docs/vast.md
-- "Charges, invoices, price increases".

local json = require "gpucloud.json"
local times = require "gpucloud.times"

local M = {}

local floor, format = math.floor, string.format
local DAY = 86400

--- A day as epoch seconds: a number (any second of it), or "YYYY-MM-DD"
-- (UTC). Returns the epoch second, or nil.
function M.epoch(v)
  if type(v) == "number" then
    if v ~= v or v < 0 or v >= 2 ^ 40 then return nil end
    return v
  end
  return times.day(v)
end

--- The first and last second of the UTC days `from` and `to` fall on.
function M.whole_days(from, to)
  return floor(from / DAY) * DAY, floor(to / DAY) * DAY + DAY - 1
end

local WANT_DAY = "an epoch second or \"YYYY-MM-DD\" (UTC)"

-- {from =, to =[, <name> = list]} -> the select_filters object, both days
-- required and widened to whole UTC days (charges are kept per day: a part
-- of one is not a range the server knows); `column` is the filter's name.
local function range_check(column, what, extra, extra_values)
  local want = "a table {from =, to =" .. (extra and (", " .. extra .. " =") or "") .. "}"
  return function(t)
    if type(t) ~= "table" then return nil, want end
    for k in pairs(t) do
      if k ~= "from" and k ~= "to" and k ~= extra then
        return nil, want, format("unknown field %s (%s)", tostring(k), want)
      end
    end
    if t.from == nil or t.to == nil then
      return nil, want, what .. ": both from and to are required (the server refuses a range without either)"
    end
    local from, to = M.epoch(t.from), M.epoch(t.to)
    if not from or not to then return nil, want, "from and to must each be " .. WANT_DAY end
    local gte, lte = M.whole_days(from, to)
    if gte > lte then return nil, want, "from is a day after to" end
    local f = json.object { [column] = json.object { gte = gte, lte = lte } }
    if t[extra] ~= nil then
      local list = type(t[extra]) == "string" and { t[extra] } or t[extra]
      if type(list) ~= "table" or #list == 0 then
        return nil, want, extra .. " must be a name or a non-empty list of them"
      end
      for _, v in ipairs(list) do
        if not extra_values[v] then
          return nil, want, format("%s may not be %s", extra, type(v) == "string" and format("%q", v) or tostring(v))
        end
      end
      f[extra] = json.object { ["in"] = json.array(list) }
    end
    return f
  end
end

--- show_charges' argument: {from =, to =[, type =]}.
M.charges_range = range_check("day", "charges", "type", { instance = true, volume = true, serverless = true })

--- show_invoices' argument: {from =, to =[, service =]}.
M.invoices_range = range_check("when", "invoices", "service", {
  transfer = true, stripe_payments = true, bitpay = true, coinbase = true, ["crypto.com"] = true,
  instance_prepay = true, paypal_manual = true, wise_manual = true,
})

-- A money field as a number: JSON numbers as they are, numeric text read;
-- anything else refuses the answer.
local function amount(v, name)
  if type(v) == "string" then v = tonumber(v) end
  if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
    return nil, name .. " is not a number"
  end
  return v
end

-- What a charge's `source` names ("instance-123", "volume-7",
-- "endpoint-5", "workergroup-9"): kind and id; nil for none.
function M.source(s)
  if type(s) ~= "string" then return nil end
  local kind, id = s:match("^(%a[%w_]*)%-(%d+)$")
  if not kind then return nil end
  return kind, tonumber(id)
end

--- One charge (or item of one), read: `amount`, `start`, `end` numbers;
-- `provider`, `kind`, `id`, `key` from `source` when it names a thing;
-- `items` read the same way, however deep.
function M.charge(c, depth)
  depth = depth or 0
  if type(c) ~= "table" then return nil, "a charge is not an object" end
  if depth > 8 then return nil, "items nested deeper than 8" end
  local a, why = amount(c.amount, "amount")
  if a == nil then return nil, why end
  c.amount = a
  for _, f in ipairs { "start", "end" } do
    if c[f] ~= nil then
      local v, w = amount(c[f], f)
      if v == nil then return nil, w end
      c[f] = v
    end
  end
  local kind, id = M.source(c.source)
  if kind then
    c.provider, c.kind, c.id = "vast", kind, id
    -- (the fleet's key rule, loaded when a charge names a thing: a
    -- command of the vast client alone loads no fleet)
    c.key = require("gpucloud.fleet.plan").key("vast", kind, id)
  end
  if c.items ~= nil then
    if not json.is_array(c.items) then return nil, "items is not a list" end
    for i, item in ipairs(c.items) do
      local v, w = M.charge(item, depth + 1)
      if v == nil then return nil, "item " .. i .. ": " .. w end
      c.items[i] = v
    end
  end
  return c
end

--- One invoice, read: `amount` a number (negative for charges, positive
-- for transfers and payouts: the server's signs, kept).
function M.invoice(v)
  if type(v) ~= "table" then return nil, "an invoice is not an object" end
  local a, why = amount(v.amount, "amount")
  if a == nil then return nil, why end
  v.amount = a
  return v
end

local HOUR, MONTH = 3600, 2592000 -- the CLI's 30-day month

--- One pending price increase, read: its $/s fields stay as sent, and
-- each gets a per-hour (per GPU) or per-month (per GB) twin:
-- `old_/new_gpu_cost_per_hour`, `old_/new_disk_cost_per_gb_month`.
-- A `new_` field that is null (absent) means unchanged.
function M.price_increase(v)
  if type(v) ~= "table" then return nil, "a price increase is not an object" end
  for _, side in ipairs { "old", "new" } do
    for _, f in ipairs { { "gpu_costpersec", "gpu_cost_per_hour", HOUR }, { "disk_ram_costpersec",
        "disk_cost_per_gb_month", MONTH } } do
      local raw = v[side .. "_" .. f[1]]
      if raw ~= nil then
        local n, why = amount(raw, side .. "_" .. f[1])
        if n == nil then return nil, why end
        v[side .. "_" .. f[1]] = n
        v[side .. "_" .. f[2]] = n * f[3]
      end
    end
  end
  return v
end

return M
