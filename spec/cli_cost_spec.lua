-- The command line's money (issue 21): `fleet list` says every row's cost
-- or why not, and its totals; --older-than and --cost-above say what they
-- left out; `fleet cost`; --prices; the new provider commands.

local cli = require "support.cli"
local providers = require "gpucloud.providers"
local server = require "gpucloud.sim.server"

local unpack = table.unpack or unpack -- luacheck: ignore
local NOW = 1767312000 -- 2026-01-02 00:00 UTC

describe("gpucloud command line: costs", function()
  local sim, run, env, dir

  setup(function()
    sim = assert(server.start { config = { retry_after = "0" } })
    run = cli.runner(sim)
    -- every registered provider pointed at the simulator, with its key
    env = {}
    for _, pair in ipairs(server.env(sim)) do env[pair[1]] = pair[2] end
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. server.shell_quote(dir)))
  end)
  teardown(function()
    if sim then sim:stop() end
    os.execute("rm -rf " .. server.shell_quote(dir))
  end)
  before_each(function()
    assert(sim:reset())
    assert(sim:config { now = NOW })
  end)

  local function fleet(...) return run.run({ "fleet", ... }, nil, env) end

  local function file(name, text)
    local path = dir .. "/" .. name
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
    return path
  end

  it("fleet list --json gives every row of every provider's kinds a $/h or the reason it has none", function()
    local r = fleet("list", "--json")
    assert.equal(0, r.code, r.err)
    local rows = run.decoded(r)
    local kinds = {}
    for _, row in ipairs(rows) do
      kinds[row.provider .. ":" .. row.kind] = true
      assert.truthy((type(row.cost_per_hour) == "number") ~= (type(row.cost_unknown) == "string"), row.key)
    end
    -- every kind of every registered provider is in the simulator's seed
    local n = 0
    for _, p in ipairs(providers.parts("fleet")) do
      for k in pairs(p.module.kinds) do
        n = n + 1
        assert.truthy(kinds[p.name .. ":" .. k], p.name .. ":" .. k)
      end
    end
    assert.is_true(n >= 14)
    assert.not_match("SECRET", r.out) -- a deployment's env
  end)

  it("fleet list's total line: $/h now, after pending increases, and how many are unknown", function()
    local r = fleet("list", "--provider", "vast", "--kind", "instance")
    assert.equal(0, r.code, r.err)
    -- the increase's column, blank where none is pending
    assert.match("^provider +kind +id +name +state +status +age +%$/h +%$/h after increase +protected\n", r.out)
    assert.match("\nvast +instance +5001 +ci +running +running +%S+ +%$0%.452/h +%$0%.495/h +false\n", r.out)
    assert.match("\nvast +instance +5002 +ci +running +running +%S+ +%$0%.398/h +false\n", r.out)
    assert.match("\ntotal +%$8%.062/h +%$8%.105/h\n%(13 items%)\n$", r.out)
    -- one total line, under the table
    local _, n = r.out:gsub("total", "")
    assert.equal(1, n)
    -- unknown costs: -, counted, and where to read why
    r = fleet("list", "--provider", "vast", "--kind", "endpoint", "--kind", "workergroup")
    assert.equal(0, r.code, r.err)
    assert.match("\nvast +endpoint +102 +sdxl%-turbo +idle +active +%S+ +%- +false\n", r.out)
    assert.match("\ntotal +%$0%.00/h\n%(14 items, 13 without a cost, not in the total: "
      .. "%-%-columns key,cost_unknown says why%)\n$", r.out)
    r = fleet("list", "--provider", "vast", "--kind", "workergroup", "--columns", "key,cost_unknown")
    assert.match("\nvast:workergroup:201 +its workers bill as instances, counted in vast:endpoint:101\n", r.out)
  end)

  it("fleet list's total counts each thing once: an endpoint's $/h is its workers' instances'", function()
    local tbl = require "gpucloud.cli.table"
    local cols = { { field = "key", title = "key" }, { field = "cost_per_hour", title = "$/h", format = "money/h" } }
    local rows = {
      { key = "vast:instance:1", cost_per_hour = 0.5 },
      { key = "vast:endpoint:9", cost_per_hour = 0.5, cost_parts = { ["vast:instance:1"] = 0.5 } },
      { key = "vast:workergroup:3", cost_unknown = "counted in vast:endpoint:9" },
    }
    local text = tbl.render(rows, cols, true, 0, require("gpucloud.cli.fleet").sums)
    assert.match("\ntotal +%$0%.50/h\n%(3 items, 1 without a cost, not in the total: %-%-columns key,cost_unknown "
      .. "says why%)$", text)
    -- the same rows summed as any list would be: twice
    assert.match("\ntotal +%$1%.00/h\n", tbl.render(rows, cols, true, 0))
    -- and over the simulator's fleet, the table's total is the fleet's
    local only = { "--provider", "vast", "--provider", "tensorpool", "--provider", "runpod" }
    local r = fleet("list", "--json", unpack(only))
    assert.equal(0, r.code, r.err)
    local t = require("gpucloud.fleet.cost").totals(run.decoded(r))
    text = fleet("list", unpack(only)).out
    assert.near(t.now, tonumber(text:match("\ntotal +%$([%d.]+)/h")), 0.001)
    assert.match(string.format("%%(%d items, %d without a cost, not in the total", #run.decoded(r), t.unknown), text)
  end)

  it("says how many rows a filter on age or cost left out, and why", function()
    local r = fleet("list", "--kind", "cluster", "--older-than", "1h")
    assert.equal(0, r.code, r.err)
    assert.match("gpucloud: note: --older-than left out 6 things whose age is unknown: "
      .. "tensorpool cluster (6): TensorPool's cluster list carries no creation time", r.err, 1, true)
    assert.not_match("c%-train", r.out)
    r = fleet("list", "--kind", "job", "--cost-above", "0")
    assert.match("(empty list)", r.out, 1, true)
    assert.match("--cost-above left out 8 things whose $/h is unknown: tensorpool job (8): no rate of its own",
      r.err, 1, true)
    r = fleet("delete", "--kind", "cluster", "--state", "running", "--dry-run")
    assert.equal(0, r.code, r.err)
    assert.match("saving $2.49/h (4 without a known cost)", r.out, 1, true)
    assert.equal(2, fleet("list", "--cost-above", "cheap").code)
  end)

  it("--prices prices what no answer does, and refuses a bad file", function()
    local path = file("prices.json", '{"tensorpool": {"instance_types": {"8xA100": 14.0, "1xH100": 3.0}}}')
    local r = fleet("list", "--kind", "cluster", "--json", "--prices", path)
    assert.equal(0, r.code, r.err)
    for _, row in ipairs(run.decoded(r)) do
      if row.id == "c-train-a100x8" then assert.equal(28, row.cost_per_hour) end
      if row.id == "c-empty" then assert.equal(3, row.cost_per_hour) end
    end
    r = fleet("list", "--prices", file("bad.json", '{"tensorpool": {"storage_gb_month": -1}}'))
    assert.equal(2, r.code)
    assert.match("tensorpool.storage_gb_month is negative", r.err, 1, true)
    assert.equal(2, fleet("list", "--prices", dir .. "/none.json").code)
  end)

  it("fleet cost prints estimate, billed and the difference, by what is asked, and --json", function()
    -- (Vast.ai's bill and TensorPool's estimates: RunPod's and Lambda's are below)
    local only = { "--provider", "vast", "--provider", "tensorpool" }
    local r = fleet("cost", "--since", "2026-01-01", "--until", "2026-01-02", "--by", "kind", unpack(only))
    assert.equal(0, r.code, r.err)
    assert.match("costs from 2026-01-01 00:00 UTC to 2026-01-02 00:00 UTC, by kind", r.out, 1, true)
    assert.match("\ninstance +13 +%$[%d.]+ +%$[%d.]+ +%+%$1%.252 +1 not billed yet\n", r.out)
    -- the table's total line is the report's totals; what they leave out is said under it
    assert.match("\ntotal +%$229%.231 +%$190%.778 +%+%$1%.252\n%(9 items%)\n", r.out)
    assert.match("\nof 60 things: 1 billed and gone; 17 listed and not billed yet; ", r.out)
    r = fleet("cost", "--since", "2026-01-01", "--until", "2026-01-02", "--json", unpack(only))
    assert.equal(0, r.code, r.err)
    local doc = run.decoded(r)
    assert.equal("thing", doc.by)
    assert.same({ 1767225600, NOW }, { doc.from, doc.to })
    local gone
    for _, row in ipairs(doc.rows) do
      if row.key == "vast:volume:2990" then gone = row end
    end
    assert.is_true(gone.gone)
    assert.near(1.25, doc.totals.difference, 0.01)
    assert.equal(2, fleet("cost").code, "--since is required")
    assert.equal(2, fleet("cost", "--since", "last week").code)
  end)

  it("fleet cost reads RunPod's bill beside its estimates, and says Lambda has none", function()
    local r = fleet("cost", "--since", "2026-06-01", "--until", "2026-06-03", "--provider", "runpod",
      "--provider", "lambda", "--json")
    assert.equal(0, r.code, r.err)
    local doc = run.decoded(r)
    local by = {}
    for _, row in ipairs(doc.rows) do by[row.key] = row end
    -- RunPod's billing records, by thing: the pod's two days, the volume's
    local pod = by["runpod:pod:pod-train-h100"]
    assert.near(35.88 + 72.24, pod.billed, 1e-6)
    assert.is_number(pod.estimate)
    assert.near(pod.billed - pod.estimate, pod.difference, 1e-6)
    assert.near(2.4, by["runpod:volume:nv-datasets"].billed, 1e-6)
    assert.near(65.28, by["runpod:endpoint:ep-idle"].billed, 1e-6)
    -- Lambda: estimates, no bill, and why
    local inst = by["lambda:instance:i-train-a100x8"]
    assert.is_nil(inst.billed)
    assert.match("no billing history", inst.billed_unknown, 1, true)
    assert.match("no billing history", doc.no_bill.lambda, 1, true)
    assert.is_nil(doc.no_bill.runpod)
    r = fleet("cost", "--since", "2026-06-01", "--until", "2026-06-03", "--provider", "runpod",
      "--provider", "lambda", "--by", "provider")
    assert.equal(0, r.code, r.err)
    assert.match("\nrunpod +%d+ +%$[%d.]+ +%$[%d.]+", r.out)
    assert.match("no bill from lambda: Lambda's API has no billing history", r.out, 1, true)
  end)

  it("runs the new provider commands, and a non-empty bucket's delete fails saying so", function()
    local r = run.vast("show", "charges", "--since", "2026-01-01", "--until", "2026-01-01", "--json")
    assert.equal(0, r.code, r.err)
    assert.truthy(#run.decoded(r) > 0)
    assert.equal(2, run.vast("show", "charges").code, "--since is required")
    assert.equal(2, run.vast("show", "charges", "--since", "2026-13-01").code)
    assert.equal(0, run.vast("show", "pending-price-increases").code)
    assert.equal(0, run.vast("show", "deployments").code)
    r = run.tp("bucket", "delete", "datasets-raw")
    assert.equal(1, r.code)
    assert.match("bucket datasets-raw is not empty", r.out .. r.err, 1, true)
    r = run.tp("bucket", "list", "--json")
    assert.equal(3, #run.decoded(r))
    assert.equal(0, run.tp("storage", "quote", "100").code)
  end)
end)
