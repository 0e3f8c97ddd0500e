-- Which runtime a client uses. A runtime is an object
--   {kind, family, request(req) -> res | nil, err, now(), sleep(s),
--    run_all(tasks, n, on_done) -> results, close()}
-- and choosing one chooses all of it: how requests go, how time passes,
-- and how many calls run at once.
--
-- "auto" (the default) decides at each call, from where that call runs:
-- inside nginx, in a phase that allows cosockets (rewrite, access, content,
-- timer, ...), the ngx runtime, which never blocks the worker; everywhere
-- else (plain Lua, or nginx's init_by_lua, init_worker_by_lua, log_by_lua)
-- the curl runtime, which blocks. So a client created in init_by_lua and
-- used in a handler talks through cosockets there.

local M = {}

-- The runtimes are loaded where they are used: outside nginx the cosocket
-- runtime (and its HTTP reader) never is, and neither is func.lua without
-- a runtime table or transport of the user's.
local ngx_rt -- runtime/ngx.lua, once inside nginx
local function in_nginx()
  if rawget(_G, "ngx") == nil then return false end
  ngx_rt = ngx_rt or require "gpucloud.runtime.ngx"
  return ngx_rt.available()
end

--- The auto runtime: each call goes to the runtime that fits where it runs.
function M.auto()
  local curl
  local function pick()
    if in_nginx() then return ngx_rt.new() end
    if not curl then curl = require("gpucloud.runtime.curl").new() end
    return curl
  end
  return {
    kind = "auto",
    pick = pick,
    request = function(req) return pick().request(req) end,
    now = function() return pick().now() end,
    sleep = function(s) return pick().sleep(s) end,
    run_all = function(tasks, n, on_done) return pick().run_all(tasks, n, on_done) end,
    close = function() if curl then curl.close() end end,
  }
end

--- The runtime for a client's `runtime` (or `transport`) setting.
function M.resolve(setting)
  if setting == nil or setting == "auto" then return M.auto() end
  if setting == "curl" then return require("gpucloud.runtime.curl").new() end
  if setting == "ngx" then return require("gpucloud.runtime.ngx").new() end
  if type(setting) == "function" then return require("gpucloud.runtime.func").new(setting) end
  return require("gpucloud.runtime.func").wrap(setting)
end

--- The runtime a call made now would really use (auto picks one).
function M.concrete(rt)
  return rt.pick and rt.pick() or rt
end

--- The name of the runtime auto would use right now: "ngx" or "curl".
function M.current()
  return in_nginx() and "ngx" or "curl"
end

return M
