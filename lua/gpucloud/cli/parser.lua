-- The command rows (gpucloud.cli.commands) as an argparse parser: a command
-- per word, nested; the global options on the root (so they are taken
-- anywhere after it), a command's groups and own options on its last word
-- (so they go after its words); ids and other arguments converted by their
-- checks while parsing. parse(argv) gives the call to make, or a usage
-- error in the command line's words (cli/help.lua's message).
--
-- A command line that is well formed is read without argparse (lua-argparse
-- and the parser it would build cost more than the rest of a one-shot
-- command's start-up); argparse is built, from the same nodes, for
-- anything else, so every usage error is argparse's, and for completion.

local M = {}
M.__index = M

local format = string.format

-- Where each parsed leaf puts its node in argparse's result table: a table
-- key, so no option or command name can collide with it.
local NODE = {}

local function fail(fmt, ...)
  error("gpucloud.cli: " .. format(fmt, ...), 3)
end

-- An option's value from its text, or nil and the message.
local function converter(o)
  local name, check = "--" .. o[1], o.check
  return function(s)
    local v, want = check(s)
    if v == nil then return nil, format("%s needs %s", name, want) end
    return v
  end
end

local function check_option(o)
  if o.value and type(o.check) ~= "function" then fail("option --%s needs a check", o[1]) end
end

-- One option on an argparse command. Results are keyed "--name".
local function add_option(cmd, o)
  local name = "--" .. o[1]
  local names = o.short and ("-" .. o.short .. " " .. name) or name
  local el
  if o.value then
    el = cmd:option(names):args(1):convert(converter(o))
    if o.repeats then el:count("*") end
    if o.required then el:count(1) end
  else
    el = cmd:flag(names)
  end
  el:target(name)
  -- what completion scripts show beside the option
  if o.help then el:description(o.help) end
end

-- The node for `word` under `node`, made when new; `alias`: another word
-- for it (a provider's short name).
local function child(node, word, alias)
  local c = node.children[word]
  if not c then
    if node.row then fail("%s is a command and cannot have subcommands", node.path) end
    c = {
      word = word, alias = alias, children = {}, order = {}, parent = node, provider = node.provider,
      path = node.path and (node.path .. " " .. word) or word,
    }
    node.children[word] = c
    node.order[#node.order + 1] = c
    if alias then node.children[alias] = c end
  end
  return c
end

-- Every option that applies to a leaf, in help order: its groups', its own.
local function leaf_options(data, row)
  local options = {}
  for _, gname in ipairs(row.groups or {}) do
    local group = data.groups[gname] or fail("%s: unknown option group %q", row[1], gname)
    for _, o in ipairs(group) do options[#options + 1] = o end
  end
  for _, o in ipairs(row.options or {}) do options[#options + 1] = o end
  return options
end

local function add_leaf(self, pnode, p, row, words, main)
  local node = pnode
  for w in (words or row[1]):gmatch("%S+") do node = child(node, w) end
  if node.row or next(node.children) then fail("%s: two rows for one command", node.path) end
  node.row = row
  -- an alias is a command of its own to argparse, the same row to help
  if main then
    node.alias_of = main
  else
    self.leaves[#self.leaves + 1] = node
  end
  node.options = leaf_options(self.data, row)
  if row.needs_option and not (row.options and #row.options > 0) then
    fail("%s: needs_option without options of its own", node.path)
  end
  node.args = row.args or {}
  node.bulk = false
  node.option_by = {}
  for _, o in ipairs(node.options) do
    check_option(o)
    node.option_by["--" .. o[1]] = o
    self.known["--" .. o[1]] = self.known["--" .. o[1]] or o
    if o.value then self.takes_value["--" .. o[1]] = true end
  end
  node.known_group = {}
  for _, g in ipairs(row.groups or {}) do node.known_group[g] = true end
  node.list = node.known_group.list or false
  node.kinds, node.converters = {}, {}
  for i, kind_name in ipairs(node.args) do
    local kind = self.data.arguments[kind_name] or fail("%s: unknown argument kind %q", node.path, kind_name)
    if kind.many and kind.id and (i ~= 1 or #node.args ~= 1 or not row.bulk or not node.known_group.bulk) then
      fail("%s: %s is the one argument of a command with `bulk` and the bulk options", node.path, kind_name)
    end
    if kind.many and i ~= #node.args then fail("%s: %s must be the last argument", node.path, kind_name) end
    node.bulk = node.bulk or (kind.many and kind.id) or false
    -- an id's check names the id; other kinds are named here
    local check = kind.id and p.id or kind.check
    local where = node.path .. ": " .. (kind.id and "" or (kind_name .. " needs "))
    node.kinds[i] = kind
    node.converters[i] = function(s)
      local v, want = check(s)
      if v == nil then return nil, where .. want end
      return v
    end
  end
  if not main then
    for _, words_ in ipairs(row.aliases or {}) do add_leaf(self, pnode, p, row, words_, node) end
  end
end

--- A parser for `data` (shaped like gpucloud.cli.commands). Raises on a
-- malformed row: that is a programming error.
function M.new(data)
  local self = setmetatable({ data = data, known = {}, takes_value = {}, leaves = {}, global = {} }, M)
  local root = { children = {}, order = {} }
  self.root = root
  for _, o in ipairs(data.global) do
    self.known["--" .. o[1]] = o
    if o.short then self.known["-" .. o.short] = o end
    if not o.before_parsing then
      check_option(o)
      self.global["--" .. o[1]] = o
      if o.short then self.global["-" .. o.short] = o end
      if o.value then
        self.takes_value["--" .. o[1]] = true
        if o.short then self.takes_value["-" .. o.short] = true end
      end
    end
  end
  local names = {}
  for _, p in ipairs(data.providers) do
    local pnode = child(root, p.name, p.short)
    pnode.provider = p
    names[#names + 1] = p.name
    for _, row in ipairs(p.commands) do add_leaf(self, pnode, p, row) end
  end
  for _, row in ipairs(data.tools or {}) do
    add_leaf(self, root, nil, row)
    names[#names + 1] = row[1]
  end
  names = data.names or names
  self.provider_names = table.concat(names, ", ", 1, #names - 1) .. " or " .. names[#names]
  return self
end

-- argparse's command for each node under `node`, as the nodes say.
local function build(node)
  for _, c in ipairs(node.order) do
    c.cmd = node.cmd:command(c.alias and (c.word .. " " .. c.alias) or c.word):add_help(false)
    local row = c.row
    if row then
      if row.help then c.cmd:summary(row.help) end
      for _, o in ipairs(c.options) do add_option(c.cmd, o) end
      for i, kind in ipairs(c.kinds) do
        local a = c.cmd:argument((c.args[i]:gsub("%.%.%.$", ""))):target("#" .. i):convert(c.converters[i])
        if kind.many then a:args(kind.optional and "*" or "+") end
      end
      c.cmd:action(function(result) result[NODE] = c end)
    end
    build(c)
  end
end

--- The argparse parser of these nodes (made at the first call): for a
-- command line the fast reading refuses, and for completion scripts.
function M:argparse()
  if not self.root.cmd then
    self.root.cmd = require("argparse")("gpucloud"):add_help(false)
    for _, o in ipairs(self.data.global) do
      if not o.before_parsing then add_option(self.root.cmd, o) end
    end
    build(self.root)
  end
  return self.root.cmd
end

--- The deepest command node that the words of argv reach (the root when
-- none), skipping options and their values; stops at "--".
function M:locate(argv)
  local node, i = self.root, 1
  while i <= #argv do
    local a = argv[i]
    if a == "--" then break end
    if a:sub(1, 1) == "-" and a ~= "-" then
      if self.takes_value[a] then i = i + 1 end
    else
      local c = node.children[a]
      if c then node = c.alias_of or c elseif not node.row then break end
    end
    i = i + 1
  end
  return node
end

-- "--opt value" as "--opt=value" for every option that takes a value, so
-- the value is the next word whatever it is: argparse would read a key
-- that starts with "-" as options, and name a letter of it in its error.
local function joined(self, argv)
  local out, i = {}, 1
  while i <= #argv do
    local a = argv[i]
    if a == "--" then
      for j = i, #argv do out[#out + 1] = argv[j] end
      break
    end
    if self.takes_value[a] and argv[i + 1] ~= nil then
      -- "-o" "json" as "-ojson": argparse's form for a short option
      out[#out + 1] = a .. (a:sub(1, 2) == "--" and "=" or "") .. argv[i + 1]
      i = i + 2
    else
      out[#out + 1] = a
      i = i + 1
    end
  end
  return out
end

-- An option's value into result: a list for a repeatable one; false when
-- argparse would refuse it (given twice, a value it does not take).
local function put(result, o, text)
  local key = "--" .. o[1]
  if not o.value then
    if text ~= nil or result[key] ~= nil then return false end
    result[key] = true
    return true
  end
  local v = converter(o)(text)
  if v == nil then return false end
  if o.repeats then
    result[key] = result[key] or {}
    table.insert(result[key], v)
  elseif result[key] ~= nil then
    return false
  else
    result[key] = v
  end
  return true
end

--- argv read without argparse, as argparse reads it, into argparse's
-- result shape; nil for anything not plainly well formed (argparse then
-- reads it and says what is wrong).
function M:fast(argv)
  local node, result, words, i = self.root, {}, {}, 1
  while i <= #argv do
    local a = argv[i]
    if a == "--" then
      if not node.row then return nil end
      for j = i + 1, #argv do words[#words + 1] = argv[j] end
      break
    end
    if a:sub(1, 1) == "-" and a ~= "-" then
      local name, text = a, nil
      if a:sub(1, 2) == "--" then
        local n, v = a:match("^(%-%-[^=]+)=(.*)$")
        if n then name, text = n, v end
      elseif #a > 2 then
        name, text = a:sub(1, 2), a:sub(3)
      end
      local o = self.global[name] or (node.option_by and node.option_by[name])
      if not o then return nil end
      if o.value and text == nil then
        i = i + 1
        text = argv[i]
        if text == nil then return nil end
      end
      if not put(result, o, text) then return nil end
    elseif node.row then
      words[#words + 1] = a
    else
      node = node.children[a]
      if not node then return nil end
    end
    i = i + 1
  end
  if not node.row then return nil end
  for _, o in ipairs(node.options) do
    if o.required and result["--" .. o[1]] == nil then return nil end
  end
  local n = #node.kinds
  for k, kind in ipairs(node.kinds) do
    local convert = node.converters[k]
    if kind.many then
      local list = {}
      for j = k, #words do
        local v = convert(words[j])
        if v == nil then return nil end
        list[#list + 1] = v
      end
      if #list == 0 and not kind.optional then return nil end
      result["#" .. k] = list
      n = #words
    else
      if words[k] == nil then return nil end
      local v = convert(words[k])
      if v == nil then return nil end
      result["#" .. k] = v
    end
  end
  if #words > n then return nil end
  -- a repeatable option not given is an empty list, as argparse makes it
  for _, list in ipairs { self.data.global, node.options } do
    for _, o in ipairs(list) do
      if o.repeats and not o.before_parsing and result["--" .. o[1]] == nil then result["--" .. o[1]] = {} end
    end
  end
  result[NODE] = node
  return result
end

--- Parse argv. Returns the call:
--   { provider, row, node, args = {value, ...}, options = {field = value},
--     opts = {option name = value} }
-- or nil, a usage message and the node the words reached. `slow`: read
-- with argparse even when the fast reading could (for the specs).
function M:parse(argv, slow)
  local result = not slow and self:fast(argv)
  if not result then
    local ok
    ok, result = self:argparse():pparse(joined(self, argv))
    if not ok then
      local node = self:locate(argv)
      return nil, require("gpucloud.cli.help").message(self, result, node, argv), node
    end
  end
  local node = result[NODE]
  node = node.alias_of or node
  local call = { provider = node.provider, row = node.row, node = node, args = {}, options = {}, opts = {} }
  for i = 1, #node.args do call.args[i] = result["#" .. i] end
  local function take(o)
    local v = result["--" .. o[1]]
    if v == nil then v = o.default end
    if type(v) == "function" then v = v() end -- a default made when the command runs (now)
    if o.field then call.options[o.field] = v else call.opts[o[1]] = v end
  end
  for _, o in ipairs(self.data.global) do take(o) end
  for _, o in ipairs(node.options) do take(o) end
  return call
end

return M
