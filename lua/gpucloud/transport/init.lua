-- Which transport a call uses when the client was given none.
--
-- The rule: the choice is made at each call, from where that call runs.
-- Inside nginx, in a phase that allows cosockets (rewrite, access, content,
-- timer, ...), the cosocket transport (gpucloud.transport.ngx): it never
-- blocks the worker. Everywhere else (plain Lua, or nginx's init_by_lua,
-- init_worker_by_lua, log_by_lua, ...) the C core over libcurl, which
-- blocks. So a client created in init_by_lua and used in a handler or a
-- timer talks through cosockets there, whatever ran first.

local cosocket = require "gpucloud.transport.ngx"

local M = {}

-- The process a libcurl handle belongs to: nginx forks its workers from the
-- master, and a handle (with its open connections) must not be shared
-- across the fork.
local function process_id()
  local ngx = rawget(_G, "ngx")
  return ngx and ngx.worker and ngx.worker.pid and ngx.worker.pid() or 0
end

--- A transport function that chooses per call, and a handle whose
-- :close() releases the libcurl handle it may have opened.
function M.auto()
  local curl_fn, curl_handle, owner
  local function curl()
    local pid = process_id()
    if not curl_fn or owner ~= pid then
      -- A handle inherited from another process is left alone: closing it
      -- would shut connections its owner still holds.
      curl_fn, curl_handle = require("gpucloud.transport.curl").new()
      owner = pid
    end
    return curl_fn
  end
  local function transport(req)
    if cosocket.available() then return cosocket.request(req) end
    return curl()(req)
  end
  local handle = {
    close = function()
      if curl_handle and owner == process_id() then curl_handle:close() end
      curl_fn, curl_handle = nil, nil
    end,
  }
  return transport, handle
end

--- The name of the transport auto() would use right now: "ngx" or "curl".
function M.current()
  return cosocket.available() and "ngx" or "curl"
end

return M
