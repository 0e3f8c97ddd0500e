-- Run Lua code or a command in a child process and capture what it prints:
-- for what only a fresh process shows (once-per-process warnings, exit
-- codes, scripts' output). Children always load the normal build of the
-- core: the sanitizer build only loads into the sanitizer launcher.

local server = require "gpucloud.sim.server"

local M = {}

local q = server.shell_quote

M.LUA = "lua5.4"
M.ENV = "LUA_PATH='./lua/?.lua;./lua/?/init.lua;./spec/?.lua;;' LUA_CPATH='./build/5.4/?.so;;'"

--- Run a shell command line; returns its output (stdout then stderr when
-- `split`, else interleaved) and whether it exited 0.
function M.sh(cmd, split)
  local errfile = split and os.tmpname() or nil
  local f = assert(io.popen(cmd .. (split and (" 2>" .. q(errfile)) or " 2>&1")))
  local out = f:read("a")
  local ok = f:close()
  local err
  if split then
    local ef = io.open(errfile, "rb")
    err = ef and ef:read("a") or ""
    if ef then ef:close() end
    os.remove(errfile)
  end
  return out, ok and true or false, err
end

--- `env` is a table of NAME = value set for the child (false unsets).
function M.env_words(env)
  local unset, set = {}, {}
  for k, v in pairs(env or {}) do
    if v == false then unset[#unset + 1] = "-u " .. q(k) else set[#set + 1] = q(k .. "=" .. v) end
  end
  table.sort(unset)
  table.sort(set)
  -- env takes its options before the assignments
  return table.concat(unset, " ") .. " " .. table.concat(set, " ")
end

--- Run Lua source in lua5.4: returns stdout, ok, stderr.
function M.lua(code, env)
  return M.sh(string.format("env %s %s %s -e %s", M.env_words(env), M.ENV, M.LUA, q(code)), true)
end

M.quote = q

return M
