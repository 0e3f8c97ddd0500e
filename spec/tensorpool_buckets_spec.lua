-- TensorPool's object storage buckets (issue 21): the listing (names or
-- records), a delete that works on an empty bucket and fails, saying so,
-- on one that holds objects (gpucloud never empties one), a bulk delete
-- followed until the bucket leaves the listing, and the quote.

local gpucloud = require "gpucloud"
local server = require "gpucloud.sim.server"

local function no_env() end

describe("tensorpool buckets", function()
  local s, tp

  setup(function()
    s = assert(server.start { config = { retry_after = "0" } })
  end)
  teardown(function() s:stop() end)
  before_each(function()
    assert(s:reset())
    tp = gpucloud.tensorpool { url = s.url, api_key = s.keys.tensorpool, getenv = no_env, retries = 0 }
  end)
  after_each(function() tp:close() end)

  local function sent(method)
    local out = {}
    for _, e in ipairs(assert(s:log())) do
      if e.method == method then out[#out + 1] = e.path end
    end
    return out
  end

  it("lists the buckets as records, whether the answer gives names or records", function()
    local l = assert(tp:list_buckets())
    assert.same({ "datasets-raw", "scratch-empty", "ckpt-archive" }, l:ids())
    assert(s:inject { method = "GET", path = "/object-storage/bucket/list", status = 200,
      json = { buckets = { { name = "a-bucket", size_bytes = 10 }, "plain" } } })
    l = assert(tp:list_buckets())
    assert.same({ "a-bucket", "plain" }, l:ids())
    assert.equal(10, l[1].size_bytes)
    assert(s:inject { method = "GET", path = "/object-storage/bucket/list", status = 200, json = { buckets = { 7 } } })
    local bad, err = tp:list_buckets()
    assert.is_nil(bad)
    assert.equal("bad_response", err.code)
  end)

  it("deletes an empty bucket", function()
    assert(tp:delete_bucket("scratch-empty"))
    assert.same({ "datasets-raw", "ckpt-archive" }, assert(tp:list_buckets()):ids())
  end)

  it("fails on a bucket that holds objects, says so, and sends nothing that would empty it", function()
    local v, err = tp:delete_bucket("datasets-raw")
    assert.is_nil(v)
    assert.equal("conflict", err.code)
    assert.is_true(err.not_empty)
    assert.match("bucket datasets-raw is not empty", err.message, 1, true)
    assert.match("gpucloud never empties one", err.message, 1, true)
    assert.match("server: The bucket you tried to delete is not empty", err.message, 1, true)
    -- in bulk too, beside a bucket that goes
    local r = tp:delete_buckets({ "ckpt-archive", "scratch-empty" }, { rate = false })
    assert.same({ "scratch-empty" }, r.ok)
    assert.is_true(r.failed["ckpt-archive"].not_empty)
    local deletes = sent("DELETE")
    table.sort(deletes)
    assert.same({ "/object-storage/bucket/delete/ckpt-archive", "/object-storage/bucket/delete/datasets-raw",
                  "/object-storage/bucket/delete/scratch-empty" }, deletes)
    assert.same({ "datasets-raw", "ckpt-archive" }, assert(tp:list_buckets()):ids())
  end)

  it("with wait = true, follows a delete until the bucket has left the listing, or says it may not have", function()
    local r = tp:delete_buckets({ "scratch-empty" }, { rate = false, wait = true })
    assert.same({ "scratch-empty" }, r.ok, tostring(r))
    assert.equal("absent from the listing", r.results["scratch-empty"].confirmed)
    -- answered 204, and still listed: not done, and it may have landed
    assert(s:inject { method = "DELETE", path = "/object-storage/bucket/delete/ckpt-archive", status = 204, body = "" })
    r = tp:delete_buckets({ "ckpt-archive" }, { rate = false, wait = true, deadline = 0.3 })
    assert.same({}, r.ok, tostring(r))
    local err = r.failed["ckpt-archive"]
    assert.equal("timeout", err.code)
    assert.is_true(err.may_have_landed)
    assert.same({ "datasets-raw", "ckpt-archive" }, assert(tp:list_buckets()):ids())
  end)

  it("does not call any other refusal a full bucket", function()
    local _, err = tp:delete_bucket("no-such-bucket")
    assert.equal("not_found", err.code)
    assert.is_nil(err.not_empty)
    assert.not_match("not empty", err.message, 1, true)
  end)

  it("quotes a storage volume's hourly rate, the answer whole", function()
    local q = assert(tp:get_storage_quote(100))
    assert.near(100 * 0.10 / 730, q.hourly_rate, 1e-12)
    assert.same({ "/storage/quote" }, sent("GET"))
    assert.has_error(function() tp:get_storage_quote(0) end)
  end)
end)
