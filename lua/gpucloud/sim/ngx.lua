-- nginx glue for the simulator: `content_by_lua_block {
-- require("gpucloud.sim.ngx").handle() }`. Reads the request, hands it to
-- the pure-Lua app (gpucloud.sim.app), writes its answer, and carries out
-- what the app cannot: delays (ngx.sleep, non-blocking) and dropped or
-- truncated connections.
--
-- One app per worker, created on the first request from the fixture file
-- named by the nginx variable $gpucloud_sim_fixture, else the environment
-- variable GPUCLOUD_SIM_FIXTURE (declare it with `env`), else
-- <nginx prefix>/fixture.json, else the default seed. The generated config
-- runs one worker so all clients see the same state.

-- luacheck: globals ngx
local ngx = ngx
local app_mod = require "gpucloud.sim.app"
local fixture = require "gpucloud.sim.fixture"

local M = {}

local instance -- this worker's app

local function file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

local function fixture_path()
  local ok, v = pcall(function() return ngx.var.gpucloud_sim_fixture end)
  if ok and v and v ~= "" then return v end
  v = os.getenv("GPUCLOUD_SIM_FIXTURE")
  if v and v ~= "" then return v end
  local prefix = ngx.config.prefix()
  if prefix:sub(-1) ~= "/" then prefix = prefix .. "/" end
  local p = prefix .. "fixture.json"
  if file_exists(p) then return p end
  return nil -- the default seed (gpucloud.sim.fixture)
end

-- The worker's app, created lazily (errors surface as 500s in error.log).
function M.app()
  if not instance then
    instance = app_mod.new(assert(fixture.load(fixture_path())),
      { now = function() ngx.update_time() return ngx.now() end })
  end
  return instance
end

local function read_body()
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if body then return body end
  local file = ngx.req.get_body_file() -- large bodies spill to a temp file
  if not file then return "" end
  local f = io.open(file, "rb")
  if not f then return "" end
  body = f:read("*a")
  f:close()
  return body
end

-- Write raw bytes on the client socket, then drop the connection: the
-- only way to promise a Content-Length and break it.
local function send_truncated(status, headers, body, cut)
  local sock = ngx.req.socket(true)
  if not sock then return ngx.exit(444) end
  local lines = { "HTTP/1.1 " .. status .. " Simulated\r\n" }
  for k, v in pairs(headers) do lines[#lines + 1] = k .. ": " .. v .. "\r\n" end
  lines[#lines + 1] = "Content-Length: " .. #body .. "\r\n\r\n"
  lines[#lines + 1] = body:sub(1, cut or math.floor(#body / 2))
  sock:send(table.concat(lines))
  return ngx.exit(444)
end

-- Write the pieces as they are, `pause` seconds apart, then drop the
-- connection: answers no well-behaved server would give.
local function send_raw(pieces, pause)
  local sock = ngx.req.socket(true)
  if not sock then return ngx.exit(444) end
  for i, piece in ipairs(pieces) do
    if i > 1 and pause and pause > 0 then ngx.sleep(pause) end
    if not sock:send(piece) then break end -- the client hung up
  end
  return ngx.exit(444)
end

function M.handle()
  local ok, app = pcall(M.app)
  if not ok then
    ngx.log(ngx.ERR, "gpucloud-sim: cannot create the app: ", app)
    ngx.status = 500
    ngx.header["Content-Type"] = "application/json"
    ngx.print('{"detail":"simulator failed to load its fixture (see error.log)"}')
    return
  end
  local body = read_body()
  local status, headers, out, directives = app:handle(
    ngx.req.get_method(), ngx.var.request_uri, ngx.req.get_headers(0), body)
  directives = directives or {}
  if directives.error then ngx.log(ngx.ERR, "gpucloud-sim: ", directives.error) end
  if directives.delay and directives.delay > 0 then
    -- how many answers are held back at once: a client's concurrency, seen
    -- without a wall clock (stats.max_held)
    local st = app.stats
    st.held = (st.held or 0) + 1
    if st.held > (st.max_held or 0) then st.max_held = st.held end
    ngx.sleep(directives.delay)
    if app.stats == st then st.held = st.held - 1 end
  end
  if directives.fault == "close" then return ngx.exit(444) end
  if directives.fault == "truncate" then
    return send_truncated(status, headers, out, directives.truncate_at)
  end
  if directives.fault == "raw" then return send_raw(directives.raw, directives.pause) end
  ngx.status = status
  for k, v in pairs(headers) do ngx.header[k] = v end
  -- An explicit length keeps answers out of chunked encoding.
  ngx.header["Content-Length"] = #out
  ngx.print(out)
end

return M
