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
local list = require "gpucloud.list"

-- A provider's constructor that loads the provider at its first call:
-- `require "gpucloud"` loads none, and a client loads its own only. An
-- option the constructor refuses is reported at the caller's line, one
-- level up (not a tail call: Lua 5.1 keeps no position through one).
local function constructor(module)
  return function(opts)
    local client = require(module).new(opts, 3)
    return client
  end
end

return {
  --- "gpucloud" and the version: "gpucloud 0.2.0"
  _VERSION = "gpucloud " .. config.VERSION,
  --- a Vast.ai client: @{gpucloud.vast.new}
  -- @function vast
  -- @tparam[opt] table opts the client's options
  -- @treturn gpucloud.vast.vast the client
  vast = constructor "gpucloud.vast",
  --- a TensorPool client: @{gpucloud.tensorpool.new}
  -- @function tensorpool
  -- @tparam[opt] table opts the client's options
  -- @treturn gpucloud.tensorpool.tp the client
  tensorpool = constructor "gpucloud.tensorpool",
  --- one view over every provider's billable things: gpucloud.fleet{vast =, tensorpool =}
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
  list = list.new,
  --- true for the error values operations return (an @{gpucloud.errors.Error|Error})
  -- @function is_error
  -- @param v any value
  is_error = errors.is,
}
