-- gpucloud: the command line over the library. main(argv) parses (over
-- lua-argparse, from the rows of gpucloud.cli.commands), makes the call and
-- prints a table for people or one JSON document for scripts; it returns
-- the exit status: 0 success, 1 a remote failure (any id failed), 2 a usage
-- error, decided by the command line's own checks before anything is sent,
-- 130 interrupted (SIGINT or SIGTERM: what was done is still printed).
-- A raise from the library is a bug and is raised on (exit 1), after
-- --json has still printed its one document.

local commands = require "gpucloud.cli.commands"
local help = require "gpucloud.cli.help"
local output = require "gpucloud.cli.output"
local parser = require "gpucloud.cli.parser"
local run = require "gpucloud.cli.run"

local M = {}

local function system()
  local core = require "gpucloud.core"
  return { getenv = os.getenv, isatty = core.isatty, stdin = io.stdin, stdout = io.stdout, stderr = io.stderr }
end

-- SIGINT and SIGTERM while a command runs (the core's interrupt guard): a
-- command with the bulk options stops starting calls at the first and
-- lets those in flight end, and at the second ends them too; any other
-- command ends its call at the first. Either way the command still prints
-- what it knows. Returns the function that puts the signals back and says
-- how many came. The REPL keeps its own.
local function guard(call)
  if call.row.module then return function() return 0 end end
  local core = require "gpucloud.core"
  core.interrupt_guard(true, call.node.known_group.bulk and 2 or 1)
  return function()
    local n = core.interrupted()
    core.interrupt_guard(false)
    return n
  end
end

--- Run the command line `argv` (the script's `arg`); returns the exit status.
function M.main(argv)
  local args = {}
  for i = 1, #argv do args[i] = argv[i] end
  local p = parser.new(commands)
  -- --help and --json decide what every later message looks like, so they
  -- are read before parsing, wherever they are before "--"
  local wants = {}
  for _, a in ipairs(args) do
    if a == "--" then break end
    wants[a] = true
  end
  if wants["--help"] or wants["-h"] then
    local node = p:locate(args)
    while node.parent and node.parent.parent do node = node.parent end
    io.stdout:write(help.full(p, node.provider))
    return 0
  end
  local out = output.printer { json = wants["--json"] }
  local call, why, node = p:parse(args)
  local status
  if call then
    out = output.printer(call.opts)
    local unguard = guard(call)
    local ok, s, w = xpcall(function()
      if call.row.module then return require(call.row.module).main(call, system()) end
      return run.run(require "gpucloud", call, out, system())
    end, function(e) return debug.traceback(tostring(e), 2) end)
    if unguard() > 0 and ok and s then s = 130 end
    if not ok then
      -- even a bug leaves stdout one JSON document
      if wants["--json"] then out.error { code = "internal", message = s:match("^[^\n]*") } end
      error(s, 0)
    end
    status, why, node = s, w, call.node
  end
  if status then return status end
  if wants["--json"] then out.error { code = "usage", message = why } end
  io.stderr:write("gpucloud: ", why, "\n", help.usage(p, node))
  return 2
end

return M
