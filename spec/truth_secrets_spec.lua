-- Issue 18, finding 6: the key is redacted where text is made. Every answer
-- is cleared of the account key as it is read (request.lua), so no error,
-- info, cursor, state, report line or result made from a server's words
-- can hold it, whichever path made it. The simulator's `echo_key` fault
-- puts the caller's own key wherever an answer says {{key}}. Each of these
-- failed on main (a1d925a).

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"
local cli = require "support.cli"
local unpack = table.unpack or unpack -- luacheck: ignore

local function no_env() end

-- Does `v` (tables walked, keys too) hold the key, or a 10-byte piece of it?
local holds = require("support.lying").holds

describe("finding 6: the key is redacted where text is made", function()
  local s, vast, tp
  setup(function() s = assert(server.start {}) end)
  teardown(function() s:stop() end)
  before_each(function()
    assert(s:reset())
    assert(s:config { retry_after = "0", request_step = 0 })
    vast = gpucloud.vast { url = s.url, api_key = s.keys.vast, getenv = no_env, retries = 0 }
    tp = gpucloud.tensorpool { url = s.url, api_key = s.keys.tensorpool, getenv = no_env, retries = 0 }
  end)
  after_each(function()
    vast:close()
    tp:close()
  end)

  local function clean(v, what, key)
    key = key or s.keys.vast
    assert.is_false(holds(v, key), what .. " holds the key: " .. tostring(v))
  end
  local function echo(rule)
    rule.echo_key, rule.status = true, rule.status or 200
    assert(s:inject(rule))
  end

  it("the simulator's echo_key fault puts the caller's own key where an answer says {{key}}", function()
    local ok, err = s:inject { path = "/x", status = 200, body = "k", echo_key = "yes" }
    assert.is_nil(ok)
    assert.match("echo_key", err)
    echo { method = "GET", path = "/api/v0/endptjobs/", json = { success = true, results = json.array(),
                                                                  note = "{{key}}" } }
    local res = assert(s:request { path = "/api/v0/endptjobs/", headers = { Authorization = "Bearer sk-abc" } })
    assert.match('"note":"sk%-abc"', res.body)
  end)

  it("a repeated cursor's message", function()
    for _ = 1, 2 do
      echo { method = "GET", path = "/api/v1/instances/",
             json = { success = true, instances = json.array(), next_token = "{{key}}" } }
    end
    local v, err = vast:show_instances(nil, { rate = false })
    assert.is_nil(v)
    assert.equal("bad_response", err.code)
    clean(err, "the error")
  end)

  it("get_endpoint_logs returns log text with the key redacted", function()
    echo { method = "POST", path = "/get_endpoint_logs/",
           json = { logs = "worker 3: Authorization: Bearer {{key}}\nstarted" } }
    local logs = assert(vast:get_endpoint_logs(102))
    clean(logs, "the logs")
    assert.match("Bearer <redacted>", logs.logs)
  end)

  describe("TensorPool's waits", function()
    local function destroy_answers(rid)
      assert(s:inject { method = "DELETE", path = "/cluster/{cluster}", status = 202,
                        json = { cluster_id = "c-train-a100x8", request_id = rid, message = "Releasing" } })
    end
    local function clean_tp(v, what) clean(v, what, s.keys.tensorpool) end

    it("a FAILED request's message and its info.external_message", function()
      destroy_answers("r-mine")
      echo { method = "GET", path = "/request/info/{request_id}",
             json = { request_id = "r-mine", request_type = "CLUSTER_RELEASE", status = "FAILED",
                      object_id = "c-train-a100x8", external_message = "denied for key {{key}}" } }
      local r = tp:destroy_clusters({ "c-train-a100x8" }, { wait = true, deadline = 2 })
      local err = r.failed["c-train-a100x8"]
      assert.equal("failed", err.code)
      clean_tp(err, "the error")
      clean_tp(err.info.external_message, "info.external_message")
      clean_tp(r, "the report")
    end)

    it("a wait timeout's last state, and err.last", function()
      echo { method = "GET", path = "/request/info/{request_id}", times = -1,
             json = { request_id = "r-1", request_type = "CLUSTER_RELEASE", status = "PENDING {{key}}" } }
      local info, err = tp:wait_request("r-1", { deadline = 0.2, interval = 0.02 })
      assert.is_nil(info)
      assert.equal("timeout", err.code)
      clean_tp(err, "the timeout")
      clean_tp(err.last, "err.last")
    end)

    it("a request-type mismatch", function()
      destroy_answers("r-mine")
      echo { method = "GET", path = "/request/info/{request_id}",
             json = { request_id = "r-mine", request_type = "EDIT_{{key}}", status = "COMPLETED" } }
      local r = tp:destroy_clusters({ "c-train-a100x8" }, { wait = true, deadline = 2 })
      local err = r.failed["c-train-a100x8"]
      assert.equal("bad_response", err.code)
      clean_tp(err, "the error")
    end)
  end)

  it("the fleet's \"still present after delete (status ...)\"", function()
    local fleet = gpucloud.fleet { vast = vast }
    local rows = assert(fleet:list { kinds = { "instance" } }):filter { id = 5007 }
    assert.equal(1, #rows)
    -- the delete is answered and not carried out; the listing shows it still there
    assert(s:inject { method = "DELETE", path = "/api/v0/instances/{id}/", status = 200, json = { success = true } })
    echo { method = "GET", path = "/api/v1/instances/",
           json = { success = true, next_token = json.null,
                    instances = json.array { { id = 5007, actual_status = "stuck {{key}}" } } } }
    -- force: no re-read before the delete (it would see the listing below
    -- and skip the thing as changed); this is verify's message
    local report = fleet:delete(rows, { verify = true, rate = false, force = true })
    local err = report.failed["vast:instance:5007"]
    assert.match("still present after delete", err.message)
    clean(err, "the error")
    clean(report, "the report")
  end)

  it("the command line never prints it: get endpoint logs, as text and --json", function()
    local run = cli.runner(s)
    for _, words in ipairs { { "get", "endpoint", "logs", "102" }, { "get", "endpoint", "logs", "102", "--json" } } do
      echo { method = "POST", path = "/get_endpoint_logs/", json = { logs = "token={{key}} ready" } }
      -- (support.cli fails the run when a key it knows is in stdout or stderr)
      local r = run.vast(unpack(words))
      assert.equal(0, r.code, r.err)
      assert.match("<redacted>", r.out)
    end
  end)
end)
