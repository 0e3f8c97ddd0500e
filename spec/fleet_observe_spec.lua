-- fleet:observe: idleness observed, not guessed, on a virtual clock. A
-- thing idle 5 h, active for one observation, then idle 2 h has been idle
-- 2 h; an endpoint whose workers cannot be read is never idle; a failed
-- listing or a gap in the observations starts things again; the state file
-- is replaced whole, under a lock, and a damaged one is an error naming it.

local core = require "gpucloud.core"
local json = require "gpucloud.json"
local support = require "support.unattended"

local HOUR = 3600

describe("fleet:observe", function()
  local clock = { t = 0 }
  local suite = support.suite(clock, 1767225600)
  local s, fleet, path
  before_each(function()
    s, fleet = suite.s, suite.fleet
    path = support.tmpfile("state.json")
  end)

  -- Observe every `step` seconds for `span` seconds (the last at the end).
  local function observe_for(span, step)
    local rows, errs
    local t_end = clock.t + span
    while true do
      rows, errs = assert(fleet:observe(path))
      if clock.t >= t_end then break end
      clock.t = clock.t + step
    end
    return rows, errs
  end

  local function row(rows, key)
    for _, r in ipairs(rows) do if r.key == key then return r end end
  end

  it("counts idle time from the last time a thing was seen active", function()
    observe_for(5 * HOUR, 1800)
    clock.t = clock.t + 1800
    support.reset_with(s, support.busy(102))
    local rows = assert(fleet:observe(path))
    assert.equal(0, row(rows, "vast:endpoint:102").idle_for, "seen active")
    assert(s:reset())
    clock.t = clock.t + 1800
    rows = observe_for(2 * HOUR, 1800)
    assert.equal(2 * HOUR, row(rows, "vast:endpoint:102").idle_for)
    assert.equal(8 * HOUR, row(rows, "vast:endpoint:104").idle_for, "idle all along")
    assert.equal(0, row(rows, "vast:endpoint:101").idle_for, "busy all along")
    -- what --idle-for 6h selects
    local picked = rows:filter(function(r) return r.kind == "endpoint" and (r.idle_for or 0) >= 6 * HOUR end)
    assert.same({ "vast:endpoint:104" }, picked:ids())
  end)

  it("never counts an endpoint whose workers cannot be read as idle", function()
    observe_for(8 * HOUR, 1800)
    local rows = assert(fleet:list { state = path })
    assert.is_nil(row(rows, "vast:endpoint:105").idle_for)
    local state = json.decode(support.read(path))
    assert.equal("unknown", state.things["vast:endpoint:105"].state)
    assert.is_nil(state.things["vast:endpoint:105"].idle_since)
    assert.equal(8 * HOUR, state.things["vast:endpoint:105"].last_seen - state.things["vast:endpoint:105"].since)
  end)

  it("makes a thing unknown while its listing fails, and starts it again after", function()
    observe_for(3 * HOUR, 1800)
    assert(s:inject { method = "GET", path = "/api/v0/endptjobs/", status = 500, body = "down", times = 1 })
    clock.t = clock.t + 1800
    local rows, errs = assert(fleet:observe(path))
    assert.equal("vast:endpoint", errs[1].fleet)
    assert.is_nil(row(rows, "vast:endpoint:104"))
    local state = json.decode(support.read(path))
    assert.equal("unknown", state.things["vast:endpoint:104"].state)
    assert.equal("failed", state.things["vast:instance:5006"].state, "the other kinds go on")
    clock.t = clock.t + 1800
    rows = assert(fleet:observe(path))
    assert.equal(0, row(rows, "vast:endpoint:104").idle_for, "observed again from now")
    assert.equal(4 * HOUR, row(rows, "vast:instance:5006").idle_for, "failed, and its listing never failed")
  end)

  it("starts again after a gap in the observations", function()
    observe_for(3 * HOUR, 1800)
    clock.t = clock.t + 3 * HOUR
    local rows = assert(fleet:observe(path))
    assert.equal(0, row(rows, "vast:endpoint:104").idle_for)
    -- and list --state says nothing of a state file older than the gap
    clock.t = clock.t + 2 * HOUR
    rows = assert(fleet:list { state = path })
    assert.is_nil(row(rows, "vast:endpoint:104").idle_for)
  end)

  it("forgets a thing that is gone, and starts it fresh if it comes back", function()
    observe_for(2 * HOUR, 1800)
    support.reset_with(s, function(seed)
      for i, e in ipairs(seed.vast.endpoints) do
        if e.id == 104 then table.remove(seed.vast.endpoints, i) break end
      end
    end)
    clock.t = clock.t + 1800
    assert(fleet:observe(path))
    assert.is_nil(json.decode(support.read(path)).things["vast:endpoint:104"])
    assert(s:reset())
    clock.t = clock.t + 1800
    local rows = assert(fleet:observe(path))
    assert.equal(0, row(rows, "vast:endpoint:104").idle_for)
  end)

  it("replaces the file whole and leaves nothing beside it", function()
    observe_for(HOUR, 1800)
    local p = io.popen("ls -A '" .. path:match("^(.*)/") .. "'")
    local names = p:read("*a")
    p:close()
    assert.equal("state.json\nstate.json.lock\n", names)
    local state = json.decode(support.read(path))
    assert.equal(3, state.observations)
  end)

  it("is an error naming a damaged file, and leaves it as it was", function()
    support.write(path, '{"gpucloud_state": 1, "things": {"vast:endpoint:102": {"state": "idle"')
    local rows, err = fleet:observe(path)
    assert.is_nil(rows)
    assert.equal("invalid", err.code)
    assert.match(path, err.message, 1, true)
    assert.match("damaged", err.message, 1, true)
    assert.equal('{"gpucloud_state": 1, "things": {"vast:endpoint:102": {"state": "idle"', support.read(path))
    -- an entry of the wrong shape, or another JSON document, is damaged too
    support.write(path, '{"gpucloud_state": 1, "things": {"vast:endpoint:102": {"state": "idle", "since": "x"}}}')
    assert.is_nil((fleet:observe(path)))
    support.write(path, "[]")
    assert.is_nil((fleet:observe(path)))
    local list_rows, errs = fleet:list { state = path }
    assert.equal("state", errs[1].fleet)
    assert.match(path, errs[1].message, 1, true)
    assert.is_true(#list_rows > 0)
  end)

  it("waits for another observation's lock, and says so when it cannot", function()
    observe_for(HOUR, 1800)
    local before = support.read(path)
    local lock = assert(core.lock(path .. ".lock"))
    clock.t = clock.t + 1800
    local rows, err = fleet:observe(path, { lock_wait = 0 })
    assert.is_nil(rows)
    assert.equal("conflict", err.code)
    assert.match("held by another run", err.message, 1, true)
    assert.equal(before, support.read(path))
    lock:unlock()
    assert(fleet:observe(path, { lock_wait = 0 }))
  end)
end)
