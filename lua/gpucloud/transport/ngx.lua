-- The transport inside nginx: HTTP/1.1 over ngx.socket.tcp (cosockets).
-- A libcurl call would block the worker's event loop and every request it
-- serves; a cosocket yields to it instead. Same contract as the C core
-- (DESIGN.md): transport(req) -> {status, headers, body} | nil, err with
-- err.code one of timeout, connect, tls, too_large, transport.
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
local M = {}

local concat, tonumber, tostring, type, pairs = table.concat, tonumber, tostring, type, pairs
local floor, ceil = math.floor, math.ceil

local DEFAULT_TIMEOUT = 60
local DEFAULT_CONNECT_TIMEOUT = 10
local DEFAULT_MAX_BODY = 64 * 1024 * 1024
-- What a response may spend on its head (status line, headers, trailers):
-- the C core's limits, so a hostile server cannot make us buffer without
-- bound.
local MAX_HEADER_BYTES = 256 * 1024
local MAX_HEADER_LINES = 500
local MAX_CHUNK_LINE = 4096   -- a chunk-size line with its extensions
local MAX_INTERIM = 16        -- 1xx answers before the real one
local READ_SIZE = 65536

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

local function failure(code, message)
  return nil, { code = code, message = message }
end

local function now()
  ngx.update_time()
  return ngx.now()
end

---------------------------------------------------------------- request

local function is_token(s)
  return type(s) == "string" and s ~= "" and not s:find("[^%w!#$%%&'*+%-.^_`|~]")
end

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
  if not is_token(method) then error("gpucloud.transport.ngx: invalid method", 3) end
  local body = req.body
  if body ~= nil and type(body) ~= "string" then error("gpucloud.transport.ngx: 'body' must be a string", 3) end
  local out = { method, " ", target, " HTTP/1.1\r\n" }
  local has_host = false
  for name, value in pairs(req.headers or {}) do
    if type(name) ~= "string" or type(value) ~= "string" then
      error("gpucloud.transport.ngx: headers must map names to strings", 3)
    end
    local lname = name:lower()
    if not is_token(name) or value:find("[\r\n%z]") or OWNED[lname] then
      error("gpucloud.transport.ngx: invalid header '" .. name .. "'", 3)
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

---------------------------------------------------------------- response

-- Reading state for one response: the socket, the deadline and what the
-- head may still spend.
local Reader = {}
Reader.__index = Reader

local function new_reader(sock, deadline)
  return setmetatable({
    sock = sock, deadline = deadline, line_reader = sock:receiveuntil("\n"),
    head_bytes = 0, head_lines = 0, got_bytes = false,
  }, Reader)
end

-- Arm the socket with what is left of the deadline; false when none is.
function Reader:arm()
  local left = self.deadline - now()
  if left <= 0 then return false end
  self.sock:settimeout(ceil(left * 1000))
  return true
end

-- A cosocket error as an err table.
local function io_error(err, what)
  if err == "timeout" then return failure("timeout", what .. ": timed out") end
  if err == "closed" then
    return failure("transport", what .. ": connection closed by the server")
  end
  return failure("transport", what .. ": " .. tostring(err))
end

-- One line without its line end, at most `limit` bytes; nil, err when the
-- line is longer (code too_large) or the connection fails.
function Reader:line(limit, what)
  local parts, n = {}, 0
  while true do
    if not self:arm() then return failure("timeout", what .. ": timed out") end
    local data, err, partial = self.line_reader(limit + 1)
    if not data then
      if err then
        if partial and partial ~= "" then self.got_bytes = true end
        return io_error(err, what)
      end
      break -- the line end was found
    end
    self.got_bytes = true
    n = n + #data
    if n > limit then return failure("too_large", what .. ": line longer than " .. limit .. " bytes") end
    parts[#parts + 1] = data
  end
  self.got_bytes = true
  local line = concat(parts)
  if line:sub(-1) == "\r" then line = line:sub(1, -2) end
  return line
end

-- A line of the head, counted against the head's limits.
function Reader:head_line(what)
  local left = MAX_HEADER_BYTES - self.head_bytes
  if left <= 0 or self.head_lines >= MAX_HEADER_LINES then
    return failure("too_large", "response head larger than " .. MAX_HEADER_BYTES
      .. " bytes or " .. MAX_HEADER_LINES .. " lines")
  end
  local line, err = self:line(left, what)
  if not line then
    if err.code == "too_large" then err.message = "response head larger than " .. MAX_HEADER_BYTES .. " bytes" end
    return nil, err
  end
  self.head_bytes = self.head_bytes + #line + 2
  self.head_lines = self.head_lines + 1
  return line
end

-- Header lines up to the empty line, into `headers` (lowercased names,
-- repeats joined with ", ").
function Reader:fields(headers, what)
  while true do
    local line, err = self:head_line(what)
    if not line then return nil, err end
    if line == "" then return headers end
    -- obsolete line folding (RFC 9112 5.2) is refused, not guessed at
    local name, value = line:match("^([^:%s]+):(.*)$")
    if not name or not is_token(name) then
      return failure("transport", "malformed header line in the response")
    end
    value = value:match("^[ \t]*(.-)[ \t]*$")
    name = name:lower()
    local old = headers[name]
    headers[name] = old and (old .. ", " .. value) or value
  end
end

-- Status line and headers of the final (non-1xx) answer.
function Reader:head()
  for _ = 1, MAX_INTERIM do
    local line, err = self:head_line("reading the status line")
    if not line then return nil, err end
    local minor, status = line:match("^HTTP/1%.([01]) ([1-5]%d%d)")
    local after = line:sub(13, 13) -- end of line, or the space before the reason
    if not minor or (after ~= "" and after ~= " ") then
      return failure("transport", "malformed status line in the response")
    end
    status = tonumber(status)
    local headers, herr = self:fields({}, "reading the headers")
    if not headers then return nil, herr end
    if status >= 200 then return status, headers, minor == "1" end
    if status == 101 then return failure("transport", "unexpected 101 Switching Protocols") end
  end
  return failure("transport", "too many 1xx answers")
end

-- Exactly n bytes.
function Reader:bytes(n, what)
  if n == 0 then return "" end
  if not self:arm() then return failure("timeout", what .. ": timed out") end
  local data, err = self.sock:receive(n)
  if not data then return io_error(err, what) end
  return data
end

local function body_too_large(max_body)
  return failure("too_large", "response larger than the limit of " .. max_body .. " bytes")
end

-- A chunked body (RFC 9112 7.1), trailers read and dropped.
function Reader:chunked(max_body)
  local parts, total = {}, 0
  while true do
    local line, err = self:line(MAX_CHUNK_LINE, "reading a chunk size")
    if not line then return nil, err end
    -- hex digits, then optional ;extensions; 13 digits already exceed any
    -- max_body a caller can sensibly give, and stay exact in a double
    local hex = line:match("^(%x+)[ \t]*;") or line:match("^(%x+)[ \t]*$")
    if not hex or #hex > 13 then return failure("transport", "malformed chunk size in the response") end
    local size = tonumber(hex, 16)
    if size == 0 then break end
    total = total + size
    if total > max_body then return body_too_large(max_body) end
    local data, derr = self:bytes(size, "reading the body")
    if not data then return nil, derr end
    parts[#parts + 1] = data
    local crlf, cerr = self:line(2, "reading the body")
    if crlf ~= "" and (crlf or cerr.code == "too_large") then
      return failure("transport", "chunk longer than its size in the response")
    end
    if not crlf then return nil, cerr end
  end
  local ok, err = self:fields({}, "reading the trailers")
  if not ok then return nil, err end
  return concat(parts)
end

-- Everything until the server closes (no length given).
function Reader:until_close(max_body)
  local parts, total = {}, 0
  while true do
    if not self:arm() then return failure("timeout", "reading the body: timed out") end
    local data, err, partial = self.sock:receive(READ_SIZE)
    data = data or partial
    if data and data ~= "" then
      total = total + #data
      if total > max_body then return body_too_large(max_body) end
      parts[#parts + 1] = data
    end
    if err == "closed" then break end
    if err then return io_error(err, "reading the body") end
  end
  return concat(parts)
end

-- A Content-Length value: digits, possibly repeated identically
-- ("12, 12" after joining); anything else is refused (RFC 9110 8.6).
local function content_length(value)
  local n
  for item in (value .. ","):gmatch("[ \t]*([^,]-)[ \t]*,") do
    if not item:match("^%d+$") or #item > 15 then return nil end
    local v = tonumber(item)
    if n and v ~= n then return nil end
    n = v
  end
  return n
end

-- The body per RFC 9112 6.3; returns body, reusable or nil, err.
local function read_body(r, method, status, headers, keepalive, max_body)
  if method == "HEAD" or status == 204 or status == 304 then return "", keepalive end
  local te = headers["transfer-encoding"]
  if te then
    if te:lower():match("chunked%s*$") then
      local body, err = r:chunked(max_body)
      if not body then return nil, err end
      return body, keepalive
    end
    local body, err = r:until_close(max_body)
    if not body then return nil, err end
    return body, false -- only the close delimits it
  end
  local cl = headers["content-length"]
  if cl then
    local n = content_length(cl)
    if not n then return failure("transport", "malformed Content-Length in the response") end
    if n > max_body then return body_too_large(max_body) end
    local body, err = r:bytes(n, "reading the body")
    if not body then return nil, err end
    return body, keepalive
  end
  local body, err = r:until_close(max_body)
  if not body then return nil, err end
  return body, false
end

---------------------------------------------------------------- one exchange

local warned_ca_file = false

-- One attempt over one connection. Returns res, or nil, err, retry where
-- retry says the failure was a pooled connection the server had already
-- closed (nothing came back), so the request can go again on a fresh one.
local function exchange(req, u, deadline)
  local sock = ngx.socket.tcp()
  local connect_by = now() + (req.connect_timeout or DEFAULT_CONNECT_TIMEOUT)
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
  if not body then sock:close() return nil, reusable end
  if reusable then
    sock:setkeepalive() -- lua_socket_keepalive_timeout / lua_socket_pool_size
  else
    sock:close()
  end
  return { status = status, headers = headers, body = body }
end

--- The transport function: request(req) -> res | nil, err.
function M.request(req)
  if type(req) ~= "table" then error("gpucloud.transport.ngx: request must be a table", 2) end
  local url = req.url
  if type(url) ~= "string" or url:find("[%s%c]") then error("gpucloud.transport.ngx: invalid url", 2) end
  local scheme, host, port, target = parse_url(url)
  if not scheme then return failure("transport", host) end
  for _, k in ipairs { "timeout", "connect_timeout" } do
    local v = req[k]
    if v ~= nil and (type(v) ~= "number" or v ~= v or v <= 0) then
      error("gpucloud.transport.ngx: '" .. k .. "' must be a positive number of seconds", 2)
    end
  end
  local max_body = req.max_body
  if max_body == nil then max_body = DEFAULT_MAX_BODY end
  if type(max_body) ~= "number" or max_body ~= max_body or max_body < 0 then
    error("gpucloud.transport.ngx: 'max_body' must be a byte count", 2)
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
  local deadline = now() + (req.timeout or DEFAULT_TIMEOUT)
  -- A pooled connection the server closed meanwhile fails before any
  -- answer; like libcurl, send once more on a fresh connection.
  for _ = 1, 2 do
    local res, err, retry = exchange(req, u, deadline)
    if not retry then return res, err end
  end
  return failure("transport", "connection closed by the server before an answer")
end

--- The pool name connections to `url` are kept under (for tests and for
-- tuning): "gpucloud:<scheme>://<host>:<port>".
function M.pool_name(url)
  local scheme, host, port = parse_url(url)
  if not scheme then return nil, host end
  return "gpucloud:" .. scheme .. "://" .. host .. ":" .. port
end

--- A transport function (for the `transport` option); opts are reserved.
function M.new()
  return M.request
end

---------------------------------------------------------------- concurrency

local function pack(ok, ...)
  return { ok = ok, n = select("#", ...), ... }
end

--- Run functions concurrently and wait for all of them: the seam bulk
-- operations use under nginx (light threads, each blocking only itself on
-- its cosockets). At most `concurrency` run at once (default: all).
-- results[i] = { ok = true, n = count, ...returns } or
--              { ok = false, n = 1, error_message } when fns[i] raised.
-- Outside a cosocket phase (or outside nginx) they run one after another,
-- with the same results.
function M.spawn_all(fns, concurrency)
  local n = #fns
  local results = {}
  local next_index = 0
  -- Each light thread takes the next function until none is left: a small
  -- pool rather than one thread per call, so `concurrency` holds.
  local function worker()
    while next_index < n do
      next_index = next_index + 1
      local i = next_index
      results[i] = pack(pcall(fns[i]))
    end
  end
  local ngx = rawget(_G, "ngx")
  local width = math.min(n, concurrency or n)
  if width <= 1 or not M.available() or not (ngx.thread and ngx.thread.spawn) then
    worker()
    return results
  end
  local threads = {}
  for t = 1, width do
    local th, err = ngx.thread.spawn(worker)
    if not th then error("gpucloud.transport.ngx: cannot spawn a light thread: " .. tostring(err), 2) end
    threads[t] = th
  end
  for t = 1, width do ngx.thread.wait(threads[t]) end
  return results
end

return M
