-- Runs inside the nginx that spec/openresty_spec.lua starts (LuaJIT, one
-- worker): probes of the transport choice, a raw HTTP server for malformed
-- answers, and a client forced onto libcurl to show what blocking costs.

-- luacheck: globals ngx
local gpucloud = require "gpucloud"
local cjson = require "cjson.safe"
local runtime = require "gpucloud.runtime"
local ngx_rt = require "gpucloud.runtime.ngx"
local http = require "gpucloud.runtime.ngx_http"

local M = {}

local function reply(value)
  ngx.header["Content-Type"] = "application/json"
  ngx.say(assert(cjson.encode(value)))
end

local function elapsed_since(t0)
  ngx.update_time()
  return ngx.now() - t0
end

local init_report, init_client, curl_client

--- init_by_lua: one call through the client made here (libcurl: the phase
-- forbids cosockets); the same client is used again from handlers.
function M.init()
  init_client = gpucloud.vast()
  local eps, err = init_client:show_endpoints()
  init_report = {
    phase = ngx.get_phase(), transport = runtime.current(),
    count = eps and #eps, err = not eps and tostring(err) or nil, -- (a list's 2nd value is the answer)
  }
  curl_client = gpucloud.vast { runtime = "curl" }
end

-- Two calls at once from this request's light threads; returns seconds.
local function two_at_once(fn)
  ngx.update_time()
  local t0 = ngx.now()
  local results = ngx_rt.new().run_all({ fn, fn }, 2)
  local out = { seconds = elapsed_since(t0), ok = {} }
  for i, r in ipairs(results) do out.ok[i] = r[1] ~= nil or tostring(r[2]) end
  return out
end

--- GET /t/init: what happened in init_by_lua, and the same client now.
function M.init_probe()
  reply {
    init = init_report,
    content = {
      phase = ngx.get_phase(), transport = runtime.current(),
      calls = two_at_once(function() return init_client:show_endpoints() end),
    },
  }
end

--- GET /t/curl/endpoints/{id}/workers: as the example's handler, through a
-- client whose transport is libcurl, which blocks the worker.
function M.curl_workers()
  local workers, err = curl_client:get_endpoint_workers(tonumber(ngx.var.endpoint_id))
  reply { count = workers and #workers, err = err and tostring(err) }
end

--- POST /t/transport {url, method, headers, body, timeout, max_body, ...}:
-- one call of the cosocket transport, answered as {res = ...} or {err = ...}.
function M.transport()
  ngx.req.read_body()
  local req = assert(cjson.decode(ngx.req.get_body_data()))
  local ok, res, err = pcall(http.request, req)
  if not ok then return reply { raised = tostring(res) } end
  reply { res = res, err = err }
end

--- GET /t/pool?url=http://host:port/[&scheme=https]: is a connection to
-- that host idle in the pool the transport uses for the scheme? (A connect
-- through that pool name reuses it.)
function M.pool()
  local sock = ngx.socket.tcp()
  local url = ngx.var.arg_url
  local host, port = url:match("^http://([^:/]+):(%d+)")
  local pool_url = (ngx.var.arg_scheme or "http") .. "://" .. host .. ":" .. port .. "/"
  assert(sock:connect(host, tonumber(port), { pool = http.pool_name(pool_url) }))
  local reused = sock:getreusedtimes()
  sock:close()
  reply { reused = reused }
end

---------------------------------------------------------------- raw answers

local function rep(s, n) return s:rep(n) end

-- Byte-exact answers the cosocket transport must read, or refuse.
M.raw = {
  ok_length = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
    .. "X-Dup: 1\r\nx-dup:  2 \r\n\r\n{\"ok\":true}",
  chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    .. "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
  until_close = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nno length, read to the end",
  interim = "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
  redirect = "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n",
  no_content = "HTTP/1.1 204 No Content\r\n\r\n",
  bare_lf = "HTTP/1.1 200 OK\nContent-Length: 2\n\n{}",
  same_length_twice = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
  -- refused
  status_four_digits = "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
  not_http = "hello there\r\n\r\n",
  http2 = "HTTP/2 200\r\n\r\n",
  header_no_colon = "HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 0\r\n\r\n",
  header_folded = "HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\nContent-Length: 0\r\n\r\n",
  header_space_before_colon = "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
  header_huge = "HTTP/1.1 200 OK\r\nX-Big: " .. rep("a", 300 * 1024) .. "\r\n\r\n",
  header_many = "HTTP/1.1 200 OK\r\n" .. rep("X-A: 1\r\n", 600) .. "\r\n",
  chunk_not_hex = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
  chunk_size_huge = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nx\r\n0\r\n\r\n",
  chunk_negative = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
  chunk_overrun = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n",
  chunk_big = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" .. rep("b", 1024) .. "\r\n0\r\n\r\n",
  chunk_line_endless = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1" .. rep("0", 8000),
  length_negative = "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
  length_conflict = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
  length_huge = "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
  truncated = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this",
  big = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" .. rep("x", 1000),
  big_until_close = "HTTP/1.1 200 OK\r\n\r\n" .. rep("x", 1000),
  close_at_once = "",
  slow = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", -- after a pause
}

--- GET /t/raw/{name}: write M.raw[name] on the socket, then close.
function M.raw_answer()
  local name = ngx.var.raw_name
  local bytes = M.raw[name]
  if not bytes then return ngx.exit(404) end
  if name == "slow" then ngx.sleep(2) end
  ngx.req.read_body()
  local sock = assert(ngx.req.socket(true))
  if bytes ~= "" then sock:send(bytes) end
  return ngx.exit(444)
end

return M
