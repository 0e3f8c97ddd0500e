-- Specs for the simulator: the JSON it reads, the app (router + state, no
-- sockets), and a real nginx-hosted server end to end.
-- Run from the repository root: make spec BUSTED_ARGS='spec/sim_spec.lua'
-- luacheck: std +busted

local gjson = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local app_mod = require "gpucloud.sim.app"
local server = require "gpucloud.sim.server"
local sub = require "support.subprocess"

-- What the simulator writes (gpucloud.json) and reads (gpucloud.sim.values).
local json = {
  encode = gjson.encode, array = gjson.array, object = gjson.object, null = gjson.null,
  decode = values.decode,
}

local VKEY = "vast-sim-key-0123456789abcdef"
local TKEY = "tp-sim-key-0123456789abcdef"
local TRO = "tp-sim-readonly-key"
local V = { authorization = "Bearer " .. VKEY }
local T = { authorization = "Bearer " .. TKEY }

-- One request to an app: status, decoded body, headers, raw body, directives.
local function call(app, method, target, headers, body)
  local status, h, raw, d = app:handle(method, target, headers or {}, body)
  local decoded = json.decode(raw)
  return status, decoded, h, raw, d
end

local function ids(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v.id end
  return out
end

local function has_private_field(v)
  if type(v) ~= "table" then return false end
  for k, x in pairs(v) do
    if type(k) == "string" and k:sub(1, 1) == "_" then return true end
    if has_private_field(x) then return true end
  end
  return false
end

describe("gpucloud.json and gpucloud.sim.values", function()
  it("encodes empty arrays as [], marked objects as {}, null as null", function()
    assert.equal('{"a":[],"b":{},"c":null}',
      json.encode({ a = {}, b = json.object(), c = json.null }))
    assert.equal("[]", json.encode(json.array()))
  end)

  it("keeps the shape of decoded [] and {} and null", function()
    local s = '{"a":[],"b":{},"c":null,"d":[1,2.5,-3],"e":"\\u00e9\\n"}'
    local v = assert(json.decode(s))
    assert.equal('{"a":[],"b":{},"c":null,"d":[1,2.5,-3],"e":"\195\169\\n"}', json.encode(v))
    assert.equal(json.null, v.c)
  end)

  it("prints integral numbers without a fraction", function()
    assert.equal("[4242,0.1,-7,1e+300]", json.encode({ 4242.0, 0.1, -7, 1e300 }))
  end)

  it("rejects malformed input without raising", function()
    -- dkjson, unlike the decoder it replaced, accepts "[1,]", "[1 2]",
    -- "01", "1." and '"\\x"': values.decode checks only what follows the value.
    for _, bad in ipairs({ "", "{", '{"a":1} x', "[1]//", "nul", "{'a':1}", ("["):rep(100000), 5 }) do
      local v, err = json.decode(bad)
      assert.is_nil(v, bad)
      assert.is_string(err, bad)
    end
  end)

  it("gives JSON null as gpucloud.json.null and 5.4 integers", function()
    assert.equal(json.null, json.decode("null"))
    local v = assert(json.decode('{"id":1001,"f":1.5}'))
    if math.type then
      assert.equal("integer", math.type(v.id))
      assert.equal("float", math.type(v.f))
    end
    assert.is_true(gjson.is_array(json.decode("[]")))
    assert.equal(gjson.object_mt, getmetatable(json.decode("{}")))
  end)

  it("decodes surrogate pairs and escapes control characters", function()
    assert.equal("\240\159\152\128", json.decode('"\\ud83d\\ude00"'))
    assert.equal('"a\\"\\u0001"', json.encode('a"\1'))
  end)
end)

describe("gpucloud.sim.app", function()
  local app
  before_each(function() app = app_mod.new() end)

  describe("Vast.ai console", function()
    it("lists endpoints with integer ids and no private fields", function()
      local status, body, h = call(app, "GET", "/api/v0/endptjobs/", V)
      assert.equal(200, status)
      assert.equal("application/json", h["Content-Type"])
      assert.is_true(body.success)
      assert.same({ 101, 102, 103, 104, 105, 106 }, ids(body.results))
      local ep = body.results[1]
      for _, f in ipairs({ "endpoint_name", "endpoint_state", "cold_workers", "max_workers",
        "min_load", "target_util", "cold_mult", "api_key", "user_id" }) do
        assert.is_not_nil(ep[f], f)
      end
      assert.is_false(has_private_field(body))
    end)

    it("lists workergroups under both paths", function()
      for _, path in ipairs({ "/api/v0/workergroups/", "/api/v0/autojobs/" }) do
        local status, body = call(app, "GET", path, V)
        assert.equal(200, status)
        assert.equal(8, #body.results)
        local g = body.results[1]
        for _, f in ipairs({ "id", "endpoint_id", "endpoint_name", "template_hash", "template_id",
          "gpu_ram", "search_query", "launch_args", "created_at", "api_key" }) do
          assert.is_not_nil(g[f], f)
        end
      end
    end)

    it("answers 401 to a missing or wrong key on every console route", function()
      local routes = {
        { "GET", "/api/v0/endptjobs/" }, { "GET", "/api/v0/workergroups/" },
        { "GET", "/api/v0/autojobs/" }, { "DELETE", "/api/v0/endptjobs/101/" },
        { "DELETE", "/api/v0/workergroups/201/" }, { "DELETE", "/api/v0/autojobs/201/" },
      }
      for _, r in ipairs(routes) do
        for _, h in ipairs({ {}, { authorization = "Bearer nope" }, { authorization = VKEY } }) do
          local status, body = call(app, r[1], r[2], h)
          assert.equal(401, status, r[2])
          assert.same({ success = false, error = "invalid_api_key", msg = "Invalid or missing API key" }, body)
        end
      end
      -- nothing was deleted
      assert.equal(6, #select(2, call(app, "GET", "/api/v0/endptjobs/", V)).results)
    end)

    it("deletes an endpoint with its workergroups and workers", function()
      local status, body, _, raw = call(app, "DELETE", "/api/v0/endptjobs/102/", V,
        '{"client_id":"me","endptjob_id":102}')
      assert.equal(200, status)
      assert.same({ 1006, 1007, 1008 }, body.deleted_workers)
      assert.equal("Deleted endpoint job and 3 workers", body.msg)
      assert.truthy(raw:find('"failed_workers":[]', 1, true))
      local _, eps = call(app, "GET", "/api/v0/endptjobs/", V)
      assert.same({ 101, 103, 104, 105, 106 }, ids(eps.results))
      local _, wgs = call(app, "GET", "/api/v0/workergroups/", V)
      for _, g in ipairs(wgs.results) do assert.not_equal(102, g.endpoint_id) end
      local _, gone = call(app, "POST", "/get_workergroup_workers/", V, '{"id":203}')
      assert.equal("authenticate_workergroup_apikey: invalid api_key or workergroup 203 not found", gone)
    end)

    it("reports [] deleted workers for an endpoint without workers", function()
      local status, _, _, raw = call(app, "DELETE", "/api/v0/endptjobs/104/", V)
      assert.equal(200, status)
      assert.truthy(raw:find('"deleted_workers":[]', 1, true))
      assert.truthy(raw:find('"msg":"Deleted endpoint job and 0 workers"', 1, true))
    end)

    it("answers 400 to unknown and non-numeric endpoint ids", function()
      local status, body = call(app, "DELETE", "/api/v0/endptjobs/4242/", V)
      assert.equal(400, status)
      assert.same({ success = false, error = "invalid_args", msg = "Routegroup not found for user" }, body)
      status, body = call(app, "DELETE", "/api/v0/endptjobs/abc/", V)
      assert.equal(400, status)
      assert.same({ success = false, error = "invalid_args", msg = "Invalid autojob ID" }, body)
    end)

    it("deletes a workergroup (and by the autojobs alias)", function()
      local status, body = call(app, "DELETE", "/api/v0/workergroups/203/", V)
      assert.equal(200, status)
      assert.same({ success = true, deleted_workers = { 1006, 1007, 1008 }, failed_workers = {},
        msg = "Deleted workergroup and 3 workers" }, body)
      status, body = call(app, "DELETE", "/api/v0/autojobs/204/", V)
      assert.equal(200, status)
      assert.equal("Deleted workergroup and 3 workers", body.msg)
      -- the endpoints stay
      assert.equal(6, #select(2, call(app, "GET", "/api/v0/endptjobs/", V)).results)
    end)

    it("answers 404 no_such_workergroup with an integer id, 400 for a non-number", function()
      local status, body, _, raw = call(app, "DELETE", "/api/v0/workergroups/4242/", V)
      assert.equal(404, status)
      assert.same({ success = false, error = "no_such_workergroup",
        msg = "No workergroup by that id is available.", id = 4242 }, body)
      assert.truthy(raw:find('"id":4242[,}]'))
      status, body = call(app, "DELETE", "/api/v0/autojobs/x1/", V)
      assert.equal(400, status)
      assert.same({ success = false, error = "invalid_args", msg = "Invalid autojob ID" }, body)
    end)
  end)

  describe("Vast.ai run host", function()
    it("lists an endpoint's workers from all its workergroups", function()
      local status, body = call(app, "POST", "/get_endpoint_workers/", V, '{"id":101}')
      assert.equal(200, status)
      assert.same({ 1001, 1002, 1003, 1004, 1005, 1019, 1020 }, ids(body.workers))
      local w = body.workers[1]
      for _, f in ipairs({ "id", "status", "url", "created_at", "cur_load", "cur_perf",
        "measured_perf", "reliability", "gpu_name" }) do
        assert.is_not_nil(w[f], f)
      end
      assert.is_false(has_private_field(body))
    end)

    it("has idle endpoints whose workers are all stopped or errored", function()
      for _, id in ipairs({ 102, 103 }) do
        local _, body = call(app, "POST", "/get_endpoint_workers/", V, '{"id":' .. id .. "}")
        assert.is_true(#body.workers > 0)
        for _, w in ipairs(body.workers) do
          assert.truthy(w.status == "stopped" or w.status == "error")
        end
      end
    end)

    it("answers {\"workers\":[]} for an endpoint without workers", function()
      local status, _, _, raw = call(app, "POST", "/get_endpoint_workers/", V, '{"id":104}')
      assert.equal(200, status)
      assert.equal('{"workers":[]}', raw)
    end)

    it("answers error_msg for an endpoint that is not ready", function()
      local status, body = call(app, "POST", "/get_endpoint_workers/", V, '{"id":105}')
      assert.equal(200, status)
      assert.same({ error_msg = "Endpoint is not ready yet" }, body)
    end)

    it("answers a bare list for a _bare_list endpoint", function()
      local status, body, _, raw = call(app, "POST", "/get_endpoint_workers/", V, '{"id":106}')
      assert.equal(200, status)
      assert.equal("[", raw:sub(1, 1))
      assert.same({ 1014, 1015, 1016, 1017, 1018 }, ids(body))
    end)

    it("answers a JSON string for an unknown endpoint or a bad key", function()
      local status, body = call(app, "POST", "/get_endpoint_workers/", V, '{"id":999}')
      assert.equal(200, status)
      assert.equal("authenticate_endpoint_apikey: invalid api_key or endpoint 999 not found", body)
      status, body = call(app, "POST", "/get_endpoint_workers/", { authorization = "Bearer bad" }, '{"id":101}')
      assert.equal(200, status)
      assert.equal("authenticate_endpoint_apikey: invalid api_key or endpoint vLLM-Qwen3-8B not found", body)
      status, body = call(app, "POST", "/get_endpoint_workers/", {}, '{"id":101}')
      assert.equal(200, status)
      assert.is_string(body)
    end)

    it("accepts the endpoint's own api_key", function()
      local status, body = call(app, "POST", "/get_endpoint_workers/",
        { authorization = "Bearer ep-101-5f0c1e9a7b3d" }, '{"id":101}')
      assert.equal(200, status)
      assert.equal(7, #body.workers)
    end)

    it("answers 400 invalid_args to malformed bodies", function()
      local cases = {
        { "not json", "Invalid JSON body" }, { "", "Invalid JSON body" },
        { "{}", "Missing required field: id" }, { "[101]", "Missing required field: id" },
        { '{"id":null}', "Missing required field: id" },
        { '{"id":"101"}', "Field id must be an integer" }, { '{"id":1.5}', "Field id must be an integer" },
      }
      for _, path in ipairs({ "/get_endpoint_workers/", "/get_workergroup_workers/" }) do
        for _, c in ipairs(cases) do
          local status, body = call(app, "POST", path, V, c[1])
          assert.equal(400, status, c[1])
          assert.same({ success = false, error = "invalid_args", msg = c[2] }, body)
        end
      end
    end)

    it("lists a workergroup's workers", function()
      local status, body = call(app, "POST", "/get_workergroup_workers/", V, '{"id":201}')
      assert.equal(200, status)
      assert.same({ 1001, 1002, 1003, 1019 }, ids(body.workers))
      local _, _, _, raw = call(app, "POST", "/get_workergroup_workers/", V, '{"id":205}')
      assert.equal('{"workers":[]}', raw)
    end)

    it("answers a JSON string for an unknown workergroup or a bad key", function()
      local expect = "authenticate_workergroup_apikey: invalid api_key or workergroup %d not found"
      local status, body = call(app, "POST", "/get_workergroup_workers/", V, '{"id":4242}')
      assert.equal(200, status)
      assert.equal(expect:format(4242), body)
      status, body = call(app, "POST", "/get_workergroup_workers/", { authorization = "Bearer x" }, '{"id":201}')
      assert.equal(200, status)
      assert.equal(expect:format(201), body)
    end)
  end)

  describe("TensorPool", function()
    it("answers /healthz without auth", function()
      local status, body = call(app, "GET", "/healthz")
      assert.equal(200, status)
      assert.same({ status = "ok" }, body)
    end)

    it("lists clusters, ignoring include_org and instances", function()
      local status, body, _, raw = call(app, "GET", "/cluster/list?include_org=true&instances=true", T)
      assert.equal(200, status)
      assert.equal("Found 7 clusters", body.message)
      local c = body.clusters[1]
      for _, f in ipairs({ "cluster_id", "name", "instance_type", "status", "instances",
        "deletion_protection" }) do
        assert.is_not_nil(c[f], f)
      end
      assert.same({ "id", "status" }, (function()
        local k = {}
        for name in pairs(c.instances[1]) do k[#k + 1] = name end
        table.sort(k)
        return k
      end)())
      assert.truthy(raw:find('"cluster_id":"c-empty","deletion_protection":false,'
        .. '"instance_type":"1xH100","instances":[]', 1, true))
      assert.is_false(has_private_field(body))
    end)

    it("answers 401 without a valid key", function()
      for _, target in ipairs({ "/cluster/list", "/cluster/c-dev-h100", "/request/info/req-000001" }) do
        local method = target == "/cluster/c-dev-h100" and "DELETE" or "GET"
        for _, h in ipairs({ {}, { authorization = "Bearer nope" } }) do
          local status, body = call(app, method, target, h)
          assert.equal(401, status)
          assert.same({ error = "Invalid or missing authentication token" }, body)
        end
      end
    end)

    it("destroys a cluster: 202, then PENDING, PROCESSING, COMPLETED", function()
      local status, body = call(app, "DELETE", "/cluster/c-dev-h100", T)
      assert.equal(202, status)
      assert.same({ cluster_id = "c-dev-h100", request_id = "req-000001",
        message = "Cluster destruction initiated" }, body)
      local _, list = call(app, "GET", "/cluster/list", T)
      assert.equal("DESTROYING", list.clusters[2].status)
      local seen = {}
      for i = 1, 4 do
        local s, info, h = call(app, "GET", "/request/info/req-000001", T)
        assert.equal(200, s)
        seen[i] = info.status
        assert.equal("CLUSTER_RELEASE", info.request_type)
        assert.equal("c-dev-h100", info.object_id)
        assert.equal(json.null, info.external_message)
        assert.truthy(info.created_at:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"))
        if info.status == "COMPLETED" then
          assert.is_nil(h["Retry-After"])
        else
          assert.equal("1", h["Retry-After"])
        end
      end
      assert.same({ "PENDING", "PROCESSING", "COMPLETED", "COMPLETED" }, seen)
      _, list = call(app, "GET", "/cluster/list", T)
      assert.equal("Found 6 clusters", list.message)
      for _, c in ipairs(list.clusters) do assert.not_equal("c-dev-h100", c.cluster_id) end
      status = call(app, "DELETE", "/cluster/c-dev-h100", T)
      assert.equal(404, status)
    end)

    it("sends Retry-After from the config", function()
      call(app, "POST", "/_sim/config", {}, '{"retry_after":"0"}')
      call(app, "DELETE", "/cluster/c-train-a100x8", T)
      local _, _, h = call(app, "GET", "/request/info/req-000001", T)
      assert.equal("0", h["Retry-After"])
      call(app, "POST", "/_sim/config", {}, '{"retry_after":2}')
      _, _, h = call(app, "GET", "/request/info/req-000001", T)
      assert.equal("2", h["Retry-After"])
    end)

    it("fails the destroy request of a _destroy_fails cluster", function()
      local _, body = call(app, "DELETE", "/cluster/c-flaky-b200", T)
      local rid = body.request_id
      local _, a = call(app, "GET", "/request/info/" .. rid, T)
      local _, b, h = call(app, "GET", "/request/info/" .. rid, T)
      assert.equal("PENDING", a.status)
      assert.equal("FAILED", b.status)
      assert.is_string(b.external_message)
      assert.is_nil(h["Retry-After"])
      local _, list = call(app, "GET", "/cluster/list", T)
      assert.equal("RUNNING", list.clusters[4].status) -- still there, usable again
    end)

    it("answers request_id null for a _no_request_id cluster", function()
      local status, _, _, raw = call(app, "DELETE", "/cluster/c-legacy.v1", T)
      assert.equal(202, status)
      assert.truthy(raw:find('"request_id":null', 1, true))
    end)

    it("answers 409 to protected, not-running and already-destroying clusters", function()
      local status, body = call(app, "DELETE", "/cluster/c-prod-serving", T)
      assert.equal(409, status)
      assert.same({ detail = "Deletion protection is enabled for this cluster" }, body)
      status, body = call(app, "DELETE", "/cluster/c-provisioning-l40s", T)
      assert.equal(409, status)
      assert.truthy(body.detail:find("^Cluster instances must be RUNNING to destroy"))
      assert.equal(202, (call(app, "DELETE", "/cluster/c-train-a100x8", T)))
      status, body = call(app, "DELETE", "/cluster/c-train-a100x8", T)
      assert.equal(409, status)
      assert.same({ detail = "Cluster is already being destroyed" }, body)
    end)

    it("lets an edit lift deletion protection, once its request has completed", function()
      local status, body = call(app, "PATCH", "/cluster/edit/c-prod-serving", T, '{"deletion_protection":false}')
      assert.equal(202, status)
      assert.equal(409, (call(app, "DELETE", "/cluster/c-prod-serving", T)))
      local seen = {}
      for i = 1, 3 do seen[i] = select(2, call(app, "GET", "/request/info/" .. body.request_id, T)).status end
      assert.same({ "PENDING", "PROCESSING", "COMPLETED" }, seen)
      assert.equal(202, (call(app, "DELETE", "/cluster/c-prod-serving", T)))
    end)

    it("answers 404, 422 and 403 as documented", function()
      local status, body = call(app, "DELETE", "/cluster/c-nope", T)
      assert.equal(404, status)
      assert.same({ detail = "Cluster not found" }, body)
      for _, bad in ipairs({ "bad%2Fid", "a%20b", "semi;colon", ("x"):rep(65) }) do
        status, body = call(app, "DELETE", "/cluster/" .. bad, T)
        assert.equal(422, status, bad)
        assert.same({ "path", "cluster" }, body.detail[1].loc)
        assert.equal("value_error", body.detail[1].type)
        assert.is_string(body.detail[1].msg)
      end
      assert.equal(404, (call(app, "DELETE", "/cluster/" .. ("x"):rep(64), T)))
      -- percent-decoded before the lookup
      assert.equal(202, (call(app, "DELETE", "/cluster/c%2Dlegacy%2Ev1", T)))
      status, body = call(app, "DELETE", "/cluster/c-dev-h100", { authorization = "Bearer " .. TRO })
      assert.equal(403, status)
      assert.same({ detail = "Access denied" }, body)
      assert.equal(200, (call(app, "GET", "/cluster/list", { authorization = "Bearer " .. TRO })))
      status, body = call(app, "GET", "/request/info/req-424242", T)
      assert.equal(404, status)
      assert.same({ detail = "Request not found" }, body)
    end)
  end)

  describe("routing", function()
    it("answers 404 to unknown paths and 405 to wrong methods", function()
      local status, body = call(app, "GET", "/nope", V)
      assert.equal(404, status)
      assert.same({ detail = "Not Found" }, body)
      assert.equal(404, (call(app, "GET", "/api/v0/endptjobs", V))) -- no trailing slash
      local h
      status, body, h = call(app, "POST", "/api/v0/endptjobs/", V)
      assert.equal(405, status)
      assert.same({ detail = "Method Not Allowed" }, body)
      assert.equal("GET", h.Allow)
      assert.equal(405, (call(app, "GET", "/get_endpoint_workers/", V)))
      assert.equal(405, (call(app, "GET", "/cluster/c-dev-h100", T)))
      assert.equal(405, (call(app, "PUT", "/_sim/reset")))
    end)
  end)

  describe("control", function()
    it("logs requests (not control ones), last 1000", function()
      call(app, "POST", "/get_endpoint_workers/?x=1", { Authorization = "Bearer k", Host = "h" }, '{"id":101}')
      call(app, "GET", "/_sim/stats")
      local _, log = call(app, "GET", "/_sim/log")
      assert.equal(1, #log)
      assert.same({ method = "POST", path = "/get_endpoint_workers/", query = "x=1",
        headers = { authorization = "Bearer k", host = "h" }, body = '{"id":101}',
        status = 200, route = "POST /get_endpoint_workers/" }, log[1])
      for _ = 1, 1005 do call(app, "GET", "/healthz") end
      _, log = call(app, "GET", "/_sim/log")
      assert.equal(1000, #log)
      assert.equal("/healthz", log[1].path)
    end)

    it("counts requests by route and status", function()
      call(app, "DELETE", "/api/v0/endptjobs/101/", V)
      call(app, "DELETE", "/api/v0/endptjobs/4242/", V)
      call(app, "GET", "/nope")
      call(app, "GET", "/_sim/health")
      local _, stats = call(app, "GET", "/_sim/stats")
      assert.same({ total = 3,
        by_route = { ["DELETE /api/v0/endptjobs/{id}/"] = 2, ["GET (unmatched)"] = 1 },
        by_status = { ["200"] = 1, ["400"] = 1, ["404"] = 1 } }, stats)
    end)

    it("serves injected answers FIFO, by method and path or template", function()
      local status, body = call(app, "POST", "/_sim/inject", {}, json.encode(json.array({
        { method = "GET", path = "/api/v0/endptjobs/", status = 429,
          json = { detail = "API requests too frequent endpoint threshold=3.0" } },
        { path = "/api/v0/endptjobs/{id}/", status = 502, body = "<html>bad gateway</html>", times = 2 },
        { method = "GET", path = "/cluster/*", delay = 0.25 },
      })))
      assert.equal(200, status)
      assert.same({ queued = 3, pending = 3 }, body)
      local _, raw, h, d
      status, body = call(app, "GET", "/api/v0/endptjobs/", V)
      assert.equal(429, status)
      assert.same({ detail = "API requests too frequent endpoint threshold=3.0" }, body)
      assert.equal(200, (call(app, "GET", "/api/v0/endptjobs/", V)))
      status, _, h, raw = call(app, "DELETE", "/api/v0/endptjobs/101/", {})
      assert.equal(502, status)
      assert.equal("<html>bad gateway</html>", raw)
      assert.equal("text/plain; charset=utf-8", h["Content-Type"])
      assert.equal(502, (call(app, "DELETE", "/api/v0/endptjobs/102/", V)))
      assert.equal(200, (call(app, "DELETE", "/api/v0/endptjobs/102/", V)))
      -- delay-only rule: normal answer plus a delay directive
      status, body, _, _, d = call(app, "GET", "/cluster/list", T)
      assert.equal(200, status)
      assert.equal(0.25, d.delay)
      assert.equal(7, #body.clusters)
      local _, stats = call(app, "GET", "/_sim/stats")
      assert.equal(6, stats.total) -- injected answers are counted
      assert.equal(1, stats.by_status["429"])
      assert.same({}, select(2, call(app, "GET", "/_sim/inject")))
    end)

    it("supports unlimited rules, faults and custom headers", function()
      call(app, "POST", "/_sim/inject", {},
        '{"path":"/healthz","times":-1,"status":503,"headers":{"Retry-After":"7"}}')
      for _ = 1, 3 do
        local status, _, h = call(app, "GET", "/healthz")
        assert.equal(503, status)
        assert.equal("7", h["Retry-After"])
      end
      call(app, "DELETE", "/_sim/inject")
      call(app, "POST", "/_sim/inject", {}, '{"path":"*","fault":"close"}')
      local _, _, _, _, d = call(app, "GET", "/healthz")
      assert.equal("close", d.fault)
      assert.equal(200, (call(app, "GET", "/healthz")))
    end)

    it("runs the handler before a rule's answer only when the rule says act", function()
      local status = call(app, "POST", "/_sim/inject", {}, json.encode(json.array({
        { method = "DELETE", path = "/api/v0/endptjobs/{id}/", status = 502, body = "bad gateway", act = true },
        { method = "DELETE", path = "/cluster/{cluster}", fault = "close", act = true },
        { method = "DELETE", path = "/api/v0/workergroups/{id}/", status = 502, times = 2 },
        { method = "DELETE", path = "/api/v0/autojobs/{id}/", json = { ok = false }, status = 503, act = true },
      })))
      assert.equal(200, status)
      local _, raw, d
      status, _, _, raw = call(app, "DELETE", "/api/v0/endptjobs/102/", V)
      assert.equal(502, status)
      assert.equal("bad gateway", raw)
      _, _, _, _, d = call(app, "DELETE", "/cluster/c-dev-h100", T)
      assert.equal("close", d.fault)
      assert.equal(502, (call(app, "DELETE", "/api/v0/workergroups/201/", V)))
      assert.equal(502, (call(app, "DELETE", "/api/v0/workergroups/202/", V)))
      -- acting is what the server would have done: a bad key deletes nothing
      status, _, _, raw = call(app, "DELETE", "/api/v0/autojobs/208/", { authorization = "Bearer nope" })
      assert.equal(503, status)
      assert.equal('{"ok":false}', raw)
      local _, st = call(app, "GET", "/_sim/state")
      local eps = ids(st.vast.endpoints)
      assert.same({ 101, 103, 104, 105, 106 }, eps) -- 102 went, with its workergroups
      local groups = {}
      for _, g in ipairs(st.vast.workergroups) do groups[g.id] = true end
      assert.is_nil(groups[203])
      assert.is_true(groups[201] and groups[202] and groups[208]) -- the plain 502s and the 401 left them
      local cluster
      for _, c in ipairs(st.tensorpool.clusters) do
        if c.cluster_id == "c-dev-h100" then cluster = c end
      end
      assert.equal("DESTROYING", cluster.status)
      assert.equal(1, #st.tensorpool.requests)
      local _, log = call(app, "GET", "/_sim/log")
      local seen = {}
      for i, e in ipairs(log) do seen[i] = e.status end
      assert.same({ 502, 444, 502, 502, 503 }, seen) -- what the client saw
      assert.same({}, select(2, call(app, "GET", "/_sim/inject")))
    end)

    it("acts on unmatched paths too, answering for the 404", function()
      call(app, "POST", "/_sim/inject", {}, '{"path":"/nope","status":200,"body":"ok","act":true}')
      local status, _, _, raw = call(app, "GET", "/nope")
      assert.equal(200, status)
      assert.equal("ok", raw)
    end)

    it("rejects malformed injections", function()
      for _, bad in ipairs({ "x", '{"status":99}', '{"times":0}', '{"delay":-1}',
        '{"fault":"explode"}', '{"body":1}', '{"headers":{"a":"b\\r\\nc"}}', '[{"times":"x"}]',
        '{"status":502,"act":1}', '{"status":502,"act":"yes"}' }) do
        local status, body = call(app, "POST", "/_sim/inject", {}, bad)
        assert.equal(400, status, bad)
        assert.is_string(body.error)
      end
      assert.same({}, select(2, call(app, "GET", "/_sim/inject")))
    end)

    it("resets to the initial fixture or a new one", function()
      call(app, "DELETE", "/api/v0/endptjobs/101/", V)
      call(app, "POST", "/_sim/inject", {}, '{"status":500}')
      local status, body = call(app, "POST", "/_sim/reset", {}, "")
      assert.equal(200, status)
      assert.equal(6, body.endpoints)
      local _, log = call(app, "GET", "/_sim/log")
      assert.same({}, log)
      assert.equal(200, (call(app, "GET", "/api/v0/endptjobs/", V)))
      local fx = { vast = { api_keys = { "k1" }, endpoints = { { id = 7, endpoint_name = "x" } } } }
      status = call(app, "POST", "/_sim/reset", {}, json.encode(fx))
      assert.equal(200, status)
      local _, eps, _, raw = call(app, "GET", "/api/v0/endptjobs/", { authorization = "Bearer k1" })
      assert.same({ 7 }, ids(eps.results))
      assert.equal(401, (call(app, "GET", "/cluster/list", T))) -- the new fixture has no TensorPool keys
      local _, _, _, craw = call(app, "GET", "/healthz")
      assert.equal('{"status":"ok"}', craw)
      assert.truthy(raw:find('"success":true', 1, true))
      -- a bad fixture is refused and changes nothing
      status = call(app, "POST", "/_sim/reset", {}, '{"vast":{"endpoints":[{"id":"x"}]}}')
      assert.equal(400, status)
      status = call(app, "POST", "/_sim/reset", {}, "[1]")
      assert.equal(400, status)
      assert.equal(1, #select(2, call(app, "GET", "/api/v0/endptjobs/", { authorization = "Bearer k1" })).results)
    end)

    it("takes a fixture built in Lua, empty tables encoding as []", function()
      local a = app_mod.new({
        vast = { api_keys = { "k" }, endpoints = {}, workergroups = {}, workers = {} },
        tensorpool = { api_keys = { { key = "t", read_only = true } },
          clusters = { { cluster_id = "c1", status = "RUNNING", instances = {} } } },
      })
      local _, _, _, raw = call(a, "GET", "/api/v0/endptjobs/", { authorization = "Bearer k" })
      assert.equal('{"results":[],"success":true}', raw)
      _, _, _, raw = call(a, "GET", "/cluster/list", { authorization = "Bearer t" })
      assert.truthy(raw:find('"instances":[]', 1, true))
      assert.equal(403, (call(a, "DELETE", "/cluster/c1", { authorization = "Bearer t" })))
    end)

    it("reports the current state and config", function()
      local _, st = call(app, "GET", "/_sim/state")
      assert.equal(20, #st.vast.workers)
      assert.equal(101, st.vast.workergroups[1].endpoint_id)
      local _, cfg = call(app, "GET", "/_sim/config")
      assert.same({ retry_after = "1" }, cfg)
      assert.equal(400, (call(app, "POST", "/_sim/config", {}, '{"retry_after":true}')))
    end)
  end)
end)

-- Pids of an nginx master and its workers.
local function nginx_pids(master)
  local pids = { master }
  local f = io.popen("pgrep -P " .. master)
  for line in f:lines() do pids[#pids + 1] = tonumber(line) end
  f:close()
  return pids
end

local function server_suite()
  return function()
    local s
    setup(function()
      s = assert(server.start{ config = { retry_after = "0" } })
    end)

    teardown(function()
      if s then
        local pids = nginx_pids(assert(s:pid()))
        assert.is_true(#pids >= 2) -- master and worker
        assert.is_true(s:stop())
        for _, pid in ipairs(pids) do
          assert.is_false(server.alive(pid), "nginx process " .. pid .. " survived stop")
        end
        assert.is_nil(io.open(s.prefix .. "/nginx.conf"))
        assert.is_true(s:stop()) -- idempotent
      end
    end)

    before_each(function() assert(s:reset()) end)

    it("listens on 127.0.0.1", function()
      assert.truthy(s.url:match("^http://127%.0%.0%.1:%d+$"))
      assert.is_true(s.port >= 1024 and s.port <= 65535) -- sys.random_port: outside the ephemeral range
      assert.equal("ok", assert(s:health()).status)
      assert.equal(VKEY, s.keys.vast)
      assert.equal(TKEY, s.keys.tensorpool)
    end)

    it("serves Vast.ai lists and answers 401 without a key", function()
      local res = assert(s:request{ path = "/api/v0/endptjobs/", headers = { Authorization = "Bearer " .. VKEY } })
      assert.equal(200, res.status)
      assert.equal("application/json", res.headers["content-type"])
      assert.equal(tostring(#res.body), res.headers["content-length"])
      assert.equal(6, #json.decode(res.body).results)
      res = assert(s:request{ path = "/api/v0/endptjobs/" })
      assert.equal(401, res.status)
      assert.equal("invalid_api_key", json.decode(res.body).error)
      res = assert(s:request{ path = "/cluster/list" })
      assert.equal(401, res.status)
      assert.equal('{"error":"Invalid or missing authentication token"}', res.body)
    end)

    it("speaks [], null, bare strings and Retry-After on the wire", function()
      local res = assert(s:request{ method = "POST", path = "/get_workergroup_workers/",
        headers = { Authorization = "Bearer " .. VKEY, ["Content-Type"] = "application/json" },
        body = '{"id":205}' })
      assert.equal('{"workers":[]}', res.body)
      res = assert(s:request{ method = "POST", path = "/get_endpoint_workers/",
        headers = { Authorization = "Bearer wrong" }, body = '{"id":999}' })
      assert.equal(200, res.status)
      assert.equal('"authenticate_endpoint_apikey: invalid api_key or endpoint 999 not found"', res.body)
      local tp = { Authorization = "Bearer " .. TKEY }
      res = assert(s:request{ method = "DELETE", path = "/cluster/c-legacy.v1", headers = tp })
      assert.equal(202, res.status)
      assert.truthy(res.body:find('"request_id":null', 1, true))
      res = assert(s:request{ method = "DELETE", path = "/cluster/c-train-a100x8", headers = tp })
      assert.equal(202, res.status)
      local rid = json.decode(res.body).request_id
      res = assert(s:request{ path = "/request/info/" .. rid, headers = tp })
      assert.equal("0", res.headers["retry-after"])
      assert.truthy(res.body:find('"external_message":null', 1, true))
      res = assert(s:request{ path = "/request/info/" .. rid, headers = tp })
      assert.equal("PROCESSING", json.decode(res.body).status)
      res = assert(s:request{ path = "/request/info/" .. rid, headers = tp })
      assert.equal("COMPLETED", json.decode(res.body).status)
      assert.is_nil(res.headers["retry-after"])
    end)

    it("records what the client sent", function()
      assert(s:request{ method = "DELETE", path = "/api/v0/workergroups/201/?a=b",
        headers = { Authorization = "Bearer " .. VKEY, ["X-Test"] = "1" }, body = '{"client_id":"me"}' })
      local log = assert(s:log())
      assert.equal(1, #log)
      local e = log[1]
      assert.equal("DELETE", e.method)
      assert.equal("/api/v0/workergroups/201/", e.path)
      assert.equal("a=b", e.query)
      assert.equal("127.0.0.1:" .. s.port, e.headers.host)
      assert.equal("Bearer " .. VKEY, e.headers.authorization)
      assert.equal("1", e.headers["x-test"])
      assert.equal('{"client_id":"me"}', e.body)
      local stats = assert(s:stats())
      assert.equal(1, stats.total)
      assert.equal(1, stats.by_route["DELETE /api/v0/workergroups/{id}/"])
      assert.equal(1, stats.by_status["200"])
    end)

    it("serves injected answers, delays and faults", function()
      assert(s:inject{ method = "GET", path = "/api/v0/endptjobs/", status = 429,
        body = "API requests too frequent", delay = 0.3 })
      local res = assert(s:request{ path = "/api/v0/endptjobs/", headers = { Authorization = "Bearer " .. VKEY } })
      assert.equal(429, res.status)
      assert.equal("API requests too frequent", res.body)
      res = assert(s:request{ path = "/api/v0/endptjobs/", headers = { Authorization = "Bearer " .. VKEY } })
      assert.equal(200, res.status)
      -- libcurl silently retries once when a reused keep-alive connection
      -- closes without an answer, so drop the connection twice.
      assert(s:inject{ path = "/healthz", fault = "close", times = 2 })
      local r2, err = s:request{ path = "/healthz" }
      assert.is_nil(r2)
      assert.is_string(err)
      assert(s:clear_injections())
      assert(s:inject{ path = "/healthz", fault = "truncate", json = { pad = ("x"):rep(200) } })
      r2, err = s:request{ path = "/healthz" }
      assert.is_nil(r2)
      assert.is_string(err)
      res = assert(s:request{ path = "/healthz" })
      assert.equal(200, res.status)
      local stats = assert(s:stats())
      assert.is_true(stats.total >= 5)
      assert.equal(1, stats.by_status["429"])
    end)

    it("drops or fails a DELETE after acting on it, over the wire", function()
      local vk = { Authorization = "Bearer " .. VKEY }
      local function groups()
        local out = {}
        for _, g in ipairs(assert(s:state()).vast.workergroups) do out[g.id] = true end
        return out
      end
      -- times = 2: libcurl resends once on a reused connection that closes
      -- unanswered; the resend acts again (a 400 for the gone endpoint), dropped too.
      assert(s:inject{ method = "DELETE", path = "/api/v0/endptjobs/{id}/", fault = "close", act = true, times = 2 })
      local res, err = s:request{ method = "DELETE", path = "/api/v0/endptjobs/102/", headers = vk }
      assert.is_nil(res)
      assert.is_string(err)
      assert(s:clear_injections())
      local eps = {}
      for i, e in ipairs(assert(s:state()).vast.endpoints) do eps[i] = e.id end
      assert.same({ 101, 103, 104, 105, 106 }, eps)
      assert.is_nil(groups()[203])

      assert(s:inject{ method = "DELETE", path = "/api/v0/workergroups/{id}/", status = 502,
        body = "<html>bad gateway</html>", act = true })
      res = assert(s:request{ method = "DELETE", path = "/api/v0/workergroups/201/", headers = vk })
      assert.equal(502, res.status)
      assert.equal("<html>bad gateway</html>", res.body)
      assert.is_nil(groups()[201])

      assert(s:inject{ method = "DELETE", path = "/api/v0/workergroups/{id}/", status = 502 })
      res = assert(s:request{ method = "DELETE", path = "/api/v0/workergroups/202/", headers = vk })
      assert.equal(502, res.status)
      assert.is_true(groups()[202])
    end)

    it("resets state and takes a new fixture", function()
      local fx = { vast = { api_keys = { "only" }, endpoints = { { id = 9, endpoint_name = "n" } } } }
      assert(s:reset(fx))
      local res = assert(s:request{ path = "/api/v0/endptjobs/", headers = { Authorization = "Bearer only" } })
      assert.equal('{"results":[{"endpoint_name":"n","id":9}],"success":true}', res.body)
      assert(s:reset())
      res = assert(s:request{ path = "/api/v0/endptjobs/", headers = { Authorization = "Bearer " .. VKEY } })
      assert.equal(6, #json.decode(res.body).results)
      local nope, err = s:reset({ vast = { endpoints = { { id = "x" } } } })
      assert.is_nil(nope)
      assert.truthy(err:find("400"))
    end)

    it("keeps error.log readable", function()
      assert.is_string(s:error_log())
    end)
  end
end

describe("gpucloud.sim.server over the C core", server_suite())

describe("gpucloud.sim.server", function()
  it("reports a busy fixed port and an unreadable fixture", function()
    local a = assert(server.start{})
    local b, err = server.start{ port = a.port }
    assert.is_nil(b)
    assert.truthy(err:find("Address already in use", 1, true))
    assert.is_true(a:stop())
    local c, cerr = server.start{ fixture = "/nonexistent/fixture.json" }
    assert.is_nil(c)
    assert.truthy(cerr:find("cannot read fixture", 1, true))
  end)

  it("starts from a fixture file and a Lua table", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write('{"tensorpool":{"api_keys":[{"key":"ro","read_only":true},"rw"],"clusters":[]}}')
    f:close()
    local s = assert(server.start{ fixture = path })
    os.remove(path)
    assert.equal("rw", s.keys.tensorpool)
    local res = assert(s:request{ path = "/cluster/list", headers = { Authorization = "Bearer ro" } })
    assert.equal('{"clusters":[],"message":"Found 0 clusters"}', res.body)
    assert.is_true(s:stop())
    s = assert(server.start{ fixture = { vast = { api_keys = { "t" } } } })
    assert.equal("t", s.keys.vast)
    assert.is_true(s:stop())
  end)

  it("runs a command with the environment set (bin/gpucloud-sim run)", function()
    local script = "test \"$VAST_URL\" = \"$TENSORPOOL_ENGINE\" && "
      .. "test \"$VAST_API_KEY\" = " .. VKEY .. " && test \"$TENSORPOOL_KEY\" = " .. TKEY .. " && "
      .. "curl -sf -H \"Authorization: Bearer $VAST_API_KEY\" \"$VAST_URL/api/v0/endptjobs/\" >/dev/null "
      .. "&& exit 7"
    local cmd = sub.LUA .. " bin/gpucloud-sim run -- sh -c " .. server.shell_quote(script)
      .. "; echo \"rc=$?\""
    local p = io.popen(cmd)
    local out = p:read("*a")
    p:close()
    assert.truthy(out:find("rc=7", 1, true), out)
  end)

  it("starts and stops by prefix (bin/gpucloud-sim start / stop)", function()
    local p = io.popen(sub.LUA .. " bin/gpucloud-sim start")
    local out = p:read("*a")
    p:close()
    local prefix = out:match("export GPUCLOUD_SIM_PREFIX='([^']+)'")
    assert.is_string(prefix, out)
    local url = out:match("export VAST_URL='([^']+)'")
    local s = assert(server.attach(prefix))
    assert.equal(url, s.url)
    assert.equal("ok", assert(s:health()).status)
    local pid = s:pid()
    p = io.popen(sub.LUA .. " bin/gpucloud-sim stop " .. server.shell_quote(prefix) .. "; echo \"rc=$?\"")
    out = p:read("*a")
    p:close()
    assert.truthy(out:find("rc=0", 1, true), out)
    assert.is_false(server.alive(pid))
    assert.is_nil(io.open(prefix .. "/nginx.conf"))
  end)
end)
