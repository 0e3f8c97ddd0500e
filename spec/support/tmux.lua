-- A program under a pseudo-terminal, for the specs: Debian's tmux on a
-- socket of its own, one session running a command, keys typed with
-- send-keys and the screen read with capture-pane. The pane stays after
-- the command ends, so its last screen and exit status can be read.

local server = require "gpucloud.sim.server"

local q = server.shell_quote
local ROOT = server.lua_dir():gsub("/lua$", "")

local M = {}

local function sh(cmd)
  local p = assert(io.popen("( " .. cmd .. " ) 2>&1; echo \"rc=$?\""))
  local out = p:read("*a")
  p:close()
  local body, rc = out:match("^(.-)rc=(%d+)%s*$")
  return body or out, rc == "0"
end

local function sleep(s) sh("sleep " .. s) end

-- A tmux server of our own, one session running `cmd`; the pane stays
-- after the command ends, so its last screen and exit status can be read.
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
      local n, from = 0, 1
      while true do
        local i = screen:find(text, from, true)
        if not i then break end
        n, from = n + 1, i + 1
      end
      if n >= (times or 1) then return screen end
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
  function t.stop()
    t.tmux("kill-server")
    sh("rm -rf -- " .. q(dir))
  end
  local env = "HOME=" .. q(dir) .. " TERM=xterm"
  local ok, out = t.tmux("-f /dev/null new-session -d -s repl -x 200 -y 50 "
    .. q("cd " .. q(ROOT) .. " && env " .. env .. " " .. cmd .. "; echo $? > " .. q(dir .. "/status"))
    .. " \\; set-option -g remain-on-exit on")
  assert(ok, out)
  return t
end

M.sh = sh
M.ROOT = ROOT

return M
