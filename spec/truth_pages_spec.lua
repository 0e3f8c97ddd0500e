-- Issue 18, finding 1: a listing proves itself page by page. A cursor
-- given again, an id listed twice, a page of a shape the row does not name
-- or a count other than the one the answer states is bad_response at the
-- request that shows it: no paging on to max_pages, and the iterator hands
-- out nothing of that page. Each of these failed on main (a1d925a).

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local server = require "gpucloud.sim.server"

local LISTING = "/api/v1/instances/"
local array, null = json.array, json.null

local function no_env() end

local function page(ids, nxt, extra)
  local items = array()
  for i, id in ipairs(ids) do items[i] = { id = id, actual_status = "running" } end
  local p = { success = true, instances = items, next_token = nxt or null }
  for k, v in pairs(extra or {}) do p[k] = v end
  return p
end

describe("finding 1: pages are proven", function()
  local sim, vast

  setup(function() sim = assert(server.start {}) end)
  teardown(function()
    if vast then vast:close() end
    sim:stop()
  end)
  before_each(function()
    assert(sim:reset())
    if vast then vast:close() end
    vast = gpucloud.vast { url = sim.url, api_key = sim.keys.vast, getenv = no_env, retries = 0 }
  end)

  -- Queue these pages, in order, for the listing.
  local function pages(list)
    local rules = {}
    for i, p in ipairs(list) do
      rules[i] = type(p) == "string" and { method = "GET", path = LISTING, status = 200, body = p }
        or { method = "GET", path = LISTING, status = 200, json = p }
    end
    assert(sim:inject(rules))
  end
  local function listings()
    local n = 0
    for _, e in ipairs(assert(sim:log())) do
      if e.path == LISTING then n = n + 1 end
    end
    return n
  end
  local function bad(v, err)
    assert.is_nil(v)
    assert.equal("bad_response", err and err.code, tostring(err))
    return err
  end
  -- Everything each_instance hands out, and how it ended.
  local function iterate(opts)
    local got = {}
    local it = vast:each_instance(nil, opts or { rate = false })
    while true do
      local inst, err = it()
      if inst == nil then return got, err end
      got[#got + 1] = inst.id
    end
  end

  it("a cursor that cycles (A, B, A) is refused at the page that repeats it", function()
    pages { page({ 1 }, "A"), page({ 2 }, "B"), page({ 3 }, "A"), page({ 4 }, "C"), page({ 5 }, "D") }
    local err = bad(vast:show_instances(nil, { rate = false }))
    assert.match("same cursor", err.message)
    assert.equal(3, listings(), "no page after the one that showed it")
  end)

  it("the iterator hands out nothing of the page with the repeated cursor", function()
    pages { page({ 1 }, "A"), page({ 2 }, "B"), page({ 3 }, "A"), page({ 4 }, "C") }
    local got, err = iterate()
    assert.same({ 1, 2 }, got)
    bad(nil, err)
  end)

  it("a server that ignores after_token (fresh cursors, the same page) is caught at request 2", function()
    local list = {}
    for i = 1, 12 do list[i] = page({ 1, 2 }, "c" .. i) end
    pages(list)
    local err = bad(vast:show_instances(nil, { rate = false, max_pages = 10 }))
    assert.match("again", err.message)
    assert.equal(2, listings())
  end)

  it("each_instance yields no duplicate before the error", function()
    local list = {}
    for i = 1, 12 do list[i] = page({ 1, 2 }, "c" .. i) end
    pages(list)
    local got, err = iterate { rate = false, max_pages = 10 }
    assert.same({ 1, 2 }, got)
    bad(nil, err)
    assert.equal(2, listings())
  end)

  it("an id repeated from an earlier page is bad_response, never listed twice", function()
    pages { page({ 1, 2 }, "A"), page({ 2, 3 }) }
    bad(vast:show_instances(nil, { rate = false }))
    pages { page({ 1, 2 }, "A"), page({ 2, 3 }) }
    local got, err = iterate()
    assert.same({ 1, 2 }, got)
    bad(nil, err)
  end)

  it("an id repeated within one page is bad_response", function()
    pages { page({ 7, 7 }) }
    bad(vast:show_instances(nil, { rate = false }))
  end)

  it("a bare array as page 2 ([] or [inst]) never ends the listing silently short", function()
    for _, second in ipairs { "[]", '[{"id":2}]' } do
      assert(sim:reset())
      pages { page({ 1 }, "A"), second }
      bad(vast:show_instances(nil, { rate = false }))
    end
  end)

  it("a bare array as the first page is no page either", function()
    pages { "[]" }
    bad(vast:show_instances(nil, { rate = false }))
  end)

  it("a listing that ends short of the count it states is an error, never a list", function()
    pages { page({ 1 }, "A", { instances_found = 3, total_instances = 3 }),
            page({ 2 }, nil, { instances_found = 3, total_instances = 3 }) }
    local err = bad(vast:show_instances(nil, { rate = false }))
    assert.match("instances_found = 3", err.message)
    -- and one that holds more than it states, at the page that shows it
    pages { page({ 1, 2 }, "A", { instances_found = 1 }), page({ 3 }) }
    bad(vast:show_instances(nil, { rate = false }))
    assert.equal(3, listings())
  end)

  it("a stated count that is not a count is bad_response", function()
    pages { page({ 1 }, nil, { instances_found = -1 }) }
    bad(vast:show_instances(nil, { rate = false }))
  end)

  it("the simulator's real listing, in pages, is whole and proven", function()
    local all = assert(vast:show_instances(nil, { rate = false, page_size = 5 }))
    assert.equal(13, #all)
    local got = iterate { rate = false, page_size = 4 }
    assert.equal(13, #got)
  end)

  describe("lists that are not paged", function()
    it("a bare array is a list only where the row says so", function()
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 200, body = "[]" })
      bad(vast:show_endpoints())
      assert(sim:inject { method = "POST", path = "/get_workergroup_workers/", status = 200, body = "[]" })
      bad(vast:get_workergroup_workers(201))
      -- the official CLI takes a bare worker list of an endpoint: so does the row
      assert(sim:inject { method = "POST", path = "/get_endpoint_workers/", status = 200, body = "[]" })
      assert.equal(0, #assert(vast:get_endpoint_workers(101)))
    end)

    it("a list naming one id twice is bad_response", function()
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 200,
                          json = { success = true, results = array { { id = 101 }, { id = 101 } } } })
      bad(vast:show_endpoints())
    end)
  end)
end)
