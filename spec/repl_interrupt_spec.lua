-- Ctrl-C and SIGTERM in `gpucloud repl` under a terminal (spec/support/tmux.lua):
-- a call the simulator holds ends at Ctrl-C, the session never does, and
-- leaving stops the simulator `--sim` started and keeps the history. With
-- lua-readline and without it, under the interpreter running the specs.

local core = require "gpucloud.core"
local server = require "gpucloud.sim.server"
local tmux = require "support.tmux"

local q = server.shell_quote
local REPL = tmux.LUA .. " bin/gpucloud repl --sim"
-- the system's C modules out of reach: require "readline" fails
local PLAIN = "LUA_CPATH=" .. q(tmux.ROOT .. "/build/" .. tmux.ABI .. "/?.so") .. " " .. REPL

local sims = {} -- the sessions' simulators, stopped by after_each if a session failed to

-- The session's simulator, from the prefix its banner names.
local function attach(t)
  local screen = t.wait_for("stopped on exit (prefix ")
  local sim = assert(server.attach(screen:match("%(prefix ([^)]+)%)")))
  sims[#sims + 1] = sim
  return sim
end

-- Wait (up to 20 s) until the simulator has been sent `method path`: the
-- call is then in flight (the simulator logs a request before it delays
-- the answer).
local function wait_sent(sim, method, path)
  for _ = 1, 200 do
    for _, e in ipairs(assert(sim:log())) do
      if e.method == method and e.path == path then return end
    end
    tmux.sleep(0.1)
  end
  error("the simulator was never sent " .. method .. " " .. path)
end

-- nginx's master is gone and the prefix removed.
local function assert_stopped(sim, nginx)
  assert.is_false(server.alive(nginx))
  assert.is_false(server.port_listening(sim.port))
  assert.is_nil(io.open(sim.prefix .. "/nginx.conf", "rb"))
end

describe("gpucloud repl interrupted", function()
  local t
  after_each(function()
    if t then t.stop() end
    t = nil
    for _, sim in ipairs(sims) do
      if sim:pid() then sim:stop() end
    end
    sims = {}
  end)

  local function prompts(n)
    return t.wait_for("\n> ", n)
  end

  it("ends a held call at Ctrl-C and is back at the prompt in under 2 s #timing", function()
    t = tmux.session(REPL)
    local sim = attach(t)
    prompts(1)
    assert(sim:inject { method = "DELETE", path = "/api/v0/endptjobs/{id}/", delay = 60 })
    t.keys("vast:delete_endpoint(102)", "Enter")
    wait_sent(sim, "DELETE", "/api/v0/endptjobs/102/")
    local t0 = core.now()
    t.keys("C-c")
    local screen = prompts(2)
    local elapsed = core.now() - t0
    if os.getenv("GPUCLOUD_SPEC_VERBOSE") then
      print(string.format("repl: the prompt back %.2f s after Ctrl-C in a call held 60 s", elapsed))
    end
    assert.is_true(elapsed < 2, "the prompt came back " .. elapsed .. " s after Ctrl-C")
    -- the simulator had deleted it: the error says it may have landed
    assert.match("\n%[2%] gpucloud: vast%.delete_endpoint: interrupted: interrupted by SIGINT after the request "
      .. "was sent %[may have been carried out%]\n", screen)
    t.keys("C-d")
    assert.equal(0, t.exit_status())
  end)

  it("lives through Ctrl-C twice in a call and at the prompt; Ctrl-D stops its simulator", function()
    t = tmux.session(REPL)
    local sim = attach(t)
    local nginx = assert(sim:pid())
    prompts(1)
    assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", delay = 60 })
    t.keys("vast:show_endpoints()", "Enter")
    wait_sent(sim, "GET", "/api/v0/endptjobs/")
    -- the second comes in the call or at the prompt: either way it stays
    t.keys("C-c", "C-c")
    t.wait_for("interrupted by SIGINT after the request was sent")
    t.keys("1 + 41", "Enter")
    t.wait_for("\n42\n")
    -- at the prompt: readline reads on to the Enter, and the line is dropped
    t.keys("half typed")
    t.wait_for("> half typed")
    t.keys("C-c")
    t.keys("C-c")
    t.keys("Enter")
    t.wait_for("(Ctrl-C: line dropped)")
    t.keys("2 + 2", "Enter")
    local screen = t.wait_for("\n4\n")
    assert.not_match("error: stdin", screen)
    -- typed Lua code stops too (once it runs: it says so)
    t.keys("n = 0 print('looping') while true do n = n + 1 end", "Enter")
    t.wait_for("\nlooping\n")
    t.keys("C-c")
    t.wait_for("error: interrupted (SIGINT)")
    t.keys("n > 0", "Enter")
    t.wait_for("\ntrue\n")
    t.keys("C-d")
    assert.equal(0, t.exit_status())
    assert_stopped(sim, nginx)
    local f = assert(io.open(t.dir .. "/.gpucloud_history", "rb"))
    local history = f:read("*a")
    f:close()
    assert.match("\n1 %+ 41\n", history)
  end)

  it("without lua-readline: Ctrl-C at the prompt gives a fresh one at once; SIGTERM leaves and stops the simulator",
    function()
      t = tmux.session(PLAIN)
      local sim = attach(t)
      local nginx = assert(sim:pid())
      local screen = prompts(1)
      assert.match("plain lines", screen)
      t.keys("C-c")
      t.keys("C-c")
      prompts(3)
      t.keys("2 + 2", "Enter")
      t.wait_for("\n4\n")
      assert(server.alive(t.pid()))
      assert(os.execute("kill -TERM " .. t.pid()))
      assert.equal(143, t.exit_status())
      assert_stopped(sim, nginx)
    end)
end)
