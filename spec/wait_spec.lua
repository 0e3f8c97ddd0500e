-- gpucloud.wait: the one poll loop. What it polls through and how it reads
-- Retry-After are retry.lua's to say.

local errors = require "gpucloud.errors"
local retry = require "gpucloud.retry"
local wait = require "gpucloud.wait"

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
