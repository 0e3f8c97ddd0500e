-- Bulk deletes under every fault the wire can give, each report checked
-- against the simulator's own state: no id in `ok` still exists, nothing
-- is deleted that was not asked for, and every `failed` id that the
-- simulator did delete says so (may_have_landed). The counts are printed.
--
-- Faults, interleaved in a seeded order and consumed one request each:
-- the connection dropped after the server acted, a 502 after it acted, a
-- 2xx cut short, an answer slower than the timeout (the server acts
-- first), 429s, and plain 502s and drops where nothing was done. Volumes
-- add the edit that lifts deletion protection: every volume that lost it
-- must be among the report's `unprotected`.

local fixture = require "gpucloud.sim.fixture"
local sim = require "support.sim"

local SEED = 20261201
local FAST = { base = 0.01, max = 0.05 }
local TIMEOUT = 0.25

local function shuffled(rules)
  math.randomseed(SEED)
  for i = #rules, 2, -1 do
    local j = math.random(i)
    rules[i], rules[j] = rules[j], rules[i]
  end
  return rules
end

local function add(rules, n, rule)
  for _ = 1, n do
    local r = { times = 1 }
    for k, v in pairs(rule) do r[k] = v end
    rules[#rules + 1] = r
  end
end

local function ids_in(list, field)
  local set = {}
  for _, x in ipairs(list) do set[x[field]] = true end
  return set
end

-- Check a report against what the simulator holds now: `before` and
-- `after` are sets of ids present, `asked` the ids asked for.
local function check(report, asked, before, after, label)
  local counts = { ok = 0, maybe_deleted = #report.maybe_deleted, failed = 0, failed_landed = 0,
                   failed_deleted = 0, unflagged = 0 }
  local seen = {}
  for _, id in ipairs(report.ok) do
    assert.is_nil(seen[id], label .. ": " .. tostring(id) .. " reported twice")
    seen[id] = true
    counts.ok = counts.ok + 1
    assert.is_nil(after[id], label .. ": " .. tostring(id) .. " is in ok but still exists")
  end
  for id, err in pairs(report.failed) do
    assert.is_nil(seen[id], label .. ": " .. tostring(id) .. " is in ok and in failed")
    seen[id] = true
    counts.failed = counts.failed + 1
    if err.may_have_landed then counts.failed_landed = counts.failed_landed + 1 end
    if before[id] and not after[id] then
      counts.failed_deleted = counts.failed_deleted + 1
      if not err.may_have_landed then counts.unflagged = counts.unflagged + 1 end
    end
  end
  for _, id in ipairs(asked) do
    assert.is_true(seen[id] or false, label .. ": " .. tostring(id) .. " is in no part of the report")
  end
  local asked_set = {}
  for _, id in ipairs(asked) do asked_set[id] = true end
  for id in pairs(before) do
    if not after[id] then assert.is_true(asked_set[id] or false, label .. ": " .. tostring(id) .. " deleted unasked") end
  end
  if os.getenv("GPUCLOUD_SPEC_VERBOSE") then
    for id, err in pairs(report.failed) do print("  ", id, tostring(err), err.attempts) end
  end
  print(string.format("%s: %d asked: %d ok (%d of them maybe_deleted), %d failed (%d flagged " ..
    "may_have_landed; %d deleted by the simulator, %d of those unflagged)", label, #asked, counts.ok,
    counts.maybe_deleted, counts.failed, counts.failed_landed, counts.failed_deleted, counts.unflagged))
  assert.equal(0, counts.unflagged, label .. ": failed ids the simulator deleted without may_have_landed")
  return counts
end

describe("bulk deletes under faults, checked against the simulator's state", function()
  local fx = assert(fixture.load())
  for i = 1, 320 do
    fx.vast.workergroups[#fx.vast.workergroups + 1] = { id = 3000 + i, endpoint_id = 101, endpoint_name = "fault" }
  end
  for i = 1, 45 do
    fx.tensorpool.clusters[#fx.tensorpool.clusters + 1] = {
      cluster_id = string.format("c-f-%02d", i), name = "fault", status = "RUNNING",
      instances = { { id = "i-f-" .. i, status = "RUNNING" } }, deletion_protection = false,
    }
  end
  for i = 1, 35 do
    fx.tensorpool.storage[#fx.tensorpool.storage + 1] = {
      id = string.format("s-f-%02d", i), name = "fault", size_gb = 10, status = "READY",
      attached_clusters = {}, deletion_protection = i % 5 == 0,
    }
  end

  -- requests also advance by themselves, for destroys whose answer was lost;
  -- on a virtual clock, which the simulator's requests step by
  local s = sim.use { fixture = fx, config = { retry_after = "0", request_step = 0.05 } }

  it("300 workergroups", function()
    local rules = {}
    local act = { method = "DELETE", path = "/api/v0/workergroups/{id}/" }
    local function with(t) for k, v in pairs(act) do t[k] = v end return t end
    add(rules, 40, with { fault = "close", act = true })
    add(rules, 40, with { status = 502, body = "<html><title>502 Bad Gateway</title></html>", act = true })
    add(rules, 30, with { fault = "truncate", truncate_at = 5 })
    add(rules, 30, with { delay = TIMEOUT * 2 })
    add(rules, 30, with { status = 429, json = { detail = "API requests too frequent endpoint threshold=3.0" } })
    add(rules, 10, with { status = 502, body = "Bad Gateway" })
    add(rules, 10, with { fault = "close" })
    assert(s:inject(shuffled(rules)))

    local asked = {}
    for i = 1, 300 do asked[i] = 3000 + i end
    for i = 1, 5 do asked[#asked + 1] = 9000 + i end -- never existed
    local before = ids_in(assert(s:state()).vast.workergroups, "id")
    local vast = s:vast { backoff = FAST, timeout = TIMEOUT }
    local report = vast:delete_workergroups(asked, { rate = false, concurrency = 16, max = 400 })
    local after = ids_in(assert(s:state()).vast.workergroups, "id")
    local counts = check(report, asked, before, after, "workergroups")
    assert.is_true(counts.ok >= 250, "most of them went")
    for i = 1, 5 do assert.equal("not_found", report.failed[9000 + i].code) end
    for i = 301, 320 do assert.is_true(after[3000 + i], "not asked for, still there") end
  end)

  it("40 clusters, waited for", function()
    assert(s:clear_injections())
    local rules = {}
    local destroy = { method = "DELETE", path = "/cluster/{cluster}" }
    local poll = { method = "GET", path = "/request/info/{request_id}" }
    local list = { method = "GET", path = "/cluster/list" }
    local function on(base, t) for k, v in pairs(base) do t[k] = v end return t end
    add(rules, 6, on(destroy, { fault = "close", act = true }))
    add(rules, 6, on(destroy, { status = 502, body = "Bad Gateway", act = true }))
    add(rules, 6, on(destroy, { fault = "truncate", truncate_at = 5 }))
    add(rules, 4, on(destroy, { delay = TIMEOUT * 2 }))
    add(rules, 6, on(destroy, { status = 429, json = { detail = "Too many requests" } }))
    add(rules, 10, on(poll, { status = 500, body = "Internal Server Error" }))
    add(rules, 5, on(poll, { fault = "truncate", truncate_at = 3 }))
    add(rules, 5, on(poll, { fault = "close" }))
    add(rules, 3, on(list, { status = 502, body = "Bad Gateway" }))
    add(rules, 2, on(list, { fault = "truncate", truncate_at = 10 }))
    assert(s:inject(shuffled(rules)))

    local asked = {}
    for i = 1, 40 do asked[i] = string.format("c-f-%02d", i) end
    local before = ids_in(assert(s:state()).tensorpool.clusters, "cluster_id")
    local tp = s:tensorpool { backoff = FAST, timeout = TIMEOUT }
    local report = tp:destroy_clusters(asked, { wait = true, concurrency = 8, deadline = 60, rate = false })
    local after = ids_in(assert(s:state()).tensorpool.clusters, "cluster_id")
    local counts = check(report, asked, before, after, "clusters")
    assert.is_true(counts.ok >= 30, "most of them went")
    for i = 41, 45 do assert.is_true(after[string.format("c-f-%02d", i)], "not asked for, still there") end
  end)

  it("30 volumes, 6 of them protected, unprotected and waited for", function()
    assert(s:clear_injections())
    local rules = {}
    local destroy = { method = "DELETE", path = "/storage/{storage_id}" }
    local edit = { method = "PATCH", path = "/storage/edit/{storage_id}" }
    local poll = { method = "GET", path = "/request/info/{request_id}" }
    local list = { method = "GET", path = "/storage/list" }
    local function on(base, t) for k, v in pairs(base) do t[k] = v end return t end
    add(rules, 4, on(destroy, { fault = "close", act = true }))
    add(rules, 4, on(destroy, { status = 502, body = "Bad Gateway", act = true }))
    add(rules, 4, on(destroy, { fault = "truncate", truncate_at = 5 }))
    add(rules, 4, on(destroy, { status = 429, json = { detail = "Too many requests" } }))
    add(rules, 2, on(edit, { fault = "close", act = true }))
    add(rules, 1, on(edit, { status = 502, body = "Bad Gateway", act = true }))
    add(rules, 1, on(edit, { status = 429, json = { detail = "Too many requests" } }))
    add(rules, 6, on(poll, { status = 500, body = "Internal Server Error" }))
    add(rules, 3, on(poll, { fault = "truncate", truncate_at = 3 }))
    add(rules, 2, on(list, { status = 502, body = "Bad Gateway" }))
    assert(s:inject(shuffled(rules)))

    local asked = {}
    for i = 1, 30 do asked[i] = string.format("s-f-%02d", i) end
    local state = assert(s:state()).tensorpool.volumes
    local before, was_protected = ids_in(state, "id"), {}
    for _, v in ipairs(state) do was_protected[v.id] = v.deletion_protection end
    local tp = s:tensorpool { backoff = FAST, timeout = TIMEOUT }
    local report = tp:destroy_storages(asked, { wait = true, unprotect = true, concurrency = 8, deadline = 60,
                                                rate = false })
    local now = assert(s:state()).tensorpool.volumes
    local after, protected_now = ids_in(now, "id"), {}
    for _, v in ipairs(now) do protected_now[v.id] = v.deletion_protection end
    local counts = check(report, asked, before, after, "volumes")
    assert.is_true(counts.ok >= 22, "most of them went")
    -- the report says whose protection went: every volume that lost it is listed
    local listed = {}
    for _, id in ipairs(report.unprotected) do listed[id] = true end
    for id, was in pairs(was_protected) do
      if was and protected_now[id] ~= true then
        assert.is_true(listed[id] or false, id .. " lost its protection without the report saying so")
      end
    end
    for _, id in ipairs(report.unprotected) do assert.is_true(was_protected[id], id .. " was never protected") end
    assert.is_true(protected_now["s-f-35"], "not asked for, still protected")
    print(string.format("volumes: %d of 6 protected ones unprotected", #report.unprotected))
  end)
end)
