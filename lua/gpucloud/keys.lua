-- Where a provider's API key comes from: the api_key option, then the
-- provider's environment variables, then its key files (spec.key), in that
-- order, looked up at the first call that needs it. A key file others can
-- read gets a warning (naming the file, never the key).

local config = require "gpucloud.config"
local errors = require "gpucloud.errors"

local M = {}

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

-- ssh's rule for key files that others can read: say so, naming the file
-- (never the key), and go on, so an unattended job is not broken by it.
local function warn_if_exposed(path)
  local ok, core = pcall(require, "gpucloud.core")
  if not ok or type(core) ~= "table" or not core.file_mode then return end
  local mode = core.file_mode(path)
  if mode and mode % 64 ~= 0 then -- any of the group and other bits (077)
    config.warn(string.format("API key file %s is accessible by group or others (mode %03o); chmod 600 it",
      path, mode))
  end
end

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- Where a provider's key may be, in order: its environment variables, then
-- its key files. Each place: a name for messages, and how to read it.
local function key_places(spec, getenv)
  local places = {}
  for _, name in ipairs(spec.key.env) do
    places[#places + 1] = { name = name, read = function() return getenv(name) end }
  end
  for _, path in ipairs(spec.key.files and spec.key.files(getenv) or {}) do
    places[#places + 1] = { name = path, read = function() return read_file(path) end, file = true }
  end
  return places
end

--- Where provider `spec`'s key is looked for, in order, as a person reads
-- it: its environment variables, then its key files with the home as ~
-- and XDG_CONFIG_HOME as ${XDG_CONFIG_HOME:-~/.config}. A list of strings.
function M.describe(spec)
  local out = {}
  for _, name in ipairs(spec.key.env) do out[#out + 1] = name end
  local function getenv(name)
    if name == "HOME" then return "~" end
    if name == "XDG_CONFIG_HOME" then return "${XDG_CONFIG_HOME:-~/.config}" end
  end
  for _, path in ipairs(spec.key.files and spec.key.files(getenv) or {}) do out[#out + 1] = path end
  return out
end

--- The key (looked up once, at the first call that needs it), or nil, err
-- with code no_api_key naming every place looked in. `p` is the client's
-- private state (p.key, p.getenv); the key found is kept there.
function M.lookup(spec, p, op)
  if p.key then return p.key end
  local where = {}
  for _, place in ipairs(key_places(spec, p.getenv)) do
    local v = place.read()
    v = v and trim(v)
    if v and v ~= "" then
      config.kinds.api_key(op, place.name, v, 4)
      if place.file then warn_if_exposed(place.name) end
      p.key, p.key_source = v, place.name
      return v
    end
    where[#where + 1] = place.name
  end
  return nil, errors.local_failure(op, "no_api_key", string.format(
    "no %s API key: pass api_key to gpucloud.%s{}, or set it in %s",
    spec.title, spec.name, table.concat(where, ", ")), { places = where })
end

return M
