-- Launcher for the simulator: runs the app (gpucloud.sim.app) inside Debian's
-- nginx + lua module on 127.0.0.1, so clients get real HTTP, keep-alive and
-- concurrency. Works from lua5.4 and luajit (outside nginx).
--
--   local server = require "gpucloud.sim.server"
--   local s = assert(server.start{ fixture = path_or_table_or_nil })
--   -- s.url, s.port, s.prefix, s.keys.<provider> (s.keys.vast, ...)
--   s:reset(); s:inject{ path = "/api/v0/endptjobs/", status = 429 }
--   s:stop()
--   server.start{ tls = true } serves HTTPS with a self-signed certificate
--   made by openssl in the prefix; s.ca_file names it.
--
-- Process control uses os.execute / io.popen with shell-quoted arguments
-- (gpucloud.sim.sys); the nginx configuration is gpucloud.sim.conf's; the
-- control calls (s:reset, s:log, ...) are gpucloud.sim.client's, over the
-- project's C core.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local sys = require "gpucloud.sim.sys"
local conf = require "gpucloud.sim.conf"
local client = require "gpucloud.sim.client"
local fixture = require "gpucloud.sim.fixture"
local providers = require "gpucloud.providers"

local M = {}

local Server = setmetatable({}, { __index = client.methods })
Server.__index = Server

local format = string.format
local run, read_file, write_file, shell_quote = sys.run, sys.read_file, sys.write_file, sys.shell_quote

local MARKER = "gpucloud-sim.json" -- proves a prefix is ours before rm -rf

-- Kept from when they lived here: tools and specs use them.
M.shell_quote = sys.shell_quote
M.port_listening = sys.port_listening
M.alive = sys.alive
M.lua_dir = conf.lua_dir
M.nginx_conf = conf.render

local function find_nginx(opts)
  local nginx = opts.nginx or os.getenv("GPUCLOUD_SIM_NGINX")
  if nginx and nginx ~= "" then return nginx end
  -- Debian puts nginx in /usr/sbin, which a normal user's PATH may lack.
  local ok, out = run("command -v nginx")
  if ok and out:match("%S") then return (out:gsub("%s+$", "")) end
  return "/usr/sbin/nginx"
end

-- The control calls went over curl's command line or the C core; only
-- the core is left, so the option that chose is refused, not ignored.
local function no_transport_option(opts)
  if opts and opts.transport ~= nil then
    error("gpucloud.sim.server: the transport option is gone (control calls use gpucloud.core)", 3)
  end
end

---------------------------------------------------------------- server object

function Server:error_log()
  return read_file(self.prefix .. "/error.log") or ""
end

function Server:pid()
  local text = read_file(self.prefix .. "/nginx.pid")
  return text and tonumber(text:match("%d+")) or nil
end

-- Stop nginx (QUIT, then TERM, then KILL) and remove the prefix.
-- Idempotent; returns true or nil, message.
function Server:stop()
  if self.stopped then return true end
  client.close(self)
  local pid = self:pid()
  if not pid then
    -- The master writes its pid just after daemonizing: give it a moment.
    for _ = 1, 20 do
      sys.sleep(0.05)
      pid = self:pid()
      if pid then break end
    end
  end
  if pid then
    run("kill -QUIT " .. pid)
    if not sys.wait_gone(pid, 100) then
      run("kill -TERM " .. pid)
      if not sys.wait_gone(pid, 40) then
        run("kill -KILL " .. pid)
        if not sys.wait_gone(pid, 40) then
          return nil, format("nginx master %d does not stop; prefix kept: %s", pid, self.prefix)
        end
      end
    end
  end
  if sys.file_exists(self.prefix .. "/" .. MARKER) then
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

local function new_object(fields)
  return client.open(setmetatable(fields, Server))
end

---------------------------------------------------------------- start

-- The fixture as text for the prefix, and decoded -> text, table | nil, message.
local function fixture_of(opts)
  if type(opts.fixture) == "table" then
    local text = json.encode(opts.fixture)
    return text, fixture.decode(text)
  end
  local text, err = fixture.read(opts.fixture)
  if not text then return nil, err end
  local t, derr = fixture.decode(text, opts.fixture or fixture.DEFAULT_NAME)
  if not t then return nil, derr end
  return text, t
end

-- A throwaway self-signed certificate in prefix, valid for the host the
-- server's url names (tls = "localhost": for that name only, so a client
-- calling 127.0.0.1 sees a certificate for another host). -> host | nil, message
local function make_certificate(prefix, tls)
  local host, names = "127.0.0.1", "IP:127.0.0.1,DNS:localhost"
  if tls == "localhost" then host, names = "localhost", "DNS:localhost" end
  local ok, out = run(format(
    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 " ..
    "-subj /CN=gpucloud-sim -addext %s -keyout %s -out %s",
    shell_quote("subjectAltName=" .. names),
    shell_quote(prefix .. "/key.pem"), shell_quote(prefix .. "/cert.pem")))
  if not ok then return nil, "openssl could not make a certificate: " .. out end
  return host
end

-- Write the config and start nginx on opts.port, or on random free ports
-- until one binds -> port | nil, message.
local function start_nginx(prefix, opts)
  local nginx = find_nginx(opts)
  local last
  for _ = 1, opts.port and 1 or 20 do
    local port = opts.port or sys.random_port()
    while not opts.port and sys.port_listening(port) do port = sys.random_port() end
    if opts.port and sys.port_listening(port) then
      return nil, format("nginx did not start: 127.0.0.1:%d: Address already in use", port)
    end
    local ok, text = pcall(conf.render, {
      prefix = prefix, port = port, modules_dir = opts.modules_dir, root = sys.is_root(),
      lua_path = opts.lua_path, lua_cpath = opts.lua_cpath, extra = opts.extra,
      tls = opts.tls and true or false,
    })
    if not ok then return nil, tostring(text) end
    assert(write_file(prefix .. "/nginx.conf", text))
    local okn, out = run(format("%s -p %s -c %s -e %s", shell_quote(nginx), shell_quote(prefix .. "/"),
      shell_quote(prefix .. "/nginx.conf"), shell_quote(prefix .. "/error.log")))
    if okn then return port end
    last = out
    if not out:find("Address already in use", 1, true) then break end
  end
  return nil, "nginx did not start: " .. tostring(last):gsub("%s+$", "")
end

-- server.start{fixture=, port=, nginx=, modules_dir=, config=,
--              tls=, lua_path=, lua_cpath=, extra=}
--   fixture: path to a JSON fixture, a fixture table, or nil (default seed)
--   port: fixed port (default: random in 20000..60000, retried when busy)
--   config: a table for s:config() once the server is up
--   tls: true for HTTPS (s.ca_file is the certificate to trust), or
--        "localhost" for a certificate naming only localhost
--   lua_path, lua_cpath, extra: more configuration (see gpucloud.sim.conf)
-- -> server object | nil, message
function M.start(opts)
  opts = opts or {}
  no_transport_option(opts)
  local text, fx = fixture_of(opts)
  if not text then return nil, fx end

  local ok, out = run("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-sim.XXXXXX\"")
  if not ok then return nil, "mktemp failed: " .. out end
  local prefix = out:gsub("%s+$", "")
  local function fail(msg)
    run("rm -rf -- " .. shell_quote(prefix))
    return nil, msg
  end
  assert(write_file(prefix .. "/fixture.json", text))

  local host = "127.0.0.1"
  if opts.tls then
    local err
    host, err = make_certificate(prefix, opts.tls)
    if not host then return fail(err) end
  end
  local port, err = start_nginx(prefix, opts)
  if not port then return fail(err) end

  local url = format("%s://%s:%d", opts.tls and "https" or "http", host, port)
  local ca_file = opts.tls and (prefix .. "/cert.pem") or nil
  local keys = fixture.keys(fx)
  assert(write_file(prefix .. "/" .. MARKER, json.encode{ port = port, url = url, keys = keys, ca_file = ca_file }))
  local s = new_object{ url = url, port = port, prefix = prefix, keys = keys, ca_file = ca_file }

  -- Wait (about 5 s at most) for the worker to answer with the app loaded.
  local up, herr
  for _ = 1, 100 do
    local res, rerr = s:request{ path = "/_sim/health", timeout = 1 }
    if res and res.status == 200 then up = true break end
    herr = res and ("HTTP " .. tostring(res.status)) or rerr
    sys.sleep(0.05)
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
  no_transport_option(opts)
  prefix = tostring(prefix):gsub("/+$", "")
  local info = values.decode(read_file(prefix .. "/" .. MARKER) or "")
  if type(info) ~= "table" then
    return nil, prefix .. " is not a gpucloud simulator prefix (no " .. MARKER .. ")"
  end
  -- Attached objects are detached: collecting one never stops the server.
  return new_object{
    url = info.url, port = info.port, prefix = prefix, keys = info.keys or {},
    detached = true, ca_file = info.ca_file,
  }
end

-- The environment that points a program at server `s`: each provider's
-- base URL variables (a host that follows another needs none) and its
-- first key variable, then GPUCLOUD_SIM_URL and GPUCLOUD_SIM_PREFIX, as a
-- list of {name, value} (a value may be nil: no key of that provider).
function M.env(s)
  local out = {}
  for _, p in ipairs(providers.parts("sim")) do
    local spec = providers.spec(p.name)
    local hosts = {}
    for _, host in pairs(spec.hosts) do
      if host.env and not host.follows then hosts[#hosts + 1] = host.env end
    end
    table.sort(hosts)
    for _, name in ipairs(hosts) do out[#out + 1] = { name, s.url } end
    out[#out + 1] = { spec.key.env[1], s.keys[p.name] }
  end
  out[#out + 1] = { "GPUCLOUD_SIM_URL", s.url }
  out[#out + 1] = { "GPUCLOUD_SIM_PREFIX", s.prefix }
  return out
end

return M
