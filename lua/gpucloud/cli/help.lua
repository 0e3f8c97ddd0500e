-- Help and usage text, made from the command rows (through the parser's
-- nodes, which know each command's words, arguments and options), and
-- argparse's messages in the command line's words.

local M = {}

local format, concat = string.format, table.concat

local function option_label(o)
  return (o.short and ("-" .. o.short .. ", ") or "") .. "--" .. o[1] .. (o.value and (" " .. o.value) or "")
end
M.option_label = option_label

-- "vast delete endpoint ID..."
local function words_and_args(node)
  local kinds = require("gpucloud.cli.commands").arguments
  local labels = {}
  for i, a in ipairs(node.args) do labels[i] = kinds[a] and kinds[a].optional and ("[" .. a .. "]") or a end
  local args = concat(labels, " ")
  return node.path .. (args ~= "" and (" " .. args) or "")
end

-- The node the words before the first use of option `name` reach.
local function node_before(parser, argv, name)
  local before = {}
  for _, a in ipairs(argv) do
    if a == "--" or a == name or a:sub(1, #name + 1) == name .. "=" then break end
    before[#before + 1] = a
  end
  return parser:locate(before)
end

--- argparse's message `msg` in the command line's words, on one line.
-- `node` is where the words of argv led (parser:locate).
function M.message(parser, msg, node, argv)
  local where = node.path and (node.path .. ": ") or ""
  local name = msg:match("^unknown option '(.-)'")
  if name then
    if not parser.known[name] then return "unknown option " .. name end
    local at = node_before(parser, argv, name)
    if at.row then return format("%s does not apply to %s", name, at.path) end
    return format("%s is an option of some commands: it goes after the command's words", name)
  end
  local word = msg:match("^unknown command '(.-)'")
  if word then
    if node == parser.root then return format("unknown command %q (%s)", word, parser.provider_names) end
    local tip = msg:match("\nDid you mean (.-)%?$")
    tip = tip and ("; did you mean " .. tip:gsub("'", '"') .. "?") or ""
    return format("%sunknown command %q%s", where, word, tip)
  end
  if msg == "a command is required" then return where .. "no command given" end
  name = msg:match("^missing option '(.-)'")
  if name then return format("%smissing %s %s", where, name, parser.known[name] and parser.known[name].value or "") end
  name = msg:match("^option '(.-)' requires an argument")
  if name then return format("%s needs %s", name, parser.known[name] and parser.known[name].value or "a value") end
  name = msg:match("^option '(.-)' does not take arguments")
  if name then return name .. " takes no value" end
  name = msg:match("^missing argument '(.-)'")
  if name then return where .. "missing " .. name end
  if msg == "too many arguments" and node.row then
    return #node.args == 0 and (node.path .. " takes no arguments") or (where .. "too many arguments")
  end
  return (msg:gsub("\n", " "))
end

--- One command's line: its words, arguments and own options.
function M.command_line(node)
  local parts = { "gpucloud " .. words_and_args(node) }
  for _, o in ipairs(node.options) do
    parts[#parts + 1] = o.required and option_label(o) or ("[" .. option_label(o) .. "]")
  end
  return concat(parts, " ")
end

--- The --help text: every command (or one provider's), every option.
function M.full(parser, provider)
  local out = { "gpucloud: list and delete what runs on GPU clouds", "",
    "usage: gpucloud PROVIDER COMMAND [ARGUMENTS...] [OPTIONS]", "       gpucloud repl [--sim]",
    "       gpucloud help [COMMAND...]    (or COMMAND --help: that command alone, with examples)", "" }
  local own, seen = {}, {}
  -- a command's line, and its own options for the list below
  local function command(node)
    out[#out + 1] = format("  %-34s %s%s", words_and_args(node), node.row.help, M.aliases(node))
    -- one line per option and meaning: --state of a fleet selection is
    -- not --state of `vast update endpoint`
    for _, o in ipairs(node.options) do
      local key = option_label(o) .. "\0" .. (o.help or "")
      if not seen[key] then
        seen[key] = true
        own[#own + 1] = o
      end
    end
  end
  for _, p in ipairs(parser.data.providers) do
    if not provider or provider == p then
      out[#out + 1] = p.title .. " (key from " .. p.key .. "):"
      for _, node in ipairs(parser.leaves) do
        if node.provider == p then
          command(node)
        end
      end
      out[#out + 1] = ""
    end
  end
  if not provider and #(parser.data.tools or {}) > 0 then out[#out + 1] = "Other commands:" end
  for _, node in ipairs(parser.leaves) do
    if not provider and not node.provider then
      command(node)
    end
  end
  if not provider and #(parser.data.tools or {}) > 0 then out[#out + 1] = "" end
  out[#out + 1] = "Options, anywhere after `gpucloud`:"
  for _, o in ipairs(parser.data.global) do
    out[#out + 1] = format("  %-24s %s", option_label(o), o.help)
  end
  if #own > 0 then out[#out + 1] = "Options of some commands, after the command's words:" end
  for _, o in ipairs(own) do
    out[#out + 1] = format("  %-24s %s", option_label(o), o.help)
  end
  out[#out + 1] = ""
  out[#out + 1] = "--opt=value works too; -- ends options (for an id that starts with -)."
  out[#out + 1] = "Filters on different fields must all hold; repeating a field accepts any of its values."
  out[#out + 1] = "Deleting or destroying more than one id asks first on a terminal; elsewhere it needs --yes."
  out[#out + 1] = "Exit status: 0 success, 1 remote failure (any id failed), 2 usage error."
  out[#out + 1] = "Config file: ${XDG_CONFIG_HOME:-~/.config}/gpucloud/config (see man gpucloud)."
  return concat(out, "\n") .. "\n"
end

--- " (also: destroy instances)": a command's other words.
local function alias_words(node)
  local words = {}
  local prefix = node.provider and (node.provider.name .. " ") or ""
  for i, w in ipairs(node.row.aliases or {}) do words[i] = prefix .. w end
  return concat(words, ", ")
end

function M.aliases(node)
  local a = alias_words(node)
  return a ~= "" and (" (also: " .. a .. ")") or ""
end

--- One command's help: its line, what it does, its arguments, its own
-- options and its groups', the options every command takes (by name),
-- and its examples.
function M.command(parser, node)
  local row = node.row
  local out = { "usage: " .. M.command_line(node), "", row.help .. "." }
  if alias_words(node) ~= "" then out[#out + 1] = "Also: " .. alias_words(node) .. "." end
  if node.provider and node.provider.key then
    out[#out + 1] = format("%s; key from %s.", node.provider.title, node.provider.key)
  end
  if row.columns then
    out[#out + 1] = "Columns: " .. concat(row.columns, ", ") .. " (--columns A,B,... or all to choose)."
  end
  if #node.options > 0 then
    out[#out + 1] = ""
    out[#out + 1] = "Options:"
    for _, o in ipairs(node.options) do out[#out + 1] = format("  %-24s %s", option_label(o), o.help) end
  end
  local names = {}
  for _, o in ipairs(parser.data.global) do names[#names + 1] = option_label(o) end
  out[#out + 1] = ""
  out[#out + 1] = "Options of every command: " .. concat(names, ", ") .. " (gpucloud --help says each)."
  if row.examples and #row.examples > 0 then
    out[#out + 1] = ""
    out[#out + 1] = "Examples:"
    for _, e in ipairs(row.examples) do out[#out + 1] = "  " .. e end
  end
  return concat(out, "\n") .. "\n"
end

--- The help for where the words led: one command's, the commands under a
-- word (a provider's: `gpucloud vast --help`), or everything.
function M.for_node(parser, node)
  node = node.alias_of or node
  if node.row then return M.command(parser, node) end
  if node == parser.root then
    -- every provider's rows: the parser had only the first word's
    local full = require("gpucloud.cli.parser").new(require("gpucloud.cli.commands").data())
    return M.full(full)
  end
  local top = node
  while top.parent and top.parent.parent do top = top.parent end
  if top == node then return M.full(parser, node.provider) end
  local out = { "usage:" }
  for _, leaf in ipairs(parser.leaves) do
    local n = leaf
    while n and n ~= node do n = n.parent end
    if n then out[#out + 1] = format("  %-50s %s", M.command_line(leaf), leaf.row.help) end
  end
  out[#out + 1] = "(gpucloud " .. node.path .. " WORD --help: one command in full)"
  return concat(out, "\n") .. "\n"
end

--- `gpucloud help [COMMAND...]`: the same as COMMAND --help.
function M.main(call, sys)
  local words = call.args[1] or {}
  local commands = require "gpucloud.cli.commands"
  local first = words[1] and commands.resolve(words[1])
  if first then words[1] = first end
  local p = require("gpucloud.cli.parser").new(commands.data(words[1]))
  local node = p:locate(words)
  local reached = 0
  local n = node
  while n.parent do reached, n = reached + 1, n.parent end
  if reached < #words then
    return nil, format("help: no command %q (%s)", concat(words, " "), p.provider_names)
  end
  sys.stdout:write(M.for_node(p, node))
  return 0
end

--- The short usage after a usage error: the lines of the commands under
-- `node` (one command, a provider's, or every command).
function M.usage(parser, node)
  if not node or node == parser.root then
    -- no first word that names anything: where to look, not every command
    return "usage:\n  gpucloud PROVIDER COMMAND [ARGUMENTS...] [OPTIONS]  (" .. parser.provider_names .. ")\n"
      .. "(gpucloud help: every command; gpucloud help PROVIDER: one provider's)\n"
  end
  local out = {}
  for _, leaf in ipairs(parser.leaves) do
    local n = leaf
    while n and n ~= node do n = n.parent end
    if n or not node then out[#out + 1] = "  " .. M.command_line(leaf) end
  end
  return "usage:\n" .. concat(out, "\n") .. "\n(gpucloud --help for the options)\n"
end

return M
