-- argparse's messages in the command line's words, on one line: read on
-- a usage error only (cli/parser.lua asks, and does not require the help
-- module, which builds parsers of its own).

local M = {}

local format = string.format

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

return M
