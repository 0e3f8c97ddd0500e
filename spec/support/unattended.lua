-- What the unattended-run specs share: a fleet over the simulator with a
-- virtual clock, and changes to the simulator's state made through its
-- fixture (a worker that starts, an endpoint whose workers cannot be read).

local gpucloud = require "gpucloud"
local fixture = require "gpucloud.sim.fixture"
local server = require "gpucloud.sim.server"
local sys = require "gpucloud.sim.sys"

local M = {}

local function no_env() end

--- A runtime whose requests are real (libcurl, to the simulator) and
-- whose time is not: pacing and backoff move its clock instead of sleeping.
function M.virtual_runtime()
  local curl = require("gpucloud.runtime.curl").new()
  local t = 0
  return { kind = "virtual", request = curl.request, close = curl.close,
           now = function() return t end, sleep = function(s) t = t + s end }
end

--- Clients of every provider on server `s` and a fleet over them whose
-- clock is `clock.now` (clock = {t = epoch seconds}, moved by the spec).
function M.fleet(s, clock)
  local vast = gpucloud.vast { url = s.url, api_key = s.keys.vast, getenv = no_env, backoff = { base = 0, max = 0 },
                               runtime = M.virtual_runtime() }
  local tp = gpucloud.tensorpool { url = s.url, api_key = s.keys.tensorpool, getenv = no_env,
                                   backoff = { base = 0, max = 0 }, runtime = M.virtual_runtime() }
  local fleet = gpucloud.fleet { vast = vast, tensorpool = tp, now = function() return clock.t end }
  return fleet, function()
    vast:close()
    tp:close()
  end
end

--- The hooks of a describe block: a simulator for the block, reset before
-- each test with a fleet on `clock` (clock.t set to `start` when given);
-- the files of M.tmpfile removed at the end. Returns a table the hooks fill:
-- {s = the server, fleet = the fleet}.
function M.suite(clock, start)
  local busted = require "busted"
  local t = {}
  busted.setup(function() t.s = assert(server.start { config = { retry_after = "0" } }) end)
  busted.teardown(function()
    t.s:stop()
    M.cleanup()
  end)
  busted.before_each(function()
    assert(t.s:reset())
    if start then clock.t = start end
    t.fleet, t.close = M.fleet(t.s, clock)
  end)
  busted.after_each(function() t.close() end)
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
