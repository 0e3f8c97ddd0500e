-- The tree as text, for specs that read the source: a file's bytes, and
-- every library module file in order.

local M = {}

--- The bytes of `path` (raises when it cannot be read).
function M.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

--- Every lua/gpucloud/**/*.lua, sorted.
function M.lua_files()
  local p = assert(io.popen("find lua/gpucloud -name '*.lua' | LC_ALL=C sort"))
  local out = {}
  for f in p:lines() do out[#out + 1] = f end
  p:close()
  return out
end

return M
