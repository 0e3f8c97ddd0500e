-- examples/destroy_clusters.lua, run as its header says (through
-- bin/gpucloud-sim, no LUA_PATH of ours), under the interpreter running
-- the specs: a dry run, a destroy waited for, a destroy that fails.

local server = require "gpucloud.sim.server"

local q = server.shell_quote
local LUA = rawget(_G, "jit") and "luajit" or "lua5.4"

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

local function example(pattern, ...)
  local words = { "env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4",
    "bin/gpucloud-sim run --retry-after 0 --", LUA, "examples/destroy_clusters.lua", q(pattern), ... }
  return run(table.concat(words, " "))
end

describe("examples/destroy_clusters.lua", function()
  it("a dry run lists the matches and destroys nothing", function()
    local out, err, rc = example("^dev", "--dry-run")
    assert.equal(0, rc, out .. err)
    assert.equal("", err)
    assert.match('7 clusters, 1 match "^dev":', out, 1, true)
    assert.match("would destroy c-dev-h100", out, 1, true)
    assert.match("summary: 0 destroyed, 0 failed (dry run)", out, 1, true)
  end)

  it("destroys a match and waits for its request, with no warning", function()
    local out, err, rc = example("^dev")
    assert.equal(0, rc, out .. err)
    assert.equal("", err)
    assert.match("destroyed c-dev-h100 (dev-box)", out, 1, true)
    assert.match("summary: 1 destroyed, 0 failed", out, 1, true)
    assert.not_match("table: 0x", out)
  end)

  it("says which destroy failed and why, and exits 1", function()
    local out, err, rc = example("^fl")
    assert.equal(1, rc, out .. err)
    assert.match("FAILED c-flaky-b200: gpucloud: tensorpool.wait_request: HTTP 200 failed:", out, 1, true)
    assert.match("summary: 0 destroyed, 1 failed", out, 1, true)
  end)
end)
