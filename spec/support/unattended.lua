-- What the unattended-run specs share: a fleet over the simulator (the
-- clients on spec/support/sim.lua's handle: its virtual clock, or real time
-- for a block that runs the command line), and changes to the simulator's
-- state made through its fixture (a worker that starts, an endpoint whose
-- workers cannot be read). The fleet's own clock (what it observes and
-- plans at: ages, idle times, a plan's expiry) is the spec's `clock.t`,
-- moved by the spec over days; the clients' pauses are the handle's.

local fixture = require "gpucloud.sim.fixture"
local sim = require "support.sim"
local sys = require "gpucloud.sim.sys"

local M = {}

--- Clients of Vast.ai and TensorPool on the simulator of handle `h` (no
-- backoff) and a fleet over them whose clock is `clock.t`; and a function
-- that closes the clients (the handle closes them after each test too).
function M.fleet(h, clock)
  local vast = h:vast { backoff = { base = 0, max = 0 } }
  local tp = h:tensorpool { backoff = { base = 0, max = 0 } }
  local fleet = require("gpucloud").fleet { vast = vast, tensorpool = tp, now = function() return clock.t end }
  return fleet, function()
    vast:close()
    tp:close()
  end
end

--- The hooks of a describe block: a simulator for the block (support/sim.lua,
-- retry_after 0), back to its start before each test with a fleet on
-- `clock` (clock.t set to `start` when given); the files of M.tmpfile
-- removed at the end. Returns a table the hooks fill: {s = the simulator's
-- handle, fleet = the fleet}.
function M.suite(clock, start)
  local busted = require "busted"
  local t = { s = sim.use { config = { retry_after = "0" } } }
  busted.teardown(function() M.cleanup() end)
  busted.before_each(function()
    if start then clock.t = start end
    t.fleet = M.fleet(t.s, clock)
  end)
  return t
end

--- The default seed, changed by `edit(seed)`, as the simulator's state.
function M.reset_with(s, edit)
  local seed = assert(fixture.load())
  if edit then edit(seed) end
  assert(s:reset(seed))
end

--- The workers of Vast.ai endpoint `id` in a seed (through its workergroups).
function M.workers_of(seed, id)
  local groups, out = {}, {}
  for _, g in ipairs(seed.vast.workergroups) do
    if g.endpoint_id == id then groups[g.id] = true end
  end
  for _, w in ipairs(seed.vast.workers) do
    if groups[w._workergroup_id] then out[#out + 1] = w end
  end
  return out
end

--- An edit: endpoint `id` gets a running worker.
function M.busy(id)
  return function(seed) M.workers_of(seed, id)[1].status = "running" end
end

--- An edit: the first thing of `list` (vast section) with this id changes `fields`.
function M.change(list, id, fields)
  return function(seed)
    for _, t in ipairs(seed.vast[list]) do
      if t.id == id then
        for k, v in pairs(fields) do t[k] = v end
      end
    end
  end
end

--- A file name in a fresh directory (removed by M.cleanup).
local dirs = {}
function M.tmpfile(name)
  local p = io.popen("mktemp -d")
  local dir = p:read("*l")
  p:close()
  dirs[#dirs + 1] = dir
  return dir .. "/" .. name, dir
end

function M.cleanup()
  for _, d in ipairs(dirs) do os.execute("rm -rf '" .. d .. "'") end
  dirs = {}
end

M.read = sys.read_file

--- A journal's lines, each decoded (asserting each is a whole JSON object).
function M.journal_lines(path)
  local out = {}
  for line in (M.read(path) or ""):gmatch("[^\n]+") do
    local v = require("gpucloud.json").decode(line)
    assert(type(v) == "table", "journal line " .. (#out + 1) .. " does not parse: " .. line)
    out[#out + 1] = v
  end
  return out
end

function M.write(path, text)
  assert(sys.write_file(path, text))
end

return M
