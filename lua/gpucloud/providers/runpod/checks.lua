-- RunPod's argument checks (gpucloud.args' shape: value -> the value to
-- use | nil, what was wanted): its ids, the billing calls' query options,
-- and what update_endpoint may change. The wire: docs/runpod.md.

local args = require "gpucloud.args"
local json = require "gpucloud.json"
local times = require "gpucloud.times"

local M = {}

--- A RunPod id ("7h9k2m4n6p"): a string that stays one path segment (no
-- `/`, control characters or dot segments), percent-encoded when sent.
-- Numbers are refused: an id is never reparsed from another type.
function M.id(v)
  return args.path_segment(v)
end

--- An RFC 3339 time as the billing calls take it ("2026-06-01T00:00:00Z",
-- an offset or a fraction allowed). Text only: the query string sends
-- what it is given, and a number there would not be a time.
function M.time(v)
  if times.is_rfc3339(v) then return v end
  return nil, 'an RFC 3339 time such as "2026-06-01T00:00:00Z"'
end

local BUCKETS = { hour = true, day = true, week = true, month = true, year = true }

--- A billing bucket size.
function M.bucket_size(v)
  if BUCKETS[v] then return v end
  return nil, '"hour", "day", "week", "month" or "year"'
end

local function count(min, max)
  return function(v)
    return type(v) == "number" and v == math.floor(v) and v >= min and v <= max
  end
end

-- What update_endpoint takes (Lua names), the wire field each becomes, and
-- its check: workers_* go under `workers` (min, max, idleTimeout).
local FIELDS = {
  name = { nil, function(v) return args.text(v) ~= nil end, "a non-empty string" },
  workers_min = { "min", count(0, 2 ^ 31), "a whole number >= 0" },
  workers_max = { "max", count(0, 2 ^ 31), "a whole number >= 0" },
  idle_timeout = { "idleTimeout", count(1, 3600), "a whole number of seconds, 1 to 3600" },
}

--- update_endpoint's fields: {name =, workers_min =, workers_max =,
-- idle_timeout =}, at least one, each checked; returns the PATCH body
-- ({"name", "workers": {"min", "max", "idleTimeout"}}).
function M.endpoint_fields(t)
  local want = "a table of name, workers_min, workers_max, idle_timeout (at least one)"
  if type(t) ~= "table" or next(t) == nil then return nil, want end
  local body, workers = json.object(), nil
  for k, v in pairs(t) do
    local f = FIELDS[k]
    if not f then return nil, nil, "unknown field " .. args.describe(k) .. " (" .. want .. ")" end
    if not f[2](v) then
      return nil, nil, string.format("%s must be %s, got %s", k, f[3], args.describe(v))
    end
    if f[1] then
      workers = workers or json.object()
      workers[f[1]] = v
    else
      body[k] = v
    end
  end
  body.workers = workers
  return body
end

return M
