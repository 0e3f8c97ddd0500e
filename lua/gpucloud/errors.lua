-- Failures as values: every remote or network failure becomes one table with
-- the fields DESIGN.md names (status, code, message, op, retryable) and a
-- one-line __tostring, so `assert(call())` raises something readable.

local retry = require "gpucloud.retry"

local M = {}

local Error = {}
Error.__index = Error
M.Error = Error

local function one_line(s)
  s = tostring(s):gsub("[%c%s]+", " "):gsub("^ ", ""):gsub(" $", "")
  return s
end

Error.__tostring = function(e)
  local parts = { "gpucloud:", e.op and (e.op .. ":") or nil }
  parts[#parts + 1] = e.status and ("HTTP " .. e.status) or nil
  parts[#parts + 1] = e.code
  local head = table.concat(parts, " ")
  if e.message and e.message ~= "" then
    return head .. ": " .. one_line(e.message)
  end
  return head
end

function M.new(fields)
  return setmetatable(fields, Error)
end

function M.is(v)
  return getmetatable(v) == Error
end

-- Codes for a status when the server gives no machine code of its own.
local by_status = {
  [400] = "invalid", [401] = "unauthorized", [403] = "forbidden",
  [404] = "not_found", [405] = "invalid", [408] = "timeout",
  [409] = "conflict", [410] = "not_found", [422] = "invalid",
  [429] = "rate_limited",
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

-- A machine code looks like `no_such_workergroup`, not like a sentence.
local function machine_code(v)
  if type(v) == "string" and #v <= 64 and v:match("^[%a][%w_.%-]*$") then
    return v
  end
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

-- A plain-text or HTML body, reduced to something that fits on a line.
local function text_message(raw)
  if type(raw) ~= "string" or raw == "" then return nil end
  local title = raw:match("<[Tt][Ii][Tt][Ll][Ee]>(.-)</[Tt][Ii][Tt][Ll][Ee]>")
  local text = title or raw:gsub("<[^>]*>", " ")
  text = one_line(text)
  if #text > MAX_TEXT then text = text:sub(1, MAX_TEXT) .. "..." end
  if text ~= "" then return text end
end

--- The error for an HTTP answer that is a failure.
-- `decoded` is the JSON body (nil when it was not JSON), `raw` the body text.
function M.from_response(op, status, decoded, raw)
  local code = type(decoded) == "table" and machine_code(decoded.error) or nil
  local message = body_message(decoded) or text_message(raw)
  if not code then
    if status >= 200 and status < 300 then
      code = text_code(message)
    else
      code = status_code(status)
    end
  end
  local e = M.new {
    op = op, status = status, code = code,
    message = message or ("HTTP " .. status),
    body = decoded,
  }
  -- worth another attempt (whether one is made depends on the operation)
  e.retryable = retry.transient(e)
  return e
end

--- The error for a transport failure ({code, message} from the transport).
-- A custom transport may hand back anything: the code is always a
-- non-empty string and the message always text.
function M.from_transport(op, terr)
  local t = type(terr) == "table" and terr or {}
  local code = (type(t.code) == "string" and t.code ~= "") and t.code or "transport"
  local message = t.message
  if type(message) ~= "string" then
    message = type(terr) == "string" and terr or "transport failed"
  end
  local e = M.new { op = op, code = code, message = message }
  e.retryable = retry.transient(e)
  return e
end

--- A failure found by the client itself (bad answer shape, missing key, ...).
function M.local_failure(op, code, message, extra)
  local e = { op = op, code = code, message = message, retryable = false }
  for k, v in pairs(extra or {}) do e[k] = v end
  return M.new(e)
end

-- Fields of a JSON text that hold credentials: `"api_key": "..."` and the
-- like. The value is hidden up to its closing quote, or to the end of the
-- text when a cut excerpt ends inside it.
function M.mask_fields(text)
  local out, from = {}, 1
  while true do
    local _, open = text:find('"[%w_]*[Aa][Pp][Ii]_?[Kk][Ee][Yy]"%s*:%s*"', from)
    if not open then break end
    out[#out + 1] = text:sub(from, open) .. "<hidden>"
    -- the value ends at the first quote that is not escaped (or at the end
    -- of an excerpt that cut it short)
    local i = open + 1
    while i <= #text do
      local ch = text:sub(i, i)
      if ch == "\\" then
        i = i + 2
      elseif ch == '"' then
        break
      else
        i = i + 1
      end
    end
    from = i
  end
  if from == 1 then return text end
  out[#out + 1] = text:sub(from)
  return table.concat(out)
end

local REDACTED = "<redacted>"

local function scrub(v, secret, seen)
  if type(v) == "string" then
    local out, from = {}, 1
    while true do
      local i = v:find(secret, from, true)
      if not i then break end
      out[#out + 1] = v:sub(from, i - 1)
      out[#out + 1] = REDACTED
      from = i + #secret
    end
    if from == 1 then return v end
    out[#out + 1] = v:sub(from)
    return table.concat(out)
  end
  if type(v) == "table" and not seen[v] then
    seen[v] = true
    local renamed = {}
    for k, x in pairs(v) do
      v[k] = scrub(x, secret, seen) -- assigning an existing field: allowed during traversal
      local nk = scrub(k, secret, seen)
      if nk ~= k then renamed[k] = nk end
    end
    for k, nk in pairs(renamed) do v[nk], v[k] = v[k], nil end
  end
  return v
end

--- Remove `secret` (the caller's key) from everything an error holds, and
-- hide credential fields in its message. A server, a proxy or a man in the
-- middle may echo the Authorization header back; it must not reach a log
-- through `tostring(err)` or a dump of `err.body`. Returns err.
function M.redact(err, secret)
  if type(err) ~= "table" then return err end
  if type(secret) == "string" and #secret >= 4 then scrub(err, secret, {}) end
  if type(err.message) == "string" then err.message = M.mask_fields(err.message) end
  return err
end

M.one_line = one_line

return M
