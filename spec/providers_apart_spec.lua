-- A provider's folder is its own: no file of one provider requires a
-- module of another (what two share lives in the generic library:
-- gpucloud.times, gpucloud.sim.values). The registry, gpucloud.providers,
-- is generic. Read from the files themselves, every registered provider.

local providers = require "gpucloud.providers"

local function lua_files(dir)
  local out = {}
  local p = assert(io.popen("find " .. dir .. " -name '*.lua' | sort"))
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  return out
end

describe("provider folders", function()
  it("require no other provider's modules", function()
    local names, found = {}, {}
    for _, name in ipairs(providers.names()) do names[name] = true end
    for name in pairs(names) do
      local files = lua_files("lua/gpucloud/providers/" .. name)
      assert.is_true(#files > 0, name)
      for _, path in ipairs(files) do
        local f = assert(io.open(path, "rb"))
        local text = f:read("*a")
        f:close()
        for other in text:gmatch("gpucloud%.providers%.([%w_]+)") do
          if other ~= name and names[other] then found[#found + 1] = path .. " uses " .. other end
        end
      end
    end
    table.sort(found)
    assert.same({}, found)
  end)
end)
