-- RunPod through the C core, over real sockets, against the simulator:
-- every row's wire, the answers v2 gives (problem+json errors, 204
-- deletes, wrapped lists), the truth rules on its destructive paths (a
-- lost answer, a bad key, a read-only key, an attached volume), the
-- whole-list checks, ids as typed and the key file.

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"
local keyfile = require "gpucloud.providers.runpod.keyfile"

local function no_env() end

-- A runtime whose clock and pauses are virtual (the waits' pauses take no
-- time) over the C core's requests: time asserted on this clock only.
local function virtual_runtime()
  local curl = require("gpucloud.runtime.curl").new()
  local t = 0
  return {
    request = curl.request, close = curl.close,
    now = function() return t end,
    sleep = function(s) t = t + s end,
  }, function() return t end
end

describe("runpod over HTTP", function()
  local sim, rp

  setup(function() sim = assert(server.start {}) end)
  teardown(function()
    if rp then rp:close() end
    sim:stop()
  end)
  before_each(function()
    assert(sim:reset())
    if rp then rp:close() end
    rp = gpucloud.runpod { url = sim.url, api_key = sim.keys.runpod, getenv = no_env,
                           backoff = { base = 0.01, max = 0.05 } }
  end)

  local function log() return assert(sim:log()) end
  local function thing(kind, id)
    for _, x in ipairs(assert(sim:state()).runpod[kind]) do
      if x.id == id then return x end
    end
  end

  local function assert_wire(entry, method, path, query, body)
    assert.equal(method, entry.method)
    assert.equal(path, entry.path)
    assert.equal(query or "", entry.query or "")
    assert.equal("Bearer " .. sim.keys.runpod, entry.headers.authorization)
    assert.equal(body or "", entry.body or "")
  end

  local function failed(code, status, v, err)
    assert.is_nil(v)
    assert.truthy(gpucloud.is_error(err))
    assert.equal(code, err.code)
    assert.equal(status, err.status)
    assert.not_match(sim.keys.runpod, tostring(err), 1, true)
    return err
  end

  describe("pods", function()
    it("list_pods answers the wrapped list and the whole answer; cluster members only when asked", function()
      local pods, answer = assert(rp:list_pods())
      assert.equal(9, #pods)
      assert.same(pods, answer.pods)
      assert.is_nil(pods:first { id = "pod-cluster-0" })
      assert_wire(log()[1], "GET", "/v2/pods")
      local all = assert(rp:list_pods { includeClusterPods = true })
      assert.equal(10, #all)
      assert_wire(log()[2], "GET", "/v2/pods", "includeClusterPods=true")
      assert.same({ "stop", "restart", "terminate" }, pods:first({ id = "pod-train-h100" }).actions)
    end)

    it("get_pod answers the pod; an unknown one is not_found in the server's words", function()
      assert.equal("train-llama", assert(rp:get_pod("pod-train-h100")).name)
      assert_wire(log()[1], "GET", "/v2/pods/pod-train-h100")
      local err = failed("not_found", 404, rp:get_pod("pod-gone"))
      assert.equal("pod not found", err.message)
      assert.equal("Not Found", err.body.title)
    end)

    it("stop_pod sends {action = stop} and answers the pod, EXITED with cost 0; a second is 409", function()
      local pod = assert(rp:stop_pod("pod-dev-4090"))
      assert.same({ "EXITED", 0 }, { pod.status, pod.cost })
      assert_wire(log()[1], "POST", "/v2/pods/pod-dev-4090/action", nil, '{"action":"stop"}')
      failed("conflict", 409, rp:stop_pod("pod-dev-4090"))
      assert.equal("EXITED", thing("pods", "pod-dev-4090").status)
    end)

    it("stop_pods counts a pod already stopped as stopped, by reading it; a locked pod fails", function()
      local r = rp:stop_pods({ "pod-stopped-a100", "pod-dev-4090", "pod-locked" }, { rate = false })
      assert.same({ "pod-stopped-a100", "pod-dev-4090" }, r.ok, tostring(r))
      assert.equal("EXITED", r.results["pod-stopped-a100"].status)
      assert.equal("conflict", r.failed["pod-locked"].code)
      assert.equal("RUNNING", thing("pods", "pod-locked").status)
      assert.match("stopped 2 of 3, 1 failed", tostring(r))
    end)

    it("stop_pods with wait follows a stop answered while the pod still runs until it is EXITED", function()
      local rt, clock = virtual_runtime()
      local c = gpucloud.runpod { url = sim.url, api_key = sim.keys.runpod, getenv = no_env, runtime = rt }
      local r = c:stop_pods({ "pod-slow-stop" }, { rate = false, wait = true })
      assert.same({ "pod-slow-stop" }, r.ok, tostring(r))
      assert.equal("EXITED", r.results["pod-slow-stop"].status)
      assert.is_true(clock() >= 2, "it waited between polls")
      -- without wait, the answer is the pod as the stop left it
      assert(sim:reset())
      r = c:stop_pods({ "pod-slow-stop" }, { rate = false })
      assert.equal("RUNNING", r.results["pod-slow-stop"].status)
      c:close()
    end)

    it("start_pods starts a stopped pod; with wait, until RUNNING", function()
      local rt = virtual_runtime()
      local c = gpucloud.runpod { url = sim.url, api_key = sim.keys.runpod, getenv = no_env, runtime = rt }
      local r = c:start_pods({ "pod-stopped-a100" }, { rate = false, wait = true })
      assert.same({ "pod-stopped-a100" }, r.ok, tostring(r))
      assert.equal("RUNNING", r.results["pod-stopped-a100"].status)
      assert.equal(3.28, thing("pods", "pod-stopped-a100").cost)
      c:close()
    end)

    it("delete_pod: a 204 is done; a second delete is not_found, never done", function()
      local v = assert(rp:delete_pod("pod-error-l40"))
      assert.equal(204, v.status)
      assert_wire(log()[1], "DELETE", "/v2/pods/pod-error-l40")
      assert.is_nil(thing("pods", "pod-error-l40"))
      local err = failed("not_found", 404, rp:delete_pod("pod-error-l40"))
      assert.is_nil(err.maybe_deleted)
      local r = rp:delete_pods({ "pod-error-l40" }, { rate = false })
      assert.same({}, r.ok)
      assert.equal("not_found", r.failed["pod-error-l40"].code)
    end)

    it("a delete whose answer was lost is retried; the 404 that follows is maybe_deleted, counted done", function()
      assert(sim:inject { method = "DELETE", path = "/v2/pods/{id}", fault = "close", act = true, times = 2 })
      local r = rp:delete_pods({ "pod-dev-4090" }, { rate = false })
      assert.same({ "pod-dev-4090" }, r.ok, tostring(r))
      assert.same({ "pod-dev-4090" }, r.maybe_deleted)
      assert.is_nil(thing("pods", "pod-dev-4090"))
    end)

    it("a cluster's member pod cannot be deleted here: 409", function()
      failed("conflict", 409, rp:delete_pod("pod-cluster-0"))
      assert.truthy(thing("pods", "pod-cluster-0"))
    end)
  end)

  describe("keys", function()
    it("a bad key is unauthorized, never not_found: a delete with it is never 'already gone'", function()
      local bad = gpucloud.runpod { url = sim.url, api_key = "rp-wrong-key-0000", getenv = no_env, retries = 0 }
      local err = failed("unauthorized", 401, bad:delete_pod("pod-gone"))
      assert.equal("invalid bearer token", err.message)
      local r = bad:delete_pods({ "pod-dev-4090", "pod-gone" }, { rate = false })
      assert.same({}, r.ok)
      assert.same({}, r.maybe_deleted)
      assert.equal("unauthorized", r.failed["pod-gone"].code)
      assert.truthy(thing("pods", "pod-dev-4090"))
      assert.not_match("rp%-wrong%-key", tostring(r))
      bad:close()
    end)

    it("a read-only key lists, and is forbidden (403) to change anything", function()
      local ro = gpucloud.runpod { url = sim.url, api_key = "rp-sim-readonly-key", getenv = no_env, retries = 0 }
      assert.equal(9, #assert(ro:list_pods()))
      local err = failed("forbidden", 403, ro:delete_pod("pod-dev-4090"))
      assert.equal("access denied", err.message)
      failed("forbidden", 403, ro:stop_pod("pod-dev-4090"))
      failed("forbidden", 403, ro:pause_endpoint("ep-idle"))
      failed("forbidden", 403, ro:delete_network_volume("nv-scratch"))
      assert.truthy(thing("pods", "pod-dev-4090"))
      ro:close()
    end)

    it("no key: no_api_key naming RUNPOD_API_KEY and the official CLI's key file, nothing sent", function()
      local c = gpucloud.runpod { url = sim.url, getenv = no_env }
      local err = failed("no_api_key", nil, c:list_pods())
      assert.match("RUNPOD_API_KEY, ~/.runpod/config.toml", err.message, 1, true)
      assert.equal(0, #log())
      c:close()
    end)

    it("the key from ~/.runpod/config.toml (runpodctl's apikey, runpod-python's [default] api_key)", function()
      local home = os.tmpname()
      os.remove(home)
      assert(os.execute("mkdir -p " .. home .. "/.runpod"))
      local f = assert(io.open(home .. "/.runpod/config.toml", "wb"))
      f:write('apiurl = "https://api.runpod.io/graphql"\napikey = "' .. sim.keys.runpod .. '" # runpodctl\n')
      f:close()
      os.execute("chmod 600 " .. home .. "/.runpod/config.toml")
      local env = { HOME = home }
      local c = gpucloud.runpod { url = sim.url, getenv = function(n) return env[n] end }
      assert(c:list_pods())
      assert.match("key from ~/.runpod/config.toml", tostring(c), 1, true)
      assert.not_match(sim.keys.runpod, tostring(c), 1, true)
      c:close()
      -- the environment comes first
      env.RUNPOD_API_KEY = "rp-sim-readonly-key"
      c = gpucloud.runpod { url = sim.url, getenv = function(n) return env[n] end }
      failed("forbidden", 403, c:delete_pod("pod-dev-4090"))
      c:close()
      os.execute("rm -rf " .. home)
    end)

    it("keyfile.parse reads both writers' forms and nothing else", function()
      assert.equal("k1", keyfile.parse('apikey = "k1"\n'))
      assert.equal("k1", keyfile.parse("apiKey = 'k1'\n"))
      assert.equal("k2", keyfile.parse('[default]\napi_key = "k2"\n'))
      assert.equal("k1", keyfile.parse('apikey = "k1"\n[default]\napi_key = "k2"\n'))
      assert.is_nil(keyfile.parse('[other]\napikey = "k1"\n'))
      assert.is_nil(keyfile.parse('apikey = ""\n'))
      assert.is_nil(keyfile.parse('apikey = k1\n'))
      assert.is_nil(keyfile.parse('api_key = "k3"\n'))
      assert.is_nil(keyfile.parse(""))
    end)
  end)

  describe("serverless endpoints", function()
    it("list, get and workers (with the summary v2 rolls up)", function()
      local eps = assert(rp:list_endpoints())
      assert.equal(6, #eps)
      assert_wire(log()[1], "GET", "/v2/serverless")
      assert.equal("sdxl", assert(rp:get_endpoint("ep-idle")).name)
      local workers, answer = assert(rp:list_endpoint_workers("ep-busy"))
      assert.same({ "w-busy-1", "w-busy-2" }, workers:ids())
      assert.same({ 1, 1, 2 }, { answer.summary.running, answer.summary.idle, answer.summary.total })
      assert_wire(log()[3], "GET", "/v2/serverless/ep-busy/workers")
    end)

    it("update_endpoint sends the fields as v2 nests them; a bad field raises before anything is sent", function()
      local ep = assert(rp:update_endpoint("ep-idle", { name = "sdxl-2", workers_min = 0, idle_timeout = 30 }))
      assert.same({ "sdxl-2", 0, 2, 30 }, { ep.name, ep.workers.min, ep.workers.max, ep.workers.idleTimeout })
      assert_wire(log()[1], "PATCH", "/v2/serverless/ep-idle", nil,
        '{"name":"sdxl-2","workers":{"idleTimeout":30,"min":0}}')
      for _, bad in ipairs { {}, { workers_min = -1 }, { workers_max = 1.5 }, { idle_timeout = 0 },
                             { name = "" }, { gpu = "x" }, "x" } do
        assert.has_error(function() rp:update_endpoint("ep-idle", bad) end)
      end
      assert.equal(1, #log())
      failed("invalid", 400, rp:update_endpoint("ep-idle", { workers_min = 5 }))
    end)

    it("pause_endpoint scales to zero; pause_endpoints with wait follows the workers until none is left", function()
      local ep = assert(rp:pause_endpoint("ep-idle"))
      assert.same({ 0, 0 }, { ep.workers.min, ep.workers.max })
      assert_wire(log()[1], "PATCH", "/v2/serverless/ep-idle", nil, '{"workers":{"max":0,"min":0}}')
      local rt = virtual_runtime()
      local c = gpucloud.runpod { url = sim.url, api_key = sim.keys.runpod, getenv = no_env, runtime = rt }
      local r = c:pause_endpoints({ "ep-busy" }, { rate = false, wait = true })
      assert.same({ "ep-busy" }, r.ok, tostring(r))
      assert.is_true(r.results["ep-busy"].drained)
      assert.equal(0, #assert(c:list_endpoint_workers("ep-busy")))
      assert.truthy(thing("endpoints", "ep-busy"), "a pause deletes nothing")
      c:close()
    end)

    it("delete_endpoints deletes them (204); an unknown one fails", function()
      local r = rp:delete_endpoints({ "ep-empty", "ep-nope" }, { rate = false })
      assert.same({ "ep-empty" }, r.ok)
      assert.equal("not_found", r.failed["ep-nope"].code)
      assert.is_nil(thing("endpoints", "ep-empty"))
    end)
  end)

  describe("network volumes", function()
    it("list, get, delete; an attached one cannot go (409), and can once what mounts it is gone", function()
      assert.equal(7, #assert(rp:list_network_volumes()))
      assert.equal(500, assert(rp:get_network_volume("nv-datasets")).size)
      local r = rp:delete_network_volumes({ "nv-scratch", "nv-datasets", "nv-checkpoints", "nv-models" },
        { rate = false })
      assert.same({ "nv-scratch" }, r.ok, tostring(r))
      for _, id in ipairs { "nv-datasets", "nv-checkpoints", "nv-models" } do
        assert.equal("conflict", r.failed[id].code, id)
        assert.truthy(thing("volumes", id))
      end
      assert.match("remove this network volume from all pods", r.failed["nv-checkpoints"].message, 1, true)
      assert.match("serverless endpoints", r.failed["nv-models"].message, 1, true)
      assert(rp:delete_pod("pod-exited-nv"))
      assert(rp:delete_network_volume("nv-checkpoints"))
      assert.is_nil(thing("volumes", "nv-checkpoints"))
    end)
  end)

  describe("billing and the catalog", function()
    it("billing_pods sends the window and answers the records", function()
      local recs, answer = assert(rp:billing_pods { startTime = "2026-06-01T00:00:00Z",
                                                    endTime = "2026-06-03T00:00:00Z", bucketSize = "day" })
      assert.equal(3, #recs)
      assert.equal(3, answer.metadata.recordCount)
      assert_wire(log()[1], "GET", "/v2/billing/pods",
        "startTime=2026-06-01T00%3A00%3A00Z&endTime=2026-06-03T00%3A00%3A00Z&bucketSize=day")
      local one = assert(rp:billing_pods { startTime = "2026-06-01T00:00:00Z", endTime = "2026-06-02T00:00:00Z",
                                           bucketSize = "hour", podId = "pod-train-h100" })
      assert.equal(24, #one)
      local recent, whole = assert(rp:billing_serverless { lastN = 3 })
      assert.equal(0, #recent, "the seed's records are older than three days")
      assert.equal("day", whole.metadata.query.bucketSize)
      assert.equal(2, #assert(rp:billing_network_volumes { startTime = "2026-06-01T00:00:00Z",
                                                            endTime = "2026-06-03T00:00:00Z" }))
    end)

    it("its query options are checked before anything is sent", function()
      for _, bad in ipairs { { startTime = 1780272000 }, { startTime = "2026-06-01" }, { bucketSize = "minute" },
                             { lastN = 0 }, { podId = "a/b" }, { endTime = "2026-06-01T00:00:00" } } do
        assert.has_error(function() rp:billing_pods(bad) end)
      end
      assert.equal(0, #log())
      failed("invalid", 400, rp:billing_pods { lastN = 2, startTime = "2026-06-01T00:00:00Z" })
    end)

    it("list_gpu_types answers the catalog", function()
      local gpus = assert(rp:list_gpu_types())
      assert.equal(1.1, gpus:first({ id = "NVIDIA GeForce RTX 4090" }).price.serverless)
      assert_wire(log()[1], "GET", "/v2/catalog/gpus")
    end)
  end)

  describe("the whole list, or an error", function()
    local function answer(path, body)
      assert(sim:inject { method = "GET", path = path, status = 200, body = json.encode(body) })
    end

    it("a listing that says more pages follow is bad_response, never a short list", function()
      answer("/v2/pods", { pods = { { id = "pod-a" } }, pagination = { hasNextPage = true, nextCursor = "c2" } })
      local err = failed("bad_response", 200, rp:list_pods())
      assert.match("more pages", err.message)
      answer("/v2/network-volumes", { networkVolumes = {}, nextCursor = "c2" })
      failed("bad_response", 200, rp:list_network_volumes())
      answer("/v2/serverless", { endpoints = {}, pagination = { hasNextPage = false, nextCursor = json.null } })
      assert.equal(0, #assert(rp:list_endpoints()))
    end)

    it("workers whose summary counts others, and billing whose recordCount does, are bad_response", function()
      answer("/v2/serverless/{id}/workers", { workers = {}, summary = { total = 2, idle = 2 } })
      local err = failed("bad_response", 200, rp:list_endpoint_workers("ep-idle"))
      assert.match("^summary%.total says 2, the answer lists 0; body starts: ", err.message)
      answer("/v2/billing/pods", { records = {}, metadata = { recordCount = 1 } })
      failed("bad_response", 200, rp:billing_pods())
    end)

    it("what is not a list is never an empty one: {}, a null, a string under the key", function()
      for _, body in ipairs { "{}", '{"pods":null}', '{"pods":{}}', '{"pods":"none"}', "null", '{"pods":[1]}' } do
        assert(sim:inject { method = "GET", path = "/v2/pods", status = 200, body = body })
        failed("bad_response", 200, rp:list_pods())
      end
      -- v1's shape, a bare array, is a list
      assert(sim:inject { method = "GET", path = "/v2/pods", status = 200, body = '[{"id":"pod-a"}]' })
      assert.same({ "pod-a" }, assert(rp:list_pods()):ids())
    end)

    it("a bare array only where v1 answered one (pods, endpoints, volumes); workers, catalog, billing never", function()
      for _, c in ipairs { { "/v2/serverless", "list_endpoints" }, { "/v2/network-volumes", "list_network_volumes" } } do
        assert(sim:inject { method = "GET", path = c[1], status = 200, body = '[{"id":"x-1"}]' })
        assert.equal(1, #assert(rp[c[2]](rp)), c[2])
      end
      for _, c in ipairs { { "/v2/serverless/{id}/workers", "list_endpoint_workers", "ep-idle" },
                           { "/v2/catalog/gpus", "list_gpu_types" }, { "/v2/billing/pods", "billing_pods" } } do
        assert(sim:inject { method = "GET", path = c[1], status = 200, body = '[{"id":"x-1","podId":"p"}]' })
        failed("bad_response", 200, rp[c[2]](rp, c[3]))
      end
    end)

    it("billing names a thing once per bucket: the same pod in the same bucket twice is bad_response", function()
      local function rec(pod, day, amount)
        return { podId = pod, startTime = "2026-06-0" .. day .. "T00:00:00Z", endTime = "2026-06-0" .. (day + 1)
          .. "T00:00:00Z", totalAmount = amount }
      end
      -- one pod on two days, two pods on one day: records, not repeats
      answer("/v2/billing/pods", { records = { rec("p-1", 1, 1), rec("p-1", 2, 1), rec("p-2", 1, 1) },
                                   metadata = { recordCount = 3 } })
      assert.equal(3, #assert(rp:billing_pods()))
      -- one pod's day twice (once in another spelling of the same instant): a charge counted twice
      for _, again in ipairs { rec("p-1", 1, 2), { podId = "p-1", startTime = "2026-06-01T02:00:00+02:00" } } do
        answer("/v2/billing/pods", { records = { rec("p-1", 1, 1), rec("p-2", 1, 1), again },
                                     metadata = { recordCount = 3 } })
        local err = failed("bad_response", 200, rp:billing_pods())
        assert.match('billing records 1 and 3 are both podId "p%-1"', err.message)
      end
    end)
  end)

  describe("answers about what was asked", function()
    it("a pod, endpoint or volume answered for another id is bad_response, never that thing", function()
      for _, c in ipairs {
        { "GET", "/v2/pods/{id}", "get_pod", "pod-train-h100" },
        { "POST", "/v2/pods/{id}/action", "stop_pod", "pod-dev-4090" },
        { "POST", "/v2/pods/{id}/action", "start_pod", "pod-stopped-a100" },
        { "GET", "/v2/serverless/{id}", "get_endpoint", "ep-idle" },
        { "PATCH", "/v2/serverless/{id}", "pause_endpoint", "ep-idle" },
        { "GET", "/v2/network-volumes/{id}", "get_network_volume", "nv-scratch" },
      } do
        assert(sim:inject { method = c[1], path = c[2], status = 200,
                            body = json.encode { id = "someone-else", status = "EXITED" } })
        local err = failed("bad_response", 200, rp[c[3]](rp, c[4]))
        assert.match("someone%-else", err.message, nil, c[3])
        assert(sim:inject { method = c[1], path = c[2], status = 200, body = '{"status":"EXITED"}' })
        failed("bad_response", 200, rp[c[3]](rp, c[4]))
      end
    end)

    it("stop_pods{wait} reports no pod stopped on answers about another pod", function()
      local rt = virtual_runtime()
      local c = gpucloud.runpod { url = sim.url, api_key = sim.keys.runpod, getenv = no_env, runtime = rt,
                                  retries = 0 }
      assert(sim:inject { method = "GET", path = "/v2/pods/{id}", status = 200, times = -1,
                          body = json.encode { id = "pod-stopped-a100", status = "EXITED" } })
      local r = c:stop_pods({ "pod-slow-stop" }, { rate = false, wait = true, deadline = 5 })
      assert.same({}, r.ok, tostring(r))
      assert.equal("timeout", r.failed["pod-slow-stop"].code)
      assert.equal("bad_response", r.failed["pod-slow-stop"].last_error.code)
      c:close()
    end)
  end)

  describe("errors in every documented shape", function()
    it("v2's problem, and v1's two not-found bodies, are not_found with the server's words", function()
      local bodies = {
        { '{"title":"Not Found","status":404,"detail":"The requested Pod does not exist."}',
          "The requested Pod does not exist." },
        { '{"error":"pod not found to terminate","status":404}', "pod not found to terminate" },
        { '{"message":"Pod not found"}', "Pod not found" },
      }
      for _, b in ipairs(bodies) do
        assert(sim:inject { method = "DELETE", path = "/v2/pods/{id}", status = 404, body = b[1] })
        local err = failed("not_found", 404, rp:delete_pod("pod-dev-4090"))
        assert.equal(b[2], err.message)
      end
    end)

    it("a 429 with Retry-After is waited for and retried", function()
      assert(sim:inject { method = "GET", path = "/v2/pods", status = 429, headers = { ["Retry-After"] = "0" },
                          body = '{"title":"Too Many Requests","status":429,"detail":"rate limit exceeded"}' })
      assert.equal(9, #assert(rp:list_pods()))
      assert.equal(2, #log())
    end)

    it("a DELETE answered 2xx with a body it cannot read is still done", function()
      assert(sim:inject { method = "DELETE", path = "/v2/network-volumes/{id}", status = 200, body = "<html>",
                          act = true })
      assert(rp:delete_network_volume("nv-scratch"))
      assert.is_nil(thing("volumes", "nv-scratch"))
    end)
  end)

  describe("ids as typed", function()
    it("an id that is not one path segment of text raises before anything is sent", function()
      for _, bad in ipairs { "", "a/b", ".", "..", "a\nb", 123, 1.5, true, {}, string.rep("x", 257) } do
        assert.has_error(function() rp:delete_pod(bad) end)
        assert.has_error(function() rp:delete_pods({ bad }) end)
        assert.has_error(function() rp:get_network_volume(bad) end)
      end
      assert.equal(0, #log())
    end)

    it("any other text is sent percent-encoded, as one segment", function()
      failed("not_found", 404, rp:get_pod("a b?c#d%e"))
      assert.equal("/v2/pods/a%20b%3Fc%23d%25e", log()[1].path)
    end)
  end)
end)
