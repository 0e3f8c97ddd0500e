-- The command line's config file: $XDG_CONFIG_HOME/gpucloud/config (else
-- ~/.config/gpucloud/config). Its format is a Lua table's fields, read as
-- data: the text runs in an empty environment (no globals, no functions to
-- call), for a bounded number of instructions, and what it leaves must be
-- plain data (strings, numbers, booleans, tables). An example, with every
-- field (all optional):
--
--     -- the providers `fleet` commands use; others are left out
--     providers = { "vast" }
--     -- the default output (-o) and, per command, the default columns
--     output = "table"
--     columns = { ["vast show instances"] = { "id", "label", "actual_status", "dph_total" } }
--     -- per provider: base URLs (the client's options: url, run_url, ...),
--     -- and a key only if you must (the file must then not be readable by others)
--     vast = { url = "https://console.vast.ai" }
--     -- things never to delete, as plain tables (read by keep rules)
--     keep = { { provider = "vast", kind = "instance", id = 5001 }, { name = "prod-*" } }
--
-- The environment and the command line's options win over the file.

local M = {}

local format = string.format

M.EXAMPLE = [[
-- ~/.config/gpucloud/config: Lua table fields, read as data
providers = { "vast" }                 -- fleet commands use these only
output = "table"                       -- or json, jsonl, csv, ids
columns = { ["vast show instances"] = { "id", "label", "actual_status", "dph_total", "start_date" } }
vast = { url = "https://console.vast.ai" }
keep = { { provider = "vast", kind = "instance", id = 5001 }, { name = "prod-*" } }
]]

local TOP = { providers = true, output = true, columns = true, keep = true }
local MAX_INSTRUCTIONS = 1000000

--- Where the file is, from `getenv` (cli/config_file.lua).
M.path = require("gpucloud.cli.config_file").path

local setfenv, loadstring = rawget(_G, "setfenv"), rawget(_G, "loadstring")

-- The chunk's fields, run in an empty table with a count hook.
local function run(text, name)
  if text:sub(1, 1) == "\27" then return nil, name .. ": not text" end
  local env = {}
  local f, err
  if setfenv and loadstring then
    f, err = loadstring(text, "=" .. name)
    if f then setfenv(f, env) end
  else
    f, err = load(text, "=" .. name, "t", env)
  end
  if not f then return nil, err end
  -- LuaJIT's compiled loops run no count hook: this chunk is interpreted
  local jit = rawget(_G, "jit")
  if jit and jit.off then jit.off(f, true) end
  local co = coroutine.create(f)
  debug.sethook(co, function() error("takes too long to read (a loop?)", 2) end, "", MAX_INSTRUCTIONS)
  local ok, e = coroutine.resume(co)
  if not ok then return nil, name .. ": " .. tostring(e):gsub("^[^:]*:%d+: ", "") end
  if coroutine.status(co) ~= "dead" then return nil, name .. ": does not finish" end
  return env
end

-- Plain data only: strings, numbers, booleans and tables of them.
local function plain(v, where, depth)
  local t = type(v)
  if t == "string" or t == "number" or t == "boolean" then return true end
  if t ~= "table" or getmetatable(v) ~= nil or depth > 20 then
    return nil, format("%s must be plain data (strings, numbers, booleans, tables), got a %s", where, t)
  end
  for k, x in pairs(v) do
    local ok, why = plain(k, where, depth + 1)
    if ok then ok, why = plain(x, where .. "." .. tostring(k), depth + 1) end
    if not ok then return nil, why end
  end
  return true
end

local function list_of_strings(v)
  if type(v) ~= "table" then return false end
  for k, x in pairs(v) do
    if type(k) ~= "number" or type(x) ~= "string" then return false end
  end
  return true
end

--- Check a config table; returns it, or nil and what is wrong. `known`:
-- the registry (gpucloud.providers), `formats`: the output formats.
function M.check(cfg, name, known, formats)
  local ok, why = plain(cfg, name, 0)
  if not ok then return nil, why end
  for k, v in pairs(cfg) do
    if TOP[k] then
      if k == "providers" then
        if not list_of_strings(v) then return nil, name .. ": providers must be a list of provider names" end
        for _, p in ipairs(v) do
          if not known.known(p) then
            return nil, format("%s: providers: no provider %q (there are: %s)", name, p,
              table.concat(known.names(), ", "))
          end
        end
      elseif k == "output" then
        local good = false
        for _, f in ipairs(formats) do good = good or f == v end
        if not good then
          return nil, format("%s: output must be one of %s", name, table.concat(formats, ", "))
        end
      elseif k == "columns" then
        if type(v) ~= "table" then return nil, name .. ": columns must be a table {[\"command words\"] = {...}}" end
        for words, cols in pairs(v) do
          if type(words) ~= "string" or not (cols == "all" or list_of_strings(cols)) then
            return nil, format("%s: columns[%q] must be a list of field names, or \"all\"", name, tostring(words))
          end
        end
      elseif k == "keep" and type(v) ~= "table" then
        return nil, name .. ": keep must be a list of tables"
      end
    elseif type(k) == "string" and known.known(k) then
      if type(v) ~= "table" then return nil, format("%s: %s must be a table {url = ..., ...}", name, k) end
      for opt, x in pairs(v) do
        if type(opt) ~= "string" or not (opt == "api_key" or opt == "url" or opt:match("^[%a_]+_url$"))
            or type(x) ~= "string" or x == "" then
          return nil, format("%s: %s.%s: a provider's table holds url, *_url and api_key, each a string",
            name, k, tostring(opt))
        end
      end
    else
      return nil, format("%s: unknown field %s (fields: providers, output, columns, keep, and a provider's name: %s)",
        name, tostring(k), table.concat(known.names(), ", "))
    end
  end
  return cfg
end

local function holds_key(cfg, known)
  for k, v in pairs(cfg) do
    if known.known(k) and v.api_key then return true end
  end
  return false
end

--- Read the config file: a table (empty when there is no file), or nil
-- and a message naming the file. `sys` has getenv and file_mode (the
-- core's: the permission bits of a path).
function M.load(sys, formats)
  local path = M.path(sys.getenv)
  local f = path and io.open(path, "rb")
  if not f then return {}, nil end
  local text = f:read("*a") or ""
  f:close()
  local known = require "gpucloud.providers"
  local cfg, err = run(text, path)
  if not cfg then return nil, err end
  cfg, err = M.check(cfg, path, known, formats)
  if not cfg then return nil, err end
  if holds_key(cfg, known) then
    local mode = sys.file_mode and sys.file_mode(path)
    if not mode or mode % 8 ~= 0 then
      return nil, format("%s holds an API key and others can read it (mode %s): chmod 600 %s, or take the key out",
        path, mode and format("%03o", mode) or "unknown", path)
    end
  end
  cfg.path = path
  return cfg
end

--- The keep section as a plain table (a copy): a list of tables, each a
-- rule's fields as the file gives them.
function M.keep(cfg)
  local function copy(v)
    if type(v) ~= "table" then return v end
    local t = {}
    for k, x in pairs(v) do t[k] = copy(x) end
    return t
  end
  return copy(cfg and cfg.keep or {})
end

--- The client options the file gives provider `entry` (a command-line
-- provider entry: name, hosts, key_env), where the environment does not
-- give them: base URLs by host option, and the key.
function M.client_opts(cfg, entry, getenv)
  local section = cfg and cfg[entry.name]
  local out = {}
  if type(section) ~= "table" then return out end
  for _, h in pairs(entry.hosts or {}) do
    local v = section[h.option]
    local env = h.env and getenv(h.env)
    if v and not (env and env ~= "") then out[h.option] = v end
  end
  if section.api_key then
    local set = false
    for _, var in ipairs(entry.key_env or {}) do
      local v = getenv(var)
      set = set or (v ~= nil and v ~= "")
    end
    if not set then out.api_key = section.api_key end
  end
  return out
end

return M
