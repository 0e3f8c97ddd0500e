-- The official CLIs' key file, ~/.runpod/config.toml. It is TOML, not a
-- bare key: runpodctl writes a top-level `apikey = "..."` (viper: the name
-- in any case), runpod-python's `runpod config` a `[default]` table with
-- `api_key = "..."`. gpucloud.keys reads a key file whole, so this one is
-- offered to it as a place read through the client's getenv (init.lua's
-- `new` wraps the option): the lookup order, the messages and
-- key_source stay gpucloud.keys'.

local config = require "gpucloud.config"

local M = {}

--- The place's name, as messages and help show it.
M.PLACE = "~/.runpod/config.toml"

-- A TOML string: "basic" (without escapes: a key has none) or 'literal',
-- then nothing but a comment. Empty is absent.
local function string_value(s)
  local v, rest = s:match('^"([^"\\]*)"(.*)$')
  if not v then v, rest = s:match("^'([^']*)'(.*)$") end
  if v and v ~= "" and (rest:match("^%s*$") or rest:match("^%s*#")) then return v end
end

--- The key in a config.toml's text, or nil: runpodctl's top-level
-- `apikey` first, then `[default]` `api_key`.
function M.parse(text)
  local section, top, default
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local l = line:match("^%s*(.-)%s*$")
    if l:sub(1, 1) == "[" then
      section = l:match("^%[%s*([%w_%-]+)%s*%]") or false
    elseif l ~= "" and l:sub(1, 1) ~= "#" then
      local k, v = l:match("^([%w_%-]+)%s*=%s*(.*)$")
      local s = k and string_value(v)
      if s and section == nil and k:lower() == "apikey" then top = top or s end
      if s and section == "default" and k == "api_key" then default = default or s end
    end
  end
  return top or default
end

-- ssh's rule, as gpucloud.keys keeps it for key files: a file others can
-- read gets a warning naming the file, never the key.
local function warn_if_exposed(path)
  local ok, core = pcall(require, "gpucloud.core")
  if not ok or type(core) ~= "table" or not core.file_mode then return end
  local mode = core.file_mode(path)
  if mode and mode % 64 ~= 0 then
    config.warn(string.format("API key file %s is accessible by group or others (mode %03o); chmod 600 it",
      path, mode))
  end
end

--- The key in $HOME/.runpod/config.toml, or nil.
function M.read(getenv)
  local home = getenv("HOME")
  if type(home) ~= "string" or home == "" then return nil end
  local path = home .. "/.runpod/config.toml"
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("*a")
  f:close()
  local key = text and M.parse(text)
  if key then warn_if_exposed(path) end
  return key
end

--- A getenv that also answers M.PLACE with the file's key.
function M.getenv(getenv)
  return function(name)
    if name == M.PLACE then return M.read(getenv) end
    return getenv(name)
  end
end

return M
