-- The fixture format: where the default seed is, reading one, the API keys
-- it declares, and the live state built from it. What each provider keeps
-- is the provider's business (its `build`, with sim/section.lua's
-- helpers); this file holds the seed and the state made of it.
--
--   {"vast": {"api_keys": [...], "endpoints": [...], ...},
--    "tensorpool": {"api_keys": [...], "clusters": [...]}}

local json = require "gpucloud.json"
local providers = require "gpucloud.providers"
local section_of = require "gpucloud.sim.section"
local values = require "gpucloud.sim.values"

local M = {}

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

-- The fields of a provider's section its routes bring seeds for: a route
-- row may carry `seed = {field = {records...}}`, the data its listing
-- serves, beside the route itself (a new listing is then one row in the
-- provider's sim and its seed, no fixture.json edit).
local function route_seeds(sim)
  local out = {}
  for _, r in ipairs(sim.routes or {}) do
    for field, records in pairs(r.seed or {}) do out[field] = records end
  end
  return out
end
M.route_seeds = route_seeds

-- Every provider with a simulator, its seed as its section (fixture.json,
-- then the routes' seeds for the fields it does not have).
local function default_seed()
  local out = json.object { _about = "Default seed of the gpucloud simulator: each provider's "
    .. "providers/<name>/sim/fixture.json. Fields whose names start with '_' are sim-private and never sent." }
  for _, p in ipairs(providers.parts("sim")) do
    local path = provider_dir(p.name) .. "/fixture.json"
    local text, err = read_file(path)
    if not text then return nil, err end
    local t, derr = values.decode_object(text)
    if not t then return nil, "fixture " .. path .. ": " .. derr end
    for field, records in pairs(route_seeds(p.module)) do
      if t[field] == nil then t[field] = json.array(values.deepcopy(records)) end
    end
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
    local st = p.build(section)
    -- the fields the routes' seeds are for: the section's list, else none
    for field in pairs(route_seeds(p)) do
      if st[field] == nil then st[field] = section_of.list(section, field, p.name) end
    end
    state[p.name] = st
  end
  return state
end

return M
