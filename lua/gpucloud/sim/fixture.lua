-- The fixture format: where the default seed is, reading one, the API keys
-- it declares, and the live state built from it. What each provider keeps
-- is the provider's business (its `build`); this file holds the rules all
-- sections share: `api_keys`, lists of objects, deep copies.
--
--   {"vast": {"api_keys": [...], "endpoints": [...], ...},
--    "tensorpool": {"api_keys": [...], "clusters": [...]}}
--
-- A key is a string, or {"key": "...", "read_only": true} (other fields of
-- the record are the provider's: TensorPool's "balance").

local json = require "gpucloud.json"
local providers = require "gpucloud.providers"
local values = require "gpucloud.sim.values"

local M = {}

local format = string.format

-- The default seed: each provider's sim/fixture.json, as its section.
-- default_path() is nil: there is no one file. -> table | nil, message
local function provider_dir(name)
  local src = debug.getinfo(1, "S").source
  local dir = src:sub(1, 1) == "@" and src:sub(2):match("^(.*)/[^/]*$") or "."
  return dir .. "/../providers/" .. name .. "/sim"
end

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, "cannot read fixture: " .. tostring(err) end -- err names the path
  local text = f:read("*a")
  f:close()
  return text
end

-- Every provider with a simulator, its seed as its section.
local function default_seed()
  local out = json.object { _about = "Default seed of the gpucloud simulator: each provider's "
    .. "providers/<name>/sim/fixture.json. Fields whose names start with '_' are sim-private and never sent." }
  for _, p in ipairs(providers.parts("sim")) do
    local path = provider_dir(p.name) .. "/fixture.json"
    local text, err = read_file(path)
    if not text then return nil, err end
    local t, derr = values.decode_object(text)
    if not t then return nil, "fixture " .. path .. ": " .. derr end
    out[p.name] = t
  end
  return out
end

--- A name for the default seed in messages.
M.DEFAULT_NAME = "the default seed (providers/<name>/sim/fixture.json)"

-- A fixture file's text (nil: the default seed, as one JSON text) ->
-- string | nil, message.
function M.read(path)
  if path == nil then
    local t, err = default_seed()
    if not t then return nil, err end
    return json.encode(t)
  end
  return read_file(path)
end

-- Fixture text -> table | nil, message (`where` names it in the message).
function M.decode(text, where)
  local t, err = values.decode_object(text)
  if not t then return nil, "fixture " .. (where or "") .. ": " .. err end
  return t
end

-- Read and decode a fixture file (nil: the default seed) -> table | nil, message.
function M.load(path)
  if path == nil then return default_seed() end
  local text, err = M.read(path)
  if not text then return nil, err end
  return M.decode(text, path)
end

-- The first key of each provider that may delete: what a launcher hands
-- to the command it runs. -> { vast = "...", tensorpool = "..." }
function M.keys(fixture)
  local keys = {}
  for _, name in ipairs(providers.names()) do
    local section = type(fixture) == "table" and fixture[name]
    for _, k in ipairs(type(section) == "table" and type(section.api_keys) == "table" and section.api_keys or {}) do
      if type(k) == "string" then keys[name] = k break end
      if type(k) == "table" and not k.read_only and type(k.key) == "string" then keys[name] = k.key break end
    end
  end
  return keys
end

---------------------------------------------------------------- for providers' build

-- section[name], an array of objects (absent or null: empty). Raises a
-- message naming the field on anything else.
function M.list(section, name, where)
  local v = section[name]
  if v == nil or v == json.null then return {} end
  if type(v) ~= "table" then error(where .. "." .. name .. " must be an array", 0) end
  for i, x in ipairs(v) do
    if type(x) ~= "table" then error(format("%s.%s[%d] must be an object", where, name, i), 0) end
  end
  return v
end

-- section.api_keys -> { [key] = { read_only = boolean, ... } }: a key
-- record's other fields (TensorPool's `balance`) are kept for the
-- provider's auth. Raises on a malformed entry.
function M.api_keys(section, where)
  local v = section.api_keys
  local out = {}
  if v == nil or v == json.null then return out end
  if type(v) ~= "table" then error(where .. ".api_keys must be an array", 0) end
  for i, k in ipairs(v) do
    if type(k) == "string" then
      out[k] = { read_only = false }
    elseif type(k) == "table" and type(k.key) == "string" then
      local record = {}
      for f, x in pairs(k) do
        if f ~= "key" then record[f] = x end
      end
      record.read_only = k.read_only == true
      out[k.key] = record
    else
      error(format("%s.api_keys[%d] must be a string or {key=...}", where, i), 0)
    end
  end
  return out
end

-- Each element of list has an integral `field` (raises otherwise).
function M.integer_ids(list, field, where)
  for i, x in ipairs(list) do
    if not values.is_integer(x[field]) then
      error(format("%s[%d].%s must be an integer", where, i, field), 0)
    end
  end
end

-- The live state: one section per provider, from a deep copy (the fixture
-- stays pristine for later resets). Raises a message on malformed input.
function M.build(fixture, sims)
  if type(fixture) ~= "table" then error("fixture must be an object", 0) end
  fixture = values.deepcopy(fixture)
  local state = {}
  for _, p in ipairs(sims) do
    local section = fixture[p.name]
    if section == nil or section == json.null then section = {} end
    if type(section) ~= "table" then error(p.name .. " must be an object", 0) end
    state[p.name] = p.build(section)
  end
  return state
end

return M
