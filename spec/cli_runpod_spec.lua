-- The RunPod commands as people and scripts run them (a child process
-- against the simulator), in runpodctl's words: pods, serverless, network
-- volumes, the GPU catalog, billing; ids and options checked before
-- anything is sent; and the fleet showing RunPod beside the others.

local cli = require "support.cli"
local server = require "gpucloud.sim.server"

describe("gpucloud runpod commands", function()
  local sim, run

  -- What the RunPod seed holds that must never be printed.
  local SECRETS = { "rp-sim-key-0123456789abcdef", "rp-sim-readonly-key", "hf_simsecret_do_not_print" }

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

  local function rp(...)
    local r = run.run(run.with("runpod", { ... }))
    for _, s in ipairs(SECRETS) do
      assert.is_nil(r.out:find(s, 1, true), "a secret in stdout")
      assert.is_nil(r.err:find(s, 1, true), "a secret in stderr")
    end
    return r
  end
  local function decoded(r) return run.decoded(r) end
  local function sent(method) return run.sent(method) end

  local function thing(kind, id)
    for _, x in ipairs(assert(sim:state()).runpod[kind]) do
      if x.id == id then return x end
    end
  end

  it("pod list|get, serverless list|get|workers, network-volume list|get, gpu list", function()
    local r = rp("pod", "list", "--filter", "status=EXITED")
    assert.equal(0, r.code, r.err)
    assert.match("pod%-stopped%-a100", r.out)
    assert.not_match("pod%-train%-h100", r.out)
    assert.equal(10, #decoded(rp("pod", "list", "--include-cluster-pods", "--json")))
    assert.equal("includeClusterPods=true", assert(sim:log())[2].query)
    local pod = decoded(rp("pod", "get", "pod-train-h100", "--json"))
    assert.equal("<hidden>", pod.env, "a pod's env holds secrets")
    assert.equal(6, #decoded(rp("serverless", "list", "--json")))
    assert.equal("sdxl", decoded(rp("serverless", "get", "ep-idle", "--json")).name)
    assert.equal(2, #decoded(rp("serverless", "workers", "ep-busy", "--json")))
    assert.equal(7, #decoded(rp("network-volume", "list", "--json")))
    assert.equal(500, decoded(rp("network-volume", "get", "nv-datasets", "--json")).size)
    assert.equal(4, #decoded(rp("gpu", "list", "--json")))
  end)

  it("pod stop|start|delete go through the bulk calls and report per id", function()
    local r = rp("pod", "stop", "pod-dev-4090", "pod-stopped-a100", "--yes", "--json")
    assert.equal(0, r.code, r.err)
    assert.same({ "pod-dev-4090", "pod-stopped-a100" }, decoded(r).ok)
    assert.equal("EXITED", thing("pods", "pod-dev-4090").status)
    r = rp("pod", "start", "pod-dev-4090")
    assert.equal(0, r.code, r.err)
    r = rp("pod", "delete", "pod-error-l40", "pod-cluster-0", "--yes")
    assert.equal(1, r.code)
    assert.match("deleted 1 of 2 pods, 1 failed", r.out)
    assert.match("pod%-cluster%-0: .*409 conflict", r.out)
    assert.is_nil(thing("pods", "pod-error-l40"))
  end)

  it("a dry run sends nothing; more than one id without --yes off a terminal is refused", function()
    local r = rp("pod", "delete", "pod-dev-4090", "pod-train-h100", "--dry-run")
    assert.equal(0, r.code, r.err)
    assert.match("would delete 2 pods, nothing sent", r.out)
    -- the dry run read the listing, to name each pod, and changed nothing
    assert.match("\n  pod%-dev%-4090 +dev%-box +RUNNING\n", r.out)
    assert.equal(sent(), sent("GET"))
    assert(sim:clear_log())
    r = rp("network-volume", "delete", "nv-scratch", "nv-archive")
    assert.equal(2, r.code)
    assert.match("without %-%-yes", r.err)
    assert.equal(0, sent())
  end)

  it("ids and options are checked before anything is sent (exit 2)", function()
    for _, words in ipairs {
      { "pod", "get", "a/b" }, { "pod", "delete", ".." }, { "serverless", "get", "" },
      { "serverless", "update", "ep-idle" }, { "serverless", "update", "ep-idle", "--workers-max", "-1" },
      { "billing", "pods", "--start-time", "2026-06-01" }, { "billing", "pods", "--bucket-size", "minute" },
      { "billing", "pods", "--pod-id", "a/b" }, { "pod", "fly", "pod-dev-4090" },
    } do
      local r = rp((table.unpack or unpack)(words)) -- luacheck: ignore
      assert.equal(2, r.code, table.concat(words, " ") .. ": " .. r.err)
    end
    assert.equal(0, sent())
  end)

  it("serverless update and pause change the workers; delete deletes", function()
    local r = rp("serverless", "update", "ep-idle", "--workers-min", "0", "--idle-timeout", "30", "--json")
    assert.equal(0, r.code, r.err)
    assert.same({ 0, 2, 30 }, { decoded(r).workers.min, decoded(r).workers.max, decoded(r).workers.idleTimeout })
    assert.equal('{"workers":{"idleTimeout":30,"min":0}}', assert(sim:log())[1].body)
    r = rp("serverless", "pause", "ep-busy")
    assert.equal(0, r.code, r.err)
    assert.match("paused 1 endpoint in [%d.]+ s: ep%-busy", r.out)
    assert.equal(0, thing("endpoints", "ep-busy").workers.max)
    r = rp("serverless", "delete", "ep-empty")
    assert.equal(0, r.code, r.err)
    assert.is_nil(thing("endpoints", "ep-empty"))
  end)

  it("network-volume delete: an attached one fails (exit 1) and stays", function()
    local r = rp("network-volume", "delete", "nv-datasets", "nv-scratch", "--yes", "--json")
    assert.equal(1, r.code)
    local report = decoded(r)
    assert.same({ "nv-scratch" }, report.ok)
    assert.equal("conflict", report.failed["nv-datasets"].code)
    assert.truthy(thing("volumes", "nv-datasets"))
  end)

  it("billing pods|serverless|network-volume list the records of the window", function()
    local r = rp("billing", "pods", "--start-time", "2026-06-01T00:00:00Z", "--end-time", "2026-06-03T00:00:00Z",
      "--pod-id", "pod-train-h100", "--json")
    assert.equal(0, r.code, r.err)
    assert.equal(2, #decoded(r))
    assert.equal("startTime=2026-06-01T00%3A00%3A00Z&endTime=2026-06-03T00%3A00%3A00Z&podId=pod-train-h100",
      assert(sim:log())[1].query)
    r = rp("billing", "serverless", "--start-time", "2026-06-01T00:00:00Z", "--end-time", "2026-06-02T00:00:00Z",
      "--bucket-size", "hour", "--json")
    assert.equal(24, #decoded(r))
    r = rp("billing", "network-volume", "--last", "2", "--json")
    assert.equal(0, r.code, r.err)
    assert.equal("lastN=2", assert(sim:log())[3].query)
  end)

  it("a bad key is exit 1 and says unauthorized, without the key", function()
    local r = run.run { "runpod", "pod", "delete", "pod-dev-4090", "--url", sim.url, "--api-key", "rp-wrong-key-123" }
    assert.equal(1, r.code)
    assert.match("unauthorized", r.out .. r.err)
    assert.not_match("rp%-wrong%-key", r.out .. r.err)
    assert.truthy(thing("pods", "pod-dev-4090"))
  end)

  it("no key: says where one goes", function()
    local r = run.run({ "runpod", "pod", "list", "--url", sim.url }, nil,
      { RUNPOD_API_KEY = false, HOME = "/nonexistent" })
    assert.equal(1, r.code)
    assert.match("no RunPod API key: pass %-%-api%-key, or set RUNPOD_API_KEY", r.err)
  end)

  it("fleet list shows RunPod's things with $/h next to the other providers'", function()
    local r = run.run({ "fleet", "list", "--json" }, nil, {
      VAST_URL = sim.url, VAST_API_KEY = sim.keys.vast, TENSORPOOL_ENGINE = sim.url,
      TENSORPOOL_KEY = sim.keys.tensorpool, RUNPOD_URL = sim.url, RUNPOD_API_KEY = sim.keys.runpod,
      LAMBDA_URL = sim.url, LAMBDA_API_KEY = sim.keys.lambda,
    })
    assert.equal(0, r.code, r.err)
    local rows, providers, priced = decoded(r), {}, {}
    for _, row in ipairs(rows) do
      providers[row.provider] = true
      if type(row.cost_per_hour) == "number" then priced[row.provider] = true end
    end
    assert.is_true(providers.vast and providers.tensorpool and providers.runpod)
    assert.is_true(priced.vast and priced.tensorpool and priced.runpod)
    r = run.run({ "fleet", "list", "--provider", "runpod", "--kind", "volume", "--state", "idle" }, nil, {
      RUNPOD_URL = sim.url, RUNPOD_API_KEY = sim.keys.runpod,
    })
    assert.equal(0, r.code, r.err)
    assert.match("nv%-scratch", r.out)
    assert.not_match("nv%-datasets", r.out)
  end)
end)
