-- list:filter's strict mode (issue 22): a filter table naming a field no
-- element has raises, naming the fields they have, instead of selecting
-- nothing (or, negated, everything).

local list = require "gpucloud.list"

describe("list:filter strict mode", function()
  local l = list.new { { id = 1, status = "running" }, { id = 2, status = "stopped", label = "x" } }

  it("selects as the plain filter does when every field is known", function()
    assert.same({ { id = 2, status = "stopped", label = "x" } }, l:filter({ status = "stopped" }, { strict = true }))
    assert.same(l:filter { label = "x" }, l:filter({ label = "x" }, { strict = true }))
  end)

  it("raises on an unknown field, naming the fields the elements have", function()
    assert.same({}, l:filter { stauts = "running" }) -- not strict: silently nothing
    local ok, err = pcall(l.filter, l, { stauts = "running" }, { strict = true })
    assert.is_false(ok)
    assert.match("filter: no field stauts in these items; they have: id, label, status", err)
    ok, err = pcall(l.filter, l, { stauts = function() return true end }, { strict = true })
    assert.is_false(ok)
    assert.match("no field stauts", err)
  end)

  it("accepts `known` fields, and an empty list; a function predicate is not checked", function()
    assert.same({}, list.new({}):filter({ anything = 1 }, { strict = true }))
    assert.same({}, l:filter({ age = 1 }, { strict = true, known = { "age" } }))
    assert.equal(2, #l:filter(function() return true end, { strict = true }))
    assert.has_error(function() l:filter({}, "strict") end)
  end)
end)
