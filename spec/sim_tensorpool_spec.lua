-- The simulator's TensorPool beyond clusters, in process (the app, no
-- sockets): storage volumes with attachments and protection, edits as
-- requests, jobs through their states, 402 for an empty balance, and
-- faults on the new routes.

local gjson = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local app_mod = require "gpucloud.sim.app"

local TKEY = "tp-sim-key-0123456789abcdef"
local T = { authorization = "Bearer " .. TKEY }
local RO = { authorization = "Bearer tp-sim-readonly-key" }
local BROKE = { authorization = "Bearer tp-sim-broke-key" }

local function call(app, method, target, headers, body)
  local status, h, raw, d = app:handle(method, target, headers or {}, body)
  return status, values.decode(raw), h, raw, d
end

local function has_private_field(v)
  if type(v) ~= "table" then return false end
  for k, x in pairs(v) do
    if type(k) == "string" and k:sub(1, 1) == "_" then return true end
    if has_private_field(x) then return true end
  end
  return false
end

-- Poll a request until it is terminal; its statuses in order.
local function follow(app, rid)
  local seen = {}
  repeat
    local _, info = call(app, "GET", "/request/info/" .. rid, T)
    seen[#seen + 1] = info.status
  until info.status == "COMPLETED" or info.status == "FAILED" or #seen > 10
  return seen
end

local function find(list, id)
  for _, x in ipairs(list) do
    if x.id == id then return x end
  end
end

describe("sim: TensorPool storage", function()
  local app
  before_each(function() app = app_mod.new() end)

  it("lists volumes under `volumes`, with attachments and protection, no private fields", function()
    local status, body, _, raw = call(app, "GET", "/storage/list?include_org=true", T)
    assert.equal(200, status)
    assert.equal("Found 8 storage volumes", body.message)
    local v = find(body.volumes, "s-checkpoints")
    assert.same({ "c-train-a100x8" }, v.attached_clusters)
    assert.is_true(v.deletion_protection)
    assert.truthy(raw:find('"attached_clusters":[]', 1, true), "an empty attachment list stays []")
    assert.is_false(has_private_field(body))
  end)

  it("answers info under `storage_info`, 404 for an unknown volume", function()
    local status, body = call(app, "GET", "/storage/info/s-scratch", T)
    assert.equal(200, status)
    assert.equal("s-scratch", body.storage_info.id)
    assert.equal(404, (call(app, "GET", "/storage/info/s-nope", T)))
  end)

  it("destroys a volume: 202 and a STORAGE_DESTROY request; it leaves when COMPLETED", function()
    local status, body = call(app, "DELETE", "/storage/s-scratch", T)
    assert.equal(202, status)
    assert.equal("s-scratch", body.storage_id)
    assert.equal("DESTROYING", find(select(2, call(app, "GET", "/storage/list", T)).volumes, "s-scratch").status)
    local _, info = call(app, "GET", "/request/info/" .. body.request_id, T)
    assert.equal("STORAGE_DESTROY", info.request_type)
    assert.equal("s-scratch", info.object_id)
    assert.same({ "PROCESSING", "COMPLETED" }, follow(app, body.request_id))
    assert.is_nil(find(select(2, call(app, "GET", "/storage/list", T)).volumes, "s-scratch"))
    assert.equal(404, (call(app, "DELETE", "/storage/s-scratch", T)))
  end)

  it("refuses protected, attached and already-destroying volumes with 409", function()
    local status, body = call(app, "DELETE", "/storage/s-prod-models", T)
    assert.equal(409, status)
    assert.equal("Deletion protection is enabled for this storage volume", body.detail)
    status, body = call(app, "DELETE", "/storage/s-datasets", T)
    assert.equal(409, status)
    assert.equal("Storage volume is attached to c-train-a100x8: detach it first", body.detail)
    assert.equal(202, (call(app, "DELETE", "/storage/s-scratch", T)))
    status, body = call(app, "DELETE", "/storage/s-scratch", T)
    assert.equal(409, status)
    assert.equal("Storage volume is already being destroyed", body.detail)
  end)

  it("a destroyed cluster lets go of its volumes, which stay behind", function()
    local _, body = call(app, "DELETE", "/cluster/c-train-a100x8", T)
    follow(app, body.request_id)
    local _, list = call(app, "GET", "/storage/list", T)
    assert.same({}, find(list.volumes, "s-datasets").attached_clusters)
    assert.same({}, find(list.volumes, "s-checkpoints").attached_clusters)
    assert.equal(202, (call(app, "DELETE", "/storage/s-datasets", T)))
    assert.equal(409, (call(app, "DELETE", "/storage/s-checkpoints", T)), "still protected")
  end)

  it("fails the destroy of a _destroy_fails volume, and answers null for a _no_request_id one", function()
    local _, body = call(app, "DELETE", "/storage/s-flaky", T)
    assert.same({ "PENDING", "FAILED" }, follow(app, body.request_id))
    assert.equal("READY", find(select(2, call(app, "GET", "/storage/list", T)).volumes, "s-flaky").status)
    local status, _, _, raw = call(app, "DELETE", "/storage/s-legacy", T)
    assert.equal(202, status)
    assert.truthy(raw:find('"request_id":null', 1, true))
    assert.is_nil(find(select(2, call(app, "GET", "/storage/list", T)).volumes, "s-legacy"))
  end)

  it("edits are STORAGE_EDIT requests whose fields apply when they complete", function()
    local status, body = call(app, "PATCH", "/storage/edit/s-checkpoints", T,
      '{"deletion_protection":false,"tp_storage_name":"old-ckpt","size_gb":600}')
    assert.equal(202, status)
    local _, info = call(app, "GET", "/request/info/" .. body.request_id, T)
    assert.equal("STORAGE_EDIT", info.request_type)
    local v = find(select(2, call(app, "GET", "/storage/list", T)).volumes, "s-checkpoints")
    assert.is_true(v.deletion_protection, "not before it completes")
    follow(app, body.request_id)
    v = find(select(2, call(app, "GET", "/storage/list", T)).volumes, "s-checkpoints")
    assert.is_false(v.deletion_protection)
    assert.equal("old-ckpt", v.name)
    assert.equal(600, v.size_gb)
  end)

  it("an edit of a _edit_fails volume ends FAILED and changes nothing", function()
    local _, body = call(app, "PATCH", "/storage/edit/s-stuck", T, '{"deletion_protection":false}')
    assert.same({ "PENDING", "FAILED" }, follow(app, body.request_id))
    assert.is_true(find(select(2, call(app, "GET", "/storage/list", T)).volumes, "s-stuck").deletion_protection)
  end)

  it("refuses mistyped edits (422), a shrinking size (400), a read-only key (403)", function()
    local status, body = call(app, "PATCH", "/storage/edit/s-scratch", T, '{"deletion_protection":"no"}')
    assert.equal(422, status)
    assert.same({ "body", "deletion_protection" }, body.detail[1].loc)
    status, body = call(app, "PATCH", "/storage/edit/s-scratch", T, '{"size_gb":10}')
    assert.equal(400, status)
    assert.match("only grow", body.detail)
    assert.equal(422, (call(app, "PATCH", "/storage/edit/s-scratch", T, "[]")))
    assert.equal(403, (call(app, "PATCH", "/storage/edit/s-scratch", RO, '{"size_gb":100}')))
    assert.equal(403, (call(app, "DELETE", "/storage/s-scratch", RO)))
    assert.equal(422, (call(app, "DELETE", "/storage/a%20b", T)))
  end)
end)

describe("sim: TensorPool cluster info and edits", function()
  local app
  before_each(function() app = app_mod.new() end)

  it("answers info under `cluster_info`", function()
    local status, body = call(app, "GET", "/cluster/info/c-dev-h100", T)
    assert.equal(200, status)
    assert.equal("c-dev-h100", body.cluster_info.cluster_id)
    assert.equal(404, (call(app, "GET", "/cluster/info/c-nope", T)))
  end)

  it("an edit is a CLUSTER_EDIT request; renames apply when it completes", function()
    local _, body = call(app, "PATCH", "/cluster/edit/c-dev-h100", T, '{"cluster_name":"renamed"}')
    local _, info = call(app, "GET", "/request/info/" .. body.request_id, T)
    assert.equal("CLUSTER_EDIT", info.request_type)
    assert.equal("c-dev-h100", info.object_id)
    follow(app, body.request_id)
    assert.equal("renamed", select(2, call(app, "GET", "/cluster/info/c-dev-h100", T)).cluster_info.name)
  end)

  it("an edit of a _no_request_id cluster applies at once and answers request_id null", function()
    local status, _, _, raw = call(app, "PATCH", "/cluster/edit/c-legacy.v1", T, '{"deletion_protection":true}')
    assert.equal(202, status)
    assert.truthy(raw:find('"request_id":null', 1, true))
    assert.is_true(select(2, call(app, "GET", "/cluster/info/c-legacy.v1", T)).cluster_info.deletion_protection)
  end)
end)

describe("sim: TensorPool jobs", function()
  local app
  before_each(function() app = app_mod.new() end)

  local function status_of(id)
    return select(2, call(app, "GET", "/job/info/" .. id, T)).job_info.status
  end

  it("lists jobs under `jobs`, and answers info under `job_info`", function()
    local status, body = call(app, "GET", "/job/list", T)
    assert.equal(200, status)
    assert.equal("Found 8 jobs", body.message)
    assert.equal("running", find(body.jobs, "j-train-001").status)
    assert.is_false(has_private_field(body))
    status, body = call(app, "GET", "/job/info/j-done-005", T)
    assert.equal(200, status)
    assert.equal("completed", body.job_info.status)
    assert.equal(0, body.job_info.exit_code)
    assert.equal(404, (call(app, "GET", "/job/info/j-nope", T)))
  end)

  it("a cancel moves running -> canceling -> canceled, one step per poll", function()
    local status, body = call(app, "POST", "/job/cancel/j-train-001", T)
    assert.equal(202, status)
    assert.same({ job_id = "j-train-001", message = "Job cancellation initiated", status = "canceling" }, body)
    assert.equal("canceling", status_of("j-train-001"))
    assert.equal("canceled", status_of("j-train-001"))
    assert.equal("canceled", status_of("j-train-001"))
  end)

  it("some jobs finish first: completed or error instead of canceled", function()
    call(app, "POST", "/job/cancel/j-sweep-003", T)
    call(app, "POST", "/job/cancel/j-crash-004", T)
    status_of("j-sweep-003")
    status_of("j-crash-004")
    assert.equal("completed", status_of("j-sweep-003"))
    assert.equal("error", status_of("j-crash-004"))
  end)

  it("a cancel is idempotent; a finished job's is 409", function()
    local status, body = call(app, "POST", "/job/cancel/j-canceled-006", T)
    assert.equal(200, status)
    assert.equal("Job already canceled", body.message)
    status, body = call(app, "POST", "/job/cancel/j-canceling-008", T)
    assert.equal(202, status)
    assert.equal("canceling", body.status)
    status, body = call(app, "POST", "/job/cancel/j-done-005", T)
    assert.equal(409, status)
    assert.equal("Job has already finished (completed)", body.detail)
    assert.equal(404, (call(app, "POST", "/job/cancel/j-nope", T)))
    assert.equal(403, (call(app, "POST", "/job/cancel/j-train-001", RO)))
  end)

  it("deletes finished jobs only", function()
    local status, body = call(app, "DELETE", "/job/delete/j-train-001", T)
    assert.equal(409, status)
    assert.equal("Job is running: only finished jobs can be deleted", body.detail)
    status, body = call(app, "DELETE", "/job/delete/j-done-005", T)
    assert.equal(200, status)
    assert.same({ message = "Job deleted" }, body)
    assert.equal(404, (call(app, "GET", "/job/info/j-done-005", T)))
    assert.equal(404, (call(app, "DELETE", "/job/delete/j-done-005", T)))
  end)

  it("with request_step, a canceling job moves on unpolled", function()
    local t = 1000
    app = app_mod.new(nil, { now = function() return t end })
    call(app, "POST", "/_sim/config", {}, '{"request_step":0.5}')
    call(app, "POST", "/job/cancel/j-train-001", T)
    t = t + 1
    local _, list = call(app, "GET", "/job/list", T)
    assert.equal("canceled", find(list.jobs, "j-train-001").status)
  end)
end)

describe("sim: TensorPool 402 and faults", function()
  local app
  before_each(function() app = app_mod.new() end)

  it("a key with an empty balance may look, but not act: 402", function()
    assert.equal(200, (call(app, "GET", "/storage/list", BROKE)))
    for _, t in ipairs { { "DELETE", "/storage/s-scratch" }, { "PATCH", "/cluster/edit/c-dev-h100" },
                         { "POST", "/job/cancel/j-train-001" }, { "DELETE", "/cluster/c-dev-h100" } } do
      local status, body = call(app, t[1], t[2], BROKE, "{}")
      assert.equal(402, status, t[2])
      assert.match("Insufficient balance", body.detail)
    end
    local _, st = call(app, "GET", "/_sim/state")
    assert.truthy(find(st.tensorpool.volumes, "s-scratch"), "nothing changed")
  end)

  it("faults apply to the new routes: a drop after acting really destroys", function()
    call(app, "POST", "/_sim/inject", {}, gjson.encode {
      { method = "DELETE", path = "/storage/{storage_id}", fault = "close", act = true },
      { method = "POST", path = "/job/cancel/{job_id}", status = 502, body = "bad gateway", act = true },
      { method = "GET", path = "/job/info/{job_id}", status = 500, body = "oops" },
    })
    local _, _, _, _, d = call(app, "DELETE", "/storage/s-scratch", T)
    assert.equal("close", d.fault)
    assert.equal(502, (call(app, "POST", "/job/cancel/j-train-001", T)))
    assert.equal(500, (call(app, "GET", "/job/info/j-train-001", T)))
    local _, st = call(app, "GET", "/_sim/state")
    assert.equal("DESTROYING", find(st.tensorpool.volumes, "s-scratch").status)
    assert.equal("canceling", find(st.tensorpool.jobs, "j-train-001").status)
  end)
end)
