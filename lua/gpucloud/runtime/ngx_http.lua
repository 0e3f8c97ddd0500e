-- HTTP/1.1 over ngx.socket.tcp (cosockets), for the ngx runtime. A libcurl
-- call would block the worker's event loop and every request it serves; a
-- cosocket yields to it instead. The same contract as the C core:
-- request(req) -> {status, headers, body, sent} | nil, {code, message, sent}
-- with code one of timeout, connect, tls, too_large, transport; `sent` is
-- how many times the request went out on a connection (0: never).
--
-- Behaviour kept equal to src/client.c: `timeout` bounds the whole call and
-- `connect_timeout` the connection, redirects are not followed, header
-- names are lowercased and a repeated header is joined with ", ", bodies
-- over `max_body` are refused, TLS peers are always verified. Differences,
-- because nginx owns them: the CA bundle is `lua_ssl_trusted_certificate`
-- (req.ca_file cannot be set per call), host names need a `resolver`, and
-- no Accept-Encoding is sent (nothing here inflates gzip).
--
-- Connections go back to nginx's per-worker pool (setkeepalive), keyed by
-- scheme, host and port; lua_socket_keepalive_timeout and
-- lua_socket_pool_size tune it.

-- luacheck: globals ngx
local config = require "gpucloud.config"
local read = require "gpucloud.runtime.ngx_read"

local M = {}

local tonumber, tostring, type, pairs = tonumber, tostring, type, pairs
local floor, ceil = math.floor, math.ceil
local failure, now, new_reader, read_body, io_error = read.failure, read.now, read.new, read.read_body, read.io_error
local is_token = read.is_token

---------------------------------------------------------------- request


-- Framing is this module's job: a caller's own value would desynchronise
-- the connection for whoever reuses it next.
local OWNED = { ["content-length"] = true, ["transfer-encoding"] = true, connection = true }

-- scheme, host (brackets kept for IPv6), port, request target; or nil, message.
local function parse_url(url)
  local scheme, authority, rest = url:match("^(%a[%w+.-]*)://([^/?#]*)(.*)$")
  if not scheme then return nil, "not an absolute http(s) URL" end
  scheme = scheme:lower()
  if scheme ~= "http" and scheme ~= "https" then
    return nil, "unsupported scheme " .. scheme .. " (http and https only)"
  end
  -- never echo the authority: it may hold credentials
  if authority:find("@", 1, true) then return nil, "credentials in URLs are not supported" end
  local host, port = authority:match("^(%[[%x:.]+%])(.*)$")
  if not host then host, port = authority:match("^([^:]*)(.*)$") end
  if host == "" then return nil, "URL without a host" end
  if port == "" then
    port = scheme == "https" and 443 or 80
  else
    port = tonumber(port:match("^:(%d%d?%d?%d?%d?)$") or "")
    if not port or port < 1 or port > 65535 then return nil, "bad port in URL" end
  end
  local target = rest:gsub("#.*$", "")
  if target == "" then
    target = "/"
  elseif target:sub(1, 1) == "?" then
    target = "/" .. target
  end
  return scheme, host, port, target
end

-- The request bytes, as a table for sock:send (no concatenation needed).
-- Raises for what only a programming error produces, as the C core does.
local function serialize(req, host_header, target)
  local method = req.method or "GET"
  if not is_token(method) then error("gpucloud.runtime.ngx: invalid method", 3) end
  local body = req.body
  if body ~= nil and type(body) ~= "string" then error("gpucloud.runtime.ngx: 'body' must be a string", 3) end
  local out = { method, " ", target, " HTTP/1.1\r\n" }
  local has_host = false
  for name, value in pairs(req.headers or {}) do
    if type(name) ~= "string" or type(value) ~= "string" then
      error("gpucloud.runtime.ngx: headers must map names to strings", 3)
    end
    local lname = name:lower()
    if not is_token(name) or value:find("[\r\n%z]") or OWNED[lname] then
      error("gpucloud.runtime.ngx: invalid header '" .. name .. "'", 3)
    end
    if lname == "host" then has_host = true end
    out[#out + 1] = name .. ": " .. value .. "\r\n"
  end
  if not has_host then out[#out + 1] = "Host: " .. host_header .. "\r\n" end
  -- as curl does: a POST always states its length, other methods when
  -- they carry a body
  if body or method == "POST" or method == "PUT" or method == "PATCH" then
    out[#out + 1] = "Content-Length: " .. #(body or "") .. "\r\n"
  end
  out[#out + 1] = "\r\n"
  if body and body ~= "" then out[#out + 1] = body end
  return out
end



local warned_ca_file = false

-- One attempt over one connection. Returns res, or nil, err, retry where
-- retry says the failure was a pooled connection the server had already
-- closed (nothing came back), so the request can go again on a fresh one.
-- `count.sent` goes up each time the request is put on a connection.
local function exchange(req, u, deadline, count)
  local sock = ngx.socket.tcp()
  local connect_by = now() + (req.connect_timeout or config.default("connect_timeout"))
  if connect_by > deadline then connect_by = deadline end
  sock:settimeout(ceil(math.max(connect_by - now(), 0.001) * 1000))
  local where = u.host .. ":" .. u.port
  local ok, err = sock:connect(u.host, u.port, { pool = u.pool })
  if not ok then
    if err == "timeout" then return failure("timeout", "connect to " .. where .. ": timed out") end
    return failure("connect", "connect to " .. where .. ": " .. tostring(err))
  end
  local reused = (sock:getreusedtimes() or 0) > 0
  if u.scheme == "https" and not reused then
    -- the SNI name is also the name the certificate is checked against
    local name = u.host:match("^%[(.*)%]$") or u.host
    sock:settimeout(ceil(math.max(connect_by - now(), 0.001) * 1000))
    local session, herr = sock:sslhandshake(nil, name, true)
    if not session then
      sock:close()
      if herr == "timeout" then return failure("timeout", "TLS handshake with " .. where .. ": timed out") end
      return failure("tls", "TLS handshake with " .. where .. ": " .. tostring(herr)
        .. " (is lua_ssl_trusted_certificate set, and lua_ssl_verify_depth deep enough?)")
    end
  end

  local r = new_reader(sock, deadline)
  if not r:arm() then sock:close() return failure("timeout", "sending the request: timed out") end
  count.sent = count.sent + 1
  local sent, serr = sock:send(u.request)
  if not sent then
    sock:close()
    if reused and serr ~= "timeout" then return nil, nil, true end
    return io_error(serr, "sending the request")
  end

  local status, headers, keepalive = r:head()
  if not status then
    sock:close()
    if reused and not r.got_bytes and headers.code == "transport" then return nil, nil, true end
    return nil, headers
  end
  if headers.connection and headers.connection:lower():find("close", 1, true) then keepalive = false end
  local body, reusable = read_body(r, u.method, status, headers, keepalive, u.max_body)
  if not body then
    sock:close()
    reusable.status = status -- the server answered; its body was lost
    return nil, reusable
  end
  if reusable then
    sock:setkeepalive() -- lua_socket_keepalive_timeout / lua_socket_pool_size
  else
    sock:close()
  end
  return { status = status, headers = headers, body = body }
end

--- The transport function: request(req) -> res | nil, err.
function M.request(req)
  if type(req) ~= "table" then error("gpucloud.runtime.ngx: request must be a table", 2) end
  local url = req.url
  if type(url) ~= "string" or url:find("[%s%c]") then error("gpucloud.runtime.ngx: invalid url", 2) end
  local scheme, host, port, target = parse_url(url)
  if not scheme then return failure("transport", host) end
  for _, k in ipairs { "timeout", "connect_timeout" } do
    local v = req[k]
    if v ~= nil and (type(v) ~= "number" or v ~= v or v <= 0) then
      error("gpucloud.runtime.ngx: '" .. k .. "' must be a positive number of seconds", 2)
    end
  end
  local max_body = req.max_body
  if max_body == nil then max_body = config.default("max_body") end
  if type(max_body) ~= "number" or max_body ~= max_body or max_body < 0 then
    error("gpucloud.runtime.ngx: 'max_body' must be a byte count", 2)
  end
  if req.ca_file and not warned_ca_file then
    warned_ca_file = true
    ngx.log(ngx.WARN, "gpucloud: ca_file is ignored inside nginx; ",
      "TLS peers are verified against lua_ssl_trusted_certificate")
  end
  local default_port = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
  local u = {
    scheme = scheme, host = host, port = port, method = req.method or "GET",
    max_body = floor(max_body),
    pool = "gpucloud:" .. scheme .. "://" .. host .. ":" .. port,
    request = serialize(req, default_port and host or (host .. ":" .. port), target),
  }
  local deadline = now() + (req.timeout or config.default("timeout"))
  -- A pooled connection the server closed meanwhile fails before any
  -- answer; like libcurl, send once more on a fresh connection, and say
  -- so in `sent`: the server may have acted on the first one.
  local count = { sent = 0 }
  for _ = 1, 2 do
    local res, err, retry = exchange(req, u, deadline, count)
    if not retry then
      local t = res or err
      t.sent = count.sent
      return res, err
    end
  end
  return nil, { code = "transport", message = "connection closed by the server before an answer", sent = count.sent }
end

--- The pool name connections to `url` are kept under (for tests and for
-- tuning): "gpucloud:<scheme>://<host>:<port>".
function M.pool_name(url)
  local scheme, host, port = parse_url(url)
  if not scheme then return nil, host end
  return "gpucloud:" .. scheme .. "://" .. host .. ":" .. port
end

return M
