-- RunPod in the fleet: its kinds (pods, serverless endpoints, network
-- volumes) as rows with a state, an age and a $/h; what its refinements
-- do when a listing fails or lies; a plan and a delete in a safe order;
-- its billing history as charges; and the rules those rest on (prices.lua,
-- gpucloud.times).

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"
local fleet_map = require "gpucloud.providers.runpod.fleet"
local fleet_cost = require "gpucloud.fleet.cost"
local times = require "gpucloud.times"

local function no_env() end

local function by_key(rows)
  local t = {}
  for _, r in ipairs(rows) do t[r.key] = r end
  return t
end

local function near(want, got, what)
  assert.is_number(got, what)
  assert.is_true(math.abs(want - got) < 1e-9, (what or "") .. ": want " .. want .. ", got " .. tostring(got))
end

describe("runpod in the fleet", function()
  local sim, rp, fleet

  setup(function() sim = assert(server.start {}) end)
  teardown(function() sim:stop() end)
  before_each(function()
    assert(sim:reset())
    rp = gpucloud.runpod { url = sim.url, api_key = sim.keys.runpod, getenv = no_env,
                           backoff = { base = 0, max = 0 } }
    fleet = gpucloud.fleet { runpod = rp }
  end)
  after_each(function() rp:close() end)

  local function thing(kind, id)
    for _, x in ipairs(assert(sim:state()).runpod[kind]) do
      if x.id == id then return x end
    end
  end

  it("lists pods, endpoints and volumes as rows with a state, an age and a $/h", function()
    local rows, errs = fleet:list()
    assert.is_nil(errs)
    local k = by_key(rows)
    local function row(key, state, cost)
      local r = assert(k[key], key)
      assert.equal(state, r.state, key)
      -- (false: no known cost; nil: not asked here)
      if cost == false then assert.is_nil(r.cost_per_hour, key) elseif cost then near(cost, r.cost_per_hour, key) end
      return r
    end
    -- pods: `cost` while computing (a string "0.74" read as money); stopped or failed, the volume disk
    row("runpod:pod:pod-train-h100", "running", 2.99)
    row("runpod:pod:pod-dev-4090", "running", 0.74)
    row("runpod:pod:pod-stopped-a100", "stopped", 200 * 0.20 / 730)
    row("runpod:pod:pod-error-l40", "failed", 50 * 0.20 / 730)
    row("runpod:pod:pod-exited-nv", "stopped", 0) -- its network volume bills as a volume
    row("runpod:pod:pod-provisioning", "pending", 0.12)
    assert.is_nil(k["runpod:pod:pod-cluster-0"], "cluster members are the cluster's")
    -- endpoints: the workers' GPUs at the catalog's serverless price
    row("runpod:endpoint:ep-busy", "running", 2 * 1.1)
    assert.equal(2, k["runpod:endpoint:ep-busy"].workers)
    row("runpod:endpoint:ep-idle", "idle", 2.72)
    row("runpod:endpoint:ep-empty", "idle", 0)
    row("runpod:endpoint:ep-paused", "stopped", 0)
    row("runpod:endpoint:ep-unhealthy", "failed", 1.1)
    assert.equal("workers 1..2", k["runpod:endpoint:ep-idle"].status)
    -- volumes: attached (running) while a pod or an endpoint mounts them, which are their parents
    assert.same({ "runpod:pod:pod-nv-a6000" }, row("runpod:volume:nv-datasets", "running", 500 * 0.07 / 730).parent)
    assert.same({ "runpod:pod:pod-exited-nv" }, row("runpod:volume:nv-checkpoints", "running").parent)
    assert.same({ "runpod:endpoint:ep-nv" }, row("runpod:volume:nv-models", "running").parent)
    assert.same({ "runpod:pod:pod-cluster-0" }, row("runpod:volume:nv-shared", "running").parent)
    assert.is_nil(row("runpod:volume:nv-scratch", "idle", 20 * 0.07 / 730).parent)
    row("runpod:volume:nv-archive", "idle", 2000 * 0.05 / 730)
    row("runpod:volume:nv-fast", "idle", false) -- HIGH_PERFORMANCE: no published price
    -- ages from every time form RunPod has sent
    assert.equal(times.exact("2026-10-04T11:09:24Z"), k["runpod:pod:pod-dev-4090"].created_at)
    assert.equal(times.exact("2026-06-11T08:00:00Z"), k["runpod:pod:pod-nv-a6000"].created_at)
    assert.equal(0, k["runpod:pod:pod-provisioning"].age, "created in the future: age 0")
    assert.is_true(k["runpod:pod:pod-train-h100"].age > 0)
    assert.same({ "runpod:endpoint:ep-empty", "runpod:endpoint:ep-idle", "runpod:endpoint:ep-nv" },
      rows:filter { kind = "endpoint", state = "idle" }:sort_by("key"):map("key"))
  end)

  it("workers that cannot be read leave a running endpoint without a state; a paused one stays stopped", function()
    assert(sim:inject { method = "GET", path = "/v2/serverless/{id}/workers", status = 500, body = "down",
                        times = -1 })
    local rows, errs = fleet:list { kinds = { "endpoint" } }
    assert.is_nil(errs)
    local k = by_key(rows)
    assert.is_nil(k["runpod:endpoint:ep-idle"].state)
    assert.equal("server_error", k["runpod:endpoint:ep-idle"].state_error.code)
    assert.is_nil(k["runpod:endpoint:ep-idle"].cost_per_hour)
    assert.equal("stopped", k["runpod:endpoint:ep-paused"].state)
    assert.equal(0, #rows:filter { state = "idle" }, "unknown is never idle")
  end)

  it("a worker in a status it does not know keeps its endpoint running; a catalog that fails, its cost unknown", function()
    assert(sim:inject { method = "GET", path = "/v2/serverless/{id}/workers", status = 200, times = -1,
      body = json.encode { workers = { { id = "w", status = "HIBERNATING", gpuCount = 1, gpuTypeId = "x" } },
                           summary = { total = 1 } } })
    assert(sim:inject { method = "GET", path = "/v2/catalog/gpus", status = 503, body = "", times = -1 })
    local rows = fleet:list { kinds = { "endpoint" } }
    for _, r in ipairs(rows) do
      if r.state ~= "stopped" then assert.equal("running", r.state, r.key) end
      assert.is_nil(r.cost_per_hour, r.key)
    end
  end)

  it("an id a listing gives that cannot be one is a row without a state, not actionable, never a call", function()
    assert(sim:inject { method = "GET", path = "/v2/serverless", status = 200,
      body = json.encode { endpoints = { { id = "../pods", name = "odd", workers = { min = 0, max = 1 } } } } })
    local rows, errs = fleet:list { kinds = { "endpoint" } }
    assert.is_nil(errs)
    assert.equal(1, #rows)
    -- its workers were never read: an endpoint that is not paused has no state without them
    assert.is_nil(rows[1].state)
    assert.is_string(rows[1].not_actionable)
    assert.equal(1, #assert(sim:log()), "only the listing was sent")
  end)

  it("without the pods (or endpoints) no volume has a state, and the failed listing is named", function()
    assert(sim:inject { method = "GET", path = "/v2/pods", status = 500, body = "down", times = -1 })
    local rows, errs = fleet:list { kinds = { "pod", "volume" } }
    assert.equal(1, #errs)
    assert.equal("runpod:pod", errs[1].fleet)
    assert.is_true(#rows > 0)
    for _, r in ipairs(rows) do
      assert.equal("volume", r.kind)
      assert.is_nil(r.state)
      assert.equal("server_error", r.state_error.code)
    end
  end)

  it("deletes a plan children first: the pod, then the volume it held; verify lists again", function()
    local rows = fleet:list()
    local picked = rows:filter(function(r)
      return r.key == "runpod:pod:pod-exited-nv" or r.key == "runpod:volume:nv-checkpoints"
        or r.key == "runpod:endpoint:ep-idle" or r.key == "runpod:volume:nv-scratch"
    end)
    local plan = picked:plan()
    assert.same({ "runpod:endpoint:ep-idle", "runpod:pod:pod-exited-nv", "runpod:volume:nv-checkpoints",
                  "runpod:volume:nv-scratch" }, plan.keys)
    near(2.72 + 0 + (100 + 20) * 0.07 / 730, plan.cost_per_hour, "plan $/h")
    local dry = fleet:delete(plan, { dry_run = true })
    assert.same(plan.keys, dry.would_delete)
    local report = fleet:delete(plan, { verify = true, rate = false })
    assert.same(plan.keys, report.ok, tostring(report))
    assert.is_nil(next(report.failed))
    for _, id in ipairs { "nv-checkpoints", "nv-scratch" } do assert.is_nil(thing("volumes", id)) end
    assert.is_nil(thing("pods", "pod-exited-nv"))
    assert.is_nil(thing("endpoints", "ep-idle"))
  end)

  it("reports exactly what the simulator did under its faults: a lost answer, a refusal", function()
    assert(sim:inject { method = "DELETE", path = "/v2/pods/{id}", fault = "close", act = true, times = 2 })
    local rows = fleet:list()
    local picked = rows:filter(function(r)
      return r.key == "runpod:pod:pod-error-l40" or r.key == "runpod:volume:nv-datasets"
    end)
    local report = fleet:delete(picked, { rate = false, verify = true })
    assert.same({ "runpod:pod:pod-error-l40" }, report.ok, tostring(report))
    assert.same({ "runpod:pod:pod-error-l40" }, report.maybe_deleted)
    assert.equal("conflict", report.failed["runpod:volume:nv-datasets"].code)
    assert.is_nil(thing("pods", "pod-error-l40"))
    assert.truthy(thing("volumes", "nv-datasets"))
  end)

  it("a plan across Vast.ai, TensorPool and RunPod, under faults, reports what each simulator did", function()
    assert(sim:config { retry_after = "0" })
    local quick = { getenv = no_env, backoff = { base = 0, max = 0 }, url = sim.url }
    local function with(key)
      local o = { api_key = key }
      for k, v in pairs(quick) do o[k] = v end
      return o
    end
    local vast, tp = gpucloud.vast(with(sim.keys.vast)), gpucloud.tensorpool(with(sim.keys.tensorpool))
    local all = gpucloud.fleet { vast = vast, tensorpool = tp, runpod = rp }
    local want = { ["vast:volume:3002"] = true, ["tensorpool:storage:s-scratch"] = true,
                   ["runpod:pod:pod-error-l40"] = true, ["runpod:volume:nv-scratch"] = true,
                   ["runpod:volume:nv-datasets"] = true }
    local rows, errs = all:list()
    assert.is_nil(errs)
    local picked = rows:filter(function(r) return want[r.key] end)
    assert.equal(5, #picked)
    -- RunPod deletes a pod and the answer is lost; Vast.ai's volume delete answers 500 and does nothing
    assert(sim:inject { method = "DELETE", path = "/v2/pods/{id}", fault = "close", act = true, times = 2 })
    assert(sim:inject { method = "DELETE", path = "/api/v0/volumes/", status = 500, body = "down", times = -1 })
    local report = all:delete(picked, { rate = false, verify = true })
    table.sort(report.ok)
    assert.same({ "runpod:pod:pod-error-l40", "runpod:volume:nv-scratch", "tensorpool:storage:s-scratch" },
      report.ok, tostring(report))
    assert.same({ "runpod:pod:pod-error-l40" }, report.maybe_deleted)
    assert.equal("server_error", report.failed["vast:volume:3002"].code)
    assert.is_true(report.failed["vast:volume:3002"].may_have_landed)
    assert.equal("conflict", report.failed["runpod:volume:nv-datasets"].code)
    local st = assert(sim:state())
    local function present(list, id)
      for _, x in ipairs(list) do
        if x.id == id then return true end
      end
      return false
    end
    assert.is_true(present(st.vast.volumes, 3002))
    assert.is_false(present(st.tensorpool.volumes, "s-scratch"))
    assert.is_false(present(st.runpod.pods, "pod-error-l40"))
    assert.is_false(present(st.runpod.volumes, "nv-scratch"))
    assert.is_true(present(st.runpod.volumes, "nv-datasets"))
    vast:close()
    tp:close()
  end)

  describe("charges", function()
    local JUNE1, JUNE3 = times.exact("2026-06-01T00:00:00Z"), times.exact("2026-06-03T00:00:00Z")

    it("every billing listing as {kind, id, amount, start, end}, in hours over a short window", function()
      local charges = assert(fleet_map.charges(rp, JUNE1, JUNE3))
      local sum, kinds = {}, {}
      for _, c in ipairs(charges) do
        assert.equal(3600, c["end"] - c.start)
        assert.is_true(c.start >= JUNE1 and c["end"] <= JUNE3)
        local k = c.kind .. ":" .. c.id
        sum[k] = (sum[k] or 0) + c.amount
        kinds[c.kind] = true
      end
      assert.same({ pod = true, endpoint = true, volume = true }, kinds)
      near(35.88 + 72.24, sum["pod:pod-train-h100"], "pod")
      near(65.28, sum["endpoint:ep-idle"], "endpoint")
      near(2.4, sum["volume:nv-datasets"], "volume")
      local q = assert(sim:log())[1].query
      assert.equal("startTime=2026-06-01T00%3A00%3A00Z&endTime=2026-06-03T00%3A00%3A00Z&bucketSize=hour", q)
    end)

    it("in days over a long window; RunPod's own default window without one", function()
      local charges = assert(fleet_map.charges(rp, JUNE1 - 20 * 86400, JUNE3))
      assert.equal(7, #charges)
      for _, c in ipairs(charges) do assert.equal(86400, c["end"] - c.start) end
      assert(fleet_map.charges(rp))
      assert.equal("bucketSize=day", assert(sim:log())[4].query)
    end)

    it("a record that is not a charge fails the whole; a failed listing is its error", function()
      for _, rec in ipairs {
        { startTime = "2026-06-01T00:00:00Z", endTime = "2026-06-02T00:00:00Z", podId = "p", totalAmount = -1 },
        { startTime = "2026-06-01T00:00:00Z", endTime = "2026-06-02T00:00:00Z", podId = "p", totalAmount = "1.5" },
        { startTime = "yesterday", endTime = "2026-06-02T00:00:00Z", podId = "p", totalAmount = 1 },
        { startTime = "2026-06-01T00:00:00Z", endTime = "2026-06-02T00:00:00Z", podId = "a/b", totalAmount = 1 },
      } do
        assert(sim:inject { method = "GET", path = "/v2/billing/pods", status = 200,
                            body = json.encode { records = { rec }, metadata = { recordCount = 1 } } })
        local v, err = fleet_map.charges(rp, JUNE1, JUNE3)
        assert.is_nil(v)
        assert.equal("bad_response", err.code)
      end
      assert(sim:inject { method = "GET", path = "/v2/billing/network-volumes", status = 403,
                          body = '{"title":"Forbidden","status":403,"detail":"access denied"}' })
      local v, err = fleet_map.charges(rp, JUNE1, JUNE3)
      assert.is_nil(v)
      assert.equal("forbidden", err.code)
      assert.has_error(function() fleet_map.charges(rp, "2026-06-01", JUNE3) end)
      assert.has_error(function() fleet_map.charges(rp, JUNE1, 0 / 0) end)
    end)
  end)
end)

describe("runpod's money and times", function()
  -- a record priced by its kind's rule, as a listing prices it (fleet/cost.lua)
  local function rate(kind, raw, opts)
    return fleet_cost.rate(fleet_map.kinds[kind], raw, opts)
  end
  local function pod(p) return (rate("pod", p)) end
  local function volume(v) return (rate("volume", v)) end

  it("money is a finite number >= 0, or a decimal as text; anything else is unknown, with the reason", function()
    assert.equal(0.74, pod { status = "RUNNING", cost = 0.74 })
    assert.equal(0.74, pod { status = "RUNNING", cost = "0.74" })
    assert.equal(0.5, pod { status = "RUNNING", cost = ".5" })
    assert.equal(0, pod { status = "RUNNING", cost = 0 })
    for _, bad in ipairs { -1, "-1", "1e3", "0x10", " 1", "abc", "", 0 / 0, math.huge, true, {}, json.null } do
      local v, why = rate("pod", { status = "RUNNING", cost = bad })
      assert.is_nil(v, tostring(bad))
      assert.truthy(why:find("^cost "), tostring(bad) .. ": " .. why)
    end
  end)

  it("a pod's $/h by its status; a volume's by its size and tier", function()
    assert.equal(1.5, pod { status = "RUNNING", cost = 1.5 })
    assert.is_nil(pod { status = "RUNNING", cost = -1 })
    assert.equal("the answer has no cost", select(2, rate("pod", { status = "RUNNING" })))
    assert.equal(0, pod { status = "TERMINATED", cost = 3 })
    assert.match("no price for a pod in status \"HIBERNATING\"",
      select(2, rate("pod", { status = "HIBERNATING", cost = 3 })), 1, true)
    near(10 * 0.2 / 730, pod { status = "EXITED", cost = 0, mounts = { persistent = { size = 10 } } })
    assert.equal(0.9, pod { status = "EXITED", cost = 0.9, mounts = { persistent = { size = 10 } } })
    assert.equal(0.9, pod { status = "EXITED", cost = 0.9, mounts = { persistent = { size = "10" } } })
    local v, why = rate("pod", { status = "EXITED", cost = 0, mounts = { persistent = { size = "10" } } })
    assert.is_nil(v)
    assert.match("mounts.persistent.size", why, 1, true)
    near(1000 * 0.07 / 730, volume { size = 1000, type = "STANDARD" })
    near(1001 * 0.05 / 730, volume { size = 1001 })
    assert.is_nil(volume { size = 10.5 })
    assert.match("has no price for HIGH_PERFORMANCE", select(2, rate("volume", { size = 10, type = "HIGH_PERFORMANCE" })),
      1, true)
    assert.is_nil(volume { size = 10, type = "ARCHIVE" })
    -- a published rate is a default: the prices option replaces it, or gives one where none is published
    local prices_opt = { runpod = { network_volume_gb_month = { HIGH_PERFORMANCE = 0.14 }, stopped_volume_disk_gb_month = 0.1 } }
    local hp, source = rate("volume", { size = 10, type = "HIGH_PERFORMANCE" }, { prices = prices_opt, provider = "runpod" })
    near(10 * 0.14 / 730, hp)
    assert.match('price table prices.runpod.network_volume_gb_month["HIGH_PERFORMANCE"]', source, 1, true)
    near(10 * 0.07 / 730, (rate("volume", { size = 10 }, { prices = prices_opt, provider = "runpod" })))
    near(10 * 0.1 / 730, (rate("pod", { status = "EXITED", mounts = { persistent = { size = 10 } } },
      { prices = prices_opt, provider = "runpod" })))
  end)

  it("times: RFC 3339 (fraction, offset), Go's format, Unix seconds; anything else unknown", function()
    local t = 1780315200 -- 2026-06-01T12:00:00Z
    assert.equal(t, times.exact("2026-06-01T12:00:00Z"))
    assert.equal(t, times.exact("2026-06-01T12:00:00.999z"))
    assert.equal(t, times.exact("2026-06-01T14:00:00+02:00"))
    assert.equal(t, times.exact("2026-06-01T07:30:00-04:30"))
    assert.equal(t, times.exact("2026-06-01 12:00:00.633 +0000 UTC"))
    assert.equal(t, times.exact("2026-06-01 14:00:00 +0200"))
    assert.equal(t, times.exact("1780315200"))
    assert.equal(t, times.exact(t + 0.5))
    assert.equal(0, times.exact("1970-01-01T00:00:00Z"))
    assert.equal(951782400, times.exact("2000-02-29T00:00:00Z"))
    for _, bad in ipairs { "2026-13-01T00:00:00Z", "2026-06-01T12:00:00", "2026-06-01", "June 1", "",
                           "2026-06-01T12:00:00+2", 0 / 0, true } do
      assert.is_nil(times.exact(bad), tostring(bad))
    end
    assert.is_true(times.is_rfc3339("2026-06-01T12:00:00.5+01:00"))
    assert.is_false(times.is_rfc3339("2026-06-01 12:00:00Z"))
    assert.equal("2026-06-01T12:00:00Z", times.rfc3339(t))
  end)
end)
