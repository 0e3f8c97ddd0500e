-- A client's base URLs, one per host of the provider: the constructor's
-- option, then the environment, then the real host.

local kinds = require("gpucloud.config.schema").kinds

local M = {}

-- Base URLs: the constructor, then the environment, then the real host. A
-- host that `follows` another takes that one's override when it has none of
-- its own (Vast.ai's run host follows VAST_URL, as the official CLI does).
function M.urls(spec, opts, getenv, where, level)
  local urls, overridden = {}, {}
  for name, h in pairs(spec.hosts) do
    local v = opts[h.option]
    if v == nil and h.env then
      v = getenv(h.env)
      if v == "" then v = nil end
      if v ~= nil then v = kinds.url(where, h.env, v, level + 1) end
    end
    if v ~= nil then
      urls[name] = (v:gsub("/+$", ""))
      overridden[name] = true
    end
  end
  for name, h in pairs(spec.hosts) do
    if not urls[name] then
      urls[name] = (h.follows and overridden[h.follows]) and urls[h.follows] or h.default
    end
  end
  return urls
end

return M
