-- One command-line rule for ids that are text (checks.segment_id, the
-- library's path segment): TensorPool's, RunPod's and Lambda Cloud's ID
-- arguments are checked by it, not by copies; tensorpool_id is its first
-- name.

local checks = require "gpucloud.cli.checks"
local providers = require "gpucloud.providers"

describe("checks.segment_id", function()
  it("takes one path segment as typed, and says what it wanted otherwise", function()
    assert.equal("i-1 x%", checks.segment_id("i-1 x%"))
    for _, bad in ipairs { "", "a/b", ".", "..", "a\nb", string.rep("x", 257) } do
      local v, why = checks.segment_id(bad)
      assert.is_nil(v, bad)
      assert.match("^id must be 1 to 256 bytes without '/'", why)
    end
  end)

  it("is the ID rule of every provider whose ids are text", function()
    assert.equal(checks.segment_id, checks.tensorpool_id)
    for _, name in ipairs { "tensorpool", "runpod", "lambda" } do
      assert.equal(checks.segment_id, providers.part(name, "cli").id, name)
    end
  end)
end)
