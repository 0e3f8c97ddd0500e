local list = require "gpucloud.list"
local cjson = require "cjson"

describe("lists", function()
  local function sample()
    return list.new {
      { id = 3, status = "running", name = "c" },
      { id = 1, status = "stopped", name = "a" },
      { id = 2, status = "error", name = "b" },
      { id = 4, status = "stopped", name = "d" },
    }
  end

  it("are plain arrays", function()
    local l = sample()
    assert.equal(4, #l)
    local n = 0
    for _ in ipairs(l) do n = n + 1 end
    assert.equal(4, n)
    assert.same({ id = 3, status = "running", name = "c" }, l[1])
  end)

  it("encode as a JSON array", function()
    local decoded = cjson.decode(cjson.encode(sample()))
    assert.equal(4, #decoded)
    assert.equal("c", decoded[1].name)
  end)

  it("filter by function or by a table of fields, and chain", function()
    local l = sample()
    assert.same({ 1, 4 }, l:filter { status = "stopped" }:ids())
    assert.same({ 3 }, l:filter(function(w) return w.id > 2 and w.status ~= "stopped" end):ids())
    assert.same({ 2 }, l:filter { status = function(s) return s == "error" end }:ids())
    assert.same({}, l:filter { status = "missing" }:ids())
    assert.same({ "a", "d" }, l:filter { status = "stopped" }:sort_by("name"):map("name"))
  end)

  it("map by field or function, skipping nils", function()
    local l = sample()
    assert.same({ "c", "a", "b", "d" }, l:map("name"))
    assert.same({ 6, 2, 4, 8 }, l:map(function(w) return w.id * 2 end))
    assert.same({ 3 }, l:map(function(w) if w.id == 3 then return w.id end end))
    assert.truthy(list.is(l:map("name")))
  end)

  it("each visits every element and returns the list", function()
    local l, seen = sample(), {}
    assert.equal(l, l:each(function(w, i) seen[i] = w.id end))
    assert.same({ 3, 1, 2, 4 }, seen)
  end)

  it("first finds the first match or nil", function()
    local l = sample()
    assert.equal(3, l:first().id)
    assert.equal(1, l:first { status = "stopped" }.id)
    assert.is_nil(l:first { status = "nope" })
    assert.is_nil(list.new({}):first())
  end)

  it("sort_by is stable, puts nil last, and can reverse", function()
    local l = list.new { { id = 1, k = 2 }, { id = 2 }, { id = 3, k = 1 }, { id = 4, k = 2 } }
    assert.same({ 3, 1, 4, 2 }, l:sort_by("k"):ids())
    assert.same({ 1, 4, 3, 2 }, l:sort_by("k", true):ids())
    assert.same({ 4, 3, 2, 1 }, l:sort_by(function(x) return -x.id end):ids())
    assert.same({ 1, 2, 3, 4 }, l:ids(), "the original is unchanged")
  end)

  it("ids use the list's id field", function()
    local clusters = list.new({ { cluster_id = "c-1" }, { id = "c-2" }, { name = "x" } }, "cluster_id")
    assert.same({ "c-1", "c-2" }, clusters:ids())
    assert.same({ "x" }, clusters:ids("name"))
  end)

  it("raise on a bad predicate", function()
    assert.has_error(function() sample():filter(42) end)
    assert.has_error(function() sample():map(true) end)
    assert.has_error(function() sample():each() end)
  end)

  it("print as a readable table with secrets hidden", function()
    local l = list.new {
      { id = 101, endpoint_name = "llama", api_key = "ep-secret-123" },
      { id = 102, endpoint_name = "qwen", api_key = "ep-secret-456", extra = { 1, 2 } },
    }
    local s = tostring(l)
    assert.not_match("ep%-secret", s)
    assert.match("<hidden>", s)
    assert.match("^id%s+api_key%s+endpoint_name", s)
    assert.match("101", s)
    assert.match("qwen", s)
    assert.match("%(2 items%)", s)
    assert.not_match("table: 0x", s)
    assert.equal("(empty list)", tostring(list.new {}))
    -- a false field is printed, not left blank
    assert.match("false", tostring(list.new { { id = 1, deletion_protection = false } }))
    assert.equal("3 items: 1, 2, 3", tostring(list.new { 1, 2, 3 }))
  end)

  it("print a JSON null inside an array as null, not as an address", function()
    local null = require("gpucloud").null
    assert.equal("3 items: 1, null, 3", tostring(list.new { 1, null, 3 }))
    local s = tostring(list.new { { id = 1, tags = "a" }, { id = 2, tags = null } })
    assert.match("2%s+null", s)
    assert.not_match("userdata", s)
  end)
end)

describe("filter tables", function()
  local gpucloud = require "gpucloud"
  local rows = gpucloud.list {
    { id = 1, state = "idle" }, { id = 2, state = "failed" }, { id = 3, state = "running" }, { id = 4 },
  }
  it("take a list as any of its values", function()
    assert.same({ 1, 2 }, rows:filter({ state = { "idle", "failed" } }):ids())
    assert.same({}, rows:filter({ state = {} }):ids())
  end)
  it("still take plain values and predicates", function()
    assert.same({ 3 }, rows:filter({ state = "running" }):ids())
    assert.same({ 4 }, rows:filter({ state = function(v) return v == nil end }):ids())
  end)
end)

describe("list.fit, the columns of one screen (the REPL's view and the command line's table)", function()
  local function fit(ws, all)
    local asked = {}
    local shown, widths = list.fit(#ws, function(j)
      asked[#asked + 1] = j
      return ws[j]
    end, all)
    return shown, widths, asked
  end
  it("shows columns in order while they fit 160, two spaces between", function()
    local shown, widths, asked = fit { 100, 50, 20, 1 }
    assert.same({ 1, 2 }, shown)
    assert.same({ 100, 50 }, widths)
    assert.same({ 1, 2, 3 }, asked, "no width asked past the first that does not fit")
  end)
  it("always shows the first, and every one when all are asked for", function()
    assert.same({ 1 }, (fit { 300, 1 }))
    assert.same({ 1, 2, 3, 4 }, (fit({ 100, 50, 20, 1 }, true)))
  end)
end)
