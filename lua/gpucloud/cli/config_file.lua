-- Where the command line's config file is, apart from its reader
-- (cli/settings.lua): a command run without a file never loads the reader.

local M = {}

--- Where the file is, from `getenv`: $XDG_CONFIG_HOME/gpucloud/config,
-- else ~/.config/gpucloud/config; nil without either variable.
function M.path(getenv)
  local xdg = getenv("XDG_CONFIG_HOME")
  if xdg and xdg ~= "" then return xdg .. "/gpucloud/config" end
  local home = getenv("HOME")
  if home and home ~= "" then return home .. "/.config/gpucloud/config" end
end

--- Whether there is a file to read there (what the reader would open).
function M.exists(getenv)
  local path = M.path(getenv)
  local f = path and io.open(path, "rb")
  if not f then return false end
  f:close()
  return true
end

return M
