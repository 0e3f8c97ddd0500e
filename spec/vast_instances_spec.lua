-- Vast.ai instances through the C core against the simulator: the paged
-- listing (both forms: every page collected, and the lazy iterator),
-- select_filters, show, destroy, stop, start, label; the wire, the
-- answers and every documented failure.

local gpucloud = require "gpucloud"
local core = require "gpucloud.core"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"

local LISTING = "/api/v1/instances/"
local ALL = { 5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008, 5009, 5010, 5011, 5012, 5013 }

local function no_env() end

-- The query string as a table, values percent-decoded.
local function query_of(entry)
  local q = {}
  for pair in (entry.query or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    q[k] = v:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
  end
  return q
end

local function ids_of(list)
  local out = {}
  for i, x in ipairs(list) do out[i] = x.id end
  return out
end

describe("vast instances over HTTP", function()
  local sim, vast

  setup(function() sim = assert(server.start {}) end)
  teardown(function()
    if vast then vast:close() end
    sim:stop()
  end)
  before_each(function()
    assert(sim:reset())
    assert(sim:config { rate_limits = false })
    if vast then vast:close() end
    -- one attempt per call unless a spec says; pacing off unless a spec says
    vast = gpucloud.vast { url = sim.url, api_key = sim.keys.vast, getenv = no_env, retries = 0,
                           backoff = { base = 0.01, max = 0.05 } }
  end)

  local function sent() return assert(sim:log()) end
  local function listings()
    local out = {}
    for _, e in ipairs(sent()) do
      if e.path == LISTING then out[#out + 1] = e end
    end
    return out
  end

  local function check(status, code, server_code, value, err)
    assert.is_nil(value)
    assert.truthy(gpucloud.is_error(err), tostring(err))
    assert.equal(status, err.status)
    assert.equal(code, err.code)
    assert.equal(server_code, err.server_code)
    assert.not_match(sim.keys.vast, tostring(err), 1, true)
    return err
  end

  describe("show_instances", function()
    it("collects every page, in order, following next_token with the page limit", function()
      local l, first = vast:show_instances(nil, { page_size = 5, rate = false })
      assert.same(ALL, ids_of(assert(l)))
      assert.equal(13, first.total_instances)
      assert.truthy(gpucloud.list(l) and l:first { id = 5005 })
      local pages = listings()
      assert.equal(3, #pages)
      for i, e in ipairs(pages) do
        assert.equal("GET", e.method)
        assert.equal("Bearer " .. sim.keys.vast, e.headers.authorization)
        local q = query_of(e)
        assert.equal("5", q.limit)
        assert.is_nil(q.select_filters)
        if i == 1 then assert.is_nil(q.after_token) else assert.truthy(q.after_token) end
      end
    end)

    it("asks for 25 a page by default, and takes no page_size above that", function()
      assert.same(ALL, ids_of(assert(vast:show_instances(nil, { rate = false }))))
      assert.equal("25", query_of(listings()[1]).limit)
      assert.has_error(function() vast:show_instances(nil, { page_size = 26 }) end,
        "vast.show_instances: 'page_size' may be at most 25, got 26")
      assert.equal(1, #sent())
    end)

    it("paces its pages at the documented 1/s without being asked #timing", function()
      local t0 = core.now()
      assert.equal(13, #assert(vast:show_instances(nil, { page_size = 5 })))
      local took = core.now() - t0
      assert.truthy(took >= 1.95, "3 pages at 1/s need 2 intervals, took " .. took)
      assert.truthy(took < 3.5, "took " .. took)
    end)

    it("gets no 429 from a limiter at the documented rate, and a 429 it does get is retried #timing", function()
      assert(sim:config { rate_limits = { ["GET " .. LISTING] = 1.0 } })
      local paced = gpucloud.vast { url = sim.url, api_key = sim.keys.vast, getenv = no_env }
      assert.equal(13, #assert(paced:show_instances(nil, { page_size = 5 })))
      for _, e in ipairs(listings()) do assert.equal(200, e.status) end
      -- unpaced, the limiter answers 429s: each is retried, the list stays whole
      assert(sim:reset())
      assert.equal(13, #assert(paced:show_instances(nil, { page_size = 5, rate = false })))
      local statuses = {}
      for _, e in ipairs(listings()) do statuses[e.status] = (statuses[e.status] or 0) + 1 end
      assert.equal(3, statuses[200])
      assert.truthy((statuses[429] or 0) >= 1, "the limiter never answered 429")
      paced:close()
    end)

    it("retries a 429 mid-listing instead of returning a short list", function()
      -- the first page is served as it is; the second asks gets a 429 once
      assert(sim:inject { method = "GET", path = LISTING, delay = 0 })
      assert(sim:inject { method = "GET", path = LISTING, status = 429,
                          json = { detail = "API requests too frequent endpoint threshold=1.0" } })
      local l = assert(vast:show_instances(nil, { page_size = 5, rate = false, retries = 2 }))
      assert.same(ALL, ids_of(l))
      assert.equal(4, #listings())
    end)

    it("fails whole when a page fails: nil, err, never the pages before it", function()
      assert(sim:inject { method = "GET", path = LISTING, delay = 0 })
      assert(sim:inject { method = "GET", path = LISTING, status = 500, json = { detail = "boom" } })
      check(500, "server_error", nil, vast:show_instances(nil, { page_size = 5, rate = false }))
    end)

    it("stops past max_pages with too_large, having sent no more than that", function()
      local err = check(nil, "too_large", nil, vast:show_instances(nil, { page_size = 5, max_pages = 2, rate = false }))
      assert.match("max_pages = 2", err.message)
      assert.equal(2, #listings())
    end)

    it("refuses a cursor that is not a string, and one given twice in a row", function()
      assert(sim:inject { method = "GET", path = LISTING, status = 200,
                          json = { success = true, instances = json.array { { id = 1 } }, next_token = 7 } })
      check(200, "bad_response", nil, vast:show_instances(nil, { rate = false }))
      assert(sim:inject { { method = "GET", path = LISTING, status = 200,
                            json = { instances = json.array { { id = 1 } }, next_token = "A" } },
                          { method = "GET", path = LISTING, status = 200,
                            json = { instances = json.array { { id = 2 } }, next_token = "A" } } })
      local err = check(200, "bad_response", nil, vast:show_instances(nil, { rate = false }))
      assert.match("same cursor twice", err.message)
    end)

    it("reads only a real array under instances as a page", function()
      for _, body in ipairs { '{"success":true,"instances":{}}', '{"success":true}', "null",
                              '{"instances":"none"}', '{"instances":[1]}' } do
        assert(sim:inject { method = "GET", path = LISTING, status = 200, body = body })
        check(200, "bad_response", nil, vast:show_instances(nil, { rate = false }))
      end
      assert(sim:inject { method = "GET", path = LISTING, status = 200,
                          json = { success = true, instances = json.array(), next_token = gpucloud.null } })
      assert.equal(0, #assert(vast:show_instances(nil, { rate = false })))
    end)

    it("bounds the whole listing by its deadline, pacing slots included", function()
      local err = check(nil, "timeout", nil, vast:show_instances(nil, { page_size = 5, deadline = 1.5 }))
      assert.match("before the next slot", err.message)
      assert.equal(2, #listings())
    end)

    it("is not a batch or a ctx:call operation: one call of it is one page", function()
      assert.has_error(function() vast:batch("show_instances", { {} }) end)
      local ctx = require("gpucloud.define").context(vast)
      assert.has_error(function() ctx:call("show_instances", {}, {}) end)
      assert.equal(0, #sent())
    end)

    it("401 with a wrong key", function()
      local bad = gpucloud.vast { url = sim.url, api_key = "wrong-key", getenv = no_env, retries = 0 }
      check(401, "unauthorized", "invalid_api_key", bad:show_instances())
      bad:close()
    end)

    it("the retired v0 listing answers 410: code deprecated, with the server's words", function()
      local c = core.new()
      local res = assert(c:request { method = "GET", url = sim.url .. "/api/v0/instances/",
                                     headers = { Authorization = "Bearer " .. sim.keys.vast } })
      c:close()
      local row = { method = "GET", list = "instances" }
      local value, err = require("gpucloud.request").read("vast.x", row, res, nil,
        require("gpucloud.providers.vast").spec.server_codes)
      check(410, "deprecated", "deprecated_endpoint", value, err)
      assert.equal("/api/v0/instances/ is deprecated. Use /api/v1/instances/ instead.", err.message)
    end)
  end)

  describe("select_filters", function()
    local function filters_sent()
      return json.decode(query_of(listings()[1]).select_filters)
    end

    it("a value is eq", function()
      assert.same({ 5001, 5002, 5003, 5006 }, ids_of(assert(vast:show_instances({ label = "ci" }, { rate = false }))))
      assert.same({ label = { eq = "ci" } }, filters_sent())
    end)

    it("a list is in, gpucloud.null is unlabelled, operators go as written", function()
      assert.same({ 5005, 5010, 5012 }, ids_of(assert(vast:show_instances({ label = gpucloud.null }, { rate = false }))))
      assert.equal('{"label":{"in":[null]}}', query_of(listings()[1]).select_filters)
      assert(sim:reset())
      local l = assert(vast:show_instances({ id = { 5004, 5009, 4 }, start_date = { lt = 1767225600 } }, { rate = false }))
      assert.same({ 5004 }, ids_of(l))
      assert.same({ id = { ["in"] = { 5004, 5009, 4 } }, start_date = { lt = 1767225600 } }, filters_sent())
      assert(sim:reset())
      l = assert(vast:show_instances({ actual_status = { notin = { "running", "stopped" } }, gpu_name = { neq = "L40S" } },
        { rate = false }))
      assert.same({ 5003, 5006, 5008, 5009, 5010, 5011 }, ids_of(l))
    end)

    it("sends nothing for no filters, or none", function()
      assert(vast:show_instances({}, { rate = false }))
      assert.is_nil(query_of(listings()[1]).select_filters)
    end)

    it("refuses computed fields before sending, saying to filter in Lua", function()
      for _, field in ipairs { "dph_total", "num_gpus" } do
        local ok, msg = pcall(vast.show_instances, vast, { [field] = { lt = 1 } })
        assert.is_false(ok)
        assert.match("vast.show_instances: filters: " .. field .. " is computed", msg, 1, true)
        assert.match("filter the list in Lua", msg, 1, true)
        assert.has_error(function() vast:each_instance { [field] = 2 } end)
      end
      assert.equal(0, #sent())
    end)

    it("the simulator answers the 400 the library spares it", function()
      local c = core.new()
      local res = assert(c:request { method = "GET", headers = { Authorization = "Bearer " .. sim.keys.vast },
        url = sim.url .. LISTING .. "?select_filters=%7B%22dph_total%22%3A%7B%22lt%22%3A1%7D%7D" })
      c:close()
      assert.equal(400, res.status)
      assert.match("computed field", res.body)
    end)

    it("refuses what it cannot say exactly: empty lists, unknown operators, odd values", function()
      for _, bad in ipairs {
        { id = {} }, { label = { like = "c%" } }, { label = { ["in"] = "ci" } }, { label = {} },
        { [1] = "x" }, { label = function() end }, { dph_base = 0 / 0 }, "label=ci",
      } do
        assert.has_error(function() vast:show_instances(bad) end)
      end
      assert.equal(0, #sent())
    end)
  end)

  describe("each_instance", function()
    it("sends nothing until the loop starts, and one page for a loop that ends within it", function()
      local it = vast:each_instance(nil, { page_size = 5, rate = false })
      assert.equal(0, #sent())
      local n = 0
      for inst in it do
        n = n + 1
        assert.equal(ALL[n], inst.id)
        if n == 5 then break end
      end
      assert.equal(1, #listings())
      -- the next item is on the next page: only now is it asked for
      assert.equal(5006, it().id)
      assert.equal(2, #listings())
    end)

    it("a loop that breaks at the first instance sends one request", function()
      local first
      for inst in vast:each_instance({ label = "ci" }, { page_size = 2, rate = false }) do
        first = first or inst.id
        if first then break end
      end
      assert.equal(5001, first)
      assert.equal(1, #sent())
    end)

    it("walks every page when the loop does", function()
      local seen = {}
      for inst in vast:each_instance(nil, { page_size = 5, rate = false }) do seen[#seen + 1] = inst.id end
      assert.same(ALL, seen)
      assert.equal(3, #listings())
    end)

    it("ends with nil, err when a page fails mid-way, and keeps saying so", function()
      local it = vast:each_instance(nil, { page_size = 5, rate = false })
      local n = 0
      for _ in it do
        n = n + 1
        if n == 1 then
          assert(sim:inject { method = "GET", path = LISTING, status = 502, body = "<title>502 Bad Gateway</title>" })
        end
      end
      assert.equal(5, n)
      local v, err = it()
      check(502, "server_error", nil, v, err)
      assert.equal(err, select(2, it()))
    end)

    it("keeps max_pages too", function()
      local it = vast:each_instance(nil, { page_size = 5, max_pages = 1, rate = false })
      for _ = 1, 5 do assert(it()) end
      check(nil, "too_large", nil, it())
    end)

    it("checks its arguments and options at the call", function()
      assert.has_error(function() vast:each_instance(nil, { page_size = 0 }) end)
      assert.has_error(function() vast:each_instance(nil, { nope = 1 }) end)
      assert.has_error(function() vast.each_instance({}) end)
      assert.equal(0, #sent())
    end)
  end)

  describe("show_instance", function()
    it("GETs /api/v0/instances/{id}/?owner=me and unwraps instances", function()
      local inst = assert(vast:show_instance(5001))
      assert.equal(5001, inst.id)
      assert.equal("running", inst.actual_status)
      local e = sent()[1]
      assert.equal("GET", e.method)
      assert.equal("/api/v0/instances/5001/", e.path)
      assert.equal("owner=me", e.query)
    end)

    it("a null answer is not_found, not an empty object", function()
      local err = check(200, "not_found", nil, vast:show_instance(424242))
      assert.match("null", err.message)
    end)

    it("anything else that is not an object under instances is bad_response", function()
      for _, body in ipairs { "{}", '{"instances":[]}', '{"instances":"x"}', "" } do
        assert(sim:inject { method = "GET", path = "/api/v0/instances/{id}/", status = 200, body = body })
        check(200, "bad_response", nil, vast:show_instance(5001))
      end
    end)

    it("hides extra_env and tokens when printed", function()
      local inst = assert(vast:show_instance(5001))
      assert.equal("table", type(inst.extra_env)) -- the data is the caller's
      local shown = tostring(gpucloud.list { inst })
      assert.not_match("hf_simSECRET", shown, 1, true)
      assert.not_match("jt%-5001", shown)
      local printed = json.encode(inst, { mask = require("gpucloud.list").secret_fields })
      assert.not_match("hf_simSECRET", printed, 1, true)
    end)
  end)

  describe("destroy, stop, start, label", function()
    local function status_of(id) return assert(vast:show_instance(id)).actual_status end

    it("destroy_instance DELETEs /api/v0/instances/{id}/ with {} and frees its volume", function()
      assert.is_true(assert(vast:destroy_instance(5001)).success)
      local e = sent()[1]
      assert.equal("DELETE", e.method)
      assert.equal("/api/v0/instances/5001/", e.path)
      assert.equal("{}", e.body)
      check(200, "not_found", nil, vast:show_instance(5001))
      assert.is_true(assert(vast:delete_volume(3001)).success)
    end)

    it("destroy_instance: 404 not_found, and success false is a failure", function()
      check(404, "not_found", "not_found", vast:destroy_instance(4242))
      assert(sim:inject { method = "DELETE", path = "/api/v0/instances/{id}/", status = 200,
                          json = { success = false, msg = "Instance is locked" } })
      check(200, "invalid", nil, vast:destroy_instance(5002))
    end)

    it("destroy_instances: a lost answer then 404 is done (maybe_deleted); max guards; dry run sends nothing", function()
      local v = gpucloud.vast { url = sim.url, api_key = sim.keys.vast, getenv = no_env,
                                backoff = { base = 0.01, max = 0.05 } }
      assert(sim:inject { method = "DELETE", path = "/api/v0/instances/5006/", fault = "close", act = true, times = 2 })
      local dry = v:destroy_instances({ 5006, 5007, 5007 }, { dry_run = true })
      assert.same({ 5006, 5007 }, dry.would_delete)
      assert.equal(0, #sent())
      local r = v:destroy_instances({ 5006, 5007, 5007 }, { rate = false })
      assert.same({}, r.failed)
      assert.equal(2, #r.ok)
      assert.same({ 5006 }, r.maybe_deleted)
      assert.same({ 5007 }, r.skipped)
      assert.has_error(function() v:destroy_instances({ 5001, 5002 }, { max = 1 }) end)
      v:close()
    end)

    it("stop_instance PUTs {\"state\":\"stopped\"}; start_instance {\"state\":\"running\"}", function()
      assert.is_true(assert(vast:stop_instance(5002)).success)
      local e = sent()[1]
      assert.equal("PUT", e.method)
      assert.equal("/api/v0/instances/5002/", e.path)
      assert.equal('{"state":"stopped"}', e.body)
      assert.equal("application/json", e.headers["content-type"])
      assert.equal("stopped", status_of(5002))
      assert(vast:start_instance(5002))
      assert.equal('{"state":"running"}', sent()[3].body)
      assert.equal("running", status_of(5002))
    end)

    it("an exited instance accepts a start and stays exited; 400 missing_billing", function()
      assert(vast:start_instance(5006))
      assert.equal("exited", status_of(5006))
      check(400, "invalid", "missing_billing", vast:start_instance(5005))
    end)

    it("stop and start in bulk are not deletions: no max guard, verb 'done'", function()
      local r = vast:stop_instances({ 5001, 5002, 5003 }, { max = 1, rate = false })
      assert.equal(3, #r.ok)
      assert.match("^done 3 of 3", tostring(r))
      for _, id in ipairs { 5001, 5002, 5003 } do assert.equal("stopped", status_of(id)) end
      r = vast:start_instances({ 5001, 5005 }, { rate = false })
      assert.same({ 5001 }, r.ok)
      assert.equal("missing_billing", r.failed[5005].server_code)
    end)

    it("a PUT that fails after it may have acted says so; a GET never does", function()
      assert(sim:inject { method = "PUT", path = "/api/v0/instances/{id}/", status = 503, act = true })
      local err = check(503, "server_error", nil, vast:stop_instance(5001))
      assert.is_true(err.may_have_landed)
      assert(sim:inject { method = "GET", path = "/api/v0/instances/{id}/", status = 503 })
      err = check(503, "server_error", nil, vast:show_instance(5001))
      assert.is_nil(err.may_have_landed)
    end)

    it("label_instance PUTs {\"label\":...}; 400 label_too_long", function()
      assert(vast:label_instance(5005, "kept"))
      assert.equal('{"label":"kept"}', sent()[1].body)
      assert.equal("kept", assert(vast:show_instance(5005)).label)
      check(400, "invalid", "label_too_long", vast:label_instance(5005, ("x"):rep(1025)))
      assert.has_error(function() vast:label_instance(5005, 7) end)
      assert.has_error(function() vast:label_instance(5005) end)
    end)

    it("bad ids raise and send nothing", function()
      for _, bad in ipairs { "5001", -1, 0, 1.5, 2 ^ 53 + 2 } do
        assert.has_error(function() vast:show_instance(bad) end)
        assert.has_error(function() vast:destroy_instance(bad) end)
        assert.has_error(function() vast:stop_instance(bad) end)
        assert.has_error(function() vast:destroy_instances { bad } end)
      end
      assert.equal(0, #sent())
    end)
  end)
end)
