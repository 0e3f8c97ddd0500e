-- What a provider's simulator reads from its fixture section (its `build`):
-- lists of objects, `api_keys`, integral ids. The rules every section
-- shares, apart from sim/fixture.lua (which walks the providers for the
-- default seed), so a provider's sim does not require the registry back.
--
-- A key is a string, or {"key": "...", "read_only": true} (other fields of
-- the record are the provider's: TensorPool's "balance").

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"

local M = {}

local format = string.format

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

-- Each element of list has a `field` that `ok` takes (raises naming it
-- as `what` otherwise); the list.
local function ids(list, field, where, ok, what)
  for i, x in ipairs(list) do
    if not ok(x[field]) then error(format("%s[%d].%s must be %s", where, i, field, what), 0) end
  end
  return list
end

-- Each element of list has an integral `field` (raises otherwise).
function M.integer_ids(list, field, where)
  return ids(list, field, where, values.is_integer, "an integer")
end

-- Each element of list has a string `field` (raises otherwise).
function M.string_ids(list, field, where)
  return ids(list, field, where, function(v) return type(v) == "string" end, "a string")
end

return M
