-- The curl runtime runs a group of one task on its easy handle, without
-- the scheduler or a multi handle (issue 23: the command line's delete of
-- one id): the task's runtime goes through the runtime itself, its
-- requests, pauses and groups blocking where the scheduler's yield, and
-- the result, the progress callback, a signal and a raise are what the
-- scheduler gives for one task.

local core = require "gpucloud.core"
local runtime = require "gpucloud.runtime"
local server = require "gpucloud.sim.server"
local stop = require "gpucloud.runtime.stop"
local sys = require "gpucloud.sim.sys"

local function my_pid()
  return assert(sys.read_file("/proc/self/stat")):match("^%d+")
end

describe("the curl runtime with one task", function()
  local s
  setup(function() s = assert(server.start()) end)
  teardown(function() s:stop() end)
  after_each(function() core.interrupt_guard(false) end)

  it("runs it on the easy handle: no multi handle, the same results and progress", function()
    local rt = runtime.resolve("curl")
    local url = s.url .. "/_sim/health"
    local seen, done = nil, {}
    local results = rt.run_all({
      function(r)
        seen = r
        r.sleep(0.001)
        local inner = r.run_all({ function(r2) return r2.request { url = url, timeout = 5 } end }, 1)
        return inner[1][1].status, "second"
      end,
    }, 4, function(n, total) done[#done + 1] = n .. "/" .. total end)
    assert.same({ { 200, "second" } }, results)
    assert.is_nil(results.interrupted)
    assert.same({ "1/1" }, done)
    assert.equal("curl", seen.kind)
    assert.equal(rt.now, seen.now)
    local easy, multi = rt.handles()
    assert.truthy(easy)
    assert.is_nil(multi)
    rt.close()
  end)

  it("gives a failure as the task returns it", function()
    local rt = runtime.resolve("curl")
    assert.same({ { nil, "no" } }, rt.run_all({ function() return nil, "no" end }, 1))
    rt.close()
  end)

  it("raises what the scheduler raises, knowing whether the task had sent", function()
    local rt = runtime.resolve("curl")
    local url = s.url .. "/_sim/health"
    for _, case in ipairs {
      { function() error("boom", 0) end, true },
      { function(r) r.request { url = url, timeout = 5 } error("boom", 0) end, nil },
    } do
      local ok, e = pcall(rt.run_all, { case[1] }, 1)
      assert.is_false(ok)
      local stopped = assert(stop.stopped(e), tostring(e))
      assert.equal("boom", stopped.error)
      local err = stopped.results[1][2]
      assert.is_true(err.in_flight)
      assert.equal(case[2], err.unsent)
    end
    rt.close()
  end)

  it("does not start it after a signal, and names a signal that came while it ran", function()
    local rt = runtime.resolve("curl")
    core.interrupt_guard(true, 2) -- counted; the core aborts nothing below two
    local results = rt.run_all({ function()
      assert(os.execute("kill -TERM " .. my_pid()))
      return "done"
    end }, 1)
    assert.equal("done", results[1][1])
    assert.equal("SIGTERM", results.interrupted)
    local started = false
    results = rt.run_all({ function() started = true end }, 1)
    assert.is_false(started)
    assert.is_true(results[1][2].not_started)
    assert.equal("SIGTERM", results.interrupted)
    rt.close()
  end)

  it("is a bulk call of one id: reported as the scheduler's run reports it", function()
    local gpucloud = require "gpucloud"
    local define = require "gpucloud.define"
    local vast = gpucloud.vast { url = s.url, api_key = s.keys.vast, runtime = "curl", getenv = function() end }
    local r = vast:delete_workergroups({ 4242, 4242 }, { max = 1 })
    assert.same({}, r.ok)
    assert.equal("not_found", r.failed[4242].code)
    assert.same({ 4242 }, r.skipped)
    assert.equal(1, r.total)
    local _, multi = define.runtime_of(vast).handles()
    assert.is_nil(multi)
    vast:close()
  end)
end)
