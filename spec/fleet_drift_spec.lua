-- Nothing is deleted that changed since the plan (issue 18, finding 5): an
-- instance that started running and an endpoint that got a running worker
-- between plan() and delete() are skipped and named; the rest is deleted;
-- force = true deletes without looking and the report says so. The re-read
-- is one show per thing or one listing per kind, whichever costs less.

local support = require "support.unattended"

describe("fleet:delete after a plan", function()
  local clock = { t = 1767225600 }
  local suite = support.suite(clock)
  local s, fleet
  before_each(function() s, fleet = suite.s, suite.fleet end)

  local function deletes()
    local out = {}
    for _, e in ipairs(assert(s:log())) do
      if e.method == "DELETE" then out[#out + 1] = e.path end
    end
    return out
  end

  local function planned()
    local rows = assert(fleet:list())
    return fleet:plan(rows:filter(function(r)
      return r.key == "vast:instance:5004" or r.key == "vast:instance:5006"
        or r.key == "vast:endpoint:102" or r.key == "vast:endpoint:104"
    end))
  end

  it("skips an instance that started and an endpoint that got a running worker, and names what changed", function()
    local plan = planned()
    assert.equal(4, plan.count)
    assert.same({ state = "stopped", status = "stopped", name = "train", label = "train", cost_per_hour = 0.245 },
      plan.records["vast:instance:5004"])
    -- (a stopped instance's cost is its disk's: issue 21)
    -- the world moves on between the plan and the delete
    support.reset_with(s, support.busy(102))
    local vast = fleet.by_provider.vast.client
    assert(vast:start_instance(5004))
    assert(s:clear_log())
    local report = fleet:delete(plan)
    assert.same({ "vast:instance:5006", "vast:endpoint:104" }, report.ok)
    assert.same({ "vast:instance:5004", "vast:endpoint:102" }, report.skipped)
    assert.equal("changed since plan: state stopped -> running, status stopped -> running, cost_per_hour 0.245 -> 2.45",
      report.skip_reasons["vast:instance:5004"])
    assert.equal("changed since plan: state idle -> running", report.skip_reasons["vast:endpoint:102"])
    assert.equal(0, report:failed_count())
    local text = tostring(report)
    assert.match("deleted 2 of 4, 0 failed, 2 skipped", text, 1, true)
    assert.match("skipped vast:endpoint:102: changed since plan: state idle -> running", text, 1, true)
    assert.same({ "/api/v0/instances/5006/", "/api/v0/endptjobs/104/" }, deletes())
  end)

  it("deletes what still matches, reading each thing again", function()
    local plan = planned()
    assert(s:clear_log())
    local report = fleet:delete(plan)
    assert.equal(4, #report.ok, tostring(report))
    assert.same({}, report.skipped)
    assert.is_nil(report.forced)
  end)

  it("skips a thing gone since the plan, and one renamed", function()
    local plan = planned()
    support.reset_with(s, function(seed)
      support.change("instances", 5006, { label = "keep-me" })(seed)
      for i, e in ipairs(seed.vast.endpoints) do
        if e.id == 104 then table.remove(seed.vast.endpoints, i) break end
      end
    end)
    local report = fleet:delete(plan)
    assert.equal("changed since plan: gone", report.skip_reasons["vast:endpoint:104"])
    assert.equal("changed since plan: name ci -> keep-me, label ci -> keep-me",
      report.skip_reasons["vast:instance:5006"])
    assert.same({ "vast:instance:5004", "vast:endpoint:102" }, report.ok)
  end)

  it("with force = true deletes without reading again, and says so", function()
    local plan = planned()
    support.reset_with(s, support.busy(102))
    assert(s:clear_log())
    local report = fleet:delete(plan, { force = true })
    assert.equal(4, #report.ok)
    assert.is_true(report.forced)
    assert.match("force: nothing was read again", tostring(report), 1, true)
    for _, e in ipairs(assert(s:log())) do
      assert.equal("DELETE", e.method, "force reads nothing: " .. e.method .. " " .. e.path)
    end
  end)

  it("does not delete what it cannot read again: failed, nothing sent", function()
    local plan = planned()
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/{id}/", status = 500, body = "down", times = -1 })
    assert(s:clear_log())
    local report = fleet:delete(plan)
    local err = report.failed["vast:endpoint:102"]
    assert.equal("server_error", err.code)
    assert.match("could not be read again", err.message, 1, true)
    assert.is_nil(err.may_have_landed)
    for _, p in ipairs(deletes()) do assert.is_nil(p:find("endptjobs", 1, true), p) end
  end)

  it("re-reads one thing by its show, many by one listing", function()
    local rows = assert(fleet:list())
    -- one endpoint: its show and its workers (2 requests) cost less than the
    -- listing and the workers of every active endpoint
    local one = fleet:plan(rows:filter { key = "vast:endpoint:102" })
    assert(s:clear_log())
    fleet:delete(one, { dry_run = true })
    local log = assert(s:log())
    assert.same({ "GET /api/v0/endptjobs/102/", "POST /get_endpoint_workers/" },
      { log[1].method .. " " .. log[1].path, log[2].method .. " " .. log[2].path })
    assert.equal(2, #log)
    -- one instance: its show costs what the listing's one page costs; a tie
    -- goes to the listing, and so do TensorPool's kinds (an unpaged listing)
    local more = fleet:plan(rows:filter(function(r)
      return r.key == "vast:instance:5006" or (r.provider == "tensorpool" and r.kind == "cluster")
    end))
    assert(s:clear_log())
    fleet:delete(more, { dry_run = true })
    local paths = {}
    for _, e in ipairs(assert(s:log())) do paths[#paths + 1] = e.path end
    table.sort(paths)
    assert.same({ "/api/v1/instances/", "/cluster/list" }, paths)
  end)

  it("a dry run says what the run would skip", function()
    local plan = planned()
    support.reset_with(s, support.busy(102))
    local dry = fleet:delete(plan, { dry_run = true })
    assert.same({ "vast:instance:5004", "vast:instance:5006", "vast:endpoint:104" }, dry.would_delete)
    assert.same({ "vast:endpoint:102" }, dry.skipped)
  end)
end)
