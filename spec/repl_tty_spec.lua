-- `gpucloud repl` as a person uses it: under a pseudo-terminal (Debian's
-- tmux, on a socket of its own), typing a listing, a record, a failing
-- call, help, and a tab completion, then reading the screen. Under the
-- interpreter running the specs, with lua-readline and without it.

local server = require "gpucloud.sim.server"
local tmux = require "support.tmux"

local q = server.shell_quote
local LUA, ABI, ROOT = tmux.LUA, tmux.ABI, tmux.ROOT
local session = tmux.session

describe("gpucloud repl under a terminal", function()
  local t
  after_each(function()
    if t then t.stop() end
    t = nil
  end)

  local function prompts(n)
    return t.wait_for("\n> ", n)
  end

  it("prints a listing, a record, a failing call and help(vast) readably, and completes method names", function()
    t = session(LUA .. " bin/gpucloud repl --sim")
    local screen = t.wait_for("simulator at http://127.0.0.1:")
    assert.match("readline", screen)
    local url = screen:match("simulator at (http://127%.0%.0%.1:%d+)")
    prompts(1)
    t.keys("eps = vast:show_endpoints()", "Enter")
    prompts(2)
    t.keys("eps", "Enter")
    screen = t.wait_for("(6 items)")
    assert.match("\nid%s+api_key%s+cold_mult", screen)
    assert.match("\n101%s+<hidden>", screen)
    t.keys("eps[1]", "Enter")
    -- the listing's header says it once
    screen = t.wait_for("endpoint_name", 2)
    assert.match("\nid%s+101\n", screen)
    assert.match("\napi_key%s+<hidden>\n", screen)
    assert.match("\nendpoint_name%s+\"vLLM%-Qwen3%-8B\"\n", screen)
    t.keys("vast:delete_endpoint(9999)", "Enter")
    screen = t.wait_for("[2] gpucloud: vast.delete_endpoint:")
    assert.match("\n%[1%] nil\n%[2%] gpucloud: vast%.delete_endpoint: HTTP 400 not_found", screen)
    t.keys("help(vast)", "Enter")
    screen = t.wait_for("vast:show_workergroups([opts])")
    assert.match("\n  vast:delete_endpoint%(id %[, opts%]%)%s+DELETE console /api/v0/endptjobs/{id}/", screen)
    -- one candidate: completed in place, no space after it
    t.keys("vast:show_w", "Tab")
    t.wait_for("> vast:show_workergroups")
    t.keys("()", "Enter")
    screen = t.wait_for("(8 items,")
    assert.match("\n201%s+<hidden>", screen)
    t.keys("gpucloud.null", "Enter")
    t.keys("vast.urls", "Enter")
    screen = t.wait_for("run      \"" .. url .. "\"")
    assert.match("\n> gpucloud%.null\nnull\n", screen)
    assert.not_match("table: 0x", screen)
    assert.not_match("userdata", screen)
    assert.not_match("vast%-sim%-key", screen)
    t.keys("C-d")
    assert.equal(0, t.exit_status())
    -- the simulator went with the session, and the history stayed
    assert.is_false(server.port_listening(tonumber(url:match("%d+$"))))
    local f = assert(io.open(t.dir .. "/.gpucloud_history", "rb"))
    local history = f:read("*a")
    f:close()
    assert.match("eps = vast:show_endpoints%(%)\n", history)
  end)

  it("works without lua-readline, on plain lines", function()
    -- the system's C modules out of reach: require "readline" fails
    t = session("LUA_CPATH=" .. q(ROOT .. "/build/" .. ABI .. "/?.so") .. " " .. LUA .. " bin/gpucloud repl --sim")
    local screen = t.wait_for("simulator at")
    assert.match("plain lines", screen)
    prompts(1)
    t.keys("tp:list_clusters()", "Enter")
    -- the last of what is asserted: the screen may show the list before the rest
    screen = t.wait_for('"Found 7 clusters"')
    assert.match("\n%[2%]\nclusters%s+%[7 items%]\nmessage%s+\"Found 7 clusters\"", screen)
    t.keys("tp:wait_request('req-none', {deadline = 1})", "Enter")
    screen = t.wait_for("[2] gpucloud: tensorpool.")
    assert.not_match("table: 0x", screen)
    t.keys("exit(3)", "Enter")
    assert.equal(3, t.exit_status())
  end)
end)
