-- The C core on its own: what it refuses to send, and how it reads answers
-- that no well-behaved server gives (the simulator's "raw" fault writes
-- them byte for byte).

local core = require "gpucloud.core"
local fixture = require "support.sim"

describe("gpucloud.core request checks", function()
  local c
  before_each(function() c = core.new() end)
  after_each(function() c:close() end)

  -- Port 9 on loopback: nothing listens, and nothing is ever sent when the
  -- request is refused first.
  local URL = "http://127.0.0.1:9/"

  local function refuses(req, pattern)
    local ok, err = pcall(c.request, c, req)
    assert.is_false(ok)
    assert.matches(pattern, err)
  end

  it("refuses a NUL inside the url, method, a header name or ca_file", function()
    -- each would pass a strlen-based check and then be cut short by libcurl
    refuses({ url = URL .. "\0@evil.example/" }, "invalid url")
    refuses({ url = URL, method = "GET\0 /x" }, "invalid method")
    refuses({ url = URL, headers = { ["X-A\0: y"] = "1" } }, "invalid header")
    refuses({ url = URL, ca_file = "/etc/ssl/certs/ca-certificates.crt\0x" }, "invalid ca_file")
  end)

  it("refuses CR and LF where they would split the request", function()
    refuses({ url = URL .. "\r\nX-Injected: 1" }, "invalid url")
    refuses({ url = URL, headers = { ["X-A"] = "1\r\nX-Injected: 1" } }, "invalid header")
    refuses({ url = URL, headers = { ["X A"] = "1" } }, "invalid header")
    refuses({ url = URL, method = "GET /x HTTP/1.1\r\n" }, "invalid method")
  end)

  it("takes insecure only as a boolean", function()
    refuses({ url = URL, insecure = "false" }, "'insecure' must be a boolean")
    refuses({ url = URL, insecure = 0 }, "'insecure' must be a boolean")
  end)

  it("checks numbers", function()
    refuses({ url = URL, timeout = 0 }, "'timeout' must be positive")
    refuses({ url = URL, timeout = 0 / 0 }, "'timeout' must be positive")
    refuses({ url = URL, connect_timeout = "5" }, "must be a number of seconds")
    refuses({ url = URL, max_body = -1 }, "'max_body' must be a byte count")
    refuses({ url = URL, max_body = 0 / 0 }, "'max_body' must be a byte count")
  end)
end)

describe("gpucloud.core reading answers", function()
  local sim = fixture.use()
  local c
  before_each(function() c = core.new() end)
  after_each(function() c:close() end)

  -- The answer to one request whose response is exactly `raw`.
  local function answer(raw, extra)
    local rule = { path = "/raw", fault = "raw", raw = raw }
    for k, v in pairs(extra or {}) do rule[k] = v end
    assert(sim:inject(rule))
    return c:request { url = sim.url .. "/raw", timeout = 10 }
  end

  local function response(lines, body)
    body = body or "{}"
    return "HTTP/1.1 200 OK\r\n" .. table.concat(lines, "\r\n") .. "\r\nContent-Length: " .. #body
      .. "\r\n\r\n" .. body
  end

  it("joins a folded continuation line to its field, never reads it as a field", function()
    -- Before the fix " Retry-After: 0" came back as a header of its own.
    local res = assert(answer(response { "X-Note: 1", " Retry-After: 0", "\tand more" }))
    assert.is_nil(res.headers["retry-after"])
    assert.matches("^1%s+Retry%-After: 0%s+and more$", res.headers["x-note"])
  end)

  it("drops fields whose name is not a token", function()
    local res = assert(answer(response { "X A: 1", "X-B : 2", "X-C:3", "(x): 4", "X-D:" }))
    assert.is_nil(res.headers["x a"])
    assert.is_nil(res.headers["(x)"])
    assert.equal("2", res.headers["x-b"]) -- blanks before the colon are removed
    assert.equal("3", res.headers["x-c"])
    assert.equal("", res.headers["x-d"])
  end)

  it("lowercases names and joins repeated fields", function()
    local res = assert(answer(response { "Set-Thing: a", "SET-THING: b" }))
    assert.equal("a, b", res.headers["set-thing"])
  end)

  it("keeps only the last response's headers after a 1xx", function()
    local res = assert(answer("HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\n" .. response { "X-Late: 2" }))
    assert.equal(200, res.status)
    assert.is_nil(res.headers["x-early"])
    assert.equal("2", res.headers["x-late"])
  end)

  it("fails without raising on broken status lines", function()
    for _, raw in ipairs {
      "HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/9.9 200 OK\r\nContent-Length: 0\r\n\r\n",
      "garbage\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: 1\0\r\nContent-Length: 0\r\n\r\n",
      "",
    } do
      local res, err = answer(raw)
      assert.is_nil(res, raw)
      assert.equal("transport", err.code, raw)
      assert.is_string(err.message)
    end
  end)
end)
