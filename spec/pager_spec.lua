-- gpucloud.pager: a paged row's listing, every page collected or a lazy
-- iterator; each page an ordinary call of the row. Over a transport that
-- serves pages of a made-up listing, on a virtual clock.

local define = require "gpucloud.define"
local json = require "gpucloud.json"
local virtual = require "gpucloud.runtime.virtual"

-- 12 items, served `limit` a page after the cursor `after`.
local function pages(sent)
  return function(req)
    sent[#sent + 1] = req.url
    local limit = tonumber(req.url:match("limit=(%d+)")) or 5
    local after = tonumber(req.url:match("after=(%d+)")) or 0
    local items = {}
    for id = after + 1, math.min(after + limit, 12) do items[#items + 1] = { id = id } end
    local last = items[#items]
    local body = json.encode(json.object {
      items = json.array(items),
      next = (last and last.id < 12) and tostring(last.id) or json.null,
    })
    return { status = 200, headers = {}, body = body }
  end
end

local new = define.define {
  name = "toy", title = "Toy", key = { env = {} },
  hosts = { h = { option = "url", default = "http://127.0.0.1:9" } },
  ops = { list_things = { method = "GET", host = "h", path = "/things", list = "items", idempotent = true,
                          rate = 2.0, paged = { cursor = "after", next = "next", limit = 5, each = "each_thing" } } },
}

local function ids(list)
  local out = {}
  for i, x in ipairs(list) do out[i] = x.id end
  return out
end

describe("pager", function()
  local sent, clock, toy
  before_each(function()
    sent, clock = {}, virtual.clock()
    toy = new { api_key = "k", runtime = virtual.new(clock, pages(sent)) }
  end)

  it("collects every page in order, each paced at the row's rate", function()
    assert.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, ids(assert(toy:list_things())))
    assert.equal(3, #sent)
    assert.match("after=5", sent[2])
    assert.same({ 0.5, 0.5 }, clock.slept)
  end)

  it("iterates lazily: a loop that stops early sends one page", function()
    local n = 0
    for item in toy:each_thing() do
      n = n + 1
      if item.id == 2 then break end
    end
    assert.equal(2, n)
    assert.equal(1, #sent)
  end)

  it("fails past max_pages with too_large, having sent no more than that", function()
    local v, err = toy:list_things { max_pages = 2 }
    assert.is_nil(v)
    assert.equal("too_large", err.code)
    assert.equal(2, #sent)
  end)

  it("asks for page_size, never more than the row's limit", function()
    assert(toy:list_things { page_size = 4, rate = false })
    assert.match("limit=4", sent[1])
    assert.equal(3, #sent)
    assert.same({}, clock.slept)
    assert.has_error(function() toy:list_things { page_size = 6 } end)
  end)
end)
