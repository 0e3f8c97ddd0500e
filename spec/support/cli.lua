-- bin/gpucloud as people and scripts run it, for the specs: a child process
-- under the interpreter running the spec (it finds the core built for it in
-- build/<abi>), stdin from /dev/null (not a terminal) unless told, stdout
-- and stderr captured apart, and the exit status. No run may print a key
-- the simulator knows, whatever it was asked.

local cjson = require "cjson"
local server = require "gpucloud.sim.server"
local fixture = require "gpucloud.sim.fixture"
local secret_rule = require "gpucloud.secrets"

local M = {}

local function read_all(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local q = server.shell_quote
M.LUA = require("support.subprocess").LUA

-- Every secret the default seed holds, of every provider: its account
-- keys, and each string a credential name holds (secrets.lua's rule:
-- endpoint keys, Jupyter tokens and URLs, an `env`'s HF_TOKEN) or a
-- [name, value] pair names (Vast.ai's extra_env).
local function fixture_secrets()
  local out = {}
  local function walk(v)
    if type(v) ~= "table" then return end
    if #v == 2 and type(v[1]) == "string" and type(v[2]) == "string" and secret_rule.is_secret_name(v[1]) then
      out[#out + 1] = v[2]
    end
    for k, x in pairs(v) do
      if type(x) == "string" and secret_rule.is_secret_name(k) then out[#out + 1] = x end
      walk(x)
    end
  end
  for _, section in pairs(assert(fixture.load())) do
    for _, k in ipairs(type(section) == "table" and section.api_keys or {}) do
      out[#out + 1] = type(k) == "table" and k.key or k
    end
    walk(section)
  end
  return out
end
M.fixture_secrets = fixture_secrets

--- A runner against `sim`: run(words[, stdin path[, env]]) -> {out, err, code};
-- env is NAME = value (false unsets), set with env(1).
function M.runner(sim)
  local secrets = fixture_secrets()
  local r = {}

  function r.run(words, stdin, env)
    local errfile = os.tmpname()
    local cmd = { M.LUA, "bin/gpucloud" }
    if env then
      local names = {}
      for k in pairs(env) do names[#names + 1] = k end
      table.sort(names)
      local pre = { "env" }
      for _, k in ipairs(names) do
        if env[k] == false then table.insert(pre, 2, "-u " .. q(k)) else pre[#pre + 1] = q(k .. "=" .. env[k]) end
      end
      cmd[1] = table.concat(pre, " ") .. " " .. cmd[1]
    end
    for _, w in ipairs(words) do cmd[#cmd + 1] = q(w) end
    local p = assert(io.popen(table.concat(cmd, " ") .. " <" .. (stdin or "/dev/null")
      .. " 2>" .. q(errfile) .. "; echo \"exit=$?\""))
    local all = p:read("*a")
    p:close()
    local res = { err = read_all(errfile) or "" }
    os.remove(errfile)
    res.out, res.code = all:match("^(.*)exit=(%d+)\n$")
    res.code = tonumber(res.code)
    for _, secret in ipairs(secrets) do
      assert(not res.out:find(secret, 1, true), "key in stdout: " .. res.out)
      assert(not res.err:find(secret, 1, true), "key in stderr: " .. res.err)
    end
    return res
  end

  --- The environment gpucloud-sim run gives a command (every provider's
  -- URL and key variables; one it leaves unset is false), then `extra`'s.
  function r.env(extra)
    local env = {}
    for _, kv in ipairs(server.env(sim)) do env[kv[1]] = kv[2] or false end
    for k, v in pairs(extra or {}) do env[k] = v end
    return env
  end

  --- PROVIDER WORDS... --url <sim> --api-key <its key>
  function r.with(provider, words)
    local out = { provider }
    for _, w in ipairs(words) do out[#out + 1] = w end
    for _, w in ipairs { "--url", sim.url, "--api-key", sim.keys[provider] } do out[#out + 1] = w end
    return out
  end
  function r.vast(...) return r.run(r.with("vast", { ... })) end
  function r.tp(...) return r.run(r.with("tensorpool", { ... })) end

  --- stdout as the one JSON document it must be
  function r.decoded(res)
    assert(res.out:match("^[%[{].*\n$"), "not one JSON document: " .. res.out)
    return cjson.decode(res.out)
  end

  --- how many requests the simulator saw (of `method`)
  function r.sent(method)
    local n = 0
    for _, e in ipairs(assert(sim:log())) do
      if not method or e.method == method then n = n + 1 end
    end
    return n
  end

  return r
end

return M
