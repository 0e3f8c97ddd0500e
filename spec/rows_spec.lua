-- gpucloud.rows: what a row says about itself, asked in one place.

local rows = require "gpucloud.rows"

describe("rows", function()
  it("a DELETE deletes, acts and counts against bulk's max", function()
    local row = { method = "DELETE" }
    assert.is_true(rows.deletes(row))
    assert.is_true(rows.acts(row))
    assert.is_true(rows.destructive(row))
  end)

  it("a destructive POST counts against max but is no deletion", function()
    local row = { method = "POST", destructive = true }
    assert.is_false(rows.deletes(row))
    assert.is_true(rows.destructive(row))
  end)

  it("a GET and a read POST change nothing", function()
    assert.is_false(rows.acts { method = "GET" })
    assert.is_false(rows.acts { method = "POST", read = true })
    assert.is_true(rows.acts { method = "PUT" })
    assert.is_false(rows.destructive { method = "PUT" })
  end)

end)
