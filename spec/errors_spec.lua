-- gpucloud.errors: the closed set of codes, and the constructors every
-- failure is made by.

local errors = require "gpucloud.errors"

local read = require("support.files").read

describe("errors", function()
  describe("the transport codes", function()
    it("are codes of the closed set", function()
      for code in pairs(errors.TRANSPORT) do assert.is_true(errors.CODES[code], code) end
    end)

    -- One table both runtimes map their failures into: a code either
    -- mints that is not in it would silently read as "transport".
    it("hold every code the C core gives a failed transfer", function()
      local src = read("src/xfer.c")
      local body = assert(src:match("static const char %*error_code%b()%s*(%b{})"), "error_code in src/xfer.c")
      local n = 0
      for code in body:gmatch('return "([%w_]+)"') do
        n = n + 1
        assert.is_true(errors.TRANSPORT[code], "src/xfer.c gives " .. code)
      end
      assert.is_true(n >= 5)
    end)

    it("hold every code the cosocket runtime gives a failed transfer", function()
      local n = 0
      for _, f in ipairs { "lua/gpucloud/runtime/ngx_http.lua", "lua/gpucloud/runtime/ngx_read.lua" } do
        local src = read(f)
        for code in src:gmatch('failure%("([%w_]+)"') do
          n = n + 1
          assert.is_true(errors.TRANSPORT[code], f .. " gives " .. code)
        end
        for code in src:gmatch('code = "([%w_]+)"') do
          n = n + 1
          assert.is_true(errors.TRANSPORT[code], f .. " gives " .. code)
        end
      end
      assert.is_true(n >= 10)
    end)

    it("are kept by from_transport; anything else becomes transport", function()
      for code in pairs(errors.TRANSPORT) do
        assert.equal(code, errors.from_transport("op", { code = code, message = "m" }).code)
      end
      local e = errors.from_transport("op", { code = "weird", message = "m" })
      assert.equal("transport", e.code)
      assert.equal("weird: m", e.message)
    end)
  end)
end)
