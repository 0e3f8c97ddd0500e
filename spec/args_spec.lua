-- Argument checks that are not ids: a table of named fields (an edit's
-- JSON body) is refused whole when one field is unknown or mistyped, and
-- a row may name a check or hold one.

local args = require "gpucloud.args"

describe("args.fields", function()
  local check = args.fields { name = "text", protected = "boolean", size = "positive_int" }

  it("takes known fields of the right kinds, and returns a copy", function()
    local given = { name = "x", protected = false }
    local v = assert(check(given))
    assert.same({ name = "x", protected = false }, v)
    assert.not_equal(given, v)
    assert.same({ size = 10 }, check { size = 10.0 })
  end)

  it("refuses an unknown field, naming it and the known ones", function()
    local v, want = check { name = "x", protection = false }
    assert.is_nil(v)
    assert.equal('a table of name, protected, size ("protection" is not one of them)', want)
  end)

  it("refuses a mistyped field, saying what it must be", function()
    local v, want = check { protected = "false" }
    assert.is_nil(v)
    assert.equal('a table of name, protected, size (protected must be a boolean, got "false")', want)
    assert.is_nil((check { size = 1.5 }))
    assert.is_nil((check { name = "" }))
    assert.is_nil((check { name = "a\nb" }))
  end)

  it("refuses no field at all, and what is not a table", function()
    assert.is_nil((check {}))
    assert.is_nil((check "name=x"))
    assert.is_nil((check(nil)))
  end)

  it("raises at definition on a check that does not exist", function()
    assert.has_error(function() args.fields { name = "strnig" } end)
  end)
end)

describe("args.check", function()
  it("takes a check's name or a check, and raises on an unknown name", function()
    assert.equal("c-1", args.check("tp_id", "c-1", "id"))
    assert.equal(7, args.check(function(v) return v end, 7, "n"))
    assert.same({ nil, 'id must be a non-empty string of at most 256 bytes, got ""' }, { args.check("tp_id", "", "id") })
    assert.has_error(function() args.check("nope", 1, "x") end, "gpucloud.args: no check nope")
  end)

  it("describes a table without its address", function()
    assert.equal("a table", args.describe {})
  end)
end)
