-- Failures as values. Every remote or network failure becomes one table:
--   code            one word of a closed set, the same for every provider
--   server_code     the server's own machine code (`no_such_workergroup`), or nil
--   status          the HTTP status, or nil
--   message         the server's own words (redacted, one line), or ours
--   op, attempts, retry_after, may_have_landed, maybe_deleted, body
-- with a one-line __tostring, so `assert(call())` raises something readable.

local json = require "gpucloud.json"
local retry = require "gpucloud.retry"
local secrets = require "gpucloud.secrets"

local M = {}

local Error = {}
Error.__index = Error
M.Error = Error

--- The closed set of codes (docs/errors.md says what each means).
M.CODES = {
  unauthorized = true, forbidden = true, not_found = true, conflict = true,
  invalid = true, rate_limited = true, server_error = true, bad_response = true,
  timeout = true, connect = true, tls = true, too_large = true, transport = true,
  no_api_key = true, failed = true, deprecated = true, interrupted = true,
}

local id_text = require("gpucloud.args").id_text

Error.__tostring = function(e)
  local parts = { "gpucloud:", e.op and (e.op .. ":") or nil }
  parts[#parts + 1] = e.status and ("HTTP " .. e.status) or nil
  parts[#parts + 1] = e.code
  if e.server_code and e.server_code ~= e.code then parts[#parts + 1] = "(" .. e.server_code .. ")" end
  local s = table.concat(parts, " ")
  if e.message and e.message ~= "" then s = s .. ": " .. secrets.one_line(e.message) end
  if e.maybe_deleted then
    s = s .. " [an earlier attempt may have deleted it]"
  elseif e.may_have_landed then
    s = s .. " [may have been carried out]"
  end
  if e.retry_after then s = s .. " [server asked to wait " .. id_text(e.retry_after) .. " s]" end
  return s
end

function M.new(fields)
  return setmetatable(fields, Error)
end

function M.is(v)
  return getmetatable(v) == Error
end

-- A status's code when the server's own code says nothing we know.
local by_status = {
  [400] = "invalid", [401] = "unauthorized", [402] = "forbidden", [403] = "forbidden",
  [404] = "not_found", [405] = "invalid", [408] = "timeout", [409] = "conflict",
  [410] = "deprecated", [413] = "too_large", [422] = "invalid", [429] = "rate_limited",
}

local function status_code(status)
  if by_status[status] then return by_status[status] end
  if status >= 500 then return "server_error" end
  if status >= 400 then return "invalid" end
  return "bad_response"
end

-- A 200 that says it failed carries only words; read the usual ones.
local text_codes = {
  { "not found", "not_found" },
  { "too frequent", "rate_limited" },
  { "rate limit", "rate_limited" },
  { "not ready", "conflict" },
  { "api[ _]?key", "unauthorized" },
  { "unauthori", "unauthorized" },
  { "authenticat", "unauthorized" },
  { "permission", "forbidden" },
  { "denied", "forbidden" },
}

local function text_code(text)
  local lower = type(text) == "string" and text:lower() or ""
  for _, pair in ipairs(text_codes) do
    if lower:find(pair[1]) then return pair[2] end
  end
  return "invalid"
end

-- A machine code looks like `no_such_workergroup` or
-- `global/object-does-not-exist`, not like a sentence.
local function machine_code(v)
  if type(v) == "string" and #v <= 64 and v:match("^[%a][%w_.%-/]*$") then
    return v
  end
end

-- `error` as an object: {code, message, suggestion} (Lambda Cloud's
-- form), or nil.
local function error_object(decoded)
  local e = type(decoded) == "table" and decoded.error
  if type(e) == "table" and not json.is_array(e) then return e end
end

-- The error object's words: its message, and its suggestion after it.
local function object_message(e)
  if type(e.message) ~= "string" or not e.message:find("%S") then return nil end
  if type(e.suggestion) == "string" and e.suggestion:find("%S") then
    return e.message .. " (" .. e.suggestion .. ")"
  end
  return e.message
end

-- Our code for a server's code: the provider's table names it, or the
-- family it belongs to (a key ending in "/": `provider/` for every
-- `provider/...`).
local function mapped(server_codes, server_code)
  if not (server_code and server_codes) then return nil end
  return server_codes[server_code] or server_codes[server_code:match("^[^/]+/") or false]
end

local function validation_text(detail)
  local out = {}
  for _, d in ipairs(detail) do
    if type(d) == "table" then
      local loc = {}
      for _, l in ipairs(type(d.loc) == "table" and d.loc or {}) do loc[#loc + 1] = tostring(l) end
      local where = #loc > 0 and (table.concat(loc, ".") .. ": ") or ""
      out[#out + 1] = where .. tostring(d.msg or d.type or "invalid")
    else
      out[#out + 1] = tostring(d)
    end
  end
  return table.concat(out, "; ")
end

local message_fields = { "msg", "detail", "error_msg", "message", "error", "external_message" }

-- The server's own words, whichever field it put them in.
local function body_message(decoded)
  if type(decoded) == "string" then return decoded end
  if type(decoded) ~= "table" then return nil end
  for _, f in ipairs(message_fields) do
    local v = decoded[f]
    if type(v) == "string" and v ~= "" then return v end
    if f == "detail" and type(v) == "table" and #v > 0 then return validation_text(v) end
  end
end

local MAX_TEXT = 300

-- A plain-text or HTML body, reduced to the words worth a line.
local function text_message(raw)
  if type(raw) ~= "string" or raw == "" then return nil end
  local title = raw:match("<[Tt][Ii][Tt][Ll][Ee]>(.-)</[Tt][Ii][Tt][Ll][Ee]>")
  local text = title or raw:gsub("<[^>]*>", " ")
  text = secrets.one_line(text)
  if text ~= "" then return text end
end

-- What a status means when the server said nothing: a bare 402 would
-- otherwise not say that money is what is missing.
local DEFAULT_WORDS = {
  [402] = "Payment Required: the account's balance is too low",
}

local function is_not_found_text(message)
  return type(message) == "string" and message:lower():find("not found", 1, true) ~= nil
end

--- The error for an HTTP answer that is a failure.
-- `decoded` is the JSON body (nil when it was not JSON), `raw` the body
-- text, `key` the account key (removed from everything before any text is
-- cut), `server_codes` the provider's table of its own codes -> ours.
function M.from_response(op, status, decoded, raw, key, server_codes)
  if type(raw) == "string" and key then
    raw = secrets.redact(raw, key)
    secrets.scrub(decoded, key)
  end
  local eo = error_object(decoded)
  local server_code = type(decoded) == "table" and machine_code(eo and eo.code or decoded.error) or nil
  local message = body_message(decoded) or (eo and object_message(eo)) or text_message(raw)
  if message then message = secrets.excerpt(message, key, MAX_TEXT) end
  local code = mapped(server_codes, server_code)
  if not code then
    code = (status >= 200 and status < 300) and text_code(message) or status_code(status)
  end
  -- "not there", whichever way it is said: Vast.ai answers an unknown
  -- endpoint with 400 "Routegroup not found for user"
  if code == "invalid" and status < 500 and is_not_found_text(message) then code = "not_found" end
  local e = M.new {
    op = op, status = status, code = code, server_code = server_code,
    message = message or DEFAULT_WORDS[status] or ("HTTP " .. status),
    body = decoded,
  }
  e.retryable = retry.transient(e)
  return e
end

-- What the transports may say, kept; anything else is "transport".
local transport_codes = { timeout = true, connect = true, tls = true, too_large = true, transport = true,
                          interrupted = true }

--- The error for a transport failure ({code, message, sent, status}).
-- A custom transport may hand back anything: the code is always one of
-- the closed set and the message always text.
function M.from_transport(op, terr, key)
  local t = type(terr) == "table" and terr or {}
  local message = t.message
  if type(message) ~= "string" then
    message = type(terr) == "string" and terr or "transport failed"
  end
  local code = t.code
  if not transport_codes[code] then
    if type(code) == "string" and code ~= "" then message = code .. ": " .. message end
    code = "transport"
  end
  local e = M.new { op = op, code = code, message = secrets.excerpt(message, key, MAX_TEXT) }
  e.retryable = retry.transient(e)
  return e
end

--- A failure found by the library itself (bad answer shape, missing key, ...).
function M.local_failure(op, code, message, extra)
  local e = { op = op, code = code, message = message, retryable = false }
  for k, v in pairs(extra or {}) do e[k] = v end
  return M.new(e)
end

--- An answer that does not have the shape its operation promises: a
-- `bad_response` whose message ends with a redacted, masked excerpt.
function M.bad_response(op, status, message, raw, key, extra)
  local excerpt = secrets.excerpt(raw, key, 120)
  if excerpt and excerpt ~= "" then message = message .. "; body starts: " .. excerpt end
  local e = M.local_failure(op, "bad_response", message, extra)
  e.status = status
  return e
end

--- Remove `key` from everything an error holds. Returns err.
function M.redact(err, key)
  if type(err) == "table" then secrets.scrub(err, key) end
  return err
end

M.one_line = secrets.one_line

return M
