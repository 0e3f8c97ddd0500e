-- gpucloud.json: decode + normalise, and the one encoder the project uses
-- (request bodies, the command line's --json, the simulator's answers).

local json = require "gpucloud.json"

describe("json.null", function()
  -- issue 23: taken from the C core, so cjson is not loaded for it; the
  -- same light userdata NULL as cjson's and ngx's
  it("is the core's json_null, which is cjson's null", function()
    local core = require "gpucloud.core"
    assert.equal(core.json_null, json.null)
    assert.equal(require("cjson").null, core.json_null)
    assert.equal("userdata", type(json.null))
  end)
end)

describe("json.decode", function()
  it("normalises: integral numbers are integers, object nulls are gone", function()
    local v = json.decode('{"id":4242,"url":null,"load":0.5,"tags":["a",null]}')
    assert.equal(4242, v.id)
    if math.type then assert.equal("integer", math.type(v.id)) end
    assert.is_nil(v.url)
    assert.equal(0.5, v.load)
    assert.equal(json.null, v.tags[2])
  end)

  it("returns nil and a message on bad input, nil alone for null", function()
    local v, err = json.decode("{nope")
    assert.is_nil(v)
    assert.is_string(err)
    assert.is_nil(select(2, json.decode("null")))
  end)
end)

describe("json.encode", function()
  it("writes empty and unmarked lists as arrays, marked objects as objects", function()
    assert.equal("[]", json.encode {})
    assert.equal("{}", json.encode(json.object()))
    assert.equal("[1,2,3]", json.encode { 1, 2, 3 })
    assert.equal('{"a":[],"b":{}}', json.encode { a = {}, b = json.object() })
    assert.has_error(function() json.encode(json.array { x = 1 }) end)
  end)

  it("writes ids exactly and sorts keys", function()
    assert.equal('{"id":9007199254740992}', json.encode { id = 2 ^ 53 })
    assert.equal('{"a":1,"b":0.1,"c":123456789012345}', json.encode { c = 123456789012345, b = 0.1, a = 1.0 })
  end)

  it("writes null for json.null and escapes strings", function()
    assert.equal('[1,null,"a\\"b\\n"]', json.encode { 1, json.null, 'a"b\n' })
    assert.equal('"\\u0001\\\\"', json.encode "\1\\")
  end)

  it("leaves / alone, as the APIs write URLs (cjson would write \\/)", function()
    assert.equal('{"url":"http://10.0.0.1:8000/v1"}', json.encode { url = "http://10.0.0.1:8000/v1" })
  end)

  it("masks the named fields", function()
    local out = json.encode({ { id = 1, api_key = "secret" } }, { mask = { api_key = true } })
    assert.equal('[{"api_key":"<hidden>","id":1}]', out)
  end)

  it("raises on what JSON cannot hold", function()
    local cycle = {}
    cycle.self = cycle
    assert.has_error(function() json.encode(cycle) end)
    assert.has_error(function() json.encode { 0 / 0 } end)
    assert.has_error(function() json.encode { f = print } end)
  end)
end)

describe("json.object_encoder", function()
  it("writes what json.encode writes for the same fields", function()
    local enc = json.object_encoder { "id", "name" }
    for _, v in ipairs { { id = 101 }, { id = 2 ^ 53, name = "a\"b" }, { name = "x" }, {},
      { id = 1.5, name = true }, { id = -7, name = json.array { 1, "two", json.object {} } },
      { name = json.null }, { id = 0.1, name = { k = "v" } } } do
      local want = next(v) == nil and "{}" or json.encode(v)
      assert.equal(want, enc(v))
    end
  end)
end)

-- issue 23: the shape check of every listing, one C call where the core is
-- loaded; the Lua loop where it is not (inside nginx the core is optional)
describe("json.records", function()
  local function without_core(fn)
    local saved_json, saved_core = package.loaded["gpucloud.json"], package.loaded["gpucloud.core"]
    package.loaded["gpucloud.json"], package.loaded["gpucloud.core"] = nil, nil
    package.preload["gpucloud.core"] = function() error("no core here") end
    local ok, err = pcall(fn, require "gpucloud.json")
    package.preload["gpucloud.core"] = nil
    package.loaded["gpucloud.json"], package.loaded["gpucloud.core"] = saved_json, saved_core
    assert(ok, err)
  end

  local function cases(j)
    local obj, arr = j.decode('{"a":1}'), j.decode("[1]")
    assert.same({ true }, { j.records(j.array {}) })
    assert.same({ true }, { j.records(j.decode('[{"id":1},{},{"x":[1]}]')) })
    assert.same({ false, 2 }, { j.records(j.array { obj, arr, obj }) })
    assert.same({ false, 3 }, { j.records(j.decode('[{},{"b":2},"text"]')) })
    assert.same({ false, 1 }, { j.records(j.decode("[null]")) })
    assert.same({ false, 2 }, { j.records(j.decode("[{},7]")) })
    -- with an id field: no id twice (as table keys are equal: 1 and 1.0
    -- are one id, 1 and "1" two); nil names none
    local ids = j.decode('[{"id":1},{"id":"1"},{},{"id":2},{"id":1.0},{"id":2}]')
    assert.same({ false, 5, 1 }, { j.records(ids, "id") })
    assert.same({ true }, { j.records(ids) })
    assert.same({ true }, { j.records(ids, false) })
    assert.same({ false, 3, 2 }, { j.records(j.decode('[{"k":"a"},{"k":"b"},{"k":"b"}]'), "k") })
    assert.same({ false, 3 }, { j.records(j.decode('[{"k":"a"},{"k":"a"},7]'), "x") })
    assert.same({ true }, { j.records(j.decode('[{"k":"a"},{"k":"b"},{"k":null}]'), "k") })
    -- ids in order, then one out of it: the ids before are still known
    assert.same({ true }, { j.records(j.decode('[{"id":1},{},{"id":5},{"id":9}]'), "id") })
    assert.same({ false, 4, 2 }, { j.records(j.decode('[{"id":1},{"id":5},{"id":9},{"id":5}]'), "id") })
    assert.same({ false, 5, 1 }, { j.records(j.decode('[{"id":3},{},{"id":4},{"id":2},{"id":3}]'), "id") })
    assert.same({ false, 3, 1 }, { j.records(j.decode('[{"id":7},{"id":8},{"id":7.0}]'), "id") })
    assert.same({ true }, { j.records(j.decode('[{"id":9},{"id":"9"},{"id":8}]'), "id") })
    -- NaN names nothing, before the set is made or after
    local nan = 0 / 0
    assert.same({ false, 4, 2 }, { j.records(j.array { { id = nan }, { id = 1 }, { id = 0 }, { id = 1 } }, "id") })
    assert.same({ true }, { j.records(j.array { { id = 2 }, { id = nan }, { id = nan }, { id = 1 } }, "id") })
  end

  it("is true for arrays of objects with no id twice, else false and the indexes that are wrong", function()
    assert.is_function(require("gpucloud.core").json_records)
    cases(json)
  end)

  it("says the same without the C core", function()
    without_core(cases)
  end)
end)
