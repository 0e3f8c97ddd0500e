-- Issue 18, finding 4: ids from listings are exact or refused, under every
-- interpreter. An integer the VM cannot hold exactly is decoded as its
-- decimal text, which vast_id takes and the path sends unchanged: a listed
-- 9007199254740993 is never deleted as 9007199254740992 (on main, LuaJIT
-- sent DELETE .../9007199254740992/ and 5.4 raised). A non-integral id
-- (123.5) never raises and never becomes another id: its row is not
-- actionable, and nothing is sent for it. Each failed on main (a1d925a).

local gpucloud = require "gpucloud"
local args = require "gpucloud.args"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"

local LISTING = "/api/v1/instances/"
local BIG = "9007199254740993"       -- 2^53 + 1: a double holds ...992
local HUGE = "18446744073709551617"  -- 2^64 + 1: past every VM's integers

local function no_env() end

local function listing(ids)
  local items = {}
  for i, id in ipairs(ids) do
    items[i] = string.format('{"id":%s,"actual_status":"exited","label":"x","dph_total":0.1}', id)
  end
  return '{"success":true,"next_token":null,"instances":[' .. table.concat(items, ",") .. "]}"
end

describe("finding 4: ids from listings", function()
  local s, vast, fleet
  setup(function() s = assert(server.start {}) end)
  teardown(function() s:stop() end)
  before_each(function()
    assert(s:reset())
    vast = gpucloud.vast { url = s.url, api_key = s.keys.vast, getenv = no_env, retries = 0 }
    fleet = gpucloud.fleet { vast = vast }
  end)
  after_each(function() vast:close() end)

  local function list_with(ids)
    -- twice: the listing, then fleet:delete's re-read of what it planned
    assert(s:inject { method = "GET", path = LISTING, status = 200, body = listing(ids), times = 2 })
  end
  local function deletes()
    local out = {}
    for _, e in ipairs(assert(s:log())) do
      if e.method == "DELETE" then out[#out + 1] = e.path end
    end
    return out
  end
  local function answer_deletes()
    assert(s:inject { method = "DELETE", path = "/api/v0/instances/{id}/", status = 200,
                      json = { success = true }, times = -1 })
  end

  it("the decoder keeps an id past 2^53 exact: as an integer where the VM has one, else as its text", function()
    for _, text in ipairs { BIG, HUGE } do
      local v = json.decode("[" .. text .. "]")[1]
      assert.equal(text, args.id_text(v))
      assert.equal(text, json.decode_lua("[" .. text .. "]")[1] and args.id_text(json.decode_lua("[" .. text .. "]")[1]))
    end
  end)

  it("fleet:delete deletes the instance listed, not its neighbour", function()
    for _, id in ipairs { BIG, HUGE } do
      assert(s:reset())
      list_with { id }
      answer_deletes()
      local rows = assert(fleet:list { kinds = { "instance" } })
      assert.equal("vast:instance:" .. id, rows[1].key)
      assert.is_nil(rows[1].not_actionable)
      local report = fleet:delete(rows, { rate = false })
      assert.same({ "vast:instance:" .. id }, report.ok, tostring(report))
      assert.same({ "/api/v0/instances/" .. id .. "/" }, deletes())
    end
  end)

  it("destroy_instances of the listing's ids deletes the instance listed", function()
    list_with { BIG }
    answer_deletes()
    local ids = assert(vast:show_instances(nil, { rate = false })):ids()
    local report = vast:destroy_instances(ids)
    assert.equal(1, #report.ok, tostring(report))
    assert.same({ "/api/v0/instances/" .. BIG .. "/" }, deletes())
  end)

  it("a non-integral id never raises, never becomes another id, and is never sent", function()
    list_with { "123.5", "124" }
    answer_deletes()
    local rows = assert(fleet:list { kinds = { "instance" } })
    assert.equal("vast:instance:123.5", rows[1].key)
    assert.match("positive integer", rows[1].not_actionable)
    local plan = rows:plan()
    assert.equal(1, plan.count)
    assert.same({ key = "vast:instance:123.5", reason = rows[1].not_actionable }, plan.refused[1])
    assert.match("not deletable: vast:instance:123.5", tostring(plan))
    local report = fleet:delete(plan, { rate = false })
    assert.same({ "vast:instance:124" }, report.ok, tostring(report))
    assert.equal("invalid", report.failed["vast:instance:123.5"].code)
    assert.equal(2, report.total)
    assert.same({ "/api/v0/instances/124/" }, deletes())
  end)

  it("ids are shown as they are, never cut to an integer and never raising", function()
    assert.equal("123.5", args.id_text(123.5))
    assert.equal("1e+300", args.id_text(1e300))
    assert.equal("102", args.id_text(102.0))
    assert.equal("vast:instance:123.5", require("gpucloud.fleet.plan").key("vast", "instance", 123.5))
  end)

  it("vast_id takes the decoder's text of a big id, and no other text", function()
    assert.equal(BIG, args.vast_id(BIG))
    assert.equal(HUGE, args.vast_id(HUGE))
    for _, bad in ipairs { "102", "9007199254740992", "0123", "-9007199254740993", "9007199254740993.0",
                           "123456789012345678901", " 9007199254740993" } do
      assert.is_nil(args.vast_id(bad), bad)
    end
    assert.is_nil(args.vast_id(123.5))
    assert.is_nil(args.vast_id(2 ^ 53 + 2)) -- a float past 2^53 may be anyone's neighbour
  end)
end)
