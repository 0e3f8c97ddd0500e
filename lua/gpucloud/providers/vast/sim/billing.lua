-- Vast.ai's money as the simulator serves it (the wire: docs/vast.md):
-- charges that follow from the instances' and volumes' prices and
-- lifetimes, the past contracts' too (what was destroyed: here or in the
-- fixture's `past_contracts`), invoices, pending price increases. Time is
-- the request's `now` (the app's clock, or config `now`), never the wall
-- clock of its own.
--
-- A contract bills its rate from its start to its end (now, while it
-- lives), clipped to the asked days: an instance its `dph_total` while
-- running, its `storage_total_cost` while stopped or frozen; a volume its
-- `storage_total_cost`. Fixture flags: `_billed_extra` (dollars added to
-- its bill: an estimate and a bill that differ on purpose), `_unbilled:
-- true` (no charge yet).

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local wire = require "gpucloud.providers.vast.sim.wire"

local vast_error = wire.vast_error
local format, floor = string.format, math.floor

local M = {}

local STOPPED = { stopped = true, frozen = true }
local CHARGES_MAX, CHARGES_DEFAULT, INVOICES_DEFAULT = 500, 100, 60

local function round3(x) return floor(x * 1000 + 0.5) / 1000 end

-- What a live instance or volume bills per hour, and its parts.
local function instance_rate(inst)
  local disk = tonumber(inst.storage_total_cost) or 0
  if STOPPED[inst.actual_status] then return disk, 0, disk end
  local total = tonumber(inst.dph_total) or 0
  return total, total - disk, disk
end

--- A contract record for something that just ended (kept in
-- st.past_contracts, billed up to `ended`).
function M.ended(st, kind, thing, ended)
  local rate, gpu, disk
  if kind == "instance" then rate, gpu, disk = instance_rate(thing)
  else rate, gpu, disk = tonumber(thing.storage_total_cost) or 0, 0, tonumber(thing.storage_total_cost) or 0 end
  st.past_contracts[#st.past_contracts + 1] = {
    type = kind, id = thing.id, start = thing.start_date, ["end"] = ended, rate = rate, gpu = gpu, disk = disk,
    label = thing.label, _billed_extra = thing._billed_extra, _unbilled = thing._unbilled,
  }
end

-- Every contract: {type, id, start, end (nil: open), rate, gpu, disk, label, extra}.
local function contracts(st)
  local out = {}
  for _, inst in ipairs(st.instances) do
    local rate, gpu, disk = instance_rate(inst)
    out[#out + 1] = { type = "instance", id = inst.id, start = inst.start_date, rate = rate, gpu = gpu, disk = disk,
      label = inst.label, template_id = inst.template_id, extra = inst._billed_extra, unbilled = inst._unbilled }
  end
  for _, v in ipairs(st.volumes) do
    local rate = tonumber(v.storage_total_cost) or 0
    out[#out + 1] = { type = "volume", id = v.id, start = v.start_date, rate = rate, gpu = 0, disk = rate,
      label = v.label, extra = v._billed_extra, unbilled = v._unbilled }
  end
  for _, c in ipairs(st.past_contracts) do
    out[#out + 1] = { type = c.type, id = c.id, start = c.start, ["end"] = c["end"], rate = tonumber(c.rate) or 0,
      gpu = tonumber(c.gpu) or 0, disk = tonumber(c.disk) or tonumber(c.rate) or 0, label = c.label,
      extra = c._billed_extra, unbilled = c._unbilled }
  end
  return out
end

local function item(kind, hours, rate)
  return { type = kind, source = json.null, description = format("%.3f hours at $%.3f/hour", hours, rate),
    amount = round3(hours * rate), metadata = json.object(), items = json.array() }
end

-- The part of [from, to] a contract bills: s, e; nil when none.
local function billed_span(c, from, to, now)
  if c.unbilled or type(c.start) ~= "number" then return nil end
  local s = math.max(c.start, from)
  local e = math.min(c["end"] or now, to, now)
  if e <= s then return nil end
  return s, e
end

-- One contract's charge over its billed span s..e.
local function charge(c, s, e)
  local hours = (e - s) / 3600
  local items = json.array()
  if c.gpu > 0 then items[#items + 1] = item("gpu", hours, c.gpu) end
  if c.disk > 0 then items[#items + 1] = item("disk", hours, c.disk) end
  local meta = json.object { label = type(c.label) == "string" and c.label or nil, template_id = c.template_id }
  local days = (e - s) / 86400
  return {
    start = s, ["end"] = e, type = c.type, source = format("%s-%d", c.type, c.id),
    description = format("%s %d Charges - %.1f days", c.type == "instance" and "Instance" or "Volume", c.id, days),
    amount = round3(hours * c.rate + (tonumber(c.extra) or 0)), metadata = meta, items = items,
  }
end

-- A page token: the offset and a signature of the filters it belongs to
-- (the server refuses a token with other filters).
local function signature(text)
  local h = 7
  for i = 1, #text do h = (h * 31 + text:byte(i)) % 1000000007 end
  return format("%x", h)
end

-- Page `list` by the query's limit and after_token -> page, next | nil, status, body.
local function page_of(list, q, default, max)
  local limit = default
  if q.limit ~= nil then
    limit = tonumber(q.limit)
    if not limit or limit < 1 or limit ~= floor(limit) then
      return nil, vast_error(400, "invalid_args", "limit must be a positive integer")
    end
    if max then limit = math.min(limit, max) end
  end
  local sig = signature((q.select_filters or "") .. "|" .. tostring(q.latest_first))
  local from = 0
  if q.after_token ~= nil then
    local off, s = q.after_token:match("^o(%x+)%.(%x+)$")
    if not off or s ~= sig then
      return nil, vast_error(400, "invalid_token", "Invalid pagination token")
    end
    from = tonumber(off, 16)
  end
  local page = json.array()
  for i = from + 1, math.min(from + limit, #list) do page[#page + 1] = list[i] end
  local nxt = from + limit < #list and format("o%x.%s", from + limit, sig) or json.null
  return page, nxt
end

-- select_filters -> the table, or nil.
local function filters_of(q)
  local f = q.select_filters and values.decode(q.select_filters)
  if type(f) ~= "table" or json.is_array(f) then return nil end
  return f
end

local function range(f, column)
  local c = f and f[column]
  if type(c) ~= "table" or type(c.gte) ~= "number" or type(c.lte) ~= "number" then return nil end
  return c.gte, c.lte
end

-- Every contract the query bills, sorted, as {c, s, e}; the same list for
-- each page of a listing while nothing changed, each charge made when its
-- page is asked for (a listing of thousands is one light computation, not
-- one a page: the one worker that serves every request must not keep the
-- other requests waiting past the rate limiter's grace).
local function charges_of(req, f, gte, lte)
  local q = req.query
  local id = table.concat({ q.select_filters, tostring(q.latest_first), req.now, req.writes or "" }, "|")
  local cached = req.state._charges
  if cached and cached.id == id then return cached.list end
  local types = type(f.type) == "table" and type(f.type["in"]) == "table" and f.type["in"] or nil
  local wanted = {}
  for _, t in ipairs(types or {}) do wanted[t] = true end
  local out = {}
  for _, c in ipairs(contracts(req.state)) do
    if not types or wanted[c.type] then
      local s, e = billed_span(c, gte, lte + 1, req.now)
      if s then out[#out + 1] = { c = c, s = s, e = e } end
    end
  end
  local latest = q.latest_first ~= "false"
  table.sort(out, function(a, b)
    if a.s ~= b.s then
      if latest then return a.s > b.s end
      return a.s < b.s
    end
    if a.c.type ~= b.c.type then return a.c.type < b.c.type end
    return a.c.id < b.c.id
  end)
  req.state._charges = { id = id, list = out }
  return out
end

local function list_charges(req)
  local f = filters_of(req.query)
  local gte, lte = range(f, "day")
  if not gte then
    return 400, { success = false, msg = "Must provide both 'day' gte and lte filters for instance charges" }
  end
  local out = charges_of(req, f, gte, lte)
  local page, nxt, body = page_of(out, req.query, CHARGES_DEFAULT, CHARGES_MAX)
  if not page then return nxt, body end
  for i, r in ipairs(page) do
    r.charge = r.charge or charge(r.c, r.s, r.e)
    page[i] = r.charge
  end
  return 200, { success = true, count = #page, total = #out, next_token = nxt, results = page }
end

local function list_invoices(req)
  local f = filters_of(req.query)
  local gte, lte = range(f, "when")
  if not gte then
    -- a 200, as the service answers it
    return 200, { success = false, error = "Invalid date range", count = 0, total = 0, results = json.array(),
      next_token = json.null }
  end
  local out = {}
  for _, v in ipairs(req.state.invoices) do
    if type(v.start) == "number" and v.start >= gte and v.start <= lte then out[#out + 1] = v end
  end
  table.sort(out, function(a, b) return a.start > b.start end)
  local page, nxt, body = page_of(values.public_list(out), req.query, INVOICES_DEFAULT)
  if not page then return nxt, body end
  return 200, { success = true, count = #page, total = #out, next_token = nxt, results = page }
end

-- The pending increases of instances that still exist.
local function pending_increases(req)
  local live = {}
  for _, inst in ipairs(req.state.instances) do live[inst.id] = true end
  local out = {}
  for _, p in ipairs(req.state.pending_price_increases) do
    if live[p.contract_id] then out[#out + 1] = p end
  end
  return 200, { success = true, count = #out, truncated = false, pending_price_increases = values.public_list(out) }
end

-- Fixed paths: before instances.lua's /api/v0/instances/{id}/.
M.routes = {
  { "GET", "/api/v0/charges/", list_charges, auth = "console", rate = 1.0 },
  { "GET", "/api/v1/invoices/", list_invoices, auth = "console", rate = 3.0 },
  { "GET", "/api/v0/instances/pending-price-increases/", pending_increases, auth = "console" },
}

--- Add the fixture's money lists to a state.
function M.build(section, st, fixture)
  st.past_contracts = fixture.list(section, "past_contracts", "vast")
  st.invoices = fixture.list(section, "invoices", "vast")
  st.pending_price_increases = fixture.list(section, "pending_price_increases", "vast")
end

function M.snapshot(st, out)
  out.past_contracts = json.array(st.past_contracts)
  out.invoices = json.array(st.invoices)
  out.pending_price_increases = json.array(st.pending_price_increases)
  return out
end

return M
