-- gpucloud.call: the one path every operation takes (pacing, attempts,
-- retries, hooks, deadline, what may have landed), driven through the
-- simulator's faults over real sockets, on a virtual clock: every pause
-- the path takes is asserted exactly, and none is waited for. (The policy
-- it applies: retry_spec.lua. What takes real time: wallclock_spec.lua.)

local cjson = require "cjson"
local define = require "gpucloud.define"
local sim = require "support.sim"
local virtual = require "gpucloud.runtime.virtual"

local FAST = { base = 0.01, max = 0.05 }

describe("the operation path over HTTP", function()
  local s = sim.use()
  local vast

  local function new_vast(extra)
    local o = { backoff = FAST }
    for k, v in pairs(extra or {}) do o[k] = v end
    return s:vast(o)
  end

  local function count(route)
    local n = 0
    for _, e in ipairs(assert(s:log())) do
      if not route or e.route == route then n = n + 1 end
    end
    return n
  end

  before_each(function() vast = new_vast() end)

  it("429 twice, then success: three attempts, a rate slot apart", function()
    assert(s:inject { method = "DELETE", path = "/api/v0/workergroups/201/", status = 429, times = 2,
      json = { detail = "API requests too frequent endpoint threshold=3.0" } })
    local res = assert(vast:delete_workergroup(201))
    assert.is_true(res.success)
    assert.equal(3, count())
    -- Vast.ai sends no Retry-After: at least one slot of the documented 3/s
    assert.equal(2, #s.clock.slept)
    for _, pause in ipairs(s.clock.slept) do assert.near(1 / 3, pause, 1e-9) end
  end)

  it("429 past the retries: rate_limited with the server's message and the attempt count", function()
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", status = 429, times = 3,
      json = { detail = "API requests too frequent endpoint threshold=3.0" } })
    local value, err = vast:show_endpoints { retries = 2 }
    assert.is_nil(value)
    assert.equal("rate_limited", err.code)
    assert.equal(429, err.status)
    assert.equal("API requests too frequent endpoint threshold=3.0", err.message)
    assert.equal(3, err.attempts)
    assert.equal(3, count())
  end)

  it("honours Retry-After on a 429 up to the backoff cap", function()
    assert(s:inject { method = "GET", path = "/api/v0/workergroups/", status = 429,
      headers = { ["Retry-After"] = "1" }, body = "slow down" })
    assert(vast:show_workergroups { backoff = { base = 0.01, max = 2 } })
    assert.same({ 1 }, s.clock.slept)
  end)

  it("5xx HTML then success on a read", function()
    assert(s:inject { method = "POST", path = "/get_endpoint_workers/", status = 503, times = 2,
      headers = { ["Content-Type"] = "text/html" },
      body = "<html><title>503 Service Unavailable</title></html>" })
    local workers = assert(vast:get_endpoint_workers(101))
    assert.equal(7, #workers)
    assert.equal(3, count())
  end)

  it("5xx every time: server_error with the page's title", function()
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", status = 502, times = -1,
      body = "<html><head><title>502 Bad Gateway</title></head></html>" })
    local _, err = vast:show_endpoints()
    assert.equal("server_error", err.code)
    assert.equal(502, err.status)
    assert.equal("502 Bad Gateway", err.message)
    assert.equal(4, err.attempts)
    assert.equal(4, count())
  end)

  it("a 500 is not repeated", function()
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", status = 500, times = -1, body = "boom" })
    local _, err = vast:show_endpoints()
    assert.equal(1, err.attempts)
    assert.equal(1, count())
  end)

  it("invalid JSON is bad_response, not repeated", function()
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", status = 200, body = "{nope", times = -1 })
    local _, err = vast:show_endpoints()
    assert.equal("bad_response", err.code)
    assert.equal(1, err.attempts)
  end)

  it("a truncated body is a transport failure, repeated on reads", function()
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", fault = "truncate" })
    local eps = assert(vast:show_endpoints())
    assert.equal(6, #eps)
    assert.equal(2, count())
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", fault = "truncate", times = -1 })
    local _, err = vast:show_endpoints { retries = 1 }
    assert.equal("transport", err.code)
    assert.equal(2, err.attempts)
  end)

  it("a closed connection is a transport failure, repeated on reads", function()
    assert(s:inject { method = "GET", path = "/api/v0/workergroups/", fault = "close", times = -1 })
    local _, err = vast:show_workergroups { retries = 1 }
    assert.equal("transport", err.code)
    assert.equal(2, err.attempts)
  end)

  it("a stalled server: timeout (how soon, in real time: wallclock_spec.lua)", function()
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", delay = 3 })
    local _, err = vast:show_endpoints { timeout = 0.1, retries = 0 }
    assert.equal("timeout", err.code)
    assert.equal(1, err.attempts)
  end)

  it("connection refused: connect, after the retries", function()
    local gone = new_vast { url = "http://127.0.0.1:1", retries = 2 }
    local _, err = gone:show_endpoints()
    assert.equal("connect", err.code)
    assert.equal(3, err.attempts)
  end)

  it("a delete whose answer was lost and then 404s: not_found, maybe_deleted", function()
    -- the simulator deletes, then sits on the answer past the client's timeout
    assert(s:inject { method = "DELETE", path = "/api/v0/workergroups/201/", delay = 1 })
    local value, err = vast:delete_workergroup(201, { timeout = 0.3 })
    assert.is_nil(value)
    assert.equal("not_found", err.code)
    assert.equal("no_such_workergroup", err.server_code)
    assert.is_true(err.maybe_deleted)
    assert.equal(2, err.attempts)
    assert.equal(404, err.status)
    -- and an endpoint, which Vast.ai answers with 400 "Routegroup not found for user"
    assert(s:inject { method = "DELETE", path = "/api/v0/endptjobs/102/", delay = 1 })
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
    assert(s:inject { method = "DELETE", path = "/api/v0/endptjobs/101/", status = 503, times = -1 })
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
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", status = 503 })
    assert(hooked:show_endpoints())
    local url = s.url .. "/api/v0/endptjobs/"
    assert.same({ "request", "vast.show_endpoints", "GET", url, 1 }, seen[1])
    assert.same({ "response", 503, "server_error", 1, "number", true }, seen[2])
    assert.same({ "request", "vast.show_endpoints", "GET", url, 2 }, seen[4])
    assert.same({ "response", 200, nil, 2, "number", false }, seen[5])
    for _, x in ipairs(seen) do
      if type(x) == "string" then assert.not_match(s.keys.vast, x, 1, true) end
    end
  end)

  -- The attempt record is built only when a hook is set: either one alone
  -- must still get all of it.
  it("on_response alone sees each attempt whole", function()
    local seen = {}
    local hooked = new_vast { on_response = function(info) seen[#seen + 1] = info end }
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", status = 503 })
    assert(hooked:show_endpoints())
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
      return { vast = { api_keys = { s.keys.vast }, endpoints = { { id = 1, endpoint_name = "bulk" } },
                        workergroups = wgs, workers = {} } }
    end

    -- the simulator's limiter keeps the clients' virtual time (support/sim.lua)
    local function run(rate)
      assert(s:reset(many()))
      assert(s:config { rate_limits = { [ROUTE] = RATE } })
      local v = new_vast { rate = rate, retries = 0 }
      local ok = 0
      for i = 1, N do
        if v:delete_workergroup(5000 + i) then ok = ok + 1 end
      end
      local stats = assert(s:stats())
      return ok, stats.by_status["429"] or 0
    end

    it("without pacing a tight loop provokes 429s", function()
      local ok, limited = run(false)
      assert.truthy(limited > 0, "no 429 from the simulator's limiter")
      assert.equal(N, ok + limited)
    end)

    it("paced at the threshold, the same loop gets no 429", function()
      local ok, limited = run(RATE)
      assert.equal(0, limited)
      assert.equal(N, ok)
      -- N requests spaced 1/RATE apart
      assert.near((N - 1) / RATE, s.clock.now() - sim.START, 1e-9)
    end)
  end)
end)

-- The deadline bounds every attempt and every pause: a transport that
-- takes each attempt's whole timeout shows it on the virtual clock.
describe("the deadline", function()
  it("bounds the attempts and pauses of a call: timeouts are repeated until it", function()
    local clock = virtual.clock()
    local attempts = {}
    local new = define.define {
      name = "toy", title = "Toy", key = { env = {} },
      hosts = { h = { option = "url", default = "http://127.0.0.1:9" } },
      ops = { show = { method = "GET", host = "h", path = "/things", idempotent = true } },
    }
    local toy = new { api_key = "k", backoff = FAST, runtime = virtual.new(clock, function(req)
      attempts[#attempts + 1] = req.timeout
      clock.advance(req.timeout)
      return nil, { code = "timeout", message = "timed out", sent = 1 }
    end) }
    local _, err = toy:show { timeout = 0.2, retries = 10, deadline = 0.5 }
    assert.equal("timeout", err.code)
    assert.equal(#attempts, err.attempts)
    assert.is_true(#attempts >= 2 and #attempts <= 3, #attempts .. " attempts")
    assert.equal(0.2, attempts[1])
    assert.is_true(clock.now() <= 0.5 + 1e-9, "past the deadline: " .. clock.now())
  end)
end)
