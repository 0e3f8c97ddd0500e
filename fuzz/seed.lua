-- Writes the fuzz seeds (`make fuzz-seed`), so that fuzzing starts from what
-- really crosses the wire rather than from nothing:
--   <dir>/headers/*  response header blocks as the simulator sends them,
--                    captured byte for byte by the curl command line
--   <dir>/request/*  the request tables the library hands to the C core for
--                    every operation, in fuzz/request.c's record format
--   <dir>/json/*     the bodies of the same answers, for the JSON decoder
-- Usage: lua5.4 fuzz/seed.lua fuzz/corpus   (LUA_PATH/LUA_CPATH as for specs)

local server = require "gpucloud.sim.server"
local gpucloud = require "gpucloud"

local dir = assert(arg[1], "usage: seed.lua DIR")
local q = server.shell_quote

local function write(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

local function sh(cmd)
  local ok = os.execute(cmd)
  assert(ok, cmd)
end

sh("mkdir -p " .. q(dir .. "/headers") .. " " .. q(dir .. "/request") .. " " .. q(dir .. "/json"))

local sim = assert(server.start {})
local V, T = "Bearer " .. sim.keys.vast, "Bearer " .. sim.keys.tensorpool

-- name, method, path, authorization, body, injection rule
local answers = {
  { "vast_list", "GET", "/api/v0/endptjobs/", V },
  { "vast_401", "GET", "/api/v0/workergroups/", "Bearer wrong" },
  { "vast_400", "DELETE", "/api/v0/endptjobs/4242/", V },
  { "vast_404", "DELETE", "/api/v0/workergroups/4242/", V },
  { "vast_405", "PUT", "/api/v0/endptjobs/", V },
  { "vast_run", "POST", "/get_endpoint_workers/", V, '{"id":101}' },
  { "tp_list", "GET", "/cluster/list", T },
  { "tp_202", "DELETE", "/cluster/c-dev-h100", T },
  { "tp_409", "DELETE", "/cluster/c-prod-serving", T },
  { "tp_429", "GET", "/cluster/list", T, nil,
    { path = "/cluster/list", status = 429, headers = { ["Retry-After"] = "3" },
      json = { detail = "API requests too frequent" } } },
}

for _, a in ipairs(answers) do
  local name, method, path, auth, body, rule = a[1], a[2], a[3], a[4], a[5], a[6]
  if rule then assert(sim:inject(rule)) end
  local out = dir .. "/headers/" .. name
  sh(table.concat({
    "curl -sS -g --noproxy '*' -o", q(dir .. "/json/" .. name), "-D", q(out), "-X", q(method),
    "-H", q("Authorization: " .. auth),
    body and ("-H 'Content-Type: application/json' --data-binary " .. q(body)) or "",
    q(sim.url .. path),
  }, " "))
end

-- A pending destroy request answers with Retry-After: poll one.
local tp = gpucloud.tensorpool { url = sim.url, api_key = sim.keys.tensorpool, getenv = function() end }
local destroyed = assert(tp:destroy_cluster("c-train-a100x8"))
sh("curl -sS -g --noproxy '*' -o /dev/null -D " .. q(dir .. "/headers/tp_pending") ..
  " -H " .. q("Authorization: " .. T) .. " " .. q(sim.url .. "/request/info/" .. destroyed.request_id))
tp:close()
sim:stop()

-- Two shapes nginx never sends but servers and proxies do: a 100 Continue
-- before the answer, and an obsolete folded header.
write(dir .. "/headers/continue", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
write(dir .. "/headers/folded", "HTTP/1.1 200 OK\r\nX-Note: a\r\n Retry-After: 0\r\n\tb\r\nContent-Length: 2\r\n\r\n")
-- A listing that names ids twice, alike and not (1 and 1.0; 1 and "1"), for
-- core.json_records.
write(dir .. "/json/ids_repeated", '[{"id":1},{"id":"1"},{"id":2},{"id":1.0},{},{"id":null},{"id":2},[]]')

-- Requests: every operation of both providers through a recording transport.
local RS = "\30"
local function encode(req)
  local recs = {}
  local function add(k, v) recs[#recs + 1] = k .. "=" .. v end
  for _, k in ipairs { "method", "url", "body", "ca_file" } do
    if req[k] ~= nil then add(k, "s" .. req[k]) end
  end
  for _, k in ipairs { "timeout", "connect_timeout", "max_body" } do
    if req[k] ~= nil then add(k, "n" .. string.format("%.17g", req[k])) end
  end
  if req.insecure ~= nil then add("insecure", "b" .. (req.insecure and "1" or "0")) end
  local names = {}
  for k in pairs(req.headers or {}) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do add("h:" .. k, "s" .. req.headers[k]) end
  for _, k in ipairs(req.response_headers or {}) do add("w:", "s" .. k) end
  return table.concat(recs, RS)
end

local samples = { positive_int = 102, path_segment = "c-dev-h100" }
local seen
local function recorder(req)
  seen = req
  return { status = 200, headers = {}, body = "{}" }
end

local n = 0
for _, provider in ipairs { "vast", "tensorpool" } do
  local mod = require("gpucloud.providers").get(provider)
  local names = {}
  for name in pairs(mod.spec.ops) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local row = mod.spec.ops[name]
    local argv = {}
    for i, a in ipairs(row.args or {}) do argv[i] = samples[a[2]] end
    for variant, copts in ipairs {
      {},
      { ca_file = "/etc/ssl/certs/ca-certificates.crt", timeout = 2.5, max_body = 4096 },
      { insecure = true, connect_timeout = 0.25 },
    } do
      local opts = { api_key = "seed-key-0123456789", transport = recorder, getenv = function() end }
      for k, v in pairs(copts) do opts[k] = v end
      local c = mod.new(opts)
      seen = nil
      c[name](c, table.unpack(argv))
      n = n + 1
      write(string.format("%s/request/%s_%s_%d", dir, provider, name, variant), encode(assert(seen)))
    end
  end
end
print(string.format("seed: %d header blocks, %d requests in %s", #answers + 3, n, dir))
