-- Injection rules: what POST /_sim/inject queues, and what the router asks
-- of the queue for each request. A rule is consumed FIFO: the first pending
-- one matching the request is used, once (or `times` times; -1: always).
--
-- A rule *answers* when it says what to answer (`status`, `body`, `json`)
-- or drops the connection (`fault = "close"`). An answering rule replaces
-- the route's real answer; with `act = true` the route runs first, so the
-- state changes as if the request had succeeded, and only the answer is
-- replaced. A rule that does not answer (a delay, `fault = "truncate"`
-- alone, `fault = "raw"`) applies to the real answer. The router carries
-- this out; faults that need the socket are done by gpucloud.sim.ngx.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"

local M = {}

local format = string.format
local is_integer = values.is_integer

local FAULTS = { close = true, truncate = true, raw = true }

local function check_headers(h)
  if type(h) ~= "table" or json.is_array(h) then return nil, "headers must be an object" end
  local out = {}
  for k, v in pairs(h) do
    if type(v) ~= "string" and type(v) ~= "number" then return nil, "header values must be strings" end
    if tostring(v):find("[\r\n]") or tostring(k):find("[\r\n:]") then
      return nil, "header names and values must not hold CR, LF or ':'"
    end
    out[k] = tostring(v)
  end
  return out
end

-- raw: what a broken or hostile server may send, which nginx itself never
-- would (folded or endless headers, bad status lines, slow bodies).
local function check_raw(raw)
  local pieces = type(raw) == "string" and json.array { raw } or raw
  if type(pieces) ~= "table" or not json.is_array(pieces) then return nil, "raw must be a string or an array" end
  for _, piece in ipairs(pieces) do
    if type(piece) ~= "string" then return nil, "raw pieces must be strings" end
  end
  return pieces
end

-- Validate one rule as given -> a normalised rule | nil, message.
function M.make_rule(spec)
  if type(spec) ~= "table" or json.is_array(spec) then return nil, "a rule must be an object" end
  local rule = {
    method = spec.method == nil and "*" or spec.method,
    path = spec.path == nil and "*" or spec.path,
    times = spec.times == nil and 1 or spec.times,
    status = spec.status, delay = spec.delay, fault = spec.fault,
    truncate_at = spec.truncate_at, pause = spec.pause, act = spec.act, echo_key = spec.echo_key,
  }
  if type(rule.method) ~= "string" then return nil, "method must be a string" end
  rule.method = rule.method:upper()
  if type(rule.path) ~= "string" then return nil, "path must be a string" end
  if not is_integer(rule.times) or (rule.times < 1 and rule.times ~= -1) then
    return nil, "times must be a positive integer, or -1 for always"
  end
  if rule.status ~= nil and (not is_integer(rule.status) or rule.status < 100 or rule.status > 599) then
    return nil, "status must be an integer 100..599"
  end
  if rule.delay ~= nil and (type(rule.delay) ~= "number" or rule.delay < 0 or rule.delay > 300) then
    return nil, "delay must be a number of seconds (0..300)"
  end
  if rule.fault ~= nil and not FAULTS[rule.fault] then
    return nil, "fault must be \"close\", \"truncate\" or \"raw\""
  end
  if rule.act ~= nil and type(rule.act) ~= "boolean" then return nil, "act must be true or false" end
  if rule.echo_key ~= nil and type(rule.echo_key) ~= "boolean" then return nil, "echo_key must be true or false" end
  if (spec.raw ~= nil) ~= (rule.fault == "raw") then
    return nil, "fault \"raw\" and raw (a string or an array of strings) go together"
  end
  if spec.raw ~= nil then
    local pieces, err = check_raw(spec.raw)
    if not pieces then return nil, err end
    rule.raw = pieces
  end
  if rule.pause ~= nil and (type(rule.pause) ~= "number" or rule.pause < 0 or rule.pause > 60) then
    return nil, "pause must be a number of seconds (0..60)"
  end
  if rule.truncate_at ~= nil and (not is_integer(rule.truncate_at) or rule.truncate_at < 0) then
    return nil, "truncate_at must be a non-negative integer"
  end
  if spec.body ~= nil and type(spec.body) ~= "string" then return nil, "body must be a string" end
  if spec.body ~= nil and spec.json ~= nil then return nil, "give body or json, not both" end
  rule.body, rule.json = spec.body, spec.json
  if spec.headers ~= nil then
    local h, err = check_headers(spec.headers)
    if not h then return nil, err end
    rule.headers = h
  end
  return rule
end

-- Append one rule or a list of them (a decoded JSON array, or a plain Lua
-- sequence) to queue; all or none. -> number queued | nil, message.
function M.add(queue, spec)
  local specs = spec
  if type(spec) ~= "table" or not (json.is_array(spec) or spec[1] ~= nil) then specs = { spec } end
  local rules = {}
  for i, s in ipairs(specs) do
    local rule, err = M.make_rule(s)
    if not rule then return nil, format("rule %d: %s", i, err) end
    rules[#rules + 1] = rule
  end
  for _, r in ipairs(rules) do queue[#queue + 1] = r end
  return #rules
end

-- Does rule apply to this request? path: exact, the route's template, a
-- prefix ending in "*", or "*".
local function matches(rule, method, path, template)
  if rule.method ~= "*" and rule.method ~= method then return false end
  local p = rule.path
  if p == "*" or p == path or p == template then return true end
  return p:sub(-1) == "*" and path:sub(1, #p - 1) == p:sub(1, -2)
end

-- Take the first queued rule that matches, consuming one use -> rule | nil.
-- template: the matched route's, or nil.
function M.take(queue, method, path, template)
  for i, rule in ipairs(queue) do
    if matches(rule, method, path, template) then
      if rule.times > 0 then
        rule.times = rule.times - 1
        if rule.times == 0 then table.remove(queue, i) end
      end
      return rule
    end
  end
  return nil
end

-- Does the rule give the answer (rather than change the real one)?
function M.answers(rule)
  return rule.status ~= nil or rule.body ~= nil or rule.json ~= nil or rule.fault == "close"
end

-- The rule's answer -> status, headers, body. With `echo_key`, every
-- "{{key}}" in the body is the credential the request carried (what
-- follows the scheme in its Authorization header): a server, log line or
-- proxy that echoes the key, whichever provider's client sent it.
function M.canned(rule, credential)
  local h, body = {}, ""
  if rule.json ~= nil then
    body = json.encode(rule.json)
    h["Content-Type"] = "application/json"
  elseif rule.body ~= nil then
    body = rule.body
    h["Content-Type"] = "text/plain; charset=utf-8"
  end
  if rule.echo_key then body = body:gsub("{{key}}", function() return credential or "" end) end
  for k, v in pairs(rule.headers or {}) do h[k] = v end
  return rule.status or 200, h, body
end

-- What the transport must do that the router cannot (see gpucloud.sim.ngx).
function M.directives(rule)
  if not rule then return {} end
  return { delay = rule.delay, fault = rule.fault, truncate_at = rule.truncate_at,
    raw = rule.raw, pause = rule.pause }
end

return M
