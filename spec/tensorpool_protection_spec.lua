-- Deletion protection is never turned off behind the user's back: a
-- destroy of a protected cluster or volume is refused with the fix named;
-- with unprotect = true the edit happens (and is waited for) before the
-- destroy that goes through, and a failed edit destroys nothing. Against
-- the simulator over HTTP; every claim checked in its state and log.

local fixture = require "support.sim"
local json = require "gpucloud.json"

describe("deletion protection", function()
  -- on a virtual clock: the waits' pauses take no time
  local sim = fixture.use { config = { retry_after = "0" } }
  local tp

  before_each(function() tp = sim:tensorpool { backoff = { base = 0.01, max = 0.05 } } end)

  local function thing(kind, id)
    for _, x in ipairs(assert(sim:state()).tensorpool[kind]) do
      if x.id == id or x.cluster_id == id then return x end
    end
  end

  -- The log as "METHOD path status" lines.
  local function trail()
    local out = {}
    for i, e in ipairs(assert(sim:log())) do out[i] = e.method .. " " .. e.path .. " " .. e.status end
    return out
  end

  local function count(lines, pattern)
    local n = 0
    for _, l in ipairs(lines) do if l:find(pattern) then n = n + 1 end end
    return n
  end

  it("without unprotect: a conflict that names the fix, and nothing changes", function()
    local v, err = tp:destroy_cluster("c-prod-serving")
    assert.is_nil(v)
    assert.equal("conflict", err.code)
    assert.is_true(err.protected)
    assert.match("{unprotect = true}", err.message, 1, true)
    assert.match("--unprotect", err.message, 1, true)
    assert.is_nil(err.unprotected)
    local r = tp:destroy_storages({ "s-checkpoints", "s-scratch" }, { wait = true })
    assert.same({ "s-scratch" }, r.ok)
    assert.is_true(r.failed["s-checkpoints"].protected)
    assert.is_nil(r.unprotected)
    assert.same({ "DELETE /cluster/c-prod-serving 409" }, { trail()[1] })
    assert.equal(0, count(trail(), "^PATCH"))
    assert.is_true(thing("clusters", "c-prod-serving").deletion_protection)
    assert.is_true(thing("volumes", "s-checkpoints").deletion_protection)
  end)

  it("destroy_cluster(id, {unprotect = true}): the edit, waited for, then the destroy", function()
    local v = assert(tp:destroy_cluster("c-prod-serving", { unprotect = true }))
    assert.is_true(v.unprotected)
    assert.equal("string", type(v.request_id))
    local t = trail()
    assert.equal("DELETE /cluster/c-prod-serving 409", t[1])
    assert.equal("PATCH /cluster/edit/c-prod-serving 202", t[2])
    assert.equal("DELETE /cluster/c-prod-serving 202", t[#t])
    assert.equal(#t - 3, count(t, "^GET /request/info/"), "the edit's request polled in between")
    local st = assert(sim:state()).tensorpool
    assert.equal("CLUSTER_EDIT", st.requests[1].request_type)
    assert.equal("COMPLETED", st.requests[1].status, "the edit had completed before the destroy")
    assert.same({ deletion_protection = false }, json.decode(assert(sim:log())[2].body))
    assert.equal("DESTROYING", thing("clusters", "c-prod-serving").status)
  end)

  it("an unprotected thing is never edited, and is not reported unprotected", function()
    local v = assert(tp:destroy_cluster("c-dev-h100", { unprotect = true }))
    assert.is_nil(v.unprotected)
    local r = tp:destroy_storages({ "s-scratch" }, { unprotect = true, wait = true })
    assert.same({ "s-scratch" }, r.ok)
    assert.same({}, r.unprotected)
    assert.equal(0, count(trail(), "^PATCH"))
  end)

  it("a failed edit destroys nothing: the request FAILED, or the PATCH refused", function()
    local v, err = tp:destroy_storage("s-stuck", { unprotect = true })
    assert.is_nil(v)
    assert.equal("failed", err.code)
    assert.match("^deletion protection not turned off, nothing destroyed", err.message)
    assert.is_nil(err.unprotected, "FAILED: the server says nothing changed")
    assert.equal(1, count(trail(), "^DELETE"), "only the refused one")
    assert.is_true(thing("volumes", "s-stuck").deletion_protection)

    assert(sim:reset())
    assert(sim:inject { method = "PATCH", path = "/storage/edit/{storage_id}", status = 422,
                        json = { detail = { { loc = { "body" }, msg = "no", type = "x" } } } })
    local r = tp:destroy_storages({ "s-stuck", "s-scratch" }, { unprotect = true, wait = true })
    assert.same({ "s-scratch" }, r.ok)
    assert.equal("invalid", r.failed["s-stuck"].code)
    assert.same({}, r.unprotected)
    assert.equal(1, count(trail(), "^DELETE /storage/s%-stuck"))
    assert.truthy(thing("volumes", "s-stuck"))
  end)

  it("an edit that may have been carried out destroys nothing, and says protection may be off", function()
    assert(sim:inject { method = "PATCH", path = "/cluster/edit/{cluster}", status = 500, json = { detail = "x" } })
    local r = tp:destroy_clusters({ "c-prod-serving" }, { unprotect = true, retries = 0 })
    local err = r.failed["c-prod-serving"]
    assert.equal("server_error", err.code)
    assert.match("^deletion protection may be off", err.message)
    assert.is_true(err.unprotected)
    assert.same({ "c-prod-serving" }, r.unprotected)
    assert.equal(1, count(trail(), "^DELETE"))
  end)

  it("an edit whose wait runs out destroys nothing", function()
    assert(sim:config { retry_after = "1" })
    local v, err = tp:destroy_cluster("c-prod-serving", { unprotect = true, deadline = 0.5 })
    assert.is_nil(v)
    assert.equal("timeout", err.code)
    assert.match("^deletion protection may be off %(its edit was not seen to end%), nothing destroyed", err.message)
    assert.is_true(err.unprotected)
    assert.equal(1, count(trail(), "^DELETE"))
    assert.truthy(thing("clusters", "c-prod-serving"))
  end)

  it("bulk: only the protected ids are unprotected, each edit before its destroy, and the report says so", function()
    local r = tp:destroy_clusters({ "c-prod-serving", "c-dev-h100" }, { unprotect = true, wait = true })
    assert.same({ "c-prod-serving", "c-dev-h100" }, r.ok, tostring(r))
    assert.same({ "c-prod-serving" }, r.unprotected)
    assert.equal("COMPLETED", r.results["c-prod-serving"].request.status)
    assert.match("deletion protection turned off: c%-prod%-serving", tostring(r))
    assert.is_nil(thing("clusters", "c-prod-serving"))
    local t, patch, second = trail(), nil, nil
    for i, l in ipairs(t) do
      if l:find("^PATCH /cluster/edit/c%-prod%-serving") then patch = i end
      if l == "DELETE /cluster/c-prod-serving 202" then second = i end
    end
    assert.truthy(patch and second and patch < second)
  end)

  it("protection lifted but the destroy refused for something else: the error says it was unprotected", function()
    -- s-checkpoints is protected and attached to c-train-a100x8
    local r = tp:destroy_storages({ "s-checkpoints" }, { unprotect = true })
    assert.same({ "s-checkpoints" }, r.unprotected)
    local err = r.failed["s-checkpoints"]
    assert.equal("conflict", err.code)
    assert.is_true(err.unprotected)
    assert.match("attached", err.message)
    assert.is_false(thing("volumes", "s-checkpoints").deletion_protection)
  end)

  it("with no request to follow, the edit is confirmed by the listing", function()
    -- c-legacy.v1 answers request_id null to edits, which apply at once
    assert(tp:edit_cluster("c-legacy.v1", { deletion_protection = true }))
    assert(sim:clear_log())
    local v = assert(tp:destroy_cluster("c-legacy.v1", { unprotect = true }))
    assert.is_true(v.unprotected)
    local t = trail()
    assert.equal("PATCH /cluster/edit/c-legacy.v1 202", t[2])
    assert.equal("GET /cluster/list 200", t[3])
    assert.equal("DELETE /cluster/c-legacy.v1 202", t[4])
  end)

  it("a dry run lists the protected ids and sends nothing but the listing", function()
    local r = tp:destroy_storages({ "s-checkpoints", "s-scratch", "s-prod-models" }, { dry_run = true })
    assert.same({ "s-checkpoints", "s-prod-models" }, r.protected)
    assert.same({ "s-checkpoints", "s-scratch", "s-prod-models" }, r.would_delete)
    assert.match("deletion protection on: s%-checkpoints, s%-prod%-models %(refused unless unprotect = true%)",
      tostring(r))
    r = tp:destroy_clusters({ "c-prod-serving" }, { dry_run = true, unprotect = true })
    assert.same({ "c-prod-serving" }, r.protected)
    assert.same({ "GET /storage/list 200", "GET /cluster/list 200" }, trail())
  end)

  it("a dry run whose listing fails says protection is unknown", function()
    assert(sim:inject { method = "GET", path = "/cluster/list", status = 500, body = "oops" })
    local r = tp:destroy_clusters({ "c-prod-serving" }, { dry_run = true })
    assert.is_nil(r.protected)
    assert.equal("server_error", r.protected_unknown.code)
    assert.match("deletion protection unknown", tostring(r))
  end)

  it("unprotect is a boolean, and only destroys take it", function()
    assert.has_error(function() tp:destroy_cluster("c-prod-serving", { unprotect = "yes" }) end)
    assert.has_error(function() tp:cancel_jobs({ "j-train-001" }, { unprotect = true }) end)
    assert.has_error(function() tp:get_cluster_info("c-prod-serving", { unprotect = true }) end)
    assert.same({}, trail())
  end)
end)
