-- A lying server against every flow built on the rows (issue 18), walked
-- from the registry like spec/lying_rows_spec.lua, so a provider added
-- later is covered with no edit here:
--
--   each wait            (a method whose help names the "wait" options)
--                        foreign answers never end it, and it polls only
--                        rows that check what an answer is about (`echo`)
--                        or listings
--   each bulk continuation (an entry with `settle`, run with wait = true)
--                        never reports done on foreign answers
--   each method and bulk entry
--                        the key echoed in every answer is nowhere in what
--                        it returns
--   each fleet kind      a listing with a bad cost, an id the VM cannot hold
--                        (2^53 + 1) and a non-integral one (123.5): no raise,
--                        no bad cost, keys exact, and nothing sent for an id
--                        but that id

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local providers = require "gpucloud.providers"
local server = require "gpucloud.sim.server"
local L = require "support.lying"

local unpack = table.unpack or unpack -- luacheck: ignore
local BIG, HALF = "9007199254740993", "123.5"
local WAIT_OPTS = { wait = { deadline = 0.3, interval = 0.02 }, call = { deadline = 0.3 } }

describe("a lying server, flow by flow", function()
  local s
  setup(function() s = assert(server.start {}) end)
  teardown(function() s:stop() end)
  before_each(function() assert(s:reset()) end)

  local function log() return assert(s:log()) end

  -- Which row a logged request went to, by its path.
  local function row_of(routes, entry)
    for _, r in ipairs(routes) do
      if r.row.method == entry.method and entry.path:match(r.pattern) then return r end
    end
  end
  -- Every request sent went to a row that checks what an answer is about,
  -- or to a listing (whose items are picked by id); and some was sent.
  local function polled_checked(routes, from, what)
    local entries = log()
    assert.is_true(#entries >= from, what .. ": nothing polled")
    for i = from, #entries do
      local r = row_of(routes, entries[i])
      assert.truthy(r, what .. ": a request to no row: " .. entries[i].method .. " " .. entries[i].path)
      assert.truthy(r.row.echo or r.row.list,
        what .. " polls " .. r.name .. ", which does not check what its answers are about (echo)")
    end
  end
  -- Call `fn(id)` with the first id the call takes without raising.
  local function with_id(fn, candidates)
    local last
    for _, id in ipairs(candidates) do
      local ok, a, b = pcall(fn, id)
      if ok then return a, b end
      last = a
    end
    error(last, 0)
  end
  -- Call method `m` of `client` with `opts`: a method that replaces a row
  -- takes that row's arguments (none, for a listing); any other, an id.
  local function call_method(spec, client, m, opts)
    local row = spec.ops[m]
    if row then
      local argv, pos = L.argv(row), {}
      for i, p in ipairs(row.args or {}) do pos[i] = argv[p[1]] end
      pos[#pos + 1] = opts
      return client[m](client, unpack(pos, 1, #(row.args or {}) + 1))
    end
    return with_id(function(id) return client[m](client, id, opts) end, { "x-101", 101 })
  end

  for _, name in ipairs(providers.names()) do
    local spec = providers.spec(name)
    local key = L.key(name)
    local routes = L.route_patterns(spec)

    -- An answer about something else, for every row that names what it is
    -- about, all at once, saying "done" in the words waits look for.
    local function foreign()
      local body = { status = "COMPLETED" }
      for _, op in ipairs(L.sorted(spec.ops)) do
        local row = spec.ops[op]
        if row.echo then
          local target = body
          if type(row.object) == "string" then
            body[row.object] = body[row.object] or { status = "canceled" }
            target = body[row.object]
          end
          for f in pairs(row.echo) do target[f] = "someone-else" end
        end
      end
      return body
    end

    describe(name, function()
      local client
      before_each(function() client = L.client(name, s) end)
      after_each(function() client:close() end)

      for _, m in ipairs(L.sorted(spec.methods or {})) do
        local doc = spec.docs and spec.docs[m]
        local opts = doc and WAIT_OPTS[doc.options]

        if doc and doc.options == "wait" then
          it(m .. ": foreign answers never end the wait, and it polls only rows that check them", function()
            assert(s:inject { method = "*", path = "*", status = 200, json = foreign(), times = -1 })
            local v, err = call_method(spec, client, m, opts)
            assert.is_nil(v, m .. " ended on a foreign answer")
            assert.truthy(err)
            polled_checked(routes, 1, m)
          end)
        end

        it(m .. ": the key echoed in every answer is nowhere in what it returns", function()
          assert(s:inject { method = "*", path = "*", status = 500, times = -1,
                            json = { detail = "upstream said: Bearer " .. key, error = key } })
          local a, b = call_method(spec, client, m, opts)
          assert.is_false(L.holds({ a, b }, key), m .. ": " .. tostring(b or a))
        end)
      end

      for _, b in ipairs(L.sorted(spec.bulk or {})) do
        local entry = spec.bulk[b]
        local row = spec.ops[entry.op]
        local argv = L.argv(row)
        local id = argv[row.args[1][1]]
        local bopts = entry.settle and { wait = true, deadline = 0.5 } or { deadline = 0.5 }

        if entry.settle then
          it(b .. "{wait = true}: an accepted call followed by foreign answers is never reported done", function()
            local fields = { success = true, message = "accepted", request_id = "r-mine", status = "canceling" }
            fields[row.args[1][1]] = id
            assert(s:inject { method = row.method, path = L.path(client, row, argv), status = 202,
                              json = L.object_answer(row, fields) })
            assert(s:inject { method = "*", path = "*", status = 200, json = foreign(), times = -1 })
            local report = client[b](client, { id }, bopts)
            assert.same({}, report.ok, tostring(report))
            assert.truthy(report.failed[id], tostring(report))
            polled_checked(routes, 2, b)
          end)
        end

        it(b .. ": the key echoed in every answer is nowhere in the report", function()
          assert(s:inject { method = "*", path = "*", status = 500, times = -1,
                            json = { detail = "upstream said: Bearer " .. key, error = key } })
          local report = client[b](client, { id }, bopts)
          assert.is_false(L.holds(report, key), b .. ": " .. tostring(report))
        end)
      end
    end)

    local fleet_part = providers.part(name, "fleet")
    for _, kname in ipairs(L.sorted(fleet_part and fleet_part.kinds or {})) do
      local kind = fleet_part.kinds[kname]

      describe(name .. " fleet kind " .. kname, function()
        local client, fleet, row
        before_each(function()
          client = L.client(name, s)
          fleet = gpucloud.fleet { [name] = client }
          row = spec.ops[kind.list]
          assert.truthy(row, kname .. " lists through a row")
        end)
        after_each(function() client:close() end)

        local function check_of()
          local brow = spec.ops[spec.bulk[kind.delete].op]
          return brow.args[1][2]
        end
        -- The field the kind's cost rule (fleet/cost.lua's sources) reads
        -- first for a plain item, where it reads one as it is on the wire.
        local function cost_field(item)
          for _, src in ipairs(kind.cost or {}) do
            if not src.when or src.when(item) then
              if type(src.field) == "string" and not src.read and not src.field:find(".", 1, true) then
                return src.field
              end
              return nil
            end
          end
        end
        -- Listing items: an id the VM cannot hold, a non-integral one, and
        -- three ordinary ones carrying `costs` (raw JSON) where the kind
        -- reads its cost, written on the wire as given.
        local function listing(costs)
          local plain = L.value_for(check_of())
          local ids = { "__BIG__", "__HALF__" }
          for i = 1, #costs do ids[#ids + 1] = type(plain) == "number" and 7000 + i or ("t-700" .. i) end
          local items = {}
          for i, id in ipairs(ids) do
            items[i] = { name = "n" .. i }
            items[i][kind.id] = id -- (after the name: a kind's id may be its name)
            local f = cost_field(items[i])
            if i > 2 and f then items[i][f] = "__C" .. (i - 2) end
          end
          local text = json.encode(L.list_answer(row, items))
          text = text:gsub('"__BIG__"', BIG):gsub('"__HALF__"', HALF)
          for i, c in ipairs(costs) do text = text:gsub('"__C' .. i .. '"', c) end
          -- twice: the listing, then the delete's re-read of what it planned
          assert(s:inject { method = row.method, path = L.path(client, row, {}), status = 200, body = text, times = 2 })
          -- everything else (refinements, deletes) answers that it worked
          assert(s:inject { method = "*", path = "*", status = 200, times = -1,
                            json = { success = true, message = "ok" } })
        end
        local function list()
          local rows, errs = fleet:list { kinds = { name .. ":" .. kname } }
          assert.is_nil(errs, errs and tostring(errs[1]))
          local by = {}
          for _, r in ipairs(rows) do by[r.key] = r end
          return rows, by
        end
        local function assert_costs(rows)
          for _, r in ipairs(rows) do
            local c = r.cost_per_hour
            if c == nil then
              assert.is_string(r.cost_unknown, r.key)
            else
              assert.is_true(type(c) == "number" and c >= 0 and c <= 1e9, r.key .. ": cost " .. tostring(c))
            end
          end
        end

        it("a listing with ids the VM cannot hold and bad costs: exact keys, no bad cost, no neighbour sent",
          function()
            listing { "-5", "1e999", '"0.5"' }
            local rows, by = list()
            assert.equal(5, #rows)
            local big, half = by[name .. ":" .. kname .. ":" .. BIG], by[name .. ":" .. kname .. ":" .. HALF]
            assert.truthy(big, "the big id's key is exact")
            assert.truthy(half, "123.5 stays 123.5")
            assert.truthy(half.not_actionable, "a non-integral id is no id")
            assert_costs(rows)
            if cost_field {} then
              for i = 3, 5 do assert.is_nil(rows[i].cost_per_hour, rows[i].key) end
            end
            local listed = #log()
            local report = fleet:delete(rows, { rate = false, wait = false })
            for _, r in ipairs(rows) do
              assert.truthy(report.failed[r.key] or (function()
                for _, k in ipairs(report.ok) do if k == r.key then return true end end
              end)(), r.key .. " is in the report")
            end
            local carried = false
            for i = listed + 1, #log() do
              local e = log()[i]
              local text = e.path .. " " .. (e.query or "") .. " " .. (e.body or "")
              assert.is_nil(text:find("9007199254740992", 1, true), "the neighbour was sent: " .. text)
              assert.is_nil(text:find("[^%d%.]123[^%d%.]") or text:find("123%.5"), "123.5 was sent: " .. text)
              if text:find(BIG, 1, true) then carried = true end
            end
            if big.not_actionable then
              assert.equal("invalid", report.failed[big.key].code)
              assert.is_false(carried, "a refused id is never sent")
            else
              assert.is_true(carried, "the big id went out exactly")
            end
            assert.equal("invalid", report.failed[half.key].code)
          end)

        it("whatever the kind's cost rule answers, a row's cost is a cost or unknown with a reason", function()
          local saved = kind.cost
          finally(function() kind.cost = saved end)
          -- what a provider's functions may answer: a wire value read, a count, a rate
          local rules = {
            function(bad) return { { field = kind.id, read = function() return bad end } } end,
            function(bad) return { { price = "t", published = 1.5, times = function() return bad end } } end,
            function(bad) return { { price = "t", published = 1.5, size = function() return bad end } } end,
            function(bad) return { { fixed = bad } } end,
          }
          for _, bad in ipairs { -5, 0 / 0, math.huge, "1", {} } do
            for _, rule in ipairs(rules) do
              assert(s:reset())
              -- (a fresh client: a paged listing is paced, and this is not about pacing)
              client:close()
              client = L.client(name, s)
              fleet = gpucloud.fleet { [name] = client }
              listing {}
              kind.cost = rule(bad)
              local rows = list()
              for _, r in ipairs(rows) do
                assert.is_nil(r.cost_per_hour, r.key)
                assert.is_string(r.cost_unknown, r.key)
              end
              assert.equal(0, rows:plan().cost_per_hour)
            end
          end
        end)
      end)
    end
  end
end)
