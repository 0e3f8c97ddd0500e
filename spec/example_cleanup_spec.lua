-- examples/cleanup_idle_endpoints.lua, run as its header says (through
-- bin/gpucloud-sim, no LUA_PATH of ours), under the interpreter running
-- the specs; then against a simulator this spec holds, to check what the
-- script left behind.

local server = require "gpucloud.sim.server"

local q = server.shell_quote
local LUA = require("support.subprocess").LUA
local SCRIPT = "examples/cleanup_idle_endpoints.lua"

-- stdout, stderr, exit status
local function run(cmd)
  local err = os.tmpname()
  local p = assert(io.popen("( " .. cmd .. " ) 2>" .. q(err) .. "; echo \"rc=$?\""))
  local all = p:read("*a")
  p:close()
  local f = assert(io.open(err, "rb"))
  local stderr = f:read("*a")
  f:close()
  os.remove(err)
  local out, rc = all:match("^(.-)rc=(%d+)%s*$")
  return out, stderr, tonumber(rc)
end

local CLEAN = "env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4 "

describe("examples/cleanup_idle_endpoints.lua", function()
  it("runs against the simulator as its header says, dry run and for real", function()
    local out, err, rc = run(CLEAN .. "bin/gpucloud-sim run -- " .. LUA .. " " .. SCRIPT .. " --dry-run")
    assert.equal(0, rc, out .. err)
    assert.equal("", err)
    assert.match("6 endpoints on http://127%.0%.0%.1:%d+:", out)
    assert.match("dry run: would delete 3 of 3: 102, 103, 104", out, 1, true)
    assert.match("left: 6 endpoints", out, 1, true)
    assert.not_match("table: 0x", out)
    assert.not_match("vast%-sim%-key", out)
    out, err, rc = run(CLEAN .. "bin/gpucloud-sim run -- " .. LUA .. " " .. SCRIPT)
    assert.equal(0, rc, out .. err)
    assert.equal("", err)
    assert.match("summary: 6 endpoints, 3 idle, 3 deleted", out, 1, true)
    assert.match("left: 3 endpoints", out, 1, true)
  end)

  it("deletes exactly the idle endpoints, and leaves the busy, the unready and the unreadable", function()
    local sim = assert(server.start())
    finally(function() sim:stop() end)
    local env = "VAST_URL=" .. q(sim.url) .. " VAST_API_KEY=" .. q(sim.keys.vast) .. " "
    local abi = rawget(_G, "jit") and "5.1" or _VERSION:match("%d+%.%d+")
    local out, err, rc = run(CLEAN .. env .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH="
      .. q("./build/" .. abi .. "/?.so;;") .. " " .. LUA .. " " .. SCRIPT)
    assert.equal(0, rc, out .. err)
    local left = {}
    for _, ep in ipairs(assert(sim:state()).vast.endpoints) do left[#left + 1] = ep.id end
    table.sort(left)
    assert.same({ 101, 105, 106 }, left)
    assert.match("skip   105", out, 1, true)
  end)
end)
