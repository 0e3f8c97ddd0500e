-- Every option and its default, one schema (gpucloud.config.OPTIONS) for
-- what a client takes, what a call takes, what a bulk call, a wait, a
-- paged listing and the fleet add. This module gathers the parts, each
-- with one job: config/schema.lua (the options, their kinds and
-- defaults), config/options.lua (a scope's options checked), config/
-- client.lua (the settings a client is made of), config/urls.lua (base
-- URLs). The API key's places are keys.lua's.

local client = require "gpucloud.config.client"
local options = require "gpucloud.config.options"
local schema = require "gpucloud.config.schema"

return {
  VERSION = client.VERSION,
  USER_AGENT = client.USER_AGENT,
  OPTIONS = schema.OPTIONS,
  kinds = schema.kinds,
  default = schema.default,
  scoped = options.scoped,
  call = options.call,
  wait = options.wait,
  bulk = options.bulk,
  paged = options.paged,
  client = client.client,
  setting = client.setting,
  urls = require("gpucloud.config.urls").urls,
  warn = require "gpucloud.warn",
}
