-- examples/destroy_clusters.lua against the simulator: a project's
-- clusters go, then the volumes they leave behind; protected ones only
-- with --unprotect; a dry run changes nothing.

local server = require "gpucloud.sim.server"
local sub = require "support.subprocess"
local fixture = require "support.sim"

describe("examples/destroy_clusters.lua", function()
  -- real time: the script is a child process with its own clock
  local s = fixture.use { real_time = true, config = { retry_after = "0" } }

  -- (the exit status echoed: io.popen's close reports none on Lua 5.1)
  local function script(...)
    local words = {}
    for i, w in ipairs { ... } do words[i] = server.shell_quote(w) end
    local out = sub.sh(string.format("env %s %s %s examples/destroy_clusters.lua %s 2>&1; echo exit=$?",
      sub.env_words { TENSORPOOL_ENGINE = s.url, TENSORPOOL_KEY = s.keys.tensorpool, HOME = "/nonexistent" },
      sub.ENV, sub.LUA, table.concat(words, " ")))
    return out, tonumber(out:match("exit=(%d+)\n$"))
  end

  local function present()
    local st, set = assert(s:state()).tensorpool, {}
    for _, c in ipairs(st.clusters) do set[c.cluster_id] = c end
    for _, v in ipairs(st.volumes) do set[v.id] = v end
    return set
  end

  it("a dry run lists the clusters, the volumes they leave and which are protected, changing nothing", function()
    local out, code = script("^llm%-train$", "--dry-run")
    assert.equal(0, code, out)
    assert.match("dry run: would destroy 1 of 1: c%-train%-a100x8", out)
    assert.match("dry run: would destroy 2 of 2: s%-datasets, s%-checkpoints", out)
    assert.match("deletion protection on: s%-checkpoints", out)
    for _, e in ipairs(assert(s:log())) do assert.equal("GET", e.method) end
  end)

  it("without --unprotect the protected volume is refused and kept; the rest goes", function()
    local out, code = script("^llm%-train$")
    assert.equal(1, code, out)
    assert.match("%-%-unprotect", out)
    local left = present()
    assert.is_nil(left["c-train-a100x8"])
    assert.is_nil(left["s-datasets"])
    assert.is_true(left["s-checkpoints"].deletion_protection)
    assert.truthy(left["s-dev-home"], "another cluster's volume")
  end)

  it("with --unprotect a protected cluster and its protected volume go", function()
    local out, code = script("^prod%-serving$", "--unprotect")
    assert.equal(0, code, out)
    assert.match("deletion protection turned off: c%-prod%-serving", out)
    assert.match("deletion protection turned off: s%-prod%-models", out)
    local left = present()
    assert.is_nil(left["c-prod-serving"])
    assert.is_nil(left["s-prod-models"])
  end)

  it("a volume whose cluster was not destroyed is kept", function()
    local fx = assert(require("gpucloud.sim.fixture").load())
    fx.tensorpool.storage[#fx.tensorpool.storage + 1] = {
      id = "s-flaky-data", name = "flaky-data", attached_clusters = { "c-flaky-b200" }, deletion_protection = false,
    }
    assert(s:reset(fx))
    local out, code = script("^flaky$")
    assert.equal(1, code, out)
    assert.match("failed c%-flaky%-b200", out)
    assert.match("keeping 1 volume%(s%) attached to clusters that were not destroyed", out)
    assert.truthy(present()["c-flaky-b200"])
    assert.truthy(present()["s-flaky-data"])
  end)

  it("runs as its header says, through bin/gpucloud-sim and no LUA_PATH of ours", function()
    local lua = sub.LUA
    local out = sub.sh("env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4 "
      .. "bin/gpucloud-sim run --retry-after 0 -- " .. lua .. " examples/destroy_clusters.lua '^dev' 2>&1; echo exit=$?")
    assert.match("exit=0\n$", out)
    assert.not_match("table: 0x", out)
  end)
end)
