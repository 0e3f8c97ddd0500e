-- Completion and the man page (issue 22), made from the command rows:
-- `gpucloud completion bash|zsh|fish` prints a script, bash takes it and
-- completes `gpucloud vast de<Tab>` under a real terminal (tmux), and the
-- man page renders with man(1).

local tmux = require "support.tmux"
local server = require "gpucloud.sim.server"
local LUA = require("support.subprocess").LUA

local q = server.shell_quote
local sh = tmux.sh

describe("gpucloud completion and man page", function()
  local t, dir
  setup(function()
    dir = assert(sh("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-compl.XXXXXX\"")):gsub("%s+$", "")
    -- `gpucloud` on the PATH: this checkout's, under the spec's interpreter
    local f = assert(io.open(dir .. "/gpucloud", "wb"))
    f:write("#!/bin/sh\nexec " .. LUA .. " " .. q(tmux.ROOT .. "/bin/gpucloud") .. ' "$@"\n')
    f:close()
    assert(sh("chmod 755 " .. q(dir .. "/gpucloud")))
  end)
  teardown(function()
    if dir then sh("rm -rf -- " .. q(dir)) end
  end)
  after_each(function()
    if t then t.stop() end
    t = nil
  end)

  it("bash: the script registers a completion for gpucloud", function()
    local out, ok = sh("cd " .. q(tmux.ROOT) .. " && PATH=" .. q(dir) .. ":$PATH bash -c "
      .. q("source <(gpucloud completion bash); complete -p gpucloud"))
    assert(ok, out)
    assert.match("complete .*%-F _gpucloud gpucloud\n", out)
  end)

  it("bash completes gpucloud vast de<Tab> under a terminal", function()
    t = tmux.session("env PATH=" .. q(dir) .. ":$PATH PS1='$ ' bash --norc --noprofile")
    t.wait_for("$ ")
    t.keys("source <(gpucloud completion bash)", "Enter")
    t.wait_for("$ ", 2)
    t.keys("gpucloud vast de", "Tab", "Tab")
    local screen = t.wait_for("destroy")
    assert.match("delete%s+destroy", screen)
    t.keys("l", "Tab")
    t.wait_for("gpucloud vast delete ")
    t.keys("Tab", "Tab")
    screen = t.wait_for("workergroups")
    assert.match("endpoint%s+endpoints", screen)
    t.keys("C-c", "exit", "Enter")
  end)

  it("zsh and fish scripts are made from the same rows", function()
    for _, shell in ipairs { "zsh", "fish" } do
      local out, ok = sh("cd " .. q(tmux.ROOT) .. " && " .. LUA .. " bin/gpucloud completion " .. shell)
      assert(ok, out)
      assert.match("gpucloud", out)
      assert.match("workergroup", out)
      assert.match("cluster", out)
    end
    local _, ok = sh("cd " .. q(tmux.ROOT) .. " && " .. LUA .. " bin/gpucloud completion tcsh")
    assert.is_false(ok)
  end)

  it("gpucloud.1 renders with man, naming every provider's commands", function()
    local page = dir .. "/gpucloud.1"
    local out, ok = sh("cd " .. q(tmux.ROOT) .. " && LUA_PATH='./lua/?.lua;./lua/?/init.lua;./?.lua;;' " .. LUA
      .. " -e " .. q("io.write(require('docs.man').roff('0'))") .. " > " .. q(page))
    assert(ok, out)
    out, ok = sh("MANWIDTH=120 man -l " .. q(page) .. " 2>&1 | col -b")
    assert(ok, out)
    assert.match("gpucloud %- list and delete what runs on GPU clouds", out)
    assert.match("gpucloud%s+vast%s+delete%s+workergroup%s+ID%.%.%.", out)
    assert.match("gpucloud%s+tensorpool%s+cluster%s+destroy%s+ID%.%.%.", out)
    assert.match("EXIT STATUS", out)
    assert.not_match("warning", out)
  end)
end)
