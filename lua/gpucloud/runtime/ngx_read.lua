-- Reading one HTTP/1.1 response from a cosocket (runtime/ngx_http.lua
-- sends the request): status line, headers, 1xx answers, and the body by
-- Content-Length, chunked coding or close, with the same head limits as
-- the C core (gpucloud.limits), so a hostile server cannot make us buffer
-- without bound. Failures are {code, message} tables, as the C core's.

-- luacheck: globals ngx
local limits = require "gpucloud.limits"

local M = {}

local concat, tonumber, tostring = table.concat, tonumber, tostring
local ceil = math.ceil

local MAX_HEADER_BYTES = limits.header_bytes
local MAX_HEADER_LINES = limits.header_lines
local MAX_CHUNK_LINE = 4096   -- a chunk-size line with its extensions
local MAX_INTERIM = 16        -- 1xx answers before the real one
local READ_SIZE = 65536

local function failure(code, message)
  return nil, { code = code, message = message }
end
M.failure = failure

local function now()
  ngx.update_time()
  return ngx.now()
end
M.now = now

local function is_token(s)
  return type(s) == "string" and s ~= "" and not s:find("[^%w!#$%%&'*+%-.^_`|~]")
end
M.is_token = is_token


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

M.new = new_reader
M.read_body = read_body
M.io_error = io_error

return M
