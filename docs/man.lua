-- The command line's reference, made from the same command data as the
-- parser, help and completion (gpucloud.cli.commands and each provider's
-- cli.lua): gpucloud.1 (roff, for man) and command-line.md (a topic of the
-- HTML reference). docs/build.lua writes both into build/docs/.

local commands = require "gpucloud.cli.commands"
local help = require "gpucloud.cli.help"
local parser = require "gpucloud.cli.parser"
local settings = require "gpucloud.cli.settings"

local M = {}

local format, concat = string.format, table.concat

-- What both forms say, as data: sections of {title, paragraphs or items}.
local function content()
  local p = parser.new(commands.data())
  local secs = {}
  local by_provider = {}
  local other = { name = "", title = "Other commands" }
  for _, leaf in ipairs(p.leaves) do
    local key = leaf.provider or other
    if not by_provider[key] then
      by_provider[key] = {}
      secs[#secs + 1] = { provider = key, items = by_provider[key] }
    end
    local item = { term = help.command_line(leaf), text = leaf.row.help .. "." .. help.aliases(leaf), examples = {} }
    for _, e in ipairs(leaf.row.examples or {}) do item.examples[#item.examples + 1] = e end
    local t = by_provider[key]
    t[#t + 1] = item
  end
  local global = {}
  for _, o in ipairs(commands.global) do global[#global + 1] = { term = help.option_label(o), text = o.help } end
  local own, seen = {}, {}
  for _, leaf in ipairs(p.leaves) do
    -- one entry per option and meaning (a fleet's --state is not an endpoint's)
    for _, o in ipairs(leaf.options) do
      local key = help.option_label(o) .. "\0" .. (o.help or "")
      if not seen[key] then
        seen[key] = true
        own[#own + 1] = { term = help.option_label(o), text = o.help }
      end
    end
  end
  local env = {}
  for _, sec in ipairs(secs) do
    local e = sec.provider
    if e.key_env then
      env[#env + 1] = { term = concat(e.key_env, ", "), text = e.title .. "'s API key (or " .. e.key .. ")" }
      for _, h in pairs(e.hosts) do
        if h.env then
          env[#env + 1] = { term = h.env, text = e.title .. "'s " .. h.option .. " (default " .. h.default .. ")" }
        end
      end
    end
  end
  table.sort(env, function(a, b) return a.term < b.term end)
  env[#env + 1] = { term = "XDG_CONFIG_HOME", text = "where the config file is (default ~/.config)" }
  return { commands = secs, global = global, own = own, env = env }
end

local DESCRIPTION = {
  "gpucloud lists and deletes what runs on GPU clouds, with the official CLIs' words. Every command is one "
    .. "call of the gpucloud Lua library: listings print as tables for people (-o json, jsonl, csv or ids for "
    .. "scripts), deletes run concurrently, paced at the documented rates, and report per id.",
  "Ids are taken as typed, by each provider's rule (Vast.ai's are decimal digits; the others' text without / or "
    .. "control characters, and not . or ..); "
    .. "anything else is a usage error before anything is sent. Deleting more than one id asks first on a terminal "
    .. "and needs --yes elsewhere; --dry-run reads the listing to name each id and changes nothing.",
  "Tables show each command's own columns (--columns A,B,... or all; a dotted name is a nested field: gpu.id), "
    .. "times as ages or UTC dates, money with its "
    .. "unit and a total under a cost column. --filter FIELD=VALUE (or FIELD!=VALUE) on a field the items do not "
    .. "have is a usage error naming the fields they have.",
}

local EXIT = {
  { term = "0", text = "success" },
  { term = "1", text = "a remote failure: any id failed, a listing failed, no key" },
  { term = "2", text = "a usage error (unknown command or option, a bad id, number or URL, more ids than --max, "
    .. "a filter or column on a field the items do not have, a bad config file)" },
}

local CONFIG = "The config file, ${XDG_CONFIG_HOME:-~/.config}/gpucloud/config, holds Lua table fields read as data "
  .. "(an empty environment, no functions to call): the providers the fleet commands use (others are left out, "
  .. "and a provider without a key that it does not list is left out with a note), the default output and "
  .. "columns, per-provider base URLs, and keep rules (things never to delete). A key in it is read only when the "
  .. "file is not readable by others. The environment and the options win over the file. An example:"

------------------------------------------------------------------------
-- roff

local function roff(s)
  s = s:gsub("\\", "\\e"):gsub("%-", "\\-")
  return (s:gsub("\n%.", "\n\\&."):gsub("^%.", "\\&."):gsub("^'", "\\&'"))
end

--- gpucloud.1
function M.roff(version)
  local c = content()
  local out = {
    format('.TH GPUCLOUD 1 "" "gpucloud %s" "User Commands"', version),
    ".SH NAME", "gpucloud \\- list and delete what runs on GPU clouds",
    ".SH SYNOPSIS",
    ".B gpucloud", ".I PROVIDER COMMAND", "[\\fIARGUMENTS\\fR...] [\\fIOPTIONS\\fR]", ".br",
    ".B gpucloud help", "[\\fICOMMAND\\fR...]", ".br", ".B gpucloud completion", "bash|zsh|fish", ".br",
    ".B gpucloud repl", "[\\-\\-sim]",
    ".SH DESCRIPTION",
  }
  for i, para in ipairs(DESCRIPTION) do
    if i > 1 then out[#out + 1] = ".PP" end
    out[#out + 1] = roff(para)
  end
  out[#out + 1] = ".SH COMMANDS"
  for _, sec in ipairs(c.commands) do
    out[#out + 1] = ".SS " .. roff(sec.provider.title)
    for _, item in ipairs(sec.items) do
      out[#out + 1] = ".TP"
      out[#out + 1] = ".B " .. roff(item.term)
      out[#out + 1] = roff(item.text)
      for _, e in ipairs(item.examples) do
        out[#out + 1] = ".br"
        out[#out + 1] = "e.g. \\fB" .. roff(e) .. "\\fR"
      end
    end
  end
  local function list(title, items)
    out[#out + 1] = ".SH " .. title
    for _, item in ipairs(items) do
      out[#out + 1] = ".TP"
      out[#out + 1] = ".B " .. roff(item.term)
      out[#out + 1] = roff(item.text)
    end
  end
  list("OPTIONS", c.global)
  list("OPTIONS OF SOME COMMANDS", c.own)
  out[#out + 1] = ".SH FILES"
  out[#out + 1] = roff(CONFIG)
  out[#out + 1] = ".PP"
  out[#out + 1] = ".nf"
  out[#out + 1] = roff(settings.EXAMPLE):gsub("\n$", "")
  out[#out + 1] = ".fi"
  list("ENVIRONMENT", c.env)
  list("EXIT STATUS", EXIT)
  out[#out + 1] = ".SH SEE ALSO"
  out[#out + 1] = "gpucloud\\-sim(1): the simulator; the HTML reference (make docs)."
  return concat(out, "\n") .. "\n"
end

------------------------------------------------------------------------
-- markdown (LDoc's topic)

local function md(s)
  return (s:gsub("[<>&*_]", { ["<"] = "&lt;", [">"] = "&gt;", ["&"] = "&amp;", ["*"] = "&#42;", ["_"] = "&#95;" }))
end

--- command-line.md
function M.markdown()
  local c = content()
  local out = { "# The command line", "",
    "`gpucloud PROVIDER COMMAND [ARGUMENTS...] [OPTIONS]`, `gpucloud help [COMMAND...]`, "
      .. "`gpucloud completion bash|zsh|fish`, `gpucloud repl [--sim]` (made from the command rows; "
      .. "`man gpucloud` says the same).", "" }
  for _, para in ipairs(DESCRIPTION) do
    out[#out + 1] = md(para)
    out[#out + 1] = ""
  end
  for _, sec in ipairs(c.commands) do
    out[#out + 1] = "## " .. md(sec.provider.title)
    out[#out + 1] = ""
    for _, item in ipairs(sec.items) do
      out[#out + 1] = "- `" .. item.term .. "`: " .. md(item.text)
      for _, e in ipairs(item.examples) do out[#out + 1] = "  e.g. `" .. e .. "`" end
    end
    out[#out + 1] = ""
  end
  local function list(title, items)
    out[#out + 1] = "## " .. title
    out[#out + 1] = ""
    for _, item in ipairs(items) do out[#out + 1] = "- `" .. item.term .. "`: " .. md(item.text) end
    out[#out + 1] = ""
  end
  list("Options", c.global)
  list("Options of some commands", c.own)
  out[#out + 1] = "## The config file"
  out[#out + 1] = ""
  out[#out + 1] = md(CONFIG)
  out[#out + 1] = ""
  for line in settings.EXAMPLE:gmatch("[^\n]+") do out[#out + 1] = "    " .. line end
  out[#out + 1] = ""
  list("Environment", c.env)
  list("Exit status", EXIT)
  return concat(out, "\n")
end

return M
