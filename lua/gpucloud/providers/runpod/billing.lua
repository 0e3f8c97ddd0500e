-- What RunPod billed, per thing and time bucket, for the fleet's cost
-- report: its three billing listings (pods, serverless endpoints, network
-- volumes) as one list of charges. A record that is not a charge (an
-- amount that is not a finite number >= 0, a time or an id that cannot be
-- read) fails the whole: a cost report must not leave out what it did not
-- understand.

local args = require "gpucloud.args"
local checks = require "gpucloud.providers.runpod.checks"
local errors = require "gpucloud.errors"
local money = require "gpucloud.money"
local times = require "gpucloud.times"

local M = {}

local format = string.format

-- Each listing, the fleet kind its records are charges of, and the field
-- that names the thing.
M.CALLS = {
  { op = "billing_pods", kind = "pod", id = "podId" },
  { op = "billing_serverless", kind = "endpoint", id = "serverlessId" },
  { op = "billing_network_volumes", kind = "volume", id = "networkVolumeId" },
}

local BY_OP = {}
for _, c in ipairs(M.CALLS) do BY_OP[c.op] = c end

--- What is wrong with the records of billing listing `op` (a row name), or
-- nil. They have no id of their own (the rows say id_field = false: one
-- thing is named once per bucket), but one thing in one bucket twice is
-- the server repeating itself, and a cost report would count it twice.
function M.repeated(op, records)
  local c = BY_OP[op]
  if not c then return nil end
  local seen = {}
  for i, r in ipairs(records) do
    local id, start = r[c.id], r.startTime
    if id ~= nil and start ~= nil then
      -- the bucket by its time where it reads as one: one instant, two spellings
      local k = type(id) .. ":" .. tostring(id) .. "@" .. tostring(times.exact(start) or start)
      if seen[k] then
        return format("billing records %d and %d are both %s %s from %s", seen[k], i, c.id, args.describe(id),
          args.describe(start))
      end
      seen[k] = i
    end
  end
end

-- Up to a week is read in hours, longer in days: RunPod widens the window
-- to whole buckets, and each record says which bucket it is.
local HOURLY_UP_TO = 7 * 86400

local function charge(c, r, i)
  local amount = money.per_hour(r.totalAmount) -- the one rule for money (not text: "1.5" is no amount)
  local start, stop = times.exact(r.startTime), times.exact(r.endTime)
  local id = checks.id(r[c.id])
  local bad = (amount == nil and "totalAmount is not an amount of money")
    or ((not start or not stop) and "startTime or endTime is not a time")
    or (not id and c.id .. " is not an id")
  if bad then
    return nil, errors.local_failure("runpod." .. c.op, "bad_response", format("billing record %d: %s", i, bad))
  end
  return { kind = c.kind, id = id, amount = amount, start = start, ["end"] = stop }
end

--- charges(client, from, to) -> a list of {kind, id, amount (USD), start,
-- end (epoch seconds: the record's bucket)} | nil, err. `from` and `to`
-- are epoch seconds (nil: RunPod's default, the last 30 days).
function M.charges(client, from, to)
  for _, v in ipairs { from, to } do
    if v ~= nil and (type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge) then
      error("runpod charges: from and to must be epoch seconds or nil", 2)
    end
  end
  local q = { bucketSize = (from and to and to - from <= HOURLY_UP_TO) and "hour" or "day" }
  if from then q.startTime = times.rfc3339(from) end
  if to then q.endTime = times.rfc3339(to) end
  local out = {}
  for _, c in ipairs(M.CALLS) do
    local records, err = client[c.op](client, q)
    if not records then return nil, err end
    for i, r in ipairs(records) do
      local ch, cerr = charge(c, r, i)
      if not ch then return nil, cerr end
      out[#out + 1] = ch
    end
  end
  return out
end

return M
