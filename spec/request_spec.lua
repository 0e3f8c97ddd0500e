-- gpucloud.request: a request from a row (method, URL, headers, body,
-- the per-attempt limits) and an answer read against the row's shape
-- (decode, normalise, unwrap; failures mapped), through a recording
-- transport. The same operations run over real sockets in vast_spec and
-- tensorpool_spec.

local gpucloud = require "gpucloud"
local cjson = require "cjson"
local transport = require "support.transport"

local unpack = table.unpack or unpack -- luacheck: ignore

local KEY, recorder = transport.KEY, transport.recorder
local vast_with, tp_with, json = transport.vast_with, transport.tp_with, transport.json

describe("requests", function()
  local ok = json { success = true, deleted_workers = { 1001 }, failed_workers = {}, msg = "ok" }
  local cases = {
    { "delete_workergroup", { 4242 }, ok, "DELETE", "https://console.vast.ai/api/v0/workergroups/4242/" },
    { "delete_endpoint", { 102 }, ok, "DELETE", "https://console.vast.ai/api/v0/endptjobs/102/" },
    { "get_workergroup_workers", { 12345 }, json { workers = {} }, "POST",
      "https://run.vast.ai/get_workergroup_workers/", '{"id":12345}' },
    { "get_endpoint_workers", { 7 }, json { workers = {} }, "POST",
      "https://run.vast.ai/get_endpoint_workers/", '{"id":7}' },
    { "show_endpoints", {}, json { success = true, results = {} }, "GET", "https://console.vast.ai/api/v0/endptjobs/" },
    { "show_workergroups", {}, json { success = true, results = {} }, "GET",
      "https://console.vast.ai/api/v0/workergroups/" },
  }
  for _, c in ipairs(cases) do
    it("vast:" .. c[1] .. " sends the documented request", function()
      local t = recorder(c[3])
      local vast = vast_with(t)
      assert.truthy(vast[c[1]](vast, unpack(c[2])))
      local req = t.requests[1]
      assert.equal(c[4], req.method)
      assert.equal(c[5], req.url)
      assert.equal("Bearer " .. KEY, req.headers.Authorization)
      assert.equal(c[6], req.body)
      if c[6] then assert.equal("application/json", req.headers["Content-Type"]) end
      assert.not_match(KEY, req.url, 1, true)
      assert.equal(60, req.timeout)
      assert.equal(10, req.connect_timeout)
    end)
  end

  it("tensorpool operations send the documented requests", function()
    local t = recorder(
      { status = 202, body = '{"cluster_id":"c-1","request_id":"r-1","message":"ok"}' },
      json { clusters = {}, message = "none" },
      json { clusters = {} },
      json { request_id = "r-1", status = "PENDING" })
    local tp = tp_with(t)
    assert.truthy(tp:destroy_cluster("c-1"))
    assert.truthy(tp:list_clusters())
    assert.truthy(tp:list_clusters { include_org = true, instances = false })
    assert.truthy(tp:get_request_info("r-1"))
    local r = t.requests
    assert.same({ "DELETE", "https://engine.tensorpool.dev/cluster/c-1" }, { r[1].method, r[1].url })
    assert.same({ "GET", "https://engine.tensorpool.dev/cluster/list" }, { r[2].method, r[2].url })
    assert.equal("https://engine.tensorpool.dev/cluster/list?include_org=true&instances=false", r[3].url)
    assert.same({ "GET", "https://engine.tensorpool.dev/request/info/r-1" }, { r[4].method, r[4].url })
    for i = 1, 4 do
      assert.equal("Bearer " .. KEY, r[i].headers.Authorization)
      assert.is_nil(r[i].body)
    end
  end)

  it("an id read from a listing goes straight into a delete as an integer", function()
    local t = recorder({ status = 200, body = '{"success":true,"results":[{"id":102,"endpoint_name":"x"}]}' }, ok)
    local vast = vast_with(t)
    local eps = assert(vast:show_endpoints())
    if math.type then assert.equal("integer", math.type(eps[1].id)) end
    assert.truthy(vast:delete_endpoint(eps[1].id))
    assert.equal("https://console.vast.ai/api/v0/endptjobs/102/", t.requests[2].url)
    -- even a float straight from cjson
    assert.truthy(vast:delete_endpoint(cjson.decode("[103]")[1]))
    assert.equal("https://console.vast.ai/api/v0/endptjobs/103/", t.requests[3].url)
  end)

  it("large ids are written exactly in bodies", function()
    local t = recorder(json { workers = {} })
    assert.truthy(vast_with(t):get_endpoint_workers(2 ^ 53))
    assert.equal('{"id":9007199254740992}', t.requests[1].body)
  end)

  it("cluster ids are percent-encoded", function()
    local t = recorder({ status = 202, body = '{"cluster_id":"a b","message":"ok"}' })
    assert.truthy(tp_with(t):destroy_cluster("a b?&%#é"))
    assert.equal("https://engine.tensorpool.dev/cluster/a%20b%3F%26%25%23%C3%A9", t.requests[1].url)
  end)

  it("per-call timeouts override the client's", function()
    local t = recorder(json { workers = {} })
    local vast = vast_with(t, { timeout = 5, connect_timeout = 2 })
    assert.truthy(vast:get_endpoint_workers(1, { timeout = 1.5 }))
    assert.equal(1.5, t.requests[1].timeout)
    assert.equal(2, t.requests[1].connect_timeout)
  end)
end)

describe("answers", function()
  local function call(answer, op, ...)
    local t = recorder(answer)
    local vast = vast_with(t)
    if op == nil then return vast:delete_workergroup(4242) end
    return vast[op](vast, ...)
  end

  it("decode, normalise and unwrap", function()
    local body = '{"workers":[{"id":67890,"status":"running","url":null,"cur_load":0.5,"created_at":"2023-10-01"}]}'
    local workers, whole = call({ status = 200, body = body }, "get_endpoint_workers", 1)
    assert.equal(1, #workers)
    assert.equal(67890, workers[1].id)
    if math.type then
      assert.equal("integer", math.type(workers[1].id))
      assert.equal("float", math.type(workers[1].cur_load))
    end
    assert.is_nil(workers[1].url)
    assert.equal(workers, whole.workers)
    assert.equal("running", workers:first().status)
  end)

  it("accept the bare-list form of the workers answer", function()
    local workers = call({ status = 200, body = '[{"id":1,"status":"stopped"}]' }, "get_endpoint_workers", 1)
    assert.equal(1, #workers)
    assert.same({ 1 }, workers:ids())
  end)

  it("keep nulls inside arrays in place", function()
    local l = call({ status = 200, body = '{"workers":[{"id":1,"tags":["a",null,"b"]}]}' },
      "get_endpoint_workers", 1)
    assert.equal(3, #l[1].tags)
    assert.equal(gpucloud.null, l[1].tags[2])
  end)

  it("list_clusters returns the clusters and the whole answer", function()
    local t = recorder(json { clusters = { { cluster_id = "c-1" } }, message = "1 cluster" }, json { message = "none" })
    local tp = tp_with(t)
    local clusters, whole = tp:list_clusters()
    assert.same({ "c-1" }, clusters:ids())
    assert.equal("1 cluster", whole.message)
    -- no structured list is not an empty list: an error holding the answer
    local none, err = tp:list_clusters()
    assert.is_nil(none)
    assert.equal("bad_response", err.code)
    assert.match("no 'clusters' list", err.message, 1, true)
    assert.equal("none", err.body.message)
  end)

  local failures = {
    { "400 invalid_args", { status = 400, body = '{"success":false,"error":"invalid_args","msg":"Invalid autojob ID"}' },
      400, "invalid", "Invalid autojob ID", "invalid_args" },
    { "400 routegroup", { status = 400, body = '{"success":false,"error":"invalid_args","msg":"Routegroup not found for user"}' },
      400, "not_found", "Routegroup not found for user", "invalid_args" },
    { "401", { status = 401, body = '{"success":false,"error":"invalid api key","msg":"Invalid user key"}' },
      401, "unauthorized", "Invalid user key" },
    { "404", { status = 404,
      body = '{"success":false,"error":"no_such_workergroup","msg":"No workergroup by that id is available.","id":4242}' },
      404, "not_found", "No workergroup by that id is available.", "no_such_workergroup" },
    { "429 JSON", { status = 429, body = '{"detail":"API requests too frequent endpoint threshold=3.0"}' },
      429, "rate_limited", "API requests too frequent endpoint threshold=3.0" },
    { "429 text", { status = 429, body = "API requests too frequent" },
      429, "rate_limited", "API requests too frequent" },
    { "200 string", { status = 200,
      body = '"authenticate_endpoint_apikey: invalid api_key or endpoint vLLM-Qwen3-8B not found"' },
      200, "not_found", "authenticate_endpoint_apikey: invalid api_key or endpoint vLLM-Qwen3-8B not found" },
    { "200 error_msg", { status = 200, body = '{"error_msg":"Endpoint is not ready"}' },
      200, "conflict", "Endpoint is not ready", nil, "get_endpoint_workers" },
    { "200 success false", { status = 200, body = '{"success":false,"msg":"Something went wrong"}' },
      200, "invalid", "Something went wrong" },
    { "500 HTML", { status = 500, body = "<html><head><title>500 Internal Server Error</title></head><body>x</body></html>" },
      500, "server_error", "500 Internal Server Error" },
    { "502 empty", { status = 502, body = "" }, 502, "server_error", "HTTP 502" },
  }
  for _, f in ipairs(failures) do
    it("map " .. f[1] .. " to nil, err", function()
      local op = f[7] or (f[2].body:find("endpoint") and "get_endpoint_workers" or "delete_workergroup")
      local value, err = call(f[2], op, 4242)
      assert.is_nil(value)
      assert.equal(f[3], err.status)
      assert.equal(f[4], err.code)
      assert.equal(f[6], err.server_code)
      assert.equal(f[5], err.message)
      assert.equal("vast." .. op, err.op)
      assert.equal("boolean", type(err.retryable))
      assert.truthy(gpucloud.is_error(err))
      local line = tostring(err)
      assert.not_match("\n", line)
      assert.match(f[5]:gsub("%p", "%%%0"), line)
    end)
  end

  it("mark 429 and 5xx as retryable and 4xx as not", function()
    assert.is_true(select(2, call({ status = 429, body = "" })).retryable)
    assert.is_true(select(2, call({ status = 503, body = "" })).retryable)
    assert.is_false(select(2, call({ status = 404, body = "" })).retryable)
  end)

  it("keep the decoded error body", function()
    local _, err = call({ status = 404, body = '{"success":false,"error":"no_such_workergroup","msg":"gone","id":4242}' })
    assert.equal(4242, err.body.id)
  end)

  it("join a 422 validation list into the message", function()
    local t = recorder({ status = 422, body = '{"detail":[{"loc":["path","cluster"],"msg":"bad id","type":"value_error"}]}' })
    local _, err = tp_with(t):destroy_cluster("x")
    assert.equal(422, err.status)
    assert.equal("invalid", err.code)
    assert.equal("path.cluster: bad id", err.message)
  end)

  it("read the TensorPool 401 and 409 shapes", function()
    local t = recorder({ status = 401, body = '{"error":"Invalid or missing authentication token"}' },
      { status = 409, body = '{"detail":"Deletion protection enabled"}' })
    local tp = tp_with(t)
    local _, e1 = tp:destroy_cluster("x")
    assert.same({ 401, "unauthorized", "Invalid or missing authentication token" }, { e1.status, e1.code, e1.message })
    local _, e2 = tp:destroy_cluster("x")
    assert.same({ 409, "conflict" }, { e2.status, e2.code })
    -- a refusal for protection says how to go ahead
    assert.equal("Deletion protection enabled (turn it off first: {unprotect = true}, or --unprotect on the "
      .. "command line)", e2.message)
    assert.is_true(e2.protected)
  end)

  it("report bodies that are not what was expected as bad_response", function()
    for _, body in ipairs { "not json", "{", "", "42", "true", "null", '{"success":true}' } do
      local value, err = call({ status = 200, body = body }, "show_endpoints")
      assert.is_nil(value, body)
      assert.equal("bad_response", err.code, body)
    end
  end)

  it("hide a credential field up to its real closing quote", function()
    local secrets = require "gpucloud.secrets"
    local masked = secrets.mask_json('{"api_key":"ab\\"cd-SECRET","id":1,"endpoint_api_key":"x-SECRET2"}')
    assert.not_match("SECRET", masked)
    assert.equal('{"api_key":"<hidden>","id":1,"endpoint_api_key":"<hidden>"}', masked)
    assert.equal('{"api_key":"<hidden>"', secrets.mask_json('{"api_key":"cut-SECR'))
    assert.equal("no keys here", secrets.mask_json("no keys here"))
  end)

  it("never print per-endpoint keys in a bad_response excerpt", function()
    local _, err = call({ status = 200, body = '{"success":true,"rows":[{"api_key":"ep-SECRET"}]}' }, "show_endpoints")
    assert.equal("bad_response", err.code)
    assert.not_match("ep%-SECRET", tostring(err))
  end)

  it("map transport failures", function()
    for _, code in ipairs { "timeout", "connect", "tls", "too_large", "transport" } do
      local value, err = call({ fail = { code = code, message = "libcurl says " .. code } })
      assert.is_nil(value)
      assert.equal(code, err.code)
      assert.equal("libcurl says " .. code, err.message)
      assert.is_nil(err.status)
      assert.equal(code == "timeout" or code == "connect" or code == "transport", err.retryable)
    end
  end)

  it("never crash on random answers", function()
    math.randomseed(42)
    local pieces = { "{", "}", "[", "]", '"', "null", "1", "-2.5e3", ",", ":", '"workers"', '"success"', "false",
      '"error_msg"', '"results"', "true", " ", "\0", "\255" }
    for _ = 1, 500 do
      local parts = {}
      for j = 1, math.random(0, 12) do parts[j] = pieces[math.random(#pieces)] end
      local status = ({ 200, 201, 202, 204, 301, 400, 404, 429, 500, 503, 99, 999 })[math.random(12)]
      for _, op in ipairs { "show_endpoints", "get_endpoint_workers", "delete_endpoint" } do
        local okk, value, err = pcall(call, { status = status, body = table.concat(parts) }, op,
          op ~= "show_endpoints" and 1 or nil)
        assert.is_true(okk, value)
        assert.truthy(value ~= nil or gpucloud.is_error(err))
      end
    end
  end)
end)


describe("a row's hide", function()
  local request = require "gpucloud.request"

  it("replaces those fields of every record where the answer is read, in the whole answer too", function()
    local row = { method = "GET", list = true, hide = { "args" } }
    local value, decoded = request.read("x.audit", row,
      { status = 200, body = '[{"api_route":"/a","args":{"key":"k-123"}},{"api_route":"/b"}]' })
    assert.equal("<hidden>", value[1].args)
    assert.is_nil(value[2].args)
    assert.equal("/a", value[1].api_route)
    assert.equal("<hidden>", decoded[1].args)
    local obj = request.read("x.one", { method = "GET", hide = { "args" } },
      { status = 200, body = '{"args":"secret","id":1}' })
    assert.equal("<hidden>", obj.args)
  end)
end)
