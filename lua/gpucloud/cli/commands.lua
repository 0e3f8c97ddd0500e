-- The command line as data: its options, and a row per command naming the
-- client method it calls. Adding a command is adding a row (and, in the
-- library, the method).
--
-- An option: { name, value = "METAVAR" (absent for a flag), check = fn
-- (text -> value | nil, what was wanted), repeats = true (the value is a
-- list), default = v (what the command line passes when it is not given),
-- required = true (the command needs it), help = "..." }.
--
-- A command row:
--   [1]      its words, after the provider's name
--   [2]      the client method
--   args     the positional arguments, in order, by kind (M.arguments):
--            "ID" one id, "ID..." one or more (the method is a bulk method,
--            called with the list and the bulk settings), others such as
--            "LABEL" text checked by their kind's check
--   groups   the option groups that apply (M.groups): "list" (the result
--            is a list: printed as a table, --filter applies), "bulk" (the
--            delete options), "wait" (--wait)
--   options  the command's own options, as above plus `field`: the name of
--            the method's option that gets the value, in the options table
--            after the arguments (the bulk settings for a bulk method)
--   bulk     for "ID...": the words of the prompt, report and progress line
--   needs_option  true: running it without one of its own options is a
--            usage error (an edit with nothing to change)
--   help     one line
-- e.g. a later { "label instance", "label_instance", args = { "ID", "LABEL" } },
-- { "update endpoint", "update_endpoint", args = { "ID" }, options = {
--   { "state", value = "STATE", check = checks.one_of { "active", "stopped" }, field = "state" } } }.

local checks = require "gpucloud.cli.checks"
local fleet = require "gpucloud.cli.fleet"

-- The unattended commands' run functions, loaded when one runs.
local function unattended(name)
  return function(...) return require("gpucloud.cli.unattended")[name](...) end
end
local keys = require "gpucloud.keys"
local providers = require "gpucloud.providers"

local M = {}

-- Options every command takes, anywhere after `gpucloud`.
M.global = {
  { "json", help = "print one JSON document on stdout, errors included" },
  { "quiet", help = "print nothing but errors (--json still prints its document)" },
  { "api-key", value = "KEY", check = checks.api_key,
    help = "the API key (else from the environment); never printed" },
  { "url", value = "URL", check = checks.url, help = "the API's base URL (else VAST_URL, TENSORPOOL_ENGINE)" },
  { "ca-file", value = "FILE", check = checks.path,
    help = "trust the certificates in this PEM file (a private CA, a proxy)" },
  { "timeout", value = "SECONDS", check = checks.seconds, help = "one attempt's timeout (default 60)" },
  { "deadline", value = "SECONDS", check = checks.seconds,
    help = "the whole call or wait, retries included (default none)" },
  { "retries", value = "N", check = checks.count(0), help = "retries after a failed attempt (default 3)" },
  -- read before parsing, wherever it is (see cli.lua): never parsed
  { "help", before_parsing = true, help = "this help (also -h); `gpucloud vast --help` for one provider" },
}

-- The providers that have fleet kinds, and every kind name, in order.
local FLEET_PROVIDERS, FLEET_KINDS = {}, {}
do
  local seen = {}
  for _, p in ipairs(providers.parts("fleet")) do
    FLEET_PROVIDERS[#FLEET_PROVIDERS + 1] = p.name
    local names = {}
    for k in pairs(p.module.kinds) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do
      if not seen[k] then
        seen[k] = true
        FLEET_KINDS[#FLEET_KINDS + 1] = k
      end
    end
  end
end

-- Option groups: the options of the commands that name the group, after
-- the command's words.
M.groups = {
  list = {
    { "filter", value = "FIELD=VALUE", check = checks.filter, repeats = true,
      help = "show/get/list: keep items whose FIELD is VALUE (repeatable)" },
  },
  bulk = {
    { "dry-run", help = "delete/destroy: print what would go, change nothing" },
    { "yes", help = "delete/destroy: do not ask before more than one id" },
    { "max", value = "N", check = checks.count(0), default = 50,
      help = "delete/destroy: refuse more than N ids (default 50)" },
    { "concurrency", value = "N", check = checks.count(1),
      help = "delete/destroy: requests in flight at once (default 8)" },
    { "journal", value = "FILE", check = checks.path,
      help = "delete/destroy: append a synced JSON line before and after each call (gpucloud journal check FILE)" },
  },
  wait = {
    { "wait", help = "destroy/cancel: wait until each destroy or cancel has finished" },
  },
  -- what the fleet's list and delete select, the same for both
  select = {
    { "provider", value = "P", check = checks.one_of(FLEET_PROVIDERS), repeats = true,
      help = "fleet: only this provider (repeatable; default all)" },
    { "kind", value = "K", check = checks.one_of(FLEET_KINDS), repeats = true,
      help = "fleet: only this kind (repeatable)" },
    { "state", value = "S", check = checks.one_of { "running", "idle", "stopped", "failed", "pending", "gone" },
      repeats = true, help = "fleet: only things in this state (repeatable: any of them)" },
    { "older-than", value = "AGE", check = checks.duration, help = "fleet: only things older than AGE (6h, 2d)" },
    { "filter", value = "FIELD=VALUE", check = checks.filter, repeats = true,
      help = "fleet: keep rows whose FIELD is VALUE (repeatable)" },
  },
  verify = {
    { "verify", help = "fleet delete: list again afterwards; what is still there counts as failed" },
  },
  -- what `fleet observe` saw (cli/unattended.lua)
  observed = {
    { "state-file", value = "FILE", check = checks.path,
      help = "fleet: the state file of `fleet observe`: rows gain how long each was seen idle" },
    { "idle-for", value = "AGE", check = checks.duration,
      help = "fleet: only things observed idle (or failed) for at least AGE (6h, 2d); needs --state-file" },
  },
  -- what a delete of a plan keeps and records
  unattended = {
    { "keep", value = "FILE", check = checks.path,
      help = "fleet: keep rules, one a line (provider=, kind=, id=, name=, label=): never deleted" },
    { "force", help = "fleet delete/apply: do not read each thing again to skip what changed since the plan" },
  },
}

-- Positional argument kinds. `id`: the provider's id rule.
M.arguments = {
  ID = { id = true },
  ["ID..."] = { id = true, many = true },
  LABEL = { check = checks.text },
  FILE = { check = checks.path },
}

-- Each provider's commands (its cli.lua: `id`, the check of an ID
-- argument, and `commands`, the rows), with what the command line says of
-- it made from its spec: its title, where its key comes from, the
-- variable that overrides its base URL.
local function provider_entry(name, cli)
  local spec = providers.spec(name)
  local places = keys.describe(spec)
  local vars, files = {}, {}
  for i, place in ipairs(places) do
    if i <= #spec.key.env then vars[#vars + 1] = place else files[#files + 1] = place end
  end
  local url_env
  for _, h in pairs(spec.hosts) do
    if h.env and not h.follows then url_env = url_env or h.env end
  end
  return {
    name = name, title = spec.title or name, id = cli.id, commands = cli.commands, url_env = url_env,
    key = "--api-key, " .. table.concat(places, ", "),
    no_key = string.format("no %s API key: pass --api-key, or set %s%s", spec.title or name,
      table.concat(vars, " or "), #files > 0 and (" (or put it in " .. table.concat(files, " or ") .. ")") or ""),
  }
end

M.providers = {}
for _, p in ipairs(providers.parts("cli")) do M.providers[#M.providers + 1] = provider_entry(p.name, p.module) end

M.providers[#M.providers + 1] = {
  name = "fleet", title = "every provider at once (clients from the environment)",
  key = "each provider's own",
  commands = {
    { "list", "list", run = fleet.list, groups = { "select", "observed" },
      help = "list every billable thing: kind, state, age, $/h" },
    { "delete", "delete", run = fleet.delete, groups = { "select", "observed", "bulk", "verify", "unattended" },
      help = "delete what the selection lists, plan first" },
    { "observe", "observe", run = unattended "observe", options = {
        { "state-file", value = "FILE", check = checks.path,
          help = "fleet: the state file of `fleet observe`: rows gain how long each was seen idle" },
        { "state", value = "FILE", check = checks.path, help = "fleet observe: the state file (as --state-file)" },
        { "provider", value = "P", check = checks.one_of(FLEET_PROVIDERS), repeats = true,
          help = "fleet: only this provider (repeatable; default all)" },
      }, help = "list every thing and record in the state file since when each is idle (run it every 15 min)" },
    { "plan", "plan", run = unattended "plan", groups = { "select", "observed" }, options = {
        { "out", value = "FILE", check = checks.path, help = "fleet plan: save the plan there, for `fleet apply`" },
        { "expires", value = "AGE", check = checks.duration,
          help = "fleet plan: how long the plan holds (default 24h)" },
        { "keep", value = "FILE", check = checks.path,
          help = "fleet: keep rules, one a line (provider=, kind=, id=, name=, label=): never deleted" },
      }, help = "print what a delete would act on; --out saves it for review" },
    { "apply", "apply", run = unattended "apply", args = { "FILE" }, groups = { "bulk", "verify", "unattended" },
      help = "delete what a saved plan names and still matches it (changed things are skipped)" },
  },
}

M.providers[#M.providers + 1] = {
  name = "journal", title = "the journal of destructive calls (--journal FILE)", key = "each provider's own",
  commands = {
    { "check", "check", run = unattended "journal_check", args = { "FILE" },
      help = "list again and say what became of each call: gone, still there, unresolved" },
  },
}

-- Commands of their own, not a provider's: the same row format, with
-- `module` instead of a client method (its main(call, sys) returns the
-- exit status, or nil and a usage message).
M.tools = {
  { "repl", module = "gpucloud.repl", help = "an interactive Lua with gpucloud, vast and tp ready (help() inside)",
    options = { { "sim", field = "sim", help = "repl: start the simulator for the session, stop it on exit" } } },
}

return M
