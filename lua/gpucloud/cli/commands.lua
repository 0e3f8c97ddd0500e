-- The command line as data: its options, and a row per command naming the
-- client method it calls. Adding a command is adding a row (and, in the
-- library, the method). Nothing here is built before it is asked for: a
-- `gpucloud vast ...` command loads Vast.ai's rows only (M.data).
--
-- An option: { name, short = "o" (a one-letter alias), value = "METAVAR"
-- (absent for a flag), check = fn (text -> value | nil, what was wanted),
-- repeats = true (the value is a list), default = v (what the command line
-- passes when it is not given; a function: what it returns then, e.g. the
-- time now), required = true (the command needs it), help = "..." }.
--
-- A command row:
--   [1]      its words, after the provider's name
--   [2]      the client method
--   aliases  other words for it (the official CLIs' where they differ:
--            "destroy instances"); help lists them on the row's line
--   args     the positional arguments, in order, by kind (M.arguments):
--            "ID" one id, "ID..." one or more (the method is a bulk method,
--            called with the list and the bulk settings), others such as
--            "LABEL" text checked by their kind's check
--   groups   the option groups that apply (M.groups): "list" (the result
--            is a list: printed as a table, --filter and --columns apply),
--            "bulk" (the delete options), "wait" (--wait)
--   options  the command's own options, as above plus `field`: the name of
--            the method's option that gets the value, in the options table
--            after the arguments (the bulk settings for a bulk method)
--   bulk     for "ID...": the words of the prompt, report and progress line:
--            noun (plural), one (singular; default: noun less its "s"),
--            verb, done (the report's word: "destroyed"), doing
--   kind     for "ID...": the provider's fleet kind (fleet.lua) the ids are
--            of, so that a dry run reads its listing and names each id
--   columns  for a list: the default columns (fields of the items), and
--            `fields`: {field = {title, format}} (format: "age", "date",
--            "money", "+money" (signed), "money/h", "cents/h", "rate" (a
--            price per unit: never summed), "duration";
--            `optional = true`: a default column shown only when some
--            item has the field, blank where an item has none; `wide =
--            true`: never cut, a reason), for any column shown
--   text     the answer is text to print as it is (a log), not a record
--   examples command lines that show it, for its --help
--   needs_option  true: running it without one of its own options is a
--            usage error (an edit with nothing to change)
--   run      instead of a client method: the name of a function
--            (lib, call, out, sys) of the entry's `module` (or of the
--            row's own `module`) that does the whole command (the fleet's)
--   help     one line

local checks = require "gpucloud.cli.checks"
local config = require "gpucloud.config"
local providers = require "gpucloud.providers"

local M = {}

-- "(default N)" from the options schema, the one home of every default
-- (in `scope`'s, shown by `show` where given).
-- A default in seconds as hours ("24h"): gpucloud.times stays unloaded
-- for commands that never show a time (issue 23).
local function as_hours(v) return string.format("%gh", v / 3600) end

local function default(name, scope, show)
  local v = config.default(name, scope)
  return "(default " .. (v == nil and "none" or (show or tostring)(v)) .. ")"
end

-- The output formats of -o.
M.FORMATS = { "table", "json", "jsonl", "csv", "ids" }

-- Options every command takes, anywhere after `gpucloud`.
M.global = {
  { "output", short = "o", value = "FORMAT", check = checks.one_of(M.FORMATS),
    help = "table (default), json (one document), jsonl (a line per item), csv, or ids (one a line)" },
  { "json", help = "the same as -o json: one JSON document on stdout, errors included" },
  { "raw", help = "the same as -o json (vastai's word)" },
  { "quiet", help = "print nothing but errors (-o json still prints its document)" },
  { "api-key", value = "KEY", check = checks.api_key,
    help = "the API key (else from the environment); never printed" },
  { "url", value = "URL", check = checks.url,
    help = "the API's base URL (else the provider's variable, then the config file)" },
  { "ca-file", value = "FILE", check = checks.path,
    help = "trust the certificates in this PEM file (a private CA, a proxy)" },
  { "timeout", value = "SECONDS", check = checks.seconds, help = "one attempt's timeout " .. default("timeout") },
  { "deadline", value = "SECONDS", check = checks.seconds,
    help = "the whole call or wait, retries included " .. default("deadline") },
  { "retries", value = "N", check = checks.count(0), help = "retries after a failed attempt " .. default("retries") },
  -- read before parsing, wherever they are (see cli.lua): never parsed
  { "help", short = "h", before_parsing = true,
    help = "this help; after a command's words, that command's (`gpucloud vast --help`: one provider's)" },
  { "version", before_parsing = true, help = "gpucloud's version, and its Lua's and libcurl's" },
}

local COLUMNS = { "columns", value = "A,B,...", check = checks.columns,
  help = "show/get/list: these columns (fields), or `all`; default: the command's own" }
local STATE_FILE = { "state-file", value = "FILE", check = checks.path,
  help = "fleet: the state file of `fleet observe`: rows gain how long each was seen idle" }
local KEEP = { "keep", value = "FILE", check = checks.path,
  help = "fleet: keep rules, one a line (provider=, kind=, id=, name=, label=): never deleted" }
-- the rates no answer carries (gpucloud.fleet's prices option), read when parsed
local PRICES = { "prices", value = "FILE", check = checks.prices,
  help = "fleet: a JSON file of prices, e.g. {\"tensorpool\": {\"instance_types\": {\"8xH100\": 20.0}}}" }

-- The states of the fleet view (gpucloud.fleet's words).
local STATES = { "running", "idle", "stopped", "failed", "pending", "gone" }

-- Every fleet kind name, in order; read only by the fleet's options.
local function fleet_kinds()
  local seen, out = {}, {}
  for _, p in ipairs(providers.parts("fleet")) do
    local names = {}
    for k in pairs(p.module.kinds) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do
      if not seen[k] then
        seen[k] = true
        out[#out + 1] = k
      end
    end
  end
  return out
end

-- The providers that have fleet kinds (a file each, not loaded here).
local function fleet_providers()
  local out = {}
  for _, n in ipairs(providers.names()) do
    if providers.has(n, "fleet") then out[#out + 1] = n end
  end
  return out
end

-- Option groups: the options of the commands that name the group, after
-- the command's words. `select` is made when first asked for (it reads
-- every provider's fleet kinds).
local GROUPS = {
  list = {
    { "filter", value = "FIELD=VALUE", check = checks.filter, repeats = true,
      help = "show/get/list: keep items whose FIELD is VALUE (FIELD!=VALUE: is not; repeatable)" },
    COLUMNS,
  },
  bulk = {
    { "dry-run", help = "delete/destroy: print what would go (each id's name and state), change nothing" },
    { "yes", help = "delete/destroy: do not ask before more than one id" },
    { "max", value = "N", check = checks.count(0), default = config.default("max"),
      help = "delete/destroy: refuse more than N ids " .. default("max") },
    { "concurrency", value = "N", check = checks.count(1),
      help = "delete/destroy: requests in flight at once " .. default("concurrency") },
    { "journal", value = "FILE", check = checks.path,
      help = "delete/destroy: append a synced JSON line before and after each call (gpucloud journal check FILE)" },
  },
  wait = {
    { "wait", help = "destroy/cancel: wait until each destroy or cancel has finished" },
  },
  verify = {
    { "verify", help = "fleet delete: list again afterwards; what is still there counts as failed" },
  },
  -- what `fleet observe` saw (cli/unattended.lua)
  observed = {
    STATE_FILE,
    { "idle-for", value = "AGE", check = checks.duration,
      help = "fleet: only things observed idle (or failed) for at least AGE (6h, 2d); needs --state-file" },
  },
  -- what a delete of a plan keeps and records
  unattended = {
    KEEP,
    { "force", help = "fleet delete/apply: do not read each thing again to skip what changed since the plan" },
  },
  prices = { PRICES },
}

-- --provider, made when first asked for (it looks for each fleet.lua)
local provider_option
local function provider()
  provider_option = provider_option or { "provider", value = "P", check = checks.one_of(fleet_providers()),
    repeats = true, help = "fleet: only this provider (repeatable; default every provider in use)" }
  return provider_option
end

local LAZY_GROUPS = {
  -- what `fleet observe` records, of which providers
  observe = function()
    return { STATE_FILE, { "state", value = "FILE", check = checks.path,
      help = "fleet observe: the state file (the same as --state-file)" }, provider(), COLUMNS }
  end,
  -- the window and grouping of `fleet cost`, of which providers
  cost = function()
    return {
      { "since", value = "WHEN", check = checks.when, required = true,
        help = "fleet cost: from WHEN: a duration back from now (7d), a UTC day (2026-01-05)" },
      { "until", value = "WHEN", check = checks.when, help = "fleet cost: up to WHEN (default now)" },
      { "by", value = "WHAT", check = checks.one_of { "provider", "kind", "label", "thing" },
        help = "fleet cost: a line per provider, kind, label or thing (default thing)" },
      provider(), COLUMNS,
    }
  end,
  -- what the fleet's list and delete select, the same for both
  select = function()
    return {
      provider(),
      { "kind", value = "K", check = checks.one_of(fleet_kinds()), repeats = true,
        help = "fleet: only this kind (repeatable)" },
      { "state", value = "S", check = checks.one_of(STATES),
        repeats = true, help = "fleet: only things in this state (repeatable: any of them)" },
      { "older-than", value = "AGE", check = checks.duration,
        help = "fleet: only things older than AGE (6h, 2d); those of unknown age are left out, and counted" },
      { "cost-above", value = "USD", check = checks.dollars,
        help = "fleet: only things costing more than USD an hour; those of unknown cost are left out, and counted" },
      { "filter", value = "FIELD=VALUE", check = checks.filter, repeats = true,
        help = "fleet: keep rows whose FIELD is VALUE (FIELD!=VALUE: is not; repeatable)" },
      COLUMNS,
    }
  end,
}
M.groups = setmetatable({}, { __index = function(t, name)
  local g = GROUPS[name] or (LAZY_GROUPS[name] and LAZY_GROUPS[name]())
  if g then rawset(t, name, g) end
  return g
end })

-- Positional argument kinds. `id`: the provider's id rule; `many`: one or
-- more (`optional`: zero or more).
M.arguments = {
  ID = { id = true },
  ["ID..."] = { id = true, many = true },
  LABEL = { check = checks.text },
  GB = { check = checks.count(1) },
  FILE = { check = checks.path },
  ["COMMAND..."] = { check = checks.text, many = true, optional = true },
  SHELL = { check = checks.one_of { "bash", "zsh", "fish" } },
}

-- Each provider's commands (its cli.lua: `id`, the check of an ID
-- argument, and `commands`, the rows), with what the command line says of
-- it made from its spec: its title, where its key comes from, the
-- variables that override its base URLs.
local function provider_entry(name, cli)
  local keys = require "gpucloud.keys"
  local spec = providers.spec(name)
  local places = keys.describe(spec)
  local vars, files = {}, {}
  for i, place in ipairs(places) do
    if i <= #spec.key.env then vars[#vars + 1] = place else files[#files + 1] = place end
  end
  local url_env, hosts = nil, {}
  for hname, h in pairs(spec.hosts) do
    if h.env and not h.follows then url_env = url_env or h.env end
    hosts[hname] = h
  end
  return {
    name = name, title = spec.title or name, short = spec.short, id = cli.id, commands = cli.commands,
    url_env = url_env, hosts = hosts, key_env = spec.key.env,
    key = "--api-key, " .. table.concat(places, ", "),
    no_key = string.format("no %s API key: pass --api-key, or set %s%s", spec.title or name,
      table.concat(vars, " or "), #files > 0 and (" (or put it in " .. table.concat(files, " or ") .. ")") or ""),
  }
end

-- A fleet row's columns (gpucloud.fleet's row fields); idle_for only with
-- a state file, next_cost_per_hour only where a price increase is pending
-- (`optional`: a default column no row has is left out). An unknown cost
-- shows as -, cost_unknown says why (--columns key,cost_unknown).
local FLEET_COLUMNS = { "provider", "kind", "id", "name", "state", "status", "age", "idle_for", "cost_per_hour",
  "next_cost_per_hour", "protected" }
local FLEET_FIELDS = { age = { "age", "duration" }, cost_per_hour = { "$/h", "money/h" },
  next_cost_per_hour = { "$/h after increase", "money/h", optional = true },
  next_cost_starts = { "increase starts", "date" }, created_at = { "created", "date" },
  idle_for = { "idle for", "duration", optional = true }, cost_unknown = { "why no $/h", wide = true } }

-- `fleet cost`'s groups (cli/cost.lua): what each was billed beside its estimate.
local COST_COLUMNS = { "group", "things", "estimate", "billed", "difference", "notes" }
local COST_FIELDS = { estimate = { "estimate", "money" }, billed = { "billed", "money" },
  difference = { "difference", "+money" }, notes = { "notes", wide = true } }

local FLEET = {
  name = "fleet", title = "Fleet: every provider in use at once", key = "each provider's own",
  module = "gpucloud.cli.fleet",
  commands = {
    { "list", "list", run = "list", groups = { "select", "observed", "prices" }, columns = FLEET_COLUMNS,
      fields = FLEET_FIELDS, help = "list every billable thing: kind, id, name, state, age, $/h, and the total $/h",
      examples = { "gpucloud fleet list", "gpucloud fleet list --state idle --older-than 6h -o csv",
                   "gpucloud fleet list --cost-above 1 --prices prices.json",
                   "gpucloud fleet list --columns key,cost_per_hour,cost_unknown",
                   "gpucloud fleet list --state-file ~/.gpucloud-state.json --idle-for 2h" } },
    { "delete", "delete", run = "delete", groups = { "select", "observed", "bulk", "verify", "unattended", "prices" },
      help = "delete what the selection lists: the plan first, naming each thing",
      examples = { "gpucloud fleet delete --state idle --dry-run", "gpucloud fleet delete --kind workergroup --yes",
                   "gpucloud fleet delete --state idle --keep keep.txt --journal journal.jsonl --yes" } },
    { "observe", "observe", run = "observe", module = "gpucloud.cli.unattended", groups = { "observe" },
      columns = FLEET_COLUMNS, fields = FLEET_FIELDS,
      help = "list every thing, and record since when each is idle in the state file (every 15 min, say)",
      examples = { "gpucloud fleet observe --state-file ~/.gpucloud-state.json" } },
    { "plan", "plan", run = "plan", module = "gpucloud.cli.unattended", groups = { "select", "observed", "prices" },
      options = {
        { "out", value = "FILE", check = checks.path, help = "fleet plan: save the plan there, for `fleet apply`" },
        { "expires", value = "AGE", check = checks.duration,
          help = "fleet plan: how long the plan holds " .. default("expires", "plan", as_hours) },
        KEEP,
      }, help = "print what a delete would act on, naming each thing; --out saves it for review",
      examples = { "gpucloud fleet plan --state idle --older-than 6h",
                   "gpucloud fleet plan --state idle --keep keep.txt --out plan.json" } },
    { "apply", "apply", run = "apply", module = "gpucloud.cli.unattended", args = { "FILE" },
      groups = { "bulk", "verify", "unattended", "prices" },
      help = "delete what a saved plan names and still matches it (changed things are skipped)",
      examples = { "gpucloud fleet apply plan.json --dry-run",
                   "gpucloud fleet apply plan.json --yes --journal journal.jsonl" } },
    { "cost", "cost", run = "cost", module = "gpucloud.cli.cost", groups = { "cost", "prices" },
      columns = COST_COLUMNS, fields = COST_FIELDS,
      help = "what each thing was billed in a window, beside its estimate ($/h x time alive)",
      examples = { "gpucloud fleet cost --since 7d --by kind",
                   "gpucloud fleet cost --since 2026-01-01 --until 2026-02-01 --by provider -o json" } },
  },
}

local JOURNAL = {
  name = "journal", title = "Journal: what became of the calls a --journal FILE recorded",
  key = "each provider's own", module = "gpucloud.cli.unattended",
  commands = {
    { "check", "check", run = "journal_check", args = { "FILE" },
      help = "list again and say what became of each call: gone, still there, unknown",
      examples = { "gpucloud journal check journal.jsonl" } },
  },
}

-- The first words that are no provider's, in order.
local OWN = { fleet = FLEET, journal = JOURNAL }
local OWN_NAMES = { "fleet", "journal" }

local entries = {}

--- The entry of `name` (a provider with a cli.lua, "fleet" or "journal"), or nil.
function M.provider(name)
  if OWN[name] then return OWN[name] end
  if entries[name] == nil then
    local cli = providers.known(name) and providers.part(name, "cli")
    entries[name] = cli and provider_entry(name, cli) or false
  end
  return entries[name] or nil
end

-- Commands of their own, not a provider's: the same row format, with
-- `module` instead of a client method (its main(call, sys) returns the
-- exit status, or nil and a usage message).
M.tools = {
  { "repl", module = "gpucloud.repl", help = "an interactive Lua with gpucloud and every client ready (help() inside)",
    options = { { "sim", field = "sim", help = "repl: start the simulator for the session, stop it on exit" } },
    examples = { "gpucloud repl", "gpucloud repl --sim" } },
  { "help", module = "gpucloud.cli.help", args = { "COMMAND..." }, help = "help on a command, or on every command",
    examples = { "gpucloud help", "gpucloud help vast delete workergroup" } },
  { "completion", module = "gpucloud.cli.completion", args = { "SHELL" },
    help = "a completion script for bash, zsh or fish, on stdout",
    examples = { "source <(gpucloud completion bash)",
                 "gpucloud completion fish > ~/.config/fish/completions/gpucloud.fish" } },
}

--- The first words of the command line, in order: each provider with
-- commands, fleet, journal, the tools. Nothing is loaded to say them.
function M.first_words()
  local out = {}
  for _, n in ipairs(providers.names()) do
    if providers.has(n, "cli") then out[#out + 1] = n end
  end
  for _, n in ipairs(OWN_NAMES) do out[#out + 1] = n end
  for _, t in ipairs(M.tools) do out[#out + 1] = t[1] end
  return out
end

--- The provider a first word names: its name, or its short name (`tp`).
function M.resolve(word)
  if OWN[word] or (providers.known(word) and providers.has(word, "cli")) then return word end
  for _, n in ipairs(providers.names()) do
    if providers.has(n, "cli") and providers.spec(n).short == word then return n end
  end
end

--- What the parser needs (global, groups, arguments, providers, tools,
-- names) for a command line whose first word is `first`: that provider's
-- rows alone, or a tool's; every provider's when `first` is nil.
function M.data(first)
  local list = {}
  local name = first and M.resolve(first)
  if name then
    list[1] = M.provider(name)
  elseif not first then
    for _, w in ipairs(M.first_words()) do
      local p = M.provider(w)
      if p then list[#list + 1] = p end
    end
  end
  return {
    global = M.global, groups = M.groups, arguments = M.arguments, providers = list,
    tools = M.tools, names = M.first_words(), alias = name and name ~= first and { [first] = name } or nil,
  }
end

return M
