-- gpucloud: the command line over the library. main(argv) parses (over
-- lua-argparse, from the rows of gpucloud.cli.commands), makes the call and
-- prints a table for people, or JSON, JSON lines, CSV or ids for scripts;
-- it returns the exit status: 0 success, 1 a remote failure (any id
-- failed), 2 a usage error, decided by the command line's own checks
-- before anything is sent, 130 interrupted (SIGINT or SIGTERM: what was
-- done is still printed). A raise from the library is a bug and is raised
-- on (exit 1), after -o json has still printed its one document.
--
-- Only what the command needs is loaded: the first word picks one
-- provider's rows (or the fleet's, or a tool's), and only they are built
-- into a parser; help, the fleet, the REPL and the other providers stay
-- unloaded for a provider's command.

local commands = require "gpucloud.cli.commands"
local output = require "gpucloud.cli.output"
local parser = require "gpucloud.cli.parser"

local M = {}

local function system()
  local core = require "gpucloud.core"
  return { getenv = os.getenv, isatty = core.isatty, file_mode = core.file_mode,
           stdin = io.stdin, stdout = io.stdout, stderr = io.stderr }
end

-- The options every command takes that are followed by a value, as typed.
local GLOBAL_VALUE = {}
for _, o in ipairs(commands.global) do
  if o.value then
    GLOBAL_VALUE["--" .. o[1]] = true
    if o.short then GLOBAL_VALUE["-" .. o.short] = true end
  end
end

-- What is asked before parsing: the flags given (up to "--"), the output
-- format typed, and the index of the first word (the provider, fleet or a
-- tool), skipping the global options and their values.
local function scan(args)
  local wants, first, fmt = {}, nil, nil
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--" then break end
    wants[a] = true
    if a == "--output" or a == "-o" then
      fmt = args[i + 1]
    elseif a:match("^%-%-output=") or a:match("^%-o.") then
      fmt = a:gsub("^%-%-output=", ""):gsub("^%-o", "")
    end
    if GLOBAL_VALUE[a] then
      i = i + 1
    elseif not first and (a:sub(1, 1) ~= "-" or a == "-") then
      first = i
    end
    i = i + 1
  end
  if wants["--json"] or wants["--raw"] then fmt = fmt or "json" end
  return wants, first, fmt
end

-- SIGINT and SIGTERM while a command runs (the core's interrupt guard): a
-- command with the bulk options stops starting calls at the first and
-- lets those in flight end, and at the second ends them too; any other
-- command ends its call at the first. Either way the command still prints
-- what it knows. Returns the function that puts the signals back and says
-- how many came. A tool (the REPL) keeps its own.
local function guard(call)
  if not call.provider then return function() return 0 end end
  local core = require "gpucloud.core"
  core.interrupt_guard(true, call.node.known_group.bulk and 2 or 1)
  return function()
    local n = core.interrupted()
    core.interrupt_guard(false)
    return n
  end
end

local function version()
  local core = require "gpucloud.core"
  local jit = rawget(_G, "jit")
  return string.format("gpucloud %s (%s, libcurl %s, %s)\n", require("gpucloud.config").VERSION,
    jit and jit.version or _VERSION, core.curl_version, core.ssl_version)
end

-- The printer's spec for a row: its columns and fields, the config's
-- columns for its words.
local function spec_of(call, cfg)
  local row = call.row
  local cols = cfg and cfg.columns and cfg.columns[call.node.path]
  if call.opts.columns == nil and cols then call.opts.columns = cols end
  return { columns = row.columns, fields = row.fields, text = row.text }
end

--- Run the command line `argv` (the script's `arg`); returns the exit status.
function M.main(argv)
  local args = {}
  for i = 1, #argv do args[i] = argv[i] end
  local wants, first, fmt = scan(args)
  if first then
    -- a provider's short name (`tp`) is its name
    local name = commands.resolve(args[first])
    if name then args[first] = name end
  end
  if wants["--version"] then
    io.stdout:write(version())
    return 0
  end
  local p = parser.new(commands.data(first and args[first]))
  if wants["--help"] or wants["-h"] then
    io.stdout:write(require("gpucloud.cli.help").for_node(p, p:locate(args)))
    return 0
  end
  local errors_out = output.printer({ output = fmt == "jsonl" and "jsonl" or (fmt == "json" and "json") or nil })
  local call, why, node = p:parse(args)
  local status
  if call then
    local sys = system()
    -- the file's reader only when there is a file to read
    local cfg, cerr = {}, nil
    if require("gpucloud.cli.config_file").exists(sys.getenv) then
      cfg, cerr = require("gpucloud.cli.settings").load(sys, commands.FORMATS)
    end
    if not cfg then
      if errors_out.format ~= "table" then errors_out.usage(cerr) end
      io.stderr:write("gpucloud: ", cerr, "\n")
      return 2
    end
    sys.config = cfg
    local out = output.printer(call.opts, spec_of(call, cfg), cfg.output)
    errors_out = out
    local unguard = guard(call)
    local ok, s, w = xpcall(function()
      -- a tool (a row of no provider, fleet or journal) is its module's main
      if not call.provider then return require(call.row.module).main(call, sys, out) end
      return require("gpucloud.cli.run").run(require "gpucloud", call, out, sys)
    end, function(e) return debug.traceback(tostring(e), 2) end)
    if unguard() > 0 and ok and s then s = 130 end
    if not ok then
      -- even a bug leaves stdout one JSON document
      if out.format == "json" or out.format == "jsonl" then
        out.error { code = "internal", message = s:match("^[^\n]*") }
      end
      error(s, 0)
    end
    status, why, node = s, w, call.node
  end
  if status then return status end
  if errors_out.format == "json" or errors_out.format == "jsonl" then errors_out.usage(why) end
  io.stderr:write("gpucloud: ", why, "\n", require("gpucloud.cli.help").usage(p, node))
  return 2
end

return M
