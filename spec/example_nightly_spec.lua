-- examples/nightly_cleanup.lua: observe every 15 minutes, apply nightly.
-- Over a simulated day (a virtual clock; the simulator changes under it)
-- it deletes exactly the things observed idle for longer than the
-- threshold, says for each thing why it went or stayed, journals every
-- delete; as a script (through bin/gpucloud-sim, no LUA_PATH of ours) it
-- observes, dry-runs, and refuses bad arguments.

local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"
local support = require "support.unattended"

local q = server.shell_quote
local LUA = require("support.subprocess").LUA

local function run(cmd)
  local err = os.tmpname()
  local p = assert(io.popen("( " .. cmd .. " ) 2>" .. q(err) .. "; echo \"rc=$?\""))
  local all = p:read("*a")
  p:close()
  local f = assert(io.open(err, "rb"))
  local stderr = f:read("*a")
  f:close()
  os.remove(err)
  local out, rc = all:match("^(.-)rc=(%d+)%s*$")
  return out, stderr, tonumber(rc)
end

local function example(...)
  return run(table.concat({ "env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4",
    "bin/gpucloud-sim run --retry-after 0 --", LUA, "examples/nightly_cleanup.lua", ... }, " "))
end

describe("examples/nightly_cleanup.lua over a simulated day", function()
  local s, main, dir
  local clock = { t = 0 }

  setup(function()
    s = assert(server.start { config = { retry_after = "0" } })
    main = assert(loadfile("examples/nightly_cleanup.lua"))({}).main
  end)
  teardown(function()
    s:stop()
    support.cleanup()
  end)

  -- One run of the example at the virtual time; its log.
  local function nightly(...)
    local env = { VAST_URL = s.url, VAST_API_KEY = s.keys.vast, TENSORPOOL_ENGINE = s.url,
                  TENSORPOOL_KEY = s.keys.tensorpool }
    local buf = {}
    local out = { write = function(_, ...) for _, x in ipairs { ... } do buf[#buf + 1] = x end end }
    local status = main({ ... }, {
      now = function() return clock.t end, getenv = function(name) return env[name] end, out = out, err = out,
      client_options = function() return { runtime = support.virtual_runtime() } end,
    })
    return status, table.concat(buf)
  end

  -- The day: volume 3003 is attached until 19:00 (idle 5 h at night);
  -- endpoint 102 has a running worker from 20:00 to 20:15 (idle 3 h 45 m
  -- at night); everything else keeps its state all day.
  local function world_at(h)
    if h < 19 then
      return "attached", function(seed) support.change("volumes", 3003, { instances = json.array { 5002 } })(seed) end
    elseif h >= 20 and h < 20.25 then
      return "busy", support.busy(102)
    end
    return "default", nil
  end

  it("deletes exactly what was observed idle longer than the threshold, and says why for each", function()
    local _, d = support.tmpfile("x")
    dir = d
    local state, journal, keepf = dir .. "/state.json", dir .. "/journal.jsonl", dir .. "/keep"
    support.write(keepf, "# its destroys fail on this simulator\nname=flaky-*\n")
    clock.t = 1767225600 -- 2026-01-01T00:00:00Z
    local current
    for step = 0, 96 do
      local h = step / 4
      local name, edit = world_at(h)
      if name ~= current then
        support.reset_with(s, edit)
        current = name
      end
      local status, log = nightly("observe", "--state", state)
      assert.equal(0, status, log)
      if step < 96 then clock.t = clock.t + 15 * 60 end
    end
    assert(s:clear_log())
    local status, log = nightly("apply", "--state", state, "--journal", journal, "--idle-for", "6", "--keep", keepf,
      "--yes")
    assert.equal(0, status, log)
    local deleted = {}
    for key in log:gmatch("Z deleted (%S+)\n") do deleted[#deleted + 1] = key end
    table.sort(deleted)
    assert.same({
      "tensorpool:storage:s-legacy", "tensorpool:storage:s-scratch", "vast:endpoint:104", "vast:instance:5006",
      "vast:instance:5007", "vast:instance:5008", "vast:volume:3002",
    }, deleted)
    -- why each stayed
    assert.match("Z stays vast:endpoint:102: idle; observed idle for 3h45m, less than 6h00m\n", log, 1, true)
    assert.match("Z stays vast:volume:3003: idle; observed idle for 5h00m, less than 6h00m\n", log, 1, true)
    assert.match("Z stays vast:endpoint:105: state unknown, never idle", log, 1, true)
    assert.match("Z stays vast:endpoint:101: running; observed idle for 0h00m", log, 1, true)
    assert.match("Z stays tensorpool:storage:s-stuck: deletion protection is on\n", log, 1, true)
    assert.match("Z goes  vast:endpoint:104: idle; observed idle for 24h00m (at least 6h00m)\n", log, 1, true)
    assert.match("kept: tensorpool:storage:s-flaky (kept by " .. keepf .. ": line 2 (name=flaky-*))", log, 1, true)
    assert.match("Z done: 7 deleted, 0 failed, 0 skipped", log, 1, true)
    -- the simulator's record agrees: a DELETE for each, nothing else
    local paths = {}
    for _, e in ipairs(assert(s:log())) do
      if e.method == "DELETE" then paths[#paths + 1] = e.path end
    end
    assert.equal(7, #paths)
    -- the journal resolves every intent: gone
    assert.equal(14, #support.journal_lines(journal))
  end)

  it("stays its hand when a listing fails", function()
    assert(s:reset())
    local state = dir .. "/state2.json"
    assert.equal(0, (nightly("observe", "--state", state)))
    assert(s:inject { method = "GET", path = "/storage/list", status = 500, body = "down", times = -1 })
    assert(s:clear_log())
    local status, log = nightly("apply", "--state", state, "--journal", dir .. "/j2", "--yes")
    assert.equal(1, status)
    assert.match("deleting nothing: 1 listing(s) failed", log, 1, true)
    for _, e in ipairs(assert(s:log())) do assert.not_equal("DELETE", e.method, e.path) end
    assert(s:clear_injections())
  end)
end)

describe("examples/nightly_cleanup.lua as a script", function()
  it("observes, and without --yes deletes nothing and says why each thing stays", function()
    local dir = select(2, support.tmpfile("x"))
    local out, err, rc = example("observe", "--state", dir .. "/s.json")
    assert.equal(0, rc, out .. err)
    assert.match("Z observed %d+ things: 0 idle for at least 6h, %d+ unknown", out)
    out, err, rc = example("apply", "--state", dir .. "/s.json", "--journal", dir .. "/j")
    assert.equal(0, rc, out .. err)
    assert.match("Z stays vast:endpoint:104: idle; observed idle for 0h%d%dm, less than 6h00m\n", out)
    assert.match("Z plan: nothing to delete", out, 1, true)
    assert.not_match("deleted ", out)
    assert.not_match("table: 0x", out .. err)
    support.cleanup()
  end)

  it("refuses a bad argument with exit 2", function()
    local _, err, rc = example("apply", "--state", "x", "--idle-for", "1e3")
    assert.equal(2, rc)
    assert.match("usage: nightly_cleanup.lua", err, 1, true)
    _, _, rc = example("--older-than", "1")
    assert.equal(2, rc)
  end)
end)
