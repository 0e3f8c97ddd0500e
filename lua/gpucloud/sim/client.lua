-- The launcher's side of the control API: HTTP to a running simulator
-- over the project's C core (gpucloud.core), one reused connection per
-- server object. These are methods of the objects gpucloud.sim.server
-- returns; they read self.url and self.ca_file.

local core = require "gpucloud.core"
local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"

local M = {}

local format = string.format

local Methods = {}
M.methods = Methods

-- Give a server object its HTTP client (closed by M.close).
function M.open(self)
  self._http = core.new()
  return self
end

function M.close(self)
  local http = self._http
  self._http = nil
  if http then pcall(http.close, http) end
end

-- s:request{method=, path= (or url=), headers=, body=, timeout=}
--   -> {status, headers (lowercase names), body} | nil, message
function Methods:request(req)
  local r = {}
  for k, v in pairs(req) do r[k] = v end
  r.url = r.url or (self.url .. (r.path or "/"))
  r.path = nil
  r.method = r.method or "GET"
  r.timeout = r.timeout or 5
  r.headers = r.headers or {}
  r.ca_file = r.ca_file or self.ca_file
  if not self._http then return nil, "closed: the server object was stopped" end
  local res, err = self._http:request(r)
  if res then return res end
  if type(err) == "table" then return nil, tostring(err.code or "error") .. ": " .. tostring(err.message) end
  return nil, tostring(err)
end

-- A control call: JSON in, decoded JSON out (nil, message otherwise).
function Methods:control(method, path, value)
  local req = { method = method, path = path }
  if value ~= nil then
    req.body = type(value) == "string" and value or json.encode(value)
    req.headers = { ["content-type"] = "application/json" }
  end
  local res, err = self:request(req)
  if not res then return nil, err end
  local decoded = values.decode(res.body)
  if res.status ~= 200 then
    local msg = type(decoded) == "table" and (decoded.error or decoded.detail) or res.body
    return nil, format("%s %s: HTTP %s: %s", method, path, tostring(res.status), tostring(msg))
  end
  if decoded == nil then return nil, path .. ": undecodable answer: " .. res.body end
  return decoded
end

function Methods:health() return self:control("GET", "/_sim/health") end

-- Back to the start fixture (or to the given fixture table); clears
-- injections, the log and stats.
function Methods:reset(fixture)
  return self:control("POST", "/_sim/reset", fixture ~= nil and json.encode(fixture) or "")
end

function Methods:log() return self:control("GET", "/_sim/log") end
function Methods:clear_log() return self:control("DELETE", "/_sim/log") end
function Methods:stats() return self:control("GET", "/_sim/stats") end
function Methods:state() return self:control("GET", "/_sim/state") end
function Methods:inject(spec) return self:control("POST", "/_sim/inject", spec) end
function Methods:injections() return self:control("GET", "/_sim/inject") end
function Methods:clear_injections() return self:control("DELETE", "/_sim/inject") end
function Methods:default_config() return self:control("DELETE", "/_sim/config") end
function Methods:config(t)
  if t == nil then return self:control("GET", "/_sim/config") end
  return self:control("POST", "/_sim/config", json.object(t))
end

return M
