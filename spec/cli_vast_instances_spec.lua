-- The issue-12 commands of bin/gpucloud against the simulator: instances,
-- volumes, endpoint show/update/logs. Every run is checked for keys and
-- instance secrets in its output (support.cli).

local cli = require "support.cli"
local unpack = table.unpack or unpack -- luacheck: ignore
local server = require "gpucloud.sim.server"

describe("gpucloud vast instances, volumes, endpoints", function()
  local sim, run

  setup(function()
    sim = assert(server.start {})
    run = cli.runner(sim)
  end)
  teardown(function() sim:stop() end)
  before_each(function() assert(sim:reset()) end)

  local function vast(...) return run.vast(...) end
  local function decoded(r) return run.decoded(r) end
  local function log() return assert(sim:log()) end

  local function ids(items)
    local out = {}
    for i, x in ipairs(items) do out[i] = x.id end
    table.sort(out)
    return out
  end

  it("show instances --label filters on the server, --filter in Lua; secrets stay hidden", function()
    local r = vast("show", "instances", "--label", "ci", "--json")
    assert.equal(0, r.code, r.err)
    local l = decoded(r)
    assert.same({ 5001, 5002, 5003, 5006 }, ids(l))
    assert.equal("<hidden>", l[1].extra_env)
    assert.match("select_filters=", log()[1].query)
    r = vast("show", "instances", "--filter", "actual_status=stopped", "--json")
    assert.same({ 5004, 5005, 5013 }, ids(decoded(r)))
    r = vast("show", "instances")
    assert.equal(0, r.code)
    assert.not_match("extra_env", r.out)
    assert.match("%(13 items", r.out)
    r = vast("show", "instances", "--columns", "all")
    assert.match("<hidden>", r.out)
    assert.not_match("ci%-token", r.out)
  end)

  it("show instance ID; an id with none is not_found, exit 1", function()
    local r = vast("show", "instance", "5005", "--json")
    assert.equal(0, r.code, r.err)
    assert.equal("stopped", decoded(r).actual_status)
    r = vast("show", "instance", "424242")
    assert.equal(1, r.code)
    assert.match("not_found", r.err)
  end)

  it("destroy instance ID... asks for --yes off a terminal, then destroys", function()
    local r = vast("destroy", "instance", "5006", "5007")
    assert.equal(2, r.code)
    assert.match("without %-%-yes", r.err)
    assert.equal(0, #log())
    r = vast("destroy", "instance", "5006", "5007", "--yes", "--json")
    assert.equal(0, r.code, r.err)
    local ok = decoded(r).ok
    table.sort(ok)
    assert.same({ 5006, 5007 }, ok)
    assert.equal(1, vast("show", "instance", "5006").code)
  end)

  it("stop instance, start instance, label instance", function()
    assert.equal(0, vast("stop", "instance", "5002").code)
    assert.equal('{"state":"stopped"}', log()[1].body)
    assert.equal("stopped", decoded(vast("show", "instance", "5002", "--json")).actual_status)
    assert.equal(0, vast("start", "instance", "5002").code)
    assert.equal("running", decoded(vast("show", "instance", "5002", "--json")).actual_status)
    local r = vast("start", "instance", "5005")
    assert.equal(1, r.code)
    assert.match("missing_billing", r.out .. r.err)
    assert.equal(0, vast("label", "instance", "5005", "kept").code)
    assert.equal("kept", decoded(vast("show", "instance", "5005", "--json")).label)
  end)

  it("show volumes [--type]; delete volume refuses an attached one", function()
    assert.same({ 3001, 3002 }, ids(decoded(vast("show", "volumes", "--type", "local_volume", "--json"))))
    local r = vast("delete", "volume", "3001", "3002", "--yes", "--json")
    assert.equal(1, r.code)
    local rep = decoded(r)
    assert.same({ 3002 }, rep.ok)
    assert.equal("volume_in_use", rep.failed["3001"].server_code)
    assert.equal(2, vast("show", "volumes", "--type", "all").code)
  end)

  it("show endpoint, update endpoint --state (required), get endpoint logs --tail", function()
    assert.equal("sdxl-turbo", decoded(vast("show", "endpoint", "102", "--json")).endpoint_name)
    local r = vast("update", "endpoint", "102")
    assert.equal(2, r.code)
    assert.match("missing %-%-state STATE", r.err)
    r = vast("update", "endpoint", "102", "--state", "paused")
    assert.equal(2, r.code)
    assert.equal(1, #log())
    assert.equal(0, vast("update", "endpoint", "102", "--state", "stopped").code)
    assert.equal('{"endpoint_state":"stopped"}', log()[2].body)
    assert.equal("stopped", decoded(vast("show", "endpoint", "102", "--json")).endpoint_state)
    local logs = decoded(vast("get", "endpoint", "logs", "102", "--tail", "2", "--json"))
    assert.match("line 39\n.*line 40$", logs.info0)
  end)

  it("ids are checked before anything is sent", function()
    for _, words in ipairs { { "show", "instance", "abc" }, { "destroy", "instance", "1", "0x10" },
                             { "stop", "instance", "-3" }, { "delete", "volume", "1.5" } } do
      assert.equal(2, vast(unpack(words)).code)
    end
    assert.equal(0, #log())
  end)
end)
