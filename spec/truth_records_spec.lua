-- A list row whose items are records without an identity of their own
-- (`id_field = false`: billing records, one per thing and time bucket)
-- says so: its answers may name one thing in many items, where any other
-- list naming an id twice is bad_response. Such a list has no ids() to
-- give, and a paged row cannot say it (an ignored cursor shows only as
-- ids listed again).

local json = require "gpucloud.json"
local list = require "gpucloud.list"
local pager = require "gpucloud.pager"
local request = require "gpucloud.request"

local function decoded(items)
  return { records = json.array(items) }
end

local ROWS = {
  { time = "2026-06-01T00:00:00Z", podId = "p-1", totalAmount = 1 },
  { time = "2026-06-02T00:00:00Z", podId = "p-1", totalAmount = 2 },
}

describe("records without an id (a row's id_field = false)", function()
  it("may name one thing twice; a row with an id field may not", function()
    local records = { method = "GET", list = "records", id_field = false }
    local v = assert(request.shape(records, decoded(ROWS)))
    assert.equal(2, #v)
    -- no field is an identity there, `id` included
    assert.equal(2, #assert(request.shape(records, decoded { { id = 1 }, { id = 1 } })))
    local things = { method = "GET", list = "records", id_field = "podId" }
    local none, why = request.shape(things, decoded(ROWS))
    assert.is_nil(none)
    assert.match('same podId "p%-1"', why)
    -- (no id_field: `id` is the identity, as before)
    none = request.shape({ method = "GET", list = "records" }, decoded { { id = 1 }, { id = 1 } })
    assert.is_nil(none)
  end)

  it("a list of records has no ids(); ids(field) reads the field", function()
    local v = assert(request.shape({ method = "GET", list = "records", id_field = false }, decoded(ROWS)))
    assert.has_error(function() v:ids() end, "ids: the items of this list have no id of their own; "
      .. "ids(field) reads a field")
    assert.same({ "p-1", "p-1" }, { v:ids("podId")[1], v:ids("podId")[2] })
    -- and what filter and sort_by make keeps saying so
    assert.has_error(function() v:filter { podId = "p-1" }:ids() end)
    assert.same({ 7 }, { list.new({ { id = 7 } })[1].id })
  end)

  it("a paged row cannot say it: pages prove themselves by their ids", function()
    local row = { method = "GET", list = "records", id_field = false,
                  paged = { cursor = "after", next = "next", limit = 10 } }
    assert.has_error(function() pager.new { row = row } end,
      "pager: a paged row's items need an id (id_field = false is for unpaged rows)")
  end)
end)
