-- The REPL as a person types into it (issue 22), under a terminal (tmux),
-- reading the screen: input cut short asks for more on a continuation
-- prompt (as `lua -i`), errors show without the library's file places,
-- and help() lists each method once.

local session = require("support.tmux").session
local LUA = require("support.subprocess").LUA

describe("gpucloud repl words", function()
  local t
  after_each(function()
    if t then t.stop() end
    t = nil
  end)

  it("continues unfinished input, shows errors without internal paths, lists each method once", function()
    t = session(LUA .. " bin/gpucloud repl --sim")
    t.wait_for("\n> ")
    t.keys("1 +", "Enter")
    t.wait_for("\n>> ")
    t.keys("2", "Enter")
    local screen = t.wait_for("\n3\n")
    assert.not_match("error", screen)
    t.keys("for i = 1, 2 do", "Enter")
    t.wait_for("\n>> ", 2)
    t.keys("print(i * 10)", "Enter", "end ", "Enter") -- "end" alone is the End key to tmux
    screen = t.wait_for("\n20\n")
    assert.match("\n10\n20\n", screen)
    t.keys("vast:delete_endpoint('x')", "Enter")
    screen = t.wait_for("error: vast.delete_endpoint:")
    assert.not_match("%.lua:%d+:", screen)
    t.keys("error('mine')", "Enter")
    -- what was typed keeps its place (LuaJIT has none for a tail call)
    screen = t.wait_for("mine", 2)
    assert.match("\nerror: [stdin:1 ]*mine\n", screen)
    t.keys("help()", "Enter")
    screen = t.wait_for("one method in full")
    local n = select(2, screen:gsub("\n  tp:destroy_cluster%(", ""))
    assert.equal(1, n)
    t.keys("C-d")
    assert.equal(0, t.exit_status())
  end)
end)
