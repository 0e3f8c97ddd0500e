-- core.fsync and core.lock: what the state file and the journal need of the
-- file system, and their failures as values naming the file.

local core = require "gpucloud.core"
local support = require "support.unattended"

describe("core.fsync and core.lock", function()
  teardown(function() support.cleanup() end)

  it("fsync syncs a file or a directory, and names what it cannot open", function()
    local path, dir = support.tmpfile("f")
    support.write(path, "x")
    assert.is_true(core.fsync(path))
    assert.is_true(core.fsync(dir))
    local ok, err = core.fsync(dir .. "/none")
    assert.is_nil(ok)
    assert.equal(dir .. "/none: No such file or directory", err)
    assert.has_error(function() core.fsync("a\0b") end)
    assert.has_error(function() core.fsync("") end)
  end)

  it("lock holds one run at a time, and lets go on unlock and when collected", function()
    local path = support.tmpfile("l.lock")
    local lock = assert(core.lock(path))
    local again, err, why = core.lock(path)
    assert.is_nil(again)
    assert.equal(path .. ": held by another run", err)
    assert.equal("busy", why)
    lock:unlock()
    lock:unlock() -- idempotent
    assert.equal("gpucloud.lock (released)", tostring(lock))
    do
      local held = assert(core.lock(path))
      assert.equal("gpucloud.lock (held)", tostring(held))
    end
    collectgarbage()
    collectgarbage()
    assert.truthy(core.lock(path), "the collected lock let go")
    local none, nerr = core.lock(path .. "/no/such/dir")
    assert.is_nil(none)
    assert.match("Not a directory", nerr, 1, true)
  end)
end)
