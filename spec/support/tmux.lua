-- A program under a pseudo-terminal, for the specs: Debian's tmux on a
-- socket of its own, one session running a command from the checkout,
-- keys typed with send-keys and the screen read with capture-pane. The
-- pane stays after the command ends, so its last screen and exit status
-- can be read.

local server = require "gpucloud.sim.server"

local M = {}

local q = server.shell_quote
M.LUA = require("support.subprocess").LUA
M.ABI = rawget(_G, "jit") and "5.1" or _VERSION:match("%d+%.%d+")
M.ROOT = server.lua_dir():gsub("/lua$", "")

local sh = require("support.subprocess").sh
local sleep = require("gpucloud.sim.sys").sleep
M.sh, M.sleep = sh, sleep

local function count(screen, text)
  local n, from = 0, 1
  while true do
    local i = screen:find(text, from, true)
    if not i then return n end
    n, from = n + 1, i + 1
  end
end
M.count = count

--- A session running `cmd` (words for env(1): NAME=value assignments, then
-- the command) with HOME in a directory of its own and TERM=xterm.
function M.session(cmd)
  local dir = assert(sh("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-repl.XXXXXX\"")):gsub("%s+$", "")
  local sock = dir .. "/tmux.sock"
  local t = { dir = dir }
  function t.tmux(args)
    return sh("tmux -S " .. q(sock) .. " " .. args)
  end
  function t.keys(...)
    local words = {}
    for i = 1, select("#", ...) do words[i] = q((select(i, ...))) end
    assert(t.tmux("send-keys -t repl " .. table.concat(words, " ")))
  end
  function t.screen()
    return (t.tmux("capture-pane -p -J -t repl -S -"))
  end
  -- Wait (up to 20 s) for `text` to be on the screen `times` times.
  function t.wait_for(text, times)
    local screen
    for _ = 1, 200 do
      screen = t.screen()
      if count(screen, text) >= (times or 1) then return screen end
      sleep(0.1)
    end
    error("never saw " .. text .. " on the screen:\n" .. screen)
  end
  -- Wait (up to 20 s) for the command to end: its exit status, which the
  -- shell around it writes to a file (tmux's own pane_dead_status is
  -- sometimes not filled in for seconds).
  function t.exit_status()
    for _ = 1, 200 do
      local f = io.open(dir .. "/status", "rb")
      local status = f and f:read("*a"):match("^(%d+)\n")
      if f then f:close() end
      if status then return tonumber(status) end
      sleep(0.1)
    end
    error("the command did not end:\n" .. t.screen())
  end
  -- The command's process id (it runs as the shell's exec'd child).
  function t.pid()
    local f = assert(io.open(dir .. "/pid", "rb"))
    local pid = tonumber(f:read("*a"):match("%d+"))
    f:close()
    return pid
  end
  function t.stop()
    t.tmux("kill-server")
    sh("rm -rf -- " .. q(dir))
  end
  local env = "HOME=" .. q(dir) .. " TERM=xterm"
  -- the inner shell writes its pid and becomes the command
  local inner = "echo $$ > " .. q(dir .. "/pid") .. "; exec env " .. env .. " " .. cmd
  local ok, out = t.tmux("-f /dev/null new-session -d -s repl -x 200 -y 50 "
    .. q("cd " .. q(M.ROOT) .. " && sh -c " .. q(inner) .. "; echo $? > " .. q(dir .. "/status"))
    .. " \\; set-option -g remain-on-exit on")
  assert(ok, out)
  return t
end

return M
