-- What the TensorPool simulator's handlers share: FastAPI-shaped answers,
-- path ids, finding things by id, and the checks of an edit's body.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"

local M = {}

local format = string.format

local ID_PATTERN = "^[A-Za-z0-9._-]+$"

function M.detail(status, msg)
  return status, { detail = msg }
end

-- FastAPI's 422 for one field: loc is { "path", name } or { "body", ... }.
function M.invalid(loc, msg, kind)
  return 422, { detail = { { loc = loc, msg = msg, type = kind } } }
end

-- A path parameter (req.captures[1]) named `name` -> id | nil, status, value.
function M.path_id(req, name)
  local id = req.captures[1]
  if id:match(ID_PATTERN) and #id <= 64 then return id end
  return nil, M.invalid({ "path", name }, "String should match pattern '^[A-Za-z0-9._-]{1,64}$'", "value_error")
end

function M.find(list, field, id)
  return values.find(list, id, field)
end

-- A copy of `list` without `item`, kept an array.
M.without = values.without

function M.now_iso()
  return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

local checks = {
  boolean = { function(v) return type(v) == "boolean" end, "Input should be a valid boolean", "bool_type" },
  string = { function(v) return type(v) == "string" end, "Input should be a valid string", "string_type" },
  integer = { function(v) return type(v) == "number" and v == math.floor(v) end,
              "Input should be a valid integer", "int_type" },
}

-- An edit's body against `fields` ({name = "boolean" | "string" |
-- "integer"}) -> the fields given | nil, status, value. Unknown fields are
-- ignored, as FastAPI does by default.
function M.edit_fields(req, fields)
  local t = req.json
  if type(t) ~= "table" or json.is_array(t) then
    return nil, M.invalid({ "body" }, "Input should be a valid dictionary", "dict_type")
  end
  local out = {}
  for name, kind in pairs(fields) do
    local v = t[name]
    if v ~= nil and v ~= json.null then
      local c = checks[kind]
      if not c[1](v) then return nil, M.invalid({ "body", name }, c[2], c[3]) end
      out[name] = v
    end
  end
  return out
end

function M.plural(n, word)
  return format("%d %s%s", n, word, n == 1 and "" or "s")
end

return M
