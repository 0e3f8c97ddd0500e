--- gpucloud: script GPU clouds from Lua.
-- local gpucloud = require "gpucloud"
-- local vast = gpucloud.vast()        -- Vast.ai serverless
-- local tp = gpucloud.tensorpool()    -- TensorPool

local client = require "gpucloud.client"
local errors = require "gpucloud.errors"
local json = require "gpucloud.json"
local list = require "gpucloud.list"

return {
  _VERSION = "gpucloud " .. client.VERSION,
  vast = require("gpucloud.vast").new,
  tensorpool = require("gpucloud.tensorpool").new,
  --- JSON null as it appears inside decoded arrays
  null = json.null,
  --- make an array a gpucloud list (filter/map/ids/...)
  list = list.new,
  --- true for the error values operations return
  is_error = errors.is,
}
