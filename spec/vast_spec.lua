-- Every Vast.ai operation through the C core, over real sockets, against the
-- simulator: what goes on the wire, what comes back, every documented failure.

local gpucloud = require "gpucloud"
local server = require "gpucloud.sim.server"
local fixture = require "support.sim"
local sub = require "support.subprocess"

describe("vast over HTTP", function()
  local sim = fixture.use()
  local vast
  -- one attempt per call: each answer is checked on its own (call_spec does retries)
  before_each(function() vast = sim:vast { retries = 0 } end)

  -- the requests the simulator saw, without its control calls
  local function sent()
    return assert(sim:log())
  end

  local function assert_wire(entry, method, path, body)
    assert.equal(method, entry.method)
    assert.equal(path, entry.path)
    assert.equal("Bearer " .. sim.keys.vast, entry.headers.authorization)
    assert.equal("127.0.0.1:" .. sim.port, entry.headers.host)
    assert.match("^gpucloud/", entry.headers["user-agent"])
    assert.equal(body, entry.body ~= "" and entry.body or nil)
    assert.equal("", entry.query or "")
  end

  it("show_endpoints lists endpoints with integer ids", function()
    local eps, whole = assert(vast:show_endpoints())
    assert.same({ 101, 102, 103, 104, 105, 106 }, eps:ids():sort_by(function(x) return x end))
    assert.is_true(whole.success)
    if math.type then assert.equal("integer", math.type(eps[1].id)) end
    assert_wire(sent()[1], "GET", "/api/v0/endptjobs/")
  end)

  it("show_workergroups lists workergroups", function()
    local wgs = assert(vast:show_workergroups())
    assert.equal(8, #wgs)
    assert.truthy(wgs:first { id = 201 })
    assert_wire(sent()[1], "GET", "/api/v0/workergroups/")
  end)

  it("get_endpoint_workers posts {\"id\":N} to the run host", function()
    local workers = assert(vast:get_endpoint_workers(101))
    assert.equal(7, #workers)
    assert.truthy(workers:first { status = "running" })
    local e = sent()[1]
    assert_wire(e, "POST", "/get_endpoint_workers/", '{"id":101}')
    assert.equal("application/json", e.headers["content-type"])
  end)

  it("get_endpoint_workers accepts the bare-list answer", function()
    local workers = assert(vast:get_endpoint_workers(106))
    assert.equal(5, #workers)
    assert.truthy(gpucloud.list(workers))
  end)

  it("get_workergroup_workers posts {\"id\":N}", function()
    local workers = assert(vast:get_workergroup_workers(201))
    assert.truthy(#workers > 0)
    assert_wire(sent()[1], "POST", "/get_workergroup_workers/", '{"id":201}')
  end)

  it("delete_workergroup deletes it and its workers", function()
    local before = #assert(vast:show_workergroups())
    local res = assert(vast:delete_workergroup(201))
    assert.is_true(res.success)
    assert.equal("table", type(res.deleted_workers))
    assert.same({}, res.failed_workers)
    assert.equal(before - 1, #assert(vast:show_workergroups()))
    assert_wire(sent()[2], "DELETE", "/api/v0/workergroups/201/")
  end)

  it("delete_endpoint takes an id straight from a listing: /endptjobs/102/, not 102.0", function()
    local ep = assert(vast:show_endpoints()):first { endpoint_name = "sdxl-turbo" }
    local res = assert(vast:delete_endpoint(ep.id))
    assert.is_true(res.success)
    assert.match("Deleted endpoint job", res.msg)
    assert_wire(sent()[2], "DELETE", "/api/v0/endptjobs/102/")
    assert.is_nil(assert(vast:show_endpoints()):first { id = 102 })
  end)

  it("never puts the key in a URL", function()
    assert(vast:show_endpoints())
    assert(vast:get_endpoint_workers(101))
    vast:delete_endpoint(9999)
    for _, e in ipairs(sent()) do
      assert.not_match(sim.keys.vast, e.path .. (e.query or ""), 1, true)
    end
  end)

  describe("failures", function()
    -- the call goes last so both of its results arrive
    local function check(status, code, server_code, message, value, err)
      assert.is_nil(value)
      assert.truthy(gpucloud.is_error(err))
      assert.equal(status, err.status)
      assert.equal(code, err.code)
      assert.equal(server_code, err.server_code)
      if message then assert.equal(message, err.message) end
      assert.not_match(sim.keys.vast, tostring(err), 1, true)
    end

    it("404 no_such_workergroup", function()
      local v, err = vast:delete_workergroup(4242)
      check(404, "not_found", "no_such_workergroup", "No workergroup by that id is available.", v, err)
      assert.equal(4242, err.body.id)
      assert.equal("vast.delete_workergroup", err.op)
      assert.is_false(err.retryable)
    end)

    it("400 invalid_args for an unknown endpoint", function()
      check(400, "not_found", "invalid_args", "Routegroup not found for user", vast:delete_endpoint(4242))
    end)

    it("400 invalid_args for a bad autojob id (sent by hand)", function()
      local c = require("gpucloud.core").new()
      local res = assert(c:request { method = "DELETE", url = sim.url .. "/api/v0/workergroups/abc/",
        headers = { Authorization = "Bearer " .. sim.keys.vast } })
      c:close()
      local value, err = require("gpucloud.request").read("vast.delete_workergroup", {}, res)
      check(400, "invalid", "invalid_args", "Invalid autojob ID", value, err)
    end)

    it("401 with a wrong key", function()
      local bad = gpucloud.vast { url = sim.url, api_key = "wrong-key", getenv = function() end }
      check(401, "unauthorized", "invalid_api_key", nil, bad:show_endpoints())
      check(401, "unauthorized", "invalid_api_key", nil, bad:delete_endpoint(101))
      bad:close()
    end)

    it("200 with a JSON string on the run host", function()
      local v, err = vast:get_endpoint_workers(999)
      check(200, "not_found", nil, nil, v, err)
      assert.match("^authenticate_endpoint_apikey: invalid api_key or endpoint", err.message)
      v, err = vast:get_workergroup_workers(999)
      check(200, "not_found", nil, nil, v, err)
      assert.match("^authenticate_workergroup_apikey:", err.message)
    end)

    it("200 {\"error_msg\"} when the endpoint is not ready", function()
      check(200, "conflict", nil, "Endpoint is not ready yet", vast:get_endpoint_workers(105))
    end)

    it("200 {\"success\": false}", function()
      assert(sim:inject { method = "DELETE", path = "/api/v0/endptjobs/101/", status = 200,
        json = { success = false, msg = "Endpoint is locked" } })
      check(200, "invalid", nil, "Endpoint is locked", vast:delete_endpoint(101))
    end)

    it("429 with a JSON detail, and as plain text", function()
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 429,
        json = { detail = "API requests too frequent endpoint threshold=3.0" } })
      local v, err = vast:show_endpoints()
      check(429, "rate_limited", nil, "API requests too frequent endpoint threshold=3.0", v, err)
      assert.is_true(err.retryable)
      assert(sim:inject { method = "DELETE", path = "/api/v0/workergroups/201/", status = 429,
        body = "API requests too frequent" })
      check(429, "rate_limited", nil, "API requests too frequent", vast:delete_workergroup(201))
    end)

    it("5xx HTML pages", function()
      assert(sim:inject { method = "GET", path = "/api/v0/workergroups/", status = 502,
        headers = { ["Content-Type"] = "text/html" },
        body = "<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>" })
      local v, err = vast:show_workergroups()
      check(502, "server_error", nil, "502 Bad Gateway", v, err)
      assert.is_true(err.retryable)
    end)

    it("invalid JSON on a 200", function()
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 200, body = '{"success": tru' })
      check(200, "bad_response", nil, nil, vast:show_endpoints())
    end)

    it("a connection refused", function()
      local gone = gpucloud.vast { url = "http://127.0.0.1:1", api_key = "k", getenv = function() end }
      local v, err = gone:show_endpoints()
      check(nil, "connect", nil, nil, v, err)
      assert.is_true(err.retryable)
      gone:close()
    end)

    it("a timeout", function()
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", delay = 2 })
      local v, err = vast:show_endpoints { timeout = 0.2 }
      check(nil, "timeout", nil, nil, v, err)
    end)

    it("bad ids raise and send nothing", function()
      for _, bad in ipairs { "../x", -1, 0, 1.5, "abc" } do
        assert.has_error(function() vast:delete_endpoint(bad) end)
        assert.has_error(function() vast:delete_workergroup(bad) end)
      end
      assert.has_error(function() vast:delete_endpoint(nil) end)
      assert.equal(0, #sent())
    end)
  end)
end)

describe("vast from the environment", function()
  it("VAST_URL and VAST_API_KEY point a script at the simulator", function()
    local script = [[
      local vast = require("gpucloud").vast()
      local eps = assert(vast:show_endpoints())
      local w = assert(vast:get_endpoint_workers(eps[1].id))
      print(#eps, #w, tostring(vast))
    ]]
    local cmd = sub.ENV .. " " .. sub.LUA .. " bin/gpucloud-sim run -- " .. sub.LUA .. " -e "
      .. server.shell_quote(script) .. " 2>&1"
    local p = assert(io.popen(cmd))
    local out = p:read("*a")
    p:close()
    assert.match("^6\t%d+\tgpucloud.vast{console=http://127.0.0.1:%d+, run=http://127.0.0.1:%d+; key from VAST_API_KEY}", out)
    assert.not_match("vast%-sim%-key", out)
  end)
end)
