-- The transport choice and the spawn_all seam, outside nginx (a stand-in
-- `ngx` table gives the phase). Inside nginx: openresty_spec.lua.

local transport = require "gpucloud.transport"
local cosocket = require "gpucloud.transport.ngx"
local server = require "gpucloud.sim.server"

local function with_phase(phase, fn)
  local saved = rawget(_G, "ngx")
  rawset(_G, "ngx", { get_phase = function() return phase end, socket = {} })
  local ok, err = pcall(fn)
  rawset(_G, "ngx", saved)
  assert(ok, err)
end

describe("transport choice", function()
  it("is libcurl outside nginx", function()
    assert.is_false(cosocket.available())
    assert.equal("curl", transport.current())
  end)

  it("is cosockets in the phases that allow them, libcurl in the others", function()
    for _, phase in ipairs { "rewrite", "access", "content", "timer", "ssl_cert" } do
      with_phase(phase, function() assert.equal("ngx", transport.current(), phase) end)
    end
    for _, phase in ipairs { "init", "init_worker", "set", "header_filter", "body_filter", "log", "balancer" } do
      with_phase(phase, function() assert.equal("curl", transport.current(), phase) end)
    end
  end)

  it("auto() talks to the simulator through libcurl here, and closes idempotently", function()
    local s = assert(server.start())
    local fn, handle = transport.auto()
    local res = assert(fn { url = s.url .. "/_sim/health", timeout = 5 })
    assert.equal(200, res.status)
    handle:close()
    handle:close()
    -- a later call opens a new handle rather than using the closed one
    assert.equal(200, assert(fn { url = s.url .. "/_sim/health", timeout = 5 }).status)
    handle:close()
    s:stop()
  end)
end)

describe("the clock", function()
  local clock = require "gpucloud.clock"

  it("sleeps through nginx where the phase allows it, through the C core elsewhere", function()
    local slept = {}
    local function with_ngx(phase, fn)
      local saved = rawget(_G, "ngx")
      rawset(_G, "ngx", { get_phase = function() return phase end, socket = {},
        sleep = function(s) slept[#slept + 1] = s end, now = function() return 42 end, update_time = function() end })
      local ok, err = pcall(fn)
      rawset(_G, "ngx", saved)
      assert(ok, err)
    end
    with_ngx("timer", function()
      clock.sleep(0.5)
      assert.equal(42, clock.now())
    end)
    assert.same({ 0.5 }, slept)
    -- init_by_lua cannot ngx.sleep: the C core waits instead
    with_ngx("init", function()
      clock.sleep(0.01)
      assert.is_true(clock.now() ~= 42)
    end)
    assert.same({ 0.5 }, slept)
  end)
end)

describe("spawn_all outside a cosocket phase", function()
  it("runs the functions in order and keeps every result, raising ones included", function()
    local order = {}
    local results = cosocket.spawn_all({
      function() order[#order + 1] = 1 return "a", nil, "c" end,
      function() order[#order + 1] = 2 error("boom", 0) end,
      function() order[#order + 1] = 3 return nil, "failed" end,
    }, 2)
    assert.same({ 1, 2, 3 }, order)
    assert.same({ ok = true, n = 3, "a", nil, "c" }, results[1])
    assert.same({ ok = false, n = 1, "boom" }, results[2])
    assert.same({ ok = true, n = 2, nil, "failed" }, results[3])
    assert.same({}, cosocket.spawn_all({}))
  end)
end)
