-- Pacing: a token bucket per operation and rate, so a loop over hundreds
-- of ids stays under an API's rate limit instead of provoking 429s. A
-- bucket holds one token (no bursts: the servers' own limiters are not
-- documented beyond a rate) and `reserve` books the next free slot, so
-- concurrent callers are spaced out too. Buckets live in the client's
-- private state; inside nginx a lua_shared_dict (the `pace_dict` option)
-- holds them instead, so every worker paces against the same slots: one
-- bucket per operation and rate for every client that names the dict
-- (clients of different accounts, which the servers limit apart, want a
-- dict each).

local M = {}

--- The rate (requests/s) an operation is paced at, or nil for none.
-- `setting` is the client's or call's `rate`: false/nil (off), true (the
-- operation's documented threshold) or a number.
function M.rate_for(setting, row)
  if setting == true then return row.rate end
  if type(setting) == "number" then return setting end
  return nil
end

local function reserve_local(p, name, rate, now)
  local buckets = p.buckets
  local next_free = buckets[name] or -math.huge
  local at = math.max(now, next_free)
  buckets[name] = at + 1 / rate
  return at - now
end

-- The shared dict keeps each bucket's next free slot as a number, booked
-- under a lock made of dict:add (atomic across workers; it expires by
-- itself should a worker die holding it). Nothing between taking and
-- dropping the lock can yield, so a holder keeps it for microseconds and
-- the others spin; after LOCK_WAIT seconds of that the lock is stale, and
-- the booking fails rather than stall the worker. Times are the system
-- clock (ngx.now after ngx.update_time), the one clock every worker reads:
-- the caller's runtime clock may be another (the C core's is monotonic).
local LOCK_TTL, LOCK_WAIT = 0.05, 0.2

local function reserve_shared(ngx, dict, name, rate)
  local lock = name .. "#lock"
  ngx.update_time()
  local start = ngx.now()
  local spins = 0
  while true do
    local ok, err = dict:add(lock, true, LOCK_TTL)
    if ok then
      ngx.update_time()
      local now = ngx.now()
      local at = math.max(now, dict:get(name) or -math.huge)
      local set, serr = dict:set(name, at + 1 / rate)
      dict:delete(lock)
      if not set then error("gpucloud: cannot book a pacing slot in the shared dict: " .. tostring(serr), 0) end
      return at - now
    end
    if err ~= "exists" then error("gpucloud: cannot lock the pacing dict: " .. tostring(err), 0) end
    spins = spins + 1
    if spins % 64 == 0 then
      ngx.update_time()
      if ngx.now() - start > LOCK_WAIT then
        error("gpucloud: the pacing dict stayed locked for " .. LOCK_WAIT .. " s", 0)
      end
    end
  end
end

--- Book the next slot of `op` at `rate` for a client; seconds to wait.
function M.reserve(p, op, rate, now)
  local name = op .. "@" .. rate
  if p.pace_dict then
    local ngx = rawget(_G, "ngx")
    local dict = ngx and ngx.shared and ngx.shared[p.pace_dict]
    if not dict then error("gpucloud: no lua_shared_dict named '" .. p.pace_dict .. "'", 0) end
    return reserve_shared(ngx, dict, "gpucloud:" .. name, rate)
  end
  return reserve_local(p, name, rate, now)
end

return M
