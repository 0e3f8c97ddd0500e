-- Pacing: a token bucket per operation and rate, so a loop over hundreds
-- of ids stays under an API's rate limit instead of provoking 429s. A
-- bucket holds one token (no bursts: the servers' own limiters are not
-- documented beyond a rate) and `reserve` books the next free slot, so
-- concurrent callers are spaced out too. Buckets live in the client's
-- private state; inside nginx a lua_shared_dict (the `pace_dict` option)
-- holds them instead, so every worker paces against the same slots.

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

-- The shared dict keeps each bucket's next free slot as a number. The
-- booking reads and writes it under a lock made of dict:add (atomic across
-- workers; it expires by itself should a worker die holding it); nothing
-- between taking and dropping the lock can yield. Times are ngx.now(),
-- which every worker reads from the same system clock.
local function reserve_shared(dict, name, rate, now)
  local lock = name .. "#lock"
  for _ = 1, 10000 do
    if dict:add(lock, true, 0.05) then
      local at = math.max(now, dict:get(name) or -math.huge)
      dict:set(name, at + 1 / rate)
      dict:delete(lock)
      return at - now
    end
  end
  error("gpucloud: the pacing dict stayed locked", 0)
end

--- Book the next slot of `op` at `rate` for a client; seconds to wait.
function M.reserve(p, op, rate, now)
  local name = op .. "@" .. rate
  if p.pace_dict then
    local ngx = rawget(_G, "ngx")
    local dict = ngx and ngx.shared and ngx.shared[p.pace_dict]
    if not dict then error("gpucloud: no lua_shared_dict named '" .. p.pace_dict .. "'", 0) end
    return reserve_shared(dict, (p.pace_prefix or "") .. name, rate, now)
  end
  return reserve_local(p, name, rate, now)
end

return M
