-- vast:show_audit_logs against the simulator: the wire, the bare array,
-- `args` hidden where the answer is read (it may carry a request's keys),
-- and the failures every listing has.

local gpucloud = require "gpucloud"
local fixture = require "support.sim"

describe("vast:show_audit_logs", function()
  local sim = fixture.use()

  it("lists the account's API calls: GET /api/v0/audit_logs/, a bare array", function()
    local logs = assert(sim:vast():show_audit_logs())
    assert.equal(3, #logs)
    assert.equal("/api/v0/instances/", logs[1].api_route)
    assert.equal("203.0.113.7", logs[1].ip_address)
    assert.equal(1767229200, logs[3].created_at)
    local e = assert(sim:log())[1]
    assert.same({ "GET", "/api/v0/audit_logs/", "Bearer " .. sim.keys.vast },
      { e.method, e.path, e.headers.authorization })
  end)

  it("hides args, which may carry a request's keys, and never prints a key id", function()
    local logs = assert(sim:vast():show_audit_logs())
    for _, l in ipairs(logs) do assert.equal("<hidden>", l.args) end
    local shown = tostring(logs)
    assert.not_match("AUDITSECRET", shown)
    assert.not_match("4101", shown)
    assert.match("api_route", shown)
  end)

  it("fails as a listing does: a bad key, an answer that is not an array", function()
    local _, err = sim:vast({ api_key = "wrong" }):show_audit_logs()
    assert.equal("unauthorized", err.code)
    assert(sim:inject { method = "GET", path = "/api/v0/audit_logs/", status = 200, json = { logs = {} } })
    local v, err2 = sim:vast({ retries = 0 }):show_audit_logs()
    assert.is_nil(v)
    assert.equal("bad_response", err2.code)
    assert.truthy(gpucloud.is_error(err2))
  end)
end)
