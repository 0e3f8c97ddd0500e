-- Tables of RunPod's and Lambda's listings as people read them: the default
-- columns of their cli.lua, nested fields by a dotted path (gpu.id,
-- instance_type.name), Lambda's cents as dollars with a total, credentials
-- hidden whatever path reaches them, a fleet column shown only when some
-- row has it (idle for), runpodctl 1.x's words as aliases, and times with
-- an offset read as the instant they name.

local cli = require "support.cli"
local server = require "gpucloud.sim.server"
local tbl = require "gpucloud.cli.table"
local times = require "gpucloud.times"

describe("cli tables: dotted columns, cents, optional columns", function()
  local items = {
    { id = "a", gpu = { id = "H100", count = 2 }, env = { HF_TOKEN = "hf-secret-1" },
      instance_type = { price_cents_per_hour = 1032 } },
    { id = "b", gpu = { id = "A10" }, instance_type = { price_cents_per_hour = 75 } },
  }

  it("a dotted column is a nested field; one no item has is an error, as a field is", function()
    assert.equal("H100", tbl.get(items[1], "gpu.id"))
    assert.is_nil(tbl.get(items[2], "gpu.count"))
    assert.is_nil(tbl.get({ gpu = "x" }, "gpu.id"))
    local cols = assert(tbl.columns(items, {}, { "id", "gpu.id", "gpu.count" }))
    local s = tbl.render(items, cols, true, 0)
    assert.match("^id +gpu%.id +gpu%.count\na +H100 +2\nb +A10\n", s)
    local none, unknown = tbl.columns(items, {}, { "gpu.nosuch" })
    assert.is_nil(none)
    assert.same({ "gpu.nosuch" }, unknown)
    assert.match("\na,H100,2\nb,A10,$", tbl.csv(items, cols, tostring))
  end)

  it("cents/h shows dollars and sums in the total line", function()
    local spec = { columns = { "id", "instance_type.price_cents_per_hour" },
                   fields = { ["instance_type.price_cents_per_hour"] = { "$/h", "cents/h" } } }
    local s = tbl.render(items, (tbl.columns(items, spec)), false, 0)
    assert.match("\na +%$10%.32/h\n", s)
    assert.match("\nb +%$0%.75/h\n", s)
    assert.match("\ntotal +%$11%.07/h\n", s)
  end)

  it("a path through a credential is hidden, in tables and CSV", function()
    local cols = assert(tbl.columns(items, {}, { "id", "env.HF_TOKEN" }))
    local s = tbl.render(items, cols, true, 0) .. tbl.csv(items, cols, tostring)
    assert.not_match("hf%-secret", s)
    assert.match("<hidden>", s)
  end)

  it("an optional default column shows only when some item has the field", function()
    local spec = { columns = { "id", "idle_for" }, fields = { idle_for = { "idle for", "duration", optional = true } } }
    assert.equal(1, #(tbl.columns(items, spec)))
    local seen = { { id = "a", idle_for = 7200 } }
    local s = tbl.render(seen, (tbl.columns(seen, spec)), false, 0)
    assert.match("^id +idle for\na +2h0m\n", s)
  end)

  it("times with an offset are the instant they name (ages were hours off)", function()
    local utc = times.epoch("2026-06-11T08:00:00Z")
    assert.equal(utc, times.epoch("2026-06-11T10:00:00+02:00"))
    assert.equal(utc, times.epoch("2026-06-11T10:00:00.125+02:00"))
    assert.equal(utc, times.epoch("2026-06-11 03:30:00 -0430"))
    assert.equal(utc, times.epoch("2026-06-11 08:00:00.633 +0000 UTC"))
    assert.equal(utc, times.epoch("2026-06-11T08:00:00"))
  end)
end)

describe("gpucloud runpod and lambda tables", function()
  local sim, run

  setup(function()
    sim = assert(server.start {})
    run = cli.runner(sim)
  end)
  teardown(function()
    if sim then sim:stop() end
  end)
  before_each(function() assert(sim:reset()) end)

  local function lines_of(s)
    local out = {}
    for l in s:gmatch("[^\n]+") do out[#out + 1] = l end
    return out
  end

  it("runpod pod list: its own columns, nested GPU fields, cost with its unit; env never shown", function()
    local r = run.run(run.with("runpod", { "pod", "list" }))
    assert.equal(0, r.code, r.err)
    local l = lines_of(r.out)
    assert.match("^id +name +status +GPU +GPUs +cloud +datacenter +cost +age$", l[1])
    assert.match("\npod%-train%-h100 +train%-llama +RUNNING +NVIDIA H100 80GB HBM3 +1 +SECURE +US%-KS%-2 +%$2%.99/h ",
      r.out)
    assert.match("\ntotal +%$[%d.]+/h\n", r.out)
    assert.not_match("hf_simsecret", r.out)
    assert.not_match("env", r.out)
    -- the billing records: their dates and money, with a total
    r = run.run(run.with("runpod", { "billing", "pods", "--start-time", "2026-06-01T00:00:00Z",
      "--end-time", "2026-06-03T00:00:00Z" }))
    assert.equal(0, r.code, r.err)
    assert.match("^from +pod +total +GPU +CPU +disk\n2026%-06%-01 00:00Z +pod%-train%-h100 +%$35%.88 ", r.out)
    assert.match("\ntotal +%$109%.32 ", r.out)
  end)

  it("runpodctl 1.x's words are aliases; their dry runs name each pod", function()
    local r = run.run(run.with("runpod", { "get", "pod", "-o", "ids" }))
    assert.equal(0, r.code, r.err)
    assert.match("^pod%-train%-h100\n", r.out)
    r = run.run(run.with("runpod", { "remove", "pod", "pod-dev-4090", "pod-nosuch", "--dry-run" }))
    assert.equal(0, r.code, r.err)
    assert.equal("dry run: would delete 2 pods (1 of them does not exist), nothing sent:\n"
      .. "  pod-dev-4090  dev-box           RUNNING\n  pod-nosuch    (does not exist)\n", r.out)
    r = run.run(run.with("runpod", { "serverless", "pause", "ep-busy", "ep-idle", "--dry-run" }))
    assert.match("^dry run: would pause 2 endpoints, nothing sent:\n  ep%-busy +llm%-chat +workers 1%.%.3\n", r.out)
    r = run.run(run.with("runpod", { "network-volume", "delete", "nv-scratch", "--dry-run" }))
    assert.match("^dry run: would delete 1 network volume, nothing sent:\n  nv%-scratch +scratch +STANDARD\n", r.out)
    r = run.run(run.with("runpod", { "stop", "pod", "pod-dev-4090" }))
    assert.equal(0, r.code, r.err)
    assert.match("^stopped 1 pod in [%d.]+ s: pod%-dev%-4090\n", r.out)
    assert.equal(0, run.run(run.with("runpod", { "start", "pod", "pod-dev-4090" })).code)
    for _, e in ipairs(assert(sim:log())) do assert.not_equal("DELETE", e.method) end
  end)

  it("lambda instance list: type, GPUs, region and $/h from the nested fields, with a total", function()
    local r = run.run(run.with("lambda", { "instance", "list" }))
    assert.equal(0, r.code, r.err)
    local l = lines_of(r.out)
    assert.match("^id +name +status +type +GPUs +region +ip +%$/h$", l[1])
    assert.match("\ni%-train%-a100x8 +train%-llama +active +gpu_8x_a100 +8 +us%-west%-1 +198%.51%.100%.2 +%$10%.32/h\n",
      r.out)
    assert.match("\ntotal +%$[%d.]+/h\n", r.out)
    assert.not_match("jt_simsecret", r.out)
    r = run.run(run.with("lambda", { "filesystem", "delete", "fs-scratch", "--dry-run" }))
    assert.match("^dry run: would delete 1 file system, nothing sent:\n  fs%-scratch +scratch +not in use\n", r.out)
  end)

  it("fleet list shows idle for only with a state file", function()
    local env = { XDG_CONFIG_HOME = "/nonexistent" }
    for _, kv in ipairs(server.env(sim)) do env[kv[1]] = kv[2] or false end
    local r = run.run({ "fleet", "list", "--provider", "lambda" }, nil, env)
    assert.equal(0, r.code, r.err)
    assert.match("^provider +kind +id +name +state +status +age +%$/h +protected\n", r.out)
    assert.not_match("idle for", r.out)
  end)
end)
