-- Money: a cost in dollars per hour is a finite, non-negative number, or
-- it is unknown, with the reason. Every cost the fleet shows, plans with or
-- sums passes here first, so a server's -5, 1e999 or "free" is never a
-- price and never part of a sum.

local args = require "gpucloud.args"

local M = {}

-- Beyond any real price: a value past it is a server's mistake (and sums
-- of values below it stay finite).
M.MAX_PER_HOUR = 1e9

--- A $/h value as the fleet may use it: the number, or nil and why not.
function M.per_hour(v)
  if v == nil then return nil, "not given" end
  if type(v) ~= "number" then return nil, "not a number: " .. args.describe(v) end
  if v ~= v then return nil, "not a number: NaN" end
  if v < 0 then return nil, "negative: " .. args.id_text(v) end
  if v > M.MAX_PER_HOUR then return nil, "beyond any price: " .. args.id_text(v) end
  if v == 0 then return 0 end -- -0 is 0
  return v
end

--- A known $/h as text: "$4.50/h".
function M.text(v)
  return string.format("$%.2f/h", v)
end

return M
