--- The journal: one JSON line before each destructive call and one after,
-- each appended and synced before the run goes on, so a run killed with
-- SIGKILL loses at most the outcomes of the calls in flight. A client or
-- a fleet delete given `journal = path` writes it (call.lua asks
-- `around`); `gpucloud journal check FILE` reads it (fleet/check.lua).
--
--     {"at":1760000000,"event":"intent","intent":"3f9a01c2-1","plan":"p-...","provider":"vast",
--      "kind":"endpoint","id":102,"key":"vast:endpoint:102","op":"delete_endpoint"}
--     {"at":1760000001,"event":"outcome","intent":"3f9a01c2-1","key":"vast:endpoint:102",
--      "outcome":"ok","status":200,"attempts":1}
--
-- Outcomes: `ok`, `failed`, `may_have_landed` (failed, but an attempt may
-- have been carried out), `maybe_deleted` (gone, perhaps by this call).
-- No line holds a key: ids, names of operations, codes, statuses, and
-- error messages the library has already redacted.
-- @module gpucloud.journal

local files = require "gpucloud.files"
local json = require "gpucloud.json"
local secrets = require "gpucloud.secrets"

local M = {}

-- Intents are named "<this process's random part>-<n>": unique across the
-- runs that share one journal file.
local RUN = files.random_hex(4)
local count = 0

--- A journal to write: `path`, and what every line of it carries (`plan`:
-- the plan's id) and its clock (`now`: epoch seconds, default os.time).
function M.open(path, fields)
  fields = fields or {}
  return { path = path, plan = fields.plan, now = fields.now or os.time, journal = true }
end

local function as_journal(j)
  if type(j) == "string" then return M.open(j) end
  return j
end

-- The fleet kind a destructive row deletes ("endpoint" for
-- vast.delete_endpoint), from the provider's own fleet table; nil when
-- no kind is deleted by it.
local kinds_by_op = {}
local function kind_of(provider, short_op)
  local known = kinds_by_op[provider]
  if not known then
    known = {}
    local providers = require "gpucloud.providers"
    local fleet = providers.part(provider, "fleet")
    local spec = providers.spec(provider)
    for name, k in pairs(fleet and fleet.kinds or {}) do
      local entry = spec.bulk and spec.bulk[k.delete]
      if entry then known[entry.op] = name end
    end
    kinds_by_op[provider] = known
  end
  return known[short_op]
end

--- What a destructive call acts on: {provider, kind, id, key, op}.
-- @local
function M.target(provider, op, row, argv)
  local short = op:match("^[^.]*%.(.*)$") or op
  local first = row.args and row.args[1]
  local id = first and argv[first[1]]
  local kind = kind_of(provider, short)
  local show_id = require("gpucloud.bulk").show_id
  local key = kind and require("gpucloud.fleet.plan").key(provider, kind, id)
    or (provider .. ":" .. short .. ":" .. show_id(id))
  return { provider = provider, kind = kind, id = id, key = key, op = short }
end

local function write(j, fields)
  fields.at = j.now()
  fields.plan = j.plan
  return files.append_line(j.path, json.encode(json.object(fields)))
end

--- Check that the journal can be written (before a run starts); raises
-- with the file's name when it cannot: a run whose record cannot be kept
-- must not start.
function M.check(j, where, level)
  j = as_journal(j)
  local f, err = io.open(j.path, "ab")
  if not f then error(string.format("%s: journal %s cannot be written: %s", where, j.path, tostring(err)),
    (level or 1) + 1) end
  f:close()
end

-- What one call's answer says happened.
local function outcome_of(value, err)
  if value ~= nil then return "ok" end
  if err.maybe_deleted then return "maybe_deleted" end
  if err.may_have_landed then return "may_have_landed" end
  return "failed"
end

--- Run `fn(rt)`, one destructive call, between its intent and its outcome.
-- `rt` is given to fn counting what it sends, so the outcome says how many
-- attempts the wire saw, on success too. A journal that cannot record the
-- intent stops the call: nothing is sent.
-- @local
function M.around(j, provider, op, row, argv, rt, fn)
  j = as_journal(j)
  local t = M.target(provider, op, row, argv)
  count = count + 1
  local intent = RUN .. "-" .. count
  local ok, werr = write(j, {
    event = "intent", intent = intent, provider = t.provider, kind = t.kind, id = t.id, key = t.key, op = t.op,
  })
  if not ok then
    return nil, require("gpucloud.errors").local_failure(op, "invalid", string.format(
      "journal %s: the intent could not be recorded (%s); nothing was sent", j.path, tostring(werr)))
  end
  local sent = 0
  local counting = setmetatable({
    request = function(req)
      local res, err = rt.request(req)
      local reply = res or err
      sent = sent + math.max(1, type(reply) == "table" and tonumber(reply.sent) or 1)
      return res, err
    end,
  }, { __index = rt })
  local value, err, res, decoded = fn(counting)
  local line = {
    event = "outcome", intent = intent, key = t.key, outcome = outcome_of(value, err),
    attempts = err and err.attempts or sent,
    status = (res and res.status) or (err and err.status) or (type(value) == "table" and value.status) or nil,
  }
  if err then
    line.code, line.server_code = err.code, err.server_code
    line.message = err.message and secrets.one_line(err.message):sub(1, 200) or nil
  end
  ok, werr = write(j, line)
  if not ok then
    require("gpucloud.config").warn(string.format("journal %s: an outcome could not be recorded (%s)",
      j.path, tostring(werr)))
  end
  return value, err, res, decoded
end

--- Read a journal: a list of intents in file order, each {line, at, intent,
-- plan, provider, kind, id, key, op, outcome = the outcome line or nil},
-- and a list of the lines that are not whole JSON objects ({line, text}).
-- nil and a message when the file cannot be read.
function M.read(path)
  local text, err = files.read(path)
  if not text then return nil, err end
  local intents, by_name, damaged = {}, {}, {}
  local n = 0
  for raw in text:gmatch("([^\n]*)\n?") do
    n = n + 1
    if raw:match("%S") then
      local v = json.decode(raw)
      if type(v) ~= "table" or (v.event ~= "intent" and v.event ~= "outcome") then
        damaged[#damaged + 1] = { line = n, text = raw:sub(1, 120) }
      elseif v.event == "intent" then
        v.line = n
        intents[#intents + 1] = v
        by_name[v.intent] = v
      elseif by_name[v.intent] then
        by_name[v.intent].outcome = v
      else
        damaged[#damaged + 1] = { line = n, text = "an outcome of no intent above it: " .. tostring(v.intent) }
      end
    end
  end
  return intents, damaged
end

return M
