-- What a one-shot command loads and how long it takes, against a
-- simulator of its own:
--
--   LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./build/5.4/?.so;;' \
--     lua5.4 tools/cli_load.lua [RUNS] [WORDS...]
--
-- (default: 50 runs of `vast delete workergroup N`, a new id each run).
-- Prints the modules the command loads (beyond the interpreter's own) and
-- the mean wall time of a run, process start and exit included, beside
-- the interpreter doing nothing (`lua -e ''`).

local server = require "gpucloud.sim.server"
local core = require "gpucloud.core"

local q = server.shell_quote
local LUA = rawget(_G, "jit") and "luajit" or ("lua" .. _VERSION:match("%d+%.%d+"))
local runs = tonumber(arg[1]) or 50
local words = {}
for i = 2, #arg do words[#words + 1] = q(arg[i]) end

local sim = assert(server.start())
local env = {}
for _, kv in ipairs(server.env(sim)) do
  if kv[2] then env[#env + 1] = q(kv[1] .. "=" .. kv[2]) end
end
local pre = "env " .. table.concat(env, " ") .. " "

local function command(i)
  if #words > 0 then return table.concat(words, " ") end
  return "vast delete workergroup " .. (200 + i)
end

-- the modules: os.exit wrapped to list package.loaded first
local hook = [[local before = {} for k in pairs(package.loaded) do before[k] = true end
local exit = os.exit
os.exit = function(c) local t = {} for k in pairs(package.loaded) do if not before[k] then t[#t + 1] = k end end
table.sort(t) io.stderr:write("MODULES ", #t, " ", table.concat(t, " "), "\n") exit(c) end]]
local p = assert(io.popen(pre .. LUA .. " -e " .. q(hook) .. " bin/gpucloud " .. command(1) .. " 2>&1 >/dev/null"))
local out = p:read("*a")
p:close()
print((out:match("MODULES [^\n]*") or out):gsub("^MODULES (%d+)", "%1 modules:"))

local function mean(cmd_of)
  local t0 = core.now()
  for i = 1, runs do os.execute(cmd_of(i) .. " >/dev/null 2>&1") end
  return (core.now() - t0) / runs * 1000
end
assert(sim:reset())
local ms = mean(function(i) return pre .. LUA .. " bin/gpucloud " .. command(i) end)
local bare = mean(function() return LUA .. " -e ''" end)
print(string.format("%s bin/gpucloud %s: %.1f ms a run (mean of %d; %s -e '': %.1f ms)", LUA, command(1), ms, runs,
  LUA, bare))
sim:stop()
