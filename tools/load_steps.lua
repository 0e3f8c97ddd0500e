-- One fresh process's first steps with the library (issue 23): for each,
-- a line "STEP MS MODULE...": the CPU milliseconds it took and the modules
-- it loaded. Run by tools/lib_load.lua (the figures) and
-- spec/loading_spec.lua (the sets), against the simulator at SIM_URL with
-- the key in VAST_API_KEY.

local clock = os.clock
local before = {}
for k in pairs(package.loaded) do before[k] = true end
local t = clock()

local function step(name)
  local now, mods = clock(), {}
  for k in pairs(package.loaded) do
    if not before[k] then
      before[k] = true
      mods[#mods + 1] = k
    end
  end
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
assert(vast:delete_workergroups({ 12345678 }, { max = 1 }))
step "bulk"
assert(vast:delete_workergroups({ 12345679, 12345680 }, { max = 2 }))
step "bulk2"
assert(vast:show_instances { actual_status = "running" })
step "filters"
