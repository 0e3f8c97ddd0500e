-- gpucloud.define: rows made a client class: each method checks its
-- arguments and options before anything is sent, raises at the caller's
-- line on misuse, and the client closes once and refuses calls after.

local gpucloud = require "gpucloud"
local transport = require "support.transport"

local recorder, vast_with, tp_with = transport.recorder, transport.vast_with, transport.tp_with

describe("invalid arguments raise before anything is sent", function()
  local bad_ids = { "../x", -1, 0, 1.5, "abc", "102", 0 / 0, math.huge, 2 ^ 53 + 2, true, {} }
  for _, bad in ipairs(bad_ids) do
    it("id " .. tostring(bad), function()
      local t = recorder()
      local vast = vast_with(t)
      for _, op in ipairs { "delete_workergroup", "delete_endpoint", "get_workergroup_workers", "get_endpoint_workers" } do
        assert.has_error(function() vast[op](vast, bad) end)
      end
      assert.equal(0, #t.requests)
    end)
  end

  it("a nil id", function()
    local t = recorder()
    local vast = vast_with(t)
    local okk, err = pcall(vast.delete_endpoint, vast)
    assert.is_false(okk)
    assert.match("vast.delete_endpoint: id must be a positive integer up to 2^53, got nil", err, 1, true)
    assert.equal(0, #t.requests)
  end)

  for _, bad in ipairs { "", "a/b", "../etc", ".", "..", "a\nb", "a\rb", "a\0b", 42, ("x"):rep(300) } do
    it("cluster id " .. string.format("%q", tostring(bad)):sub(1, 30), function()
      local t = recorder()
      local tp = tp_with(t)
      assert.has_error(function() tp:destroy_cluster(bad) end)
      assert.has_error(function() tp:get_request_info(bad) end)
      assert.equal(0, #t.requests)
    end)
  end

  it("the error points at the caller's line", function()
    local vast = vast_with(recorder())
    local okk, err = pcall(function() vast:delete_endpoint("x") end)
    assert.is_false(okk)
    assert.match("define_spec.lua:%d+: vast.delete_endpoint", err)
  end)

  it("a method called with a dot", function()
    local vast = vast_with(recorder())
    assert.has_error(function() vast.delete_endpoint(5) end)
  end)

  it("unknown options and bad option values", function()
    local t = recorder()
    local vast = vast_with(t)
    assert.has_error(function() vast:delete_endpoint(1, { timout = 5 }) end)
    assert.has_error(function() vast:delete_endpoint(1, { timeout = -1 }) end)
    assert.has_error(function() vast:delete_endpoint(1, "fast") end)
    assert.has_error(function() tp_with(t):list_clusters { include_org = "yes" } end)
    assert.has_error(function() gpucloud.vast { api_ky = "x" } end)
    assert.has_error(function() gpucloud.vast { url = "console.vast.ai" } end)
    assert.has_error(function() gpucloud.vast { timeout = 0 } end)
    assert.has_error(function() gpucloud.vast { transport = "curl" } end)
    assert.equal(0, #t.requests)
  end)

  it("a key with CR/LF", function()
    assert.has_error(function() gpucloud.vast { api_key = "abc\r\nX-Evil: 1" } end)
    local t = recorder()
    local vast = gpucloud.vast {
      transport = t.fn,
      getenv = function(n) if n == "VAST_API_KEY" then return "abc\ndef" end end,
    }
    local okk, err = pcall(vast.show_endpoints, vast)
    assert.is_false(okk)
    assert.match("VAST_API_KEY contains control characters", err)
    assert.not_match("abc", err)
    assert.equal(0, #t.requests)
  end)
end)

describe("clients", function()
  it("close idempotently, and refuse calls after", function()
    local vast = vast_with(recorder())
    vast:close()
    vast:close()
    assert.has_error(function() vast:show_endpoints() end)
    assert.match("closed", tostring(vast))
  end)
end)
