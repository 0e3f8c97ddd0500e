-- TensorPool's storage, job, info and edit operations through the C core,
-- over real sockets, against the simulator: what goes on the wire, what
-- comes back, the waits, the bulk forms, and the failures they map to.

local gpucloud = require "gpucloud"
local fixture = require "support.sim"
local json = require "gpucloud.json"

local function no_env() end

describe("tensorpool storage, jobs, infos and edits over HTTP", function()
  local sim = fixture.use { config = { retry_after = "0" } }
  local tp
  before_each(function() tp = sim:tensorpool() end)

  local function log() return assert(sim:log()) end
  local function last() local l = log() return l[#l] end

  local function state_of(kind, id)
    for _, x in ipairs(assert(sim:state()).tensorpool[kind]) do
      if x.id == id or x.cluster_id == id then return x end
    end
  end

  describe("storage", function()
    it("list_storage: the volumes as a list (ids are `id`), the whole answer second", function()
      local volumes, whole = assert(tp:list_storage())
      assert.equal(8, #volumes)
      assert.equal("Found 8 storage volumes", whole.message)
      assert.same({ "c-train-a100x8" }, volumes:first { id = "s-datasets" }.attached_clusters)
      assert.equal("s-datasets", volumes:ids()[1])
      assert.equal("GET", last().method)
      assert.equal("/storage/list", last().path)
      assert(tp:list_storage { include_org = true })
      assert.equal("include_org=true", last().query)
    end)

    it("get_storage_info: the `storage_info` object, the whole answer second", function()
      local info, whole = assert(tp:get_storage_info("s-scratch"))
      assert.equal("s-scratch", info.id)
      assert.equal("Storage info retrieved", whole.message)
      assert.equal("/storage/info/s-scratch", last().path)
      local v, err = tp:get_storage_info("s-nope")
      assert.is_nil(v)
      assert.equal("not_found", err.code)
    end)

    it("destroy_storage: 202 and a STORAGE_DESTROY request that wait_request follows", function()
      local res = assert(tp:destroy_storage("s-scratch"))
      assert.equal("s-scratch", res.storage_id)
      assert.equal("DELETE", last().method)
      assert.equal("/storage/s-scratch", last().path)
      local info = assert(tp:wait_request(res.request_id, { deadline = 10, interval = 0 }))
      assert.equal("STORAGE_DESTROY", info.request_type)
      assert.is_nil(state_of("volumes", "s-scratch"))
    end)

    it("destroy_storages{wait = true}: waited, FAILED said, a null request confirmed by the listing", function()
      local r = tp:destroy_storages({ "s-scratch", "s-flaky", "s-legacy", "s-datasets" }, { wait = true })
      assert.same({ "s-scratch", "s-legacy" }, r.ok, tostring(r))
      assert.equal("COMPLETED", r.results["s-scratch"].request.status)
      assert.equal("absent from the storage list", r.results["s-legacy"].confirmed)
      assert.equal("failed", r.failed["s-flaky"].code)
      assert.equal("conflict", r.failed["s-datasets"].code)
      assert.match("attached to c%-train%-a100x8", r.failed["s-datasets"].message)
      assert.is_nil(r.failed["s-datasets"].protected, "attached is not protected")
      assert.truthy(state_of("volumes", "s-flaky"))
    end)

    it("edit_storage sends exactly the fields given; size only grows", function()
      local res = assert(tp:edit_storage("s-scratch", { size_gb = 80, tp_storage_name = "scratch-2" }))
      assert.equal("string", type(res.request_id))
      local e = last()
      assert.equal("PATCH", e.method)
      assert.equal("/storage/edit/s-scratch", e.path)
      assert.same({ size_gb = 80, tp_storage_name = "scratch-2" }, json.decode(e.body))
      assert.equal("application/json", e.headers["content-type"])
      assert.equal("STORAGE_EDIT", assert(tp:wait_request(res.request_id, { interval = 0 })).request_type)
      assert.equal(80, state_of("volumes", "s-scratch").size_gb)
      local v, err = tp:edit_storage("s-scratch", { size_gb = 10 })
      assert.is_nil(v)
      assert.equal("invalid", err.code)
      assert.match("only grow", err.message)
    end)
  end)

  describe("clusters", function()
    it("get_cluster_info: the `cluster_info` object", function()
      local info = assert(tp:get_cluster_info("c-dev-h100"))
      assert.equal("dev-box", info.name)
      assert.equal("/cluster/info/c-dev-h100", last().path)
    end)

    it("edit_cluster: PATCH with the fields as the body, 202 and a CLUSTER_EDIT request", function()
      local res = assert(tp:edit_cluster("c-dev-h100", { cluster_name = "renamed", deletion_protection = true }))
      assert.equal("c-dev-h100", res.cluster_id)
      local e = last()
      assert.equal("PATCH", e.method)
      assert.equal("/cluster/edit/c-dev-h100", e.path)
      assert.same({ cluster_name = "renamed", deletion_protection = true }, json.decode(e.body))
      local info = assert(tp:wait_request(res.request_id, { interval = 0 }))
      assert.equal("CLUSTER_EDIT", info.request_type)
      assert.is_true(assert(tp:get_cluster_info("c-dev-h100")).deletion_protection)
    end)

    it("an edit's fields are checked before anything is sent", function()
      local n = #log()
      for _, bad in ipairs { { name = "x" }, { deletion_protection = "false" }, {}, "x", { cluster_name = "" } } do
        local ok, err = pcall(tp.edit_cluster, tp, "c-dev-h100", bad)
        assert.is_false(ok)
        assert.match("tensorpool.edit_cluster: fields must be a table of cluster_name, deletion_protection", err)
      end
      local ok, err = pcall(tp.edit_storage, tp, "s-scratch", { size_gb = 1.5 })
      assert.is_false(ok)
      assert.match("size_gb must be a positive integer", err)
      assert.has_error(function() tp:edit_cluster("c-dev-h100", { cluster_name = "x" }, { nope = 1 }) end)
      assert.equal(n, #log())
    end)
  end)

  describe("jobs", function()
    it("list_jobs and get_job_info", function()
      local jobs, whole = assert(tp:list_jobs { include_org = true })
      assert.equal(8, #jobs)
      assert.equal("Found 8 jobs", whole.message)
      assert.equal("include_org=true", last().query)
      assert.equal("running", jobs:first { id = "j-train-001" }.status)
      local info = assert(tp:get_job_info("j-done-005"))
      assert.equal("completed", info.status)
      assert.equal("/job/info/j-done-005", last().path)
    end)

    it("cancel_job, then wait_job until canceled", function()
      local res = assert(tp:cancel_job("j-train-001"))
      assert.equal("canceling", res.status)
      assert.equal("POST", last().method)
      assert.equal("/job/cancel/j-train-001", last().path)
      local info = assert(tp:wait_job("j-train-001", { deadline = 10, interval = 0 }))
      assert.equal("canceled", info.status)
    end)

    it("wait_job says how a job that finished first ended", function()
      assert(tp:cancel_job("j-crash-004"))
      local v, err = tp:wait_job("j-crash-004", { deadline = 10, interval = 0 })
      assert.is_nil(v)
      assert.equal("failed", err.code)
      assert.equal("error", err.job_status)
      assert.equal("job j-crash-004 ended error, not canceled", err.message)
    end)

    it("cancel_jobs{wait = true}: canceled, finished first, already finished, already canceled", function()
      local r = tp:cancel_jobs({ "j-train-001", "j-sweep-003", "j-done-005", "j-canceled-006" }, { wait = true })
      assert.same({ "j-train-001", "j-canceled-006" }, r.ok, tostring(r))
      assert.equal("canceled", r.results["j-train-001"].job.status)
      assert.equal("completed", r.failed["j-sweep-003"].job_status)
      assert.equal("conflict", r.failed["j-done-005"].code)
      assert.match("^canceled 2 of 4", tostring(r))
    end)

    it("cancel_jobs counts against max", function()
      local ok, err = pcall(tp.cancel_jobs, tp, { "a", "b", "c" }, { max = 2 })
      assert.is_false(ok)
      assert.match("refusing to cancel 3 ids, more than max = 2", err)
    end)

    it("delete_job and delete_jobs: finished jobs only", function()
      assert(tp:delete_job("j-done-005"))
      assert.equal("DELETE", last().method)
      assert.equal("/job/delete/j-done-005", last().path)
      local v, err = tp:delete_job("j-train-001")
      assert.is_nil(v)
      assert.equal("conflict", err.code)
      local r = tp:delete_jobs({ "j-canceled-006", "j-infra-007", "j-done-005" })
      assert.same({ "j-canceled-006", "j-infra-007" }, r.ok)
      assert.equal("not_found", r.failed["j-done-005"].code)
    end)
  end)

  describe("failures", function()
    it("402 (balance too low) is forbidden, with the server's words", function()
      local broke = gpucloud.tensorpool { url = sim.url, api_key = "tp-sim-broke-key", getenv = no_env }
      assert(broke:list_storage())
      local v, err = broke:destroy_storage("s-scratch")
      assert.is_nil(v)
      assert.equal(402, err.status)
      assert.equal("forbidden", err.code)
      assert.match("Insufficient balance", err.message)
      broke:close()
      -- a bare 402 still says what it means
      assert(sim:inject { method = "DELETE", path = "/storage/{storage_id}", status = 402, body = "" })
      v, err = tp:destroy_storage("s-scratch")
      assert.is_nil(v)
      assert.equal("forbidden", err.code)
      assert.equal("Payment Required: the account's balance is too low", err.message)
    end)

    it("an answer without the structured array is bad_response with the whole answer, never an empty list", function()
      for _, path in ipairs { "/storage/list", "/job/list" } do
        assert(sim:inject { method = "GET", path = path, status = 200, json = { message = "You have 2 things" } })
      end
      for _, op in ipairs { "list_storage", "list_jobs" } do
        local v, err = tp[op](tp)
        assert.is_nil(v)
        assert.equal("bad_response", err.code)
        assert.equal("You have 2 things", err.body.message)
      end
      assert(sim:inject { method = "GET", path = "/job/info/{job_id}", status = 200, json = { message = "ok" } })
      local v, err = tp:get_job_info("j-done-005")
      assert.is_nil(v)
      assert.equal("bad_response", err.code)
      assert.match("under 'job_info'", err.message)
    end)

    it("ids are checked before anything is sent", function()
      local n = #log()
      for _, op in ipairs { "get_storage_info", "destroy_storage", "get_cluster_info", "get_job_info", "cancel_job",
                            "delete_job", "wait_job" } do
        assert.has_error(function() tp[op](tp, "a/b") end)
      end
      assert.has_error(function() tp:destroy_storages { "ok", "../x" } end)
      assert.equal(n, #log())
    end)
  end)
end)
