-- RunPod's billing history as the simulator serves it: the fixture holds
-- day records per thing (`billing.pods`, `.serverless`, `.network_volumes`:
-- {startTime, <id field>, totalAmount, ...Amount}); a query is answered in
-- its buckets (an hour is a 24th of its day; a week, month or year sums its
-- days) over the window, snapped outwards to whole buckets as v2 says:
-- startTime/endTime (RFC 3339, default the last 30 days) or lastN buckets
-- ending with the current one, never both.

local json = require "gpucloud.json"
local common = require "gpucloud.providers.runpod.sim.common"
local times = require "gpucloud.times"

local M = {}

local problem = common.problem
local DAY, WEEK = 86400, 7 * 86400
local SIZES = { hour = 3600, day = DAY, week = WEEK }
local MONDAY = 4 * DAY -- 1970-01-05, the first Monday: weeks start on Mondays

-- The start of the bucket of `size` that holds t, and the end of one.
local function bucket_start(t, size)
  if size == "week" then return t - (t - MONDAY) % WEEK end
  if SIZES[size] then return t - t % SIZES[size] end
  local d = os.date("!*t", t)
  return times.days_from_civil(d.year, size == "year" and 1 or d.month, 1) * DAY
end

local function bucket_end(start, size)
  if SIZES[size] then return start + SIZES[size] end
  local d = os.date("!*t", start)
  local y, m = d.year + 1, 1
  if size == "month" then y, m = d.month == 12 and d.year + 1 or d.year, d.month % 12 + 1 end
  return times.days_from_civil(y, m, 1) * DAY
end

local function time(q, name)
  local v = q[name]
  if v == nil then return true end
  return times.is_rfc3339(v) and times.exact(v)
end

-- The window a query asks for -> start, end, size | nil, status, value, headers.
local function window(req)
  local q = req.query
  local size = q.bucketSize or "day"
  if not (SIZES[size] or size == "month" or size == "year") then
    return nil, problem(400, "bucketSize must be one of hour, day, week, month, year")
  end
  local now = req.now
  if q.lastN ~= nil then
    local n = q.lastN:match("^%d+$") and tonumber(q.lastN)
    if q.startTime or q.endTime then return nil, problem(400, "lastN cannot be combined with startTime or endTime") end
    if not n or n < 1 or n > 10000 then return nil, problem(400, "lastN must be a positive integer") end
    local stop = bucket_end(bucket_start(now, size), size)
    local start = stop
    for _ = 1, n do start = bucket_start(start - 1, size) end
    return start, stop, size
  end
  local s, e = time(q, "startTime"), time(q, "endTime")
  if not s or not e then return nil, problem(400, "startTime and endTime must be RFC 3339 times") end
  local start = bucket_start(s == true and now - 30 * DAY or s, size)
  local stop = e == true and now or e
  local last = bucket_start(stop, size)
  if last ~= stop then stop = bucket_end(last, size) end
  if start >= stop then return nil, problem(400, "startTime must be before endTime") end
  return start, stop, size
end

local function amounts(r)
  local out = {}
  for k, v in pairs(r) do
    if type(k) == "string" and k:match("Amount$") and type(v) == "number" then out[k] = v end
  end
  return out
end

local function add(into, from, share)
  for k, v in pairs(from) do into[k] = (into[k] or 0) + v * share end
end

-- One listing: its fixture records, the field naming the thing, the
-- metadata's count of distinct things.
local function listing(section, id_field, unique)
  return function(req)
    local start, stop, size, h = window(req)
    if not start then return stop, size, h end
    local want = req.query[id_field]
    local buckets, order = {}, {}
    local function put(b, id, amts, share)
      if b < start or b >= stop then return end
      local k = b .. " " .. id
      local rec = buckets[k]
      if not rec then
        rec = { b = b, id = id, amounts = {} }
        buckets[k] = rec
        order[#order + 1] = rec
      end
      add(rec.amounts, amts, share)
    end
    for _, r in ipairs(req.state.billing[section]) do
      local id, day = r[id_field], times.exact(r.startTime)
      if day and (want == nil or want == id) then
        if size == "hour" then
          for hour = 0, 23 do put(day + hour * 3600, id, amounts(r), 1 / 24) end
        else
          put(bucket_start(day, size), id, amounts(r), 1)
        end
      end
    end
    table.sort(order, function(a, b)
      if a.b ~= b.b then return a.b < b.b end
      return a.id < b.id
    end)
    local records, totals, ids, n = json.array(), {}, {}, 0
    for i, rec in ipairs(order) do
      local out = { startTime = times.rfc3339(rec.b), endTime = times.rfc3339(bucket_end(rec.b, size)),
                    [id_field] = rec.id }
      for k, v in pairs(rec.amounts) do out[k] = v end
      add(totals, rec.amounts, 1)
      if not ids[rec.id] then ids[rec.id], n = true, n + 1 end
      records[i] = out
    end
    return 200, { records = records, metadata = {
      query = { startTime = times.rfc3339(start), endTime = times.rfc3339(stop), bucketSize = size,
                [id_field] = want or json.null },
      recordCount = #records, [unique] = n, totals = json.object(totals),
    } }
  end
end

M.pods = listing("pods", "podId", "uniquePodCount")
M.serverless = listing("serverless", "serverlessId", "uniqueServerlessCount")
M.network_volumes = listing("network_volumes", "networkVolumeId", "uniqueNetworkVolumeCount")

function M.build(st, section)
  local b = type(section.billing) == "table" and section.billing or {}
  st.billing = {}
  for _, name in ipairs { "pods", "serverless", "network_volumes" } do
    st.billing[name] = type(b[name]) == "table" and b[name] or json.array()
  end
end

return M
