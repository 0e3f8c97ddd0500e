-- `gpucloud repl`: an interactive Lua with the library ready. `gpucloud`,
-- a client per registered provider (by its REPL name: its spec's `short`,
-- else its name) and `fleet` (where gpucloud.fleet is installed) are in
-- the environment, the clients made at first use, so a missing key is an
-- error of the call that needs it, not of the start. Every value prints
-- through gpucloud.repl.show; help() is gpucloud.repl.help. Line editing,
-- history and tab completion come from Debian's lua-readline when it is
-- installed (and stdin is a terminal); plain lines otherwise. `--sim`
-- starts the simulator for the session, points the clients at it and
-- stops it on exit.
--
-- Ctrl-C never ends the session: the core's interrupt guard is on while
-- it runs, so a Ctrl-C ends the running call at once (its error says
-- `interrupted`, and whether it may have landed), stops Lua code typed at
-- the prompt (a hook looks at the guard every 1000 instructions; under
-- LuaJIT that code is not compiled, where no hook runs), and at the
-- prompt drops the line being typed (on plain lines at once; readline
-- reads on to the Enter). SIGTERM leaves as Ctrl-D does:
-- the history saved, the simulator stopped.

local core = require "gpucloud.core"
local help = require "gpucloud.repl.help"
local show = require "gpucloud.repl.show"

local M = {}

local format = string.format
local unpack = table.unpack or unpack -- luacheck: ignore

local HISTORY = ".gpucloud_history" -- in $HOME
local PROMPT, MORE = "> ", ">> "

------------------------------------------------------------------------
-- Compiling what was typed, in every Lua: an expression is printed
-- (`return` is tried first, as Lua's own REPL does); a chunk cut short
-- asks for more lines.

local setfenv, loadstring = rawget(_G, "setfenv"), rawget(_G, "loadstring")

local function load_in(src, env)
  if setfenv and loadstring then -- Lua 5.1, LuaJIT
    local f, err = loadstring(src, "=stdin")
    if f then setfenv(f, env) end
    return f, err
  end
  return load(src, "=stdin", "t", env)
end

--- Compile typed source: the function, or nil and the message, or nil
-- and true when the source is incomplete (as `lua -i`: an error at the
-- end of the input, as an expression or as a statement: `1 +`).
function M.compile(src, env)
  local f, rerr = load_in("return " .. src, env)
  if f then return f end
  local err
  f, err = load_in(src, env)
  if f then return f end
  if err:match("<eof>'?$") or rerr:match("<eof>'?$") then return nil, true end
  return nil, err
end

--- An error's text without the library's own places ("repl.lua:218: ",
-- ".../curl.lua:36: "): what was typed keeps its `stdin:1:`.
function M.error_text(e)
  local s = type(e) == "string" and e or show.value(e)
  local prev
  repeat
    prev = s
    s = s:gsub("^[^%s:]*%.lua:%d+: ", "")
  until s == prev
  return s
end

------------------------------------------------------------------------
-- Completion: names of the environment, and members after `.` or `:` of
-- what a dotted name reaches (a client's methods, a module's fields, a
-- list's methods). Nothing is called but the environment's own lookup.

local function members(v, methods_only, out)
  local seen = {}
  for _ = 1, 4 do -- the table, then its __index tables
    if type(v) ~= "table" then break end
    for k, x in pairs(v) do
      if type(k) == "string" and k:match("^[%a_][%w_]*$") and not k:match("^__")
          and (not methods_only or type(x) == "function") and not seen[k] then
        seen[k] = true
        out[#out + 1] = k
      end
    end
    local mt = getmetatable(v)
    v = type(mt) == "table" and rawget(mt, "__index") or nil
  end
  return out
end

--- The completions of `word` (the text before the cursor, back to a
-- space or bracket) in `env`.
function M.completions(env, word, extra)
  local base, sep, part = word:match("^(.-)([.:])([%w_]*)$")
  local names, prefix = {}, ""
  if base then
    if not base:match("^[%a_][%w_.]*$") or base:find("..", 1, true) or base:sub(-1) == "." then return {} end
    local v = env
    for seg in base:gmatch("[^.]+") do
      if type(v) ~= "table" then return {} end
      v = v[seg]
    end
    members(v, sep == ":", names)
    prefix = base .. sep
  else
    if not word:match("^[%a_]?[%w_]*$") then return {} end
    part = word
    members(env, false, names)
    for _, k in ipairs(extra or {}) do names[#names + 1] = k end
  end
  local out, seen = {}, {}
  for _, k in ipairs(names) do
    if k:sub(1, #part) == part and not seen[k] then
      seen[k] = true
      out[#out + 1] = prefix .. k
    end
  end
  table.sort(out)
  return out
end

------------------------------------------------------------------------
-- Reading lines: readline where it is installed and stdin is a terminal,
-- else plain lines (a pipe, a machine without lua-readline).

local function plain_reader(sys)
  local tty = sys.isatty(0)
  return {
    kind = "plain lines",
    read = function(prompt)
      if tty then
        sys.stdout:write(prompt)
        sys.stdout:flush()
      end
      return sys.stdin:read("*l")
    end,
    close = function() end,
  }
end

local function readline_reader(sys, env, lazy_names)
  local ok, rl = pcall(require, "readline")
  if not ok or type(rl) ~= "table" then return nil end
  local home = sys.getenv("HOME")
  rl.set_options { histfile = home and home ~= "" and (home .. "/" .. HISTORY) or "", keeplines = 1000,
                   completion = true }
  rl.set_readline_name("gpucloud")
  -- readline hands over the word under the cursor (from..to of the line);
  -- `.` and `:` do not break words, so "vast:del" comes whole
  rl.set_complete_function(function(text, from, to)
    local okc, list = pcall(M.completions, env, text:sub(from, to), lazy_names)
    if not okc then return {} end
    if #list == 1 then rl.set_completion_append_character("") end
    return list
  end)
  -- readline reads on after a Ctrl-C (it echoes ^C and keeps the line;
  -- its callback interface would start afresh, but lua-readline's
  -- handler_remove closes the terminal's FILE before readline is done
  -- with it): the main loop drops the line when it comes
  return {
    kind = "readline",
    read = function(prompt) return rl.readline(prompt) end,
    close = function() rl.save_history() end,
  }
end

------------------------------------------------------------------------
-- The environment.

-- The clients' options: the simulator's URL and keys under --sim, and the
-- command line's timeouts, else what the library reads from the
-- environment.
local function client_opts(call, sim, which)
  local o = call.opts
  local t = { timeout = o.timeout, retries = o.retries, deadline = o.deadline, ca_file = o["ca-file"] }
  if sim then
    t.url, t.api_key = sim.url, sim.keys[which]
  end
  return t
end

local fleet_module = help.fleet_module

local EXIT = setmetatable({}, { __tostring = function() return "exit" end })

local function lib_is_error(v) return require("gpucloud").is_error(v) end

local function environment(call, sim, out)
  local lib = require "gpucloud"
  local made, lazy = {}, {}
  for _, p in ipairs(help.providers) do
    lazy[p.var] = function()
      local c = lib[p.ctor](client_opts(call, sim, p.ctor))
      made[#made + 1] = c
      help.name_methods()
      return c
    end
  end
  local env
  if fleet_module() then
    -- a fleet over the REPL's own clients, when the module makes one
    lazy.fleet = function()
      local f = fleet_module()
      if type(f) ~= "table" or type(f.new) ~= "function" then return f end
      -- every provider with fleet kinds, through the REPL's own clients
      local clients = {}
      for _, p in ipairs(help.providers) do
        if require("gpucloud.providers").has(p.ctor, "fleet") then clients[p.ctor] = env[p.var] end
      end
      return f.new(clients)
    end
  end
  local exit_code
  local function exit(code)
    exit_code = code
    error(EXIT, 0)
  end
  local base = {
    gpucloud = lib, sim = sim,
    help = function(...) out(help.text(select("#", ...), ...)) end,
    print = function(...) out(show.print_line(select("#", ...), ...)) end,
    exit = exit,
    os = setmetatable({ exit = exit }, { __index = os }),
  }
  env = setmetatable(base, { __index = function(t, k)
    local make = lazy[k]
    if make then
      local v = make()
      rawset(t, k, v)
      return v
    end
    return _G[k]
  end })
  local names = {}
  for k in pairs(lazy) do names[#names + 1] = k end
  for k in pairs(_G) do names[#names + 1] = k end
  return env, made, names, function() return exit_code end
end

------------------------------------------------------------------------
-- The loop.

local function pack(...) return { n = select("#", ...), ... } end

-- Raise in typed code once a signal came. Only there: a call of the
-- library ends by itself (the core stops its transfer), and its error,
-- which says whether the call may have landed, reaches the prompt.
local function interrupt_hook()
  local n, sig = core.interrupted()
  if n > 0 then
    local info = debug.getinfo(2, "S")
    if info and info.source == "=stdin" then error("interrupted (" .. tostring(sig) .. ")", 0) end
  end
end

-- Run one compiled chunk; prints its values or its error. Returns false
-- when it asked to leave.
local function evaluate(f, out)
  core.clear_interrupt()
  -- LuaJIT runs no hook in compiled code: typed code stays interpreted
  local jit = rawget(_G, "jit")
  if jit then jit.off(f, true) end
  debug.sethook(interrupt_hook, "", 1000)
  local r = pack(xpcall(f, function(e) return e end))
  debug.sethook()
  -- the terminal echoed ^C where the cursor was: what follows starts a line
  if core.interrupted() > 0 then out("") end
  if r[1] then
    if r.n > 1 then out(show.values(r.n - 1, unpack(r, 2, r.n))) end
    return true
  end
  local e = r[2]
  if e == EXIT then return false end
  out("error: " .. M.error_text(e))
  -- a bulk call stopped by the error says what it had done
  if type(e) == "table" and lib_is_error(e) and e.report then out(show.value(e.report)) end
  return true
end

local function banner(reader, sim)
  local names = { "gpucloud" }
  for _, p in ipairs(help.providers) do names[#names + 1] = p.var end
  if fleet_module() then names[#names + 1] = "fleet" end
  local last = table.remove(names)
  local lines = {
    format("gpucloud %s, %s, %s: %s and %s are ready; help() lists the methods; Ctrl-D leaves",
      require("gpucloud.config").VERSION, rawget(_G, "jit") and rawget(_G, "jit").version or _VERSION, reader.kind,
      table.concat(names, ", "), last),
  }
  if sim then
    lines[2] = format("simulator at %s: the clients talk to it, `sim` controls it (sim:reset()); stopped on exit"
      .. " (prefix %s)", sim.url, sim.prefix)
  end
  return table.concat(lines, "\n")
end

--- `gpucloud repl`: `call` is the parsed command line, `sys` holds
-- getenv, isatty, stdin, stdout, stderr. Returns the exit status, or nil
-- and a usage message.
function M.main(call, sys)
  local o = call.opts
  if o.url or o["api-key"] then
    -- each provider's variables: its base URLs', its key's
    local vars = {}
    for _, p in ipairs(help.providers) do
      local spec, urls = help.spec_of(p), {}
      for _, h in pairs(spec.hosts or {}) do
        if h.env and not h.follows then urls[#urls + 1] = h.env end
      end
      table.sort(urls)
      for _, v in ipairs(urls) do vars[#vars + 1] = v end
      vars[#vars + 1] = spec.key and spec.key.env and spec.key.env[1] or nil
    end
    return nil, "repl: --url and --api-key are one provider's; set " .. table.concat(vars, ", ") .. " (or use --sim)"
  end
  if o.json then return nil, "repl: --json is for commands; the REPL prints for people" end
  local function out(s) sys.stdout:write(s, "\n") end
  local sim
  if call.options.sim then
    local err
    sim, err = require("gpucloud.sim.server").start()
    if not sim then
      sys.stderr:write("gpucloud: repl: the simulator did not start: ", tostring(err), "\n")
      return 1
    end
  end
  local env, made, names, exit_code = environment(call, sim, out)
  local reader = sys.isatty(0) and readline_reader(sys, env, names) or plain_reader(sys)
  out(banner(reader, sim))
  -- this session's signals: each ends the running call (abort at the
  -- first), and a plain read returns at one (readline handles its own)
  local was_guarded = core.interrupt_guard(true, 1, reader.kind == "plain lines")
  local pending, status
  while true do
    local okr, line = pcall(reader.read, pending and MORE or PROMPT)
    local n, sig = core.interrupted()
    if sig == "SIGTERM" then
      out("")
      status = 143
      break
    elseif n > 0 or not okr then -- Ctrl-C while reading: the line dropped, a fresh prompt
      core.clear_interrupt()
      out(okr and line and line ~= "" and "(Ctrl-C: line dropped)" or "")
      pending = nil
    elseif line == nil then
      out("")
      break
    else
      local src = pending and (pending .. "\n" .. line) or line
      local f, err = M.compile(src, env)
      if f then
        pending = nil
        local more = evaluate(f, out)
        if select(2, core.interrupted()) == "SIGTERM" then
          status = 143
          break
        end
        core.clear_interrupt() -- a Ctrl-C the call has answered
        if not more then break end
      elseif err == true then
        pending = src
      else
        pending = nil
        out("error: " .. err)
      end
    end
  end
  -- leaving: what pauses (the simulator's stop) must not stop at once
  core.clear_interrupt()
  reader.close()
  for _, c in ipairs(made) do pcall(c.close, c) end
  if sim then sim:stop() end
  if not was_guarded then core.interrupt_guard(false) end
  return exit_code() or status or 0
end

return M
