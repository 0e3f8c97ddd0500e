-- The generic operation path with a recording transport: what is sent, how
-- answers are read, how failures are mapped, how arguments and keys are
-- checked. The same operations run over real sockets in vast_spec and
-- tensorpool_spec.

local gpucloud = require "gpucloud"
local cjson = require "cjson"
local encode = require("gpucloud.json").encode

local unpack = table.unpack or unpack -- luacheck: ignore

local KEY = "sk-FAKE-4f9c2e71-never-print-me"

-- A transport that records requests and answers from a queue.
local function recorder(...)
  local answers = { ... }
  local t = { requests = {} }
  t.fn = function(req)
    t.requests[#t.requests + 1] = req
    local a = table.remove(answers, 1) or { status = 200, body = "{}" }
    if a.fail then return nil, a.fail end
    return { status = a.status or 200, headers = a.headers or {}, body = a.body or "" }
  end
  return t
end

local function no_env() return nil end

-- retries = 0: these specs are about one answer each; retry_spec covers retries
local function vast_with(t, extra)
  local opts = { api_key = KEY, transport = t.fn, getenv = no_env, retries = 0 }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return gpucloud.vast(opts)
end

local function tp_with(t)
  return gpucloud.tensorpool { api_key = KEY, transport = t.fn, getenv = no_env, retries = 0 }
end

-- the project's encoder: cjson 2.1.0 writes an empty array as {}
local function json(v) return { status = 200, body = encode(v) } end

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

describe("invalid arguments raise before anything is sent", function()
  local bad_ids = { "../x", -1, 0, 1.5, "abc", "102", 0 / 0, math.huge, 2 ^ 53 + 2, true, {} }
  for _, bad in ipairs(bad_ids) do
    it("id " .. tostring(bad), function()
      local t = recorder()
      local vast = vast_with(t)
      for _, op in ipairs { "delete_workergroup", "delete_endpoint", "get_workergroup_workers", "get_endpoint_workers" } do
        assert.has_error(function() vast[op](vast, bad) end)
      end
      assert.equal(0, #t.requests)
    end)
  end

  it("a nil id", function()
    local t = recorder()
    local vast = vast_with(t)
    local okk, err = pcall(vast.delete_endpoint, vast)
    assert.is_false(okk)
    assert.match("vast.delete_endpoint: id must be a positive integer up to 2^53, got nil", err, 1, true)
    assert.equal(0, #t.requests)
  end)

  for _, bad in ipairs { "", "a/b", "../etc", ".", "..", "a\nb", "a\rb", "a\0b", 42, ("x"):rep(300) } do
    it("cluster id " .. string.format("%q", tostring(bad)):sub(1, 30), function()
      local t = recorder()
      local tp = tp_with(t)
      assert.has_error(function() tp:destroy_cluster(bad) end)
      assert.has_error(function() tp:get_request_info(bad) end)
      assert.equal(0, #t.requests)
    end)
  end

  it("the error points at the caller's line", function()
    local vast = vast_with(recorder())
    local okk, err = pcall(function() vast:delete_endpoint("x") end)
    assert.is_false(okk)
    assert.match("client_spec.lua:%d+: vast.delete_endpoint", err)
  end)

  it("a method called with a dot", function()
    local vast = vast_with(recorder())
    assert.has_error(function() vast.delete_endpoint(5) end)
  end)

  it("unknown options and bad option values", function()
    local t = recorder()
    local vast = vast_with(t)
    assert.has_error(function() vast:delete_endpoint(1, { timout = 5 }) end)
    assert.has_error(function() vast:delete_endpoint(1, { timeout = -1 }) end)
    assert.has_error(function() vast:delete_endpoint(1, "fast") end)
    assert.has_error(function() tp_with(t):list_clusters { include_org = "yes" } end)
    assert.has_error(function() gpucloud.vast { api_ky = "x" } end)
    assert.has_error(function() gpucloud.vast { url = "console.vast.ai" } end)
    assert.has_error(function() gpucloud.vast { timeout = 0 } end)
    assert.has_error(function() gpucloud.vast { transport = "curl" } end)
    assert.equal(0, #t.requests)
  end)

  it("a key with CR/LF", function()
    assert.has_error(function() gpucloud.vast { api_key = "abc\r\nX-Evil: 1" } end)
    local t = recorder()
    local vast = gpucloud.vast {
      transport = t.fn,
      getenv = function(n) if n == "VAST_API_KEY" then return "abc\ndef" end end,
    }
    local okk, err = pcall(vast.show_endpoints, vast)
    assert.is_false(okk)
    assert.match("VAST_API_KEY contains control characters", err)
    assert.not_match("abc", err)
    assert.equal(0, #t.requests)
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

describe("keys", function()
  local function env(t) return function(name) return t[name] end end
  local dir

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. "/xdg/vastai " .. dir .. "/home/.config/vastai"))
  end)
  teardown(function() os.execute("rm -rf " .. dir) end)

  local function write(path, text)
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
    -- as a key file should be; a wider mode warns (see secrets_spec)
    assert(os.execute("chmod 600 '" .. path .. "'"))
  end

  local function key_sent(opts)
    local t = recorder(json { success = true, results = {} })
    opts.transport = t.fn
    local vast = gpucloud.vast(opts)
    local value, err = vast:show_endpoints()
    if not value then return nil, err end
    return t.requests[1].headers.Authorization:match("^Bearer (.*)$"), vast
  end

  it("come from the constructor first, then VAST_API_KEY, then the XDG file, then ~/.vast_api_key", function()
    write(dir .. "/xdg/vastai/vast_api_key", "from-xdg\n")
    write(dir .. "/home/.config/vastai/vast_api_key", "from-home-config\n")
    write(dir .. "/home/.vast_api_key", "  from-legacy  \n")
    local e = { VAST_API_KEY = "from-env", XDG_CONFIG_HOME = dir .. "/xdg", HOME = dir .. "/home" }
    assert.equal("from-arg", key_sent { api_key = "from-arg", getenv = env(e) })
    assert.equal("from-env", key_sent { getenv = env(e) })
    e.VAST_API_KEY = nil
    assert.equal("from-xdg", key_sent { getenv = env(e) })
    e.XDG_CONFIG_HOME = nil
    assert.equal("from-home-config", key_sent { getenv = env(e) })
    os.remove(dir .. "/home/.config/vastai/vast_api_key")
    assert.equal("from-legacy", key_sent { getenv = env(e) })
  end)

  it("missing: a clear error at the first call, naming where it looked", function()
    local t = recorder()
    local vast = gpucloud.vast { transport = t.fn, getenv = env { HOME = dir .. "/nobody" } }
    local value, err = vast:show_endpoints()
    assert.is_nil(value)
    assert.equal("no_api_key", err.code)
    assert.match("VAST_API_KEY", err.message)
    assert.match(dir .. "/nobody/.config/vastai/vast_api_key", err.message, 1, true)
    assert.match(dir .. "/nobody/.vast_api_key", err.message, 1, true)
    assert.equal(0, #t.requests)
  end)

  it("TensorPool: TENSORPOOL_KEY, then TENSORPOOL_API_KEY", function()
    local function tp_key(e)
      local t = recorder(json { clusters = {} })
      local tp = gpucloud.tensorpool { transport = t.fn, getenv = env(e) }
      local value, err = tp:list_clusters()
      if not value then return nil, err end
      return t.requests[1].headers.Authorization:match("^Bearer (.*)$")
    end
    assert.equal("a", tp_key { TENSORPOOL_KEY = "a", TENSORPOOL_API_KEY = "b" })
    assert.equal("b", tp_key { TENSORPOOL_API_KEY = "b" })
    local _, err = tp_key {}
    assert.equal("no_api_key", err.code)
    assert.match("TENSORPOOL_KEY, TENSORPOOL_API_KEY", err.message)
  end)

  it("never show in tostring, pairs or errors", function()
    local t = recorder({ status = 401, body = '{"success":false,"error":"x","msg":"bad key"}' })
    local vast = gpucloud.vast { api_key = KEY, transport = t.fn, getenv = no_env }
    local _, err = vast:show_endpoints()
    assert.not_match(KEY, tostring(vast), 1, true)
    assert.not_match(KEY, tostring(err), 1, true)
    assert.not_match(KEY, cjson.encode(err.body or {}), 1, true)
    for k, v in pairs(vast) do
      assert.not_match(KEY, tostring(k) .. tostring(v), 1, true)
      if type(v) == "table" then
        for k2, v2 in pairs(v) do assert.not_match(KEY, tostring(k2) .. tostring(v2), 1, true) end
      end
    end
    assert.match("key from the api_key option", tostring(vast))
  end)
end)

describe("base URLs", function()
  local function env(t) return function(name) return t[name] end end
  local function urls(opts)
    opts.api_key = "k"
    return gpucloud.vast(opts).urls
  end

  it("default to the real hosts", function()
    assert.same({ console = "https://console.vast.ai", run = "https://run.vast.ai" }, urls { getenv = no_env })
    assert.same({ engine = "https://engine.tensorpool.dev" },
      gpucloud.tensorpool { api_key = "k", getenv = no_env }.urls)
  end)

  it("follow the console override when only it is given", function()
    assert.same({ console = "http://127.0.0.1:9", run = "http://127.0.0.1:9" },
      urls { getenv = env { VAST_URL = "http://127.0.0.1:9/" } })
    assert.same({ console = "http://127.0.0.1:9", run = "http://127.0.0.1:9" },
      urls { url = "http://127.0.0.1:9", getenv = no_env })
    assert.same({ console = "http://a:1", run = "http://b:2" },
      urls { getenv = env { VAST_URL = "http://a:1", VAST_RUN_URL = "http://b:2" } })
    assert.same({ console = "http://c:3", run = "http://b:2" },
      urls { url = "http://c:3", getenv = env { VAST_URL = "http://a:1", VAST_RUN_URL = "http://b:2" } })
    assert.same({ engine = "http://127.0.0.1:7" },
      gpucloud.tensorpool { api_key = "k", getenv = env { TENSORPOOL_ENGINE = "http://127.0.0.1:7" } }.urls)
  end)
end)

describe("wait_request", function()
  local function info(status, extra)
    local t = { request_id = "r-1", request_type = "CLUSTER_RELEASE", status = status }
    for k, v in pairs(extra or {}) do t[k] = v end
    return { status = 200, headers = { ["retry-after"] = "0" }, body = encode(t) }
  end

  it("polls until COMPLETED", function()
    local t = recorder(info "PENDING", info "PROCESSING", info "RETRYING", info "COMPLETED")
    local done = assert(tp_with(t):wait_request("r-1", { interval = 0 }))
    assert.equal("COMPLETED", done.status)
    assert.equal(4, #t.requests)
  end)

  it("returns nil, err on FAILED", function()
    local t = recorder(info "PENDING", info("FAILED", { external_message = "capacity" }))
    local value, err = tp_with(t):wait_request("r-1", { interval = 0 })
    assert.is_nil(value)
    assert.equal("failed", err.code)
    assert.equal("capacity", err.message)
    assert.equal("FAILED", err.info.status)
  end)

  it("polls through transient failures and stops on permanent ones", function()
    local t = recorder({ status = 503, body = "" }, { fail = { code = "connect", message = "refused" } }, info "COMPLETED")
    assert.truthy(tp_with(t):wait_request("r-1", { interval = 0 }))
    local t2 = recorder({ status = 404, body = '{"detail":"Request not found"}' })
    local value, err = tp_with(t2):wait_request("r-1", { interval = 0 })
    assert.is_nil(value)
    assert.equal("not_found", err.code)
    assert.equal(1, #t2.requests)
  end)

  it("gives up with code timeout", function()
    local answers = {}
    for i = 1, 200 do answers[i] = info "PROCESSING" end
    local t = recorder(unpack(answers))
    local value, err = tp_with(t):wait_request("r-1", { deadline = 0.2, interval = 0.05 })
    assert.is_nil(value)
    assert.equal("timeout", err.code)
    assert.match("PROCESSING", err.message)
    assert.truthy(#t.requests >= 2 and #t.requests <= 6)
  end)

  it("checks its arguments", function()
    local tp = tp_with(recorder())
    assert.has_error(function() tp:wait_request(nil) end)
    assert.has_error(function() tp:wait_request("a/b") end)
    assert.has_error(function() tp:wait_request("r", { deadline = -1 }) end)
    assert.has_error(function() tp:wait_request("r", { every = 1 }) end)
  end)
end)

describe("clients", function()
  it("close idempotently, and refuse calls after", function()
    local vast = vast_with(recorder())
    vast:close()
    vast:close()
    assert.has_error(function() vast:show_endpoints() end)
    assert.match("closed", tostring(vast))
  end)
end)
