-- What each first step of a script loads and costs, against a simulator
-- of its own: `require "gpucloud"`, a Vast.ai client, one call, one bulk
-- call of one id. Prints, per step, the modules it added and the CPU time
-- it took (os.clock, the median of RUNS fresh processes), for issue 23's
-- loading figures:
--
--   LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./build/5.4/?.so;;' \
--     lua5.4 tools/lib_load.lua [RUNS]
--
-- (tools/cli_load.lua does the same for a command line.)

local server = require "gpucloud.sim.server"

local q = server.shell_quote
local LUA = rawget(_G, "jit") and "luajit" or ("lua" .. _VERSION:match("%d+%.%d+"))
local runs = tonumber(arg[1]) or 21

-- One fresh process: each step's new modules and CPU milliseconds.
local CHILD = [[
local clock = os.clock
local before = {}
for k in pairs(package.loaded) do before[k] = true end
local t = clock()
local function step(name)
  local now, mods = clock(), {}
  for k in pairs(package.loaded) do if not before[k] then before[k] = true mods[#mods + 1] = k end end
  table.sort(mods)
  io.write(name, " ", string.format("%.3f", (now - t) * 1000), " ", table.concat(mods, " "), "\n")
  t = clock()
end
local gpucloud = require "gpucloud"
step "require"
local vast = gpucloud.vast { url = os.getenv("SIM_URL") }
step "client"
assert(vast:get_endpoint_workers(101))
step "call"
assert(vast:delete_workergroups({ 4242 }, { max = 1 }))
step "bulk1"
]]

local sim = assert(server.start())
local env = "SIM_URL=" .. q(sim.url) .. " VAST_API_KEY=" .. q(sim.keys.vast) .. " "
local order, times, mods = { "require", "client", "call", "bulk1" }, {}, {}
for _ = 1, runs do
  local p = assert(io.popen(env .. LUA .. " -e " .. q(CHILD) .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  for name, ms, list in out:gmatch("(%w+) ([%d.]+) ?([^\n]*)") do
    times[name] = times[name] or {}
    times[name][#times[name] + 1] = tonumber(ms)
    mods[name] = list
  end
end
sim:stop()

local total = 0
for _, name in ipairs(order) do
  local ts = assert(times[name], "no figure for " .. name)
  table.sort(ts)
  local n = 0
  for _ in (mods[name] or ""):gmatch("%S+") do n = n + 1 end
  total = total + n
  local median = ts[math.floor((#ts + 1) / 2)]
  print(string.format("%-8s %6.2f ms CPU (median of %d)  +%d modules (%d in all): %s", name, median, #ts, n, total,
    mods[name]))
end
