-- One fact, one home: the places that used to write a fact again now ask
-- its home. Each check reads the tree, so a fact written a second time
-- fails here, not months later when the two have drifted.

local config = require "gpucloud.config"

local files = require "support.files"
local read, lua_files = files.read, files.lua_files

-- The code of a Lua file without its comments (a comment may name a fact).
local function code_of(path)
  return (read(path):gsub("%-%-%[%[.-%]%]", ""):gsub("%-%-[^\n]*", ""))
end

describe("one home per fact", function()
  it("the hidden marker is written in secrets.lua only", function()
    for _, f in ipairs(lua_files()) do
      if f ~= "lua/gpucloud/secrets.lua" then
        assert.falsy(code_of(f):find("<hidden>", 1, true), f)
      end
    end
  end)

  it("whether a row deletes or acts is rows.lua's to say", function()
    for _, f in ipairs(lua_files()) do
      if f ~= "lua/gpucloud/rows.lua" and not f:find("/sim/", 1, true) then
        local code = code_of(f)
        assert.falsy(code:find('row.method == "DELETE"', 1, true), f)
        assert.falsy(code:find('row.method ~= "GET"', 1, true), f)
      end
    end
  end)

  it("the command line's help takes its defaults from the options schema", function()
    local code = code_of("lua/gpucloud/cli/commands.lua")
    assert.falsy(code:find("%(default %d"), "a default written in cli/commands.lua")
    local help = require("gpucloud.cli.commands").global
    local seen = 0
    for _, o in ipairs(help) do
      if o[1] == "timeout" or o[1] == "retries" then
        seen = seen + 1
        assert.truthy(o.help:find("(default " .. config.default(o[1]) .. ")", 1, true), o.help)
      end
    end
    assert.equal(2, seen)
  end)

  it("the C core has no defaults of its own for a call's limits", function()
    local c = read("src/request.c")
    assert.falsy(c:find("DEFAULT_", 1, true))
    assert.is_nil(config.LIMITS)
  end)

  it("what a wait polls through and how it reads Retry-After are retry.lua's", function()
    local code = code_of("lua/gpucloud/wait.lua")
    assert.falsy(code:find("tonumber", 1, true))
    assert.falsy(code:find("rate_limited", 1, true))
  end)
end)
