-- make bench-profile: where the instructions of one call go, by function
-- group, from valgrind's callgrind (instruction counts repeat from run to
-- run; wall time on a shared machine does not). Each figure is the
-- difference of two runs, N1 and N2 calls, divided by N2 - N1: start-up,
-- the first connection and the TLS handshake cancel out.
--
--   lua5.4 bench/profile.lua BUILD_DIR     (BUILD_DIR holds the C anchor)
--
-- The C side comes from callgrind's inclusive counts of the real per-call
-- benchmark (bench/child.lua percall against the static listing over
-- HTTPS, as make bench runs it). The Lua VM has no symbols for Lua
-- functions, so the Lua side is measured part by part: bench/child.lua
-- piece runs one part against a replay of one real answer.

local server = require "gpucloud.sim.server"
local simfixture = require "gpucloud.sim.fixture"
local static = require "bench.static"

local BUILD = arg[1] or "build/bench"
local LUA = arg[-1] or "lua5.4"
local N1, N2 = 100, 600            -- calls over the network
local P1, P2 = 2000, 12000         -- iterations of a Lua part
local format, q = string.format, server.shell_quote
local OUT = "build/profile"

local function say(...) io.stderr:write(format(...), "\n") end

local fixture = assert(simfixture.load())
local key = fixture.vast.api_keys[1]
local s = assert(server.start { tls = true, fixture = fixture, extra = { server = { static.percall(fixture, key) } } })
os.execute("mkdir -p " .. OUT)

-- Inclusive instructions per function of one callgrind run: name -> Ir
-- (callgrind_annotate lists a function once per object file it saw it in;
-- the largest is the function's).
local function callgrind(tag, cmd)
  local file = format("%s/%s.out", OUT, tag)
  local p = assert(io.popen(format("VAST_API_KEY=%s valgrind --tool=callgrind --callgrind-out-file=%s %s 2>&1",
    q(key), q(file), cmd)))
  local out = p:read("a")
  if not p:close() then error("profile: failed: " .. cmd .. "\n" .. out, 0) end
  local fns = {}
  p = assert(io.popen("callgrind_annotate --inclusive=yes --threshold=100 " .. q(file) .. " 2>/dev/null"))
  for line in p:lines() do
    local n, where = line:match("^%s*([%d,]+) %([^)]*%)%s+(.-)%s*$")
    if n then
      n = tonumber((n:gsub(",", "")))
      local name = where == "PROGRAM TOTALS" and "total" or where:match("^[^:]*:([%w_]+)")
      if name and n > (fns[name] or 0) then fns[name] = n end
    end
  end
  p:close()
  return fns, out
end

-- Per-call instructions by function: (run at n2 - run at n1) / (n2 - n1).
local function per_call(tag, n1, n2, cmd)
  local a = callgrind(tag .. "." .. n1, format(cmd, n1))
  local b, out = callgrind(tag .. "." .. n2, format(cmd, n2))
  return setmetatable({}, { __index = function(_, name)
    return ((b[name] or 0) - (a[name] or 0)) / (n2 - n1)
  end }), out
end

local rows = {}
local function row(group, ir, note)
  rows[#rows + 1] = { group, ir, note or "" }
end

local ok, err = pcall(function()
  say("callgrind: gpucloud, %d and %d calls", N1, N2)
  local g = per_call("gpucloud", N1, N2, format("%s bench/child.lua percall %s %s %%d", LUA, q(s.url), q(s.ca_file)))
  say("callgrind: raw libcurl, %d and %d calls", N1, N2)
  local c = per_call("anchor", N1, N2, format("%s %s %s %%d %s", q(BUILD .. "/anchor"),
    q(s.url .. "/get_endpoint_workers/"), q(s.ca_file), q('{"id":101}')))
  local parts = {}
  for _, name in ipairs { "none", "full", "build", "read", "decode", "shape", "unmark" } do
    say("callgrind: Lua part %s, %d and %d times", name, P1, P2)
    local t, out = per_call("piece-" .. name, P1, P2,
      format("%s bench/child.lua piece %s %s %s %%d", LUA, q(s.url), q(s.ca_file), name))
    parts[name] = t.total
    if name == "full" then parts.redactions = tonumber(out:match("redactions=(%d+)")) end
  end
  for name, v in pairs(parts) do
    if name ~= "none" and name ~= "redactions" then parts[name] = v - parts.none end
  end
  parts.shape = parts.shape - parts.unmark

  row("whole call", g.total, format("raw libcurl's whole call: %.0f", c.total))
  row("  curl_easy_perform (libcurl, TLS, syscalls)", g.curl_easy_perform,
    format("raw libcurl's: %.0f", c.curl_easy_perform))
  row("  request table in, libcurl options (gc_xfer_prepare)", g.gc_xfer_prepare)
  row("    reading the request table (gc_request_read)", g.gc_request_read)
  row("    curl_easy_reset", g.curl_easy_reset)
  row("    curl_easy_setopt", g.curl_easy_setopt)
  row("    request header list (curl_slist_append)", g.curl_slist_append)
  row("  answer table out (gc_xfer_push_result)", g.gc_xfer_push_result)
  row("    response header table (gc_head_each)", g.gc_head_each)
  row("  decode + normalisation (core.json_decode)", g.core_json_decode)
  row("  Lua, the rest (request building, reading, shape, call path, GC)",
    g.total - g.client_request - g.core_json_decode)
  row("Lua parts, replaying the same answer:", parts.full, "the whole Lua path, decode included")
  row("  request building (request.build)", parts.build)
  row("  reading the answer, decode and shape excluded (request.read)", parts.read - parts.decode - parts.shape)
  row("  shape checks (request.shape)", parts.shape)
  row("  decode + normalisation (json.decode)", parts.decode)
  row("  call path: method, argument check, key, pacing, deadline, runtime, attempt loop",
    parts.full - parts.build - parts.read)
  row("  secret handling on success (redact, scrub, excerpt, ...)", 0,
    format("%d calls in %d successful calls", parts.redactions, P2))
end)
s:stop()
if not ok then error(err, 0) end

print(format("instructions per call (callgrind; %d vs %d calls, %d vs %d iterations), %s", N1, N2, P1, P2, _VERSION))
print("")
for _, r in ipairs(rows) do
  print(format("%-88s %8.0f  %s", r[1], r[2], r[3]))
end
