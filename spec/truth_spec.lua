-- The truth rules: a deletion tool must never act on an answer it has not
-- understood, nor report anything but what happened. One describe per
-- finding; each spec failed before the rule was built.

local gpucloud = require "gpucloud"
local sim = require "support.sim"
local encode = require("gpucloud.json").encode

local KEY = "sk-Zq8RwT3uLm9XpK2vNb7cYh4J"

local function no_env() end

local function fake(answer)
  local sent = {}
  local t = function(req)
    sent[#sent + 1] = req
    local a = type(answer) == "function" and answer(req, #sent) or answer
    if a.fail then return nil, a.fail end
    return { status = a.status or 200, headers = a.headers or {}, body = a.body or "", sent = a.sent }
  end
  return t, sent
end

local function vast_with(transport, extra)
  local o = { api_key = KEY, transport = transport, getenv = no_env, retries = 0 }
  for k, v in pairs(extra or {}) do o[k] = v end
  return gpucloud.vast(o)
end

-- Every substring of the key of at least `n` bytes: what must never show.
local function fragments(key, n)
  local out = {}
  for i = 1, #key - n + 1 do out[#out + 1] = key:sub(i, i + n - 1) end
  return out
end

local function assert_no_fragment(text, where)
  for _, f in ipairs(fragments(KEY, 6)) do
    assert.is_nil(text:find(f, 1, true), where .. " shows a piece of the key: " .. f)
  end
end

describe("finding 1: only a JSON array is a list", function()
  local bad = { "{}", '{"workers":null}', '{"workers":{}}', '{"workers":"none"}', "null",
                '{"workers":[1,2]}', '{"workers":[[]]}', '{"success":true}' }
  for _, body in ipairs(bad) do
    it("a worker listing answered " .. body .. " is bad_response, never an empty list", function()
      local v, err = vast_with(fake { body = body }):get_endpoint_workers(101)
      assert.is_nil(v)
      assert.equal("bad_response", err.code)
    end)
  end

  it("a bare JSON string is the run host's failure, never a list", function()
    local v, err = vast_with(fake { body = '""' }):get_endpoint_workers(101)
    assert.is_nil(v)
    assert.equal("invalid", err.code)
  end)

  it("a real empty list is one, bare or under its key", function()
    for _, body in ipairs { "[]", '{"workers":[]}' } do
      local v = assert(vast_with(fake { body = body }):get_endpoint_workers(101))
      assert.equal(0, #v)
      assert.equal("[]", encode(v), "and it stays a list when written back")
    end
  end)

  describe("over HTTP", function()
    local s = sim.use()

    it("the same over HTTP, through the C decoder", function()
      local vast = s:vast { retries = 0 }
      for _, json in ipairs { {}, { workers = gpucloud.null } } do
        assert(s:inject { method = "POST", path = "/get_endpoint_workers/", status = 200,
                          body = encode(setmetatable(json, require("gpucloud.json").object_mt)) })
        local v, err = vast:get_endpoint_workers(101)
        assert.is_nil(v)
        assert.equal("bad_response", err.code)
      end
    end)

    it("a cleanup script deletes nothing when one worker listing is malformed, and says why", function()
      -- the first listing the script asks for answers {}
      assert(s:inject { method = "POST", path = "/get_endpoint_workers/", status = 200, body = "{}" })
      local sub = require "support.subprocess"
      -- (the exit status echoed: io.popen's close reports none on Lua 5.1)
      local out = sub.sh(string.format("env %s %s %s examples/cleanup_idle_endpoints.lua; echo exit=$?",
        sub.env_words { VAST_URL = s.url, VAST_API_KEY = s.keys.vast, HOME = "/nonexistent" }, sub.ENV, sub.LUA))
      assert.match("exit=1\n$", out)
      assert.match("not deleting anything: the worker listing of endpoint %d+ was not understood", out)
      for _, e in ipairs(assert(s:log())) do assert.not_equal("DELETE", e.method) end
    end)
  end)
end)

describe("finding 3: the key is redacted before any text is cut", function()
  it("leaves no piece of an echoed key in a message or an excerpt, wherever the cut falls", function()
    for pad = 60, 340, 3 do
      local page = ("x"):rep(pad) .. " Authorization: Bearer " .. KEY .. " " .. ("y"):rep(400)
      for _, answer in ipairs {
        { status = 500, body = page },                                    -- message from a text page
        { status = 200, body = page },                                    -- bad_response excerpt
        { status = 400, body = encode { msg = page } },                   -- the server's own words
        { status = 200, body = '{"workers":{"echo":"' .. page .. '"}}' }, -- a shape excerpt
      } do
        local v, err = vast_with(fake(answer)):get_endpoint_workers(101)
        assert.is_nil(v)
        assert_no_fragment(tostring(err), "tostring(err) at pad " .. pad)
        assert_no_fragment(err.message, "err.message at pad " .. pad)
        assert_no_fragment(encode(err.body or {}), "err.body at pad " .. pad)
      end
    end
  end)
end)

describe("finding 4: a server cannot stall a call", function()
  local s = sim.use()
  local vast
  before_each(function() vast = s:vast() end)

  for _, after in ipairs { "3600", "Fri, 31 Dec 2099 23:59:59 GMT" } do
    it("a 429 with Retry-After: " .. after .. " ends the call with the server's error and retry_after", function()
      assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", status = 429,
                        headers = { ["Retry-After"] = after }, json = { detail = "API requests too frequent" } })
      local v, err = vast:show_endpoints()
      assert.same({}, s.clock.slept, "returned at once")
      assert.is_nil(v)
      assert.equal("rate_limited", err.code)
      assert.equal("API requests too frequent", err.message)
      assert.is_true(err.retry_after >= 3600)
      assert.equal(1, err.attempts)
      assert.match("server asked to wait", tostring(err))
    end)
  end

  it("a Retry-After within the cap but past the deadline ends the call too", function()
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", status = 429,
                      headers = { ["Retry-After"] = "3" }, json = { detail = "slow down" } })
    local v, err = vast:show_endpoints { deadline = 1, backoff = { max = 10 } }
    assert.same({}, s.clock.slept, "returned at once")
    assert.is_nil(v)
    assert.equal(3, err.retry_after)
  end)
  -- (the deadline bounding every attempt and pause: call_spec.lua on the
  -- virtual clock, wallclock_spec.lua over real sockets)
end)

describe("finding 5: a bad key is never \"already gone\"", function()
  local auth_404 = { status = 404, body = '{"error":"auth_error","msg":"Invalid user key"}' }

  it("Vast.ai's 404 auth_error is unauthorized", function()
    local v, err = vast_with(fake(auth_404)):delete_workergroup(201)
    assert.is_nil(v)
    assert.equal("unauthorized", err.code)
    assert.equal("auth_error", err.server_code)
    assert.is_nil(err.maybe_deleted)
  end)

  it("even after an attempt that may have landed, and in a bulk report", function()
    local t = fake(function(_, n)
      if n % 2 == 1 then return { status = 502, body = "bad gateway" } end
      return auth_404
    end)
    local vast = vast_with(t, { retries = 1, backoff = { base = 0, max = 0 } })
    local v, err = vast:delete_workergroup(201)
    assert.is_nil(v)
    assert.equal("unauthorized", err.code)
    assert.is_true(err.may_have_landed)
    assert.is_nil(err.maybe_deleted)
    local r = vast:delete_workergroups({ 201, 202 }, { rate = false, concurrency = 1 })
    assert.same({}, r.ok)
    assert.same({}, r.maybe_deleted)
    assert.equal("unauthorized", r.failed[201].code)
  end)
end)

describe("finding 6: every attempt counted, and what may have landed said", function()
  it("a request the runtime re-sent by itself counts as two attempts, seen by the hooks", function()
    local requests = 0
    local t = fake { status = 404, body = '{"success":false,"error":"no_such_workergroup","msg":"gone"}', sent = 2 }
    local vast = vast_with(t, { on_request = function() requests = requests + 1 end })
    local v, err = vast:delete_workergroup(201)
    assert.is_nil(v)
    assert.equal(2, err.attempts)
    assert.equal(2, requests)
    assert.is_true(err.may_have_landed)
    assert.is_true(err.maybe_deleted, "the first send may have deleted it")
  end)

  local s = sim.use()

  it("libcurl's own resend on a dead keep-alive connection is counted (over HTTP)", function()
    local vast = s:vast { retries = 0 }
    assert(vast:show_endpoints()) -- leaves a keep-alive connection open
    assert(s:inject { method = "DELETE", path = "/api/v0/workergroups/201/", fault = "close", act = true })
    local v, err = vast:delete_workergroup(201)
    assert.is_nil(v)
    assert.equal("not_found", err.code)
    assert.equal(2, err.attempts)
    assert.is_true(err.maybe_deleted)
  end)

  it("a 2xx to a DELETE whose body cannot be read counts as done", function()
    for _, body in ipairs { "", "<html>ok</html>", '{"truncated":' } do
      local v = assert(vast_with(fake { status = 200, body = body }):delete_workergroup(201))
      assert.is_true(v.unreadable)
    end
    -- but an explicit success: false is a failure
    local v, err = vast_with(fake { status = 200, body = '{"success":false,"msg":"locked"}' }):delete_workergroup(201)
    assert.is_nil(v)
    assert.is_nil(err.may_have_landed)
  end)

  it("a 2xx to a DELETE cut short on the wire counts as done (over HTTP)", function()
    local vast = s:vast { retries = 0 }
    assert(s:inject { method = "DELETE", path = "/api/v0/workergroups/201/", fault = "truncate", truncate_at = 5 })
    local v = assert(vast:delete_workergroup(201))
    assert.is_true(v.unreadable)
    assert.equal(200, v.status)
  end)

  it("keeps may_have_landed when a later attempt fails otherwise (429, 500)", function()
    for _, last in ipairs { { status = 429, body = "API requests too frequent" }, { status = 500, body = "oops" } } do
      local t = fake(function(_, n)
        if n == 1 then return { fail = { code = "timeout", message = "timed out", sent = 1 } } end
        return last
      end)
      local vast = vast_with(t, { retries = 1, backoff = { base = 0, max = 0 } })
      local v, err = vast:delete_workergroup(201)
      assert.is_nil(v)
      assert.equal(last.status, err.status)
      assert.is_true(err.may_have_landed, tostring(err))
      assert.equal(2, err.attempts)
    end
  end)

  it("a failure that cannot have reached the server does not say it may have landed", function()
    local t = fake { fail = { code = "connect", message = "refused", sent = 0 } }
    local _, err = vast_with(t):delete_workergroup(201)
    assert.is_nil(err.may_have_landed)
    local _, err2 = vast_with(fake { status = 409, body = "{}" }):delete_workergroup(201)
    assert.is_nil(err2.may_have_landed)
  end)
end)

describe("finding 6: waits follow through", function()
  local s = sim.use { config = { retry_after = "0" } }
  local tp
  before_each(function() tp = s:tensorpool { backoff = { base = 0.01, max = 0.05 } } end)

  local function gone(id)
    for _, c in ipairs(assert(s:state()).tensorpool.clusters) do
      if c.cluster_id == id then return false end
    end
    return true
  end

  it("an accepted destroy whose poll answers 500 (or cannot be read) is polled through", function()
    assert(s:inject { method = "GET", path = "/request/info/{request_id}", status = 500, body = "oops" })
    assert(s:inject { method = "GET", path = "/request/info/{request_id}", fault = "truncate" })
    local r = tp:destroy_clusters({ "c-train-a100x8" }, { wait = true })
    assert.same({ "c-train-a100x8" }, r.ok, tostring(r))
    assert.equal("COMPLETED", r.results["c-train-a100x8"].request.status)
    assert.is_true(gone("c-train-a100x8"))
  end)

  it("a destroy whose answer was lost is confirmed by the listing before it counts as done", function()
    assert(s:config { request_step = 0.05 })
    assert(s:inject { method = "DELETE", path = "/cluster/{cluster}", fault = "close", act = true, times = 2 })
    local r = tp:destroy_clusters({ "c-dev-h100" }, { wait = true })
    assert.same({ "c-dev-h100" }, r.ok, tostring(r))
    assert.is_true(gone("c-dev-h100"))
    local res = r.results["c-dev-h100"]
    assert.equal("absent from the cluster list", res.confirmed)
  end)

  it("a wait past its deadline is a timeout that says the destroy may have landed", function()
    -- requests advance only when polled; every poll fails
    assert(s:inject { method = "GET", path = "/request/info/{request_id}", status = 503, body = "", times = -1 })
    local r = tp:destroy_clusters({ "c-train-a100x8" }, { wait = true, deadline = 0.8 })
    local took = s.clock.now() - sim.START
    assert.is_true(took > 0 and took <= 0.8, "took " .. took)
    local err = r.failed["c-train-a100x8"]
    assert.equal("timeout", err.code)
    assert.is_true(err.may_have_landed)
  end)

  it("wait_request takes deadline; the old timeout still works, with a warning", function()
    local v = assert(tp:destroy_cluster("c-train-a100x8"))
    local info = assert(tp:wait_request(v.request_id, { deadline = 10, interval = 0 }))
    assert.equal("COMPLETED", info.status)
    v = assert(tp:destroy_cluster("c-dev-h100"))
    local sub = require "support.subprocess"
    -- a fresh process, to see the once-per-process warning
    local code = string.format([[
      local tp = require("gpucloud").tensorpool { url = %q, api_key = %q }
      local info = assert(tp:wait_request(%q, { timeout = 10, interval = 0 }))
      print(info.status)]], s.url, s.keys.tensorpool, v.request_id)
    local out, _, err = sub.lua(code)
    assert.equal("COMPLETED\n", out)
    assert.match("'timeout' is deprecated here; use 'deadline'", err)
  end)
end)
