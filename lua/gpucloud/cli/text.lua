-- A scalar as the command line shows it: a table cell, a filter and a
-- JSON key see the same text. Whole numbers without ".0" (Lua 5.4 may hold
-- an id as 101.0, LuaJIT every number as a double); nil for a table or
-- nil. Its own module: the output and the table printer both ask, and the
-- table printer is loaded only by commands that print one.

local format = string.format

return function(v)
  if type(v) == "number" and v == math.floor(v) and math.abs(v) <= 2 ^ 53 then return format("%d", v) end
  if type(v) == "string" or type(v) == "number" or type(v) == "boolean" then return tostring(v) end
end
