-- Transports for specs that need no socket: a recorder that keeps every
-- request and answers from a queue, and clients of the built-in providers
-- over one (one attempt each: these specs are about one answer at a time;
-- call_spec.lua covers retries).

local gpucloud = require "gpucloud"

local M = {}

M.KEY = "sk-FAKE-4f9c2e71-never-print-me"

--- A transport that records requests (t.requests) and answers from the
-- queue (each {status, headers, body} or {fail = err}; then 200 "{}").
function M.recorder(...)
  local answers = { ... }
  local t = { requests = {} }
  t.fn = function(req)
    t.requests[#t.requests + 1] = req
    local a = table.remove(answers, 1) or { status = 200, body = "{}" }
    if a.fail then return nil, a.fail end
    return { status = a.status or 200, headers = a.headers or {}, body = a.body or "" }
  end
  return t
end

function M.no_env() return nil end

--- A Vast.ai client over recorder `t` (`extra`: more options).
function M.vast_with(t, extra)
  local opts = { api_key = M.KEY, transport = t.fn, getenv = M.no_env, retries = 0 }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return gpucloud.vast(opts)
end

--- A TensorPool client over recorder `t` (`extra`: more options).
function M.tp_with(t, extra)
  local opts = { api_key = M.KEY, transport = t.fn, getenv = M.no_env, retries = 0 }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return gpucloud.tensorpool(opts)
end

--- A 200 answer of `v` in the project's encoder (cjson 2.1.0 writes an
-- empty array as {}).
function M.json(v)
  return { status = 200, body = require("gpucloud.json").encode(v) }
end

return M
