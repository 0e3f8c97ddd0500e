-- gpucloud inside Debian's nginx + lua module (LuaJIT), for real: two
-- nginx processes on 127.0.0.1, the simulator and an "app" nginx with one
-- worker that serves examples/openresty (its locations and init line are
-- taken from examples/openresty/nginx.conf) plus probes from
-- spec/support/openresty_app.lua. Tagged #nginx: `busted --exclude-tags=nginx`
-- skips it.

local server = require "gpucloud.sim.server"
local core = require "gpucloud.core"
local cjson = require "cjson"

local ROOT = server.lua_dir():gsub("/lua$", "")

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- The example's own configuration, minus what the launcher owns (ports,
-- paths): env lines get the simulator's values, the http-level gpucloud
-- lines and the server's locations are kept as written. init_by_lua also
-- runs the probes' init.
local function example_extra(env, ca_file)
  local main, http, srv = {}, {}, {}
  local depth, in_server = 0, false
  for line in read(ROOT .. "/examples/openresty/nginx.conf"):gmatch("[^\n]*") do
    local code = line:gsub("#.*$", "")
    local trimmed = code:match("^%s*(.-)%s*$")
    local name = trimmed:match("^env%s+([%w_]+);$")
    if depth == 0 and name and env[name] then
      main[#main + 1] = "env " .. name .. "=" .. env[name] .. ";"
    elseif depth == 1 and trimmed == "server {" then
      in_server = true
    elseif in_server and depth >= 2 and not (depth == 2 and trimmed == "}") then
      if not trimmed:match("^listen ") then srv[#srv + 1] = code end
    elseif depth == 1 then
      if trimmed:match("^init_by_lua_block") then
        local body = trimmed:match("^init_by_lua_block {(.*)}$")
        http[#http + 1] = "init_by_lua_block {" .. body .. " require('support.openresty_app').init() }"
      elseif trimmed:match("^lua_ssl_trusted_certificate ") then
        http[#http + 1] = "lua_ssl_trusted_certificate " .. ca_file .. ";"
      elseif trimmed:match("^resolver ") or trimmed:match("^lua_ssl_") or trimmed:match("^lua_shared_dict ") then
        http[#http + 1] = trimmed
      end
    end
    for _ in code:gmatch("{") do depth = depth + 1 end
    for _ in code:gmatch("}") do depth = depth - 1 end
    if in_server and depth == 1 then in_server = false end
  end
  return { main = main, http = http, server = srv }
end

local PROBES = {
  "location = /t/init { content_by_lua_block { require('support.openresty_app').init_probe() } }",
  "location ~ ^/t/curl/endpoints/(?<endpoint_id>\\d+)/workers$ {",
  "  content_by_lua_block { require('support.openresty_app').curl_workers() }",
  "}",
  "location = /t/transport { content_by_lua_block { require('support.openresty_app').transport() } }",
  "location = /t/pool { content_by_lua_block { require('support.openresty_app').pool() } }",
  "location ~ ^/t/raw/(?<raw_name>\\w+)$ { content_by_lua_block { require('support.openresty_app').raw_answer() } }",
}

local function sh(cmd)
  local p = assert(io.popen("( " .. cmd .. " ) 2>&1; echo \"rc=$?\""))
  local out = p:read("*a")
  p:close()
  assert(out:match("rc=0%s*$"), cmd .. ": " .. out)
  return (out:gsub("rc=0%s*$", ""))
end

-- A throw-away CA, a server certificate it signed for 127.0.0.1, and a
-- self-signed one for the same name that no one trusts.
local function make_certs()
  local dir = sh("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-tls.XXXXXX\""):gsub("%s+$", "")
  local ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
  local san = "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1"
  sh("cd " .. dir .. " && printf '%s\\n' '" .. san .. "' > san.ext"
    .. " && openssl req -x509 " .. ec .. " -keyout ca.key -out ca.crt -subj /CN=gpucloud-test-ca"
    .. " && openssl req " .. ec .. " -keyout good.key -out good.csr -subj /CN=127.0.0.1"
    .. " && openssl x509 -req -in good.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
    .. " -extfile san.ext -out good.crt"
    .. " && openssl req -x509 " .. ec .. " -keyout rogue.key -out rogue.crt -subj /CN=127.0.0.1 -addext " .. san)
  return dir
end

local function free_port()
  local port
  repeat port = require("gpucloud.sim.sys").random_port() until not server.port_listening(port)
  return port
end

-- An HTTPS server block answering {"tls":"<name>"} with certificate `name`.
local function tls_server(dir, name, port)
  return {
    "server {",
    string.format("  listen 127.0.0.1:%d ssl;", port),
    "  ssl_certificate " .. dir .. "/" .. name .. ".crt;",
    "  ssl_certificate_key " .. dir .. "/" .. name .. ".key;",
    "  location / { return 200 '{\"tls\":\"" .. name .. "\"}'; }",
    "}",
  }
end

describe("inside nginx #nginx", function()
  local sim, app, certs, tls_ports

  setup(function()
    sim = assert(server.start())
    certs = make_certs()
    -- the TLS servers' ports are chosen here, so a port taken between the
    -- choice and nginx's bind (another suite runs beside this one) is
    -- chosen again, as server.start does for its own
    local err
    for _ = 1, 10 do
      local extra = example_extra({ VAST_URL = sim.url, VAST_API_KEY = sim.keys.vast }, certs .. "/ca.crt")
      assert.is_true(#extra.server > 5, "locations not found in examples/openresty/nginx.conf")
      for _, l in ipairs(PROBES) do extra.server[#extra.server + 1] = l end
      tls_ports = { good = free_port(), rogue = free_port() }
      for name, port in pairs(tls_ports) do
        for _, l in ipairs(tls_server(certs, name, port)) do extra.http[#extra.http + 1] = l end
      end
      app, err = server.start {
        lua_path = ROOT .. "/examples/openresty/?.lua;" .. ROOT .. "/spec/?.lua",
        lua_cpath = ROOT .. "/build/5.1/?.so",
        extra = extra,
      }
      if app or not tostring(err):find("Address already in use", 1, true) then break end
    end
    assert(app, err)
  end)

  teardown(function()
    local log = app and app:error_log() or ""
    if app then app:stop() end
    if sim then sim:stop() end
    if certs then sh("rm -rf -- " .. server.shell_quote(certs)) end
    -- nginx logs the socket errors the transport specs provoke (timeouts,
    -- refused connects: lua_socket_log_errors); nothing may have raised,
    -- and the key must appear nowhere.
    assert.not_match("runtime error", log)
    assert.not_match("thread aborted", log)
    assert.not_match("vast%-sim%-key", log)
  end)

  before_each(function()
    assert(sim:reset())
  end)

  local function get(path, method, body)
    local res = assert(app:request { method = method or "GET", path = path, body = body, timeout = 20 })
    return res.status, cjson.decode(res.body ~= "" and res.body or "null"), res
  end

  describe("the example's locations", function()
    it("GET /vast/endpoints/{id}/workers answers the simulator's workers as JSON", function()
      local status, out = get("/vast/endpoints/101/workers")
      assert.equal(200, status)
      assert.equal(101, out.endpoint)
      assert.is_true(out.count > 0)
      assert.equal(out.count, #out.workers)
      assert.is_number(out.workers[1].id)
    end)

    it("DELETE /vast/endpoints/{id} deletes through the simulator", function()
      local status, out = get("/vast/endpoints/102", "DELETE")
      assert.equal(200, status)
      assert.is_true(out.success)
      local entry = assert(sim:log())[1]
      assert.equal("DELETE", entry.method)
      assert.equal("/api/v0/endptjobs/102/", entry.path)
      -- Vast.ai answers 400 "Routegroup not found" for an endpoint that is
      -- gone: not_found, which the example passes on as a 404
      local again
      status, again = get("/vast/endpoints/102", "DELETE")
      assert.equal(404, status)
      assert.equal("not_found", again.code)
    end)

    it("passes a failure on as JSON with the error's one line", function()
      local status, out = get("/vast/endpoints/9999/workers")
      assert.equal(404, status)
      assert.equal("not_found", out.code)
      assert.match("vast.get_endpoint_workers", out.error, 1, true)
    end)
  end)

  -- (real time only: make test-slow)
  describe("does not block the worker #slow", function()
    -- Two client requests at once to the one worker; the simulator answers
    -- each of its calls after 2 s. Both finish in about 2 s, not 4.
    local function two_requests(path)
      assert(sim:inject { method = "POST", path = "/get_endpoint_workers/", delay = 2, times = 2 })
      local url = app.url .. path
      local cmd = "curl -s -o /dev/null -w '%{http_code} %{time_total}\\n' " .. url .. " & "
        .. "curl -s -o /dev/null -w '%{http_code} %{time_total}\\n' " .. url .. " & wait"
      local t0 = core.now()
      local p = assert(io.popen(cmd))
      local out = p:read("*a")
      p:close()
      local wall = core.now() - t0
      local each = {}
      for code, secs in out:gmatch("(%d+) ([%d.]+)") do
        assert.equal("200", code)
        each[#each + 1] = tonumber(secs)
      end
      assert.equal(2, #each, out)
      if os.getenv("GPUCLOUD_SPEC_VERBOSE") then
        io.stderr:write(string.format("\n%s: wall %.3f s, requests %.3f s and %.3f s\n", path, wall, each[1], each[2]))
      end
      return wall, each
    end

    it("two concurrent 2 s calls through cosockets take about 2 s", function()
      local wall, each = two_requests("/vast/endpoints/101/workers")
      assert.is_true(wall >= 1.95 and wall < 3.0, "wall " .. wall)
      for _, s in ipairs(each) do assert.is_true(s >= 1.95 and s < 3.0, "request " .. s) end
    end)

    it("the same through libcurl takes 4 s (what the spec above guards against)", function()
      local wall, each = two_requests("/t/curl/endpoints/101/workers")
      assert.is_true(wall >= 3.9, "wall " .. wall)
      table.sort(each)
      assert.is_true(each[2] >= 3.9, "second request " .. each[2])
    end)
  end)

  describe("the transport choice", function()
    it("is made per call: libcurl in init_by_lua, cosockets in a handler, for one client", function()
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", delay = 0.3, times = 2 })
      local status, out = get("/t/init")
      assert.equal(200, status)
      assert.same("init", out.init.phase)
      assert.same("curl", out.init.transport)
      assert.is_nil(out.init.err)
      assert.is_true(out.init.count > 0)
      assert.same("content", out.content.phase)
      assert.same("ngx", out.content.transport)
      assert.same({ true, true }, out.content.calls.ok)
      -- at once: the simulator held both delayed answers together
      assert.equal(2, assert(sim:stats()).max_held)
    end)
  end)

  describe("a timer job", function()
    it("deletes workergroups concurrently with ngx.thread and reports", function()
      assert(sim:inject { method = "DELETE", path = "/api/v0/workergroups/{id}/", delay = 0.5, times = 4 })
      local status, out = get("/vast/cleanup", "POST", '{"workergroups":[201,202,203,9999]}')
      assert.equal(202, status)
      assert.equal(4, out.scheduled)
      local report
      for _ = 1, 100 do
        status, report = get("/vast/cleanup")
        if status == 200 then break end
        core.sleep(0.05)
      end
      assert.equal(200, status)
      table.sort(report.deleted)
      assert.same({ 201, 202, 203 }, report.deleted)
      assert.equal(1, #report.failed)
      assert.equal(9999, report.failed[1].id)
      assert.equal("not_found", report.failed[1].code)
      -- four 0.5 s deletions, four light threads, paced at the documented
      -- 3/s (one every 0.33 s): more than one answer held at once
      assert.is_true(assert(sim:stats()).max_held > 1)
      local deletes = 0
      for _, e in ipairs(assert(sim:log())) do
        if e.method == "DELETE" and e.status == 200 then deletes = deletes + 1 end
      end
      assert.equal(3, deletes)
    end)
  end)

  describe("the cosocket transport", function()
    local function call(req)
      local _, out = get("/t/transport", "POST", cjson.encode(req))
      return out
    end
    local function raw(name, extra)
      local req = { url = app.url .. "/t/raw/" .. name, timeout = 5 }
      for k, v in pairs(extra or {}) do req[k] = v end
      return call(req)
    end

    it("sends the request as libcurl would and reads the answer", function()
      local body = '{"id":101}'
      local out = call {
        method = "POST", url = sim.url .. "/get_endpoint_workers/", body = body,
        headers = { Authorization = "Bearer " .. sim.keys.vast, ["Content-Type"] = "application/json" },
      }
      assert.is_nil(out.err)
      assert.equal(200, out.res.status)
      assert.equal("application/json", out.res.headers["content-type"])
      assert.is_table(cjson.decode(out.res.body).workers)
      local entry = assert(sim:log())[1]
      assert.equal(body, entry.body)
      assert.equal(tostring(#body), entry.headers["content-length"])
      assert.equal(sim.url:match("//(.*)$"), entry.headers.host)
    end)

    it("keeps the connection in nginx's pool for the next call", function()
      local out = call { url = sim.url .. "/_sim/health" }
      assert.equal(200, out.res.status)
      local _, pool = get("/t/pool?url=" .. sim.url .. "/_sim/health")
      assert.is_true(pool.reused >= 1)
    end)

    local reads = {
      { "ok_length", 200, '{"ok":true}', { ["x-dup"] = "1, 2", ["content-type"] = "application/json" } },
      { "chunked", 200, "hello world" },
      { "until_close", 200, "no length, read to the end" },
      { "interim", 201, "{}", nil, { "link" } },
      { "redirect", 302, "", { location = "http://127.0.0.1:1/elsewhere" } },
      { "no_content", 204, "" },
      { "bare_lf", 200, "{}" },
      { "same_length_twice", 200, "{}" },
    }
    for _, c in ipairs(reads) do
      it("reads " .. c[1], function()
        local out = raw(c[1])
        assert.is_nil(out.err)
        assert.equal(c[2], out.res.status)
        assert.equal(c[3], out.res.body)
        for k, v in pairs(c[4] or {}) do assert.equal(v, out.res.headers[k]) end
        for _, k in ipairs(c[5] or {}) do assert.is_nil(out.res.headers[k]) end
      end)
    end

    local refusals = {
      { "status_four_digits", "transport" }, { "not_http", "transport" }, { "http2", "transport" },
      { "header_no_colon", "transport" }, { "header_folded", "transport" },
      { "header_space_before_colon", "transport" }, { "header_huge", "too_large" },
      { "header_many", "too_large" }, { "chunk_not_hex", "transport" }, { "chunk_size_huge", "transport" },
      { "chunk_negative", "transport" }, { "chunk_overrun", "transport" },
      { "chunk_line_endless", "too_large" },
      { "chunk_big", "too_large", { max_body = 1000 } }, { "length_negative", "transport" },
      { "length_conflict", "transport" }, { "length_huge", "transport" }, { "truncated", "transport" },
      { "big", "too_large", { max_body = 999 } }, { "big_until_close", "too_large", { max_body = 999 } },
      { "close_at_once", "transport" }, { "slow", "timeout", { timeout = 0.3 } },
    }
    for _, c in ipairs(refusals) do
      it("refuses " .. c[1] .. " with code " .. c[2], function()
        local out = raw(c[1], c[3])
        assert.is_nil(out.res)
        assert.equal(c[2], out.err.code)
        assert.is_string(out.err.message)
      end)
    end

    it("accepts a body of exactly max_body", function()
      local out = raw("big", { max_body = 1000 })
      assert.equal(1000, #out.res.body)
    end)

    it("verifies TLS peers against lua_ssl_trusted_certificate, and reuses the connection", function()
      local url = "https://127.0.0.1:" .. tls_ports.good .. "/"
      for _ = 1, 2 do
        local out = call { url = url }
        assert.is_nil(out.err)
        assert.equal('{"tls":"good"}', out.res.body)
      end
      local _, pool = get("/t/pool?url=http://127.0.0.1:" .. tls_ports.good .. "/&scheme=https")
      assert.is_true(pool.reused >= 1)
    end)

    it("refuses a certificate no trusted CA signed, with code tls", function()
      local out = call { url = "https://127.0.0.1:" .. tls_ports.rogue .. "/" }
      assert.is_nil(out.res)
      assert.equal("tls", out.err.code)
      assert.match("self-signed certificate", out.err.message, 1, true) -- X509_V_ERR 18
      assert.match("lua_ssl_trusted_certificate", out.err.message, 1, true)
    end)

    it("reports connection failures without echoing credentials", function()
      assert.equal("connect", call({ url = "http://127.0.0.1:1/" }).err.code)
      local out = call { url = "http://user:s3cret@127.0.0.1:1/" }
      assert.equal("transport", out.err.code)
      assert.not_match("s3cret", out.err.message)
      assert.equal("transport", call({ url = "ftp://127.0.0.1/" }).err.code)
    end)

    it("raises for headers that would corrupt the request", function()
      assert.match("invalid header", call({ url = sim.url .. "/", headers = { ["X-A"] = "1\r\nX-B: 2" } }).raised)
      assert.match("invalid header", call({ url = sim.url .. "/", headers = { ["Content-Length"] = "5" } }).raised)
    end)
  end)
end)
