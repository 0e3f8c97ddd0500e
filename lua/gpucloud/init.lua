--- gpucloud: script GPU clouds from Lua.
--
--     local gpucloud = require "gpucloud"
--     local vast = gpucloud.vast()        -- Vast.ai
--     local tp = gpucloud.tensorpool()    -- TensorPool
--
-- @module gpucloud

local config = require "gpucloud.config"
local errors = require "gpucloud.errors"
local json = require "gpucloud.json"
local providers = require "gpucloud.providers"

local M = {
  --- "gpucloud" and the version: "gpucloud 0.2.0"
  _VERSION = "gpucloud " .. config.VERSION,
  --- one view over every provider's billable things: gpucloud.fleet{vast = true, tensorpool = true}
  -- (@{gpucloud.fleet.new})
  -- @tparam table opts `vast`, `tensorpool`: a client each, or `true`
  -- @treturn gpucloud.fleet.Fleet the fleet
  fleet = function(opts) return require("gpucloud.fleet").new(opts) end,
  --- JSON null as it appears inside decoded arrays (@{gpucloud.json.null})
  null = json.null,
  --- make an array a gpucloud list (filter/map/ids/...): @{gpucloud.list.new}
  -- @function list
  -- @tparam table array used in place
  -- @tparam[opt] string id_field what ids() reads (default "id")
  -- @treturn gpucloud.list.List the array
  list = function(array, id_field) return require("gpucloud.list").new(array, id_field) end,
  --- true for the error values operations return (an @{gpucloud.errors.Error|Error})
  -- @function is_error
  -- @param v any value
  is_error = errors.is,
}

-- gpucloud.<provider>(opts): a client of each registered provider
-- (gpucloud.vast, gpucloud.tensorpool, ...), each documented on its own
-- page; the provider's module is loaded at the first client.
for _, name in ipairs(providers.names()) do
  M[name] = providers.constructor(name)
end

return M
