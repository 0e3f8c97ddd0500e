-- Precompiled modules (gpucloud.bytecode, issue 23): the command line loads
-- a module's bytecode instead of parsing its source, but only bytecode newer
-- than its source that loads; an edited module is read from its source.

local bytecode = require "gpucloud.bytecode"
local files = require "support.files"
local sub = require "support.subprocess"

local q = sub.quote

describe("gpucloud.bytecode", function()
  local dir, src, bc

  local function write(path, bytes)
    assert(os.execute("mkdir -p " .. q(path:match("^(.*)/"))))
    local f = assert(io.open(path, "wb"))
    f:write(bytes)
    f:close()
  end
  -- mtimes set, not waited for: the order is the test's, not the clock's
  local function stamp(path, t) assert(os.execute("touch -d @" .. t .. " " .. q(path))) end
  local function compiled(text) return string.dump(assert((loadstring or load)(text))) end

  before_each(function()
    dir = os.tmpname()
    os.remove(dir)
    src, bc = dir .. "/lua", dir .. "/bc"
    write(src .. "/gpucloud/probe.lua", 'return "source"')
    write(bc .. "/gpucloud/probe.lua", compiled('return "bytecode"'))
  end)
  after_each(function() os.execute("rm -rf " .. q(dir)) end)

  local function search(name)
    local loader, where = bytecode.searcher(src, bc)(name)
    return loader and loader(name, where), where
  end

  it("loads a module's bytecode when it is newer than its source", function()
    stamp(src .. "/gpucloud/probe.lua", 1000000000)
    stamp(bc .. "/gpucloud/probe.lua", 1000000100)
    local value, where = search("gpucloud.probe")
    assert.equal("bytecode", value)
    assert.equal(src .. "/gpucloud/probe.lua", where, "named by its source, as Lua's own searcher does")
  end)

  it("leaves an edited module to its source: bytecode older than the source, or as old", function()
    stamp(src .. "/gpucloud/probe.lua", 1000000100)
    stamp(bc .. "/gpucloud/probe.lua", 1000000000)
    assert.is_nil(search("gpucloud.probe"))
    stamp(bc .. "/gpucloud/probe.lua", 1000000100)
    assert.is_nil(search("gpucloud.probe"))
  end)

  it("passes over bytecode that does not load, a module without bytecode, and other modules", function()
    write(bc .. "/gpucloud/probe.lua", "not bytecode")
    stamp(src .. "/gpucloud/probe.lua", 1000000000)
    stamp(bc .. "/gpucloud/probe.lua", 1000000100)
    assert.is_nil(search("gpucloud.probe"))
    assert.is_nil(search("gpucloud.absent"))
    write(src .. "/other/probe.lua", 'return "source"')
    write(bc .. "/other/probe.lua", compiled('return "bytecode"'))
    stamp(src .. "/other/probe.lua", 1000000000)
    stamp(bc .. "/other/probe.lua", 1000000100)
    assert.is_nil(bytecode.searcher(src, bc)("other.probe"))
  end)

  it("finds a package's init.lua", function()
    write(src .. "/gpucloud/pkg/init.lua", 'return "source"')
    write(bc .. "/gpucloud/pkg/init.lua", compiled('return "bytecode"'))
    stamp(src .. "/gpucloud/pkg/init.lua", 1000000000)
    stamp(bc .. "/gpucloud/pkg/init.lua", 1000000100)
    assert.equal("bytecode", (search("gpucloud.pkg")))
  end)
end)

describe("make's bytecode", function()
  it("is there for every module but the simulator's, newer than its source", function()
    local newer = require("gpucloud.core").newer
    local n = 0
    for _, path in ipairs(files.lua_files()) do
      local out = "build/5.4/gpucloud/bytecode/lua5.4/" .. path:sub(5)
      if path:find("^lua/gpucloud/sim/") then
        assert.is_nil(io.open(out), "the simulator's modules stay source: " .. path)
      else
        assert.is_true(newer(out, path), out)
        n = n + 1
      end
    end
    assert.is_true(n > 100)
  end)

  it("is what the command line (lua5.4) runs", function()
    -- a module's chunk name says where it came from: the source Lua found
    -- by path, or the one make compiled (lua/...)
    local hook = "local exit = os.exit os.exit = function(c) io.stderr:write('SOURCE ', "
      .. "debug.getinfo(package.loaded['gpucloud.cli'].main, 'S').source, '\\n') exit(c) end"
    local _, ok, err = sub.sh("lua5.4 -e " .. q(hook) .. " bin/gpucloud help >/dev/null", true)
    assert(ok, err)
    assert.equal("SOURCE @lua/gpucloud/cli.lua", err:match("SOURCE [^\n]+"))
  end)
end)
