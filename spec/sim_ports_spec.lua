-- The simulator's ports. Many suites run side by side and each makes many
-- outgoing connections, whose local ports the kernel takes from its
-- ephemeral range: a listening port drawn from that range can be taken
-- by one of them (bind: Address already in use) though nothing listens
-- there. And a start whose bind fails on a port of another server block
-- (`extra`, chosen by the caller) is the caller's to retry: drawing the
-- simulator's own port again cannot help (it did, 20 times over, each
-- costing nginx's 2.5 s of bind attempts: a 51 s start seen in make test).

local server = require "gpucloud.sim.server"
local sys = require "gpucloud.sim.sys"

-- The kernel's ephemeral range, or nil.
local function ephemeral()
  local text = sys.read_file("/proc/sys/net/ipv4/ip_local_port_range") or ""
  local lo, hi = text:match("(%d+)%s+(%d+)")
  return tonumber(lo), tonumber(hi)
end

describe("the simulator's ports", function()
  it("are never drawn from the kernel's ephemeral range (where it leaves room)", function()
    local lo, hi = ephemeral()
    if not lo then return end
    for _ = 1, 500 do
      local p = sys.random_port()
      assert.is_true(p >= 1024 and p <= 65535, p)
      assert.is_false(p >= lo and p <= hi, p .. " is in the ephemeral range " .. lo .. "-" .. hi)
    end
  end)

  it("a bind failing on another server block's port is not retried on a new port of its own", function()
    local busy = assert(server.start())
    finally(function() busy:stop() end)
    local draws, draw = 0, sys.random_port
    sys.random_port = function()
      draws = draws + 1
      return draw()
    end
    finally(function() sys.random_port = draw end)
    local s, err = server.start { extra = { http = {
      string.format("server { listen 127.0.0.1:%d; location / { return 200; } }", busy.port) } } }
    if s then s:stop() end
    assert.is_nil(s)
    assert.match("127.0.0.1:" .. busy.port .. " failed", err, 1, true)
    -- (a second draw only where the first port was found listening)
    assert.is_true(draws <= 2, draws .. " ports drawn")
  end)
end)
