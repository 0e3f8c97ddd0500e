-- Pacing through a lua_shared_dict (the pace_dict option), with a fake ngx:
-- clients in different workers book slots of one bucket, on the system
-- clock every worker reads, under a lock that a dead worker cannot hold
-- for ever. spec/example_openresty_spec.lua does it for real, in four
-- nginx workers against the simulator's rate limiter.

local pace = require "gpucloud.pace"

-- A clock the test moves, and a shared dict over it (add, get, set,
-- delete, with add's expiry), as ngx.shared.DICT behaves.
local function fake_ngx()
  local clock = { t = 1000000 }
  local items = {}
  local function live(k)
    local it = items[k]
    if it and it.exp and it.exp <= clock.t then items[k] = nil end
    return items[k]
  end
  local dict = {
    add = function(_, k, v, ttl)
      if live(k) then return false, "exists" end
      items[k] = { v = v, exp = ttl and ttl > 0 and (clock.t + ttl) or nil }
      return true
    end,
    get = function(_, k) local it = live(k) return it and it.v end,
    set = function(_, k, v) items[k] = { v = v } return true end,
    delete = function(_, k) items[k] = nil end,
  }
  local ngx = {
    shared = { pace = dict },
    now = function() return clock.t end,
    update_time = function() clock.t = clock.t + (clock.step or 0) end,
  }
  return ngx, clock, dict
end

describe("pacing through a shared dict", function()
  local saved
  before_each(function() saved = rawget(_G, "ngx") end)
  after_each(function() rawset(_G, "ngx", saved) end)

  it("spaces the bookings of every client naming the dict, on the system clock", function()
    local ngx = fake_ngx()
    rawset(_G, "ngx", ngx)
    -- two workers' clients: private states of their own, one dict
    local a = { pace_dict = "pace", buckets = {} }
    local b = { pace_dict = "pace", buckets = {} }
    -- the callers' own clocks (a monotonic one, say) do not matter
    assert.equal(0, pace.reserve(a, "vast.delete_endpoint", 3, 5))
    assert.near(1 / 3, pace.reserve(b, "vast.delete_endpoint", 3, 123456), 1e-9)
    assert.near(2 / 3, pace.reserve(a, "vast.delete_endpoint", 3, 0), 1e-9)
    -- another operation has a bucket of its own
    assert.equal(0, pace.reserve(b, "vast.delete_workergroup", 3, 0))
    -- nothing went into the clients' own buckets
    assert.is_nil(next(a.buckets))
    assert.is_nil(next(b.buckets))
  end)

  it("waits out a lock left by a worker that died holding it", function()
    local ngx, clock, dict = fake_ngx()
    rawset(_G, "ngx", ngx)
    assert(dict:add("gpucloud:vast.delete_endpoint@3#lock", true, 0.05))
    clock.step = 0.001 -- time passes while the booking spins
    local p = { pace_dict = "pace", buckets = {} }
    assert.equal(0, pace.reserve(p, "vast.delete_endpoint", 3, 0))
  end)

  it("fails the booking when the lock never goes, instead of spinning for ever", function()
    local ngx, clock, dict = fake_ngx()
    rawset(_G, "ngx", ngx)
    assert(dict:add("gpucloud:vast.delete_endpoint@3#lock", true)) -- no expiry
    clock.step = 0.001
    local p = { pace_dict = "pace", buckets = {} }
    assert.has_error(function() pace.reserve(p, "vast.delete_endpoint", 3, 0) end,
      "gpucloud: the pacing dict stayed locked for 0.2 s")
  end)

  it("raises when no lua_shared_dict has the name", function()
    rawset(_G, "ngx", fake_ngx())
    assert.has_error(function() pace.reserve({ pace_dict = "nope", buckets = {} }, "x", 3, 0) end,
      "gpucloud: no lua_shared_dict named 'nope'")
  end)
end)
