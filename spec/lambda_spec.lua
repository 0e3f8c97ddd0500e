-- Lambda Cloud through the C core, over real sockets, against the
-- simulator: every row's wire, Lambda's envelopes ({"data": ...} answers,
-- {"error": {code, message}} failures mapped by code, client:batch
-- included), the terminate of one id a call (judged by a later listing
-- when not plainly accepted, confirmed by listing again) with a report
-- exact per id, file systems in use, the truth rules (a lost answer, a bad
-- key, a 2xx delete), ids as typed and the key.

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"
local define = require "gpucloud.define"
local watch = require "gpucloud.providers.lambda.watch"

local function no_env() end

-- The C core's requests on a clock of our own: the waits' pauses take no
-- time, and time is asserted on this clock only.
local function on_own_clock()
  local curl = require("gpucloud.runtime.curl").new()
  local clock = { t = 0 }
  local rt = { request = curl.request, close = curl.close }
  function rt.now() return clock.t end
  function rt.sleep(s) clock.t = clock.t + s end
  return rt, clock
end

describe("lambda over HTTP", function()
  local sim, lam

  setup(function() sim = assert(server.start {}) end)
  teardown(function()
    if lam then lam:close() end
    sim:stop()
  end)

  local function client(extra)
    local o = { url = sim.url, api_key = sim.keys.lambda, getenv = no_env, backoff = { base = 0.01, max = 0.05 } }
    for k, v in pairs(extra or {}) do o[k] = v end
    return gpucloud.lambda(o)
  end
  before_each(function()
    assert(sim:reset())
    if lam then lam:close() end
    lam = client()
  end)

  local function log() return assert(sim:log()) end
  local function sent(method, path)
    local n = 0
    for _, e in ipairs(log()) do
      if e.method == method and (path == nil or e.path == path) then n = n + 1 end
    end
    return n
  end
  local function thing(kind, id)
    for _, x in ipairs(assert(sim:state()).lambda[kind]) do
      if x.id == id then return x end
    end
  end
  local function assert_wire(entry, method, path, query, body)
    assert.equal(method, entry.method)
    assert.equal(path, entry.path)
    assert.equal(query or "", entry.query or "")
    assert.equal("Bearer " .. sim.keys.lambda, entry.headers.authorization)
    assert.equal(body or "", entry.body or "")
  end
  local function failed(code, status, v, err)
    assert.is_nil(v)
    assert.truthy(gpucloud.is_error(err), tostring(err))
    assert.equal(code, err.code, tostring(err))
    assert.equal(status, err.status)
    assert.not_match(sim.keys.lambda, tostring(err), 1, true)
    return err
  end
  local function error_body(code, message)
    return json.encode { error = { code = code, message = message } }
  end

  describe("instances", function()
    it("list_instances answers the list under data and the whole answer; a cluster's with cluster_id", function()
      local list, answer = assert(lam:list_instances())
      assert.equal(9, #list)
      assert.same(list, answer.data)
      assert_wire(log()[1], "GET", "/api/v1/instances")
      local train = list:first { id = "i-train-a100x8" }
      assert.equal(1032, train.instance_type.price_cents_per_hour)
      assert.is_true(train.actions.terminate.available)
      local cl = assert(lam:list_instances { cluster_id = "cl-b200" })
      assert.same({ "i-cluster-b200" }, cl:ids())
      assert_wire(log()[2], "GET", "/api/v1/instances", "cluster_id=cl-b200")
    end)

    it("the Jupyter token never prints: jupyter_url and jupyter_token are credentials, the data the caller's",
      function()
        local list = assert(lam:list_instances())
        local train = list:first { id = "i-train-a100x8" }
        assert.match("^https://jupyter%-i%-train%.lambdaspaces%.com/%?token=jt_simsecret", train.jupyter_url)
        assert.not_match("jt_simsecret", tostring(list), 1, true)
        local mask = require("gpucloud.list").secret_fields
        assert.not_match("jt_simsecret", json.encode(train, { mask = mask }), 1, true)
        local one = assert(lam:get_instance("i-dev-a10"))
        assert.not_match("jt_simsecret", json.encode(one, { mask = mask }), 1, true)
        assert.not_match("jt_simsecret", require("gpucloud.repl.show").value(one), 1, true)
      end)

    it("get_instance answers the instance; an unknown one is not_found in Lambda's words and code", function()
      assert.equal("dev-box", assert(lam:get_instance("i-dev-a10")).name)
      assert_wire(log()[1], "GET", "/api/v1/instances/i-dev-a10")
      local err = failed("not_found", 404, lam:get_instance("i-nope"))
      assert.equal("global/object-does-not-exist", err.server_code)
      assert.equal("Specified instance does not exist.", err.message)
    end)

    it("terminate_batch sends the list as given and answers the instances terminating; a second is global/unknown",
      function()
        local answer = assert(lam:terminate_batch { "i-dev-a10", "i-unhealthy-gh200" })
        assert_wire(log()[1], "POST", "/api/v1/instance-operations/terminate", nil,
          '{"instance_ids":["i-dev-a10","i-unhealthy-gh200"]}')
        assert.equal(2, #answer.terminated_instances)
        assert.equal("terminating", answer.terminated_instances[1].status)
        assert.equal("terminating", thing("instances", "i-dev-a10").status)
        local err = failed("server_error", 500, lam:terminate_batch { "i-dev-a10" })
        assert.equal("global/unknown", err.server_code)
        assert.is_true(err.may_have_landed)
        assert.equal(1, err.attempts, "a terminate is not repeated")
      end)

    it("terminate_batch of an unknown id fails the whole batch in the simulator: nothing terminated", function()
      local err = failed("not_found", 404, lam:terminate_batch { "i-dev-a10", "i-nope" })
      assert.equal("global/object-does-not-exist", err.server_code)
      assert.equal("active", thing("instances", "i-dev-a10").status)
    end)
  end)

  describe("terminate_instances", function()
    it("terminates each instance alone, and reports it terminating as the answer names it", function()
      local r = lam:terminate_instances({ "i-dev-a10" }, { rate = false })
      assert.same({ "i-dev-a10" }, r.ok, tostring(r))
      assert.equal("terminating", r.results["i-dev-a10"].status)
      assert.match("terminated 1 of 1", tostring(r))
      assert_wire(log()[1], "POST", "/api/v1/instance-operations/terminate", nil, '{"instance_ids":["i-dev-a10"]}')
      assert.equal(1, #log())
      assert.equal("terminating", thing("instances", "i-dev-a10").status)
    end)

    it("terminate_instance is the bulk form's row: one id, sent as a list of one", function()
      local answer = assert(lam:terminate_instance("i-unhealthy-gh200"))
      assert_wire(log()[1], "POST", "/api/v1/instance-operations/terminate", nil,
        '{"instance_ids":["i-unhealthy-gh200"]}')
      assert.equal("i-unhealthy-gh200", answer.terminated_instances[1].id)
      local help = require("gpucloud.repl.help").text(1, lam.terminate_instance)
      assert.match('JSON {"instance_ids": %[id%]}', help)
      assert.match("terminate_instances", help)
      -- an answer that does not name the instance is no acceptance, on every path
      for _ = 1, 2 do
        assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", status = 200,
                            json = { data = { terminated_instances = { { id = "i-someone-else" } } } } })
      end
      local err = failed("bad_response", 200, lam:terminate_instance("i-dev-a10"))
      assert.match('without naming instance "i%-dev%-a10"', err.message)
      assert.is_true(err.may_have_landed)
      local r = lam:batch("terminate_instance", { "i-dev-a10" }, { rate = false })
      assert.equal("bad_response", r.failed["i-dev-a10"].code, tostring(r))
    end)

    it("with wait, lists again until each instance has gone, on the run's clock", function()
      local rt, clock = on_own_clock()
      local c = client { runtime = rt }
      local r = c:terminate_instances({ "i-terminating-a6000", "i-slow-h100" }, { rate = false, wait = true })
      assert.same({ "i-terminating-a6000", "i-slow-h100" }, r.ok, tostring(r))
      assert.equal("absent from the listing", r.results["i-slow-h100"].confirmed)
      assert.equal("terminating", r.results["i-terminating-a6000"].already)
      assert.is_nil(thing("instances", "i-slow-h100"))
      assert.is_nil(thing("instances", "i-terminating-a6000"))
      -- i-slow-h100 goes after four reads: the wait paused between listings
      assert.is_true(clock.t >= 4, "it waited between polls: " .. clock.t)
      -- the one already terminating: its terminate failed (global/unknown), the listing said terminating
      assert.equal(2, sent("POST"))
      c:close()
    end)

    it("a lingering instance listed as terminated is done; one already terminated is judged done", function()
      assert(sim:reset { lambda = { api_keys = { sim.keys.lambda }, instances = {
        { id = "i-x", status = "active", _linger = true, _terminate_polls = 1 },
        { id = "i-done", status = "terminated" } } } })
      local rt = on_own_clock()
      local c = client { runtime = rt }
      local r = c:terminate_instances({ "i-x", "i-done" }, { rate = false, wait = true })
      assert.same({ "i-x", "i-done" }, r.ok, tostring(r))
      assert.equal("listed as terminated", r.results["i-x"].confirmed)
      assert.equal("terminated", r.results["i-done"].already)
      assert.equal(2, sent("POST"))
      c:close()
    end)

    it("reports exactly per id: done, refused in Lambda's words, unknown, under way, ended", function()
      local r = lam:terminate_instances({ "i-dev-a10", "i-booting-h100", "i-nope", "i-terminating-a6000",
                                          "i-gone-a10", "i-dev-a10" }, { rate = false })
      assert.same({ "i-dev-a10", "i-terminating-a6000", "i-gone-a10" }, r.ok, tostring(r))
      assert.same({ "i-dev-a10" }, r.skipped)
      local refused = r.failed["i-booting-h100"]
      assert.equal("conflict", refused.code)
      assert.equal("vm-has-not-launched", refused.server_code)
      assert.match("has not launched", refused.message)
      -- Lambda says there is none, and the listing agrees: not found, never "maybe deleted"
      assert.equal("not_found", r.failed["i-nope"].code)
      assert.equal("global/object-does-not-exist", r.failed["i-nope"].server_code)
      assert.match("absent from the listing afterwards", r.failed["i-nope"].message)
      assert.same({}, r.maybe_deleted)
      assert.equal(5, sent("POST"), "one terminate for each id")
      assert.equal("booting", thing("instances", "i-booting-h100").status)
      assert.equal(5, r.total)
    end)

    it("a lost answer is judged by a later listing: terminating counts as done", function()
      assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", fault = "close",
                          act = true, times = 2 })
      local r = lam:terminate_instances({ "i-dev-a10" }, { rate = false })
      assert.same({ "i-dev-a10" }, r.ok, tostring(r))
      assert.equal("terminating", r.results["i-dev-a10"].already)
      assert.equal("GET", log()[#log()].method, "judged by listing")
      assert.equal("/api/v1/instances", log()[#log()].path)
    end)

    it("a 200 that does not name the instance is not an acceptance: judged, and reported as it is", function()
      -- the simulator did nothing, and said 200
      assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", status = 200,
                          json = { data = { terminated_instances = json.array() } } })
      local r = lam:terminate_instances({ "i-dev-a10" }, { rate = false })
      local err = r.failed["i-dev-a10"]
      assert.equal("bad_response", err and err.code, tostring(r))
      assert.is_true(err.may_have_landed)
      assert.match('listed afterwards as "active"', err.message)
      -- it did the work, and said it did none
      assert(sim:reset())
      assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", status = 200, act = true,
                          json = { data = { terminated_instances = json.array() } } })
      r = lam:terminate_instances({ "i-dev-a10" }, { rate = false })
      assert.same({ "i-dev-a10" }, r.ok, tostring(r))
    end)

    it("a second terminate (global/unknown) is judged: under way is done", function()
      assert(lam:terminate_batch { "i-dev-a10" })
      local r = lam:terminate_instances({ "i-dev-a10" }, { rate = false })
      assert.same({ "i-dev-a10" }, r.ok, tostring(r))
      assert.equal("terminating", r.results["i-dev-a10"].already)
    end)

    it("gone by a later listing after a terminate that may have landed: maybe_deleted, counted as done", function()
      assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", status = 500,
                          body = error_body("global/internal-error", "Internal error") })
      assert(sim:inject { method = "GET", path = "/api/v1/instances", status = 200, json = { data = json.array() } })
      local r = lam:terminate_instances({ "i-dev-a10" }, { rate = false })
      assert.same({ "i-dev-a10" }, r.ok, tostring(r))
      assert.same({ "i-dev-a10" }, r.maybe_deleted)
      -- refused (a 4xx: nothing done) and absent: the refusal, never done
      assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", status = 400,
                          body = error_body("global/invalid-parameters", "Invalid instance") })
      assert(sim:inject { method = "GET", path = "/api/v1/instances", status = 200, json = { data = json.array() } })
      r = lam:terminate_instances({ "i-train-a100x8" }, { rate = false })
      assert.equal("invalid", r.failed["i-train-a100x8"].code, tostring(r))
      assert.same({}, r.maybe_deleted)
    end)

    it("a preempted instance Lambda will not terminate has ended: done", function()
      assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", status = 400,
                          body = error_body("global/invalid-parameters", "Instance cannot be terminated") })
      assert(sim:inject { method = "GET", path = "/api/v1/instances", status = 200, json = { data = { {
        id = "i-preempted-h100", status = "preempted",
        actions = { terminate = { available = false, reason_code = "vm-is-too-old" } } } } } })
      local r = lam:terminate_instances({ "i-preempted-h100" }, { rate = false })
      assert.same({ "i-preempted-h100" }, r.ok, tostring(r))
      assert.equal("preempted", r.results["i-preempted-h100"].already)
      -- one that can be: terminated like the others
      r = lam:terminate_instances({ "i-preempted-h100" }, { rate = false })
      assert.same({ "i-preempted-h100" }, r.ok, tostring(r))
      assert.equal("terminating", thing("instances", "i-preempted-h100").status)
    end)

    it("an answer naming another instance is no acceptance: judged by the listing, reported as it is", function()
      assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", status = 200,
                          json = { data = { terminated_instances = { { id = "i-someone-else",
                                                                      status = "terminating" } } } } })
      local r = lam:terminate_instances({ "i-dev-a10" }, { rate = false })
      local err = r.failed["i-dev-a10"]
      assert.equal("bad_response", err and err.code, tostring(r))
      assert.is_true(err.may_have_landed)
      assert.match('listed afterwards as "active"', err.message)
    end)

    it("not waiting, one listing judges: a listing that fails leaves the terminate's own failure", function()
      assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", status = 500,
                          body = error_body("global/internal-error", "Internal error") })
      assert(sim:inject { method = "GET", path = "/api/v1/instances", status = 403,
                          body = error_body("global/account-inactive", "Your account is inactive.") })
      local r = lam:terminate_instances({ "i-dev-a10" }, { rate = false })
      local err = r.failed["i-dev-a10"]
      assert.equal("server_error", err and err.code, tostring(r))
      assert.equal("global/internal-error", err.server_code)
      assert.is_true(err.may_have_landed)
      assert.equal(1, sent("GET"))
    end)

    it("a wait that ends first is a failure that may have landed", function()
      local rt = on_own_clock()
      local c = client { runtime = rt }
      assert(sim:inject { method = "GET", path = "/api/v1/instances", status = 503,
                          body = error_body("provider/internal-unavailable", "Try again shortly"), times = -1 })
      local r = c:terminate_instances({ "i-dev-a10" }, { rate = false, wait = true, deadline = 10 })
      local err = r.failed["i-dev-a10"]
      assert.equal("timeout", err and err.code, tostring(r))
      assert.is_true(err.may_have_landed)
      assert.equal("terminating", thing("instances", "i-dev-a10").status)
      c:close()
    end)

    it("a dry run sends nothing; more than max raises before anything is sent", function()
      local r = lam:terminate_instances({ "i-dev-a10", "i-train-a100x8" }, { dry_run = true })
      assert.same({ "i-dev-a10", "i-train-a100x8" }, r.would_delete)
      local many = {}
      for i = 1, 51 do many[i] = "i-" .. i end
      assert.has_error(function() lam:terminate_instances(many) end)
      assert.equal(0, #log())
    end)
  end)

  describe("the listings an instance's terminate is confirmed by", function()
    it("are shared within a run: one asked for after a question answers it, one before never does", function()
      local ctx = define.context(lam)
      local s = { deadline = 5, interval = 0.01 }
      local function present(item) return "done", item end
      local asked_before = watch.mark(ctx)
      assert(watch.watch(ctx, "i-dev-a10", asked_before, s, "x", present))
      assert.equal(1, sent("GET", "/api/v1/instances"))
      -- a question asked before that listing: answered by it, nothing sent
      assert(watch.watch(ctx, "i-train-a100x8", asked_before, s, "x", present))
      assert.equal(1, sent("GET", "/api/v1/instances"))
      -- a question asked after it: a new listing
      assert(watch.watch(ctx, "i-train-a100x8", watch.mark(ctx), s, "x", present))
      assert.equal(2, sent("GET", "/api/v1/instances"))
      -- another run (another settings table) shares nothing
      local other = define.context(lam)
      assert(watch.watch(other, "i-dev-a10", 0, s, "x", present))
      assert.equal(3, sent("GET", "/api/v1/instances"))
    end)
  end)

  describe("file systems", function()
    it("list_filesystems answers the list under data; in use as Lambda says", function()
      local list = assert(lam:list_filesystems())
      assert.equal(4, #list)
      assert_wire(log()[1], "GET", "/api/v1/file-systems")
      assert.is_true(list:first({ id = "fs-datasets" }).is_in_use)
      assert.is_false(list:first({ id = "fs-scratch" }).is_in_use)
    end)

    it("delete_filesystem deletes one not in use (200 deleted_ids); one in use is conflict in Lambda's words",
      function()
        local v = assert(lam:delete_filesystem("fs-scratch"))
        assert.same({ "fs-scratch" }, v.data.deleted_ids)
        assert_wire(log()[1], "DELETE", "/api/v1/filesystems/fs-scratch")
        assert.is_nil(thing("filesystems", "fs-scratch"))
        local err = failed("conflict", 400, lam:delete_filesystem("fs-datasets"))
        assert.equal("filesystems/filesystem-in-use", err.server_code)
        assert.match("^Filesystem is in use", err.message)
        assert.truthy(thing("filesystems", "fs-datasets"))
        err = failed("not_found", 404, lam:delete_filesystem("fs-nope"))
        assert.equal("Filesystem was not found.", err.message)
      end)

    it("a file system a terminating instance holds stays in use until the instance is gone", function()
      local r = lam:delete_filesystems({ "fs-home" }, { rate = false })
      assert.equal("conflict", r.failed["fs-home"].code, tostring(r))
      assert(lam:list_instances())
      assert(lam:list_instances())
      r = lam:delete_filesystems({ "fs-home" }, { rate = false })
      assert.same({ "fs-home" }, r.ok, tostring(r))
    end)

    it("any 2xx to a delete is done, an empty 204 or an unreadable body too", function()
      assert(sim:inject { method = "DELETE", path = "/api/v1/filesystems/{id}", status = 204, body = "" })
      assert(sim:inject { method = "DELETE", path = "/api/v1/filesystems/{id}", status = 200, body = "<html>ok" })
      local r = lam:delete_filesystems({ "fs-scratch", "fs-new" }, { rate = false, concurrency = 1 })
      assert.same({ "fs-scratch", "fs-new" }, r.ok, tostring(r))
      assert.same({}, r.maybe_deleted)
    end)

    it("with wait, a delete answered 2xx is followed until the file system has left the listing", function()
      local rt = on_own_clock()
      local c = client { runtime = rt }
      local r = c:delete_filesystems({ "fs-scratch" }, { rate = false, wait = true })
      assert.same({ "fs-scratch" }, r.ok, tostring(r))
      assert.equal("absent from the listing", r.results["fs-scratch"].confirmed)
      assert_wire(log()[2], "GET", "/api/v1/file-systems")
      -- a 200 that did nothing: still listed at the deadline, a failure that may have landed
      assert(sim:inject { method = "DELETE", path = "/api/v1/filesystems/{id}", status = 200,
                          json = { data = { deleted_ids = { "fs-new" } } } })
      r = c:delete_filesystems({ "fs-new" }, { rate = false, wait = true, deadline = 30 })
      local err = r.failed["fs-new"]
      assert.equal("timeout", err and err.code, tostring(r))
      assert.is_true(err.may_have_landed)
      assert.truthy(thing("filesystems", "fs-new"))
      c:close()
    end)

    it("client:batch reads Lambda's error object as every method does", function()
      local r = lam:batch("delete_filesystem", { "fs-datasets", "fs-nope" }, { rate = false })
      local held = r.failed["fs-datasets"]
      assert.equal("conflict", held and held.code, tostring(r))
      assert.equal("filesystems/filesystem-in-use", held.server_code)
      assert.match("^Filesystem is in use", held.message)
      assert.equal("not_found", r.failed["fs-nope"].code)
      assert.equal("global/object-does-not-exist", r.failed["fs-nope"].server_code)
    end)

    it("a delete whose answer was lost and then finds nothing is maybe_deleted, counted as done", function()
      assert(sim:inject { method = "DELETE", path = "/api/v1/filesystems/{id}", fault = "close", act = true,
                          times = 2 })
      local r = lam:delete_filesystems({ "fs-scratch" }, { rate = false })
      assert.same({ "fs-scratch" }, r.ok, tostring(r))
      assert.same({ "fs-scratch" }, r.maybe_deleted)
      assert.is_nil(thing("filesystems", "fs-scratch"))
    end)
  end)

  describe("the truth rules", function()
    it("a bad key is unauthorized everywhere, never 'already gone', and never in any text", function()
      local bad = gpucloud.lambda { url = sim.url, api_key = "lambda-wrong-key-0123456789", getenv = no_env }
      local err = failed("unauthorized", 401, bad:list_instances())
      assert.equal("global/invalid-api-key", err.server_code)
      local r = bad:terminate_instances({ "i-dev-a10" }, { rate = false })
      assert.equal("unauthorized", r.failed["i-dev-a10"].code)
      r = bad:delete_filesystems({ "fs-scratch" }, { rate = false })
      assert.equal("unauthorized", r.failed["fs-scratch"].code)
      assert.same({}, r.maybe_deleted)
      assert.not_match("lambda%-wrong%-key", tostring(r) .. tostring(err))
      -- the terminate was refused for the key: nothing judged by a listing
      assert.equal(1, sent("POST"))
      assert.equal(1, sent("GET"))
      bad:close()
    end)

    it("a bad key answered 404 is unauthorized: a delete after a lost answer is not maybe_deleted", function()
      assert(sim:inject { method = "DELETE", path = "/api/v1/filesystems/{id}", fault = "close", times = 2 })
      assert(sim:inject { method = "DELETE", path = "/api/v1/filesystems/{id}", status = 404,
                          body = error_body("global/invalid-api-key", "API key was invalid, expired, or deleted.") })
      local r = lam:delete_filesystems({ "fs-scratch" }, { rate = false })
      local err = r.failed["fs-scratch"]
      assert.equal("unauthorized", err and err.code, tostring(r))
      assert.is_nil(err.maybe_deleted)
      assert.same({}, r.ok)
      -- and on a terminate: nothing is judged, nothing counted done
      assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", status = 404,
                          body = error_body("global/invalid-api-key", "API key was invalid, expired, or deleted.") })
      r = lam:terminate_instances({ "i-dev-a10" }, { rate = false })
      assert.equal("unauthorized", r.failed["i-dev-a10"].code, tostring(r))
      assert.equal("POST", log()[#log()].method, "no listing after a refused key")
    end)

    it("an inactive account is forbidden: listings and terminates alike", function()
      local c = gpucloud.lambda { url = sim.url, api_key = "lambda-sim-inactive-key", getenv = no_env }
      local err = failed("forbidden", 403, c:list_filesystems())
      assert.equal("global/account-inactive", err.server_code)
      local r = c:terminate_instances({ "i-dev-a10" }, { rate = false })
      assert.equal("forbidden", r.failed["i-dev-a10"].code)
      assert.equal("active", thing("instances", "i-dev-a10").status)
      c:close()
    end)

    it("the key in an error's words is redacted before they are cut", function()
      assert(sim:inject { method = "GET", path = "/api/v1/instances", status = 400,
                          body = error_body("global/invalid-parameters", "bad key " .. sim.keys.lambda .. " here") })
      local err = failed("invalid", 400, lam:list_instances())
      assert.equal("bad key <redacted> here", err.message)
    end)

    it("lists come only under data: a bare array, {}, null or an error object in a 200 is bad_response", function()
      for _, body in ipairs { '[{"id":"i-1"}]', "{}", '{"data":null}', '{"data":{"id":"i-1"}}',
                              '{"error":{"code":"global/unknown","message":"x"}}' } do
        assert(sim:inject { method = "GET", path = "/api/v1/instances", status = 200, body = body })
        failed("bad_response", 200, lam:list_instances())
      end
      assert(sim:inject { method = "GET", path = "/api/v1/instances/i-1", status = 200, body = '{"id":"i-1"}' })
      failed("bad_response", 200, lam:get_instance("i-1"))
    end)

    it("a code Lambda sends in families (provider/...) and a code it has not documented", function()
      assert(sim:inject { method = "GET", path = "/api/v1/file-systems", status = 400,
                          body = error_body("provider/internal-unavailable", "Try again shortly") })
      local err = failed("server_error", 400, lam:list_filesystems())
      assert.equal("provider/internal-unavailable", err.server_code)
      assert(sim:inject { method = "GET", path = "/api/v1/file-systems", status = 409,
                          body = error_body("global/something-new", "New words") })
      err = failed("conflict", 409, lam:list_filesystems())
      assert.equal("global/something-new", err.server_code)
      assert.equal("New words", err.message)
    end)

    it("ids are taken as typed: anything that is not one path segment raises before anything is sent", function()
      for _, bad in ipairs { 123, "", "a/b", ".", "..", "a\nb", true } do
        assert.has_error(function() lam:get_instance(bad) end)
        assert.has_error(function() lam:terminate_instances { bad } end)
        assert.has_error(function() lam:delete_filesystems { bad } end)
      end
      for _, bad in ipairs { {}, "i-1", { "i-1", "i-1" }, { 1 }, { "a/b" }, { [2] = "i-1" } } do
        assert.has_error(function() lam:terminate_batch(bad) end)
      end
      assert.has_error(function() lam:list_instances { cluster_id = "a/b" } end)
      assert.equal(0, #log())
      -- percent-encoded when sent
      failed("not_found", 404, lam:get_instance("i x%"))
      assert.equal("/api/v1/instances/i%20x%25", log()[1].path)
    end)

    it("the key comes from LAMBDA_API_KEY, and the host from LAMBDA_URL; without a key, says where", function()
      local env = { LAMBDA_API_KEY = sim.keys.lambda, LAMBDA_URL = sim.url }
      local c = gpucloud.lambda { getenv = function(n) return env[n] end }
      assert(c:list_filesystems())
      assert.match("key from LAMBDA_API_KEY", tostring(c))
      c:close()
      c = gpucloud.lambda { url = sim.url, getenv = no_env }
      local v, err = c:list_instances()
      assert.is_nil(v)
      assert.equal("no_api_key", err.code)
      assert.match("LAMBDA_API_KEY", err.message)
      c:close()
      assert.equal("https://cloud.lambda.ai", gpucloud.lambda { api_key = "k-0123456789", getenv = no_env }.urls.api)
    end)
  end)
end)
