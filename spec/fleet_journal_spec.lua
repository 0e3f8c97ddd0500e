-- The journal: a synced line before and after every destructive call. Under
-- the simulator's fault injection, `journal check` resolves every intent of
-- a bulk run and agrees with the simulator's own state; a run killed with
-- SIGKILL mid-way leaves a journal whose every line parses, and the check
-- names the intents left without an outcome.

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"
local sub = require "support.subprocess"
local support = require "support.unattended"

local q = server.shell_quote

describe("the journal", function()
  local clock = { t = 1767225600 }
  local suite = support.suite(clock)
  local s, fleet, path
  before_each(function()
    s, fleet = suite.s, suite.fleet
    path = support.tmpfile("journal.jsonl")
  end)

  local function lines(p)
    local out = {}
    for line in (support.read(p) or ""):gmatch("[^\n]+") do out[#out + 1] = line end
    return out
  end

  -- What the simulator holds now, as fleet keys (a canceled or finished job
  -- counts as done; a cluster being destroyed as gone).
  local function sim_present()
    local st = assert(s:state())
    local out = {}
    for _, kind in ipairs { { "endpoints", "endpoint" }, { "workergroups", "workergroup" },
                            { "instances", "instance" }, { "volumes", "volume" } } do
      for _, t in ipairs(st.vast[kind[1]]) do out["vast:" .. kind[2] .. ":" .. string.format("%d", t.id)] = true end
    end
    for _, c in ipairs(st.tensorpool.clusters) do
      if c.status ~= "DESTROYING" then out["tensorpool:cluster:" .. c.cluster_id] = true end
    end
    for _, v in ipairs(st.tensorpool.storage or st.tensorpool.volumes or {}) do
      if v.status ~= "DESTROYING" then out["tensorpool:storage:" .. v.id] = true end
    end
    for _, j in ipairs(st.tensorpool.jobs) do
      if j.status == "pending" or j.status == "running" or j.status == "canceling" then
        out["tensorpool:job:" .. j.id] = true
      end
    end
    return out
  end

  it("writes an intent before and an outcome after each destructive call, nothing secret", function()
    local vast = fleet.by_provider.vast.client
    local client = gpucloud.vast { url = s.url, api_key = s.keys.vast, getenv = function() end, journal = path,
                                   runtime = support.virtual_runtime() }
    assert(client:delete_endpoint(102))
    assert.is_nil((client:delete_endpoint(9999)))
    assert(vast:show_endpoints()) -- reads are not journaled, nor are a client's calls without a journal
    client:close()
    local l = lines(path)
    assert.equal(4, #l)
    local intent, outcome = json.decode(l[1]), json.decode(l[2])
    assert.same({ "intent", "vast", "endpoint", 102, "vast:endpoint:102", "delete_endpoint" },
      { intent.event, intent.provider, intent.kind, intent.id, intent.key, intent.op })
    assert.same({ "outcome", intent.intent, "ok", 200, 1 },
      { outcome.event, outcome.intent, outcome.outcome, outcome.status, outcome.attempts })
    local failed = json.decode(l[4])
    assert.same({ "failed", "not_found" }, { failed.outcome, failed.code })
    local text = support.read(path)
    assert.is_nil(text:find(s.keys.vast, 1, true))
    assert.is_nil(text:find("Bearer", 1, true))
  end)

  it("of a bulk run under faults: every intent resolved, in agreement with the simulator", function()
    -- an answer lost after the delete (resent: maybe_deleted), a 500 that
    -- did nothing, a 502 after the delete, a destroy whose request fails
    assert(s:inject { method = "DELETE", path = "/api/v0/endptjobs/102/", fault = "close", act = true, times = 2 })
    assert(s:inject { method = "DELETE", path = "/api/v0/instances/5006/", status = 500, body = "no", times = -1 })
    assert(s:inject { method = "DELETE", path = "/api/v0/instances/5007/", status = 502, body = "bad gateway",
                      act = true, times = 1 })
    local rows = assert(fleet:list())
    local plan = fleet:plan(rows:filter(function(r)
      return (r.kind == "endpoint" and r.state == "idle") or (r.kind == "instance" and r.state == "failed")
        or r.key == "tensorpool:cluster:c-dev-h100" or r.key == "tensorpool:cluster:c-flaky-b200"
        or r.key == "tensorpool:storage:s-scratch" or r.key == "tensorpool:job:j-train-001"
    end))
    local report = fleet:delete(plan, { journal = path })
    assert.is_true(#report.ok > 0 and report:failed_count() > 0, tostring(report))
    local l = support.journal_lines(path)
    for _, v in ipairs(l) do assert.equal(plan.id, v.plan) end
    local result = assert(fleet:check_journal(path))
    assert.equal(0, result.unresolved)
    assert.equal(0, result.unknown)
    assert.same({}, result.damaged)
    local present = sim_present()
    local seen = {}
    for _, item in ipairs(result.items) do
      seen[item.key] = true
      assert.equal(present[item.key] and "still there" or "gone", item.resolution, item.key)
    end
    for _, key in ipairs(plan.keys) do assert.is_true(seen[key], key .. " has an intent") end
    assert.equal("still there", (function()
      for _, it in ipairs(result.items) do if it.key == "tensorpool:cluster:c-flaky-b200" then return it.resolution end end
    end)())
    assert.is_false(result.ok)
    -- what the outcomes said
    local outcomes = {}
    for _, v in ipairs(l) do
      if v.event == "outcome" then outcomes[v.key] = v.outcome end
    end
    assert.equal("maybe_deleted", outcomes["vast:endpoint:102"])
    assert.equal("maybe_deleted", outcomes["vast:instance:5007"])
    assert.truthy(outcomes["vast:instance:5006"] == "failed" or outcomes["vast:instance:5006"] == "may_have_landed")
    assert.match("still there", tostring(result), 1, true)
  end)

  it("of a run killed with SIGKILL: every line parses, and the check names the unresolved", function()
    -- endpoint 104 is deleted, then its answer is held: the run dies waiting
    assert(s:inject { method = "DELETE", path = "/api/v0/endptjobs/104/", delay = 30, times = 1 })
    local script = support.tmpfile("run.lua")
    support.write(script, string.format([[
      local gpucloud = require "gpucloud"
      local env = function() end
      local fleet = gpucloud.fleet {
        vast = gpucloud.vast { url = %q, api_key = %q, getenv = env },
        tensorpool = gpucloud.tensorpool { url = %q, api_key = %q, getenv = env },
      }
      local rows = assert(fleet:list())
      local plan = fleet:plan(rows:filter(function(r)
        return (r.kind == "endpoint" and r.state == "idle") or r.key == "tensorpool:cluster:c-dev-h100"
      end))
      fleet:delete(plan, { journal = %q })
    ]], s.url, s.keys.vast, s.url, s.keys.tensorpool, path))
    local p = assert(io.popen(string.format("%s %s %s & echo $!", sub.ENV, sub.LUA, q(script))))
    local pid = p:read("*l")
    p:close()
    -- until the held delete has been carried out and every other call has
    -- its outcome (a bound on the polling, not a timing)
    local done = false
    for _ = 1, 400 do
      local held = false
      for _, e in ipairs(assert(s:state()).vast.endpoints) do held = held or e.id == 104 end
      local intents, outcomes = 0, 0
      for _, line in ipairs(lines(path)) do
        local v = json.decode(line)
        if v and v.event == "intent" then intents = intents + 1 end
        if v and v.event == "outcome" then outcomes = outcomes + 1 end
      end
      if not held and intents >= 3 and outcomes == intents - 1 then
        done = true
        break
      end
      require("gpucloud.core").sleep(0.05)
    end
    os.execute("kill -9 " .. pid)
    assert.is_true(done, "the run wrote its lines: " .. (support.read(path) or ""))
    support.journal_lines(path) -- every line parses
    local result = assert(fleet:check_journal(path))
    assert.equal(1, result.unresolved)
    for _, item in ipairs(result.items) do
      if item.key == "vast:endpoint:104" then
        assert.is_true(item.unresolved)
        assert.equal("gone", item.resolution, "deleted before its answer was held")
      else
        assert.is_nil(item.unresolved, item.key)
      end
    end
    assert.match("vast:endpoint:104  delete_endpoint  UNRESOLVED: no outcome recorded -> gone", tostring(result), 1, true)
  end)

  it("names damaged lines, and a journal it cannot read", function()
    support.write(path, '{"event":"intent","intent":"x-1","provider":"vast","kind":"endpoint","id":102,'
      .. '"key":"vast:endpoint:102","op":"delete_endpoint"}\n{"event":"outc')
    local result = assert(fleet:check_journal(path))
    assert.equal(1, #result.damaged)
    assert.equal(2, result.damaged[1].line)
    assert.equal(1, result.unresolved)
    assert.equal("still there", result.items[1].resolution)
    local none, err = fleet:check_journal(path .. ".missing")
    assert.is_nil(none)
    assert.match("journal.jsonl.missing", err.message, 1, true)
  end)
end)
