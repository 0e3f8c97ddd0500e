-- The truth rules on TensorPool's new destructive paths (storage destroys,
-- job cancels and deletes, the edit that lifts protection): an answer lost
-- after the server acted, a poll that fails, a wait past its deadline, a
-- list that is not one. Each report is checked against the simulator.

local sim = require "support.sim"

describe("truth on TensorPool's storage, jobs and edits", function()
  -- a virtual clock: the waits' pauses (Retry-After, the interval) take no time
  local s = sim.use { config = { retry_after = "0", request_step = 0 } }
  local tp
  before_each(function() tp = s:tensorpool { backoff = { base = 0.01, max = 0.05 } } end)

  local function took() return s.clock.now() - sim.START end

  local function thing(kind, id)
    for _, x in ipairs(assert(s:state()).tensorpool[kind]) do
      if x.id == id or x.cluster_id == id then return x end
    end
  end

  describe("storage destroys", function()
    it("a destroy whose answer was lost is confirmed by the listing before it counts as done", function()
      assert(s:config { request_step = 0.05 })
      assert(s:inject { method = "DELETE", path = "/storage/{storage_id}", fault = "close", act = true, times = 2 })
      local r = tp:destroy_storages({ "s-scratch" }, { wait = true })
      assert.same({ "s-scratch" }, r.ok, tostring(r))
      assert.equal("absent from the storage list", r.results["s-scratch"].confirmed)
      assert.is_nil(thing("volumes", "s-scratch"))
    end)

    it("an accepted destroy whose poll answers 500 (or cannot be read) is polled through", function()
      assert(s:inject { method = "GET", path = "/request/info/{request_id}", status = 500, body = "oops" })
      assert(s:inject { method = "GET", path = "/request/info/{request_id}", fault = "truncate" })
      local r = tp:destroy_storages({ "s-scratch" }, { wait = true })
      assert.same({ "s-scratch" }, r.ok, tostring(r))
      assert.equal("COMPLETED", r.results["s-scratch"].request.status)
      assert.is_nil(thing("volumes", "s-scratch"))
    end)

    it("a wait past its deadline is a timeout that says the destroy may have landed", function()
      assert(s:inject { method = "GET", path = "/request/info/{request_id}", status = 503, body = "", times = -1 })
      local r = tp:destroy_storages({ "s-scratch" }, { wait = true, deadline = 0.8 })
      assert.is_true(took() > 0 and took() <= 0.8, "took " .. took())
      local err = r.failed["s-scratch"]
      assert.equal("timeout", err.code)
      assert.is_true(err.may_have_landed)
      assert.equal("DESTROYING", thing("volumes", "s-scratch").status, "accepted: it may still happen")
    end)

    it("a request of another type is never taken for the destroy's", function()
      assert(s:inject { method = "GET", path = "/request/info/{request_id}", status = 200,
                        json = { request_id = "req-000001", request_type = "STORAGE_ATTACH", status = "COMPLETED" } })
      local r = tp:destroy_storages({ "s-scratch" }, { wait = true, deadline = 0.5 })
      assert.same({}, r.ok)
      assert.equal("bad_response", r.failed["s-scratch"].code)
      assert.is_true(r.failed["s-scratch"].may_have_landed, "accepted: it may still happen")
    end)

    it("a storage listing that is not a list is bad_response, never an empty list", function()
      for _, body in ipairs { "{}", '{"volumes":null}', '{"volumes":{}}', '{"volumes":"none"}', "null" } do
        assert(s:inject { method = "GET", path = "/storage/list", status = 200, body = body })
        local v, err = tp:list_storage()
        assert.is_nil(v, body)
        assert.equal("bad_response", err.code)
      end
    end)
  end)

  describe("job cancels", function()
    it("a cancel whose answer was lost is sent again, and the wait follows it to canceled", function()
      assert(s:inject { method = "POST", path = "/job/cancel/{job_id}", fault = "close", act = true, times = 2 })
      local r = tp:cancel_jobs({ "j-train-001" }, { wait = true })
      assert.same({ "j-train-001" }, r.ok, tostring(r))
      assert.equal("canceled", r.results["j-train-001"].job.status)
      assert.equal("canceled", thing("jobs", "j-train-001").status)
    end)

    it("an accepted cancel whose poll answers 500 (or cannot be read) is polled through", function()
      assert(s:inject { method = "GET", path = "/job/info/{job_id}", status = 500, body = "oops" })
      assert(s:inject { method = "GET", path = "/job/info/{job_id}", fault = "truncate" })
      local r = tp:cancel_jobs({ "j-eval-002" }, { wait = true })
      assert.same({ "j-eval-002" }, r.ok, tostring(r))
      assert(tp:cancel_job("j-train-001"))
      assert(s:inject { method = "GET", path = "/job/info/{job_id}", status = 502, body = "bad gateway" })
      assert.equal("canceled", assert(tp:wait_job("j-train-001", { interval = 0 })).status)
    end)

    it("a wait past its deadline is a timeout that says the cancel may have landed", function()
      assert(s:inject { method = "GET", path = "/job/info/{job_id}", status = 503, body = "", times = -1 })
      local r = tp:cancel_jobs({ "j-train-001" }, { wait = true, deadline = 0.8 })
      assert.is_true(took() > 0 and took() <= 0.8, "took " .. took())
      local err = r.failed["j-train-001"]
      assert.equal("timeout", err.code)
      assert.is_true(err.may_have_landed)
      local v, werr = tp:wait_job("j-train-001", { deadline = 0.3, interval = 0.05 })
      assert.is_nil(v)
      assert.equal("timeout", werr.code)
      assert.is_true(took() <= 0.8 + 0.3 + 1e-9, "took " .. took())
    end)

    it("a job listing that is not a list is bad_response", function()
      assert(s:inject { method = "GET", path = "/job/list", status = 200, body = '{"jobs":{}}' })
      local v, err = tp:list_jobs()
      assert.is_nil(v)
      assert.equal("bad_response", err.code)
    end)
  end)

  describe("job deletes", function()
    it("a delete whose answer was lost, then not found, counts as done (maybe_deleted)", function()
      assert(s:inject { method = "DELETE", path = "/job/delete/{job_id}", fault = "close", act = true, times = 2 })
      local r = tp:delete_jobs({ "j-done-005" })
      assert.same({ "j-done-005" }, r.ok, tostring(r))
      assert.same({ "j-done-005" }, r.maybe_deleted)
      assert.is_nil(thing("jobs", "j-done-005"))
    end)
  end)

  describe("the edit that lifts protection", function()
    it("an edit whose answer was lost is sent again; the destroy follows", function()
      assert(s:inject { method = "PATCH", path = "/cluster/edit/{cluster}", fault = "close", act = true, times = 2 })
      local r = tp:destroy_clusters({ "c-prod-serving" }, { unprotect = true, wait = true })
      assert.same({ "c-prod-serving" }, r.ok, tostring(r))
      assert.same({ "c-prod-serving" }, r.unprotected)
      assert.is_nil(thing("clusters", "c-prod-serving"))
    end)

    it("an edit whose request polls fail is polled through; one that never ends destroys nothing", function()
      assert(s:inject { method = "GET", path = "/request/info/{request_id}", status = 500, body = "oops" })
      local v = assert(tp:destroy_cluster("c-prod-serving", { unprotect = true }))
      assert.is_true(v.unprotected)
      assert(s:inject { method = "GET", path = "/request/info/{request_id}", status = 503, body = "", times = -1 })
      local r = tp:destroy_storages({ "s-prod-models" }, { unprotect = true, deadline = 0.6 })
      assert.equal("timeout", r.failed["s-prod-models"].code)
      assert.match("nothing destroyed", r.failed["s-prod-models"].message)
      assert.equal("READY", thing("volumes", "s-prod-models").status)
    end)
  end)
end)
