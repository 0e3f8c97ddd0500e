-- One measurement of gpucloud in a process of its own, started by
-- bench/run.lua: each reports on stdout as `name=value` lines, times in
-- seconds measured inside the process (start-up excluded; the one-shot CLI
-- benchmark is the one that counts it, and runs bin/gpucloud instead).
-- The simulator's URL and CA file come as arguments, the key in
-- VAST_API_KEY, which the library reads by itself.
--
--   child.lua percall URL CA N          N sequential get_endpoint_workers
--   child.lua decode URL CA RUNS        the big listing, and cjson alone
--   child.lua decode_rss URL CA         peak RSS of one big listing call
--   child.lua memory URL CA N1 N2       RSS after N1 and after N2 calls
--   child.lua delete URL CA FIRST N C   delete ids FIRST.., C at a time
--                                       (C = 0: a plain loop, one by one)
--   child.lua paged URL CA              every instance, every page, paced
--   child.lua first_instance URL CA     from each_instance to the loop body
--   child.lua piece URL CA NAME N       one part of the per-call path N times
--                                       against a replay of one real answer
--                                       (bench/profile.lua runs it under
--                                       callgrind): full, build, read, decode,
--                                       shape, unmark, none; prints redactions=, the
--                                       secret-handling calls made
--   child.lua fleet_list URL CA         fleet:list of every kind of both
--                                       providers at the documented rates
--                                       (the big account, issue 23)
--   child.lua fleet URL CA WHO N C      the fleet benchmark's N workergroups
--                                       and N clusters: WHO = vast or
--                                       tensorpool (that provider's own bulk
--                                       call alone) or fleet (list, plan and
--                                       delete both); key of TensorPool in
--                                       TENSORPOOL_KEY
--   child.lua costs URL CA FROM TO      fleet:costs over the cost benchmark's
--                                       fixture (issue 21), paced

local gpucloud = require "gpucloud"
local core = require "gpucloud.core"

local mode, url, ca = arg[1], arg[2], arg[3]
if ca == "" then ca = nil end
local now = core.now

local function emit(name, value)
  io.write(name, "=", string.format(math.type and math.type(value) == "integer" and "%d" or "%.6f", value), "\n")
end

-- Resident and peak resident memory, in bytes (Linux).
local function rss()
  local f = assert(io.open("/proc/self/status"))
  local text = f:read("a")
  f:close()
  return tonumber(text:match("VmRSS:%s*(%d+) kB")) * 1024, tonumber(text:match("VmHWM:%s*(%d+) kB")) * 1024
end

local vast = gpucloud.vast { url = url, ca_file = ca }
local ID = 101

if mode == "percall" then
  local n = tonumber(arg[4])
  assert(vast:get_endpoint_workers(ID)) -- opens the connection, untimed
  local t0 = now()
  for _ = 1, n do assert(vast:get_endpoint_workers(ID)) end
  emit("seconds", now() - t0)

elseif mode == "decode" then
  -- The same body, fetched once through the C core, for cjson alone.
  local cjson = require "cjson"
  local runs = tonumber(arg[4])
  local res = assert(core.request {
    method = "POST", url = url .. "/get_endpoint_workers/", body = '{"id":101}', ca_file = ca,
    headers = { Authorization = "Bearer " .. os.getenv("VAST_API_KEY") },
  })
  assert(res.status == 200, "big listing: HTTP " .. tostring(res.status))
  local body = res.body
  res = nil -- luacheck: ignore 311
  emit("bytes", #body)
  local workers = assert(vast:get_endpoint_workers(ID))
  emit("workers", #workers)
  workers = nil -- luacheck: ignore 311
  for i = 1, runs do
    collectgarbage("collect")
    local t0 = now()
    local w = assert(vast:get_endpoint_workers(ID))
    local t1 = now()
    assert(#w > 0)
    w = nil -- luacheck: ignore 311
    collectgarbage("collect")
    local t2 = now()
    local d = cjson.decode(body)
    local t3 = now()
    assert(#d.workers > 0)
    emit("call_" .. i, t1 - t0)
    emit("cjson_" .. i, t3 - t2)
  end

elseif mode == "decode_rss" then
  -- A fresh process and one call: how far above its resident size before
  -- the call does one listing take it?
  local before = rss()
  local workers = assert(vast:get_endpoint_workers(ID))
  local _, peak = rss()
  emit("workers", #workers)
  emit("before", before)
  emit("peak", peak)

elseif mode == "memory" then
  -- Full collections before each reading: garbage waiting for the
  -- incremental collector is not growth; what survives one would be.
  local n1, n2 = tonumber(arg[4]), tonumber(arg[5])
  for _ = 1, n1 do assert(vast:get_endpoint_workers(ID)) end
  collectgarbage("collect")
  local at1 = rss()
  for _ = n1 + 1, n2 do assert(vast:get_endpoint_workers(ID)) end
  collectgarbage("collect")
  local at2 = rss()
  emit("rss1", at1)
  emit("rss2", at2)

elseif mode == "delete" then
  local first, n, c = tonumber(arg[4]), tonumber(arg[5]), tonumber(arg[6])
  local ids = {}
  for i = 1, n do ids[i] = first + i - 1 end
  local t0 = now()
  if c == 0 then
    for _, id in ipairs(ids) do assert(vast:delete_workergroup(id, { rate = false })) end
  else
    local report = vast:delete_workergroups(ids, { concurrency = c, rate = false, max = n })
    assert(#report.ok == n, tostring(report))
  end
  emit("seconds", now() - t0)

elseif mode == "paged" then
  local t0 = now()
  local l = assert(vast:show_instances())
  emit("seconds", now() - t0)
  emit("instances", #l)

elseif mode == "first_instance" then
  local t0 = now()
  local t
  for inst in vast:each_instance() do
    t = t or (now() - t0)
    if inst then break end
  end
  emit("seconds", assert(t, "no instance"))
elseif mode == "piece" then
  -- One real answer, replayed: the Lua path without the network, so
  -- callgrind can tell its parts apart (bench/profile.lua).
  local request = require "gpucloud.request"
  local json = require "gpucloud.json"
  local define = require "gpucloud.define"
  local secrets = require "gpucloud.secrets"
  local name, n = arg[4], tonumber(arg[5])
  local key = os.getenv("VAST_API_KEY")
  local res = assert(core.request {
    method = "POST", url = url .. "/get_endpoint_workers/", body = '{"id":101}', ca_file = ca,
    headers = { Authorization = "Bearer " .. key },
  })
  assert(res.status == 200, "piece: HTTP " .. tostring(res.status))
  local replay = { now = core.now, sleep = core.sleep, request = function()
    return { status = res.status, headers = res.headers, body = res.body, sent = 1 }
  end }
  local client = gpucloud.vast { runtime = replay, api_key = key }
  local spec = define.spec_of(client)
  local row, op = spec.ops.get_endpoint_workers, "vast.get_endpoint_workers"
  local decoded = json.decode(res.body)
  -- secret handling is for failures: count what a success calls
  local redactions = 0
  for _, fn in ipairs { "redact", "scrub", "excerpt", "one_line", "mask_json" } do
    local f = secrets[fn]
    secrets[fn] = function(...) redactions = redactions + 1 return f(...) end
  end
  local pieces = {
    none = function() end,
    full = function() return assert(client:get_endpoint_workers(ID)) end,
    build = function() return request.build(client, row, { id = ID }, nil, key) end,
    read = function() return assert(request.read(op, row, res, key, spec.server_codes)) end,
    decode = function() return json.decode(res.body) end,
    -- shape makes the array a list: each time it gets a fresh array's
    -- metatable back first, and profile.lua subtracts what that costs
    unmark = function() setmetatable(decoded.workers, json.array_mt) end,
    shape = function()
      setmetatable(decoded.workers, json.array_mt)
      return assert(request.shape(row, decoded))
    end,
  }
  local f = assert(pieces[name], "piece: unknown part " .. tostring(name))
  for _ = 1, n do f() end
  emit("redactions", redactions)

elseif mode == "fleet_list" then
  local tp = gpucloud.tensorpool { url = url, ca_file = ca }
  local fleet = gpucloud.fleet { vast = vast, tensorpool = tp }
  local t0 = now()
  local rows, errs = fleet:list()
  emit("seconds", now() - t0)
  assert(not errs, errs and tostring(errs[1]))
  local kinds, refined = {}, 0
  for _, r in ipairs(rows) do
    kinds[r.kind] = (kinds[r.kind] or 0) + 1
    if r.kind == "endpoint" and r.workers then refined = refined + 1 end
  end
  for k, n in pairs(kinds) do emit("rows_" .. k, n) end
  emit("endpoints_read", refined)

elseif mode == "fleet" then
  local who, n, c = arg[4], tonumber(arg[5]), tonumber(arg[6])
  local tp = gpucloud.tensorpool { url = url, ca_file = ca }
  local wgs, clusters = {}, {}
  for i = 1, n do
    wgs[i] = 600000 + i
    clusters[i] = string.format("c-bench-%05d", i)
  end
  local opts = { concurrency = c, rate = false, max = n }
  local t0 = now()
  if who == "vast" then
    local r = vast:delete_workergroups(wgs, opts)
    assert(#r.ok == n, tostring(r))
  elseif who == "tensorpool" then
    opts.wait = true
    local r = tp:destroy_clusters(clusters, opts)
    assert(#r.ok == n, tostring(r))
  else
    local fleet = gpucloud.fleet { vast = vast, tensorpool = tp }
    local rows = assert(fleet:list { kinds = { "workergroup", "cluster" } })
    -- exactly the fleet benchmark's things: the other benchmarks' workergroups
    -- are named "bench" too, and are in the listing
    local plan = rows:filter(function(r)
      return (r.kind == "workergroup" and r.name == "bench-fleet") or (r.kind == "cluster" and r.name == "bench")
    end):plan()
    assert(plan.count == 2 * n, tostring(plan))
    local r = fleet:delete(plan, { concurrency = c, rate = false, max = 2 * n })
    assert(#r.ok == 2 * n, tostring(r))
  end
  emit("seconds", now() - t0)

elseif mode == "costs" then
  local tp = gpucloud.tensorpool { url = url, ca_file = ca }
  local fleet = gpucloud.fleet { vast = vast, tensorpool = tp }
  local t0 = now()
  local report, errs = fleet:costs { since = tonumber(arg[4]), ["until"] = tonumber(arg[5]) }
  local t = now() - t0
  assert(not errs, errs and tostring(errs[1]))
  emit("seconds", t)
  emit("things", report.totals.things - report.totals.gone)
  emit("gone", report.totals.gone)
  emit("billed", report.totals.billed)

else
  error("child.lua: unknown mode " .. tostring(mode))
end
