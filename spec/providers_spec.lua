-- Every registered provider, walked: each row has a simulator route, help
-- text and a sample for the secrets check, so a provider or a row added
-- without one of them fails here, by name.

local app = require "gpucloud.sim.app"
local describe_mod = require "gpucloud.describe"
local providers = require "gpucloud.providers"

-- "/api/v0/instances/{id}/?owner=me" -> "/api/v0/instances/{}/"
local function shape(path)
  return (path:gsub("%?.*$", ""):gsub("{[%w_]+}", "{}"))
end

local ROUTES = {}
for _, r in ipairs(app.routes) do ROUTES[r.method .. " " .. shape(r.template)] = r end

local function each_row(fn)
  for _, name in ipairs(providers.names()) do
    local spec = providers.spec(name)
    local ops = {}
    for op in pairs(spec.ops) do ops[#ops + 1] = op end
    table.sort(ops)
    for _, op in ipairs(ops) do fn(name, spec, op, spec.ops[op]) end
  end
end

local function provider_entry(name)
  for _, p in ipairs(describe_mod.providers) do
    if p.ctor == name then return p end
  end
end

describe("every registered provider", function()
  it("is known to the registry and has a simulator", function()
    assert.is_true(#providers.names() >= 2)
    for _, name in ipairs(providers.names()) do
      assert.is_true(providers.known(name))
      assert.truthy(providers.part(name, "sim"), name .. " has no simulator (providers/" .. name .. "/sim/)")
      assert.truthy(provider_entry(name), name .. " is not in describe's providers")
    end
  end)

  it("has a simulator route for every row", function()
    local missing = {}
    each_row(function(name, _, op, row)
      local route = ROUTES[row.method .. " " .. shape(row.path)]
      if not route then
        missing[#missing + 1] = string.format("%s.%s (%s %s)", name, op, row.method, row.path)
      elseif route.provider.name ~= name then
        missing[#missing + 1] = string.format("%s.%s is served by %s's simulator", name, op, route.provider.name)
      end
    end)
    assert.same({}, missing)
  end)

  it("has help text for every row", function()
    each_row(function(name, spec, op)
      local p = provider_entry(name)
      local entry
      for _, e in ipairs(describe_mod.entries(spec)) do
        if e.name == op and e.kind == "op" then entry = e end
      end
      assert.truthy(entry, name .. "." .. op .. " is not described")
      assert.truthy(entry.line and entry.line:find("%S"), name .. "." .. op .. " has no line")
      local lines = describe_mod.detail(p, entry)
      assert.is_true(#lines >= 4, name .. "." .. op .. ": " .. table.concat(lines, "\n"))
    end)
  end)

  it("has a sample for the secrets check for every row", function()
    each_row(function(name, _, op, row)
      local sample = describe_mod.sample(row)
      assert.truthy(sample, name .. "." .. op .. ": its checks take no sample; give the row a `sample`")
      assert.equal(#(row.args or {}), #sample, name .. "." .. op .. ": a sample per argument")
    end)
  end)
end)
