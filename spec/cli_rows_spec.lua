-- The command rows' format, in process: rows of the shapes later commands
-- need (an argument after the id, options of their own, a bulk command with
-- a flag) parse into the call they describe, and run calls the method with
-- exactly those arguments. The library is a stub here.

local checks = require "gpucloud.cli.checks"
local commands = require "gpucloud.cli.commands"
local parser = require "gpucloud.cli.parser"
local run = require "gpucloud.cli.run"

local unpack = table.unpack or unpack -- luacheck: ignore

local ROWS = {
  { "label instance", "label_instance", args = { "ID", "LABEL" }, help = "set a label" },
  { "update endpoint", "update_endpoint", args = { "ID" }, help = "change an endpoint", options = {
    { "state", value = "STATE", check = checks.one_of { "active", "stopped" }, field = "state", help = "" },
    { "deletion-protection", value = "BOOL", check = checks.boolean, field = "deletion_protection", help = "" },
  } },
  { "destroy instance", "destroy_instances", args = { "ID..." }, groups = { "bulk" }, help = "destroy",
    options = { { "unprotect", field = "unprotect", help = "" } },
    bulk = { noun = "instances", verb = "destroy", doing = "destroying" } },
  { "show instances", "show_instances", groups = { "list" }, help = "list" },
  { "edit instance", "edit_instance", args = { "ID" }, help = "edit", needs_option = true, options = {
    { "name", value = "NAME", check = checks.text, field = "name", help = "" },
    { "deletion-protection", value = "BOOL", check = checks.boolean, field = "deletion_protection", help = "" },
  } },
}

local function data(rows)
  return {
    global = commands.global, groups = commands.groups, arguments = commands.arguments,
    providers = { { name = "fake", title = "Fake", id = checks.vast_id, key = "-", no_key = "no key", commands = rows } },
  }
end

-- A copy, as a call's arguments were when it was made.
local function copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = x end
  return t
end

-- A stub library: one client whose methods record their arguments.
local function stub()
  local calls, made = {}, {}
  local client = { close = function() end }
  local function record(name, result)
    client[name] = function(self, ...)
      assert(self == client)
      local c = { name = name, n = select("#", ...) }
      for i = 1, c.n do c[i] = copy((select(i, ...))) end
      calls[#calls + 1] = c
      return result(...)
    end
  end
  record("label_instance", function() return { ok = true } end)
  record("update_endpoint", function() return { ok = true } end)
  record("edit_instance", function() return { ok = true } end)
  record("destroy_instances", function(ids, settings)
    return { ok = settings.dry_run and {} or ids, failed = {}, skipped = {}, results = {}, maybe_deleted = {},
      would_delete = settings.dry_run and ids or nil, dry_run = settings.dry_run or false }
  end)
  local lib = { fake = function(opts) made[#made + 1] = opts return client end }
  return lib, calls, made
end

local function printer()
  local function ignore() end
  return { list = ignore, record = ignore, report = ignore, error = ignore }
end

local SYS = { getenv = function() end, isatty = function() return false end }

describe("command rows", function()
  local p = parser.new(data(ROWS))

  local function call_of(argv)
    local call, why = p:parse(argv)
    assert(call, why)
    local lib, calls, made = stub()
    local out = printer()
    local status, err = run.run(lib, call, out, SYS)
    return calls, status, err, made
  end

  it("an argument after the id goes after it", function()
    local calls, status, _, made = call_of { "fake", "label", "instance", "101", "my label", "--timeout=2" }
    assert.equal(0, status)
    assert.same({ { name = "label_instance", n = 2, 101, "my label" } }, calls)
    assert.equal(2, made[1].timeout)
    local call, why = p:parse { "fake", "label", "instance", "101", "a\tb" }
    assert.is_nil(call)
    assert.equal('fake label instance: LABEL needs text without control characters, got "a\\9b"', why)
  end)

  it("a command's own options fill the method's options table", function()
    local calls = call_of { "fake", "update", "endpoint", "7", "--state", "stopped", "--deletion-protection=false" }
    assert.same({ { name = "update_endpoint", n = 2, 7, { state = "stopped", deletion_protection = false } } }, calls)
    calls = call_of { "fake", "update", "endpoint", "7" }
    assert.same({ { name = "update_endpoint", n = 1, 7 } }, calls)
    local call, why = p:parse { "fake", "update", "endpoint", "7", "--state", "paused" }
    assert.is_nil(call)
    assert.equal('--state needs one of active, stopped, got "paused"', why)
    assert.is_nil((p:parse { "fake", "update", "endpoint", "7", "--deletion-protection", "yes" }))
  end)

  it("a bulk command's own flag joins the bulk settings; only --dry-run makes a dry run", function()
    local calls, status = call_of { "fake", "destroy", "instance", "1", "2", "2", "--unprotect", "--yes" }
    assert.equal(0, status)
    assert.equal(1, #calls, "nothing before the run: a library dry run may read a listing")
    assert.same({ 1, 2, 2 }, calls[1][1])
    assert.same({ unprotect = true, max = 50 }, calls[1][2])
    calls, status = call_of { "fake", "destroy", "instance", "1", "2", "--unprotect", "--dry-run" }
    assert.equal(0, status)
    assert.equal(1, #calls)
    assert.same({ unprotect = true, max = 50, dry_run = true }, calls[1][2])
    local _, _, err = call_of { "fake", "destroy", "instance", "1", "2", "--max", "1" }
    assert.equal("refusing to destroy 2 instances: more than max = 1 (raise --max to go ahead)", err)
  end)

  it("a row that needs an option refuses to run without one, naming them, and calls nothing", function()
    local calls, status, err = call_of { "fake", "edit", "instance", "7" }
    assert.is_nil(status)
    assert.equal("fake edit instance: give at least one of --name, --deletion-protection", err)
    assert.same({}, calls)
    calls = call_of { "fake", "edit", "instance", "7", "--deletion-protection", "false" }
    assert.same({ { name = "edit_instance", n = 2, 7, { deletion_protection = false } } }, calls)
  end)

  it("help and usage come from the rows", function()
    local help = require "gpucloud.cli.help"
    local text = help.full(p)
    assert.truthy(text:find("fake label instance ID LABEL", 1, true))
    assert.truthy(text:find("--deletion-protection BOOL", 1, true))
    local _, _, node = p:parse { "fake", "update", "endpoint" }
    assert.equal("usage:\n  gpucloud fake update endpoint ID [--state STATE] [--deletion-protection BOOL]\n"
      .. "(gpucloud --help for the options)\n", help.usage(p, node))
  end)

  it("a malformed row raises when the parser is made", function()
    local bad = {
      { { "x", "m", args = { "ID...", "LABEL" }, bulk = {} } },
      { { "x", "m", args = { "ID..." } } },
      { { "x", "m", args = { "ID..." }, bulk = {} } },
      { { "x", "m", args = { "NOPE" } } },
      { { "x", "m", groups = { "nope" } } },
      { { "x y", "m" }, { "x y", "n" } },
      { { "x", "m" }, { "x y", "n" } },
      { { "x", "m", options = { { "n", value = "N" } } } },
      { { "x", "m", needs_option = true } },
    }
    for _, rows in ipairs(bad) do
      assert.has_error(function() parser.new(data(rows)) end)
    end
    assert.has_no_error(function() parser.new(data { unpack(ROWS) }) end)
  end)
end)
