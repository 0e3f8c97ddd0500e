-- What the launcher needs from the operating system, from lua5.4 and
-- luajit outside nginx: shell commands with quoted arguments, files,
-- processes and listening ports (read from /proc on Linux).

local M = {}

local format = string.format

-- Quote one word for /bin/sh.
function M.shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Run a shell command -> ok, combined output, exit code. The shell echoes
-- the exit code because io.popen():close() reports it only on Lua 5.2+.
function M.run(cmd)
  local f = assert(io.popen("( " .. cmd .. " ) 2>&1; echo \"__gpucloud_rc=$?\""))
  local out = f:read("*a")
  f:close()
  local text, rc = out:match("^(.-)__gpucloud_rc=(%d+)%s*$")
  rc = tonumber(rc) or -1
  return rc == 0, text or out, rc
end

-- The core's nanosleep where it loads (no process per pause), else sleep(1).
local has_core, core = pcall(require, "gpucloud.core")
function M.sleep(seconds)
  if has_core and type(core) == "table" and core.sleep then return core.sleep(seconds) end
  os.execute("sleep " .. format("%.3f", seconds))
end

function M.read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function M.write_file(path, data)
  local f, err = io.open(path, "wb")
  if not f then return nil, err end
  f:write(data)
  f:close()
  return true
end

function M.file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local cwd_cache
function M.cwd()
  if not cwd_cache then
    cwd_cache = os.getenv("PWD")
    if not cwd_cache or cwd_cache == "" then
      local _, out = M.run("pwd")
      cwd_cache = out:gsub("%s+$", "")
    end
  end
  return cwd_cache
end

local is_root_cache
function M.is_root()
  if is_root_cache == nil then
    local _, out = M.run("id -u")
    is_root_cache = out:match("^%s*0%s*$") ~= nil
  end
  return is_root_cache
end

-- Is pid a live process? A zombie counts as gone: a daemonized master is
-- reaped by init, which in containers may take a while.
function M.alive(pid)
  local stat = M.read_file("/proc/" .. pid .. "/stat")
  if stat then return stat:match(".*%) (%a)") ~= "Z" end
  if M.file_exists("/proc/self/stat") then return false end -- Linux: no entry, gone
  return (M.run("kill -0 " .. pid .. " 2>/dev/null"))
end

-- Wait up to tries * 50 ms for pid to be gone -> boolean.
function M.wait_gone(pid, tries)
  for _ = 1, tries do
    if not M.alive(pid) then return true end
    M.sleep(0.05)
  end
  return not M.alive(pid)
end

-- Is a TCP port already listening? Read from /proc (Linux), so a busy port
-- is skipped without paying nginx's five bind retries (2.5 s).
function M.port_listening(port)
  local hex = format(":%04X ", port)
  for _, file in ipairs({ "/proc/net/tcp", "/proc/net/tcp6" }) do
    local text = M.read_file(file) or ""
    for line in text:gmatch("[^\n]+") do
      -- sl local_address rem_address st ...; st 0A is LISTEN
      local loc, st = line:match("^%s*%d+:%s+%x+(:%x+ )%s*%x+:%x+%s+(%x%x)")
      if loc == hex and st == "0A" then return true end
    end
  end
  return false
end

-- Where a listening port is drawn from: below the kernel's ephemeral range
-- (or above it), where no outgoing connection takes its local port (with
-- suites side by side, one often did: bind said "Address already in use"
-- of a port nothing listened on); 20000..60000 where the range leaves no
-- room or cannot be read.
local function port_range()
  local lo, hi = (M.read_file("/proc/sys/net/ipv4/ip_local_port_range") or ""):match("(%d+)%s+(%d+)")
  lo, hi = tonumber(lo), tonumber(hi)
  if lo and lo - 10000 >= 2000 then return 10000, lo - 1 end
  if hi and 65535 - hi >= 2000 then return hi + 1, 65535 end
  return 20000, 60000
end

-- A port of that range from /dev/urandom where there is one: math.random's
-- state belongs to whoever seeds it (a spec's fixed seed would make two
-- runs side by side pick the same ports in turn, each retry costing nginx's
-- 2.5 s of bind attempts).
local seeded = false
function M.random_port()
  local first, last = port_range()
  local f = io.open("/dev/urandom", "rb")
  local b = f and f:read(2)
  if f then f:close() end
  if b and #b == 2 then return first + (b:byte(1) * 256 + b:byte(2)) % (last - first + 1) end
  if not seeded then
    -- Lua 5.4 seeds itself; LuaJIT does not. Mix the time with an address.
    local addr = tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0
    math.randomseed((os.time() + addr) % 2147483647)
    seeded = true
  end
  return math.random(first, last)
end

return M
