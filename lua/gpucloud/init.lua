--- gpucloud: script GPU clouds from Lua.
-- local gpucloud = require "gpucloud"
-- local vast = gpucloud.vast()        -- Vast.ai
-- local tp = gpucloud.tensorpool()    -- TensorPool

local config = require "gpucloud.config"
local errors = require "gpucloud.errors"
local json = require "gpucloud.json"
local list = require "gpucloud.list"

return {
  _VERSION = "gpucloud " .. config.VERSION,
  vast = require("gpucloud.vast").new,
  tensorpool = require("gpucloud.tensorpool").new,
  --- one view over every provider's billable things: gpucloud.fleet{vast =, tensorpool =}
  fleet = function(opts) return require("gpucloud.fleet").new(opts) end,
  --- JSON null as it appears inside decoded arrays
  null = json.null,
  --- make an array a gpucloud list (filter/map/ids/...)
  list = list.new,
  --- true for the error values operations return
  is_error = errors.is,
}
