-- Run Lua code or a command in a child process and capture what it prints:
-- for what only a fresh process shows (once-per-process warnings, exit
-- codes, scripts' output). A child runs under the interpreter running the
-- specs (`luajit` for LuaJIT, else `lua5.x`), with the core built for its
-- ABI; children always load the normal build of the core: the sanitizer
-- build only loads into the sanitizer launcher (whose children run lua5.4).

local server = require "gpucloud.sim.server"

local M = {}

local q = server.shell_quote

-- PUC Lua 5.1 and LuaJIT load the same build/5.1 core.
M.ABI = _VERSION:match("%d+%.%d+")
M.LUA = rawget(_G, "jit") and "luajit" or "lua" .. M.ABI
M.ENV = "LUA_PATH='./lua/?.lua;./lua/?/init.lua;./spec/?.lua;;' LUA_CPATH='./build/" .. M.ABI .. "/?.so;;'"

--- Run a shell command line; returns its output (stdout then stderr when
-- `split`, else interleaved) and whether it exited 0. The shell reports
-- the status: io.popen():close() gives it only from Lua 5.2 on (5.1 and
-- LuaJIT return true whatever the command did).
function M.sh(cmd, split)
  local errfile = split and os.tmpname() or nil
  local f = assert(io.popen("( " .. cmd .. " )" .. (split and (" 2>" .. q(errfile)) or " 2>&1")
    .. "; printf '\\n__rc=%d\\n' $?"))
  local all = f:read("*a")
  f:close()
  local out, rc = all:match("^(.*)\n__rc=(%d+)\n$")
  local err
  if split then
    local ef = io.open(errfile, "rb")
    err = ef and ef:read("*a") or ""
    if ef then ef:close() end
    os.remove(errfile)
  end
  return out or all, rc == "0", err
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

--- Run Lua source in M.LUA: returns stdout, ok, stderr.
function M.lua(code, env)
  return M.sh(string.format("env %s %s %s -e %s", M.env_words(env), M.ENV, M.LUA, q(code)), true)
end

M.quote = q

return M
