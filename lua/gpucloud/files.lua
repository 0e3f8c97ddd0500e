-- Files an unattended run must be able to trust after a crash: a file
-- replaced whole or not at all (write, fsync, rename, fsync the directory),
-- a line appended and synced before the next step, and a lock the kernel
-- lets go of when its process dies. Used by the fleet's state file, saved
-- plans and the journal. Failures return nil and a message naming the file.

local M = {}

local ok_core, core = pcall(require, "gpucloud.core")
if not (ok_core and type(core) == "table" and core.fsync) then core = nil end

local function dir_of(path)
  return path:match("^(.*)/[^/]*$") or "."
end

-- Bytes that reached the file reach the disk (where the core is loaded).
local function sync(path)
  if not core then return true end
  return core.fsync(path)
end

--- The whole file, or nil, message and true when it does not exist.
function M.read(path)
  local f, err, errno = io.open(path, "rb")
  if not f then return nil, err, errno == 2 end
  local text, rerr = f:read("*a")
  f:close()
  if not text then return nil, path .. ": " .. tostring(rerr) end
  return text
end

--- Some random hex digits (from /dev/urandom, else the clock and an address).
function M.random_hex(n)
  local f = io.open("/dev/urandom", "rb")
  local bytes = f and f:read(n)
  if f then f:close() end
  if not bytes or #bytes < n then
    bytes = tostring(os.time()) .. tostring(os.clock()) .. tostring({})
  end
  local hex = bytes:gsub(".", function(c) return string.format("%02x", c:byte()) end)
  return hex:sub(1, 2 * n)
end

--- Replace `path` with `text`, whole or not at all: readers see the old
-- file or the new one, never a part, and a crash leaves one of the two.
function M.replace(path, text)
  local tmp = path .. ".tmp-" .. M.random_hex(4)
  local f, err = io.open(tmp, "wb")
  if not f then return nil, err end
  local ok, werr = f:write(text)
  if ok then ok, werr = f:flush() end
  f:close()
  local synced, serr = true, nil
  if ok then synced, serr = sync(tmp) end
  if not ok or not synced then
    os.remove(tmp)
    return nil, tostring(werr or serr)
  end
  local moved, merr = os.rename(tmp, path)
  if not moved then
    os.remove(tmp)
    return nil, merr
  end
  -- the rename itself is durable only once the directory is
  return sync(dir_of(path))
end

--- Append one line (a newline is added) and sync it before returning.
function M.append_line(path, line)
  local f, err = io.open(path, "ab")
  if not f then return nil, err end
  local ok, werr = f:write(line, "\n")
  if ok then ok, werr = f:flush() end
  f:close()
  if not ok then return nil, path .. ": " .. tostring(werr) end
  return sync(path)
end

--- Hold the lock file `path`, trying for up to `wait` seconds (0: once).
-- Returns the lock (lock:unlock()), or nil, message and "busy" when another
-- run holds it. Without the core (inside nginx without it) there is no
-- lock: a dummy one is returned.
function M.lock(path, wait)
  if not core then return { unlock = function() end } end
  local stop = core.now() + (wait or 0)
  while true do
    local lock, err, why = core.lock(path)
    if lock or why ~= "busy" or core.now() >= stop then return lock, err, why end
    core.sleep(0.05)
  end
end

return M
