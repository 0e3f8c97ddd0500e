-- What only real time can show, kept out of `make test` (which asserts no
-- wall-clock upper bound): `make test-slow` runs it. Each check here has a
-- virtual-clock or lower-bound counterpart in the suite; this is the
-- margin real sockets, libcurl and nginx keep on an idle machine.

local core = require "gpucloud.core"
local sim = require "support.sim"

local clock = core

describe("real time #slow", function()
  describe("the operation path", function()
    local s = sim.use { real_time = true }

    it("a stalled server: timeout within the timeout plus a small margin", function()
      local vast = s:vast()
      assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", delay = 3 })
      local t0 = clock.now()
      local _, err = vast:show_endpoints { timeout = 0.3, retries = 0 }
      local elapsed = clock.now() - t0
      assert.equal("timeout", err.code)
      assert.truthy(elapsed >= 0.29 and elapsed < 0.6, "took " .. elapsed)
    end)

    it("timeouts are repeated, and the deadline bounds the whole call", function()
      local vast = s:vast { backoff = { base = 0.01, max = 0.05 } }
      assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", delay = 3, times = -1 })
      local t0 = clock.now()
      local _, err = vast:show_endpoints { timeout = 0.2, retries = 10, deadline = 0.5 }
      local elapsed = clock.now() - t0
      assert.equal("timeout", err.code)
      assert.truthy(err.attempts >= 2 and err.attempts <= 4, "attempts " .. err.attempts)
      assert.truthy(elapsed < 0.8, "took " .. elapsed)
    end)

    -- (from truth_spec.lua's finding 4: a server cannot stall a call)
    it("deadline bounds every attempt and pause of a call", function()
      local vast = s:vast()
      assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", delay = 2, times = 3 })
      local t0 = clock.now()
      local v, err = vast:show_endpoints { deadline = 0.6, timeout = 5 }
      local took = clock.now() - t0
      assert.is_nil(v)
      assert.equal("timeout", err.code)
      assert.is_true(took < 1.2, "took " .. took)
    end)
  end)

  -- (from core_spec.lua and limits_spec.lua: the C core's clocks and limits)
  describe("the core", function()
    local s = sim.use { real_time = true }

    it("a delay longer than the timeout ends in 'timeout' soon after it", function()
      assert(s:inject { path = "/slow", delay = 1 })
      local c = core.new()
      local t0 = clock.now()
      local _, err = c:request { url = s.url .. "/slow", timeout = 0.3 }
      local elapsed = clock.now() - t0
      c:close()
      assert.equal("timeout", err.code)
      assert.is_true(elapsed >= 0.29 and elapsed < 1, "returned after " .. elapsed .. " s")
    end)

    it("core.sleep(0.05) sleeps about 50 ms; zero returns at once", function()
      local t0 = clock.now()
      core.sleep(0.05)
      local elapsed = clock.now() - t0
      assert.is_true(elapsed >= 0.049 and elapsed < 0.25, "slept " .. elapsed .. " s")
      t0 = clock.now()
      core.sleep(0)
      assert.is_true(clock.now() - t0 < 0.01)
    end)

    it("a large POST goes out without libcurl's 1 s Expect wait", function()
      local c = core.new()
      local t0 = clock.now()
      assert(c:request { method = "POST", url = s.url .. "/upload", body = string.rep("x", 1024 * 1024 + 4096) })
      local elapsed = clock.now() - t0
      c:close()
      assert.is_true(elapsed < 0.9, "took " .. elapsed .. " s")
    end)

    it("a chunked body past max_body stops as soon as it passes, not when the server is done", function()
      -- 20 chunks of 1 KiB, 0.25 s apart: reading it all would take 5 s
      local pieces = { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" }
      for _ = 1, 20 do pieces[#pieces + 1] = "400\r\n" .. string.rep(" ", 1024) .. "\r\n" end
      pieces[#pieces + 1] = "0\r\n\r\n"
      assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", fault = "raw", raw = pieces, pause = 0.25 })
      local vast = s:vast { retries = 0 }
      local t0 = clock.now()
      local _, err = vast:show_endpoints { max_body = 2048 }
      local took = clock.now() - t0
      assert.equal("too_large", err.code)
      assert.is_true(took < 2, "took " .. took .. " s")
    end)
  end)

  -- (from bulk_spec.lua: concurrency there is what the simulator held at once)
  describe("concurrency", function()
    local s = sim.use { real_time = true }

    it("core.multi: ten 0.3 s answers take one round, not ten", function()
      assert(s:inject { method = "GET", path = "/healthz", delay = 0.3, times = -1 })
      local m = core.multi()
      for _ = 1, 10 do m:add { url = s.url .. "/healthz" } end
      local t0 = clock.now()
      while m:pending() > 0 do m:perform(1) end
      local elapsed = clock.now() - t0
      m:close()
      assert.truthy(elapsed < 1.2, "ten 0.3 s answers took " .. elapsed .. " s")
    end)

    it("a bulk delete at concurrency 16: one round of 0.25 s answers, not sixteen", function()
      local vast = s:vast()
      local ids = {}
      for _, g in ipairs(assert(vast:show_workergroups())) do ids[#ids + 1] = g.id end
      assert(s:inject { method = "DELETE", path = "/api/v0/workergroups/{id}/", delay = 0.25, times = -1 })
      local t0 = clock.now()
      local r = vast:delete_workergroups(ids, { concurrency = 16, rate = false })
      local elapsed = clock.now() - t0
      assert.equal(#ids, #r.ok)
      assert.truthy(#ids > 2 and elapsed < 1.0, #ids .. " took " .. elapsed)
    end)

    -- (from fleet_spec.lua)
    it("the fleet deletes the providers at once: two 0.6 s deletes take one round", function()
      assert(s:inject { method = "DELETE", path = "/api/v0/endptjobs/{id}/", delay = 0.6, times = -1 })
      assert(s:inject { method = "DELETE", path = "/cluster/{cluster}", delay = 0.6, times = -1 })
      local fleet = require("gpucloud").fleet { vast = s:vast(), tensorpool = s:tensorpool() }
      local plan = fleet:plan {
        { provider = "vast", kind = "endpoint", id = 102 },
        { provider = "tensorpool", kind = "cluster", id = "c-dev-h100" },
      }
      local t0 = clock.now()
      local report = fleet:delete(plan, { wait = false })
      local took = clock.now() - t0
      assert.equal(2, #report.ok, tostring(report))
      assert.is_true(took < 1.1, "two 0.6 s deletes, one per provider, took " .. took .. " s")
    end)
  end)
end)
