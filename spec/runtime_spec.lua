-- The runtime choice, outside nginx (a stand-in `ngx` table gives the
-- phase). Inside nginx: openresty_spec.lua.

local runtime = require "gpucloud.runtime"
local ngx_rt = require "gpucloud.runtime.ngx"
local server = require "gpucloud.sim.server"
local support_sim = require "support.sim"

local function with_ngx(phase, fn, extra)
  local saved = rawget(_G, "ngx")
  local fake = { get_phase = function() return phase end, socket = {} }
  for k, v in pairs(extra or {}) do fake[k] = v end
  rawset(_G, "ngx", fake)
  local ok, err = pcall(fn)
  rawset(_G, "ngx", saved)
  assert(ok, err)
end

describe("runtime choice", function()
  it("is libcurl outside nginx", function()
    assert.is_false(ngx_rt.available())
    assert.equal("curl", runtime.current())
    assert.equal("curl", runtime.concrete(runtime.auto()).kind)
  end)

  it("is cosockets in the phases that allow them, libcurl in the others", function()
    for _, phase in ipairs { "rewrite", "access", "content", "timer", "ssl_cert" } do
      with_ngx(phase, function() assert.equal("ngx", runtime.current(), phase) end)
    end
    for _, phase in ipairs { "init", "init_worker", "set", "header_filter", "body_filter", "log", "balancer" } do
      with_ngx(phase, function() assert.equal("curl", runtime.current(), phase) end)
    end
  end)

  it("auto talks to the simulator through libcurl here, and closes idempotently", function()
    local s = assert(server.start())
    local rt = runtime.auto()
    local res = assert(rt.request { url = s.url .. "/_sim/health", timeout = 5 })
    assert.equal(200, res.status)
    rt.close()
    rt.close()
    -- a later call opens a new handle rather than using the closed one
    assert.equal(200, assert(rt.request { url = s.url .. "/_sim/health", timeout = 5 }).status)
    rt.close()
    s:stop()
  end)

  it("auto sleeps through nginx where the phase allows it, through the C core elsewhere", function()
    local slept = {}
    local fake = { sleep = function(s) slept[#slept + 1] = s end, now = function() return 42 end,
                   update_time = function() end }
    local rt = runtime.auto()
    with_ngx("timer", function()
      rt.sleep(0.5)
      assert.equal(42, rt.now())
    end, fake)
    assert.same({ 0.5 }, slept)
    -- init_by_lua cannot ngx.sleep: the C core waits instead
    with_ngx("init", function()
      rt.sleep(0.01)
      assert.is_true(rt.now() ~= 42)
    end, fake)
    assert.same({ 0.5 }, slept)
  end)

  it("resolves each setting to a runtime with the whole interface", function()
    local fn = function() return { status = 200, headers = {}, body = "{}" } end
    local custom = { request = fn, now = function() return 1 end, sleep = function() end }
    for _, setting in ipairs { "auto", "curl", "ngx", fn, custom } do
      local rt = runtime.resolve(setting)
      for _, k in ipairs { "request", "now", "sleep", "run_all", "close" } do
        assert.is_function(rt[k], tostring(setting) .. " has " .. k)
      end
    end
    assert.equal(1, runtime.resolve(custom).now())
  end)
end)

describe("run_all of a runtime around a function", function()
  it("runs the tasks in order, each with the runtime, and keeps every result", function()
    local rt = runtime.resolve(function() end)
    local order, done = {}, {}
    local results = rt.run_all({
      function(r) order[#order + 1] = 1 assert.equal(rt, r) return "a" end,
      function() order[#order + 1] = 2 return nil, "failed" end,
    }, 4, function(n, total) done[#done + 1] = n .. "/" .. total end)
    assert.same({ 1, 2 }, order)
    assert.same({ { "a", nil }, { nil, "failed" } }, results)
    assert.same({ "1/2", "2/2" }, done)
    assert.same({}, rt.run_all({}, 2))
  end)
end)

describe("the curl runtime's scheduler", function()
  local s = support_sim.use()

  it("runs nested groups of tasks over one multi handle", function()
    local rt = runtime.resolve("curl")
    local url = s.url .. "/_sim/health"
    local function get(r) return r.request { url = url, timeout = 5 } end
    local results = rt.run_all({
      function(r)
        local inner = r.run_all({ get, get, get }, 2)
        return #inner, inner[3][1].status
      end,
      function(r)
        r.sleep(0.01)
        return get(r).status
      end,
      function(r) return #r.run_all({}, 1) end,
    }, 3)
    assert.same({ 3, 200 }, results[1])
    assert.same({ 200, nil }, results[2])
    assert.same({ 0, nil }, results[3])
    local easy, multi = rt.handles()
    assert.is_nil(easy)
    assert.truthy(multi)
    rt.close()
    assert.is_nil((rt.handles()))
  end)

  it("lets a raise in a task reach the caller", function()
    local rt = runtime.resolve("curl")
    assert.has_error(function() rt.run_all({ function() error("boom", 0) end }, 1) end, "boom")
    rt.close()
  end)
end)

describe("a client with the curl runtime forced", function()
  it("runs a 200-id bulk delete concurrently over its multi handle, and closes its handles", function()
    local gpucloud = require "gpucloud"
    local define = require "gpucloud.define"
    local fixture = require "gpucloud.sim.fixture"
    local fx = assert(fixture.load())
    local ids = {}
    for i = 1, 200 do
      ids[i] = 5000 + i
      fx.vast.workergroups[#fx.vast.workergroups + 1] = { id = 5000 + i, endpoint_id = 101 }
    end
    local s = assert(server.start { fixture = fx })
    -- 20 ms an answer: the simulator holds many at once when they run at once
    assert(s:inject { method = "DELETE", path = "/api/v0/workergroups/{id}/", delay = 0.02, times = -1 })
    local vast = gpucloud.vast { url = s.url, api_key = s.keys.vast, runtime = "curl", getenv = function() end }
    local r = vast:delete_workergroups(ids, { rate = false, concurrency = 16, max = 200 })
    assert.equal(200, #r.ok, tostring(r))
    local held = assert(s:stats()).max_held
    assert.is_true(held > 1 and held <= 16, "held " .. held .. " at once")
    local rt = define.runtime_of(vast)
    assert.equal("curl", rt.kind)
    local _, multi = rt.handles()
    assert.truthy(multi, "the bulk call used the runtime's multi handle")
    vast:close()
    assert.is_nil((rt.handles()))
    assert.is_nil(select(2, rt.handles()))
    assert.has_error(function() multi:add { url = s.url } end, "gpucloud.core: attempt to use a closed multi")
    s:stop()
  end)
end)
