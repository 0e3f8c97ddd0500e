-- Pacing: a token bucket per operation, so a loop over hundreds of ids stays
-- under an API's rate limit instead of provoking 429s. The bucket holds one
-- token (no bursts: the servers' own limiters are not documented beyond a
-- rate) and `reserve` books the next free slot, so concurrent callers are
-- spaced out too.

local M = {}

local Bucket = {}
Bucket.__index = Bucket

function M.new(rate)
  return setmetatable({ rate = rate, next_free = -math.huge }, Bucket)
end

--- Book a slot at or after `now`; returns the seconds to wait for it.
function Bucket:reserve(now)
  local at = math.max(now, self.next_free)
  self.next_free = at + 1 / self.rate
  return at - now
end

--- The rate (requests/s) an operation is paced at, or nil for none.
-- `setting` is the client's or call's `rate`: false/nil (off), true (the
-- operation's documented threshold) or a number.
function M.rate_for(setting, row)
  if setting == true then return row.rate end
  if type(setting) == "number" then return setting end
  return nil
end

return M
