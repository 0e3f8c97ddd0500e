-- gpucloud.times is the one reader of the providers' times (RunPod's and
-- Lambda Cloud's read through it, not through a copy in a provider's
-- folder): `exact` only from what names its instant, `epoch` taking a
-- text without a zone as UTC; neither guesses at a date that is not one or
-- a zone that cannot be read.

local times = require "gpucloud.times"

describe("gpucloud.times", function()
  local T = 1780315200 -- 2026-06-01T12:00:00Z

  it("exact: RFC 3339, Go's format, Unix seconds, whole seconds; no zone is unknown", function()
    for _, v in ipairs { "2026-06-01T12:00:00Z", "2026-06-01T14:00:00+02:00", "2026-06-01T14:00:00+0200",
                         "2026-06-01 12:00:00.633 +0000 UTC", "1780315200", T + 0.5 } do
      assert.equal(T, times.exact(v), tostring(v))
    end
    for _, bad in ipairs { "2026-06-01T12:00:00", "2026-06-01T12:00:00+2", "2026-06-01T12:00:00 UTC",
                           "2026-13-01T00:00:00Z", "2026-06-01T24:00:00Z", "2026-02-29T00:00:00Z",
                           "2026-04-31T00:00:00Z", "", 0 / 0, math.huge, {} } do
      assert.is_nil(times.exact(bad), tostring(bad))
    end
  end)

  it("epoch: a text without a zone is UTC; a date or zone it cannot read is unknown, never a guess", function()
    assert.equal(T, times.epoch("2026-06-01T12:00:00"))
    assert.equal(T, times.epoch("2026-06-01T13:00:00+01:00"))
    assert.equal(951782400, times.epoch("2000-02-29T00:00:00Z"), "a leap day is a day")
    assert.equal(T + 0.5, times.epoch(T + 0.5), "a number is the caller's")
    for _, bad in ipairs { "2026-13-01T00:00:00Z", "2026-06-01T12:00:00+2", "2026-06-01T12:00:00garbage",
                           "2026-06-31x" } do
      assert.is_nil(times.epoch(bad), bad)
    end
    assert.is_nil(times.date("2026-13-01T00:00:00Z"))
  end)

  it("RFC 3339 both ways, as RunPod's billing calls take it", function()
    assert.is_true(times.is_rfc3339("2026-06-01T12:00:00.5+01:00"))
    for _, bad in ipairs { "2026-06-01 12:00:00Z", "2026-06-01T12:00:00", "2026-06-01T12:00:00+0100",
                           "2026-02-30T25:00:00Z", 5 } do
      assert.is_false(times.is_rfc3339(bad), tostring(bad))
    end
    assert.equal("2026-06-01T12:00:00Z", times.rfc3339(T))
  end)
end)
