-- gpucloud.wait: the one poll loop. What it polls through and how it reads
-- Retry-After are retry.lua's to say.

local encode = require("gpucloud.json").encode
local errors = require "gpucloud.errors"
local retry = require "gpucloud.retry"
local transport = require "support.transport"
local virtual = require "gpucloud.runtime.virtual"
local wait = require "gpucloud.wait"

local unpack = table.unpack or unpack -- luacheck: ignore
local recorder = transport.recorder

-- A TensorPool client over recorder `t`, on a virtual clock (its pauses
-- are counted, not waited for).
local function tp_with(t, clock)
  return require("gpucloud").tensorpool { api_key = transport.KEY, getenv = transport.no_env, retries = 0,
                                          runtime = virtual.new(clock, t.fn) }
end

describe("wait", function()
  describe("retry_after", function()
    it("reads seconds", function()
      assert.equal(2, wait.retry_after { headers = { ["retry-after"] = "2" } })
      assert.is_nil(wait.retry_after { headers = {} })
      assert.is_nil(wait.retry_after(nil))
    end)

    -- it read numbers only: an HTTP date was no pause at all
    it("reads an HTTP date as retry.lua does", function()
      local at = os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + 30)
      local s = wait.retry_after { headers = { ["retry-after"] = at } }
      assert.is_number(s)
      assert.is_true(s > 25 and s <= 30, tostring(s))
    end)
  end)
end)

describe("retry.poll_through", function()
  local function err(code, status) return errors.local_failure("op", code, "m", { status = status }) end

  it("goes on through what is worth another attempt, any 5xx, an unreadable answer, TLS", function()
    for _, code in ipairs { "timeout", "connect", "transport", "rate_limited", "server_error", "bad_response",
                            "too_large", "tls" } do
      assert.is_true(retry.poll_through(err(code)), code)
    end
    -- a body cut short after the status line came is still the network's
    assert.is_true(retry.poll_through(err("transport", 200)))
  end)

  it("ends the wait on anything else", function()
    for _, code in ipairs { "unauthorized", "forbidden", "not_found", "invalid", "conflict", "no_api_key" } do
      assert.is_false(retry.poll_through(err(code)), code)
    end
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
    local clock = virtual.clock()
    local value, err = tp_with(t, clock):wait_request("r-1", { deadline = 0.2, interval = 0.05 })
    assert.is_nil(value)
    assert.equal("timeout", err.code)
    assert.match("PROCESSING", err.message)
    -- a poll every 0.05 s (the server's Retry-After: 0 is the floor's 0.05);
    -- the one due at the deadline itself is not sent
    assert.equal(4, #t.requests)
    assert.near(0.2, clock.now(), 1e-9)
  end)

  it("checks its arguments", function()
    local tp = tp_with(recorder())
    assert.has_error(function() tp:wait_request(nil) end)
    assert.has_error(function() tp:wait_request("a/b") end)
    assert.has_error(function() tp:wait_request("r", { deadline = -1 }) end)
    assert.has_error(function() tp:wait_request("r", { every = 1 }) end)
  end)
end)
