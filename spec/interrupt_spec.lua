-- Interrupts in the library: the core's guard (SIGINT and SIGTERM counted,
-- transfers and sleeps ended on "abort"), bulk runs that stop starting
-- calls at a signal and keep a complete report, and the partial report a
-- bulk call raises when a Lua error stops it.

local core = require "gpucloud.core"
local gpucloud = require "gpucloud"
local server = require "gpucloud.sim.server"
local fixture = require "support.sim"
local subprocess = require "support.subprocess"
local sys = require "gpucloud.sim.sys"

local q = server.shell_quote
local function no_env() end

local function my_pid()
  return assert(sys.read_file("/proc/self/stat")):match("^%d+")
end

-- Every id in exactly one of ok, failed and skipped.
local function assert_complete(r, ids)
  local where = {}
  local function put(id, what)
    assert.is_nil(where[id], tostring(id) .. " twice")
    where[id] = what
  end
  for _, id in ipairs(r.ok) do put(id, "ok") end
  for id in pairs(r.failed) do put(id, "failed") end
  for _, id in ipairs(r.skipped) do put(id, "skipped") end
  for _, id in ipairs(ids) do assert.truthy(where[id], tostring(id) .. " is in no list") end
  return where
end

describe("core.interrupt_guard", function()
  after_each(function() core.interrupt_guard(false) end)

  it("counts SIGTERM instead of ending the process, says which, and clears", function()
    assert.is_false(core.interrupt_guard(true))
    assert.same({ 0, nil, false }, { core.interrupted() })
    -- os.execute ignores SIGINT in the caller while its child runs; not SIGTERM
    assert(os.execute("kill -TERM " .. my_pid()))
    assert.same({ 1, "SIGTERM", true }, { core.interrupted() })
    assert.equal(1, core.clear_interrupt())
    assert.same({ 0, nil, false }, { core.interrupted() })
    assert.is_true(core.interrupt_guard(true, 2)) -- already on: only abort_at changes
    assert(os.execute("kill -TERM " .. my_pid()))
    assert.same({ 1, "SIGTERM", false }, { core.interrupted() })
    assert(os.execute("kill -TERM " .. my_pid()))
    assert.same({ 2, "SIGTERM", true }, { core.interrupted() })
    -- off: the count goes, so no later run stops for an old signal
    assert.is_true(core.interrupt_guard(false))
    assert.same({ 0, nil, false }, { core.interrupted() })
    assert.is_false(core.interrupt_guard(false))
    assert.has_error(function() core.interrupt_guard(true, 0) end)
  end)

  it("once aborting, sleeps return, and requests end as interrupted with nothing sent", function()
    core.interrupt_guard(true)
    assert(os.execute("kill -TERM " .. my_pid()))
    local t0 = core.now()
    core.sleep(3600)
    assert.is_true(core.now() - t0 < 60)
    -- port 9 of 127.0.0.1 would refuse: nothing is even tried
    local res, err = core.request { url = "http://127.0.0.1:9/" }
    assert.is_nil(res)
    assert.same({ "interrupted", 0 }, { err.code, err.sent })
    assert.equal("interrupted by SIGTERM before the request was sent", err.message)
    local m = core.multi()
    local id = m:add { url = "http://127.0.0.1:9/" }
    local done = m:perform(0)
    assert.same({ id, "interrupted", 0 }, { done[1].id, done[1].err.code, done[1].err.sent })
    assert.equal(0, m:pending())
    m:close()
    core.interrupt_guard(false)
    err = select(2, core.request { url = "http://127.0.0.1:9/" })
    assert.equal("connect", err.code)
  end)
end)

describe("a transfer under the guard", function()
  -- real time: the calls are a child process's
  local sim = fixture.use { real_time = true }

  -- Run `code` in a child under the guard; once the simulator has been sent
  -- `path`, signal the child. Its output, once it has ended.
  local function signalled(code, path, sig)
    local dir = assert(subprocess.sh("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-int.XXXXXX\"")):gsub("%s+$", "")
    local inner = "echo $$ > " .. q(dir .. "/pid") .. "; exec env " .. subprocess.ENV .. " " .. subprocess.LUA
      .. " -e " .. q(code)
    assert(os.execute("( sh -c " .. q(inner) .. " > " .. q(dir .. "/out") .. " 2>&1; echo done > "
      .. q(dir .. "/done") .. " ) &"))
    local function file(name) return sys.read_file(dir .. "/" .. name) end
    local sent
    for _ = 1, 200 do
      for _, e in ipairs(assert(sim:log())) do
        if e.path == path then sent = true end
      end
      if sent then break end
      sys.sleep(0.1)
    end
    assert.is_true(sent, "the child never sent " .. path .. ": " .. tostring(file("out")))
    assert(os.execute("kill -" .. sig .. " " .. file("pid"):match("%d+")))
    for _ = 1, 300 do
      if file("done") then break end
      sys.sleep(0.1)
    end
    local out = file("out")
    subprocess.sh("rm -rf -- " .. q(dir))
    return out
  end

  it("ends a call the server holds at the first signal, as sent: it may have landed", function()
    -- held for a minute: only the abort ends it sooner (the child's timeout is longer)
    assert(sim:inject { method = "DELETE", path = "/api/v0/instances/{id}/", delay = 60 })
    local out = signalled(string.format([[
      local core = require "gpucloud.core"
      local gpucloud = require "gpucloud"
      core.interrupt_guard(true)
      local vast = gpucloud.vast { url = %q, api_key = %q, getenv = function() end, timeout = 120 }
      local res, err = vast:destroy_instance(5001)
      print(err.code, err.attempts, err.may_have_landed, err.message)
    ]], sim.url, sim.keys.vast), "/api/v0/instances/5001/", "INT")
    assert.equal("interrupted\t1\ttrue\tinterrupted by SIGINT after the request was sent\n", out)
  end)

  -- issue 23: the handle keeps its options between requests of a kind, so
  -- the guard's callback must be set when the guard comes on after one
  it("ends a call held at the first signal when the guard came on after a call of the same kind", function()
    assert(sim:reset())
    assert(sim:inject { method = "DELETE", path = "/api/v0/instances/5002/", delay = 60 })
    local out = signalled(string.format([[
      local core = require "gpucloud.core"
      local gpucloud = require "gpucloud"
      local vast = gpucloud.vast { url = %q, api_key = %q, getenv = function() end, timeout = 120 }
      assert(vast:destroy_instance(5001))
      core.interrupt_guard(true)
      local res, err = vast:destroy_instance(5002)
      print(err.code, err.attempts, err.message)
    ]], sim.url, sim.keys.vast), "/api/v0/instances/5002/", "INT")
    assert.equal("interrupted\t1\tinterrupted by SIGINT after the request was sent\n", out)
  end)

  it("below abort_at, lets a bulk run's call in flight end and starts no other", function()
    -- held two seconds: ended by the signal, 5001 would have failed
    assert(sim:inject { method = "DELETE", path = "/api/v0/instances/{id}/", delay = 2, times = -1 })
    local out = signalled(string.format([[
      local core = require "gpucloud.core"
      local gpucloud = require "gpucloud"
      core.interrupt_guard(true, 2)
      local vast = gpucloud.vast { url = %q, api_key = %q, getenv = function() end, timeout = 120 }
      local r = vast:destroy_instances({ 5001, 5002, 5003 }, { concurrency = 1, rate = false })
      print(r.interrupted, #r.ok, r:failed_count(), #r.not_started)
    ]], sim.url, sim.keys.vast), "/api/v0/instances/5001/", "TERM")
    assert.equal("SIGTERM\t1\t0\t2\n", out)
  end)
end)

describe("a bulk run stopped early", function()
  -- the clients on the test's virtual clock: a fleet delete's pacing takes no time
  local sim = fixture.use()

  local IDS = { 5001, 5002, 5003, 5004, 5005, 5006 }

  local function present()
    local out = {}
    for _, inst in ipairs(assert(sim:state()).vast.instances) do out[inst.id] = true end
    return out
  end

  it("by a Lua error raises an interrupted error holding the report so far", function()
    local responses = 0
    local vast = sim:vast {
      on_response = function()
        responses = responses + 1
        if responses == 3 then error("a hook's bug", 0) end
      end }
    local ok, err = pcall(vast.destroy_instances, vast, IDS, { concurrency = 1, rate = false })
    assert.is_false(ok)
    assert.equal("interrupted", err.code)
    assert.equal("a hook's bug", err.cause)
    assert.equal("gpucloud: vast.destroy_instance: interrupted: stopped by an error after deleted 2 of 6, 1 failed "
      .. "(1 may have been carried out), 3 not started: a hook's bug", tostring(err))
    local r = err.report
    assert_complete(r, IDS)
    assert.same({ 5001, 5002 }, r.ok)
    assert.equal("error", r.interrupted)
    -- 5003 was in flight: the server had acted on it
    assert.equal("interrupted", r.failed[5003].code)
    assert.is_true(r.failed[5003].may_have_landed)
    assert.same({ 5004, 5005, 5006 }, r.not_started)
    assert.same({ 5004, 5005, 5006 }, r.skipped)
    local left = present()
    for _, id in ipairs { 5001, 5002, 5003 } do assert.is_nil(left[id]) end
    for _, id in ipairs { 5004, 5005, 5006 } do assert.truthy(left[id]) end
    -- nothing was sent for the ids not started
    assert.equal(3, responses)
    vast:close()
  end)

  it("by a Lua error on a transport function's runtime, one call at a time, the same", function()
    local n = 0
    local vast = gpucloud.vast { api_key = "k", getenv = no_env, transport = function()
      n = n + 1
      if n == 2 then error("the transport's bug", 0) end
      return { status = 200, headers = {}, body = '{"success":true}' }
    end }
    local ok, err = pcall(vast.destroy_instances, vast, { 1, 2, 3 }, { rate = false })
    assert.is_false(ok)
    local r = err.report
    assert_complete(r, { 1, 2, 3 })
    assert.same({ 1 }, r.ok)
    assert.is_true(r.failed[2].may_have_landed) -- the runtime cannot say whether it was sent
    assert.same({ 3 }, r.not_started)
  end)

  it("by a signal starts nothing more and returns every id accounted for", function()
    local stop = false
    -- what the curl runtime reads from the core's guard, said here instead
    local rt = sim:runtime()
    rt.interrupt = function() if stop then return "stop", "SIGINT" end end
    local vast = sim:vast { runtime = rt, on_response = function() stop = true end }
    local r = vast:destroy_instances(IDS, { concurrency = 2, rate = false })
    assert_complete(r, IDS)
    assert.equal("SIGINT", r.interrupted)
    -- the two in flight ended by themselves
    assert.same({ 5001, 5002 }, r.ok)
    assert.same({ 5003, 5004, 5005, 5006 }, r.not_started)
    assert.equal("not started: the run was interrupted (SIGINT)", r.skip_reasons[5003])
    assert.match("^deleted 2 of 6, 0 failed, 4 skipped, in [%d.]+ s, interrupted %(SIGINT%)\n"
      .. "  not started: 5003, 5004, 5005, 5006$", tostring(r))
    local left = present()
    for _, id in ipairs(r.not_started) do assert.truthy(left[id]) end
    vast:close()
  end)

  -- A fleet of one Vast.ai client whose curl runtime says "stop" (as the
  -- core's guard would at SIGTERM) once `when(info)` has held for an answer.
  local function fleet_stopping(when)
    local armed, stop = false, false
    local rt = sim:runtime()
    rt.interrupt = function() if stop then return "stop", "SIGTERM" end end
    local vast = sim:vast { runtime = rt, on_response = function(info) if armed and when(info) then stop = true end end }
    local fleet = gpucloud.fleet { vast = vast }
    local plan = assert(fleet:list()):filter(function(r) return r.kind == "instance" and r.state == "stopped" end)
      :plan()
    assert.truthy(plan.count >= 2)
    armed = true
    return fleet, plan, vast
  end

  local function assert_not_started(r)
    local left = present()
    for _, key in ipairs(r.not_started) do
      assert.truthy(left[tonumber(key:match("%d+$"))], key .. " is still there")
      assert.equal("not started: the run was interrupted (SIGTERM)", r.skip_reasons[key])
    end
  end

  it("in a fleet delete by a signal: what was not started is skipped, never counted deleted", function()
    local fleet, plan, vast = fleet_stopping(function(info) return info.method == "DELETE" end)
    local r = fleet:delete(plan, { concurrency = 1 })
    assert_complete(r, plan.keys)
    assert.equal("SIGTERM", r.interrupted)
    assert.equal(1, #r.ok)
    assert.equal(plan.count - 1, #r.not_started)
    assert_not_started(r)
    vast:close()
  end)

  it("in a fleet delete by a signal before any provider starts: every id not started, nothing sent", function()
    -- the signal comes with the answer of the re-read before the deletes
    local fleet, plan, vast = fleet_stopping(function() return true end)
    assert(sim:clear_log())
    local r = fleet:delete(plan, { concurrency = 1 })
    assert_complete(r, plan.keys)
    assert.equal("SIGTERM", r.interrupted)
    assert.same({}, r.ok)
    assert.equal(plan.count, #r.not_started)
    assert_not_started(r)
    for _, e in ipairs(assert(sim:log())) do assert.not_equal("DELETE", e.method) end
    vast:close()
  end)
end)
