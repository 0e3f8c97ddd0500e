-- One fleet across providers: the listing (every kind, the common state,
-- cost, a provider down), the plan (the same ids for the dry run and the
-- run, $/h summed), the delete (order, cross-provider concurrency, the
-- report) and verify (a delete answered 200 that left the thing there).

local gpucloud = require "gpucloud"
local plan_mod = require "gpucloud.fleet.plan"
local sim = require "support.sim"

describe("the fleet", function()
  -- both clients on one virtual clock: the waits and pacing take no time
  local s = sim.use { config = { retry_after = "0" } }
  local vast, tp, fleet

  before_each(function()
    vast = s:vast { backoff = { base = 0, max = 0 } }
    tp = s:tensorpool { backoff = { base = 0, max = 0 } }
    fleet = gpucloud.fleet { vast = vast, tensorpool = tp }
  end)

  local function by_key(rows)
    local t = {}
    for _, r in ipairs(rows) do t[r.key] = r end
    return t
  end

  it("lists every kind of every provider in one list of rows with a common shape", function()
    local rows, errs = fleet:list()
    assert.is_nil(errs)
    local k = by_key(rows)
    local ep = k["vast:endpoint:102"]
    assert.same({ "vast", "endpoint", 102, "sdxl-turbo", "active", "idle" },
      { ep.provider, ep.kind, ep.id, ep.name, ep.status, ep.state })
    assert.equal(1760100000, ep.created_at)
    assert.is_true(ep.age > 0)
    assert.equal(102, ep.raw.id)
    assert.equal("running", k["vast:endpoint:101"].state)
    assert.equal("stopped", k["vast:endpoint:103"].state)
    assert.is_nil(k["vast:endpoint:105"].state, "not ready: its workers cannot be read")
    assert.equal("conflict", k["vast:endpoint:105"].state_error.code)
    assert.equal("vast:endpoint:101", k["vast:workergroup:201"].parent)
    local c = k["tensorpool:cluster:c-prod-serving"]
    assert.same({ "running", "RUNNING", true }, { c.state, c.status, c.protected })
    assert.equal("pending", k["tensorpool:cluster:c-provisioning-l40s"].state)
    -- the list methods, and the common vocabulary of states
    for _, r in ipairs(rows) do
      assert.truthy(r.state == nil or require("gpucloud.fleet").STATES[r.state], r.key)
    end
    assert.same({ "vast:endpoint:102", "vast:endpoint:104" },
      rows:filter { kind = "endpoint", state = { "idle", "failed" } }:ids())
  end)

  -- issue 23: a paged listing asks the server for what `where` selects, so
  -- that its pages carry no more; the rows are the ones filtering all gives
  it("lists with where: the rows rows:filter gives, instances filtered on the server", function()
    local function keys(rows)
      local out = {}
      for _, r in ipairs(rows) do out[#out + 1] = r.key end
      table.sort(out)
      return out
    end
    local all = assert(fleet:list { kinds = { "instance", "endpoint" } })
    for _, where in ipairs {
      { state = "running" }, { state = { "pending", "failed" } }, { state = { "stopped" }, name = "train" },
      { state = "gone" }, { name = function(n) return n == "ci" end },
    } do
      assert(s:clear_log())
      local rows, errs = fleet:list { kinds = { "instance", "endpoint" }, where = where }
      assert.is_nil(errs)
      assert.same(keys(all:filter(where)), keys(rows))
      local sent
      for _, e in ipairs(assert(s:log())) do
        if e.path == "/api/v1/instances/" then sent = e.query and e.query:match("select_filters=([^&]*)") end
      end
      if type(where.name) == "function" or where.state == "gone" then
        assert.is_nil(sent, "nothing the server can apply: no select_filters")
      else
        sent = assert(sent, "select_filters sent"):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
        local f = require("gpucloud.json").decode(sent)
        assert.truthy(f.actual_status["in"])
        if where.name then assert.same({ eq = where.name }, f.label) end
      end
    end
    -- the pending instance without a status is asked for as null
    local rows = assert(fleet:list { kinds = { "instance" }, where = { state = "pending" } })
    assert.truthy(by_key(rows)["vast:instance:5012"])
  end)

  it("keeps the other providers' rows when one provider's listing fails, and says which", function()
    assert(s:inject { method = "GET", path = "/cluster/list", status = 500, body = "down", times = -1 })
    local rows, errs = fleet:list()
    assert.equal(1, #errs)
    assert.equal("tensorpool:cluster", errs[1].fleet)
    assert.equal("server_error", errs[1].code)
    assert.is_true(#rows:filter { provider = "vast" } > 0)
    assert.equal(0, #rows:filter { provider = "tensorpool", kind = "cluster" })
    -- the provider's other kinds are listed apart, and still there
    assert.is_true(#rows:filter { provider = "tensorpool", kind = "storage" } > 0)
    local only, errs2 = fleet:list { kinds = { "endpoint" } }
    assert.is_nil(errs2)
    assert.same({ "endpoint" }, { only[1].kind })
    assert.has_error(function() fleet:list { kinds = { "spaceship" } } end)
  end)

  it("plans what would go, per provider and kind, with the $/h it saves", function()
    local rows = gpucloud.list {
      { provider = "tensorpool", kind = "cluster", id = "c-1", cost_per_hour = 2.5 },
      { provider = "vast", kind = "endpoint", id = 102, cost_per_hour = 0.25 },
      { provider = "vast", kind = "workergroup", id = 201 },
      { provider = "tensorpool", kind = "cluster", id = "c-2", cost_per_hour = 1.25, protected = true },
      { provider = "tensorpool", kind = "cluster", id = "c-1", cost_per_hour = 2.5 }, -- the same again
    }
    local plan = fleet:plan(rows)
    assert.equal(4, plan.count)
    assert.near(4.0, plan.cost_per_hour, 1e-9)
    assert.equal(1, plan.unknown_cost)
    assert.same({ "vast:workergroup:201", "vast:endpoint:102", "tensorpool:cluster:c-1", "tensorpool:cluster:c-2" },
      plan.keys, "workergroups before endpoints; providers in one order")
    assert.same({ "tensorpool:cluster:c-2" }, plan.protected)
    local text = tostring(plan)
    assert.match("plan: delete 4 things, saving %$4%.00/h %(1 without a known cost%)", text)
    assert.match("tensorpool%s+cluster%s+2%s+%$3%.75/h", text)
    assert.has_error(function() fleet:plan { { provider = "vast", kind = "yacht", id = 1 } } end)
  end)

  it("deletes the plan the dry run showed, in a safe order, with one report keyed provider:kind:id", function()
    local rows = assert(fleet:list())
    local pick = rows:filter(function(r)
      return (r.kind == "endpoint" and r.state == "idle") or r.key == "vast:workergroup:201"
        or r.key == "tensorpool:cluster:c-dev-h100" or r.key == "tensorpool:cluster:c-flaky-b200"
    end)
    local plan = pick:plan()
    local dry = fleet:delete(plan, { dry_run = true })
    assert.same(plan.keys, dry.would_delete)
    assert(s:clear_log())
    -- the rows change after the plan: the plan does not
    pick[1] = { provider = "vast", kind = "endpoint", id = 101 }
    local report = fleet:delete(plan)
    local seen = {}
    for _, k in ipairs(report.ok) do seen[k] = "ok" end
    for k in pairs(report.failed) do seen[k] = "failed" end
    for _, k in ipairs(plan.keys) do assert.truthy(seen[k], k .. " is in the report") end
    assert.equal(#plan.keys, #report.ok + report:failed_count())
    assert.equal("failed", report.failed["tensorpool:cluster:c-flaky-b200"].code, "its destroy request FAILED")
    assert.equal("ok", seen["vast:endpoint:102"])
    local deleted = {}
    for _, e in ipairs(assert(s:log())) do
      if e.method == "DELETE" then deleted[#deleted + 1] = e.path end
    end
    -- workergroups go before the endpoints; nothing outside the plan
    assert.equal("/api/v0/workergroups/201/", deleted[1])
    for _, p in ipairs(deleted) do assert.is_nil(p:find("/101/", 1, true), "not planned: " .. p) end
    assert.has_error(function() fleet:delete(plan, { max = 2 }) end, nil)
  end)

  it("runs the providers at once", function()
    assert(s:inject { method = "DELETE", path = "/api/v0/endptjobs/{id}/", delay = 0.3, times = -1 })
    assert(s:inject { method = "DELETE", path = "/cluster/{cluster}", delay = 0.3, times = -1 })
    local plan = fleet:plan {
      { provider = "vast", kind = "endpoint", id = 102 },
      { provider = "tensorpool", kind = "cluster", id = "c-dev-h100" },
    }
    local report = fleet:delete(plan, { wait = false })
    assert.equal(2, #report.ok, tostring(report))
    -- the simulator held both providers' deletes at once
    assert.equal(2, assert(s:stats()).max_held)
  end)

  it("verify: a delete answered 200 that left the thing there is failed, still present", function()
    -- the simulator says it deleted workergroup 203 and keeps it
    assert(s:inject { method = "DELETE", path = "/api/v0/workergroups/203/", status = 200,
                      json = { success = true, msg = "Deleted" } })
    local plan = fleet:plan {
      { provider = "vast", kind = "workergroup", id = 203 },
      { provider = "vast", kind = "workergroup", id = 204 },
    }
    local unverified = fleet:delete(plan)
    assert.equal(2, #unverified.ok, "without verify the answer is all there is")
    assert(s:reset())
    assert(s:inject { method = "DELETE", path = "/api/v0/workergroups/203/", status = 200,
                      json = { success = true, msg = "Deleted" } })
    local report = fleet:delete(plan, { verify = true })
    assert.same({ "vast:workergroup:204" }, report.ok)
    local err = report.failed["vast:workergroup:203"]
    assert.equal("failed", err.code)
    assert.match("still present after delete", err.message)
  end)

  it("verify: a job the cancel left listed as canceled is done, not still present", function()
    local rows = assert(fleet:list { kinds = { "tensorpool:job" } })
    local running
    for _, r in ipairs(rows) do if r.state == "running" then running = running or r end end
    assert(running, "the seed has a running job")
    local report = fleet:delete(fleet:plan { { provider = "tensorpool", kind = "job", id = running.id } },
      { verify = true })
    assert.same({ running.key }, report.ok, tostring(report))
    assert.is_nil(next(report.failed))
    -- a canceled job is still listed, as what the cancel made of it
    local after = by_key(assert(fleet:list { kinds = { "tensorpool:job" } }))
    assert.equal("stopped", after[running.key].state)
  end)

  it("takes clients made from the environment, and refuses what is not one", function()
    local f = gpucloud.fleet { vast = true }
    -- instances and volumes appear with the client's rows for them (issue 12), deployments (issue 21)
    assert.same({ "vast:deployment", "vast:instance", "vast:workergroup", "vast:endpoint", "vast:volume" },
      f:kinds())
    assert.has_error(function() gpucloud.fleet { vast = tp } end)
    assert.has_error(function() gpucloud.fleet { aws = true } end)
    assert.has_error(function() gpucloud.fleet {} end)
    assert.equal("vast:endpoint:9007199254740992", plan_mod.key("vast", "endpoint", 2 ^ 53))
  end)
end)

describe("the fleet's delete", function()
  local s = sim.use()

  it("checks every id of every provider before any provider starts deleting", function()
    local fleet = gpucloud.fleet { vast = s:vast(), tensorpool = s:tensorpool() }
    local plan = fleet:plan {
      { provider = "vast", kind = "workergroup", id = 201 },
      { provider = "tensorpool", kind = "cluster", id = "a/b" }, -- no cluster id can hold a '/'
    }
    assert(s:clear_log())
    assert.has_error(function() fleet:delete(plan) end)
    for _, e in ipairs(assert(s:log())) do assert.not_equal("DELETE", e.method) end
  end)
end)
