-- The command line read without argparse (issue 23: start-up) must be the
-- command line argparse reads: for well-formed command lines both give the
-- same call, and anything else goes to argparse, whose message it is.

local commands = require "gpucloud.cli.commands"
local parser = require "gpucloud.cli.parser"

describe("the fast reading of a command line", function()
  local p = parser.new(commands.data())

  local function same(argv)
    local fast = assert(p:fast(argv), table.concat(argv, " "))
    assert.truthy(fast)
    local a, why = p:parse(argv, true)
    assert(a, why)
    local b = p:parse(argv)
    assert.equal(a.row, b.row)
    assert.same(a.args, b.args)
    assert.same(a.options, b.options)
    assert.same(a.opts, b.opts)
  end

  it("gives argparse's call for well-formed command lines", function()
    for _, argv in ipairs {
      { "vast", "delete", "workergroup", "201" },
      { "vast", "delete", "workergroup", "201", "202", "--dry-run", "--max", "3", "--concurrency=2" },
      { "--json", "vast", "--timeout", "5", "delete", "endpoints", "7", "--yes", "--", "8" },
      { "vast", "show", "instances", "--label", "ci", "--filter", "a=b", "--filter=c!=d", "-o", "csv" },
      { "vast", "show", "instances", "-ojsonl", "--columns", "id,label" },
      { "vast", "label", "instance", "5001", "a label" },
      { "vast", "update", "endpoint", "7", "--state", "stopped" },
      { "tensorpool", "cluster", "destroy", "c-1", "c-2", "--unprotect", "--wait", "--raw" },
      { "tp", "storage", "edit", "s-1", "--size-gb", "100", "--deletion-protection", "false" },
      { "fleet", "delete", "--state", "idle", "--state", "failed", "--older-than", "6h", "--verify" },
      { "help" }, { "help", "vast", "show" }, { "completion", "bash" }, { "repl", "--sim" },
    } do
      same(argv)
    end
  end)

  it("leaves everything else to argparse", function()
    for _, argv in ipairs {
      {}, { "vast" }, { "vast", "delete" }, { "nosuch" }, { "vast", "delete", "workergroup" },
      { "vast", "delete", "workergroup", "x" }, { "vast", "--dry-run", "delete", "workergroup", "1" },
      { "vast", "delete", "workergroup", "1", "--max" }, { "vast", "delete", "workergroup", "1", "--max", "x" },
      { "vast", "delete", "workergroup", "1", "--yes=1" },
      { "vast", "show", "endpoint", "1", "2" }, { "vast", "update", "endpoint", "7" }, { "vast", "show", "endpoints", "-5" },
      { "vast", "delete", "workergroup", "1", "--bogus" }, { "completion", "tcsh" },
    } do
      assert.is_nil(p:fast(argv), table.concat(argv, " "))
      local call, why = p:parse(argv)
      assert.is_nil(call)
      assert.is_string(why)
    end
  end)
end)
