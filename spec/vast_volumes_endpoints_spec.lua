-- Vast.ai volumes, endpoint show/update and the logs calls through the C
-- core against the simulator; and a fault on every route issue 12 added,
-- read by the truth rules (what may have landed, what is retried).

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local fixture = require "support.sim"

local function no_env() end

describe("vast volumes, endpoints and logs over HTTP", function()
  local sim = fixture.use()
  local vast
  before_each(function() vast = sim:vast { retries = 0 } end)

  local function sent() return assert(sim:log()) end

  local function check(status, code, server_code, value, err)
    assert.is_nil(value)
    assert.truthy(gpucloud.is_error(err), tostring(err))
    assert.equal(status, err.status)
    assert.equal(code, err.code)
    assert.equal(server_code, err.server_code)
    assert.not_match(sim.keys.vast, tostring(err), 1, true)
    return err
  end

  local function ids(list)
    local out = {}
    for i, x in ipairs(list) do out[i] = x.id end
    return out
  end

  describe("volumes", function()
    it("show_volumes GETs /api/v0/volumes?owner=me&type=all_volume, or the type asked", function()
      local vols = assert(vast:show_volumes())
      assert.same({ 3001, 3002, 3003, 3004 }, ids(vols))
      assert.same({ 5001 }, vols:first { id = 3001 }.instances)
      local e = sent()[1]
      assert.equal("GET", e.method)
      assert.equal("/api/v0/volumes", e.path)
      assert.equal("owner=me&type=all_volume", e.query)
      assert.same({ 3003, 3004 }, ids(assert(vast:show_volumes { type = "network_volume" })))
      assert.equal("owner=me&type=network_volume", sent()[2].query)
      assert.has_error(function() vast:show_volumes { type = "all" } end)
      assert.equal(2, #sent())
    end)

    it("show_volumes: only an array under volumes is a list", function()
      for _, body in ipairs { "{}", '{"volumes":null}', '{"volumes":{}}' } do
        assert(sim:inject { method = "GET", path = "/api/v0/volumes", status = 200, body = body })
        check(200, "bad_response", nil, vast:show_volumes())
      end
    end)

    it("delete_volume DELETEs /api/v0/volumes/?id=N, the id in the query", function()
      assert.is_true(assert(vast:delete_volume(3002)).success)
      local e = sent()[1]
      assert.equal("DELETE", e.method)
      assert.equal("/api/v0/volumes/", e.path)
      assert.equal("id=3002", e.query)
      assert.is_nil(assert(vast:show_volumes()):first { id = 3002 })
    end)

    it("a volume with an attached instance cannot be deleted; 404 no_such_volume", function()
      local err = check(400, "invalid", "volume_in_use", vast:delete_volume(3001))
      assert.match("destroy them first", err.message)
      assert.truthy(assert(vast:show_volumes()):first { id = 3001 })
      check(404, "not_found", "no_such_volume", vast:delete_volume(4242))
    end)

    it("delete_volumes reports each; the attached one fails, the rest go", function()
      local r = vast:delete_volumes({ 3001, 3002, 3003 }, { rate = false })
      assert.same({ 3002, 3003 }, r.ok)
      assert.equal("volume_in_use", r.failed[3001].server_code)
      assert.has_error(function() vast:delete_volumes({ 3002, 3003 }, { max = 1 }) end)
    end)
  end)

  describe("endpoints", function()
    it("show_endpoint GETs /api/v0/endptjobs/{id}/ and unwraps result", function()
      local ep = assert(vast:show_endpoint(102))
      assert.equal("sdxl-turbo", ep.endpoint_name)
      assert.equal("/api/v0/endptjobs/102/", sent()[1].path)
      check(400, "not_found", "invalid_args", vast:show_endpoint(4242))
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/{id}/", status = 200, body = '{"success":true}' })
      check(200, "bad_response", nil, vast:show_endpoint(102))
    end)

    it("update_endpoint PUTs the fields; endpoint_state stopped pauses without deleting", function()
      assert.is_true(assert(vast:update_endpoint(102, { endpoint_state = "stopped", max_workers = 2 })).success)
      local e = sent()[1]
      assert.equal("PUT", e.method)
      assert.equal("/api/v0/endptjobs/102/", e.path)
      assert.same({ endpoint_state = "stopped", max_workers = 2 }, json.decode(e.body))
      local ep = assert(vast:show_endpoint(102))
      assert.equal("stopped", ep.endpoint_state)
      assert.equal(2, ep.max_workers)
      assert.truthy(assert(vast:show_endpoints()):first { id = 102 })
    end)

    it("update_endpoint refuses what the wire does not take, before sending", function()
      for _, bad in ipairs { {}, { endpoint_state = "paused" }, { endpoint_state = "stopped", colour = "red" },
                             { max_workers = -1 }, { endpoint_name = "" }, "stopped" } do
        assert.has_error(function() vast:update_endpoint(102, bad) end)
      end
      local fields = { endpoint_state = "active" }
      assert(vast:update_endpoint(102, fields))
      assert.is_nil(getmetatable(fields), "the caller's table is left as it was")
      assert.equal(1, #sent())
    end)

    it("update_endpoint: the server's 400, and a 5xx after acting may have landed", function()
      assert(sim:inject { method = "PUT", path = "/api/v0/endptjobs/{id}/", status = 400,
                          json = { success = false, error = "invalid_args", msg = "max_workers too large" } })
      check(400, "invalid", "invalid_args", vast:update_endpoint(102, { max_workers = 1e6 }))
      assert(sim:inject { method = "PUT", path = "/api/v0/endptjobs/{id}/", status = 502, act = true })
      assert.is_true(check(502, "server_error", nil, vast:update_endpoint(102, { endpoint_state = "stopped" }))
        .may_have_landed)
      assert.equal("stopped", assert(vast:show_endpoint(102)).endpoint_state)
    end)
  end)

  describe("logs", function()
    it("get_endpoint_logs by name sends the documented body and reads {logs}", function()
      local logs = assert(vast:get_endpoint_logs("sdxl-turbo", { tail = 2 }))
      assert.equal(2, select(2, logs.logs:gsub("[^\n]+", "")))
      local e = sent()[1]
      assert.equal("POST", e.method)
      assert.equal("/get_endpoint_logs/", e.path)
      assert.same({ endpoint = "sdxl-turbo", tail = 2 }, json.decode(e.body))
    end)

    it("get_endpoint_logs by id sends the CLI's body and reads its four streams", function()
      local logs = assert(vast:get_endpoint_logs(102, { tail = 1 }))
      assert.match("line 40$", logs.info0)
      assert.equal("", logs.trace)
      assert.equal('{"id":102,"tail":1}', sent()[1].body)
      assert(vast:get_endpoint_logs(102))
      assert.equal('{"id":102}', sent()[2].body)
    end)

    it("a bare error string is a failure, not logs", function()
      local err = check(200, "not_found", nil, vast:get_endpoint_logs("no-such-endpoint"))
      assert.match("not found", err.message)
      local bad = gpucloud.vast { url = sim.url, api_key = "wrong", getenv = no_env, retries = 0 }
      check(200, "not_found", nil, bad:get_endpoint_logs(102))
      bad:close()
    end)

    it("get_workergroup_logs POSTs {id, tail} and takes either answer", function()
      local logs = assert(vast:get_workergroup_logs(201, { tail = 3 }))
      assert.match("workergroup 201", logs.logs)
      assert.equal("/get_workergroup_logs/", sent()[1].path)
      assert.same({ id = 201, tail = 3 }, json.decode(sent()[1].body))
      assert(sim:inject { method = "POST", path = "/get_workergroup_logs/", status = 200,
                          json = { info0 = "a", info1 = "", trace = "", debug = "" } })
      assert.equal("a", assert(vast:get_workergroup_logs(201)).info0)
      check(200, "not_found", nil, vast:get_workergroup_logs(4242))
    end)

    it("logs calls check their arguments before sending", function()
      for _, bad in ipairs { "", 0, -3, 1.5, true } do
        assert.has_error(function() vast:get_endpoint_logs(bad) end)
      end
      assert.has_error(function() vast:get_endpoint_logs(102, { tail = 0 }) end)
      assert.has_error(function() vast:get_workergroup_logs("201") end)
      assert.equal(0, #sent())
    end)
  end)

  describe("a fault on every new route", function()
    -- {method, template, the call, changes something}
    local ROUTES = {
      { "GET", "/api/v1/instances/", function(v) return v:show_instances(nil, { rate = false }) end, false },
      { "GET", "/api/v0/instances/{id}/", function(v) return v:show_instance(5001) end, false },
      { "DELETE", "/api/v0/instances/{id}/", function(v) return v:destroy_instance(5002) end, true },
      { "PUT", "/api/v0/instances/{id}/", function(v) return v:stop_instance(5002) end, true },
      { "PUT", "/api/v0/instances/{id}/", function(v) return v:label_instance(5002, "x") end, true },
      { "GET", "/api/v0/volumes", function(v) return v:show_volumes() end, false },
      { "DELETE", "/api/v0/volumes/", function(v) return v:delete_volume(3002) end, true },
      { "GET", "/api/v0/endptjobs/{id}/", function(v) return v:show_endpoint(102) end, false },
      { "PUT", "/api/v0/endptjobs/{id}/", function(v) return v:update_endpoint(102, { min_load = 1 }) end, true },
      { "POST", "/get_endpoint_logs/", function(v) return v:get_endpoint_logs(102) end, false },
      { "POST", "/get_workergroup_logs/", function(v) return v:get_workergroup_logs(201) end, false },
    }

    for _, r in ipairs(ROUTES) do
      it(r[1] .. " " .. r[2] .. ": a 503 after acting is retried or flagged, a dropped answer too", function()
        assert(sim:inject { method = r[1], path = r[2], status = 503, act = true, body = "busy" })
        local err = check(503, "server_error", nil, r[3](vast))
        assert.is_true(err.retryable)
        assert.equal(r[4] or nil, err.may_have_landed)
        -- every row here is idempotent: a retry after the lost answer succeeds
        -- (a DELETE's finds the thing gone: maybe_deleted)
        assert(sim:reset())
        local retrying = gpucloud.vast { url = sim.url, api_key = sim.keys.vast, getenv = no_env,
                                         backoff = { base = 0.01, max = 0.02 } }
        assert(sim:inject { method = r[1], path = r[2], fault = "close", act = true, times = 2 })
        local v, e = r[3](retrying)
        if r[1] == "DELETE" then
          assert.is_true(v ~= nil or (e.maybe_deleted == true), tostring(e))
        else
          assert.truthy(v, tostring(e))
        end
        retrying:close()
      end)
    end
  end)
end)
