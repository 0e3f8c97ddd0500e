-- A list as a table for people: the columns a command names (its row's
-- `columns` and `fields`, in the provider's cli.lua), or those --columns
-- asks for (a field, or a dotted path into a nested object: "gpu.id");
-- times as ages or UTC dates, money with its unit, credentials <hidden>,
-- and a total line under a money column (the command may say how its
-- rows sum: the fleet counts each thing once). Scripts get the raw
-- values (-o json, jsonl, csv): nothing here changes a value, only its text.

local secrets = require "gpucloud.secrets"
local times = require "gpucloud.times"

local M = {}

local format, concat = string.format, table.concat

local MAX_CELL = 40   -- a cell longer than this is cut

local text = require "gpucloud.cli.text"
local list = require "gpucloud.list" -- (the screen's width: list.fit)

-- Money: at least 2 decimals, at most 3 ("$0.452", "$2.45", "$0.007",
-- "-$1.25").
local function money(v)
  local s = format("%.3f", math.abs(v)):gsub("(%.%d%d)0$", "%1")
  return (v < 0 and s:match("[1-9]") and "-$" or "$") .. s
end

--- An amount of money: a finite number, or one as decimal text ("0.74",
-- as RunPod sends its costs); nil for anything else.
function M.amount(v)
  if type(v) == "string" and (v:match("^%-?%d+%.?%d*$") or v:match("^%-?%.%d+$")) then v = tonumber(v) end
  if type(v) == "number" and v == v and v > -math.huge and v < math.huge then return v end
end
local amount = M.amount

-- Each format: the value's text, or nil to show it as it is.
local FORMATS = {
  age = function(v, now)
    local t = times.epoch(v)
    return t and times.age(math.max(0, now - t))
  end,
  date = function(v) return times.date(v) end,
  duration = function(v) return type(v) == "number" and times.age(v) or nil end,
  money = function(v) return amount(v) and money(amount(v)) end,
  -- a difference: its sign always shown
  ["+money"] = function(v)
    v = amount(v)
    return v and ((v > 0 and money(v):match("[1-9]") and "+" or "") .. money(v))
  end,
  ["money/h"] = function(v) return amount(v) and (money(amount(v)) .. "/h") end,
  -- a price per unit (per GB and month): money, never summed
  rate = function(v) return amount(v) and money(amount(v)) end,
  -- a price in cents (Lambda's price_cents_per_hour), shown in dollars
  ["cents/h"] = function(v) return amount(v) and (money(amount(v) / 100) .. "/h") end,
}
M.FORMATS = FORMATS
-- the formats a total line sums: an amount in them is money, and what is
-- not one is shown as unknown (-, or ?text) and counted, never summed as 0
local MONEY = { money = true, ["+money"] = true, ["money/h"] = true, ["cents/h"] = true }

--- An item's value of a column: its field, else the dotted path's value
-- ("instance_type.name": the name of the item's instance_type).
function M.get(item, field)
  if type(item) ~= "table" then return nil end
  local v = item[field]
  if v ~= nil or not field:find(".", 1, true) then return v end
  v = item
  for part in field:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    v = v[part]
  end
  return v
end
local get = M.get

-- A column of a credential: its field, or any part of its path ("env.X").
local function secret(field)
  if secrets.is_secret_name(field) then return true end
  for part in field:gmatch("[^.]+") do
    if secrets.is_secret_name(part) then return true end
  end
  return false
end

--- One cell's text.
function M.cell(col, v, now)
  -- no amount is unknown (-); in an optional column, nothing to say
  if v == nil then return MONEY[col.format] and not col.optional and "-" or "" end
  if secret(col.field) then return secrets.HIDDEN end
  local f = col.format and FORMATS[col.format]
  local s = f and f(v, now)
  -- not money where money is due: marked, not passed off as an amount
  if not s and MONEY[col.format] then s = "?" .. (text(v) or "") end
  if not s then
    local t = type(v)
    if t == "table" then
      s = (#v > 0 or next(v) == nil) and ("[" .. #v .. "]") or "{...}"
    else
      s = text(v) or tostring(v)
    end
  end
  s = s:gsub("%c", " ")
  -- a reason is read whole (`wide`); other long text is cut
  if #s > MAX_CELL and not col.wide then s = s:sub(1, MAX_CELL - 3) .. "..." end
  return s
end

--- The fields the items have, sorted.
function M.fields_of(items)
  local seen, names = {}, {}
  for i = 1, #items do
    local v = items[i]
    if type(v) == "table" then
      for k in pairs(v) do
        if type(k) == "string" and not seen[k] then
          seen[k] = true
          names[#names + 1] = k
        end
      end
    end
  end
  table.sort(names)
  return names, seen
end

-- A column: {field, title, format}, from the spec's `fields`.
local function column(spec, field)
  local f = spec.fields and spec.fields[field] or {}
  return { field = field, title = f[1] or field, format = f[2], optional = f.optional, wide = f.wide }
end

--- The columns to show: `wanted` (a list of fields or titles, or "all"),
-- else the spec's `columns`, else every field with the id first. Returns
-- the columns and whether they were chosen (not cut to the width), or nil
-- and the fields asked for that the items do not have.
function M.columns(items, spec, wanted)
  spec = spec or {}
  local names, seen = M.fields_of(items)
  local out, chosen = {}, true
  local by_title = {}
  for field, f in pairs(spec.fields or {}) do by_title[f[1]] = field end
  -- a dotted path is a column when some item has a value there
  local function has(field)
    if seen[field] then return true end
    if not field:find(".", 1, true) then return false end
    for i = 1, #items do
      if get(items[i], field) ~= nil then return true end
    end
    return false
  end
  if type(wanted) == "table" then
    local unknown = {}
    for _, w in ipairs(wanted) do
      local field = (has(w) or #items == 0) and w or by_title[w] or w
      if has(field) or #items == 0 then out[#out + 1] = column(spec, field) else unknown[#unknown + 1] = w end
    end
    if #unknown > 0 then return nil, unknown, names end
    return out, chosen
  end
  local used = {}
  local function add(field)
    if not used[field] then
      used[field] = true
      out[#out + 1] = column(spec, field)
    end
  end
  if spec.columns and wanted ~= "all" then
    for _, f in ipairs(spec.columns) do
      -- an optional column (a fleet row's idle_for) shows when some item has it
      if not (spec.fields and spec.fields[f] and spec.fields[f].optional) or has(f) then add(f) end
    end
    return out, chosen
  end
  for _, f in ipairs(spec.columns or {}) do add(f) end
  add(spec.id_field or "id")
  for _, f in ipairs(names) do
    if seen[f] then add(f) end
  end
  -- a column no item has (the id field of a list without one) goes
  for i = #out, 1, -1 do
    if not seen[out[i].field] then table.remove(out, i) end
  end
  return out, wanted == "all"
end

-- A money column's total: the sum of its amounts, how many have none
-- (nil: unknown, but nothing to add in an optional column) and how many
-- hold something that is not money.
local function plain_sum(items, col)
  local t = { sum = 0, unknown = 0, bad = 0 }
  for i = 1, #items do
    local v = get(items[i], col.field)
    local a = amount(v)
    if a then
      t.sum = t.sum + a
    elseif v == nil then
      if not col.optional then t.unknown = t.unknown + 1 end
    else
      t.bad = t.bad + 1
    end
  end
  return t
end

--- The table's text. `cols` from M.columns; `chosen`: show every column
-- (else stop at the screen's width and say how many were left out).
-- `sums(field, items)`, when given, totals a money column its own way:
-- {sum, unknown (how many have no known amount)[, why (where to read why
-- they have none), note]}, or nil for the plain sum.
function M.render(items, cols, chosen, now, sums)
  local n = #items
  if n == 0 then return "(empty list)" end
  if type(items[1]) ~= "table" then
    local cells = {}
    for i = 1, n do cells[i] = M.cell({ field = "" }, items[i], now) end
    return concat(cells, "\n")
  end
  now = now or os.time()
  local cells, totals = {}, {}
  -- (columns chosen by no one stop before the screen's width)
  local shown, shown_widths = list.fit(#cols, function(j)
    local col = cols[j]
    local w = #col.title
    cells[j] = {}
    for i = 1, n do
      local c = M.cell(col, get(items[i], col.field), now)
      cells[j][i] = c
      if #c > w then w = #c end
    end
    if MONEY[col.format] then
      totals[j] = sums and sums(col.field, items) or plain_sum(items, col)
      local t = totals[j]
      -- no known cost at all: no total, rather than a $0.00 that is not one
      t.text = (t.unknown or 0) + (t.bad or 0) >= n and "-" or FORMATS[col.format](t.sum)
      if #totals[j].text > w then w = #totals[j].text end
    end
    return w
  end, chosen)
  local function line(text_of)
    local texts = {}
    for k, j in ipairs(shown) do texts[k] = text_of(j) end
    return list.line(texts, shown_widths)
  end
  local lines = { line(function(j) return cols[j].title end) }
  for i = 1, n do lines[#lines + 1] = line(function(j) return cells[j][i] end) end
  local unknown, bad, notes, why, any_total = 0, 0, {}, nil, false
  for _, j in ipairs(shown) do
    local t = totals[j]
    if t then
      any_total = true
      unknown, bad = math.max(unknown, t.unknown or 0), math.max(bad, t.bad or 0)
      why = why or t.why
      if t.note and not notes[t.note] then
        notes[t.note] = true
        notes[#notes + 1] = t.note
      end
    end
  end
  if any_total then
    lines[#lines + 1] = line(function(j)
      if totals[j] then return totals[j].text end
      return j == shown[1] and "total" or ""
    end)
  end
  local hidden = #cols - #shown
  local left = {}
  if unknown > 0 then left[1] = format("%d without a cost", unknown) end
  if bad > 0 then left[#left + 1] = format("%d not money (?)", bad) end
  lines[#lines + 1] = format("(%d item%s%s%s%s)", n, n == 1 and "" or "s",
    #left > 0 and (", " .. concat(left, ", ") .. ", not in the total" .. (why and (": " .. why) or "")) or "",
    #notes > 0 and (", " .. concat(notes, ", ")) or "",
    hidden > 0 and format(", %d more column%s: --columns all", hidden, hidden == 1 and "" or "s") or "")
  return concat(lines, "\n")
end

--- Comma-separated values (RFC 4180): a header of the fields, then the
-- raw values (credentials <hidden>, tables as JSON).
function M.csv(items, cols, encode)
  local function quote(s)
    if s:find('[",\r\n]') then return '"' .. s:gsub('"', '""') .. '"' end
    return s
  end
  local lines, head = {}, {}
  for j, col in ipairs(cols) do head[j] = quote(col.field) end
  lines[1] = concat(head, ",")
  for i = 1, #items do
    local row = {}
    for j, col in ipairs(cols) do
      local v = get(items[i], col.field)
      if v ~= nil and secret(col.field) then v = secrets.HIDDEN end
      row[j] = quote(v == nil and "" or text(v) or encode(v))
    end
    lines[#lines + 1] = concat(row, ",")
  end
  return concat(lines, "\n")
end

return M
