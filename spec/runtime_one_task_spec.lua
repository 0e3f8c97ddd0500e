-- The curl runtime runs a group of one task on its easy handle, without
-- the scheduler or a multi handle (issue 23: the command line's delete of
-- one id): the task gets the runtime itself, whose requests, pauses and
-- groups block as the scheduler's would yield, and the result, the
-- progress callback and a raise are what the scheduler gives.

local runtime = require "gpucloud.runtime"
local server = require "gpucloud.sim.server"

describe("the curl runtime with one task", function()
  local s
  setup(function() s = assert(server.start()) end)
  teardown(function() s:stop() end)

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
    assert.same({ "1/1" }, done)
    assert.equal(rt, seen)
    local easy, multi = rt.handles()
    assert.truthy(easy)
    assert.is_nil(multi)
    rt.close()
  end)

  it("gives a failure as the task returns it, and lets a raise reach the caller", function()
    local rt = runtime.resolve("curl")
    assert.same({ { nil, "no" } }, rt.run_all({ function() return nil, "no" end }, 1))
    assert.has_error(function() rt.run_all({ function() error("boom", 0) end }, 1) end, "boom")
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
