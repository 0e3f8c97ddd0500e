-- One request from a row, and one answer read against the row's shape.
--
-- Shapes (a row says one; the default is an object):
--   list = "workers"   a JSON array of objects under that key (and, when
--                      the row says `bare = true`, a bare array too)
--   list = true        a bare JSON array of objects
--   object = "result"  a JSON object under that key
--   object = true      the answer itself is a JSON object
-- Only a real JSON array is a list: `{}`, `null`, a string or a missing key
-- where a list belongs is bad_response, never an empty list; so is a list
-- naming one id twice (`id_field`, default "id"; `id_field = false`: the
-- items are records without an identity, which may repeat any field).
-- `echo = {field = arg}`:
-- the answer is about what was asked, or bad_response: each named field
-- the answer holds equals that argument, and one of them is there (unless
-- `echo_optional = true`). The account key is taken out of every answer
-- before anything reads it (secrets.lua): whatever a server echoes,
-- results, messages and cursors made from it never hold it. A row whose
-- method is DELETE follows the rule for deletions instead: a 2xx means the
-- server acted, whatever the body says, unless it says `success: false`.
-- `null_is = "not_found"`: a bare JSON `null` answer is that failure (a
-- lookup's "none"), never an empty object. `hide = {"args"}`: fields of
-- the answer's records that may hold secrets under names the secrets rule
-- does not know are "<hidden>" from where the answer is read on.
-- `check_answer = fn(value, decoded, argv) -> nil | why`: a provider's own
-- rule about what an answer must be (RunPod's whole lists), bad_response
-- when it says why. `item = fn`: each element of a list goes through
-- fn(element) -> element | nil, why (before the check that every element
-- is an object).

local args = require "gpucloud.args"
local errors = require "gpucloud.errors"
local json = require "gpucloud.json"
local rows = require "gpucloud.rows"
local secrets = require "gpucloud.secrets"

local M = {}

local is_array = json.is_array
local array_mt = json.array_mt
-- list.lua's constructor, at the first list read: a client that reads none
-- (the command line's delete) never loads it
local list_new

-- What each row needs per request, worked out once: whether its path has
-- placeholders, an encoder for its body fields.
local compiled = setmetatable({}, { __mode = "k" })

-- The names a body of fields holds: the row's args, its lists of one arg,
-- its fixed fields, its options sent in the body.
local function body_names(row)
  local names = {}
  for _, n in ipairs(type(row.body) == "table" and row.body or {}) do names[#names + 1] = n end
  for n in pairs(row.body_list or {}) do names[#names + 1] = n end
  for n in pairs(row.body_const or {}) do names[#names + 1] = n end
  for _, o in ipairs(row.body_opts or {}) do names[#names + 1] = o[1] end
  return names
end

-- What goes in the query string: {name, from ("opts" or "argv"), default}.
local function query_fields(row)
  local out = {}
  for _, p in ipairs(row.args or {}) do
    if p.query then out[#out + 1] = { p.query, "argv", nil, p[1] } end
  end
  for _, q in ipairs(row.query or {}) do out[#out + 1] = { q[1], "opts", q.default, q[1] } end
  return out
end

-- The key a row's answer sits under, if any (says_failed looks for it),
-- worked out once a row (false: none); apart from compile(), as reading an
-- answer needs no request of the row.
local shape_keys = setmetatable({}, { __mode = "k" })

local function shape_key(row)
  local k = shape_keys[row]
  if k == nil then
    k = (type(row.list) == "string" and row.list) or (type(row.object) == "string" and row.object) or false
    shape_keys[row] = k
  end
  return k or nil
end

local function compile(row)
  local c = {
    templated = row.path:find("{", 1, true) ~= nil,
    has_query = row.path:find("?", 1, true) ~= nil,
    body = (type(row.body) == "table" or row.body_list) and json.object_encoder(body_names(row)) or nil,
    query = query_fields(row),
  }
  c.no_query = #c.query == 0
  compiled[row] = c
  return c
end

-- The Authorization header of each client, made at its first call rather
-- than on every one; weak keys: it goes with the client.
local auth_of = setmetatable({}, { __mode = "k" })

local function authorization(settings, key)
  local a = auth_of[settings]
  if a and a[1] == key then return a[2] end
  a = { key, "Bearer " .. key }
  auth_of[settings] = a
  return a[2]
end

-- A query value: a table as JSON, a string as it is, a number in digits.
-- A table arg that is empty (no filters) is not sent at all.
local function query_string(c, argv, opts)
  local parts = {}
  for _, q in ipairs(c.query) do
    local v
    if q[2] == "argv" then v = argv[q[4]] else v = opts[q[4]] end
    if v == nil then v = q[3] end
    if type(v) == "table" then v = next(v) ~= nil and json.encode(v) or nil end
    if type(v) == "number" and v == math.floor(v) then v = string.format("%d", v) end
    if v ~= nil then parts[#parts + 1] = args.encode(q[1]) .. "=" .. args.encode(tostring(v)) end
  end
  if #parts == 0 then return "" end
  return (c.has_query and "&" or "?") .. table.concat(parts, "&")
end

-- The values a body is made of: the args, each `body_list` field a JSON
-- array of its one arg, then the fixed fields, then the options the row
-- sends in the body.
local function body_values(row, base, opts)
  if not row.body_const and not row.body_opts and not row.body_list then return base end
  local v = {}
  for k, x in pairs(base) do v[k] = x end
  for k, a in pairs(row.body_list or {}) do v[k] = json.array { base[a] } end
  for k, x in pairs(row.body_const or {}) do v[k] = x end
  for _, o in ipairs(row.body_opts or {}) do v[o[1]] = opts[o[1]] end
  return v
end

local NO_OPTS = {}

-- The only header of an answer the library reads (retry.lua's backoff and
-- wait.lua's polls): the C core then makes no Lua strings for the others.
-- A runtime may give more.
local READ_HEADERS = { "retry-after" }

--- The request table a runtime sends: method, url, headers, body and the
-- per-attempt limits. `settings` is the client; `opts` the call's options.
function M.build(settings, row, argv, opts, key)
  local c = compiled[row] or compile(row)
  local path = row.path
  if c.templated then
    path = path:gsub("{([%w_]+)}", function(name) return args.encode(argv[name]) end)
  end
  local headers = {
    ["Authorization"] = authorization(settings, key),
    ["Accept"] = "application/json",
    ["User-Agent"] = settings.user_agent,
  }
  opts = opts or NO_OPTS
  local body
  if c.body then
    body = c.body(body_values(row, argv, opts))
  elseif type(row.body) == "string" then
    body = json.encode(json.object(body_values(row, argv[row.body] or {}, opts)))
  end
  if body then headers["Content-Type"] = "application/json" end
  return {
    method = row.method,
    url = c.no_query and (settings.urls[row.host] .. path)
      or (settings.urls[row.host] .. path .. query_string(c, argv, opts)),
    headers = headers,
    body = body,
    timeout = opts.timeout or settings.timeout,
    connect_timeout = opts.connect_timeout or settings.connect_timeout,
    ca_file = settings.ca_file,
    insecure = settings.insecure,
    max_body = opts.max_body or settings.max_body,
    response_headers = READ_HEADERS,
  }
end

-- A 2xx that says it failed: a bare JSON string where data was expected,
-- `success: false`, or an `error_msg` in place of the data.
local function says_failed(decoded, key)
  local t = type(decoded)
  if t == "string" then return true end
  if t ~= "table" then return false end
  if decoded.success == false then return true end
  return decoded.error_msg ~= nil and (key == nil or decoded[key] == nil)
end

local function is_object(v)
  return type(v) == "table" and not is_array(v)
end

--- The value a decoded 2xx answer holds under the row's shape, or nil and
-- what was wrong with it.
function M.shape(row, decoded)
  if row.list then
    local value = decoded
    -- (is_array and is_object by hand: one builtin call each, not three)
    if row.list ~= true then
      local mt = getmetatable(decoded)
      if not (row.bare and mt == array_mt) then
        if type(decoded) ~= "table" or mt == array_mt then
          return nil, "expected a JSON object" .. (row.bare and " or array" or "") .. ", got " .. json.kind(decoded)
        end
        value = decoded[row.list]
        if value == nil then return nil, "no '" .. row.list .. "' list in the answer" end
      end
    end
    if not is_array(value) then
      return nil, "expected a JSON array" .. (type(row.list) == "string" and (" under '" .. row.list .. "'") or "")
        .. ", got " .. json.kind(value)
    end
    -- a row's `item` reads each element (amounts as numbers, a name as a
    -- record); what it refuses makes the whole answer bad, never a short list
    if row.item then
      for i = 1, #value do
        local v, why = row.item(value[i])
        if v == nil then return nil, "list element " .. i .. ": " .. tostring(why) end
        value[i] = v
      end
    end
    -- every element an object, and no id twice (a server repeating itself
    -- is not a list), unless the row says its items have none (id_field
    -- false: no item has a field of that name, so none is seen twice)
    local id_field = row.id_field
    if id_field == nil then id_field = "id" end
    local ok, at, before = json.records(value, id_field)
    if not ok then
      if not before then return nil, "list element " .. at .. " is not an object" end
      return nil, string.format("list elements %d and %d name the same %s %s", before, at, id_field,
        args.describe(value[at][id_field]))
    end
    list_new = list_new or require("gpucloud.list").new
    return list_new(value, row.id_field)
  end
  if not is_object(decoded) then return nil, "expected a JSON object, got " .. json.kind(decoded) end
  if type(row.object) == "string" then
    local value = decoded[row.object]
    if not is_object(value) then
      return nil, "expected an object under '" .. row.object .. "', got " .. json.kind(value)
    end
    return value
  end
  return decoded
end

-- The row's `hide` fields of each record (a list's elements, or the
-- object), replaced in place: the whole answer holds the same records.
local function hide(row, value)
  local records = row.list and value or { value }
  for _, r in ipairs(records) do
    for _, name in ipairs(row.hide) do
      if r[name] ~= nil then r[name] = secrets.HIDDEN end
    end
  end
end

-- Is the answer about what was asked? nil, or why not (row.echo).
local function not_about(row, value, argv)
  local named = false
  for field, arg in pairs(row.echo) do
    local v = value[field]
    if v ~= nil then
      if v ~= argv[arg] then
        return string.format("the answer is about %s %s, not %s", field, args.describe(v), args.describe(argv[arg]))
      end
      named = true
    end
  end
  if not named and not row.echo_optional then return "the answer does not say what it is about" end
end

-- Could the decoded answer hold the key? Only if the text does: plainly,
-- or written with escapes (\u0041, \/) that a search of the text misses.
local function may_echo(raw, key)
  return type(key) == "string" and (raw:find(key, 1, true) or raw:find("\\u", 1, true) or key:find('[/"\\]')) ~= nil
end

--- Read a runtime's answer against the row. Returns value, decoded on
-- success; nil, err on failure. `key` is redacted from the answer and from
-- every error text before any of it is read or cut; `server_codes` maps the
-- provider's own codes; `argv` are the call's arguments (row.echo).
function M.read(op, row, res, key, server_codes, argv)
  local status, raw = res.status, res.body or ""
  if type(status) ~= "number" then
    return nil, errors.bad_response(op, nil, "the runtime gave no HTTP status")
  end
  local decoded, derr
  if raw ~= "" then
    decoded, derr = json.decode(raw)
    -- blanks alone are no answer, as an empty body is (the pattern only
    -- when the decoder refused: on the happy path it is work for nothing)
    if derr and not raw:find("%S") then decoded, derr = nil, nil end
  end
  if status < 200 or status >= 300 then
    return nil, errors.from_response(op, status, decoded, raw, key, server_codes)
  end
  -- a result, and all that is made of it (cursors, states, messages), is
  -- free of the key: a log line or a proxy may echo it
  if type(decoded) == "table" and may_echo(raw, key) then secrets.scrub(decoded, key) end
  if rows.deletes(row) then
    -- a 2xx to a DELETE: the server acted, even when we cannot read what it
    -- said about it; only an explicit `success: false` says otherwise
    if type(decoded) == "table" then
      if decoded.success == false then
        return nil, errors.from_response(op, status, decoded, raw, key, server_codes)
      end
      return decoded, decoded
    end
    return { status = status, unreadable = true }, nil
  end
  if says_failed(decoded, shape_key(row)) then
    return nil, errors.from_response(op, status, decoded, raw, key, server_codes)
  end
  if derr then return nil, errors.bad_response(op, status, "the answer is not JSON (" .. derr .. ")", raw, key) end
  if decoded == nil then
    -- a JSON `null` where the row says that is the server's "none"
    if row.null_is and raw:find("%S") then
      return nil, errors.local_failure(op, row.null_is, "the server answered null: there is none by that id",
        { status = status })
    end
    return nil, errors.bad_response(op, status, "empty answer", raw, key)
  end
  local value, why = M.shape(row, decoded)
  if value ~= nil and row.echo then why = not_about(row, value, argv or {}) end
  if value ~= nil and not why and row.check_answer then why = row.check_answer(value, decoded, argv or {}) end
  if value == nil or why then
    return nil, errors.bad_response(op, status, why, raw, key, { body = errors.redact(decoded, key) })
  end
  if row.hide then hide(row, value) end
  return value, decoded
end

return M
