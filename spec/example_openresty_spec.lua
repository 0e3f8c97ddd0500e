-- examples/openresty as README says to run it: `make install` into a
-- prefix, then nginx on the example's own nginx.conf with vast_admin.lua
-- beside it. The spec changes only what it must own, each change checked
-- to happen once: the port (a free one, with reuseport so the kernel
-- spreads connections over the workers), /usr/local (the temp prefix),
-- `worker_processes 4`, and at the top of http an access log that names
-- each request's worker plus temp paths inside the prefix. The key and URL
-- come through nginx's environment (`env`), as the example documents. The
-- simulator runs in its own nginx (one worker); this one is the client side.

local core = require "gpucloud.core"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"
local sys = require "gpucloud.sim.sys"

local q = server.shell_quote
local ROOT = server.lua_dir():gsub("/lua$", "")
local WORKERS = 4

local function sh(cmd)
  local p = assert(io.popen("( " .. cmd .. " ) 2>&1; echo \"rc=$?\""))
  local out = p:read("*a")
  p:close()
  local body, rc = out:match("^(.-)rc=(%d+)%s*$")
  return body or out, rc == "0"
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- Replace `old` (plain text) once; the example must still hold it.
local function replace_once(text, old, new)
  local i, j = text:find(old, 1, true)
  assert(i, "examples/openresty/nginx.conf no longer has: " .. old)
  assert(not text:find(old, j + 1, true), "examples/openresty/nginx.conf has this more than once: " .. old)
  return text:sub(1, i - 1) .. new .. text:sub(j + 1)
end

local function config(dir, prefix, port)
  local conf = read(ROOT .. "/examples/openresty/nginx.conf")
  conf = replace_once(conf, "listen 127.0.0.1:8080;", "listen 127.0.0.1:" .. port .. " reuseport;")
  conf = replace_once(conf, "worker_processes auto;", "worker_processes " .. WORKERS .. ";")
  conf = conf:gsub("/usr/local/", (prefix:gsub("%%", "%%%%")) .. "/")
  local added = { "http {",
    "  log_format by_worker '$pid $status $request_method $request_uri';",
    "  access_log " .. dir .. "/logs/access.log by_worker;" }
  for _, t in ipairs { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" } do
    added[#added + 1] = "  " .. t .. "_temp_path " .. dir .. "/" .. t .. "_temp;"
  end
  return replace_once(conf, "\nhttp {", "\n" .. table.concat(added, "\n"))
end

describe("examples/openresty in nginx, on its own nginx.conf, with " .. WORKERS .. " workers #nginx", function()
  local sim, tmp, dir, url

  local function start_nginx(prefix)
    for _ = 1, 20 do
      local port = sys.random_port()
      if not sys.port_listening(port) then
        assert(sys.write_file(dir .. "/nginx.conf", config(dir, prefix, port)))
        local out, ok = sh("VAST_API_KEY=" .. q(sim.keys.vast) .. " VAST_URL=" .. q(sim.url) .. " nginx -p "
          .. q(dir .. "/") .. " -c " .. q(dir .. "/nginx.conf") .. " -e " .. q(dir .. "/logs/error.log"))
        if ok then return "http://127.0.0.1:" .. port end
        assert(out:find("Address already in use", 1, true), out)
      end
    end
    error("no free port for the example's nginx")
  end

  setup(function()
    sim = assert(server.start())
    tmp = assert(sh("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-openresty.XXXXXX\"")):gsub("%s+$", "")
    -- as root nginx runs its workers as nobody: they must read the files
    assert(sh("chmod 755 " .. q(tmp)))
    local prefix = tmp .. "/usr"
    local out, ok = sh("cd " .. q(ROOT) .. " && make -s install ABIS=5.1 PREFIX=" .. q(prefix))
    assert(ok, out)
    dir = tmp .. "/example"
    assert(sh("mkdir -p " .. q(dir .. "/logs") .. " && cp " .. q(ROOT .. "/examples/openresty/vast_admin.lua")
      .. " " .. q(dir .. "/")))
    url = start_nginx(prefix)
  end)

  teardown(function()
    local log = dir and (sys.read_file(dir .. "/logs/error.log") or "") or ""
    local pid = dir and tonumber((sys.read_file(dir .. "/logs/nginx.pid") or ""):match("%d+"))
    if pid then
      sh("kill -QUIT " .. pid)
      if not sys.wait_gone(pid, 100) then sh("kill -KILL " .. pid) end
    end
    if sim then sim:stop() end
    if tmp then sh("rm -rf -- " .. q(tmp)) end
    assert.not_match("runtime error", log)
    assert.not_match("%[error%]", log)
    assert.not_match("vast%-sim%-key", log)
  end)

  before_each(function()
    assert(sim:reset())
    assert(sim:config { rate_limits = false })
  end)

  -- status, content type, body text
  local function request(method, path, body)
    local out = assert(sh("curl -s --max-time 30 -X " .. method .. " -w '\\n%{http_code} %{content_type}' "
      .. (body and ("-H 'Content-Type: application/json' --data-binary " .. q(body) .. " ") or "")
      .. q(url .. path)))
    local text, status, ctype = out:match("^(.*)\n(%d+) (%S*)$")
    return tonumber(status), ctype, text
  end

  it("answers an endpoint's workers as JSON, and [] for an endpoint without any", function()
    local status, ctype, text = request("GET", "/vast/endpoints/101/workers")
    assert.equal(200, status)
    assert.equal("application/json", ctype)
    local out = assert(json.decode(text))
    assert.equal(101, out.endpoint)
    assert.is_true(out.count > 0)
    status, ctype, text = request("GET", "/vast/endpoints/104/workers")
    assert.equal(200, status)
    assert.equal("application/json", ctype)
    assert.match('"workers":%[%]', text)
    assert.match('"count":0', text)
  end)

  it("answers 400 with a JSON error for an id that is not one, and sends nothing", function()
    for _, id in ipairs { "1e20", "0", "-1", "1.5", "abc", "0x65", "9007199254740993", "100000000000000000000" } do
      for _, call in ipairs { { "GET", "/vast/endpoints/" .. id .. "/workers" }, { "DELETE", "/vast/endpoints/" .. id } } do
        local status, ctype, text = request(call[1], call[2])
        assert.equal(400, status, call[1] .. " " .. call[2] .. ": " .. text)
        assert.equal("application/json", ctype)
        local out = assert(json.decode(text))
        assert.equal("invalid", out.code)
        assert.match(id, out.error, 1, true)
      end
    end
    assert.equal(0, #assert(sim:log()))
  end)

  it("deletes an endpoint, and passes the second delete's not_found on as a 404", function()
    local status, _, text = request("DELETE", "/vast/endpoints/102")
    assert.equal(200, status)
    assert.is_true(json.decode(text).success)
    status, _, text = request("DELETE", "/vast/endpoints/102")
    assert.equal(404, status)
    assert.equal("not_found", json.decode(text).code)
  end)

  it("runs a clean-up in a timer and reports it, [] for no failures; refuses ids that are not ids", function()
    local status, _, text = request("POST", "/vast/cleanup", '{"workergroups":[201,1e20]}')
    assert.equal(400, status, text)
    status = request("POST", "/vast/cleanup", '{"workergroups":{}}')
    assert.equal(400, status)
    status, _, text = request("POST", "/vast/cleanup", '{"workergroups":[201,202]}')
    assert.equal(202, status, text)
    for _ = 1, 100 do
      status, _, text = request("GET", "/vast/cleanup")
      if status == 200 then break end
      core.sleep(0.05)
    end
    assert.equal(200, status)
    assert.match('"failed":%[%]', text)
    local report = assert(json.decode(text))
    table.sort(report.deleted)
    assert.same({ 201, 202 }, report.deleted)
  end)

  -- N deletes at once through the example, over the workers: what came back,
  -- the simulator's stats, which worker served each, and the wall time.
  local RATE = 3.0 -- Vast.ai's documented delete rate, the simulator's limit
  local function deletes_at_once(N)
    local endpoints = {}
    for i = 1, N do endpoints[i] = { id = i, endpoint_name = "fleet-" .. i } end
    assert(sim:reset { vast = { api_keys = { sim.keys.vast }, endpoints = endpoints, workergroups = {}, workers = {} } })
    assert(sim:config { rate_limits = true })
    local lines = { "silent", "max-time = 60", 'request = "DELETE"', 'write-out = "%{http_code}\\n"' }
    for i = 1, N do
      lines[#lines + 1] = string.format('url = "%s/vast/endpoints/%d"', url, i)
      lines[#lines + 1] = 'output = "/dev/null"'
    end
    assert(sys.write_file(tmp .. "/deletes.curl", table.concat(lines, "\n") .. "\n"))
    local before = #(sys.read_file(dir .. "/logs/access.log") or "")
    local t0 = core.now()
    local out = assert(sh("curl -s --parallel --parallel-max " .. N .. " -K " .. q(tmp .. "/deletes.curl")))
    local elapsed = core.now() - t0
    local codes = {}
    for code in out:gmatch("%d+") do codes[code] = (codes[code] or 0) + 1 end
    local stats = assert(sim:stats())
    -- which worker served each delete
    local by_worker, workers = {}, 0
    local log = (sys.read_file(dir .. "/logs/access.log") or ""):sub(before + 1)
    for pid in log:gmatch("(%d+) %d+ DELETE /vast/endpoints/%d+\n") do
      if not by_worker[pid] then workers = workers + 1 end
      by_worker[pid] = (by_worker[pid] or 0) + 1
    end
    local counts = {}
    for _, n in pairs(by_worker) do counts[#counts + 1] = n end
    table.sort(counts)
    assert.equal(N, codes["200"], out)
    assert.is_nil(stats.by_status["429"])
    assert.equal(N, stats.by_route["DELETE /api/v0/endptjobs/{id}/"])
    assert.same({}, assert(sim:state()).vast.endpoints)
    return elapsed, workers, counts, codes, stats
  end

  it("paces deletes over the workers through the shared dict: no 429, never faster than the rate", function()
    local N = 7
    local elapsed = deletes_at_once(N)
    local floor = (N - 1) / RATE
    assert.is_true(elapsed >= floor - 0.2, "faster than the pacing allows: " .. elapsed)
  end)

  -- 20 s of real pacing at Vast.ai's 3/s, with an upper bound: make test-slow
  it("paces 60 deletes over " .. WORKERS .. " workers through the shared dict: no 429, <= 1.15x the floor #slow",
    function()
      local N = 60
      local elapsed, workers, counts, codes, stats = deletes_at_once(N)
      local floor = (N - 1) / RATE
      print(string.format("\n%d deletes over %d workers (%s each), shared dict, simulator limit %.1f/s: "
        .. "%d x 200, %d x 429, %.2f s against a floor of %.2f s (%.3fx)", N, workers, table.concat(counts, "/"),
        RATE, codes["200"] or 0, stats.by_status["429"] or 0, elapsed, floor, elapsed / floor))
      assert.equal(WORKERS, workers)
      assert.is_true(elapsed >= floor - 0.2, "faster than the pacing allows: " .. elapsed)
      assert.is_true(elapsed <= 1.15 * floor, string.format("%.2f s > 1.15 x %.2f s", elapsed, floor))
    end)
end)
