-- The TensorPool commands beyond clusters, as people and scripts run them
-- (a child process against the simulator): storage, jobs, cluster info and
-- edits, and deletion protection on the command line.

local cli = require "support.cli"
local server = require "gpucloud.sim.server"

describe("gpucloud tensorpool commands", function()
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

  local function tp(...) return run.tp(...) end
  local function decoded(r) return run.decoded(r) end
  local function sent(method) return run.sent(method) end

  local function thing(kind, id)
    for _, x in ipairs(assert(sim:state()).tensorpool[kind]) do
      if x.id == id or x.cluster_id == id then return x end
    end
  end

  it("storage list|info, job list|info, cluster info print tables and records", function()
    local r = tp("storage", "list", "--filter", "deletion_protection=true")
    assert.equal(0, r.code)
    assert.match("s%-checkpoints", r.out)
    assert.not_match("s%-scratch", r.out)
    local volumes = decoded(tp("storage", "list", "--json", "--org"))
    assert.equal(8, #volumes)
    assert.equal("include_org=true", assert(sim:log())[2].query)
    assert.equal("s-scratch", decoded(tp("storage", "info", "s-scratch", "--json")).id)
    assert.match("status%s+running", tp("job", "info", "j-train-001").out)
    assert.equal(8, #decoded(tp("job", "list", "--json")))
    assert.equal("dev-box", decoded(tp("cluster", "info", "c-dev-h100", "--json")).name)
  end)

  it("cluster edit sends the fields given; with none it is a usage error that sends nothing", function()
    local r = tp("cluster", "edit", "c-dev-h100")
    assert.equal(2, r.code)
    assert.match("give at least one of %-%-name, %-%-deletion%-protection", r.err)
    r = tp("cluster", "edit", "c-dev-h100", "--deletion-protection", "yes")
    assert.equal(2, r.code)
    assert.equal(0, sent())
    local v = decoded(tp("cluster", "edit", "c-dev-h100", "--deletion-protection", "true", "--json"))
    assert.is_string(v.request_id)
    local e = assert(sim:log())[1]
    assert.equal("PATCH", e.method)
    assert.equal('{"deletion_protection":true}', e.body)
    r = tp("storage", "edit", "s-scratch", "--size-gb", "60", "--name", "bigger", "--json")
    assert.equal(0, r.code)
    r = tp("storage", "edit", "s-scratch", "--size-gb", "0")
    assert.equal(2, r.code)
  end)

  it("cluster destroy of a protected cluster names --unprotect; with it, the cluster goes", function()
    local r = tp("cluster", "destroy", "c-prod-serving", "--json")
    assert.equal(1, r.code)
    local err = decoded(r).failed["c-prod-serving"]
    assert.equal("conflict", err.code)
    assert.is_true(err.protected)
    assert.match("%-%-unprotect", err.message)
    r = tp("cluster", "destroy", "c-prod-serving", "c-dev-h100", "--unprotect", "--wait", "--yes", "--json")
    assert.equal(0, r.code, r.out .. r.err)
    local report = decoded(r)
    assert.same({ "c-prod-serving" }, report.unprotected)
    assert.same({ "c-prod-serving", "c-dev-h100" }, report.ok)
    assert.is_nil(thing("clusters", "c-prod-serving"))
  end)

  it("a dry run says which ids are protected, in text and JSON, and changes nothing", function()
    local r = tp("storage", "destroy", "s-scratch", "s-checkpoints", "--dry-run")
    assert.equal(0, r.code)
    assert.match("^dry run: would destroy 2 storage volumes, nothing sent:\n  s%-scratch      scratch      READY\n",
      r.out)
    -- the hint in the command line's words, not the library's option
    assert.match("deletion protection on: s%-checkpoints %(refused unless %-%-unprotect%)", r.out)
    local report = decoded(tp("storage", "destroy", "s-scratch", "s-checkpoints", "--dry-run", "--unprotect",
      "--json"))
    assert.same({ "s-checkpoints" }, report.protected)
    assert.equal(0, sent("DELETE") + sent("PATCH"))
  end)

  it("storage destroy --wait, job cancel --wait and job delete report per id", function()
    local r = tp("storage", "destroy", "s-scratch", "s-flaky", "--wait", "--yes", "--json")
    assert.equal(1, r.code)
    local report = decoded(r)
    assert.same({ "s-scratch" }, report.ok)
    assert.equal("failed", report.failed["s-flaky"].code)
    r = tp("job", "cancel", "j-train-001", "j-sweep-003", "--wait", "--yes", "--json")
    assert.equal(1, r.code)
    report = decoded(r)
    assert.same({ "j-train-001" }, report.ok)
    assert.equal("completed", report.failed["j-sweep-003"].job_status)
    r = tp("job", "cancel", "j-eval-002", "--wait")
    assert.equal(0, r.code)
    assert.match("^canceled 1 job in [%d.]+ s: j%-eval%-002\n", r.out)
    r = tp("job", "delete", "j-train-001", "j-done-005", "--yes")
    assert.equal(0, r.code)
    assert.match("^deleted 2 jobs in [%d.]+ s: j%-train%-001, j%-done%-005\n", r.out)
  end)
end)
