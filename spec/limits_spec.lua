-- Limits on what a server (or a man in the middle) can make the client
-- take in: body size, header count and size, and redirects, which are not
-- followed so the Authorization header stays with the host it was meant for.

local gpucloud = require "gpucloud"
local core = require "gpucloud.core"
local server = require "gpucloud.sim.server"
local fixture = require "support.sim"

local function no_env() end

describe("limits", function()
  local sim = fixture.use()
  local vast
  -- one attempt: each answer is judged on its own (call_spec covers retries)
  before_each(function() vast = sim:vast { retries = 0 } end)

  local function raw_answer(raw, extra)
    local rule = { method = "GET", path = "/api/v0/endptjobs/", fault = "raw", raw = raw }
    for k, v in pairs(extra or {}) do rule[k] = v end
    assert(sim:inject(rule))
  end

  describe("max_body", function()
    it("refuses a declared Content-Length over the limit before reading the body", function()
      local eps, err = vast:show_endpoints { max_body = 100 }
      assert.is_nil(eps)
      assert.equal("too_large", err.code)
      assert.equal("vast.show_endpoints", err.op)
      assert.is_false(err.retryable)
    end)

    -- (as soon as: before the rest is sent, in real time: wallclock_spec.lua)
    it("stops a chunked body that passes the limit", function()
      -- 20 chunks of 1 KiB, 0.25 s apart: reading it all would take 5 s.
      local pieces = { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" }
      for _ = 1, 20 do pieces[#pieces + 1] = "400\r\n" .. string.rep(" ", 1024) .. "\r\n" end
      pieces[#pieces + 1] = "0\r\n\r\n"
      raw_answer(pieces, { pause = 0.01 })
      local eps, err = vast:show_endpoints { max_body = 2048 }
      assert.is_nil(eps)
      assert.equal("too_large", err.code)
      assert.matches("body larger than the limit of 2048 bytes", err.message)
    end)

    it("reads an answer exactly at the limit", function()
      local body = '{"success":true,"results":[]}'
      raw_answer("HTTP/1.1 200 OK\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body)
      assert.same({}, assert(vast:show_endpoints { max_body = #body }))
    end)

    it("is a client option too", function()
      local small = gpucloud.vast { url = sim.url, api_key = sim.keys.vast, getenv = no_env, max_body = 10 }
      local eps, err = small:show_endpoints()
      small:close()
      assert.is_nil(eps)
      assert.equal("too_large", err.code)
    end)
  end)

  describe("headers", function()
    local function with_headers(n, size, body)
      body = body or "{}"
      local lines = { "HTTP/1.1 200 OK\r\n" }
      for i = 1, n do lines[#lines + 1] = ("X-%d: %s\r\n"):format(i, string.rep("v", size)) end
      lines[#lines + 1] = "Content-Length: " .. #body .. "\r\n\r\n" .. body
      return table.concat(lines)
    end

    it("refuses more than 500 header lines, saying so", function()
      -- Before the fix the message blamed the body limit.
      raw_answer(with_headers(600, 1))
      local eps, err = vast:show_endpoints()
      assert.is_nil(eps)
      assert.equal("too_large", err.code)
      assert.matches("more than 500 header lines", err.message)
    end)

    it("refuses more than 256 KiB of headers", function()
      raw_answer(with_headers(300, 1000))
      local eps, err = vast:show_endpoints()
      assert.is_nil(eps)
      assert.equal("too_large", err.code)
      assert.matches("headers larger than 262144 bytes", err.message)
    end)

    it("reads an answer just inside both limits", function()
      raw_answer(with_headers(400, 600, '{"success":true,"results":[]}'))
      assert.same({}, assert(vast:show_endpoints()))
    end)

    it("fails, without raising, on one header line over libcurl's own cap", function()
      raw_answer(with_headers(1, 200 * 1024))
      local eps, err = vast:show_endpoints()
      assert.is_nil(eps)
      assert.is_string(err.code)
    end)
  end)

  describe("redirects", function()
    local other

    setup(function() other = assert(server.start {}) end)
    teardown(function() other:stop() end)

    it("are returned as they are, and nothing reaches the other host", function()
      assert(other:clear_log())
      local location = other.url .. "/api/v0/endptjobs/"
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 302,
        headers = { Location = location }, body = "" })
      local eps, err = vast:show_endpoints()
      assert.is_nil(eps)
      assert.equal(302, err.status)
      assert.equal(0, #assert(other:log()))
    end)

    it("are not followed by the core either, whatever the method", function()
      local c = core.new()
      for _, method in ipairs { "GET", "POST", "DELETE" } do
        assert(sim:inject { path = "/moved", status = 307, headers = { Location = other.url .. "/x" }, body = "" })
        local res = assert(c:request { method = method, url = sim.url .. "/moved",
          headers = { Authorization = "Bearer " .. sim.keys.vast } })
        assert.equal(307, res.status)
        assert.equal(other.url .. "/x", res.headers.location)
      end
      c:close()
      assert.equal(0, #assert(other:log()))
    end)
  end)
end)

-- The ceilings have one home, src/ceilings.h: Lua reads them through the
-- core, and the copy for nginx without core.so is generated from it.
describe("gpucloud.limits", function()
  it("is the core's ceilings, and the generated copy says the same", function()
    local limits = require "gpucloud.limits"
    assert.same(core.limits(), limits)
    local copy = assert(loadfile("lua/gpucloud/limits.lua", "t", { pcall = function() return false end,
                                                                   require = require, type = type }))()
    assert.same(core.limits(), copy)
    assert.equal(256 * 1024, limits.header_bytes)
  end)
end)
