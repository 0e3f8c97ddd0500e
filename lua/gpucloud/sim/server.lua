-- Launcher for the simulator: runs the app (gpucloud.sim.app) inside Debian's
-- nginx + lua module on 127.0.0.1, so clients get real HTTP, keep-alive and
-- concurrency. Works from lua5.4 and luajit (outside nginx).
--
--   local server = require "gpucloud.sim.server"
--   local s = assert(server.start{ fixture = path_or_table_or_nil })
--   -- s.url, s.port, s.prefix, s.keys.vast, s.keys.tensorpool
--   s:reset(); s:inject{ path = "/api/v0/endptjobs/", status = 429 }
--   s:stop()
--   server.start{ tls = true } serves HTTPS with a self-signed certificate
--   made by openssl in the prefix; s.ca_file names it.
--
-- Process control uses os.execute / io.popen with shell-quoted arguments.
-- Control calls (reset, log, ...) go through the project's C core when it
-- loads, else through the curl command line.

local json = require "gpucloud.sim.json"

local M = {}

local Server = {}
Server.__index = Server

local format = string.format

local MARKER = "gpucloud-sim.json" -- proves a prefix is ours before rm -rf

---------------------------------------------------------------- shell

-- Quote one word for /bin/sh.
local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.shell_quote = shell_quote

-- Run a shell command; returns ok, combined output, exit code. The exit
-- code is echoed by the shell because io.popen():close() reports it only
-- on Lua 5.2+.
local function run(cmd)
  local f = assert(io.popen("( " .. cmd .. " ) 2>&1; echo \"__gpucloud_rc=$?\""))
  local out = f:read("*a")
  f:close()
  local text, rc = out:match("^(.-)__gpucloud_rc=(%d+)%s*$")
  rc = tonumber(rc) or -1
  return rc == 0, text or out, rc
end

local function sleep(seconds)
  os.execute("sleep " .. format("%.3f", seconds))
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function write_file(path, data)
  local f, err = io.open(path, "wb")
  if not f then return nil, err end
  f:write(data)
  f:close()
  return true
end

local function file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

---------------------------------------------------------------- locations

local cwd_cache
local function cwd()
  if not cwd_cache then
    cwd_cache = os.getenv("PWD")
    if not cwd_cache or cwd_cache == "" then
      local _, out = run("pwd")
      cwd_cache = out:gsub("%s+$", "")
    end
  end
  return cwd_cache
end

-- The directory that holds gpucloud/sim/server.lua (the repo's lua/, or an
-- installed share/lua/5.x): it becomes nginx's lua_package_path root.
function M.lua_dir()
  local src = debug.getinfo(1, "S").source
  src = src:sub(1, 1) == "@" and src:sub(2) or "gpucloud/sim/server.lua"
  if src:sub(1, 1) ~= "/" then src = cwd() .. "/" .. src end
  local dir = src:match("^(.*)/gpucloud/sim/[^/]*$") or "."
  -- Tidy "/x/./lua" forms: nginx does not care, humans reading the conf do.
  dir = dir:gsub("/%./", "/"):gsub("/%.$", "")
  return dir
end

function M.default_fixture_path()
  return M.lua_dir() .. "/gpucloud/sim/fixture.json"
end

local function find_nginx(opts)
  local nginx = opts.nginx or os.getenv("GPUCLOUD_SIM_NGINX")
  if nginx and nginx ~= "" then return nginx end
  -- Debian puts nginx in /usr/sbin, which a normal user's PATH may lack.
  local ok, out = run("command -v nginx")
  if ok and out:match("%S") then return (out:gsub("%s+$", "")) end
  return "/usr/sbin/nginx"
end

local is_root_cache
local function is_root()
  if is_root_cache == nil then
    local _, out = run("id -u")
    is_root_cache = out:match("^%s*0%s*$") ~= nil
  end
  return is_root_cache
end

---------------------------------------------------------------- nginx.conf

-- Quote a path for nginx.conf (double quotes; backslash escapes).
local function nq(s)
  if s:find("[\r\n]") then error("path holds a newline: " .. s, 0) end
  return '"' .. s:gsub('[\\"]', "\\%0") .. '"'
end

-- Lines a caller adds to one block of the config: a string or a list.
local function extra_lines(v)
  if v == nil then return {} end
  if type(v) == "string" then return { v } end
  return v
end

-- The generated configuration, as a string.
-- opts: prefix, port, lua_dir, modules_dir, root (boolean), tls (boolean:
-- cert.pem and key.pem in the prefix), and for hosting more than the
-- simulator (the OpenResty specs): lua_path / lua_cpath (entries searched
-- before the defaults) and extra = { main =, http =, server = } (lines
-- appended to those blocks; the simulator keeps `location /`).
function M.nginx_conf(opts)
  local prefix = opts.prefix:gsub("/+$", "")
  local mods = opts.modules_dir or "/usr/lib/nginx/modules"
  local luadir = opts.lua_dir or M.lua_dir()
  local extra = opts.extra or {}
  local p = function(name) return nq(prefix .. "/" .. name) end
  local lua_path = (opts.lua_path and (opts.lua_path:gsub(";*$", "") .. ";") or "")
    .. luadir .. "/?.lua;" .. luadir .. "/?/init.lua;;"
  local lines = {
    "# generated by gpucloud.sim.server; removed on stop",
    "load_module " .. nq(mods .. "/ndk_http_module.so") .. ";",
    "load_module " .. nq(mods .. "/ngx_http_lua_module.so") .. ";",
    "worker_processes 1;", -- one worker: one app, consistent state
    opts.root and "user root;" or "# not root: workers keep our user",
    "pid " .. p("nginx.pid") .. ";",
    "error_log " .. p("error.log") .. " warn;",
    "worker_shutdown_timeout 3s;", -- QUIT must not wait on sleeping requests
    "events { worker_connections 1024; }",
  }
  local function add(list, indent)
    for _, l in ipairs(extra_lines(list)) do lines[#lines + 1] = indent .. l end
  end
  add(extra.main, "")
  for _, l in ipairs {
    "http {",
    "  access_log off;",
    "  server_tokens off;",
    "  default_type application/json;",
    "  keepalive_requests 100000;",
    "  keepalive_timeout 60s;",
    "  client_max_body_size 16m;",
    "  client_body_buffer_size 16m;", -- bodies stay in memory
    "  client_body_temp_path " .. p("client_body_temp") .. ";",
    "  proxy_temp_path " .. p("proxy_temp") .. ";",
    "  fastcgi_temp_path " .. p("fastcgi_temp") .. ";",
    "  uwsgi_temp_path " .. p("uwsgi_temp") .. ";",
    "  scgi_temp_path " .. p("scgi_temp") .. ";",
    "  lua_package_path " .. nq(lua_path) .. ";",
    opts.lua_cpath and ("  lua_package_cpath " .. nq(opts.lua_cpath:gsub(";*$", "") .. ";;") .. ";") or nil,
  } do lines[#lines + 1] = l end
  add(extra.http, "  ")
  for _, l in ipairs {
    "  server {",
    format("    listen 127.0.0.1:%d%s;", opts.port, opts.tls and " ssl" or ""),
    "    server_name _;",
    opts.tls and ("    ssl_certificate " .. p("cert.pem") .. ";") or "",
    opts.tls and ("    ssl_certificate_key " .. p("key.pem") .. ";") or "",
    "    location / {",
    "      content_by_lua_block { require(\"gpucloud.sim.ngx\").handle() }",
    "    }",
  } do lines[#lines + 1] = l end
  add(extra.server, "    ")
  lines[#lines + 1] = "  }"
  lines[#lines + 1] = "}"
  lines[#lines + 1] = ""
  return table.concat(lines, "\n")
end

---------------------------------------------------------------- HTTP

local seeded = false
local function random_port()
  if not seeded then
    -- Lua 5.4 seeds itself; LuaJIT does not. Mix the time with an address.
    local addr = tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0
    math.randomseed((os.time() + addr) % 2147483647)
    seeded = true
  end
  return math.random(20000, 60000)
end

-- Is a TCP port already listening? Read from /proc (Linux), so a busy port
-- is skipped without paying nginx's five bind retries (2.5 s).
local function port_listening(port)
  local hex = format(":%04X ", port)
  for _, file in ipairs({ "/proc/net/tcp", "/proc/net/tcp6" }) do
    local text = read_file(file) or ""
    for line in text:gmatch("[^\n]+") do
      -- sl local_address rem_address st ...; st 0A is LISTEN
      local loc, st = line:match("^%s*%d+:%s+%x+(:%x+ )%s*%x+:%x+%s+(%x%x)")
      if loc == hex and st == "0A" then return true end
    end
  end
  return false
end
M.port_listening = port_listening

-- The transport used for control calls: the C core if it loads.
local function core_transport()
  local ok, core = pcall(require, "gpucloud.core")
  if not ok or type(core) ~= "table" or type(core.new) ~= "function" then return nil end
  local client = core.new()
  return function(req)
    local res, err = client:request(req)
    if not res then
      if type(err) == "table" then
        return nil, tostring(err.code or "error") .. ": " .. tostring(err.message)
      end
      return nil, tostring(err)
    end
    return res
  end, function() pcall(function() client:close() end) end
end

local function parse_header_block(text)
  -- With redirects or 100-continue there are several blocks: keep the last.
  local last = text
  for block in text:gmatch("HTTP/[^\r\n]*\r?\n.-\r?\n\r?\n") do last = block end
  local headers = {}
  for name, value in last:gmatch("([^:\r\n]+):%s*([^\r\n]*)") do
    headers[name:lower()] = value
  end
  return headers
end

-- A transport over the curl command line, writing scratch files in dir.
local function curl_transport(dir)
  return function(req)
    local hdr, out, inp = dir .. "/.ctl-headers", dir .. "/.ctl-body", dir .. "/.ctl-request"
    local parts = {
      "curl -sS -g --noproxy '*'", "-X", shell_quote(req.method or "GET"),
      "--max-time", shell_quote(tostring(req.timeout or 5)),
      "-D", shell_quote(hdr), "-o", shell_quote(out),
      "-w", shell_quote("%{http_code}"),
    }
    if req.ca_file then parts[#parts + 1] = "--cacert " .. shell_quote(req.ca_file) end
    for k, v in pairs(req.headers or {}) do
      parts[#parts + 1] = "-H " .. shell_quote(k .. ": " .. v)
    end
    if req.body and req.body ~= "" then
      assert(write_file(inp, req.body))
      parts[#parts + 1] = "--data-binary @" .. shell_quote(inp)
    end
    parts[#parts + 1] = shell_quote(req.url)
    os.remove(hdr)
    os.remove(out)
    local ok, text, rc = run(table.concat(parts, " "))
    if not ok then
      local code = rc == 7 and "connect" or rc == 28 and "timeout" or "curl"
      return nil, format("%s: curl exit %d: %s", code, rc, (text:gsub("%s+$", "")))
    end
    return {
      status = tonumber(text:match("(%d%d%d)%s*$")),
      headers = parse_header_block(read_file(hdr) or ""),
      body = read_file(out) or "",
    }
  end
end

---------------------------------------------------------------- server object

local function new_object(fields)
  local self = setmetatable(fields, Server)
  local transport, closer
  if self.transport_name ~= "curl" then transport, closer = core_transport() end
  if not transport and self.transport_name == "core" then
    return nil, "gpucloud.core is not loadable (build it, or use transport = \"curl\")"
  end
  if transport then
    self.transport_name = "core"
  else
    transport = curl_transport(self.prefix)
    self.transport_name = "curl"
  end
  self._transport, self._close_transport = transport, closer
  return self
end

-- s:request{method=, path= (or url=), headers=, body=, timeout=}
--   -> {status, headers (lowercase names), body} | nil, message
function Server:request(req)
  local r = {}
  for k, v in pairs(req) do r[k] = v end
  r.url = r.url or (self.url .. (r.path or "/"))
  r.path = nil
  r.method = r.method or "GET"
  r.timeout = r.timeout or 5
  r.headers = r.headers or {}
  r.ca_file = r.ca_file or self.ca_file
  return self._transport(r)
end

-- A control call: JSON in, decoded JSON out (nil, message otherwise).
function Server:control(method, path, value)
  local req = { method = method, path = path }
  if value ~= nil then
    req.body = type(value) == "string" and value or json.encode(value)
    req.headers = { ["content-type"] = "application/json" }
  end
  local res, err = self:request(req)
  if not res then return nil, err end
  local decoded = json.decode(res.body)
  if res.status ~= 200 then
    local msg = type(decoded) == "table" and (decoded.error or decoded.detail) or res.body
    return nil, format("%s %s: HTTP %s: %s", method, path, tostring(res.status), tostring(msg))
  end
  if decoded == nil then return nil, path .. ": undecodable answer: " .. res.body end
  return decoded
end

function Server:health() return self:control("GET", "/_sim/health") end

-- Back to the start fixture (or to the given fixture table); clears
-- injections, the log and stats.
function Server:reset(fixture)
  return self:control("POST", "/_sim/reset", fixture ~= nil and json.encode(fixture) or "")
end

function Server:log() return self:control("GET", "/_sim/log") end
function Server:clear_log() return self:control("DELETE", "/_sim/log") end
function Server:stats() return self:control("GET", "/_sim/stats") end
function Server:state() return self:control("GET", "/_sim/state") end
function Server:inject(spec) return self:control("POST", "/_sim/inject", spec) end
function Server:injections() return self:control("GET", "/_sim/inject") end
function Server:clear_injections() return self:control("DELETE", "/_sim/inject") end
function Server:config(t)
  if t == nil then return self:control("GET", "/_sim/config") end
  return self:control("POST", "/_sim/config", json.object(t))
end

function Server:error_log()
  return read_file(self.prefix .. "/error.log") or ""
end

function Server:pid()
  local text = read_file(self.prefix .. "/nginx.pid")
  return text and tonumber(text:match("%d+")) or nil
end

-- Is pid a live process? A zombie counts as gone: a daemonized master is
-- reaped by init, which in containers may take a while.
local function alive(pid)
  local stat = read_file("/proc/" .. pid .. "/stat")
  if stat then return stat:match(".*%) (%a)") ~= "Z" end
  if file_exists("/proc/self/stat") then return false end -- Linux: no entry, gone
  return (run("kill -0 " .. pid .. " 2>/dev/null"))
end
M.alive = alive

local function wait_gone(pid, tries)
  for _ = 1, tries do
    if not alive(pid) then return true end
    sleep(0.05)
  end
  return not alive(pid)
end

-- Stop nginx (QUIT, then TERM, then KILL) and remove the prefix.
-- Idempotent; returns true or nil, message.
function Server:stop()
  if self.stopped then return true end
  if self._close_transport then self._close_transport() end
  local pid = self:pid()
  if not pid then
    -- The master writes its pid just after daemonizing: give it a moment.
    for _ = 1, 20 do
      sleep(0.05)
      pid = self:pid()
      if pid then break end
    end
  end
  if pid then
    run("kill -QUIT " .. pid)
    if not wait_gone(pid, 100) then
      run("kill -TERM " .. pid)
      if not wait_gone(pid, 40) then
        run("kill -KILL " .. pid)
        if not wait_gone(pid, 40) then
          return nil, format("nginx master %d does not stop; prefix kept: %s", pid, self.prefix)
        end
      end
    end
  end
  if file_exists(self.prefix .. "/" .. MARKER) then
    run("rm -rf -- " .. shell_quote(self.prefix))
  end
  self.stopped = true
  return true
end

-- Keep nginx running when this object is collected (e.g. `gpucloud-sim start`).
function Server:detach()
  self.detached = true
  return self
end

-- Safety net on Lua 5.4: a forgotten server is stopped when collected.
Server.__gc = function(self)
  if not self.detached and not self.stopped then pcall(Server.stop, self) end
end
Server.__close = Server.__gc

---------------------------------------------------------------- start

local function fixture_keys(fixture)
  local keys = {}
  local function first(section, name)
    for _, k in ipairs(type(section) == "table" and section.api_keys or {}) do
      if type(k) == "string" then keys[name] = k return end
      if type(k) == "table" and not k.read_only and type(k.key) == "string" then
        keys[name] = k.key
        return
      end
    end
  end
  first(fixture.vast, "vast")
  first(fixture.tensorpool, "tensorpool")
  return keys
end

-- server.start{fixture=, port=, transport=, nginx=, modules_dir=, config=,
--              tls=, lua_path=, lua_cpath=, extra=}
--   fixture: path to a JSON fixture, a fixture table, or nil (default seed)
--   port: fixed port (default: random in 20000..60000, retried when busy)
--   transport: "core" | "curl" | nil (core when it loads)
--   config: a table for s:config() once the server is up
--   tls: true for HTTPS (s.ca_file is the certificate to trust), or
--        "localhost" for a certificate naming only localhost
--   lua_path, lua_cpath, extra: more configuration (see M.nginx_conf)
-- -> server object | nil, message
function M.start(opts)
  opts = opts or {}
  local text
  if type(opts.fixture) == "table" then
    text = json.encode(opts.fixture)
  else
    local path = opts.fixture or M.default_fixture_path()
    text = read_file(path)
    if not text then return nil, "cannot read fixture " .. path end
  end
  local fixture, derr = json.decode(text)
  if type(fixture) ~= "table" or json.is_array(fixture) then
    return nil, "fixture: " .. tostring(derr or "expected a JSON object")
  end

  local ok, out = run("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-sim.XXXXXX\"")
  if not ok then return nil, "mktemp failed: " .. out end
  local prefix = out:gsub("%s+$", "")
  local function fail(msg)
    run("rm -rf -- " .. shell_quote(prefix))
    return nil, msg
  end
  assert(write_file(prefix .. "/fixture.json", text))

  -- HTTPS: a throwaway self-signed certificate, valid for the host the
  -- server's url names (tls = "localhost": for that name only, so a client
  -- calling 127.0.0.1 sees a certificate for another host).
  local host = "127.0.0.1"
  if opts.tls then
    local names = "IP:127.0.0.1,DNS:localhost"
    if opts.tls == "localhost" then host, names = "localhost", "DNS:localhost" end
    local okc, cout = run(format(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 " ..
      "-subj /CN=gpucloud-sim -addext %s -keyout %s -out %s",
      shell_quote("subjectAltName=" .. names),
      shell_quote(prefix .. "/key.pem"), shell_quote(prefix .. "/cert.pem")))
    if not okc then return fail("openssl could not make a certificate: " .. cout) end
  end

  local nginx = find_nginx(opts)
  local port, started, last
  for _ = 1, opts.port and 1 or 20 do
    port = opts.port or random_port()
    while not opts.port and port_listening(port) do port = random_port() end
    if opts.port and port_listening(port) then
      return fail(format("nginx did not start: 127.0.0.1:%d: Address already in use", port))
    end
    local okc, cerr = pcall(function()
      assert(write_file(prefix .. "/nginx.conf", M.nginx_conf{
        prefix = prefix, port = port, modules_dir = opts.modules_dir, root = is_root(),
        lua_path = opts.lua_path, lua_cpath = opts.lua_cpath, extra = opts.extra,
        tls = opts.tls and true or false,
      }))
    end)
    if not okc then return fail(tostring(cerr)) end
    local cmd = format("%s -p %s -c %s -e %s", shell_quote(nginx), shell_quote(prefix .. "/"),
      shell_quote(prefix .. "/nginx.conf"), shell_quote(prefix .. "/error.log"))
    local okn, nout = run(cmd)
    if okn then started = true break end
    last = nout
    if not nout:find("Address already in use", 1, true) then break end
  end
  if not started then
    return fail("nginx did not start: " .. tostring(last):gsub("%s+$", ""))
  end

  local url = format("%s://%s:%d", opts.tls and "https" or "http", host, port)
  local ca_file = opts.tls and (prefix .. "/cert.pem") or nil
  local keys = fixture_keys(fixture)
  assert(write_file(prefix .. "/" .. MARKER, json.encode{ port = port, url = url, keys = keys, ca_file = ca_file }))
  local s, terr = new_object{
    url = url, port = port, prefix = prefix, keys = keys, transport_name = opts.transport,
    ca_file = ca_file,
  }
  if not s then
    local tmp = setmetatable({ prefix = prefix }, Server)
    tmp:stop()
    return nil, terr
  end

  -- Wait (about 5 s at most) for the worker to answer with the app loaded.
  local up, herr
  for _ = 1, 100 do
    local res, err = s:request{ path = "/_sim/health", timeout = 1 }
    if res and res.status == 200 then up = true break end
    herr = res and ("HTTP " .. tostring(res.status)) or err
    sleep(0.05)
  end
  if not up then
    local log = s:error_log()
    s:stop()
    return nil, "simulator did not become healthy (" .. tostring(herr) .. "): " .. log
  end
  if opts.config then
    local okc, cerr = s:config(opts.config)
    if not okc then s:stop() return nil, cerr end
  end
  return s
end

-- A server object for a simulator started elsewhere (`gpucloud-sim start`),
-- from its prefix. -> server | nil, message
function M.attach(prefix, opts)
  prefix = tostring(prefix):gsub("/+$", "")
  local info = json.decode(read_file(prefix .. "/" .. MARKER) or "")
  if type(info) ~= "table" then
    return nil, prefix .. " is not a gpucloud simulator prefix (no " .. MARKER .. ")"
  end
  -- Attached objects are detached: collecting one never stops the server.
  return new_object{
    url = info.url, port = info.port, prefix = prefix, keys = info.keys or {},
    transport_name = opts and opts.transport, detached = true, ca_file = info.ca_file,
  }
end

return M
