-- How a bad argument is shown in an error message: quoted, with control
-- characters escaped as Lua 5.2+ and LuaJIT's %q escape them, under every
-- interpreter (PUC 5.1's %q leaves a tab or an ESC raw, so a bad id could
-- put a terminal escape into a log line).

local args = require "gpucloud.args"
local gpucloud = require "gpucloud"

describe("args.describe", function()
  it("escapes control characters, quotes and backslashes the same on every Lua", function()
    assert.equal('"a\\9b"', args.describe("a\tb"))
    assert.equal('"\\0271"', args.describe("\0271"))   -- ESC then a digit: three digits
    assert.equal('"\\27[31m"', args.describe("\27[31m"))
    assert.equal('"\\0\\13\\n"', args.describe("\0\r\n"))
    assert.equal('"\\127"', args.describe("\127"))
    assert.equal('"say \\"hi\\" \\\\ bye"', args.describe('say "hi" \\ bye'))
    assert.equal('"caf\195\169"', args.describe("caf\195\169")) -- UTF-8 is text, not control
  end)

  it("cuts long text and shows other values as tostring does", function()
    assert.equal('"' .. ("x"):rep(40) .. '..."', args.describe(("x"):rep(50)))
    assert.equal("12", args.describe(12))
    assert.equal("nil", args.describe(nil))
  end)

  it("is what a bad id's error shows", function()
    local vast = gpucloud.vast { api_key = "k", url = "http://127.0.0.1:9" }
    local ok, err = pcall(vast.delete_endpoint, vast, "a\tb")
    assert.is_false(ok)
    assert.matches('got "a\\9b"', err, 1, true)
  end)
end)
