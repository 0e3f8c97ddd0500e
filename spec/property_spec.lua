-- A property of the generic operation path: whatever a server (or a man in
-- the middle) answers, every operation returns a value or `nil, err`, and
-- never raises. Thousands of random and malformed statuses, headers and
-- bodies go through every operation of both providers via a transport that
-- makes them up. The run is reproducible: set GPUCLOUD_PROPERTY_SEED to the
-- seed a failure prints (and GPUCLOUD_PROPERTY_N for a longer run).

local gpucloud = require "gpucloud"
local cjson = require "cjson"

local SEED = tonumber(os.getenv("GPUCLOUD_PROPERTY_SEED") or "") or 20260107
local N = tonumber(os.getenv("GPUCLOUD_PROPERTY_N") or "") or 4000

local rnd = math.random

local function pick(t) return t[rnd(#t)] end

local KEYS = {
  "success", "results", "workers", "clusters", "error", "msg", "detail", "error_msg", "message",
  "external_message", "status", "request_id", "cluster_id", "id", "api_key", "loc", "type",
  "deleted_workers", "failed_workers", "", "\0", "é", "__index", "1",
}
local STRINGS = {
  "", " ", "COMPLETED", "FAILED", "PENDING", "not found", "invalid api_key", "no_such_workergroup",
  "rate limit", "\0\1\2", "\255\254", "<html><title>x</title></html>", string.rep("x", 5000),
  "%s%d%n", "\\u0000", "line\nbreak",
}
local NUMBERS = {
  0, -0.0, 1, -1, 0.5, 1e308, -1e308, 2 ^ 53, 2 ^ 63, -2 ^ 63, 4242, 102.0, 1e-320,
}

local function random_value(depth)
  local r = rnd(10)
  if depth > 4 or r <= 3 then
    local s = rnd(4)
    if s == 1 then return pick(STRINGS) end
    if s == 2 then return pick(NUMBERS) end
    if s == 3 then return rnd(2) == 1 end
    return cjson.null
  end
  local t = {}
  if r <= 6 then
    for i = 1, rnd(0, 4) do t[i] = random_value(depth + 1) end
  else
    for _ = 1, rnd(0, 5) do t[pick(KEYS)] = random_value(depth + 1) end
  end
  return t
end

-- A body: valid JSON of a plausible or random shape, then maybe mangled.
local function random_body()
  local r = rnd(12)
  if r == 1 then return nil end
  if r == 2 then return "" end
  if r == 3 then return string.rep("[", rnd(1, 3000)) .. string.rep("]", rnd(0, 3000)) end
  if r == 4 then
    local bytes = {}
    for i = 1, rnd(0, 200) do bytes[i] = string.char(rnd(0, 255)) end
    return table.concat(bytes)
  end
  local v = random_value(0)
  if rnd(3) == 1 then
    -- the shapes the operations expect, with random insides
    v = { success = pick { true, false, "yes" }, results = random_value(1), workers = random_value(1),
      clusters = random_value(1), status = pick { "COMPLETED", "FAILED", "PENDING", 3, nil } }
  end
  local ok, text = pcall(cjson.encode, v)
  if not ok then text = "{}" end
  local m = rnd(6)
  if m == 1 then
    text = text:sub(1, rnd(0, #text))
  elseif m == 2 and #text > 0 then
    local i = rnd(#text)
    text = text:sub(1, i - 1) .. string.char(rnd(0, 255)) .. text:sub(i + 1)
  elseif m == 3 then
    text = text .. pick { " trailing", "\0", ",", "}" }
  end
  return text
end

local STATUSES = {
  200, 201, 202, 204, 299, 300, 302, 304, 400, 401, 403, 404, 405, 408, 409, 410, 422, 429,
  500, 502, 503, 504, 599, 0, 1, 99, 100, 600, 999, -1, 200.5, 0 / 0, math.huge, -math.huge,
  math.maxinteger, math.mininteger, "200", true, {},
}

local function random_status()
  if rnd(5) == 1 then return rnd(-5, 1000) end
  return STATUSES[rnd(#STATUSES + 1)] -- one past the end: no status at all
end

local function random_headers()
  local r = rnd(4)
  if r == 1 then return nil end
  if r == 2 then return { ["retry-after"] = pick { "0", "1", "-5", "abc", "1e999", "nan", "" } } end
  return { ["content-type"] = pick { "application/json", "text/html", "" } }
end

local function random_answer()
  if rnd(10) == 1 then
    return nil, pick { { code = "timeout", message = "slow" }, { code = 42 }, "plain text", {}, nil }
  end
  return { status = random_status(), headers = random_headers(), body = random_body() }
end

local samples = {
  vast = {
    show_endpoints = {}, show_workergroups = {}, get_endpoint_workers = { 101 },
    get_workergroup_workers = { 201 }, delete_endpoint = { 102 }, delete_workergroup = { 4242 },
  },
  tensorpool = {
    list_clusters = {}, destroy_cluster = { "c-1" }, get_request_info = { "r-1" },
    wait_request = { "r-1", { deadline = 0.001, interval = 0.001 } },
  },
}

describe("the operation path, fed random answers", function()
  it("always returns a value or nil, err, and never raises (seed " .. SEED .. ")", function()
    math.randomseed(SEED)
    local clients = {}
    -- retries run as they would, but their pauses take no time
    local t = 0
    local instant = { now = function() return t end, sleep = function(s) t = t + s end }
    for provider in pairs(samples) do
      clients[provider] = gpucloud[provider] {
        api_key = "sk-property-0123456789", getenv = function() end,
        runtime = { request = random_answer, now = instant.now, sleep = instant.sleep },
      }
    end
    local ops = {}
    for provider, calls in pairs(samples) do
      for op in pairs(calls) do ops[#ops + 1] = { provider, op } end
    end
    table.sort(ops, function(a, b) return a[1] .. a[2] < b[1] .. b[2] end)

    local counts = { value = 0, err = 0 }
    for i = 1, N do
      local provider, op = table.unpack(ops[(i - 1) % #ops + 1])
      local c = clients[provider]
      local where = ("seed %d, iteration %d, %s.%s"):format(SEED, i, provider, op)
      local ok, v, err = pcall(c[op], c, table.unpack(samples[provider][op]))
      assert(ok, where .. " raised: " .. tostring(v))
      if v ~= nil then
        assert(err == nil or type(err) == "table", where)
        assert(pcall(tostring, v), where .. ": tostring of the value raised")
        counts.value = counts.value + 1
      else
        assert(gpucloud.is_error(err), where .. ": nil without an error value")
        assert(type(err.code) == "string" and err.code ~= "", where .. ": error without a code: " .. tostring(err))
        local okt, line = pcall(tostring, err)
        assert(okt and type(line) == "string", where .. ": tostring(err) raised")
        assert(not line:find("\n"), where .. ": tostring(err) is more than one line")
        counts.err = counts.err + 1
      end
    end
    for _, c in pairs(clients) do c:close() end
    -- both outcomes happened: the generator is not stuck on one kind
    assert.truthy(counts.value > N / 50, "values: " .. counts.value)
    assert.truthy(counts.err > N / 50, "errors: " .. counts.err)
  end)
end)
