-- A lying server against EVERY row of every registered provider (issue 18):
-- the rows are walked from `require("gpucloud.providers").names()` and each
-- spec's `ops`, and the lies are shaped from the rows themselves, so a row
-- or provider added later is covered with no edit here.
--
--   each list row    repeated ids (a row of records without one, id_field =
--                    false: repeats taken), a bare array where the row
--                    names none, `{}` where a list belongs
--   each paged row   a cursor that cycles, a server that ignores the
--                    cursor, an id from an earlier page, a bare page, a
--                    count short of the one stated: bad_response at the
--                    request that shows it, and the iterator hands out
--                    nothing of that page
--   each echo row    an answer about something else
--   every row        the account key echoed in error answers (4xx, 5xx,
--                    unreadable) and in a result: nowhere in what comes back

local json = require "gpucloud.json"
local providers = require "gpucloud.providers"
local server = require "gpucloud.sim.server"
local L = require "support.lying"

local array, null = json.array, json.null

describe("a lying server, row by row", function()
  local s
  setup(function() s = assert(server.start {}) end)
  teardown(function() s:stop() end)
  before_each(function() assert(s:reset()) end)

  -- Answer the next requests to `path` with these bodies (tables as JSON,
  -- strings as they are), in order.
  local function answers(row, path, list, status)
    local rules = {}
    for i, a in ipairs(list) do
      rules[i] = { method = row.method, path = path, status = status or 200 }
      if type(a) == "string" then rules[i].body = a else rules[i].json = a end
    end
    assert(s:inject(rules))
  end
  local function sent_to(path)
    local n = 0
    for _, e in ipairs(assert(s:log())) do
      if e.path == path then n = n + 1 end
    end
    return n
  end
  local function bad(what, v, err)
    assert.is_nil(v, what)
    assert.equal("bad_response", err and err.code, what .. ": " .. tostring(err))
  end

  for _, name in ipairs(providers.names()) do
    local spec = providers.spec(name)
    local key = L.key(name)

    describe(name, function()
      local client
      before_each(function() client = L.client(name, s) end)
      after_each(function() client:close() end)

      for _, op in ipairs(L.sorted(spec.ops)) do
        local row = spec.ops[op]
        local argv = L.argv(row)
        local function path() return L.path(client, row, argv) end
        local function call(each, opts) return L.call(client, spec, op, argv, each, opts) end

        if row.list and row.id_field == false then
          -- (records without an id of their own: the row says so, and ids() names a field)
          it(op .. ": records that repeat every field are a list, as the row's id_field = false says", function()
            answers(row, path(), { L.list_answer(row, { { id = 7001 }, { id = 7001 } }) })
            local v = assert(call())
            assert.equal(2, #v)
            assert.has_error(function() v:ids() end)
          end)
        elseif row.list then
          it(op .. ": a list naming one id twice is bad_response", function()
            answers(row, path(), { L.list_answer(row, { L.item(row, 7001), L.item(row, 7001) }) })
            bad(op, call())
          end)

          if row.list ~= true then
            it(op .. ": a bare array is a list only where the row says bare = true (and never a page)", function()
              answers(row, path(), { '[{"' .. (row.id_field or "id") .. '":7001}]' })
              local v, err = call()
              if row.bare and not row.paged then
                assert.equal(1, #assert(v, tostring(err)))
              else
                bad(op, v, err)
              end
            end)

            it(op .. ": {} where the list belongs is bad_response, never an empty list", function()
              answers(row, path(), { "{}" })
              bad(op, call())
            end)
          end
        end

        if row.paged then
          local nxt = row.paged.next

          it(op .. ": a cursor that cycles (A, B, A) is refused at the third page", function()
            local pages = {}
            for i, c in ipairs { "A", "B", "A", "C", "D" } do pages[i] = L.list_answer(row, { L.item(row, 7000 + i) }, c) end
            answers(row, path(), pages)
            bad(op, call())
            assert.equal(3, sent_to(path()))
          end)

          it(op .. ": the iterator hands out nothing of the page that repeats a cursor", function()
            local pages = {}
            for i, c in ipairs { "A", "B", "A", "C" } do pages[i] = L.list_answer(row, { L.item(row, 7000 + i) }, c) end
            answers(row, path(), pages)
            local got, err = call(true)
            assert.equal(2, #got)
            bad(op, nil, err)
          end)

          it(op .. ": a server that ignores the cursor is caught at the second page, not max_pages", function()
            local pages = {}
            for i = 1, 8 do pages[i] = L.list_answer(row, { L.item(row, 7001), L.item(row, 7002) }, "c" .. i) end
            answers(row, path(), pages)
            local got, err = call(true, { rate = false, max_pages = 6 })
            assert.equal(2, #got, "no duplicate handed out")
            bad(op, nil, err)
            assert.equal(2, sent_to(path()))
          end)

          it(op .. ": an id from an earlier page is bad_response", function()
            answers(row, path(), { L.list_answer(row, { L.item(row, 7001) }, "A"),
                                   L.list_answer(row, { L.item(row, 7001) }) })
            bad(op, call())
          end)

          it(op .. ": a bare page ([] or [item]) never ends the listing silently short", function()
            for _, second in ipairs { "[]", '[{"' .. (row.id_field or "id") .. '":7002}]' } do
              assert(s:reset())
              answers(row, path(), { L.list_answer(row, { L.item(row, 7001) }, "A"), second })
              bad(op, call())
              assert.equal(2, sent_to(path()))
            end
          end)

          it(op .. ": a cursor that is not a non-empty string is bad_response", function()
            for _, c in ipairs { 7, "", true } do
              assert(s:reset())
              local a = L.list_answer(row, { L.item(row, 7001) })
              a[nxt] = c
              answers(row, path(), { a })
              bad(op, call())
            end
          end)

          if row.paged.total then
            it(op .. ": a listing short of its stated " .. row.paged.total .. " is an error, never a list", function()
              local short = { L.list_answer(row, { L.item(row, 7001) }, "A", { [row.paged.total] = 3 }),
                              L.list_answer(row, { L.item(row, 7002) }, nil, { [row.paged.total] = 3 }) }
              answers(row, path(), short)
              bad(op, call())
              answers(row, path(), short)
              local got, err = call(true)
              assert.equal(1, #got)
              bad(op, nil, err)
            end)
          end
        end

        if row.echo then
          local function foreign(v)
            if type(v) == "number" then return v + 1 end
            return tostring(v) .. "-someone-else"
          end

          it(op .. ": an answer about something else is bad_response", function()
            for _, f in ipairs(L.sorted(row.echo)) do
              assert(s:reset())
              local fields = { status = "COMPLETED" }
              for g, a in pairs(row.echo) do fields[g] = argv[a] end
              fields[f] = foreign(argv[row.echo[f]])
              answers(row, path(), { L.object_answer(row, fields) })
              bad(op .. " (" .. f .. ")", call())
            end
            -- and about the thing asked: taken
            assert(s:reset())
            answers(row, path(), { L.good_answer(row, argv) })
            assert.truthy(call())
          end)

          if not row.echo_optional then
            it(op .. ": an answer that does not say what it is about is bad_response", function()
              answers(row, path(), { L.object_answer(row, { status = "COMPLETED" }) })
              bad(op, call())
            end)
          end
        end

        it(op .. ": the key echoed in an error answer is nowhere in the error", function()
          local page = ("x"):rep(150) .. " Authorization: Bearer " .. key .. " " .. ("y"):rep(300)
          for _, a in ipairs {
            { 400, { msg = "bad key " .. key, error = key, detail = key } },
            { 401, { detail = array { { loc = array { "header", key }, msg = key } } } },
            { 500, "<html><title>" .. key .. "</title></html>" },
            { 502, page },
            { 200, '{"echo":"' .. page .. '","success":false,"msg":"' .. key .. '"}' },
            { 200, '"' .. key .. '"' },
          } do
            assert(s:reset())
            answers(row, path(), { a[2] }, a[1])
            local v, err = call()
            -- (a 2xx to a DELETE says the server acted, whatever its body)
            if not (row.method == "DELETE" and a[1] == 200 and v) then assert.is_nil(v, op .. " HTTP " .. a[1]) end
            assert.is_false(L.holds({ v, err }, key), op .. " HTTP " .. a[1] .. ": " .. tostring(err))
          end
        end)

        it(op .. ": the key echoed in a result is nowhere in the result", function()
          answers(row, path(), { L.good_answer(row, argv, { note = "log: token=" .. key .. " ok", [key] = 1 }) })
          local v, decoded = call()
          -- (a row's own check_answer may refuse an answer shaped only from its row)
          assert.truthy(v or (row.check_answer and decoded.code == "bad_response"), tostring(decoded))
          assert.is_false(L.holds({ v, decoded }, key), op)
        end)
      end
    end)
  end

  it("walks every registered provider's rows", function()
    local n = 0
    for _, name in ipairs(providers.names()) do
      for _ in pairs(providers.spec(name).ops) do n = n + 1 end
    end
    assert.is_true(n >= 30, "rows walked: " .. n)
    assert.equal(null, json.null)
  end)
end)
