-- Lambda Cloud's API v1 as the simulator serves it: instances
-- (instances.lua), file systems (filesystems.lua), in Lambda's envelopes
-- (common.lua). The wire format is in docs/lambda.md. A provider is data
-- the router reads (see vast/sim/init.lua for the fields).
--
-- Keys: a bad or missing bearer is 401 `global/invalid-api-key`; a key
-- whose record says `"inactive": true` is an account Lambda will not serve
-- (no verified email or payment method): 403 `global/account-inactive` on
-- every route. Lambda documents no read-only key.

local fixture = require "gpucloud.sim.fixture"
local common = require "gpucloud.providers.lambda.sim.common"
local filesystems = require "gpucloud.providers.lambda.sim.filesystems"
local instances = require "gpucloud.providers.lambda.sim.instances"

local M = { name = "lambda" }

M.auth = {
  lambda = function(req)
    local k = req.bearer and req.state.keys[req.bearer]
    if not k then
      return nil, common.fail(401, "global/invalid-api-key", "API key was invalid, expired, or deleted.",
        "Check your API key or create a new key and try again.")
    end
    if k.inactive then
      return nil, common.fail(403, "global/account-inactive", "Your account is inactive.",
        "Make sure you have verified your email address and have a valid payment method.")
    end
    return k
  end,
}

-- "Generally limited to one request per second."
local RATE = 1.0

-- {method, template, handler, auth = scheme, rate = documented requests/s}
M.routes = {
  { "GET", "/api/v1/instances", instances.list, auth = "lambda", rate = RATE },
  { "GET", "/api/v1/instances/{id}", instances.get, auth = "lambda", rate = RATE },
  { "POST", "/api/v1/instance-operations/terminate", instances.terminate, auth = "lambda", rate = RATE },
  { "GET", "/api/v1/file-systems", filesystems.list, auth = "lambda", rate = RATE },
  { "DELETE", "/api/v1/filesystems/{id}", filesystems.delete, auth = "lambda", rate = RATE },
}

function M.build(section)
  local st = { keys = fixture.api_keys(section, "lambda") }
  instances.build(st, fixture.list(section, "instances", "lambda"))
  filesystems.build(st, fixture.list(section, "filesystems", "lambda"))
  return st
end

function M.counts(st)
  return { instances = #st.instances, filesystems = #st.filesystems }
end

function M.snapshot(st)
  return { instances = st.instances, filesystems = st.filesystems }
end

return M
