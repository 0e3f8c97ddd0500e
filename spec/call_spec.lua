-- Reliability: the retry policy, pacing, timeouts, idempotent deletes and
-- the observability hooks, driven through the simulator's faults over real
-- sockets. Backoff is set small so nothing here sleeps longer than it must.

local gpucloud = require "gpucloud"
local define = require "gpucloud.define"
local retry = require "gpucloud.retry"
local server = require "gpucloud.sim.server"
local clock = require "gpucloud.core"
local cjson = require "cjson"

local FAST = { base = 0.01, max = 0.05 }

describe("retry policy", function()
  local idem = { idempotent = true, rate = 3.0 }
  local once = { idempotent = false }

  it("repeats 429 always, 502/503/504 and network failures only when idempotent", function()
    assert.is_true(retry.retryable(once, { status = 429, code = "rate_limited" }))
    for _, status in ipairs { 502, 503, 504 } do
      assert.is_true(retry.retryable(idem, { status = status, code = "server_error" }))
      assert.is_false(retry.retryable(once, { status = status, code = "server_error" }))
    end
    for _, code in ipairs { "timeout", "connect", "transport" } do
      assert.is_true(retry.retryable(idem, { code = code }))
      assert.is_false(retry.retryable(once, { code = code }))
    end
    for _, e in ipairs { { status = 500, code = "server_error" }, { status = 404, code = "not_found" },
                         { status = 200, code = "bad_response" }, { code = "tls" }, { code = "too_large" } } do
      assert.is_false(retry.retryable(idem, e))
    end
  end)

  it("marks an error retryable exactly when the policy would repeat an idempotent call", function()
    local gpucloud_errors = require "gpucloud.errors"
    for _, status in ipairs { 400, 401, 404, 408, 409, 422, 429, 500, 502, 503, 504 } do
      local e = gpucloud_errors.from_response("op", status, nil, "")
      assert.equal(retry.retryable(idem, e), e.retryable, "status " .. status)
    end
    for _, code in ipairs { "timeout", "connect", "transport", "tls", "too_large" } do
      local e = gpucloud_errors.from_transport("op", { code = code, message = "m" })
      assert.equal(retry.retryable(idem, e), e.retryable, code)
    end
    assert.is_true(retry.retryable(idem, gpucloud_errors.from_response("op", 408, nil, "")))
  end)

  it("reads Retry-After as seconds or an HTTP date", function()
    assert.equal(3, retry.parse_retry_after("3"))
    assert.equal(0.5, retry.parse_retry_after(" 0.5 "))
    assert.is_nil(retry.parse_retry_after(nil))
    assert.is_nil(retry.parse_retry_after("soon"))
    local now = os.time()
    local date = os.date("!%a, %d %b %Y %H:%M:%S GMT", now + 7)
    assert.equal(7, retry.parse_retry_after(date, now))
    assert.equal(0, retry.parse_retry_after(os.date("!%a, %d %b %Y %H:%M:%S GMT", now - 60), now))
  end)

  it("backs off exponentially with full jitter, capped", function()
    local p = { base = 0.5, max = 4, retries = 99 }
    local top = function() return 0.999999 end
    local lost = function() return { code = "timeout" } end
    assert.near(0.5, retry.next_delay(p, idem, lost(), 1, nil, nil, top), 1e-3)
    assert.near(1, retry.next_delay(p, idem, lost(), 2, nil, nil, top), 1e-3)
    assert.near(4, retry.next_delay(p, idem, lost(), 10, nil, nil, top), 1e-3)
    assert.equal(0, retry.next_delay(p, idem, lost(), 3, nil, nil, function() return 0 end))
    assert.equal(2.5, retry.next_delay(p, idem, lost(), 1, "2.5", nil, top), "Retry-After wins")
    -- a 429 without Retry-After waits at least one slot of the documented rate
    assert.near(1 / 3, retry.next_delay(p, idem, { code = "rate_limited", status = 429 }, 1, nil, nil,
      function() return 0 end), 1e-9)
    -- not repeated: a non-idempotent row after a lost answer, or past the retries
    assert.is_nil(retry.next_delay(p, once, lost(), 1, nil, nil, top))
    assert.is_nil(retry.next_delay({ base = 0.5, max = 4, retries = 2 }, idem, lost(), 3, nil, nil, top))
  end)

  it("stops at a Retry-After longer than the cap or the time left, and says what was asked", function()
    local p = { base = 0.5, max = 4, retries = 99 }
    local e = { code = "rate_limited", status = 429 }
    assert.is_nil(retry.next_delay(p, idem, e, 1, "3600", nil))
    assert.equal(3600, e.retry_after)
    e = { code = "rate_limited", status = 429 }
    assert.is_nil(retry.next_delay(p, idem, e, 1, "3", 2))
    assert.equal(3, e.retry_after)
    e = { code = "rate_limited", status = 429 }
    assert.equal(3, retry.next_delay(p, idem, e, 1, "3", 10))
    -- a backoff that would end after the deadline is not slept either
    assert.is_nil(retry.next_delay(p, idem, { code = "timeout" }, 1, nil, 0.1, function() return 0.999 end))
  end)

  it("applies to any provider row: a non-idempotent operation is not repeated on 503", function()
    local calls = 0
    local new = define.define {
      name = "toy", title = "Toy", key = { env = {} },
      hosts = { h = { option = "url", default = "http://127.0.0.1:9" } },
      ops = { create = { method = "POST", host = "h", path = "/things", idempotent = false },
              show = { method = "GET", host = "h", path = "/things", idempotent = true } },
    }
    local toy = new { api_key = "k", backoff = FAST, transport = function()
      calls = calls + 1
      return { status = 503, headers = {}, body = "busy" }
    end }
    local _, err = toy:create()
    assert.equal(1, calls)
    assert.equal(1, err.attempts)
    calls = 0
    _, err = toy:show()
    assert.equal(4, calls)
    assert.equal(4, err.attempts)
    assert.equal("busy", err.message)
  end)
end)

describe("faults over HTTP", function()
  local sim, vast

  local function new_vast(extra)
    local o = { url = sim.url, api_key = sim.keys.vast, getenv = function() end, backoff = FAST }
    for k, v in pairs(extra or {}) do o[k] = v end
    return gpucloud.vast(o)
  end

  local function count(route)
    local n = 0
    for _, e in ipairs(assert(sim:log())) do
      if not route or e.route == route then n = n + 1 end
    end
    return n
  end

  setup(function() sim = assert(server.start {}) end)
  teardown(function()
    if vast then vast:close() end
    sim:stop()
  end)
  before_each(function()
    assert(sim:reset())
    if vast then vast:close() end
    vast = new_vast()
  end)

  it("429 twice, then success: three attempts, at least a rate slot apart #timing", function()
    assert(sim:inject { method = "DELETE", path = "/api/v0/workergroups/201/", status = 429, times = 2,
      json = { detail = "API requests too frequent endpoint threshold=3.0" } })
    local t0 = clock.now()
    local res = assert(vast:delete_workergroup(201))
    local elapsed = clock.now() - t0
    assert.is_true(res.success)
    assert.equal(3, count())
    assert.truthy(elapsed >= 2 / 3 - 0.02 and elapsed < 1.5, "took " .. elapsed)
  end)

  it("429 past the retries: rate_limited with the server's message and the attempt count", function()
    assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 429, times = 3,
      json = { detail = "API requests too frequent endpoint threshold=3.0" } })
    local value, err = vast:show_endpoints { retries = 2 }
    assert.is_nil(value)
    assert.equal("rate_limited", err.code)
    assert.equal(429, err.status)
    assert.equal("API requests too frequent endpoint threshold=3.0", err.message)
    assert.equal(3, err.attempts)
    assert.equal(3, count())
  end)

  it("honours Retry-After on a 429 up to the backoff cap #timing", function()
    assert(sim:inject { method = "GET", path = "/api/v0/workergroups/", status = 429,
      headers = { ["Retry-After"] = "1" }, body = "slow down" })
    local t0 = clock.now()
    assert(vast:show_workergroups { backoff = { base = 0.01, max = 2 } })
    local elapsed = clock.now() - t0
    assert.truthy(elapsed >= 0.95 and elapsed < 2, "took " .. elapsed)
  end)

  it("5xx HTML then success on a read", function()
    assert(sim:inject { method = "POST", path = "/get_endpoint_workers/", status = 503, times = 2,
      headers = { ["Content-Type"] = "text/html" },
      body = "<html><title>503 Service Unavailable</title></html>" })
    local workers = assert(vast:get_endpoint_workers(101))
    assert.equal(7, #workers)
    assert.equal(3, count())
  end)

  it("5xx every time: server_error with the page's title", function()
    assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 502, times = -1,
      body = "<html><head><title>502 Bad Gateway</title></head></html>" })
    local _, err = vast:show_endpoints()
    assert.equal("server_error", err.code)
    assert.equal(502, err.status)
    assert.equal("502 Bad Gateway", err.message)
    assert.equal(4, err.attempts)
    assert.equal(4, count())
  end)

  it("a 500 is not repeated", function()
    assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 500, times = -1, body = "boom" })
    local _, err = vast:show_endpoints()
    assert.equal(1, err.attempts)
    assert.equal(1, count())
  end)

  it("invalid JSON is bad_response, not repeated", function()
    assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 200, body = "{nope", times = -1 })
    local _, err = vast:show_endpoints()
    assert.equal("bad_response", err.code)
    assert.equal(1, err.attempts)
  end)

  it("a truncated body is a transport failure, repeated on reads", function()
    assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", fault = "truncate" })
    local eps = assert(vast:show_endpoints())
    assert.equal(6, #eps)
    assert.equal(2, count())
    assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", fault = "truncate", times = -1 })
    local _, err = vast:show_endpoints { retries = 1 }
    assert.equal("transport", err.code)
    assert.equal(2, err.attempts)
  end)

  it("a closed connection is a transport failure, repeated on reads", function()
    assert(sim:inject { method = "GET", path = "/api/v0/workergroups/", fault = "close", times = -1 })
    local _, err = vast:show_workergroups { retries = 1 }
    assert.equal("transport", err.code)
    assert.equal(2, err.attempts)
  end)

  it("a stalled server: timeout within the timeout plus a small margin #timing", function()
    assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", delay = 3 })
    local t0 = clock.now()
    local _, err = vast:show_endpoints { timeout = 0.3, retries = 0 }
    local elapsed = clock.now() - t0
    assert.equal("timeout", err.code)
    assert.truthy(elapsed >= 0.29 and elapsed < 0.6, "took " .. elapsed)
  end)

  it("timeouts are repeated, and the deadline bounds the whole call #timing", function()
    assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", delay = 3, times = -1 })
    local t0 = clock.now()
    local _, err = vast:show_endpoints { timeout = 0.2, retries = 10, deadline = 0.5 }
    local elapsed = clock.now() - t0
    assert.equal("timeout", err.code)
    assert.truthy(err.attempts >= 2 and err.attempts <= 4, "attempts " .. err.attempts)
    assert.truthy(elapsed < 0.8, "took " .. elapsed)
  end)

  it("connection refused: connect, after the retries", function()
    local gone = gpucloud.vast { url = "http://127.0.0.1:1", api_key = "k", getenv = function() end,
      backoff = FAST, retries = 2 }
    local _, err = gone:show_endpoints()
    assert.equal("connect", err.code)
    assert.equal(3, err.attempts)
    gone:close()
  end)

  it("a delete whose answer was lost and then 404s: not_found, maybe_deleted", function()
    -- the simulator deletes, then sits on the answer past the client's timeout
    assert(sim:inject { method = "DELETE", path = "/api/v0/workergroups/201/", delay = 1 })
    local value, err = vast:delete_workergroup(201, { timeout = 0.3 })
    assert.is_nil(value)
    assert.equal("not_found", err.code)
    assert.equal("no_such_workergroup", err.server_code)
    assert.is_true(err.maybe_deleted)
    assert.equal(2, err.attempts)
    assert.equal(404, err.status)
    -- and an endpoint, which Vast.ai answers with 400 "Routegroup not found for user"
    assert(sim:inject { method = "DELETE", path = "/api/v0/endptjobs/102/", delay = 1 })
    value, err = vast:delete_endpoint(102, { timeout = 0.3 })
    assert.is_nil(value)
    assert.equal("not_found", err.code)
    assert.is_true(err.maybe_deleted)
  end)

  it("a plain 404 on a first attempt is not maybe_deleted", function()
    local _, err = vast:delete_workergroup(4242)
    assert.equal("not_found", err.code)
    assert.equal("no_such_workergroup", err.server_code)
    assert.is_nil(err.may_have_landed)
    assert.is_nil(err.maybe_deleted)
    assert.equal(1, err.attempts)
  end)

  it("per-call retries override the client's", function()
    assert(sim:inject { method = "DELETE", path = "/api/v0/endptjobs/101/", status = 503, times = -1 })
    local _, err = vast:delete_endpoint(101, { retries = 0 })
    assert.equal(1, err.attempts)
  end)

  it("hooks see each attempt, without the key", function()
    local seen = {}
    local hooked = new_vast {
      on_request = function(info) seen[#seen + 1] = { "request", info.op, info.method, info.url, info.attempt } end,
      on_response = function(info)
        seen[#seen + 1] = { "response", info.status, info.code, info.attempt, type(info.elapsed), info.retry_in ~= nil }
        seen[#seen + 1] = cjson.encode(info)
      end,
    }
    assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 503 })
    assert(hooked:show_endpoints())
    hooked:close()
    local url = sim.url .. "/api/v0/endptjobs/"
    assert.same({ "request", "vast.show_endpoints", "GET", url, 1 }, seen[1])
    assert.same({ "response", 503, "server_error", 1, "number", true }, seen[2])
    assert.same({ "request", "vast.show_endpoints", "GET", url, 2 }, seen[4])
    assert.same({ "response", 200, nil, 2, "number", false }, seen[5])
    for _, s in ipairs(seen) do
      if type(s) == "string" then assert.not_match(sim.keys.vast, s, 1, true) end
    end
  end)

  -- The attempt record is built only when a hook is set: either one alone
  -- must still get all of it.
  it("on_response alone sees each attempt whole", function()
    local seen = {}
    local hooked = new_vast { on_response = function(info) seen[#seen + 1] = info end }
    assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 503 })
    assert(hooked:show_endpoints())
    hooked:close()
    assert.equal(2, #seen)
    assert.same({ "vast.show_endpoints", "GET", 1, 503, "server_error", true },
      { seen[1].op, seen[1].method, seen[1].attempt, seen[1].status, seen[1].code, seen[1].retry_in ~= nil })
    assert.same({ 2, 200, "number" }, { seen[2].attempt, seen[2].status, type(seen[2].elapsed) })
  end)

  describe("pacing", function()
    local ROUTE = "DELETE /api/v0/workergroups/{id}/"
    local N, RATE = 60, 40

    -- a fixture with N workergroups to delete
    local function many()
      local wgs = {}
      for i = 1, N do wgs[i] = { id = 5000 + i, endpoint_id = 1, endpoint_name = "bulk" } end
      return { vast = { api_keys = { sim.keys.vast }, endpoints = { { id = 1, endpoint_name = "bulk" } },
                        workergroups = wgs, workers = {} } }
    end

    after_each(function() assert(sim:config { rate_limits = false }) end)

    local function run(rate)
      assert(sim:reset(many()))
      assert(sim:config { rate_limits = { [ROUTE] = RATE } })
      local v = new_vast { rate = rate, retries = 0 }
      local ok = 0
      for i = 1, N do
        if v:delete_workergroup(5000 + i) then ok = ok + 1 end
      end
      v:close()
      local stats = assert(sim:stats())
      return ok, stats.by_status["429"] or 0
    end

    it("without pacing a tight loop provokes 429s", function()
      local ok, limited = run(false)
      assert.truthy(limited > 0, "no 429 from the simulator's limiter")
      assert.equal(N, ok + limited)
    end)

    it("paced at the threshold, the same loop gets no 429 #timing", function()
      local t0 = clock.now()
      local ok, limited = run(RATE)
      local elapsed = clock.now() - t0
      assert.equal(0, limited)
      assert.equal(N, ok)
      -- N requests spaced 1/RATE apart
      assert.truthy(elapsed >= (N - 1) / RATE - 0.05, "took " .. elapsed)
    end)
  end)
end)
