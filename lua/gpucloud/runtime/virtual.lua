-- A virtual clock, and runtimes that keep time by it: now() is a counter,
-- sleep(s) moves it on at once (and tells `on_sleep`, so a simulator's
-- clock can follow). Requests take no time on it. Pacing, backoff,
-- Retry-After, deadlines and waits run on it without waiting, and what
-- they did is asserted as exact times: the specs' clock.
--
--   local virtual = require "gpucloud.runtime.virtual"
--   local clock = virtual.clock { start = 1000 }
--   gpucloud.vast { runtime = virtual.new(clock) }         -- libcurl, virtual time
--   gpucloud.vast { runtime = virtual.new(clock, send) }   -- a transport function
--   clock.now(), clock.slept (every pause, in order)

local M = {}

--- A clock {now, sleep, advance, slept}: starts at `opts.start` (default
-- 0); `opts.on_sleep(s, now)` after each pause of s > 0 seconds.
function M.clock(opts)
  opts = opts or {}
  local t = opts.start or 0
  local c = { slept = {}, on_sleep = opts.on_sleep }
  function c.now() return t end
  function c.sleep(s)
    if type(s) ~= "number" or s ~= s or s <= 0 then return end
    t = t + s
    c.slept[#c.slept + 1] = s
    if c.on_sleep then c.on_sleep(s, t) end
  end
  --- Move time on without a pause of the code's (what passed elsewhere).
  function c.advance(s) t = t + s end
  return c
end

--- A runtime on `clock` (default: a new one): libcurl's (the easy handle
-- for one call, the multi for many at once, as runtime/curl.lua), or
-- `transport(req) -> res | nil, err` called in turn. rt.clock is the clock.
function M.new(clock, transport)
  clock = clock or M.clock()
  local rt
  if transport then
    rt = require("gpucloud.runtime.func").wrap { request = transport, now = clock.now, sleep = clock.sleep }
  else
    rt = require("gpucloud.runtime.curl").new(clock)
  end
  rt.clock = clock
  -- the scheduler moves this clock on while answers are awaited
  rt.virtual = true
  return rt
end

return M
