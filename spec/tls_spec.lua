-- TLS: the peer's certificate and host name are verified unless the caller
-- says `insecure = true`, which warns once per process. The simulator
-- serves HTTPS with a self-signed certificate that openssl makes for the
-- occasion, so "trusted" here means "named by ca_file".

local gpucloud = require "gpucloud"
local core = require "gpucloud.core"
local server = require "gpucloud.sim.server"
local sub = require "support.subprocess"

local function no_env() end

describe("TLS", function()
  local sim, named

  setup(function()
    sim = assert(server.start { tls = true })
    -- a certificate that names localhost only
    named = assert(server.start { tls = "localhost" })
  end)
  teardown(function()
    sim:stop()
    named:stop()
  end)

  local function vast(opts)
    local o = { url = sim.url, api_key = sim.keys.vast, getenv = no_env }
    for k, v in pairs(opts or {}) do o[k] = v end
    return gpucloud.vast(o)
  end

  it("serves the simulator over HTTPS", function()
    assert.matches("^https://127%.0%.0%.1:%d+$", sim.url)
    assert.is_string(sim.ca_file)
    assert.equal("ok", assert(sim:health()).status)
  end)

  it("fails with code 'tls' when the certificate is not trusted", function()
    local v = vast()
    local eps, err = v:show_endpoints()
    v:close()
    assert.is_nil(eps)
    assert.equal("tls", err.code)
    assert.equal("vast.show_endpoints", err.op)
    assert.is_nil(err.status)
    assert.equal(0, #assert(sim:log())) -- no request got through
  end)

  it("succeeds when ca_file names the certificate", function()
    local v = vast { ca_file = sim.ca_file }
    local eps = assert(v:show_endpoints())
    v:close()
    assert.equal(6, #eps)
  end)

  it("checks the host name, not only the signature", function()
    local port = named.url:match(":(%d+)$")
    local v = gpucloud.vast { url = "https://127.0.0.1:" .. port, api_key = named.keys.vast,
      getenv = no_env, ca_file = named.ca_file }
    local eps, err = v:show_endpoints()
    assert.is_nil(eps)
    assert.equal("tls", err.code)
    v:close()
    -- the same certificate, asked for by the name it holds
    local ok = gpucloud.vast { url = named.url, api_key = named.keys.vast, getenv = no_env,
      ca_file = named.ca_file }
    assert.equal(6, #assert(ok:show_endpoints()))
    ok:close()
  end)

  it("reports a ca_file that cannot be read as 'tls'", function()
    local v = vast { ca_file = "/nonexistent/ca.pem" }
    local eps, err = v:show_endpoints()
    v:close()
    assert.is_nil(eps)
    assert.equal("tls", err.code)
  end)

  it("has no way to turn verification off but insecure = true", function()
    for _, name in ipairs { "verify", "ssl_verify", "verify_peer", "no_verify", "tls_verify" } do
      assert.has_error(function() vast { [name] = false } end)
    end
    assert.has_error(function() vast { insecure = "yes" } end, nil)
    assert.has_error(function() vast { insecure = 1 } end)
    assert.has_error(function() vast { ca_file = "" } end)
    local c = core.new()
    assert.has_error(function() c:request { url = sim.url, insecure = "true" } end)
    local res, err = c:request { url = sim.url .. "/_sim/health", insecure = false }
    assert.is_nil(res)
    assert.equal("tls", err.code)
    c:close()
  end)

  it("insecure = true connects without verification and warns once per process", function()
    local out, ok, err = sub.lua([[
      local gpucloud = require "gpucloud"
      for _ = 1, 3 do
        local v = gpucloud.vast { url = os.getenv("SIM_URL"), insecure = true }
        local eps = assert(v:show_endpoints())
        io.write(#eps, "\n")
        v:close()
      end
    ]], { SIM_URL = sim.url, VAST_API_KEY = sim.keys.vast })
    assert.is_true(ok, err)
    assert.equal("6\n6\n6\n", out)
    local _, n = err:gsub("insecure = true", "")
    assert.equal(1, n, err)
    assert.matches("^gpucloud: warning: insecure = true: TLS certificates and host names are not checked", err)
    assert.not_match(sim.keys.vast, err, 1, true)
  end)

  it("a client without insecure says nothing on stderr", function()
    local _, ok, err = sub.lua([[
      local v = require("gpucloud").vast { url = os.getenv("SIM_URL"), ca_file = os.getenv("CA") }
      assert(v:show_endpoints())
    ]], { SIM_URL = sim.url, CA = sim.ca_file, VAST_API_KEY = sim.keys.vast })
    assert.is_true(ok, err)
    assert.equal("", err)
  end)
end)
