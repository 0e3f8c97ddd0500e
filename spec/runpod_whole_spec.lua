-- RunPod's whole-list rule (whole.lua: an answer that says it holds more
-- than it lists is bad_response, never a short list; billing names a thing
-- once per bucket) is the rows' own check (`check_answer`), so it holds on
-- every path a listing is read by: the methods, client:batch, and the
-- polls a bulk continuation makes through ctx:call, not only the methods.

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"
local virtual_runtime = require("support.unattended").virtual_runtime

local function no_env() end

describe("runpod's whole lists, on every path", function()
  local sim, rp

  setup(function() sim = assert(server.start {}) end)
  teardown(function() sim:stop() end)
  before_each(function()
    assert(sim:reset())
    rp = gpucloud.runpod { url = sim.url, api_key = sim.keys.runpod, getenv = no_env, runtime = virtual_runtime(),
                           backoff = { base = 0, max = 0 } }
  end)
  after_each(function() rp:close() end)

  -- workers that say there are two, listing none
  local SHORT = json.encode { workers = json.array(), summary = { total = 2, idle = 2 } }

  it("a pause followed with wait never takes a short workers listing for drained", function()
    assert(sim:inject { method = "GET", path = "/v2/serverless/{id}/workers", status = 200, body = SHORT,
                        times = -1 })
    local r = rp:pause_endpoints({ "ep-idle" }, { rate = false, wait = true, deadline = 20 })
    local err = r.failed["ep-idle"]
    assert.equal("timeout", err and err.code, tostring(r))
    assert.match("summary.total says 2, the answer lists 0", tostring(err.message))
    assert.is_true(err.may_have_landed)
  end)

  it("client:batch of a listing row is checked as the method is", function()
    assert(sim:inject { method = "GET", path = "/v2/serverless/{id}/workers", status = 200, body = SHORT })
    local r = rp:batch("list_endpoint_workers", { "ep-idle" }, { rate = false })
    local err = r.failed["ep-idle"]
    assert.equal("bad_response", err and err.code, tostring(r))
    assert.match("summary.total says 2, the answer lists 0", err.message)
  end)

  it("the methods keep the rule, and the list rows keep their own methods (no replacement)", function()
    assert(sim:inject { method = "GET", path = "/v2/serverless/{id}/workers", status = 200, body = SHORT })
    local v, err = rp:list_endpoint_workers("ep-idle")
    assert.is_nil(v)
    assert.equal("bad_response", err.code)
    local spec = require("gpucloud.providers").spec("runpod")
    for name, row in pairs(spec.ops) do
      if row.list then assert.is_nil(spec.methods and spec.methods[name], name) end
    end
  end)
end)
