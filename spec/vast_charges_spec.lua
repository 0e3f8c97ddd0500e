-- Vast.ai's money rows (issue 21): the paged charges (a day range
-- required, pages joined by identical filters, a bad token, items read
-- however deep, `source` as the thing billed), invoices, pending price
-- increases ($/s converted), and deployments.

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"

local function no_env() end
local DAY1, NOW = 1767225600, 1767312000 -- 2026-01-01 and 02, 00:00 UTC

describe("vast charges", function()
  local s, vast

  setup(function()
    s = assert(server.start { config = { retry_after = "0" } })
  end)
  teardown(function() s:stop() end)
  before_each(function()
    assert(s:reset())
    assert(s:config { now = NOW })
    vast = gpucloud.vast { url = s.url, api_key = s.keys.vast, getenv = no_env, backoff = { base = 0, max = 0 } }
  end)
  after_each(function() vast:close() end)

  local function requests(path)
    local out = {}
    for _, e in ipairs(assert(s:log())) do
      if e.path == path then out[#out + 1] = e end
    end
    return out
  end

  it("needs both days, before anything is sent, and asks for whole UTC days", function()
    assert.has_error(function() vast:show_charges {} end)
    assert.has_error(function() vast:show_charges { from = "2026-01-01" } end)
    assert.has_error(function() vast:show_charges { to = DAY1 } end)
    assert.has_error(function() vast:show_charges { from = "2026-13-01", to = "2026-01-02" } end)
    assert.has_error(function() vast:show_charges { from = "2026-01-02", to = "2026-01-01" } end)
    assert.has_error(function() vast:show_charges { from = DAY1, to = DAY1, type = "gpu" } end)
    assert.equal(0, #requests("/api/v0/charges/"))
    assert(vast:show_charges({ from = DAY1 + 5, to = "2026-01-01", type = "instance" }, { rate = false }))
    local q = requests("/api/v0/charges/")[1].query
    local sent = json.decode((q:match("select_filters=([^&]+)"):gsub("%%(%x%x)", function(h)
      return string.char(tonumber(h, 16)) end)))
    assert.same({ gte = DAY1, lte = DAY1 + 86399 }, { gte = sent.day.gte, lte = sent.day.lte })
    assert.same({ "instance" }, { sent.type["in"][1] })
    assert.match("limit=500", q, 1, true)
  end)

  it("says so when the server refuses a range (the simulator as the service)", function()
    assert(s:inject { method = "GET", path = "/api/v0/charges/", status = 400,
      json = { success = false, msg = "Must provide both 'day' gte and lte filters for instance charges" } })
    local l, err = vast:show_charges({ from = DAY1, to = NOW }, { rate = false })
    assert.is_nil(l)
    assert.equal("invalid", err.code)
    assert.match("gte and lte", err.message, 1, true)
  end)

  it("collects every page with identical filters, and iterates lazily", function()
    local all = assert(vast:show_charges({ from = DAY1, to = NOW }, { rate = false }))
    assert.equal(1, #requests("/api/v0/charges/"))
    assert(s:clear_log())
    local paged = assert(vast:show_charges({ from = DAY1, to = NOW }, { rate = false, page_size = 3 }))
    assert.same(all:ids(), paged:ids())
    local sent = requests("/api/v0/charges/")
    assert.equal(math.ceil(#all / 3), #sent)
    local first = sent[1].query:match("select_filters=[^&]+")
    for i = 2, #sent do
      assert.equal(first, sent[i].query:match("select_filters=[^&]+"))
      assert.match("after_token=", sent[i].query, 1, true)
    end
    -- lazily: one page for the first charge
    assert(s:clear_log())
    local nxt = vast:each_charge({ from = DAY1, to = NOW }, { rate = false, page_size = 3 })
    assert.truthy(nxt())
    assert.equal(1, #requests("/api/v0/charges/"))
  end)

  it("fails the listing on a token the server refuses, never a short list", function()
    assert(s:inject { method = "GET", path = "/api/v0/charges/", status = 200, json = {
      success = true, count = 1, total = 2, next_token = "not-a-token",
      results = { { start = DAY1, ["end"] = NOW, type = "instance", source = "instance-1", amount = 1.5,
                    items = {} } } } })
    local l, err = vast:show_charges({ from = DAY1, to = NOW }, { rate = false })
    assert.is_nil(l)
    assert.equal("invalid", err.code)
    assert.equal("invalid_token", err.server_code)
    local nxt = vast:each_charge({ from = DAY1, to = NOW }, { rate = false })
    assert.truthy(nxt()) -- the first page, from the simulator itself this time
  end)

  it("reads items however deep, amounts as numbers, and each source as the thing billed", function()
    local function charge(source, amount, items)
      return { start = DAY1, ["end"] = NOW, type = "instance", source = source, description = "x",
               amount = amount, metadata = {}, items = items or {} }
    end
    assert(s:inject { method = "GET", path = "/api/v0/charges/", status = 200, json = {
      success = true, count = 4, total = 4, next_token = json.null,
      results = {
        charge("instance-5001", 12.5, { { type = "gpu", source = json.null, amount = "10.0", items = {
          { type = "disk", source = json.null, amount = 0.25, items = {} } } } }),
        charge("volume-3002", "0.24"),
        charge("endpoint-101", 3),
        charge("workergroup-201", 0),
      } } })
    local l = assert(vast:show_charges({ from = DAY1, to = NOW }, { rate = false }))
    assert.same({ "vast:instance:5001", "vast:volume:3002", "vast:endpoint:101", "vast:workergroup:201" }, l:ids())
    assert.same({ "instance", 5001 }, { l[1].kind, l[1].id })
    assert.same({ "volume", 3002, "vast" }, { l[2].kind, l[2].id, l[2].provider })
    assert.same({ "endpoint", 101 }, { l[3].kind, l[3].id })
    assert.same({ "workergroup", 201 }, { l[4].kind, l[4].id })
    assert.equal(0.24, l[2].amount)
    local deep = l[1].items[1].items[1]
    assert.equal(10, l[1].items[1].amount)
    assert.equal(0.25, deep.amount)
    assert.is_nil(deep.kind) -- an item's source is null: it bills its contract
    -- an amount that is not one fails the answer
    assert(s:inject { method = "GET", path = "/api/v0/charges/", status = 200, json = {
      success = true, next_token = json.null,
      results = { charge("instance-1", 1, { { type = "gpu", amount = { 1 }, items = {} } }) } } })
    local bad, err = vast:show_charges({ from = DAY1, to = NOW }, { rate = false })
    assert.is_nil(bad)
    assert.equal("bad_response", err.code)
    assert.match("item 1: amount is not a number", err.message, 1, true)
  end)

  it("bills what the instances' prices and lifetimes say, the destroyed ones too", function()
    local before = assert(vast:show_charges({ from = DAY1, to = NOW }, { rate = false }))
    assert(vast:stop_instance(5001))
    assert(vast:destroy_instance(5006))
    local l = assert(vast:show_charges({ from = DAY1, to = NOW }, { rate = false }))
    -- what changed in between is billed anew (a stopped 5001 bills its disk)
    assert.near(0.452 * 24, before:first { key = "vast:instance:5001" }.amount, 0.001)
    assert.near(0.0452 * 24, l:first { key = "vast:instance:5001" }.amount, 0.001)
    local by = {}
    for _, c in ipairs(l) do by[c.key] = c end
    -- 5006 billed up to its destroy (the clock: NOW)
    assert.near(0.512 * (NOW - 1767226200) / 3600, by["vast:instance:5006"].amount, 0.001)
    assert.near(1.25 + 0.398 * (NOW - 1767229200) / 3600, by["vast:instance:5002"].amount, 0.001)
    assert.is_nil(by["vast:instance:5013"], "starts in 2100: nothing billed")
    assert.truthy(by["vast:volume:2990"], "a volume deleted before the seed still bills its last day")
    assert.is_nil(by["vast:instance:4990"], "ended before the window")
  end)

  it("reads invoices, and a refused window (a 200 with success false) is a failure", function()
    local l = assert(vast:show_invoices({ from = "2026-01-01", to = "2026-01-02" }, { rate = false }))
    assert.equal(2, #l)
    assert.equal(-25, l[2].amount)
    assert(s:inject { method = "GET", path = "/api/v1/invoices/", status = 200, json = {
      success = false, error = "Invalid date range", count = 0, total = 0, results = {}, next_token = json.null } })
    local bad, err = vast:show_invoices({ from = "2026-01-01", to = "2026-01-02" }, { rate = false })
    assert.is_nil(bad)
    assert.match("Invalid date range", tostring(err), 1, true)
  end)

  it("converts pending price increases from $ per second, and says they start at the contract's end", function()
    local l = assert(vast:show_pending_price_increases())
    assert.equal(1, #l)
    assert.near(0.4068, l[1].old_gpu_cost_per_hour, 1e-9)
    assert.near(0.45, l[1].new_gpu_cost_per_hour, 1e-9)
    assert.equal(77, l:ids()[1])
  end)

  it("lists, shows, stops, starts and deletes deployments, and never prints their env", function()
    local l = assert(vast:show_deployments())
    assert.same({ 801, 802 }, l:ids())
    local d = assert(vast:show_deployment(801))
    assert.equal("active", d.endpoint_state)
    assert.equal("stopped", assert(vast:stop_deployment(801)).endpoint_state)
    assert.equal("stopped", assert(vast:show_deployment(801)).endpoint_state)
    assert.equal("active", assert(vast:start_deployment(801)).endpoint_state)
    local r = vast:delete_deployments({ 802, 4242 }, { rate = false })
    assert.same({ 802 }, r.ok)
    assert.equal("not_found", r.failed[4242].code)
    assert.same({ 801 }, assert(vast:show_deployments()):ids())
    assert.not_match("SECRET", tostring(assert(vast:show_deployments())))
  end)
end)
