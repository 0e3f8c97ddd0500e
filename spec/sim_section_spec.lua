-- sim/section.lua: what a provider's simulator reads from its seed section.
-- A seed whose ids are not of the kind the provider's API gives is refused
-- when the app is made, naming the list, the element and the field (one
-- rule for every provider: section.integer_ids, section.string_ids).

local app = require "gpucloud.sim.app"
local fixture = require "gpucloud.sim.fixture"

-- The default seed with `provider`'s `list`[1].`field` set to `value`.
local function seed_with(provider, list, field, value)
  local fx = assert(fixture.load())
  fx[provider][list][1][field] = value
  return fx
end

describe("a seed's ids", function()
  for _, case in ipairs {
    { "vast", "endpoints", "id", "101", "vast.endpoints[1].id must be an integer" },
    { "vast", "instances", "id", 1.5, "vast.instances[1].id must be an integer" },
    { "tensorpool", "clusters", "cluster_id", 7, "tensorpool.clusters[1].cluster_id must be a string" },
    { "tensorpool", "storage", "id", 7, "tensorpool.storage[1].id must be a string" },
    { "tensorpool", "jobs", "id", 7, "tensorpool.jobs[1].id must be a string" },
    { "tensorpool", "buckets", "name", 7, "tensorpool.buckets[1].name must be a string" },
    { "runpod", "pods", "id", 7, "runpod.pods[1].id must be a string" },
    { "runpod", "endpoints", "id", 7, "runpod.endpoints[1].id must be a string" },
    { "runpod", "volumes", "id", 7, "runpod.volumes[1].id must be a string" },
    { "lambda", "instances", "id", 7, "lambda.instances[1].id must be a string" },
    { "lambda", "filesystems", "id", 7, "lambda.filesystems[1].id must be a string" },
  } do
    it("are refused where the kind is wrong: " .. case[5], function()
      local ok, err = pcall(app.new, seed_with(case[1], case[2], case[3], case[4]))
      assert.is_false(ok)
      assert.matches(case[5], tostring(err), 1, true)
    end)
  end

  it("of the right kind make an app", function()
    assert.truthy(app.new(assert(fixture.load())))
  end)
end)
