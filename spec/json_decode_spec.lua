-- The C core's JSON decoder (core.json_decode, behind gpucloud.json.decode)
-- must give exactly what cjson.decode followed by the Lua normaliser gave:
-- same values, same integer/float split, nulls dropped from objects and
-- kept in arrays. Checked on edge cases and on thousands of random
-- documents (GPUCLOUD_PROPERTY_SEED reproduces a failure). With a third
-- argument, every array and no object gets it as metatable, so [] and {}
-- differ.

local json = require "gpucloud.json"
local core = require "gpucloud.core"

local SEED = tonumber(os.getenv("GPUCLOUD_PROPERTY_SEED") or "") or 20260107
local mtype = math.type or function(v) return type(v) == "number" and "float" or nil end

-- Deep equality that tells 1 from 1.0 (on 5.4) and null from everything.
local function same(a, b, path)
  path = path or "value"
  if type(a) ~= type(b) then return false, path .. ": " .. type(a) .. " vs " .. type(b) end
  if type(a) == "number" then
    if mtype(a) ~= mtype(b) then return false, path .. ": " .. mtype(a) .. " vs " .. mtype(b) end
    if a ~= b and not (a ~= a and b ~= b) then return false, path .. ": " .. a .. " vs " .. b end
    return true
  end
  if type(a) ~= "table" then
    if a ~= b then return false, path .. ": " .. tostring(a) .. " vs " .. tostring(b) end
    return true
  end
  for k, v in pairs(a) do
    local ok, why = same(v, b[k], path .. "." .. tostring(k))
    if not ok then return false, why end
  end
  for k in pairs(b) do
    if a[k] == nil then return false, path .. "." .. tostring(k) .. ": missing" end
  end
  return true
end

local function check(text)
  local a, aerr = json.decode(text)
  local b, berr = json.decode_lua(text)
  -- dkjson accepts some text JSON does not ([1,], 01): the core may be
  -- stricter, never more lenient
  assert(aerr ~= nil or berr == nil, string.format("%q: core says %s, dkjson says %s", text,
    tostring(aerr), tostring(berr)))
  if aerr then return a, aerr end
  local ok, why = same(a, b)
  assert(ok, string.format("%q: %s", text, tostring(why)))
  return a, aerr
end

describe("core.json_decode", function()
  it("is what gpucloud.json.decode uses", function()
    assert.is_function(core.json_decode)
    assert.equal(json.null, select(2, pcall(function() return json.decode("[null]")[1] end)))
  end)

  it("agrees with dkjson + normalise on edge cases", function()
    for _, text in ipairs {
      "0", "-0", "01", "1.", "1.5", "-1.5e3", "2e3", "1E+2", "1e-320", "1e400", "-1e400",
      "9007199254740993", "123456789012345", "1234567890123456", "12345678901234567890",
      "9223372036854775807", "9223372036854775808", "-9223372036854775808", "4242.0",
      '""', '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"', '"\\u00e9\\u20ac\\ud83d\\ude00"', '"\\u0000x"',
      '"raw\tcontrol"', '"\255\254 bytes"', "true", "false", "null", " [ ] ", "{ }",
      "[null]", "[1,null,2]", '{"a":null}', '{"a":1,"b":null,"c":[null,{"d":null}]}',
      '{"a":1,"a":2}', '{"a":1,"a":null}', '{"a":null,"a":1}', '"bare string"',
      '{"workers":[{"id":1001,"cur_perf":210.0,"url":null}]}',
      -- failures: each must fail in both
      "", "   ", "[1,]", '{"a":1,}', '{"a" 1}', "{1:2}", "[1 2]", "tru", "nul", '"\\x"', '"\\u12"',
      '"\\ud83d"', '"\\ude00"', '"open', "[", "{", "5 x", "-", "--1", ".5", "[-]",
    } do
      check(text)
    end
  end)

  it("is stricter than cjson on numbers JSON does not have", function()
    for _, text in ipairs { "+1", "NaN", "Infinity", "-Infinity", "0x10", "[nan]" } do
      local v, err = json.decode(text)
      assert.is_nil(v, text)
      assert.is_string(err, text)
    end
  end)

  it("builds objects and arrays past the batch held on the stack", function()
    local members, items = {}, {}
    for i = 1, 100 do
      members[#members + 1] = string.format('"k%d":%s', i, i % 7 == 0 and "null" or tostring(i))
      items[#items + 1] = i % 9 == 0 and "null" or string.format("%d.5", i)
    end
    -- a duplicate in a later batch than its first value, once set and once null
    members[#members + 1] = '"k1":"again"'
    members[#members + 1] = '"k2":null'
    local v = check("{" .. table.concat(members, ",") .. "}")
    assert.equal("again", v.k1)
    assert.is_nil(v.k2)
    assert.is_nil(v.k7)
    assert.equal(100, v.k100)
    v = check("[" .. table.concat(items, ",") .. "]")
    assert.equal(100, #v)
    assert.equal(json.null, v[9])
    assert.equal(1.5, v[1])
  end)

  -- issue 23: plain decimals are read without strtod (a multiplication or
  -- division by an exact power of ten), and must round exactly as it does
  it("reads decimals exactly as strtod does", function()
    math.randomseed(SEED)
    local rnd = math.random
    for _ = 1, 5000 do
      local int = tostring(rnd(0, 10 ^ rnd(0, 9)))
      local frac = tostring(rnd(0, 10 ^ rnd(0, 9))):sub(1, rnd(0, 9))
      local text = (rnd(2) == 1 and "-" or "") .. int .. (frac ~= "" and ("." .. frac) or ".")
      if rnd(3) == 1 then text = text .. ({ "e", "E" })[rnd(2)] .. ({ "", "+", "-" })[rnd(3)] .. rnd(0, 30) end
      local ok, err = pcall(check, text)
      assert(ok, string.format("seed %d: %s", SEED, tostring(err)))
      local v, n = json.decode(text), tonumber(text)
      if n >= 2 ^ 53 or n <= -2 ^ 53 then
        assert(v == text, string.format("%q: %s, not its text (2^53 or more)", text, tostring(v)))
      else
        assert(v == n, string.format("%q: %.17g, tonumber says %.17g", text, v, n))
      end
    end
    for _, text in ipairs { "0.1", "0.3", "1e22", "1e23", "1.5e-22", "1e-23", "123456789012345.6",
      "999999999999999e22", "0.000000000000000000001", "1e0000", "1e+", "1.e5", "-0.0", "42.50" } do
      check(text)
    end
  end)

  -- issue 23: short strings come from a cache of those already made in the
  -- document; strings alike in length and ends must still be told apart
  it("tells apart repeated strings that are alike", function()
    local items = {}
    for i = 1, 300 do
      local a, b = string.char(97 + i % 26), string.char(97 + (i * 7) % 26)
      items[i] = string.format('{"k%s%s":"v%s-%s","k%s%s":"%s"}', a, b, b, a, b, a, string.rep(a, i % 45))
    end
    local v = check("[" .. table.concat(items, ",") .. "]")
    assert.equal(300, #v)
  end)

  it("stops at a nesting limit of 256", function()
    assert.truthy(check(string.rep("[", 256) .. string.rep("]", 256)))
    local v, err = json.decode(string.rep("[", 257) .. string.rep("]", 257))
    assert.is_nil(v)
    assert.matches("nested", err)
    v, err = json.decode(string.rep('{"a":', 100000))
    assert.is_nil(v)
    assert.is_string(err)
  end)

  it("never raises, whatever the bytes", function()
    math.randomseed(SEED)
    local alphabet = { "{", "}", "[", "]", ",", ":", '"', "\\", "u", "1", "-", ".", "e", "n", "t", " ", "a", "\0" }
    for _ = 1, 3000 do
      local parts = {}
      for i = 1, math.random(0, 30) do parts[i] = alphabet[math.random(#alphabet)] end
      local text = table.concat(parts)
      local ok, err = pcall(json.decode, text)
      assert(ok, string.format("seed %d: %q raised %s", SEED, text, tostring(err)))
    end
  end)

  it("agrees with dkjson + normalise on random documents", function()
    math.randomseed(SEED)
    local rnd = math.random
    local STRINGS = { "", "x", "status", "RTX 4090", "é", "\\n", "\\u00e9", "\\\"", "\\ud83d\\ude00", "\\/" }
    local NUMBERS = { "0", "-1", "42", "4242.0", "0.5", "-2.25e-3", "1e21", "12345678901234567", "7E2" }
    local function ws() return rnd(4) == 1 and " \n\t" or "" end
    local function gen(depth)
      local r = rnd(depth > 3 and 5 or 8)
      if r == 1 then return '"' .. STRINGS[rnd(#STRINGS)] .. '"' end
      if r == 2 then return NUMBERS[rnd(#NUMBERS)] end
      if r == 3 then return ({ "true", "false" })[rnd(2)] end
      if r <= 5 then return "null" end
      local out = {}
      if r == 6 then
        for i = 1, rnd(0, depth == 0 and 40 or 6) do out[i] = ws() .. gen(depth + 1) .. ws() end
        return "[" .. table.concat(out, ",") .. "]"
      end
      for i = 1, rnd(0, depth == 0 and 40 or 6) do
        out[i] = ws() .. '"' .. STRINGS[rnd(#STRINGS)] .. rnd(30) .. '"' .. ws() .. ":" .. gen(depth + 1)
      end
      return "{" .. table.concat(out, ",") .. "}"
    end
    for _ = 1, 1500 do
      local text = gen(0)
      local ok, err = pcall(check, text)
      assert(ok, string.format("seed %d: %s", SEED, tostring(err)))
    end
  end)
end)

describe("core.json_decode(text, null, array_mt)", function()
  local NULL = {}
  local MT = {}

  local function decode(text, mt) return core.json_decode(text, NULL, mt) end

  -- Walk `v`: every table with MT must hold only the keys 1..n (an array),
  -- every other table but NULL only string keys (an object). Returns the
  -- number of arrays and objects seen.
  local function walk(v, counts)
    counts = counts or { arrays = 0, objects = 0 }
    if type(v) ~= "table" or v == NULL then return counts end
    local mt = getmetatable(v)
    if mt == MT then
      counts.arrays = counts.arrays + 1
      local n = 0
      for k in pairs(v) do
        assert(type(k) == "number" and k >= 1 and k % 1 == 0, "array with key " .. tostring(k))
        n = n + 1
      end
      assert.equal(n, #v)
    else
      assert.is_nil(mt, "an object with a metatable")
      counts.objects = counts.objects + 1
      for k in pairs(v) do assert.equal("string", type(k)) end
    end
    for _, x in pairs(v) do walk(x, counts) end
    return counts
  end

  it("tells [] from {}", function()
    assert.equal(MT, getmetatable(decode("[]", MT)))
    assert.equal(MT, getmetatable(decode(" [ ] ", MT)))
    assert.is_nil(getmetatable(decode("{}", MT)))
    local v = decode('{"workers":{},"ids":[],"rows":[{}]}', MT)
    assert.is_nil(getmetatable(v))
    assert.is_nil(getmetatable(v.workers))
    assert.equal(MT, getmetatable(v.ids))
    assert.equal(MT, getmetatable(v.rows))
    assert.is_nil(getmetatable(v.rows[1]))
  end)

  it("marks every array, nested or past the batch held on the stack, and no object", function()
    local items = {}
    for i = 1, 100 do items[i] = i % 3 == 0 and "[]" or (i % 3 == 1 and "{}" or '[{"a":[1,[2]]}]') end
    local v = decode("[" .. table.concat(items, ",") .. "]", MT)
    assert.equal(100, #v)
    assert.same({ arrays = 1 + 33 + 33 * 3, objects = 34 + 33 }, walk(v))
    assert.equal(MT, getmetatable(v[99])) -- "[]"
    assert.is_nil(getmetatable(v[100])) -- "{}"
  end)

  it("leaves everything else as without it", function()
    for _, text in ipairs { "1", '"s"', "true", "null", "[null,1]", '{"a":null,"b":[null]}', "[1,]", "{" } do
      local a, aerr = decode(text, nil)
      local b, berr = decode(text, MT)
      assert.equal(aerr, berr)
      if type(a) == "table" then
        assert.equal(#a, #b)
        assert.equal(a[1], b[1])
      else
        assert.equal(a, b)
      end
    end
    assert.equal(NULL, decode("[null]", MT)[1])
    assert.is_nil(getmetatable(NULL)) -- the sentinel is the caller's, untouched
  end)

  it("sets no metatable when it is nil or absent", function()
    assert.is_nil(getmetatable(core.json_decode("[]", NULL)))
    assert.is_nil(getmetatable(decode("[[1]]", nil)[1]))
    assert.is_nil(getmetatable(decode("[[1]]", nil)))
  end)

  it("fills arrays raw: a metatable's __newindex or __index changes nothing", function()
    local strict = setmetatable({}, { __index = function() error("read through __index") end })
    local mt = { __newindex = function() error("__newindex called") end, __index = strict }
    local v = core.json_decode('[1,[2,3],{"a":[4]}]', NULL, mt)
    assert.equal(mt, getmetatable(v))
    assert.equal(1, rawget(v, 1))
    assert.equal(3, rawget(rawget(v, 2), 2))
    assert.equal(4, rawget(rawget(rawget(v, 3), "a"), 1))
  end)

  it("raises on a third argument that is not a table or nil", function()
    for _, bad in ipairs { "mt", 1, true, false, print } do
      local ok, err = pcall(core.json_decode, "[]", NULL, bad)
      assert.is_false(ok)
      assert.matches("bad argument #3", err)
    end
  end)

  it("marks exactly the arrays of random documents", function()
    math.randomseed(SEED)
    local rnd = math.random
    -- returns the text and how many arrays and objects it holds (keys are
    -- unique, so no member is dropped along with what it holds)
    local function gen(depth, counts)
      local r = rnd(depth > 3 and 4 or 6)
      if r == 1 then return '"x"' end
      if r == 2 then return tostring(rnd(100)) end
      if r == 3 then return "null" end
      if r == 4 then return "true" end
      local out = {}
      if r == 5 then
        counts.arrays = counts.arrays + 1
        for i = 1, rnd(0, depth == 0 and 40 or 6) do out[i] = gen(depth + 1, counts) end
        return "[" .. table.concat(out, ",") .. "]"
      end
      counts.objects = counts.objects + 1
      for i = 1, rnd(0, depth == 0 and 40 or 6) do out[i] = '"k' .. i .. '":' .. gen(depth + 1, counts) end
      return "{" .. table.concat(out, ",") .. "}"
    end
    for _ = 1, 1000 do
      local want = { arrays = 0, objects = 0 }
      local text = gen(0, want)
      local v = decode(text, MT)
      local ok, got = pcall(walk, v)
      assert(ok, string.format("seed %d: %s: %s", SEED, text, tostring(got)))
      assert(got.arrays == want.arrays and got.objects == want.objects,
        string.format("seed %d: %s: %d arrays and %d objects, want %d and %d", SEED, text,
          got.arrays, got.objects, want.arrays, want.objects))
    end
  end)
end)
