-- Help and usage text, made from the command rows (through the parser's
-- nodes, which know each command's words, arguments and options).

local M = {}

local format, concat = string.format, table.concat

local function option_label(o)
  return "--" .. o[1] .. (o.value and (" " .. o.value) or "")
end

-- "vast delete endpoint ID..."
local function words_and_args(node)
  local args = concat(node.args, " ")
  return node.path .. (args ~= "" and (" " .. args) or "")
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
    "usage: gpucloud PROVIDER COMMAND [ARGUMENTS...] [OPTIONS]", "       gpucloud repl [--sim]", "" }
  local own, seen = {}, {}
  -- a command's line, and its own options for the list below
  local function command(node)
    out[#out + 1] = format("  %-34s %s", words_and_args(node), node.row.help)
    for _, o in ipairs(node.options) do
      if not seen[o[1]] then
        seen[o[1]] = true
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
  out[#out + 1] = "Options of some commands, after the command's words:"
  for _, o in ipairs(own) do
    out[#out + 1] = format("  %-24s %s", option_label(o), o.help)
  end
  out[#out + 1] = ""
  out[#out + 1] = "--opt=value works too; -- ends options (for an id that starts with -)."
  out[#out + 1] = "Filters on different fields must all hold; repeating a field accepts any of its values."
  out[#out + 1] = "Deleting or destroying more than one id asks first on a terminal; elsewhere it needs --yes."
  out[#out + 1] = "Exit status: 0 success, 1 remote failure (any id failed), 2 usage error."
  return concat(out, "\n") .. "\n"
end

--- The short usage after a usage error: the lines of the commands under
-- `node` (one command, a provider's, or every command).
function M.usage(parser, node)
  local out = {}
  for _, leaf in ipairs(parser.leaves) do
    local n = leaf
    while n and n ~= node do n = n.parent end
    if n or not node then out[#out + 1] = "  " .. M.command_line(leaf) end
  end
  return "usage:\n" .. concat(out, "\n") .. "\n(gpucloud --help for the options)\n"
end

return M
