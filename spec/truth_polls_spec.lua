-- Issue 18, finding 2: a poll answer is about what was polled, or it is
-- bad_response (rows say `echo`; a wait says the type and thing it
-- follows); an id a server hands back passes the checks a user's id does
-- before it goes into a path. Each of these failed on main (a1d925a).

local gpucloud = require "gpucloud"
local server = require "gpucloud.sim.server"

local function no_env() end

local REQUEST = "/request/info/{request_id}"
local JOB = "/job/info/{job_id}"

describe("finding 2: polls are about what was polled", function()
  local s, tp
  setup(function() s = assert(server.start {}) end)
  teardown(function() s:stop() end)
  before_each(function()
    assert(s:reset())
    assert(s:config { retry_after = "0", request_step = 0 })
    tp = gpucloud.tensorpool { url = s.url, api_key = s.keys.tensorpool, getenv = no_env,
                               backoff = { base = 0.01, max = 0.05 } }
  end)
  after_each(function() tp:close() end)

  local function cluster(id)
    for _, c in ipairs(assert(s:state()).tensorpool.clusters) do
      if c.cluster_id == id then return c end
    end
  end
  local function polled(prefix)
    local n = 0
    for _, e in ipairs(assert(s:log())) do
      if e.path:sub(1, #prefix) == prefix then n = n + 1 end
    end
    return n
  end
  -- Every poll of a request answers another request's info, COMPLETED.
  local function foreign_requests(extra)
    local info = { request_id = "r-someone-else", request_type = "CLUSTER_RELEASE", status = "COMPLETED",
                   object_id = "c-train-a100x8" }
    for k, v in pairs(extra or {}) do info[k] = v end
    assert(s:inject { method = "GET", path = REQUEST, status = 200, json = info, times = -1 })
  end
  -- The destroy is answered (not carried out) with this request id.
  local function destroy_answers(request_id)
    assert(s:inject { method = "DELETE", path = "/cluster/{cluster}", status = 202,
                      json = { cluster_id = "c-train-a100x8", request_id = request_id, message = "Releasing" } })
  end

  it("wait_request accepts no info whose request_id is another request's", function()
    foreign_requests()
    local info, err = tp:wait_request("r-1", { deadline = 0.3, interval = 0.02 })
    assert.is_nil(info, "a foreign COMPLETED is not this request's end")
    assert.equal("timeout", err.code)
    assert.equal("bad_response", err.last_error.code)
    assert.match("r%-someone%-else", err.last_error.message)
  end)

  it("get_request_info itself refuses an answer about another request", function()
    foreign_requests()
    local info, err = tp:get_request_info("r-1")
    assert.is_nil(info)
    assert.equal("bad_response", err.code)
  end)

  it("destroy_clusters{wait = true} never reports destroyed on another request's COMPLETED", function()
    destroy_answers("r-mine")
    foreign_requests()
    local r = tp:destroy_clusters({ "c-train-a100x8" }, { wait = true, deadline = 0.5 })
    assert.same({}, r.ok, tostring(r))
    local err = r.failed["c-train-a100x8"]
    assert.truthy(err, tostring(r))
    assert.is_true(err.may_have_landed)
    assert.equal("RUNNING", cluster("c-train-a100x8").status, "the listing shows it running")
  end)

  it("a request about another thing ends the wait as bad_response", function()
    destroy_answers("r-mine")
    foreign_requests { request_id = "r-mine", object_id = "c-dev-h100" }
    local r = tp:destroy_clusters({ "c-train-a100x8" }, { wait = true, deadline = 2 })
    assert.same({}, r.ok, tostring(r))
    assert.equal("bad_response", r.failed["c-train-a100x8"].code)
    assert.match("c%-dev%-h100", r.failed["c-train-a100x8"].message)
  end)

  it("a request with no type, where the wait follows a destroy, is not the destroy's", function()
    destroy_answers("r-mine")
    foreign_requests { request_id = "r-mine", request_type = gpucloud.null }
    local r = tp:destroy_clusters({ "c-train-a100x8" }, { wait = true, deadline = 2 })
    assert.same({}, r.ok, tostring(r))
    assert.equal("bad_response", r.failed["c-train-a100x8"].code)
  end)

  it("wait_job accepts no info about another job", function()
    assert(s:inject { method = "GET", path = JOB, status = 200, times = -1,
                      json = { message = "Job info retrieved", job_info = { id = "j-other", status = "canceled" } } })
    local info, err = tp:wait_job("j-train-001", { deadline = 0.3, interval = 0.02 })
    assert.is_nil(info)
    assert.equal("timeout", err.code)
    assert.equal("bad_response", err.last_error.code)
  end)

  it("cancel_jobs{wait = true} never reports canceled on another job's info", function()
    assert(s:inject { method = "GET", path = JOB, status = 200, times = -1,
                      json = { message = "Job info retrieved", job_info = { id = "j-other", status = "canceled" } } })
    local r = tp:cancel_jobs({ "j-train-001" }, { wait = true, deadline = 0.4 })
    assert.same({}, r.ok, tostring(r))
    assert.is_true(r.failed["j-train-001"].may_have_landed)
  end)

  for _, rid in ipairs { "..", ".", "a/b", "r\n1" } do
    it("a request_id " .. require("gpucloud.args").describe(rid) .. " from the server never goes into a path",
      function()
      destroy_answers(rid)
      local r = tp:destroy_clusters({ "c-train-a100x8" }, { wait = true, deadline = 2 })
      assert.same({}, r.ok, tostring(r))
      local err = r.failed["c-train-a100x8"]
      assert.equal("bad_response", err.code)
      assert.is_true(err.may_have_landed, "the destroy was accepted")
      assert.equal(0, polled("/request"), "nothing polled")
    end)
  end

  it("the ordinary waits still end: a real destroy, followed to COMPLETED", function()
    local r = tp:destroy_clusters({ "c-train-a100x8" }, { wait = true })
    assert.same({ "c-train-a100x8" }, r.ok, tostring(r))
    assert.equal("COMPLETED", r.results["c-train-a100x8"].request.status)
    assert.is_nil(cluster("c-train-a100x8"))
  end)
end)
