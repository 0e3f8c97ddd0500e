-- The simulator fixture every spec that talks to the simulator uses: call
-- `sim.use(opts)` inside a describe block and it starts one simulator for
-- the block (setup), stops it after (teardown), and before each test puts
-- it back to its start (state, injections, log, stats; opts.config again)
-- and gives the test a fresh virtual clock (gpucloud.runtime.virtual) that
-- the simulator's own clock follows: its rate limits and self-stepping
-- requests see the time the clients' pauses moved to. Clients made by the
-- handle are closed after each test.
--
--   local sim = require "support.sim"
--   describe("...", function()
--     local s = sim.use { config = { retry_after = "0" } }
--     it("...", function()
--       local vast = s:vast { retries = 0 }     -- on s.clock
--       assert(s.server:inject { ... })         -- s.url, s.keys, s:log() ...
--       assert.same({ 1, 1 }, s.clock.slept)    -- what the call waited
--     end)
--   end)
--
-- opts: what gpucloud.sim.server.start takes (fixture, config, tls, ...),
-- and `real_time = true` for a block whose clients keep real time (the
-- simulator then keeps the real clock too). START is where each test's
-- clock starts.

local busted = require "busted"
local gpucloud = require "gpucloud"
local server = require "gpucloud.sim.server"
local virtual = require "gpucloud.runtime.virtual"

local M = {}

M.START = 1000

local function no_env() end
M.no_env = no_env

local Handle = {}
Handle.__index = function(self, k)
  if Handle[k] ~= nil then return Handle[k] end
  -- the server object's fields and methods: url, keys, ca_file, inject, log ...
  local s = rawget(self, "server")
  local v = s and s[k]
  if type(v) == "function" then return function(_, ...) return v(s, ...) end end
  return v
end

--- A runtime on this test's clock (libcurl's requests, or `transport`'s).
function Handle:runtime(transport)
  return virtual.new(self.clock, transport)
end

--- A client of `provider` on the simulator and this test's clock: the
-- simulator's URL and key, no environment, then `extra` (which may name
-- its own runtime, or `real_time = true` for the default one).
function Handle:client(provider, extra)
  local opts = { url = self.server.url, api_key = self.server.keys[provider], getenv = no_env,
                 ca_file = self.server.ca_file }
  if not self.real_time then opts.runtime = self:runtime() end
  for k, v in pairs(extra or {}) do
    if k == "real_time" then opts.runtime = nil else opts[k] = v end
  end
  if opts.transport then opts.runtime = nil end
  local c = gpucloud[provider](opts)
  self.clients[#self.clients + 1] = c
  return c
end

function Handle:vast(extra) return self:client("vast", extra) end
function Handle:tensorpool(extra) return self:client("tensorpool", extra) end

-- Back to the start: state, injections, log, config, and a new clock.
function Handle:fresh()
  local s = self.server
  assert(s:reset())
  assert(s:default_config())
  local config = {}
  for k, v in pairs(self.opts.config or {}) do config[k] = v end
  if not self.real_time then config.clock = M.START end
  if next(config) then assert(s:config(config)) end
  self.clock = virtual.clock {
    start = M.START,
    on_sleep = not self.real_time and function(_, now) assert(s:config { clock = now }) end or nil,
  }
end

--- Start a simulator for the enclosing describe block; returns its handle.
function M.use(opts)
  opts = opts or {}
  local start = {}
  for k, v in pairs(opts) do
    if k ~= "real_time" then start[k] = v end
  end
  local h = setmetatable({ opts = opts, real_time = opts.real_time, clients = {} }, Handle)
  busted.setup(function()
    h.server = assert(server.start(start))
  end)
  busted.teardown(function()
    if h.server then h.server:stop() end
    h.server = nil
  end)
  busted.before_each(function() h:fresh() end)
  busted.after_each(function()
    for _, c in ipairs(h.clients) do pcall(c.close, c) end
    h.clients = {}
  end)
  return h
end

return M
