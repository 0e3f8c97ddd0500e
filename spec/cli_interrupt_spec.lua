-- The command line under SIGINT and SIGTERM: a bulk command run as a child
-- (under the interpreter running the specs) against a simulator that holds
-- each answer, signalled once its first calls are in flight. The first
-- signal stops new calls and lets those in flight end; the second ends
-- them too. Either way the report is printed, complete (every id in
-- exactly one of ok, failed, skipped), and the exit status is 130.

local cjson = require "cjson"
local server = require "gpucloud.sim.server"
local sys = require "gpucloud.sim.sys"
local subprocess = require "support.subprocess"

local q = server.shell_quote
local read_all, sleep = sys.read_file, sys.sleep
local IDS = { 5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008 }

-- Start `bin/gpucloud words...` in the background: its pid, and a function
-- that waits (up to 60 s) for it to end -> {out, err, code}.
local function start(words)
  local dir = assert(subprocess.sh("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-cli.XXXXXX\"")):gsub("%s+$", "")
  local cmd = { subprocess.LUA, "bin/gpucloud" }
  for _, w in ipairs(words) do cmd[#cmd + 1] = q(w) end
  -- the inner shell writes its pid and becomes the command; the outer one
  -- writes the command's exit status
  local inner = "echo $$ > " .. q(dir .. "/pid") .. "; exec " .. table.concat(cmd, " ")
  assert(os.execute("( sh -c " .. q(inner) .. " </dev/null >" .. q(dir .. "/out") .. " 2>" .. q(dir .. "/err")
    .. "; echo $? > " .. q(dir .. "/status") .. " ) &"))
  local pid
  for _ = 1, 200 do
    pid = tonumber((read_all(dir .. "/pid") or ""):match("%d+"))
    if pid then break end
    sleep(0.05)
  end
  assert(pid, "the command did not start")
  local function finish()
    local status
    for _ = 1, 600 do
      status = tonumber((read_all(dir .. "/status") or ""):match("%d+"))
      if status then break end
      sleep(0.1)
    end
    local res = { out = read_all(dir .. "/out"), err = read_all(dir .. "/err"), code = status }
    subprocess.sh("rm -rf -- " .. q(dir))
    assert(status, "the command did not end")
    return res
  end
  return pid, finish
end

local function kill(sig, pid)
  assert(os.execute("kill -" .. sig .. " " .. pid))
end

-- A second SIGINT: two sent at once may arrive as one (signals do not
-- queue), so SIGINT again until the command has ended (up to 30 s).
local function interrupt_again(pid)
  for _ = 1, 150 do
    if not sys.alive(pid) then return end
    os.execute("kill -INT " .. pid .. " 2>/dev/null")
    sleep(0.2)
  end
end

-- Wait (up to 20 s) until the simulator has been sent `n` DELETEs.
local function wait_deletes(sim, n)
  for _ = 1, 200 do
    local seen = 0
    for _, e in ipairs(assert(sim:log())) do
      if e.method == "DELETE" then seen = seen + 1 end
    end
    if seen >= n then return end
    sleep(0.1)
  end
  error("the simulator was never sent " .. n .. " DELETEs")
end

-- Which of IDS the simulator still lists.
local function present(sim)
  local state = assert(sim:state())
  local out = {}
  for _, inst in ipairs(state.vast.instances) do out[inst.id] = true end
  return out
end

-- Every id in exactly one of ok, failed and skipped; returns the sets.
local function assert_complete(r)
  local where = {}
  local function put(id, what)
    id = tonumber(id)
    assert.is_nil(where[id], "id " .. id .. " in " .. tostring(where[id]) .. " and " .. what)
    where[id] = what
  end
  for _, id in ipairs(r.ok) do put(id, "ok") end
  for id in pairs(r.failed) do put(id, "failed") end
  for _, id in ipairs(r.skipped) do put(id, "skipped") end
  for _, id in ipairs(IDS) do assert.truthy(where[id], "id " .. id .. " is in no list") end
  return where
end

describe("a bulk command interrupted", function()
  local sim
  setup(function() sim = assert(server.start()) end)
  teardown(function() sim:stop() end)

  local function destroy(delay, extra)
    assert(sim:reset())
    assert(sim:inject { method = "DELETE", path = "/api/v0/instances/{id}/", delay = delay, times = -1 })
    local words = { "vast", "destroy", "instance" }
    for _, id in ipairs(IDS) do words[#words + 1] = tostring(id) end
    for _, w in ipairs { "--yes", "--concurrency", "2", "--retries", "0", "--url", sim.url, "--api-key",
      sim.keys.vast } do
      words[#words + 1] = w
    end
    for _, w in ipairs(extra or {}) do words[#words + 1] = w end
    return start(words)
  end

  it("at SIGINT lets the calls in flight end, prints what it did (--json) and exits 130", function()
    local pid, finish = destroy(3, { "--json" })
    wait_deletes(sim, 2)
    kill("INT", pid)
    local res = finish()
    assert.equal(130, res.code, res.err)
    assert.equal("", res.err)
    local r = cjson.decode(res.out)
    assert.equal("SIGINT", r.interrupted)
    local where = assert_complete(r)
    -- the calls in flight ended by themselves: done, not failed
    assert.same({}, r.failed)
    assert.truthy(#r.ok >= 2)
    assert.truthy(#r.not_started >= 1)
    assert.equal(#r.not_started, #r.skipped)
    local left = present(sim)
    for _, id in ipairs(IDS) do
      if where[id] == "ok" then
        assert.is_nil(left[id], id .. " reported destroyed and still listed")
      else
        assert.truthy(left[id], id .. " reported not started and gone")
        assert.equal("not started: the run was interrupted (SIGINT)", r.skip_reasons[tostring(id)])
      end
    end
  end)

  it("at SIGTERM does the same, in text", function()
    local pid, finish = destroy(3)
    wait_deletes(sim, 2)
    kill("TERM", pid)
    local res = finish()
    assert.equal(130, res.code, res.err)
    local first, rest = res.out:match("^(destroyed %d+ of 8 instances, 0 failed, %d+ not started, in [%d.]+ s, "
      .. "interrupted %(SIGTERM%): [%d, ]+)\n(.*)$")
    assert.truthy(first, res.out)
    local unstarted = rest:match("  not started: ([%d, ]+)\n")
    assert.truthy(unstarted, res.out)
    local left = present(sim)
    for id in unstarted:gmatch("%d+") do assert.truthy(left[tonumber(id)]) end
    -- skipped for not starting, not for being given twice
    assert.not_match("more than once", res.out)
  end)

  it("at a second SIGINT ends the calls in flight too: failed, may have landed (--json), exit 130", function()
    -- the answers are held for a minute: only the abort can end the run sooner
    local pid, finish = destroy(60, { "--json" })
    wait_deletes(sim, 2)
    kill("INT", pid)
    interrupt_again(pid)
    local res = finish()
    assert.equal(130, res.code, res.err)
    local r = cjson.decode(res.out)
    assert.equal("SIGINT", r.interrupted)
    assert_complete(r)
    assert.same({}, r.ok)
    local failed = 0
    for id, err in pairs(r.failed) do
      failed = failed + 1
      assert.equal("interrupted", err.code)
      -- the simulator had destroyed each before holding its answer
      assert.is_true(err.may_have_landed, id)
      assert.match("^interrupted by SIGINT after the request was sent", err.message)
    end
    assert.equal(2, failed)
    assert.equal(6, #r.not_started)
  end)

  it("at a second SIGINT prints the report as far as it goes, in text", function()
    local pid, finish = destroy(60)
    wait_deletes(sim, 2)
    kill("INT", pid)
    interrupt_again(pid)
    local res = finish()
    assert.equal(130, res.code, res.err)
    assert.match("^destroyed 0 of 8 instances, 2 failed, 6 not started, in [%d.]+ s, interrupted %(SIGINT%)\n",
      res.out)
    assert.match("\n  failed, but may have been carried out: %d+, %d+\n", res.out)
    assert.match("\n  not started: %d+, %d+, %d+, %d+, %d+, %d+\n", res.out)
    assert.match("\n  failed %d+: vast%.destroy_instance: interrupted: interrupted by SIGINT after the "
      .. "request was sent %[may have been carried out%]", res.out)
    assert.not_match("more than once", res.out)
  end)
end)
