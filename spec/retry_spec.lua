-- gpucloud.retry: the retry policy in one place: which failures are worth
-- another attempt, how long to wait before it, what may have landed, and
-- how a server's Retry-After is read. (The one path that applies it, over
-- HTTP: call_spec.lua.)

local define = require "gpucloud.define"
local retry = require "gpucloud.retry"
local virtual = require "gpucloud.runtime.virtual"

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
    local toy = new { api_key = "k", backoff = FAST, runtime = virtual.new(nil, function()
      calls = calls + 1
      return { status = 503, headers = {}, body = "busy" }
    end) }
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
