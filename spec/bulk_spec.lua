-- Bulk operations against the simulator over real sockets: per-id reports,
-- concurrency on the C multi, pacing, dry runs and the blast-radius guard.

local gpucloud = require "gpucloud"
local core = require "gpucloud.core"
local server = require "gpucloud.sim.server"
local clock = require "gpucloud.core"

local FAST = { base = 0.01, max = 0.05 }

describe("core.multi", function()
  local sim
  setup(function() sim = assert(server.start {}) end)
  teardown(function() sim:stop() end)

  it("runs many requests at once and reports each by id #timing", function()
    assert(sim:reset())
    assert(sim:inject { method = "GET", path = "/healthz", delay = 0.3, times = -1 })
    local m = core.multi()
    local want = {}
    for _ = 1, 10 do want[m:add { url = sim.url .. "/healthz" }] = true end
    local bad = m:add { url = "http://127.0.0.1:0/" } -- port 0: refused, and never anyone's
    assert.equal(11, m:pending())
    local t0, seen = clock.now(), {}
    while m:pending() > 0 do
      for _, d in ipairs(m:perform(1)) do
        assert.is_nil(seen[d.id])
        seen[d.id] = d
      end
    end
    local elapsed = clock.now() - t0
    assert.truthy(elapsed < 1.2, "ten 0.3 s answers took " .. elapsed .. " s")
    for id in pairs(want) do
      assert.equal(200, seen[id].res.status)
      assert.match('"ok"', seen[id].res.body)
    end
    assert.equal("connect", seen[bad].err.code)
    assert.is_nil(seen[bad].res)
    m:close()
    m:close()
    assert.match("closed", tostring(m))
    assert.has_error(function() m:add { url = sim.url } end)
  end)

  it("raises on a bad request and keeps going", function()
    local m = core.multi()
    assert.has_error(function() m:add { url = "http://x/\r\nEvil: 1" } end)
    assert.has_error(function() m:add "nope" end)
    assert.equal(0, m:pending())
    local id = m:add { url = sim.url .. "/healthz", method = "POST", body = ("x"):rep(100000) }
    local done
    while not done do
      for _, d in ipairs(m:perform(1)) do done = d end
    end
    assert.equal(id, done.id)
    assert.truthy(done.res.status)
    m:close()
  end)

  it("is collected without being closed", function()
    for _ = 1, 50 do
      local m = core.multi()
      m:add { url = sim.url .. "/healthz" }
      m:perform(0)
    end
    collectgarbage()
    collectgarbage()
  end)
end)

describe("bulk operations", function()
  local sim, vast, tp

  local function new_vast(extra)
    local o = { url = sim.url, api_key = sim.keys.vast, getenv = function() end, backoff = FAST }
    for k, v in pairs(extra or {}) do o[k] = v end
    return gpucloud.vast(o)
  end

  -- a fixture with n extra workergroups (ids 5001..) to delete
  local function with_groups(n)
    local wgs = {}
    for i = 1, n do wgs[i] = { id = 5000 + i, endpoint_id = 1, endpoint_name = "bulk" } end
    return { vast = { api_keys = { sim.keys.vast }, endpoints = { { id = 1, endpoint_name = "bulk" } },
                      workergroups = wgs, workers = {} } }
  end

  local function ids(n)
    local t = {}
    for i = 1, n do t[i] = 5000 + i end
    return t
  end

  local function deletes()
    local n = 0
    for _, e in ipairs(assert(sim:log())) do
      if e.method == "DELETE" then n = n + 1 end
    end
    return n
  end

  setup(function() sim = assert(server.start { config = { retry_after = "0" } }) end)
  teardown(function()
    if vast then vast:close() end
    if tp then tp:close() end
    sim:stop()
  end)
  before_each(function()
    assert(sim:reset())
    assert(sim:config { rate_limits = false, retry_after = "0" })
    if vast then vast:close() end
    if tp then tp:close() end
    vast = new_vast()
    tp = gpucloud.tensorpool { url = sim.url, api_key = sim.keys.tensorpool, getenv = function() end }
  end)

  it("report per id: deleted, failed with the server's error, repeats skipped", function()
    local r = vast:delete_workergroups({ 201, 202, 4242, 202, 203.0 }, { rate = false })
    assert.same({ 201, 202, 203 }, r.ok)
    assert.same({ 202 }, r.skipped)
    assert.equal(404, r.failed[4242].status)
    assert.equal("not_found", r.failed[4242].code)
    assert.equal("no_such_workergroup", r.failed[4242].server_code)
    assert.is_true(r.results[201].success)
    assert.equal(4, r.total)
    assert.is_false(r.dry_run)
    assert.equal("number", type(r.elapsed))
    assert.equal(4, deletes())
    local text = tostring(r)
    assert.match("deleted 3 of 4, 1 failed, 1 skipped", text)
    assert.match("failed 4242: .*No workergroup by that id", text)
  end)

  it("delete_endpoints the same way", function()
    local r = vast:delete_endpoints({ 102, 103, 999 }, { rate = false })
    assert.same({ 102, 103 }, r.ok)
    assert.equal("not_found", r.failed[999].code)
    assert.equal("invalid_args", r.failed[999].server_code)
  end)

  it("dry_run sends nothing and lists what would be deleted", function()
    local r = vast:delete_workergroups({ 201, 202, 202 }, { dry_run = true })
    assert.same({ 201, 202 }, r.would_delete)
    assert.same({}, r.ok)
    assert.is_true(r.dry_run)
    assert.equal(0, assert(sim:stats()).total)
    assert.match("dry run: would delete 2 of 2: 201, 202", tostring(r))
  end)

  it("refuses more than max ids unless raised, sending nothing", function()
    assert(sim:reset(with_groups(60)))
    local okk, err = pcall(vast.delete_workergroups, vast, ids(51))
    assert.is_false(okk)
    assert.match("refusing to delete 51 ids, more than max = 50", err)
    assert.has_error(function() vast:delete_workergroups(ids(3), { max = 2 }) end)
    assert.has_error(function() vast:delete_workergroups(ids(3), { max = 2, dry_run = true }) end)
    assert.equal(0, assert(sim:stats()).total)
    local r = vast:delete_workergroups(ids(60), { max = 60, rate = false, concurrency = 16 })
    assert.equal(60, #r.ok)
  end)

  it("checks every id before sending any", function()
    for _, bad in ipairs { { 201, "x" }, { 201, 0 }, { 1.5 }, "201" } do
      assert.has_error(function() vast:delete_workergroups(bad) end)
    end
    assert.has_error(function() vast:delete_workergroups({ 201 }, { concurrency = 0 }) end)
    assert.has_error(function() vast:delete_workergroups({ 201 }, { timout = 1 }) end)
    assert.has_error(function() vast:delete_workergroups({ 201 }, { wait = true }) end)
    assert.equal(0, assert(sim:stats()).total)
  end)

  it("runs concurrently on the multi interface #timing", function()
    assert(sim:reset(with_groups(16)))
    assert(sim:inject { method = "DELETE", path = "/api/v0/workergroups/{id}/", delay = 0.25, times = -1 })
    local t0 = clock.now()
    local r = vast:delete_workergroups(ids(16), { concurrency = 16, rate = false })
    local elapsed = clock.now() - t0
    assert.equal(16, #r.ok)
    -- one round of 0.25 s answers, not sixteen
    assert.truthy(elapsed < 1.0, "took " .. elapsed)
  end)

  it("is paced by default at the documented threshold #timing", function()
    assert(sim:reset(with_groups(4)))
    local t0 = clock.now()
    local r = vast:delete_workergroups(ids(4), { concurrency = 4 })
    local elapsed = clock.now() - t0
    assert.equal(4, #r.ok)
    -- four deletes at 3/s: three gaps of a third of a second
    assert.truthy(elapsed >= 0.95 and elapsed < 2, "took " .. elapsed)
  end)

  it("paced at the limit, concurrent work provokes no 429", function()
    local ROUTE = "DELETE /api/v0/workergroups/{id}/"
    assert(sim:reset(with_groups(40)))
    assert(sim:config { rate_limits = { [ROUTE] = 40 } })
    local r = vast:delete_workergroups(ids(40), { concurrency = 8, rate = 40, retries = 0 })
    assert.equal(40, #r.ok)
    assert.is_nil(assert(sim:stats()).by_status["429"])
    assert(sim:config { rate_limits = false })
  end)

  it("retries inside a bulk call, and counts a lost-then-404 delete as done", function()
    assert(sim:inject { method = "DELETE", path = "/api/v0/workergroups/201/", status = 503 })
    assert(sim:inject { method = "DELETE", path = "/api/v0/workergroups/202/", delay = 1 })
    local r = vast:delete_workergroups({ 201, 202 }, { rate = false, timeout = 0.3 })
    assert.same({ 201, 202 }, r.ok)
    assert.same({ 202 }, r.maybe_deleted)
    assert.is_true(r.results[201].success)
  end)

  it("calls on_progress once per id", function()
    local seen = {}
    vast:delete_workergroups({ 201, 202, 203 }, { rate = false, on_progress = function(done, total)
      seen[#seen + 1] = done .. "/" .. total
    end })
    assert.same({ "1/3", "2/3", "3/3" }, seen)
  end)

  it("destroy_clusters waits for every request with wait = true", function()
    local r = tp:destroy_clusters({ "c-dev-h100", "c-train-a100x8", "c-flaky-b200", "c-prod-serving" },
      { wait = true, deadline = 10 })
    assert.same({ "c-dev-h100", "c-train-a100x8" }, r.ok)
    assert.equal("COMPLETED", r.results["c-dev-h100"].request.status)
    assert.equal("failed", r.failed["c-flaky-b200"].code)
    assert.equal(409, r.failed["c-prod-serving"].status)
    local left = assert(tp:list_clusters()):ids()
    for _, id in ipairs(left) do
      assert.is_true(id ~= "c-dev-h100" and id ~= "c-train-a100x8")
    end
  end)

  it("batch runs any operation for many arguments", function()
    local r = vast:batch("get_endpoint_workers", { 101, 102, 999 }, { concurrency = 3 })
    assert.same({ 101, 102 }, r.ok)
    assert.equal(7, #r.results[101])
    assert.equal("not_found", r.failed[999].code)
    assert.has_error(function() vast:batch("nope", { 1 }) end)
  end)

  it("works over any transport function, one request at a time", function()
    local sent = {}
    local fake = gpucloud.vast { api_key = "k", getenv = function() end, transport = function(req)
      sent[#sent + 1] = req.url
      return { status = 200, headers = {}, body = '{"success":true,"deleted_workers":[],"failed_workers":[]}' }
    end }
    local r = fake:delete_workergroups({ 1, 2, 3 }, { rate = false })
    assert.same({ 1, 2, 3 }, r.ok)
    assert.equal(3, #sent)
  end)

  it("raises when a hook raises, with the report so far: nothing was sent", function()
    local hooked = new_vast { on_request = function() error("hook failed", 0) end }
    local ok, err = pcall(hooked.delete_workergroups, hooked, { 201 }, { rate = false })
    assert.is_false(ok)
    assert.equal("interrupted", err.code)
    assert.equal("hook failed", err.cause)
    assert.match("hook failed", tostring(err))
    local r = err.report
    assert.same({}, r.ok)
    assert.equal("interrupted", r.failed[201].code)
    -- the hook ran before the request: it cannot have landed
    assert.is_nil(r.failed[201].may_have_landed)
    hooked:close()
  end)
end)
