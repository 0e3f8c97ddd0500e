-- The command line's words (issue 22): the official CLIs' words as
-- aliases, one report word per verb, nouns that agree with their count,
-- dry runs that read the listing and name each id (and those that do not
-- exist), hints in command-line words, strict filters, and fleet plans and
-- reports that name every thing.

local cli = require "support.cli"
local server = require "gpucloud.sim.server"

describe("gpucloud words", function()
  local sim, run

  setup(function()
    sim = assert(server.start { config = { retry_after = "0" } })
    run = cli.runner(sim)
  end)
  teardown(function()
    if sim then sim:stop() end
  end)
  before_each(function()
    assert(sim:reset())
  end)

  local function sent(method) return run.sent(method) end

  -- `gpucloud fleet ...` with the simulator's variables, no config file
  local function fleet(words)
    local env = { XDG_CONFIG_HOME = "/nonexistent" }
    for _, kv in ipairs(server.env(sim)) do env[kv[1]] = kv[2] or false end
    table.insert(words, 1, "fleet")
    return run.run(words, nil, env)
  end

  it("plural verbs and vastai's names are aliases of the same command; tp is tensorpool", function()
    local r = run.vast("destroy", "instances", "5006", "5007", "--yes")
    assert.equal(0, r.code, r.err)
    assert.match("^destroyed 2 instances in [%d.]+ s: 5006, 5007\n$", r.out)
    r = run.vast("get", "endpt-logs", "102", "--tail", "1")
    assert.equal(0, r.code, r.err)
    assert.match("line 40\n$", r.out)
    r = run.run(run.with("tensorpool", { "cluster", "list", "-o", "ids" }))
    local tp = run.run { "tp", "cluster", "list", "-o", "ids", "--url", sim.url, "--api-key", sim.keys.tensorpool }
    assert.equal(0, tp.code, tp.err)
    assert.equal(r.out, tp.out)
    assert.match("also: vast destroy instances", run.run { "vast", "--help" }.out)
  end)

  it("one report word per verb, and a singular for one", function()
    local r = run.vast("stop", "instance", "5001")
    assert.match("^stopped 1 instance in ", r.out)
    r = run.vast("start", "instance", "5001")
    assert.match("^started 1 instance in ", r.out)
    r = run.vast("delete", "endpoint", "103")
    assert.match("^deleted 1 endpoint in ", r.out)
    r = run.tp("job", "cancel", "j-eval-002")
    assert.match("^canceled 1 job in ", r.out)
    r = run.tp("cluster", "destroy", "c-empty")
    assert.match("^destroyed 1 cluster in ", r.out)
    r = run.vast("delete", "endpoint", "101", "102", "--max", "1")
    assert.equal(2, r.code)
    assert.match("refusing to delete 2 endpoints", r.err)
    r = run.vast("delete", "endpoint", "101", "102", "103", "--max", "0")
    assert.match("refusing to delete 3 endpoints", r.err)
    assert.not_match("1 endpoints", r.err)
  end)

  it("a dry run of given ids names each and says which do not exist; it only reads", function()
    local r = run.vast("delete", "endpoint", "999999", "102", "--dry-run")
    assert.equal(0, r.code, r.err)
    assert.equal("dry run: would delete 2 endpoints (1 of them does not exist), nothing sent:\n"
      .. "  999999  (does not exist)\n  102     sdxl-turbo        active\n", r.out)
    assert.equal(sent(), sent("GET"))
    local doc = run.decoded(run.vast("delete", "endpoint", "999999", "102", "--dry-run", "--json"))
    assert.same({ 999999 }, doc.missing)
  end)

  it("TensorPool's dry-run hint is in command-line words", function()
    local r = run.tp("cluster", "destroy", "c-prod-serving", "--dry-run")
    assert.match("deletion protection on: c%-prod%-serving %(refused unless %-%-unprotect%)", r.out)
    assert.not_match("unprotect = true", r.out)
  end)

  it("a filter on a field the items do not have is exit 2 naming theirs, negated too", function()
    for _, f in ipairs { "nosuchfield=1", "nosuchfield!=1" } do
      local r = run.vast("show", "endpoints", "--filter", f)
      assert.equal(2, r.code)
      assert.equal("", r.out)
      assert.match("^gpucloud: filter: no field nosuchfield in these items; they have: api_key, cold_mult,", r.err)
    end
    local r = run.vast("show", "endpoints", "--filter", "endpoint_state!=active", "-o", "ids")
    assert.equal("103\n", r.out)
  end)

  it("fleet delete's plan names each thing, why it was chosen, and what was skipped", function()
    -- (the providers of the figures below; RunPod and Lambda plan the same way)
    local r = fleet { "delete", "--state", "idle", "--dry-run", "--provider", "vast", "--provider", "tensorpool" }
    assert.equal(0, r.code, r.err)
    -- (every kind is priced or says why: the cost rules; endpoint 102's workers' instances are not listed)
    assert.match("^plan: delete 7 things, saving %$0%.13/h %(1 without a known cost%); selected by %-%-state idle:\n", r.out)
    assert.match("\n  vast endpoint%s+102%s+sdxl%-turbo%s+idle%s+%-%s+age ", r.out)
    assert.match("\n  tensorpool storage%s+s%-scratch%s+scratch%s+idle%s+%$0%.007/h", r.out)
    assert.match("\nskipped 1 with deletion protection on", r.out)
    assert.match("\n  tensorpool storage%s+s%-stuck%s+stuck", r.out)
    -- listings only (an endpoint's workers are read with a POST)
    assert.equal(0, sent("DELETE") + sent("PATCH"))
    r = fleet { "delete", "--kind", "workergroup", "--filter", "id=201", "--yes" }
    assert.equal(0, r.code, r.err)
    assert.match("\ndeleted 1 of 1 thing in [%d.]+ s\n  deleted  vast workergroup  201  vLLM%-Qwen3%-8B", r.out)
  end)

  it("a long plan is folded with a count", function()
    local r = fleet { "delete", "--dry-run", "--max", "100" }
    assert.equal(0, r.code, r.err)
    assert.match("\n  %.%.%. and %d+ more\n", r.out)
  end)
end)
