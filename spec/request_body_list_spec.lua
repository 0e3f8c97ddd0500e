-- A row's `body_list = { field = "arg" }`: the body field is a JSON array
-- of that one argument (an API that takes a list, called for one thing:
-- Lambda's terminate, one instance a call), beside the row's other body
-- fields; the argument itself is not sent as a field of its own.

local json = require "gpucloud.json"
local request = require "gpucloud.request"

local SETTINGS = { urls = { api = "https://api.example" }, user_agent = "spec" }

local function build(row, argv, opts)
  row.method, row.host = row.method or "POST", "api"
  return request.build(SETTINGS, row, argv, opts or {}, "k-0123456789")
end

describe("a row's body_list", function()
  it("sends the one argument as a list under its field, and no other field", function()
    local req = build({ path = "/ops/terminate", args = { { "id", "text" } }, body_list = { instance_ids = "id" } },
      { id = "i-1" })
    assert.equal('{"instance_ids":["i-1"]}', req.body)
    assert.equal("application/json", req.headers["Content-Type"])
    assert.equal("https://api.example/ops/terminate", req.url)
  end)

  it("sits beside the body's fields, its fixed fields and its options, in one object", function()
    local row = { path = "/x/{id}", args = { { "id", "text" }, { "name", "text" } }, body = { "name" },
                  body_list = { ids = "id" }, body_const = { mode = "now" }, body_opts = { { "tail", "count" } } }
    local req = build(row, { id = "a b", name = "n" }, { tail = 5 })
    assert.same({ ids = { "a b" }, name = "n", mode = "now", tail = 5 }, json.decode(req.body))
    assert.equal("https://api.example/x/a%20b", req.url, "a path argument stays in the path too")
    assert.is_true(json.is_array(json.decode(req.body).ids))
  end)

  it("an id the decoder gave as exact text goes out as that text, never rounded", function()
    local req = build({ path = "/t", args = { { "id", "text" } }, body_list = { ids = "id" } },
      { id = "9007199254740993" })
    assert.equal('{"ids":["9007199254740993"]}', req.body)
  end)
end)
