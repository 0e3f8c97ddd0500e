-- A row's `check_answer = fn(value, decoded, argv) -> nil | why`: a
-- provider's own rule about an answer, read where every answer is read
-- (request.read), after its shape and its echo: `why` is bad_response, so
-- no path (a method, ctx:call, bulk, batch, a wait's poll) can take the
-- answer without it.

local request = require "gpucloud.request"

local function res(body) return { status = 200, body = body } end

describe("a row's check_answer", function()
  local seen
  local row = { method = "GET", list = "items", id_field = "id",
                check_answer = function(value, decoded, argv)
                  seen = { n = #value, total = decoded.total, argv = argv }
                  if decoded.total ~= #value then return "total says " .. tostring(decoded.total) end
                end }
  before_each(function() seen = nil end)

  it("is asked of every answer of the row's shape, with the whole answer and the arguments", function()
    local v, decoded = request.read("p.list", row, res('{"items":[{"id":"a"}],"total":1}'), "k-0123456789", nil,
      { id = "x" })
    assert.equal(1, #v)
    assert.equal(1, decoded.total)
    assert.same({ n = 1, total = 1, argv = { id = "x" } }, seen)
  end)

  it("what it objects to is bad_response, its words first", function()
    local v, err = request.read("p.list", row, res('{"items":[],"total":2}'), "k-0123456789")
    assert.is_nil(v)
    assert.equal("bad_response", err.code)
    assert.equal(200, err.status)
    assert.match("^total says 2", err.message)
  end)

  it("is not asked of an answer that has no shape, or is about something else", function()
    local v, err = request.read("p.list", row, res('{"items":{}}'), "k-0123456789")
    assert.is_nil(v)
    assert.equal("bad_response", err.code)
    assert.is_nil(seen)
    local one = { method = "GET", object = true, echo = { id = "id" }, check_answer = row.check_answer }
    v, err = request.read("p.get", one, res('{"id":"other"}'), "k-0123456789", nil, { id = "x" })
    assert.is_nil(v)
    assert.match("not \"x\"", err.message)
    assert.is_nil(seen)
  end)
end)
