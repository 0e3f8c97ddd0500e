-- Every TensorPool operation through the C core, over real sockets, against
-- the simulator, including the asynchronous destroy and wait_request.

local gpucloud = require "gpucloud"
local fixture = require "support.sim"

describe("tensorpool over HTTP", function()
  -- on a virtual clock: the waits' pauses are asserted, not waited for
  local sim = fixture.use { config = { retry_after = "0" } }
  local tp

  before_each(function() tp = sim:tensorpool() end)

  local function sent() return assert(sim:log()) end

  local function assert_wire(entry, method, path, query)
    assert.equal(method, entry.method)
    assert.equal(path, entry.path)
    assert.equal(query or "", entry.query or "")
    assert.equal("Bearer " .. sim.keys.tensorpool, entry.headers.authorization)
    assert.equal("", entry.body or "")
  end

  local function check(status, code, value, err)
    assert.is_nil(value)
    assert.truthy(gpucloud.is_error(err))
    assert.equal(status, err.status)
    assert.equal(code, err.code)
    assert.truthy(err.message and err.message ~= "")
    assert.not_match(sim.keys.tensorpool, tostring(err), 1, true)
    return err
  end

  it("list_clusters returns the clusters as a list and the whole answer", function()
    local clusters, whole = assert(tp:list_clusters())
    assert.truthy(#clusters >= 7)
    assert.truthy(clusters:first { cluster_id = "c-prod-serving" })
    assert.equal("string", type(whole.message))
    assert.truthy(#clusters:ids() == #clusters)
    assert_wire(sent()[1], "GET", "/cluster/list")
    assert(tp:list_clusters { include_org = true, instances = true })
    assert_wire(sent()[2], "GET", "/cluster/list", "include_org=true&instances=true")
  end)

  it("destroy_cluster answers 202 with a request id, and wait_request follows it to COMPLETED", function()
    local res = assert(tp:destroy_cluster("c-dev-h100"))
    assert.equal("c-dev-h100", res.cluster_id)
    assert.equal("string", type(res.request_id))
    assert_wire(sent()[1], "DELETE", "/cluster/c-dev-h100")
    local info = assert(tp:wait_request(res.request_id, { deadline = 10 }))
    assert.equal("COMPLETED", info.status)
    assert.equal("CLUSTER_RELEASE", info.request_type)
    assert.equal("c-dev-h100", info.object_id)
    assert.is_nil(assert(tp:list_clusters()):first { cluster_id = "c-dev-h100" })
    assert_wire(sent()[2], "GET", "/request/info/" .. res.request_id)
  end)

  it("get_request_info shows the request's progress", function()
    local res = assert(tp:destroy_cluster("c-train-a100x8"))
    local seen = {}
    for i = 1, 3 do seen[i] = assert(tp:get_request_info(res.request_id)).status end
    assert.same({ "PENDING", "PROCESSING", "COMPLETED" }, seen)
  end)

  it("wait_request honours Retry-After", function()
    assert(sim:config { retry_after = "1" })
    local res = assert(tp:destroy_cluster("c-empty"))
    assert(tp:wait_request(res.request_id, { deadline = 10, interval = 0 }))
    -- PENDING and PROCESSING each ask for one second before COMPLETED
    assert.same({ 1, 1 }, sim.clock.slept)
  end)

  it("wait_request returns nil, err when the request FAILS", function()
    local res = assert(tp:destroy_cluster("c-flaky-b200"))
    local v, err = tp:wait_request(res.request_id, { deadline = 10 })
    assert.is_nil(v)
    assert.equal("failed", err.code)
    assert.equal("FAILED", err.info.status)
    assert.truthy(err.message ~= "")
  end)

  it("wait_request gives up with code timeout", function()
    assert(sim:config { retry_after = "1" })
    local res = assert(tp:destroy_cluster("c-train-a100x8"))
    local v, err = tp:wait_request(res.request_id, { deadline = 0.5 })
    assert.is_nil(v)
    assert.equal("timeout", err.code)
    -- the server's 1 s is cut to what is left of the deadline
    assert.same({ 0.5 }, sim.clock.slept)
  end)

  it("a null request id comes back as nil", function()
    local res = assert(tp:destroy_cluster("c-legacy.v1"))
    assert.equal("c-legacy.v1", res.cluster_id)
    assert.is_nil(res.request_id)
  end)

  it("cluster ids are percent-encoded on the wire", function()
    check(422, "invalid", tp:destroy_cluster("bad id?"))
    assert.equal("/cluster/bad%20id%3F", sent()[1].path)
  end)

  describe("failures", function()
    it("404 cluster not found", function()
      check(404, "not_found", tp:destroy_cluster("c-nope"))
    end)

    it("409 deletion protection", function()
      local err = check(409, "conflict", tp:destroy_cluster("c-prod-serving"))
      assert.match("[Pp]rotection", err.message)
    end)

    it("409 instances not RUNNING", function()
      check(409, "conflict", tp:destroy_cluster("c-provisioning-l40s"))
    end)

    it("409 when already being destroyed", function()
      assert(tp:destroy_cluster("c-dev-h100"))
      check(409, "conflict", tp:destroy_cluster("c-dev-h100"))
    end)

    it("422 validation errors joined into one message", function()
      local err = check(422, "invalid", tp:destroy_cluster(("x"):rep(80)))
      assert.match("cluster", err.message)
      assert.equal("table", type(err.body.detail))
    end)

    it("401 and 403", function()
      local bad = sim:tensorpool { api_key = "nope" }
      local err = check(401, "unauthorized", bad:list_clusters())
      assert.equal("Invalid or missing authentication token", err.message)
      local ro = sim:tensorpool { api_key = "tp-sim-readonly-key" }
      check(403, "forbidden", ro:destroy_cluster("c-dev-h100"))
    end)

    it("500", function()
      assert(sim:inject { method = "DELETE", path = "/cluster/c-dev-h100", status = 500,
        json = { detail = "Internal server error" } })
      local err = check(500, "server_error", tp:destroy_cluster("c-dev-h100"))
      assert.equal("Internal server error", err.message)
      assert.is_false(err.retryable) -- only 502/503/504 are worth repeating
    end)

    it("404 for an unknown request", function()
      check(404, "not_found", tp:get_request_info("req-nope"))
      check(404, "not_found", tp:wait_request("req-nope", { deadline = 5 }))
    end)
  end)
end)
