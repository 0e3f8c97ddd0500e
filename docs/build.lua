-- make docs: the HTML reference, built into build/docs/, never committed.
--
--   lua5.4 docs/build.lua [config.ld [out]]
--
-- 1. docs/gen.lua's stubs (the clients, options and errors, from the
--    data they are made of) into <out>/src/, and docs/public.lua's
--    surface (every public name, from the objects) into <out>/surface.lua;
-- 2. LDoc reads the stubs and the hand-written public modules (config.ld)
--    and docs/check.lua, inside it, fails unless every public name is
--    documented;
-- 3. LDoc writes the HTML into <out>/.
-- Any LDoc warning fails the build. Debian's ldoc 1.4.6 exits 1 with
-- --fatalwarnings for the warnings of doc comments, but only writes others
-- (those of a markdown topic, of the code prettifier) to stderr, the
-- --filter run exits 0 whatever it saw, and a missing markdown formatter
-- is a note on stdout ("format: discount not found, falling back to
-- text"): anything on stderr counts, and that note too.

local M = {}

local function q(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function spit(path, text)
  local f = assert(io.open(path, "wb"))
  assert(f:write(text))
  assert(f:close())
end

-- Run a shell command; returns ok, stdout, stderr. The shell reports the
-- status (io.popen():close() gives it only from Lua 5.2 on).
local function sh(cmd)
  local errfile = os.tmpname()
  local f = assert(io.popen("( " .. cmd .. " ) 2>" .. q(errfile) .. "; printf '\\n__rc=%d' $?"))
  local all = f:read("*a")
  f:close()
  local err = slurp(errfile) or ""
  os.remove(errfile)
  local out, rc = all:match("^(.*)\n__rc=(%d+)$")
  return rc == "0", out or all, err
end
M.sh = sh

--- Write the stubs and the surface into `out`; returns true, or nil and
-- the list of what has nothing to say.
function M.generate(out, readme)
  local gen = require "docs.gen"
  local stubs, problems = gen.stubs(readme)
  if not stubs then return nil, problems end
  assert(sh("rm -rf " .. q(out .. "/src") .. " && mkdir -p " .. q(out .. "/src")))
  for name, text in pairs(stubs) do spit(out .. "/src/" .. name, text) end
  spit(out .. "/surface.lua", require("docs.public").chunk())
  -- the command line's page and man page, from the command rows
  local man = require "docs.man"
  assert(sh("mkdir -p " .. q(out .. "/topics")))
  spit(out .. "/topics/command-line.md", man.markdown())
  spit(out .. "/gpucloud.1", man.roff(require("gpucloud.config").VERSION))
  return true
end

--- Run LDoc with `args` (after the config's); returns ok and what it said
-- (stdout, then stderr). Not ok when it failed or wrote to stderr.
function M.ldoc(opts, args)
  local root = opts.root or "."
  -- LDoc changes to the config's directory; docs.check is found from here
  local cmd = string.format("cd %s && GPUCLOUD_DOCS_SURFACE=%s LUA_PATH=\"$(pwd)/?.lua;;\" %s -c %s %s .",
    q(root), q(opts.out .. "/surface.lua"), opts.ldoc or "ldoc", q(opts.config), args)
  local ok, out, err = sh(cmd)
  return ok and err == "" and not out:find("not found, falling back", 1, true), out, err
end

--- A copy of `config` that builds into `out` (an absolute path) from
-- anywhere: LDoc reads its files relative to the config's directory, so
-- every path in it (a quoted string with a slash) becomes absolute, and
-- build/docs becomes `out`. Specs build there, side by side, each into
-- its own directory. Returns the copy's path.
function M.config_in(config, out)
  local ok, pwd = sh("pwd")
  local root = assert(ok and pwd:match("^[^\n]+"), "pwd")
  local text = assert(slurp(config), config)
  text = text:gsub('"([^"\n]*/[^"\n]*)"', function(p)
    p = p:gsub("^build/docs", function() return out end, 1) -- (out taken as it is, % too)
    return string.format("%q", p:sub(1, 1) == "/" and p or root .. "/" .. p)
  end)
  spit(out .. "/config.ld", text)
  return out .. "/config.ld"
end

--- The whole build; returns ok, and the lines to show.
function M.run(opts)
  local readme = assert(slurp((opts.root or ".") .. "/README.md"), "README.md not found")
  local ok, problems = M.generate(opts.out, readme)
  if not ok then
    return false, "docs: nothing to say for:\n  " .. table.concat(problems, "\n  ")
      .. "\n(a spec.methods entry needs a spec.docs line: DEVELOPERS.md, Adding an operation)"
  end
  local checked, out, err = M.ldoc(opts, "--filter docs.check.run")
  if not checked then return false, out .. err end
  local built, hout, herr = M.ldoc(opts, "--fatalwarnings -q -d " .. q(opts.out))
  if not built then return false, hout .. herr .. "docs: LDoc warned; the reference must build without a warning\n" end
  return true, out .. "docs: " .. opts.out .. "/index.html\n"
end

if arg and arg[0] and arg[0]:match("docs/build%.lua$") then
  local ok, text = M.run { config = arg[1] or "config.ld", out = arg[2] or "build/docs" }
  io.stdout:write(text)
  os.exit(ok and 0 or 1)
end

return M
