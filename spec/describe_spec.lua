-- gpucloud.describe: the one neutral description of rows, options and
-- errors that the REPL's help, the reference and the command line read.

local describe_mod = require "gpucloud.describe"
local errors = require "gpucloud.errors"
local providers = require "gpucloud.providers"

describe("describe", function()
  it("lists every row of every provider as an operation, with its wire and rate", function()
    for _, name in ipairs(providers.names()) do
      local spec = providers.spec(name)
      local seen = {}
      for _, o in ipairs(describe_mod.operations(name)) do
        seen[o.name] = true
        local row = spec.ops[o.name]
        assert.truthy(row, name .. "." .. o.name)
        assert.equal(row.method .. " " .. row.host .. " " .. row.path, o.wire)
        assert.equal(row.rate, o.rate)
        assert.equal(row.method == "DELETE", o.deletes)
      end
      for op in pairs(spec.ops) do assert.is_true(seen[op] or false, name .. "." .. op .. " not described") end
    end
  end)

  it("names each operation's bulk form", function()
    local ops = {}
    for _, o in ipairs(describe_mod.operations("vast")) do ops[o.name] = o end
    assert.equal("delete_endpoints", ops.delete_endpoint.bulk)
    assert.is_nil(ops.show_endpoints.bulk)
    assert.is_true(ops.show_instances.paged)
  end)

  it("says an option's default in a scope, from the schema", function()
    local o = describe_mod.option("timeout", "call")
    assert.equal(60, o.default)
    assert.equal("(default 60)", o.default_text)
    assert.equal("", describe_mod.option("api_key", "client").default_text)
    assert.equal(600, describe_mod.option("deadline", "wait").default)
    assert.is_nil(describe_mod.option("deadline", "call").default)
    assert.is_true(describe_mod.option("rate", "fleet").default)
  end)

  it("lists the closed set of codes, the transport ones marked", function()
    local n = 0
    for _, c in ipairs(describe_mod.codes()) do
      n = n + 1
      assert.is_true(errors.CODES[c.code])
      assert.equal(errors.TRANSPORT[c.code] == true, c.transport)
    end
    local total = 0
    for _ in pairs(errors.CODES) do total = total + 1 end
    assert.equal(total, n)
  end)

  it("is what the reference's table of operations is made from", function()
    local gen = require "docs.gen"
    local text = gen.operations_table(describe_mod.providers[1])
    for _, o in ipairs(describe_mod.operations(describe_mod.providers[1])) do
      assert.truthy(text:find("`" .. o.signature .. "`", 1, true), o.signature)
    end
  end)
end)
