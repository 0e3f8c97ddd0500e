-- Lambda Cloud in the fleet: its kinds (instances, file systems) as rows
-- with a state, an age where Lambda gives one, and a $/h; the file
-- systems' parents and what happens when the instances cannot be listed;
-- a plan deleted children first (instances terminated and waited for, then
-- their file systems) under the simulator's faults, alone and across all
-- four providers; no charges; and the price rules.

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"
local fleet_map = require "gpucloud.providers.lambda.fleet"
local prices = require "gpucloud.providers.lambda.prices"

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

-- Requests through the C core, time of our own: the terminates' waits
-- pause for no real time.
local function own_clock()
  local curl = require("gpucloud.runtime.curl").new()
  local t = 0
  return { request = curl.request, close = curl.close, now = function() return t end,
           sleep = function(s) t = t + s end }
end

describe("lambda in the fleet", function()
  local sim, lam, fleet

  setup(function() sim = assert(server.start {}) end)
  teardown(function() sim:stop() end)
  before_each(function()
    assert(sim:reset())
    lam = gpucloud.lambda { url = sim.url, api_key = sim.keys.lambda, getenv = no_env, runtime = own_clock(),
                            backoff = { base = 0, max = 0 } }
    fleet = gpucloud.fleet { lambda = lam }
  end)
  after_each(function() lam:close() end)

  local function thing(kind, id)
    for _, x in ipairs(assert(sim:state()).lambda[kind]) do
      if x.id == id then return x end
    end
  end

  it("lists instances and file systems as rows with a state, an age where Lambda gives one, and a $/h", function()
    local rows, errs = fleet:list()
    assert.is_nil(errs)
    local k = by_key(rows)
    local function row(key, state, cost)
      local r = assert(k[key], key)
      assert.equal(state, r.state, key)
      if cost == false then assert.is_nil(r.cost_per_hour, key) else near(cost, r.cost_per_hour, key) end
      return r
    end
    -- instances: cents per hour for the whole instance; no time at all
    local train = row("lambda:instance:i-train-a100x8", "running", 10.32)
    assert.equal("active", train.status)
    assert.is_nil(train.age)
    assert.equal("train-llama", train.name)
    row("lambda:instance:i-dev-a10", "running", 0.75)
    row("lambda:instance:i-booting-h100", "pending", 2.49)
    row("lambda:instance:i-unhealthy-gh200", "failed", 1.49)
    row("lambda:instance:i-terminating-a6000", "gone", 0.80)
    row("lambda:instance:i-preempted-h100", "failed", false)
    row("lambda:instance:i-gone-a10", "gone", 0)
    -- file systems: bytes used at $0.20 per GB-month of 720 h; an age from `created`, its offset applied
    local ds = row("lambda:filesystem:fs-datasets", "running", 2500 * 0.20 / 720)
    assert.same({ "lambda:instance:i-train-a100x8" }, ds.parent)
    assert.equal("in use", ds.status)
    local home = row("lambda:filesystem:fs-home", "running", 50 * 0.20 / 720)
    assert.same({ "lambda:instance:i-terminating-a6000" }, home.parent)
    assert.equal(1780302600, home.created_at) -- 2026-06-01T10:30:00+02:00
    local scratch = row("lambda:filesystem:fs-scratch", "idle", 1000 * 0.20 / 720)
    assert.is_nil(scratch.parent)
    assert.equal("not in use", scratch.status)
    assert.is_true(scratch.age > 0)
    local new = row("lambda:filesystem:fs-new", "idle", false)
    assert.equal(0, new.age, "created in 2100: recent whatever the clock")
    assert.equal(13, #rows)
  end)

  it("a file system an instance holds is running, whatever is_in_use says; without the instances, idle is unknown",
    function()
      local listed = assert(lam:list_filesystems())
      for _, fs in ipairs(listed) do fs.is_in_use = false end
      assert(sim:inject { method = "GET", path = "/api/v1/file-systems", status = 200,
                          body = json.encode { data = listed } })
      local k = by_key(assert(fleet:list { kinds = { "lambda:filesystem" } }))
      assert.equal("running", k["lambda:filesystem:fs-datasets"].state)
      assert.equal("idle", k["lambda:filesystem:fs-scratch"].state)
      -- the instances cannot be listed: one in use stays running, the others have no state
      assert(sim:reset())
      assert(sim:inject { method = "GET", path = "/api/v1/instances", status = 403,
                          body = '{"error":{"code":"global/account-inactive","message":"Your account is inactive."}}' })
      local rows, errs = fleet:list { kinds = { "filesystem" } }
      assert.is_nil(errs)
      k = by_key(rows)
      assert.equal("running", k["lambda:filesystem:fs-datasets"].state)
      local scratch = k["lambda:filesystem:fs-scratch"]
      assert.is_nil(scratch.state)
      assert.equal("forbidden", scratch.state_error.code)
      assert.equal("global/account-inactive", scratch.state_error.server_code)
    end)

  it("deletes a plan children first: the instance terminated and waited for, then the file system it held", function()
    local rows = fleet:list()
    local want = { ["lambda:instance:i-train-a100x8"] = true, ["lambda:filesystem:fs-datasets"] = true,
                   ["lambda:filesystem:fs-scratch"] = true }
    local plan = rows:filter(function(r) return want[r.key] end):plan()
    assert.same({ "lambda:instance:i-train-a100x8", "lambda:filesystem:fs-datasets",
                  "lambda:filesystem:fs-scratch" }, plan.keys)
    near(10.32 + 2500 * 0.20 / 720 + 1000 * 0.20 / 720, plan.cost_per_hour, "plan $/h")
    local dry = fleet:delete(plan, { dry_run = true })
    assert.same(plan.keys, dry.would_delete)
    local report = fleet:delete(plan, { verify = true, rate = false })
    assert.same(plan.keys, report.ok, tostring(report))
    assert.is_nil(next(report.failed))
    assert.equal("absent from the listing", report.results["lambda:instance:i-train-a100x8"].confirmed)
    assert.is_nil(thing("instances", "i-train-a100x8"))
    assert.is_nil(thing("filesystems", "fs-datasets"))
    assert.is_nil(thing("filesystems", "fs-scratch"))
  end)

  it("reports exactly what the simulator did under its faults: a lost answer, a refusal, one not launched", function()
    assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", fault = "close",
                        act = true, times = 2 })
    local want = { ["lambda:instance:i-dev-a10"] = true, ["lambda:instance:i-booting-h100"] = true,
                   ["lambda:filesystem:fs-home"] = true, ["lambda:filesystem:fs-datasets"] = true }
    local rows = fleet:list()
    local report = fleet:delete(rows:filter(function(r) return want[r.key] end), { rate = false, verify = true })
    -- the terminate whose answer was lost: judged by the listing, followed until gone
    assert.same({ "lambda:instance:i-dev-a10" }, report.ok, tostring(report))
    assert.is_nil(thing("instances", "i-dev-a10"))
    -- fs-home was planned in use (its instance terminating); read again before the delete, that
    -- instance had gone and it was not: changed since the plan, skipped, nothing sent for it
    assert.same({ "lambda:filesystem:fs-home" }, report.skipped)
    assert.match("changed since plan: state running %-> idle", report.skip_reasons["lambda:filesystem:fs-home"])
    assert.is_nil(thing("instances", "i-terminating-a6000"))
    assert.truthy(thing("filesystems", "fs-home"))
    local refused = report.failed["lambda:instance:i-booting-h100"]
    assert.equal("conflict", refused.code)
    assert.equal("vm-has-not-launched", refused.server_code)
    assert.equal("booting", thing("instances", "i-booting-h100").status)
    -- held by an instance the plan did not name
    local held = report.failed["lambda:filesystem:fs-datasets"]
    assert.equal("conflict", held.code)
    assert.equal("filesystems/filesystem-in-use", held.server_code)
    assert.truthy(thing("filesystems", "fs-datasets"))
  end)

  it("a plan across Vast.ai, TensorPool, RunPod and Lambda, under faults, reports what each simulator did", function()
    assert(sim:config { retry_after = "0" })
    local function with(key)
      return { api_key = key, getenv = no_env, backoff = { base = 0, max = 0 }, url = sim.url }
    end
    local vast, tp = gpucloud.vast(with(sim.keys.vast)), gpucloud.tensorpool(with(sim.keys.tensorpool))
    local rp = gpucloud.runpod(with(sim.keys.runpod))
    local all = gpucloud.fleet { vast = vast, tensorpool = tp, runpod = rp, lambda = lam }
    local want = { ["vast:volume:3002"] = true, ["tensorpool:storage:s-scratch"] = true,
                   ["runpod:pod:pod-error-l40"] = true, ["runpod:volume:nv-datasets"] = true,
                   ["lambda:instance:i-dev-a10"] = true, ["lambda:instance:i-unhealthy-gh200"] = true,
                   ["lambda:filesystem:fs-scratch"] = true, ["lambda:filesystem:fs-datasets"] = true }
    local rows, errs = all:list()
    assert.is_nil(errs)
    local providers, priced = {}, {}
    for _, r in ipairs(rows) do
      providers[r.provider] = true
      if r.cost_per_hour then priced[r.provider] = true end
    end
    assert.same({ vast = true, tensorpool = true, runpod = true, lambda = true }, providers)
    assert.same({ vast = true, tensorpool = true, runpod = true, lambda = true }, priced)
    local picked = rows:filter(function(r) return want[r.key] end)
    assert.equal(8, #picked)
    -- Lambda terminates i-dev-a10 and the answer is lost; its unhealthy one's terminate answers 500 and
    -- does nothing; RunPod deletes a pod and the answer is lost; Vast.ai's volume delete answers 500
    assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", fault = "close",
                        act = true, times = 2 })
    assert(sim:inject { method = "POST", path = "/api/v1/instance-operations/terminate", status = 500,
                        body = '{"error":{"code":"global/internal-error","message":"Internal error"}}' })
    assert(sim:inject { method = "DELETE", path = "/v2/pods/{id}", fault = "close", act = true, times = 2 })
    assert(sim:inject { method = "DELETE", path = "/api/v0/volumes/", status = 500, body = "down", times = -1 })
    local report = all:delete(picked, { rate = false, verify = true, concurrency = 1 })
    table.sort(report.ok)
    assert.same({ "lambda:filesystem:fs-scratch", "lambda:instance:i-dev-a10", "runpod:pod:pod-error-l40",
                  "tensorpool:storage:s-scratch" }, report.ok, tostring(report))
    assert.same({ "runpod:pod:pod-error-l40" }, report.maybe_deleted)
    local unhealthy = report.failed["lambda:instance:i-unhealthy-gh200"]
    assert.equal("server_error", unhealthy.code)
    assert.equal("global/internal-error", unhealthy.server_code)
    assert.is_true(unhealthy.may_have_landed)
    -- fs-datasets: its instance was not in the plan and still holds it
    assert.equal("conflict", report.failed["lambda:filesystem:fs-datasets"].code)
    assert.equal("server_error", report.failed["vast:volume:3002"].code)
    assert.equal("conflict", report.failed["runpod:volume:nv-datasets"].code)
    local st = assert(sim:state())
    local function present(list, id)
      for _, x in ipairs(list) do
        if x.id == id then return x end
      end
      return false
    end
    assert.truthy(present(st.vast.volumes, 3002))
    assert.is_false(present(st.tensorpool.volumes, "s-scratch"))
    assert.is_false(present(st.runpod.pods, "pod-error-l40"))
    assert.truthy(present(st.runpod.volumes, "nv-datasets"))
    assert.is_false(present(st.lambda.instances, "i-dev-a10"))
    assert.equal("unhealthy", present(st.lambda.instances, "i-unhealthy-gh200").status)
    assert.is_false(present(st.lambda.filesystems, "fs-scratch"))
    assert.truthy(present(st.lambda.filesystems, "fs-datasets"))
    vast:close()
    tp:close()
    rp:close()
  end)

  it("has no charges: Lambda's API has no billing endpoint", function()
    assert.is_nil(fleet_map.charges)
  end)
end)

describe("lambda's money", function()
  it("cents are an integer >= 0; anything else is unknown", function()
    assert.equal(10.32, prices.cents(1032))
    assert.equal(0, prices.cents(0))
    for _, bad in ipairs { -1, 10.5, "1032", 0 / 0, math.huge, true, {}, json.null } do
      assert.is_nil((prices.cents(bad)), tostring(bad))
    end
  end)

  it("an instance's $/h by its status; a file system's by the bytes it uses", function()
    -- a record priced by its kind's rule, as a listing prices it (fleet/cost.lua)
    local function rate(kind, raw, opts) return require("gpucloud.fleet.cost").rate(fleet_map.kinds[kind], raw, opts) end
    local function inst(status, cents) return { status = status, instance_type = { price_cents_per_hour = cents } } end
    for _, s in ipairs { "booting", "active", "unhealthy", "terminating" } do
      assert.equal(24.99, (rate("instance", inst(s, 2499))), s)
    end
    assert.equal(0, (rate("instance", inst("terminated", 2499))))
    assert.match("whether a Lambda instance \"preempted\" bills is not known",
      select(2, rate("instance", inst("preempted", 2499))), 1, true)
    assert.is_nil((rate("instance", inst("hibernating", 2499))))
    assert.match("not a whole number of cents", select(2, rate("instance", inst("active", "24.99"))), 1, true)
    assert.is_nil((rate("instance", { status = "active" })))
    near(1e12 / 1e9 * 0.20 / 720, (rate("filesystem", { bytes_used = 1e12 })))
    assert.equal(0, (rate("filesystem", { bytes_used = 0 })))
    for _, bad in ipairs { -1, 1.5, "100", 0 / 0, math.huge } do
      assert.is_nil((rate("filesystem", { bytes_used = bad })), tostring(bad))
    end
    assert.equal("Lambda gave no bytes_used", select(2, rate("filesystem", {})))
    -- the published rate is a default the prices option replaces
    near(1000 * 0.25 / 720, (rate("filesystem", { bytes_used = 1e12 },
      { provider = "lambda", prices = { lambda = { filesystem_gb_month = 0.25 } } })))
  end)
end)
