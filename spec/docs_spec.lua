-- The reference (make docs): what docs/gen.lua makes from the rows, that
-- a client function with nothing to say stops it, that docs/check.lua
-- names every public name LDoc did not document, and that the real tree
-- builds under Debian's ldoc without a warning.

local build = require "docs.build"
local check = require "docs.check"
local define = require "gpucloud.define"
local gen = require "docs.gen"
local public = require "docs.public"

local function readme()
  local f = assert(io.open("README.md", "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- A provider of one row, one composed method and one bulk entry, made by
-- define as the real ones are, and found by gen.provider as they are.
local function fake_provider(docs)
  local spec = {
    name = "fake", title = "Fake", key = { env = { "FAKE_KEY" } },
    hosts = { api = { option = "url", env = "FAKE_URL", default = "https://fake.invalid" } },
    ops = {
      delete_thing = { method = "DELETE", host = "api", path = "/things/{id}", args = { { "id", "vast_id" } },
                       idempotent = true, rate = 2.0 },
    },
    bulk = { delete_things = { op = "delete_thing" } },
    methods = { frob = function() end },
    docs = docs,
  }
  define.define(spec)
  package.loaded["gpucloud.fake"] = { spec = spec }
  return { var = "fake", ctor = "fake", module = "gpucloud.fake", spec = spec }, spec
end

local function tmpdir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(build.sh("mkdir -p '" .. dir .. "/src'"))
  return dir
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

after_each(function() package.loaded["gpucloud.fake"] = nil end)

describe("docs: the generated stubs", function()
  it("document every client function from its row, bulk entry or spec.docs line", function()
    local p = fake_provider { frob = { args = "id [, opts]", options = "call", "frob a thing" } }
    local text = assert(gen.provider(p))
    assert.match("\n%-%-%- DELETE api /things/{id} %-&gt; an object%.\n", text)
    assert.match("\n%-%-      wire      DELETE https://fake.invalid/things/{id}\n", text)
    assert.match("\n%-%- @param id a positive integer up to 2&#94;53\n", text)
    assert.match("\nfunction fake:delete_thing%(id, opts%) end\n", text)
    assert.match("\n%-%- @treturn gpucloud.bulk.Report every id's outcome\nfunction fake:delete_things%(ids, opts%) end\n",
      text)
    assert.match("\n%-%-%- frob a thing%.\n", text)
    assert.match("\nfunction fake:frob%(id, opts%) end\n", text)
    assert.match("\nfunction fake:batch%(op_name, items, opts%) end\n", text)
    assert.match("\n%-%- @type fake\n", text)
    assert.match("`url`: the api host's base URL %(else `FAKE_URL`, else https://fake.invalid%)", text)
  end)

  it("stop at a composed method without a spec.docs line, or one define adds to the class", function()
    local p, spec = fake_provider {}
    local text, missing = gen.provider(p)
    assert.is_nil(text)
    assert.same({ "frob" }, missing)
    spec.docs.frob = { args = "", "frob" }
    -- what define may compose from a row (a paged listing's each_*)
    define.class_of(spec).each_thing = function() end
    text, missing = gen.provider(p)
    assert.is_nil(text)
    assert.same({ "each_thing" }, missing)
    spec.docs.each_thing = { args = "[opts]", "each thing, page by page" }
    text = assert(gen.provider(p))
    assert.match("\n%-%-%- each thing, page by page%.\n", text)
    assert.match("\nfunction fake:each_thing%(opts%) end\n", text)
  end)

  it("the real providers, options and errors have something to say for everything", function()
    local stubs = assert(gen.stubs(readme()))
    assert.truthy(stubs["vast.lua"]:find("function vast:delete_endpoints(ids, opts) end", 1, true))
    assert.truthy(stubs["tensorpool.lua"]:find("function tp:wait_request(request_id, opts) end", 1, true))
    assert.truthy(stubs["config.lua"]:find("\n-- @field timeout seconds one attempt may take", 1, true))
    assert.truthy(stubs["errors.lua"]:find("\n-- @field may_have_landed true when", 1, true))
    -- a method that replaces its row: one function, the method's line and the row's wire
    local tp = stubs["tensorpool.lua"]
    local _, n = tp:gsub("\nfunction tp:destroy_cluster%(", "")
    assert.equal(1, n)
    assert.match("with unprotect = true, a refusal for deletion protection turns it off[^\n]*\n%-%-\n"
      .. "%-%-      wire      DELETE https://engine.tensorpool.dev/cluster/{cluster_id}\n", tp)
  end)

  it("the error codes are README's, which must name exactly errors.CODES", function()
    local text = readme()
    local without = text:gsub("\n| `no_api_key` |[^\n]*", "", 1)
    local stub, problems = gen.errors(without)
    assert.is_nil(stub)
    assert.same({ "code no_api_key (not in README's Errors table)" }, problems)
    local extra = text:gsub("\n| `failed` |", "\n| `exploded` | a code errors.lua does not have |\n| `failed` |", 1)
    stub, problems = gen.errors(extra)
    assert.is_nil(stub)
    assert.same({ "code exploded (in README, not in errors.CODES)" }, problems)
  end)

  it("an option needs a doc, and a new scope a line", function()
    local OPTIONS = require("gpucloud.config").OPTIONS
    OPTIONS.zz_test = { kind = "boolean", scope = "call" }
    local ok, stub, problems = pcall(gen.options)
    OPTIONS.zz_test = nil
    assert.is_true(ok, stub)
    assert.is_nil(stub)
    assert.same({ "option zz_test (no doc)" }, problems)
    OPTIONS.zz_test = { kind = "boolean", scope = "zz_scope", doc = "a test" }
    ok, stub, problems = pcall(gen.options)
    OPTIONS.zz_test = nil
    assert.is_true(ok, stub)
    assert.same({ "scope zz_scope (docs/gen.lua's SCOPES)" }, problems)
  end)
end)

describe("docs: the check against what LDoc read", function()
  local surface = { { module = "gpucloud.x", items = { "new", "x:a", "x:b", "opts" }, fields = { opts = { "k" } } } }

  it("names what is missing, has no words, lacks a field, or is documented but not there", function()
    local modules = { {
      name = "gpucloud.x",
      items = {
        { name = "new", summary = "Make one." },
        { name = "x:a", summary = "", description = "" },
        { name = "opts", summary = "Options.", params = { "k", map = { k = "" } } },
        { name = "x:gone", summary = "Removed." },
      },
      sections = { { name = "x", summary = "An x." } },
    } }
    assert.same({
      "gpucloud.x: documents x:gone, which the library does not have",
      "gpucloud.x: opts.k is not documented",
      "gpucloud.x: x:a has no words of its own",
      "gpucloud.x: x:b is not documented",
    }, check.problems(surface, modules))
    assert.same({ "gpucloud.y: no module of that name in the reference" },
      check.problems({ { module = "gpucloud.y", items = {}, fields = {} } }, modules))
  end)

  it("the library's surface: every client function, every field of gpucloud, the list and fleet methods", function()
    local by = {}
    for _, m in ipairs(public.surface()) do
      by[m.module] = {}
      for _, n in ipairs(m.items) do by[m.module][n] = true end
    end
    for name, fn in pairs(define.class_of(require("gpucloud.providers.tensorpool").spec)) do
      if type(fn) == "function" and not name:match("^__") then assert.is_true(by["gpucloud.tensorpool"]["tp:" .. name]) end
    end
    -- gpucloud.<provider> is its own page's `new`
    for name in pairs(require "gpucloud") do
      if require("gpucloud.providers").known(name) then
        assert.is_true(by["gpucloud." .. name].new, name)
      else
        assert.is_true(by.gpucloud[name], name)
      end
    end
    for _, n in ipairs { "List:filter", "List:sort_by", "new" } do assert.is_true(by["gpucloud.list"][n], n) end
    for _, n in ipairs { "Fleet:list", "Fleet:delete", "Rows:plan", "new" } do assert.is_true(by["gpucloud.fleet"][n], n) end
    assert.is_nil(by["gpucloud.fleet"]["Fleet:runner"])
    assert.is_true(by["gpucloud.bulk"]["Report:failed_ids"])
    assert.is_true(by["gpucloud.errors"].codes)
  end)
end)

describe("docs: LDoc", function()
  it("make docs' build of this tree: every public name documented, no warning", function()
    -- its own directory: the other interpreters' runs build beside it
    local out = tmpdir()
    finally(function() build.sh("rm -rf '" .. out .. "'") end)
    local ok, text = build.run { config = build.config_in("config.ld", out), out = out }
    assert.is_true(ok, text)
    assert.match("docs: %d+ public names in %d+ modules, each documented", text)
    local f = assert(io.open(out .. "/modules/gpucloud.vast.html", "rb"))
    local html = f:read("*a")
    f:close()
    assert.truthy(html:find('name = "vast:delete_endpoint"', 1, true))
    assert.truthy(html:find("wire      DELETE https://console.vast.ai/api/v0/endptjobs/{id}/", 1, true))
  end)

  it("an undocumented public name fails the check, and an LDoc warning fails the build", function()
    local dir = tmpdir()
    write(dir .. "/config.ld", 'project = "t"\nformat = "discount"\nfile = { "src" }\n')
    write(dir .. "/src/x.lua", "--- A module.\n-- @module gpucloud.x\n\n--- Make one.\nfunction new() end\n\n"
      .. "--- An x: see @{nowhere}.\n-- @type x\n\n--- A.\nfunction x:a() end\n")
    write(dir .. "/surface.lua", public.chunk { { module = "gpucloud.x", items = { "new", "x", "x:a", "x:b" }, fields = {} } })
    local opts = { config = dir .. "/config.ld", out = dir }
    local ok, _, err = build.ldoc(opts, "--filter docs.check.run")
    assert.is_false(ok)
    assert.match("gpucloud.x: x:b is not documented", err, 1, true)
    local out
    ok, out, err = build.ldoc(opts, "--fatalwarnings -q -d '" .. dir .. "/html'")
    assert.is_false(ok, out)
    assert.match("nowhere", err, 1, true)
    build.sh("rm -rf '" .. dir .. "'")
  end)
end)
