-- Secrets: the caller's API key must never show up in anything the library
-- or its tools produce, and the per-endpoint keys of listings must not show
-- up in anything printed. Each "producer" below runs one part of the
-- library against the simulator (whose fixture accepts the fake key) and
-- returns all the text that part produced; every producer's text is then
-- searched for the two markers.
--
-- To cover something new, add one row to `producers`.

local describe_mod = require "gpucloud.describe"
local gpucloud = require "gpucloud"
local server = require "gpucloud.sim.server"
local gjson = require "gpucloud.json"
local fixture = require "gpucloud.sim.fixture"
local providers = require "gpucloud.providers"
local support_sim = require "support.sim"
local sub = require "support.subprocess"

local unpack = table.unpack or unpack -- luacheck: ignore

-- The caller's key (both providers), and the marker inside the
-- per-endpoint keys of the fixture's listings.
local KEY = "sk-FAKEKEY-7d1e3c9a5b-never-print"
local KEY_MARK = "FAKEKEY"
local EP_MARK = "EPSECRET"

local q = sub.quote

-- Everything reachable from v, as text: fields, nested tables, metatables'
-- __tostring results. What a debug dump (inspect, serpent) would show.
local function dump(v, out, seen)
  out, seen = out or {}, seen or {}
  local t = type(v)
  if t == "table" then
    if seen[v] then return out end
    seen[v] = true
    local mt = getmetatable(v)
    if mt and mt.__tostring then out[#out + 1] = tostring(v) end
    for k, x in pairs(v) do
      dump(k, out, seen)
      dump(x, out, seen)
    end
  elseif t == "string" or t == "number" or t == "boolean" then
    out[#out + 1] = tostring(v)
  end
  return out
end

local function text_of(v) return table.concat(dump(v), "\n") end

-- The fixture: the default seed with the fake key accepted by every
-- provider, and every per-endpoint key carrying the marker.
local function fake_fixture()
  local f = assert(fixture.load())
  for _, name in ipairs(providers.names()) do
    if type(f[name]) == "table" then f[name].api_keys = gjson.array { KEY } end
  end
  for _, list in ipairs { f.vast.endpoints, f.vast.workergroups } do
    for _, e in ipairs(list) do
      if e.api_key then e.api_key = "ep-" .. EP_MARK .. "-" .. tostring(e.id or e.endpoint_id) end
    end
  end
  return f
end

-- One call per operation of every provider: the row's `sample` (ids the
-- seed knows), else arguments derived from its checks (describe.sample).
-- A new row needs no line here; one whose checks take no sample and that
-- names none fails "covers every operation".
local calls = {}
for _, name in ipairs(providers.names()) do
  calls[name] = {}
  for op, row in pairs(providers.spec(name).ops) do calls[name][op] = describe_mod.sample(row) end
end

-- Failures the simulator injects for any route. `echo` rules send the key
-- back, as a careless server or proxy might.
local failures = {
  { status = 401, json = { detail = "Invalid key" } },
  { status = 401, json = { detail = "Invalid key: Bearer " .. KEY } },
  { status = 403, json = { error = "forbidden", message = "key " .. KEY .. " is read-only" } },
  { status = 404, json = { detail = "Not Found" } },
  { status = 409, json = { detail = "protected" } },
  { status = 422, json = { detail = { { loc = { "path", KEY }, msg = "bad", type = "value_error" } } } },
  { status = 429, headers = { ["Retry-After"] = "1" }, json = { detail = "API requests too frequent" } },
  { status = 500, body = "Internal error while checking " .. KEY },
  { status = 502, body = "<html><title>502 Bad Gateway " .. KEY .. "</title></html>" },
  { status = 200, json = "authenticate_endpoint_apikey: invalid api_key " .. KEY },
  { status = 200, json = { error_msg = "Endpoint not ready for " .. KEY } },
  { status = 200, json = { success = false, msg = "no", echo = KEY } },
  { status = 200, body = "not json at all " .. KEY },
  -- a broken listing, cut inside a per-endpoint key
  { status = 200, body = '{"success":true,"results":[{"api_key":"ep-' .. EP_MARK .. '-101' },
  { status = 200, body = '{"results":[{"id":1,"api_key" : "ep-' .. EP_MARK .. '-2", "x": 1' },
  { fault = "close", times = 2 },
  { fault = "truncate", truncate_at = 5, json = { detail = KEY } },
  { delay = 1, status = 200, json = {} }, -- the client times out first (its timeout: 50 ms)
}

local sim

local function no_env() end

-- A provider's first listing that takes no argument (by name).
local function listing(provider)
  local names = {}
  for op, row in pairs(providers.spec(provider).ops) do
    if row.method == "GET" and not row.args then names[#names + 1] = op end
  end
  table.sort(names)
  return assert(names[1], provider .. " has no listing without arguments")
end

-- The environment that points every provider at the simulator with KEY.
local function sim_env()
  local env = {}
  for _, name in ipairs(providers.names()) do
    local spec = providers.spec(name)
    env[spec.key.env[1]] = KEY
    for _, h in pairs(spec.hosts) do
      if h.env then env[h.env] = sim.url end
    end
  end
  return env
end

local function client(provider, extra)
  -- one attempt, so each injected failure is what the call returns; on the
  -- handle's virtual clock, so pacing and Retry-After take no time
  local opts = { api_key = KEY, retries = 0, backoff = { base = 0.01, max = 0.01 } }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return sim:client(provider, opts)
end

local function sorted_ops(provider)
  local names = {}
  for name in pairs(calls[provider]) do names[#names + 1] = name end
  table.sort(names)
  return names
end

-- Runs fn(provider, op, client) for every operation; returns the ops seen.
local function each_op(fn, extra)
  local seen = {}
  for _, provider in ipairs(providers.names()) do
    local c = client(provider, extra)
    for _, op in ipairs(sorted_ops(provider)) do
      fn(provider, op, c)
      seen[#seen + 1] = provider .. "." .. op
    end
    c:close()
  end
  return seen
end

local covered = {}

-- What a script would print for a call's outcome: the value or the error,
-- and with `full`, everything reachable from them.
local function outcome(out, v, err, full)
  out[#out + 1] = tostring(v)
  out[#out + 1] = tostring(err)
  if full and err then out[#out + 1] = text_of(err) end
end

local examples = { "examples/cleanup_idle_endpoints.lua", "examples/destroy_clusters.lua" }

local function run_example(path, env)
  local args = path:find("destroy") and " '^c%-' " or " "
  local out = sub.sh(string.format("env %s %s %s %s%s", sub.env_words(env), sub.ENV, sub.LUA, q(path), args))
  return out
end

local producers = {
  { name = "every operation, answered", run = function()
    local out = {}
    for _, op in ipairs(each_op(function(provider, op, c)
      local v, extra = c[op](c, unpack(calls[provider][op]))
      outcome(out, v, extra)
      if provider == "tensorpool" and op == "destroy_cluster" and v and v.request_id then
        outcome(out, c:wait_request(v.request_id, { deadline = 5, interval = 0.01 }))
        outcome(out, c:get_request_info(v.request_id))
      end
    end)) do covered[op] = true end
    return table.concat(out, "\n")
  end },

  { name = "every operation, every failure the server can give", run = function()
    local out = {}
    for _, rule in ipairs(failures) do
      each_op(function(provider, op, c)
        local r = { method = "*", path = "*" }
        for k, v in pairs(rule) do r[k] = v end
        assert(sim:inject(r))
        local v, err = c[op](c, unpack(calls[provider][op]))
        -- a 2xx to a DELETE means the server acted, whatever the body says
        local acted = op:find("^delete") or op:find("^destroy")
        if not (acted and (rule.status or 200) < 300 and not (type(rule.json) == "table" and rule.json.success == false)) then
          assert.is_nil(v, op)
        end
        outcome(out, v, err, true)
        assert(sim:clear_injections())
      end, { timeout = rule.delay and 0.05 or 5 })
    end
    return table.concat(out, "\n")
  end },

  { name = "network and TLS failures, limits", run = function()
    local out = {}
    local tls = assert(server.start { tls = true, fixture = fake_fixture() })
    -- The untrusted certificate fails in the handshake, before anything of
    -- the row: one listing and one call with an argument per provider show
    -- it (a handshake is most of this spec's time under valgrind).
    local function handshake_ops(provider)
      local with_args
      for _, op in ipairs(sorted_ops(provider)) do
        if #calls[provider][op] > 0 then with_args = op break end
      end
      return { listing(provider), with_args }
    end
    local targets = {
      { url = "http://127.0.0.1:9" },                -- nothing listens
      { url = tls.url, ops = handshake_ops },        -- untrusted certificate
      { url = sim.url, max_body = 10 },              -- too large
    }
    for _, t in ipairs(targets) do
      for _, provider in ipairs(providers.names()) do
        local c = client(provider, { url = t.url, max_body = t.max_body })
        for _, op in ipairs((t.ops or sorted_ops)(provider)) do
          outcome(out, nil, select(2, c[op](c, unpack(calls[provider][op]))), true)
        end
        c:close()
      end
    end
    tls:stop()
    return table.concat(out, "\n")
  end },

  { name = "wait_request failing and timing out", run = function()
    local out = {}
    local tp = client("tensorpool")
    local r = assert(tp:destroy_cluster("c-flaky-b200"))
    outcome(out, tp:wait_request(r.request_id, { deadline = 5, interval = 0.01 }))
    assert(sim:inject { path = "*", status = 503, body = "down " .. KEY, times = -1 })
    outcome(out, tp:wait_request("r-x", { deadline = 0.2, interval = 0.05 }))
    assert(sim:clear_injections())
    tp:close()
    return table.concat(out, "\n")
  end },

  { name = "arguments and options that raise", run = function()
    local out = {}
    local bad = { "x", -1, 0, 1.5, "../x", "a/b", "", {}, true }
    for _, provider in ipairs(providers.names()) do
      local c = client(provider)
      for _, op in ipairs(sorted_ops(provider)) do
        for _, b in ipairs(bad) do
          -- (tostring: a value bad for one op may be good for another, a
          -- logs call takes any name, and then answers or fails)
          if #calls[provider][op] > 0 then out[#out + 1] = tostring(select(2, pcall(c[op], c, b))) end
        end
        local argv = { unpack(calls[provider][op]) }
        argv[#argv + 1] = { bogus = 1 }
        out[#out + 1] = tostring(select(2, pcall(c[op], c, unpack(argv))))
        out[#out + 1] = select(2, pcall(c[op], nil))
      end
      c:close()
      out[#out + 1] = select(2, pcall(c.show_endpoints or c.list_clusters, c)) -- closed
      out[#out + 1] = select(2, pcall(gpucloud[provider], { api_key = KEY .. "\n", getenv = no_env }))
      out[#out + 1] = select(2, pcall(gpucloud[provider], { api_key = KEY, bogus = true }))
      out[#out + 1] = select(2, pcall(gpucloud[provider], { api_key = KEY, url = "ftp://x" }))
    end
    return table.concat(out, "\n")
  end },

  { name = "keys from the environment, missing keys", run = function()
    local out = {}
    local env = sim_env()
    for _, provider in ipairs(providers.names()) do
      local op = listing(provider)
      local c = gpucloud[provider] { getenv = function(k) return env[k] end }
      outcome(out, c[op](c), nil, true)
      out[#out + 1] = tostring(c)
      c:close()
      local none = gpucloud[provider] { url = sim.url, getenv = no_env }
      outcome(out, none[op](none), nil, true)
      local _, err = none[op](none)
      outcome(out, nil, err, true)
      local bad = gpucloud[provider] { getenv = function(k)
        if k:find("KEY") then return KEY .. "\1" end
        return env[k]
      end }
      out[#out + 1] = select(2, pcall(bad[op], bad))
    end
    return table.concat(out, "\n")
  end },

  { name = "clients: tostring, pairs, a debug dump", run = function()
    local out = {}
    for _, provider in ipairs(providers.names()) do
      local c = client(provider)
      out[#out + 1] = tostring(c)
      out[#out + 1] = text_of(c)
      out[#out + 1] = text_of(getmetatable(c))
      c[listing(provider)](c)
      out[#out + 1] = tostring(c)
      out[#out + 1] = text_of(c)
      c:close()
      out[#out + 1] = tostring(c)
    end
    return table.concat(out, "\n")
  end },

  { name = "lists as printed", run = function()
    local out = {}
    local vast = client("vast")
    for _, l in ipairs { (assert(vast:show_endpoints())), (assert(vast:show_workergroups())) } do
      out[#out + 1] = tostring(l)
      out[#out + 1] = tostring(l:filter(function() return true end):sort_by("id", true))
      out[#out + 1] = tostring(l:map(function(e) return e end))
      out[#out + 1] = tostring(l:ids())
    end
    out[#out + 1] = tostring(assert(vast:get_endpoint_workers(101)))
    vast:close()
    local tp = client("tensorpool")
    out[#out + 1] = tostring(assert(tp:list_clusters()))
    tp:close()
    return table.concat(out, "\n")
  end },

  { name = "a key file that others can read", run = function()
    local home = os.tmpname()
    os.remove(home)
    sub.sh("mkdir -p " .. q(home .. "/.config/vastai"))
    local path = home .. "/.config/vastai/vast_api_key"
    local f = assert(io.open(path, "w"))
    f:write(KEY, "\n")
    f:close()
    local out = {}
    for _, mode in ipairs { "644", "640", "600" } do
      sub.sh("chmod " .. mode .. " " .. q(path))
      local stdout, ok, stderr = sub.lua([[
        local v = require("gpucloud").vast()
        assert(v:show_endpoints())
        print(v)
      ]], { HOME = home, XDG_CONFIG_HOME = false, VAST_API_KEY = false, VAST_URL = sim.url })
      assert.is_true(ok, stderr)
      if mode == "600" then
        assert.equal("", stderr)
      else
        -- ssh's behaviour: a warning naming the file, and the call goes on
        assert.matches("gpucloud: warning: API key file " .. path:gsub("%p", "%%%0") ..
          " is accessible by group or others %(mode 0?" .. mode .. "%)", stderr)
      end
      out[#out + 1] = stdout .. stderr
    end
    sub.sh("rm -rf " .. q(home))
    return table.concat(out, "\n")
  end },

  { name = "the examples, against a server that takes the key and one that does not",
    run = function()
      local out = {}
      local env = { VAST_API_KEY = KEY, TENSORPOOL_KEY = KEY, VAST_URL = sim.url, TENSORPOOL_ENGINE = sim.url }
      for _, path in ipairs(examples) do out[#out + 1] = run_example(path, env) end
      env.VAST_API_KEY, env.TENSORPOOL_KEY = KEY .. "x", KEY .. "x" -- refused: 401 at the first call
      for _, path in ipairs(examples) do out[#out + 1] = run_example(path, env) end
      return table.concat(out, "\n")
    end },

  { name = "bin/gpucloud-sim, with the key in the caller's environment", run = function()
    local out = {}
    local env = sub.env_words { VAST_API_KEY = KEY, TENSORPOOL_KEY = KEY }
    local function tool(args) return (sub.sh("env " .. env .. " " .. sub.LUA .. " bin/gpucloud-sim " .. args)) end
    out[#out + 1] = tool("--help")
    out[#out + 1] = tool("run -- " .. sub.LUA .. " examples/cleanup_idle_endpoints.lua --dry-run")
    out[#out + 1] = tool("run --fixture /nonexistent -- true")
    out[#out + 1] = tool("bogus")
    local started = tool("start")
    out[#out + 1] = started
    local prefix = started:match("gpucloud%-sim stop '([^']+)'")
    if prefix then out[#out + 1] = tool("stop " .. q(prefix)) end
    return table.concat(out, "\n")
  end },

  { name = "the simulator's error log", run = function()
    return "simulator error log:\n" .. sim:error_log() .. "\n(end of error log)"
  end },

  { name = "on_request / on_response hooks, on success, failure and retry", run = function()
    local seen = {}
    local function hook(info) seen[#seen + 1] = text_of(info) end
    assert(sim:inject { method = "*", path = "*", status = 503, body = "busy" })
    each_op(function(_, op, c) c[op](c, unpack(calls[c.provider][op])) end,
      { on_request = hook, on_response = hook, retries = 1 })
    assert.truthy(#seen >= 10, "hooks ran " .. #seen .. " times")
    return table.concat(seen, "\n")
  end },

  { name = "the command line, --json and human output, success and failure", run = function()
    local out = {}
    local env = sub.env_words { VAST_API_KEY = KEY, TENSORPOOL_KEY = KEY, VAST_URL = sim.url,
                                TENSORPOOL_ENGINE = sim.url }
    local function cli(args) return (sub.sh("env " .. env .. " " .. sub.LUA .. " bin/gpucloud " .. args .. " 2>&1")) end
    for _, json in ipairs { "", " --json" } do
      out[#out + 1] = cli("vast show endpoints" .. json)
      out[#out + 1] = cli("vast show workergroups" .. json)
      out[#out + 1] = cli("vast get endpoint workers 101" .. json)
      out[#out + 1] = cli("vast delete workergroup 4242" .. json)
      out[#out + 1] = cli("vast delete endpoint 101 102 --dry-run" .. json)
      out[#out + 1] = cli("tensorpool cluster list" .. json)
      out[#out + 1] = cli("tensorpool storage list" .. json)
      out[#out + 1] = cli("tensorpool job info j-train-001" .. json)
      out[#out + 1] = cli("tensorpool storage destroy s-scratch s-checkpoints --dry-run" .. json)
      out[#out + 1] = cli("tensorpool cluster destroy c-prod-serving --unprotect --wait" .. json)
      out[#out + 1] = cli("vast show endpoints --api-key " .. KEY .. "x" .. json) -- refused: 401
      out[#out + 1] = cli("vast show endpoints --api_key=" .. KEY .. json) -- a typo'd flag
    end
    return table.concat(out, "\n")
  end },
}

describe("secrets", function()
  sim = support_sim.use { fixture = fake_fixture(), config = { retry_after = "0" } }

  it("the search finds the markers where they are (so zero hits means something)", function()
    assert.truthy(text_of({ a = { b = setmetatable({}, { __tostring = function() return KEY end }) } })
      :find(KEY_MARK, 1, true))
    local vast = client("vast")
    local _, whole = assert(vast:show_endpoints())
    vast:close()
    -- the listing does carry per-endpoint keys, as data for the caller
    assert.truthy(text_of(whole):find(EP_MARK, 1, true))
  end)

  for _, p in ipairs(producers) do
    it("nothing produced by " .. p.name .. " holds a key", function()
      local text = p.run()
      assert.is_string(text)
      assert.truthy(#text > 20, "producer gave almost nothing: " .. text)
      local at = text:find(KEY_MARK, 1, true)
      assert.is_nil(at, at and ("caller's key at: " .. text:sub(math.max(1, at - 120), at + 40)))
      at = text:find(EP_MARK, 1, true)
      assert.is_nil(at, at and ("endpoint key at: " .. text:sub(math.max(1, at - 120), at + 40)))
    end)
  end

  it("covers every operation", function()
    covered = {}
    producers[1].run()
    for _, provider in ipairs(providers.names()) do
      for op in pairs(providers.spec(provider).ops) do
        assert.truthy(calls[provider][op], provider .. "." .. op .. " has no sample (describe.sample)")
        assert.truthy(covered[provider .. "." .. op], provider .. "." .. op .. " did not run")
      end
    end
  end)
end)
