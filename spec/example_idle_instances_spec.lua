-- examples/destroy_idle_instances.lua against the simulator: a dry run by
-- default (nothing destroyed, the same ids the run takes), --yes destroys
-- exactly the idle ones, and a listing that fails destroys nothing.

local fixture = require "support.sim"
local sub = require "support.subprocess"

local IDLE = { 5004, 5005, 5006, 5007, 5008 } -- stopped long ago, exited, unknown, offline

describe("examples/destroy_idle_instances.lua", function()
  -- real time: the script is a child process with its own clock
  local sim = fixture.use { real_time = true }

  local function script(...)
    -- (the exit status echoed: io.popen's close reports none on Lua 5.1)
    local words = { ... }
    for i, w in ipairs(words) do words[i] = sub.quote(w) end
    return sub.sh(string.format("env %s %s %s examples/destroy_idle_instances.lua %s; echo exit=$?",
      sub.env_words { VAST_URL = sim.url, VAST_API_KEY = sim.keys.vast, HOME = "/nonexistent" }, sub.ENV, sub.LUA,
      table.concat(words, " ")))
  end

  local function remaining()
    local set = {}
    for _, inst in ipairs(assert(sim:state()).vast.instances) do set[inst.id] = true end
    return set
  end

  local function deletes()
    local n = 0
    for _, e in ipairs(assert(sim:log())) do
      if e.method == "DELETE" then n = n + 1 end
    end
    return n
  end

  it("a dry run by default: lists the idle instances with their cost per hour, destroys nothing", function()
    local out = script()
    assert.match("exit=0\n$", out)
    for _, id in ipairs(IDLE) do assert.match("idle  " .. id .. " ", out, 1, true) end
    assert.match("$  2.450/h", out, 1, true)
    assert.match("13 instances, 5 idle, listed at $4.782/h together", out, 1, true)
    assert.match("dry run: would delete 5 of 5: 5004, 5005, 5006, 5007, 5008", out, 1, true)
    assert.not_match("5013", out, 1, true) -- stopped, but started recently
    assert.equal(0, deletes())
  end)

  it("--yes destroys exactly those", function()
    local out = script("--yes")
    assert.match("exit=0\n$", out)
    assert.match("deleted 5 of 5", out, 1, true)
    local left = remaining()
    for _, id in ipairs(IDLE) do assert.is_nil(left[id]) end
    for _, id in ipairs { 5001, 5002, 5003, 5009, 5010, 5011, 5012, 5013 } do assert.is_true(left[id]) end
  end)

  it("--label and --hours narrow it; --max refuses more", function()
    assert.match("would delete 3 of 3: 5006, 5007, 5008", (script("--hours", "1000000")), 1, true)
    assert.match("deleted 1 of 1", (script("--yes", "--label", "ci")), 1, true)
    assert.match("refusing to destroy 4 instances: more than %-%-max 2", (script("--yes", "--max", "2")))
    assert.equal(1, deletes())
  end)

  it("destroys nothing when the listing fails, and says so", function()
    assert(sim:inject { method = "GET", path = "/api/v1/instances/", status = 401,
                        json = { success = false, error = "invalid_api_key", msg = "Invalid or missing API key" } })
    local out = script("--yes")
    assert.match("exit=1\n$", out)
    assert.match("not destroying anything: the instance listing failed", out, 1, true)
    assert.equal(0, deletes())
  end)
end)
