-- What each first step of a script loads and costs, against a simulator
-- of its own (the steps: tools/load_steps.lua, each run in RUNS fresh
-- processes): per step, the modules it added and the median CPU time it
-- took (os.clock), for issue 23's loading figures:
--
--   LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./build/5.4/?.so;;' \
--     lua5.4 tools/lib_load.lua [RUNS]
--
-- (tools/cli_load.lua does the same for a command line.)

local server = require "gpucloud.sim.server"

local q = server.shell_quote
local LUA = rawget(_G, "jit") and "luajit" or ("lua" .. _VERSION:match("%d+%.%d+"))
local runs = tonumber(arg[1]) or 21

local sim = assert(server.start())
local env = "SIM_URL=" .. q(sim.url) .. " VAST_API_KEY=" .. q(sim.keys.vast) .. " "
local order, times, mods = {}, {}, {}
for _ = 1, runs do
  assert(sim:reset())
  local p = assert(io.popen(env .. LUA .. " tools/load_steps.lua 2>&1"))
  local out = p:read("*a")
  p:close()
  for name, ms, list in out:gmatch("(%w+) ([%d.]+) ?([^\n]*)") do
    if not times[name] then
      times[name] = {}
      order[#order + 1] = name
    end
    times[name][#times[name] + 1] = tonumber(ms)
    mods[name] = list
  end
end
sim:stop()

local total = 0
for _, name in ipairs(order) do
  local ts = times[name]
  table.sort(ts)
  local n = 0
  for _ in mods[name]:gmatch("%S+") do n = n + 1 end
  total = total + n
  local median = ts[math.floor((#ts + 1) / 2)]
  print(string.format("%-8s %6.2f ms CPU (median of %d)  +%d modules (%d in all): %s", name, median, #ts, n, total,
    mods[name]))
end
