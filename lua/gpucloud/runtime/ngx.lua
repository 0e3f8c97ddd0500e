-- The runtime inside nginx: requests over cosockets (runtime/ngx_http.lua),
-- nginx's clock, ngx.sleep, and light threads for many calls at once. None
-- of it blocks the worker. Usable only in the phases that allow cosockets;
-- runtime/init.lua decides per call whether this one applies.

-- luacheck: globals ngx
local http = require "gpucloud.runtime.ngx_http"

local M = {}

-- Phases where cosockets may be used (lua-nginx-module's docs per API);
-- init, init_worker, set, header/body filters, log and balancer may not.
local COSOCKET_PHASES = {
  rewrite = true, server_rewrite = true, access = true, content = true, timer = true,
  ssl_cert = true, ssl_session_fetch = true, ssl_client_hello = true,
}

--- Can this code use cosockets right now? (false outside nginx)
function M.available()
  local ngx = rawget(_G, "ngx")
  if type(ngx) ~= "table" or type(ngx.get_phase) ~= "function" or not ngx.socket then
    return false
  end
  return COSOCKET_PHASES[ngx.get_phase()] == true
end

local function now()
  ngx.update_time()
  return ngx.now()
end

local function sleep(seconds)
  if seconds > 0 then ngx.sleep(seconds) end
end

local function pack(ok, ...)
  return { ok = ok, n = select("#", ...), ... }
end

local runtime

--- Run tasks[i](runtime) for every i, at most `n` at once, each in a light
-- thread of a small pool (each blocks only itself on its cosockets);
-- on_done(done, total) after each. Returns results[i] = {value, err}. A
-- task that raised raises here once all have ended.
local function run_all(tasks, n, on_done)
  local total = #tasks
  local results, next_index, done = {}, 0, 0
  local function worker()
    while next_index < total do
      next_index = next_index + 1
      local i = next_index
      local r = pack(pcall(tasks[i], runtime))
      results[i] = r
      done = done + 1
      if on_done and r.ok then on_done(done, total) end
    end
  end
  local width = math.min(total, n or total)
  if width <= 1 or not (ngx.thread and ngx.thread.spawn) then
    worker()
  else
    local threads = {}
    for t = 1, width do
      local th, err = ngx.thread.spawn(worker)
      if not th then error("gpucloud.runtime.ngx: cannot spawn a light thread: " .. tostring(err), 2) end
      threads[t] = th
    end
    for t = 1, width do ngx.thread.wait(threads[t]) end
  end
  for i = 1, total do
    local r = results[i]
    if not r.ok then error(r[1], 0) end
    results[i] = { r[1], r[2] }
  end
  return results
end

runtime = {
  kind = "ngx", family = "ngx",
  request = http.request,
  now = now,
  sleep = sleep,
  run_all = run_all,
  close = function() end,
}

--- The runtime (one for the process: it holds no state of its own; the
-- connection pool is nginx's).
function M.new()
  return runtime
end

M.pool_name = http.pool_name

return M
