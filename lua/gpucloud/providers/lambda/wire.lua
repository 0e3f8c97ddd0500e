-- Lambda Cloud's answers where the generic reader does not read them as
-- Lambda means them (docs/lambda.md, "Answers"):
--
--   * errors come as {"error": {"code", "message", "suggestion"}}: the
--     generic reader takes `error` only as a string, so the code and the
--     words are read here, and the code mapped into the closed set through
--     spec.server_codes (a bad key answered 404 is `unauthorized`, never
--     "already gone"; a file system in use is `conflict`);
--   * an instance's `jupyter_url` carries its Jupyter token: the token is
--     hidden in it (the `jupyter_token` field itself is a credential name,
--     hidden wherever gpucloud prints).
--
-- Every row's method goes through `call` (M.install replaces them), and so
-- do the bulk continuations and the waits: one reading of every answer.

local config = require "gpucloud.config"
local define = require "gpucloud.define"
local errors = require "gpucloud.errors"
local json = require "gpucloud.json"
local retry = require "gpucloud.retry"
local secrets = require "gpucloud.secrets"

local M = {}

-- Families of codes, by their first word: `provider/...` is an upstream
-- failure ("Try again shortly").
local PREFIXES = { ["provider/"] = "server_error" }

local function mapped(spec, code)
  local c = spec.server_codes[code]
  if c then return c end
  for prefix, to in pairs(PREFIXES) do
    if code:sub(1, #prefix) == prefix then return to end
  end
end

--- Read Lambda's error object into `err` (a library error): server_code,
-- message (its words and suggestion, one line) and code (spec.server_codes,
-- else what the status said). `deletes`: the call was a DELETE (a
-- not_found after an attempt that may have landed is maybe_deleted).
-- Returns err. The body was cleared of the key where it was read. A 2xx
-- whose body is an error object is neither of Lambda's forms: it stays
-- bad_response.
function M.read_error(spec, err, deletes)
  if not errors.is(err) or type(err.body) ~= "table" then return err end
  if type(err.status) ~= "number" or err.status < 300 then return err end
  local e = err.body.error
  if type(e) ~= "table" or json.is_array(e) then return err end
  local code = e.code
  if type(code) ~= "string" or #code > 96 or not code:match("^%a[%w_.%-/]*$") then return err end
  err.server_code = code
  if type(e.message) == "string" and e.message:find("%S") then
    local words = e.message
    if type(e.suggestion) == "string" and e.suggestion:find("%S") then words = words .. " (" .. e.suggestion .. ")" end
    err.message = secrets.excerpt(words, nil, 300)
  end
  local to = mapped(spec, code)
  if to and to ~= err.code then
    err.code = to
    err.maybe_deleted = (deletes and to == "not_found" and err.may_have_landed) or nil
    err.retryable = retry.transient(err)
  end
  return err
end

-- The Jupyter token out of an instance's jupyter_url: a `token` parameter,
-- and the instance's own token wherever the URL holds it.
local function hide_jupyter(inst)
  if type(inst) ~= "table" or type(inst.jupyter_url) ~= "string" then return end
  local url = inst.jupyter_url:gsub("([?&#;]token=)[^&#;]*", "%1" .. secrets.HIDDEN)
  local token = inst.jupyter_token
  if type(token) == "string" and #token >= 4 then
    local at = url:find(token, 1, true)
    while at do
      url = url:sub(1, at - 1) .. secrets.HIDDEN .. url:sub(at + #token)
      at = url:find(token, at + #secrets.HIDDEN, true)
    end
  end
  inst.jupyter_url = url
end

--- Hide the Jupyter tokens of every instance in `v` (an instance, a list
-- of them, or a terminate's answer). Returns v.
function M.hide(v)
  if type(v) ~= "table" then return v end
  hide_jupyter(v)
  for _, x in ipairs(v) do hide_jupyter(x) end
  if type(v.terminated_instances) == "table" then
    for _, x in ipairs(v.terminated_instances) do hide_jupyter(x) end
  end
  return v
end

--- ctx:call(name, ...) read as Lambda means it: value, err, res, decoded.
function M.call(ctx, spec, name, argv, opts, stop_at)
  local row = spec.ops[name]
  local value, err, res, decoded = ctx:call(name, argv, opts, stop_at)
  if value == nil then return nil, M.read_error(spec, err, row.method == "DELETE"), res end
  if row.method ~= "DELETE" then M.hide(value) end
  return value, nil, res, decoded
end

--- The method of row `name`: its arguments and options checked, then M.call.
function M.method(spec, name)
  local row = spec.ops[name]
  local op = spec.name .. "." .. name
  local params = row.args or {}
  return function(ctx, ...)
    local argv = define.check_args(op, params, 2, ...)
    local opts = (select(#params + 1, ...))
    if opts ~= nil then config.call(op, row, opts, 2) end
    local value, err, _, decoded = M.call(ctx, spec, name, argv, opts)
    if value == nil then return nil, err end
    if decoded ~= nil and decoded ~= value then return value, decoded end
    return value
  end
end

local ERROR_WORDS = 'its {"error": {code, message}} as server_code, the words and the code'

--- spec.methods and spec.docs entries for every row of `spec` that has
-- none: each row's method reads Lambda's answers (M.call).
function M.install(spec)
  spec.methods = spec.methods or {}
  spec.docs = spec.docs or {}
  for name, row in pairs(spec.ops) do
    if not spec.methods[name] then
      spec.methods[name] = M.method(spec, name)
      local names = {}
      for i, a in ipairs(row.args or {}) do names[i] = a[1] end
      local list = table.concat(names, ", ")
      spec.docs[name] = spec.docs[name] or {
        args = list == "" and "[opts]" or (list .. " [, opts]"), options = "call",
        "the row, read as Lambda answers: " .. ERROR_WORDS,
      }
    end
  end
end

return M
