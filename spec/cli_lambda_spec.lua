-- The Lambda Cloud commands as people and scripts run them (a child
-- process against the simulator), in its API's words: instances and
-- filesystems; ids checked before anything is sent; the Jupyter token
-- never printed; and the fleet showing Lambda with $/h beside the other
-- three providers.

local cli = require "support.cli"
local server = require "gpucloud.sim.server"

describe("gpucloud lambda commands", function()
  local sim, run

  -- What the Lambda seed holds that must never be printed.
  local SECRETS = { "lambda-sim-key-0123456789abcdef", "lambda-sim-inactive-key", "jt_simsecret" }

  setup(function()
    sim = assert(server.start {})
    run = cli.runner(sim)
  end)
  teardown(function()
    if sim then sim:stop() end
  end)
  before_each(function()
    assert(sim:reset())
  end)

  local function clean(r)
    for _, s in ipairs(SECRETS) do
      assert.is_nil(r.out:find(s, 1, true), "a secret in stdout")
      assert.is_nil(r.err:find(s, 1, true), "a secret in stderr")
    end
    return r
  end
  local function lam(...)
    return clean(run.run(run.with("lambda", { ... })))
  end
  local function decoded(r) return run.decoded(r) end
  local function sent(method) return run.sent(method) end

  local function thing(kind, id)
    for _, x in ipairs(assert(sim:state()).lambda[kind]) do
      if x.id == id then return x end
    end
  end

  it("instance list|get, filesystem list; the Jupyter token hidden in tables and JSON alike", function()
    local r = lam("instance", "list", "--filter", "status=active")
    assert.equal(0, r.code, r.err)
    assert.match("i%-train%-a100x8", r.out)
    assert.not_match("i%-booting%-h100", r.out)
    local all = decoded(lam("instance", "list", "--json"))
    assert.equal(9, #all)
    assert.equal(1, #decoded(lam("instance", "list", "--cluster-id", "cl-b200", "--json")))
    assert.equal("cluster_id=cl-b200", assert(sim:log())[3].query)
    local one = decoded(lam("instance", "get", "i-train-a100x8", "--json"))
    assert.equal("<hidden>", one.jupyter_token)
    assert.equal("<hidden>", one.jupyter_url)
    r = lam("instance", "get", "i-train-a100x8")
    assert.equal(0, r.code, r.err)
    assert.match("jupyter_token%s+<hidden>", r.out)
    assert.equal(4, #decoded(lam("filesystem", "list", "--json")))
  end)

  it("instance terminate goes through the bulk call and reports per id; --wait until gone", function()
    local r = lam("instance", "terminate", "i-dev-a10", "i-booting-h100", "--yes", "--json")
    assert.equal(1, r.code, r.err)
    local rep = decoded(r)
    assert.same({ "i-dev-a10" }, rep.ok)
    assert.equal("conflict", rep.failed["i-booting-h100"].code)
    assert.equal("vm-has-not-launched", rep.failed["i-booting-h100"].server_code)
    assert.equal("terminating", thing("instances", "i-dev-a10").status)
    r = lam("instance", "terminate", "i-terminating-a6000", "--wait")
    assert.equal(0, r.code, r.err)
    assert.match("terminated 1 instance in [%d.]+ s: i%-terminating%-a6000", r.out)
    assert.is_nil(thing("instances", "i-terminating-a6000"))
  end)

  it("filesystem delete: one in use is refused in Lambda's words, exit 1", function()
    local r = lam("filesystem", "delete", "fs-scratch", "fs-datasets", "--yes")
    assert.equal(1, r.code)
    assert.match("deleted 1 of 2 file systems, 1 failed", r.out)
    assert.match("fs%-datasets: .*400 conflict %(filesystems/filesystem%-in%-use%)", r.out)
    assert.is_nil(thing("filesystems", "fs-scratch"))
    assert.truthy(thing("filesystems", "fs-datasets"))
  end)

  it("a dry run sends nothing; ids that are not one path segment are exit 2, nothing sent", function()
    local r = lam("instance", "terminate", "i-dev-a10", "i-train-a100x8", "--dry-run")
    assert.equal(0, r.code, r.err)
    assert.match("would terminate 2 instances, nothing sent", r.out)
    -- the dry run read the listing, to name each instance, and changed nothing
    assert.match("\n  i%-dev%-a10 +dev%-box +active\n", r.out)
    assert.equal(sent(), sent("GET"))
    assert(sim:clear_log())
    for _, bad in ipairs { "a/b", "..", "" } do
      r = lam("filesystem", "delete", bad, "--yes")
      assert.equal(2, r.code, bad)
      assert.match("id must be", r.err)
    end
    r = lam("instance", "list", "--cluster-id", "a/b")
    assert.equal(2, r.code)
    assert.equal(0, sent())
  end)

  it("a bad key is exit 1 and says unauthorized, without the key; an inactive account is forbidden", function()
    local r = clean(run.run { "lambda", "instance", "terminate", "i-dev-a10", "--url", sim.url,
                              "--api-key", "lambda-wrong-key-123" })
    assert.equal(1, r.code)
    assert.match("unauthorized %(global/invalid%-api%-key%)", r.out .. r.err)
    assert.not_match("lambda%-wrong%-key", r.out .. r.err)
    assert.equal("active", thing("instances", "i-dev-a10").status)
    r = clean(run.run { "lambda", "filesystem", "list", "--url", sim.url, "--api-key", "lambda-sim-inactive-key" })
    assert.equal(1, r.code)
    assert.match("forbidden %(global/account%-inactive%)", r.err)
  end)

  it("no key: says where one goes", function()
    local r = run.run({ "lambda", "instance", "list", "--url", sim.url }, nil, { LAMBDA_API_KEY = false })
    assert.equal(1, r.code)
    assert.match("no Lambda Cloud API key: pass %-%-api%-key, or set LAMBDA_API_KEY", r.err)
  end)

  it("fleet list shows Lambda's things with $/h next to the other three providers'", function()
    local env = {
      VAST_URL = sim.url, VAST_API_KEY = sim.keys.vast, TENSORPOOL_ENGINE = sim.url,
      TENSORPOOL_KEY = sim.keys.tensorpool, RUNPOD_URL = sim.url, RUNPOD_API_KEY = sim.keys.runpod,
      LAMBDA_URL = sim.url, LAMBDA_API_KEY = sim.keys.lambda,
    }
    local r = clean(run.run({ "fleet", "list", "--json" }, nil, env))
    assert.equal(0, r.code, r.err)
    local providers, priced = {}, {}
    for _, row in ipairs(decoded(r)) do
      providers[row.provider] = true
      if type(row.cost_per_hour) == "number" then priced[row.provider] = true end
    end
    assert.same({ vast = true, tensorpool = true, runpod = true, lambda = true }, providers)
    assert.same({ vast = true, tensorpool = true, runpod = true, lambda = true }, priced)
    r = clean(run.run({ "fleet", "list" }, nil, env))
    assert.equal(0, r.code, r.err)
    assert.match("lambda +instance +i%-train%-a100x8 +train%-llama +running +active +%$10%.32/h", r.out)
    r = clean(run.run({ "fleet", "list", "--provider", "lambda", "--kind", "filesystem", "--state", "idle" }, nil,
      { LAMBDA_URL = sim.url, LAMBDA_API_KEY = sim.keys.lambda }))
    assert.equal(0, r.code, r.err)
    assert.match("fs%-scratch", r.out)
    assert.not_match("fs%-datasets", r.out)
  end)
end)
