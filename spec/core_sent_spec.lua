-- `sent` in the C core's answers (src/xfer.c): how many times libcurl put
-- the request on a connection, for the blocking client and per transfer of
-- the multi. libcurl resends by itself when a reused keep-alive connection
-- dies before any answer byte; the Lua layer must see that second send, or
-- a 404 after a first send that landed reads as "never there".
--
-- The simulator drops a DELETE without answering ({fault = "close"}) on the
-- connection a first request left open; a second rule then answers 202, so
-- an answer can be told to be the resend's. Run from the repository root:
--   make spec BUSTED_ARGS='spec/core_sent_spec.lua'
-- luacheck: std +busted

local core = require "gpucloud.core"
local fixture = require "support.sim"

local VKEY = "vast-sim-key-0123456789abcdef"
local ROUTE = "/api/v0/endptjobs/{id}/"
local DELETE_102 = "/api/v0/endptjobs/102/"

-- Port 0 can never be listened on (binding it picks another port), so a
-- connect to it is refused whatever else runs on this machine.
local CLOSED = "http://127.0.0.1:0/"

describe("core: sent", function()
  local s = fixture.use()

  local function delete_req()
    return { method = "DELETE", url = s.url .. DELETE_102, headers = { Authorization = "Bearer " .. VKEY } }
  end

  -- The first DELETE is dropped; `then_answer` false drops the resend too,
  -- else the resend gets 202 {"second":true}.
  local function drop_first_delete(then_answer)
    if then_answer then
      assert(s:inject { method = "DELETE", path = ROUTE, fault = "close" })
      assert(s:inject { method = "DELETE", path = ROUTE, status = 202, json = { second = true } })
    else
      assert(s:inject { method = "DELETE", path = ROUTE, fault = "close", times = 2 })
    end
  end

  -- The logged statuses of the DELETEs, in order.
  local function delete_statuses()
    local out = {}
    for _, l in ipairs(assert(s:log())) do
      if l.method == "DELETE" then out[#out + 1] = l.status end
    end
    return out
  end

  -- Drive the multi until nothing is in flight; finished transfers by id.
  local function drain(m)
    local done = {}
    while m:pending() > 0 do
      for _, d in ipairs(m:perform(1)) do done[d.id] = d end
    end
    return done
  end

  describe("client", function()
    it("is 1 for a plain request", function()
      local k = core.new()
      local res = assert(k:request { url = s.url .. "/healthz" })
      assert.equal(200, res.status)
      assert.equal(1, res.sent)
      assert.equal(1, assert(core.request { url = s.url .. "/healthz" }).sent)
      k:close()
    end)

    it("is 1 on an answer that fails after the send (a 444 drop on a fresh connection)", function()
      local k = core.new() -- nothing to reuse: libcurl does not resend
      drop_first_delete(false)
      local res, err = k:request(delete_req())
      assert.is_nil(res)
      assert.equal(52, err.curl_code) -- CURLE_GOT_NOTHING
      assert.equal(1, err.sent)
      assert.same({ 444 }, delete_statuses())
      k:close()
    end)

    it("is 0 when the connect is refused", function()
      local k = core.new()
      local res, err = k:request { url = CLOSED }
      assert.is_nil(res)
      assert.equal("connect", err.code)
      assert.equal(0, err.sent)
      k:close()
    end)

    it("is 0 when the TLS handshake fails", function()
      local k = core.new()
      local res, err = k:request { url = "https://" .. s.url:match("^http://(.*)$") .. "/healthz" }
      assert.is_nil(res)
      assert.equal("tls", err.code)
      assert.equal(0, err.sent)
      k:close()
    end)

    it("is 2 when libcurl resends on a dead reused connection, with the resend's answer", function()
      local k = core.new()
      assert.equal(1, assert(k:request { url = s.url .. "/healthz" }).sent) -- left open, to be reused
      drop_first_delete(true)
      local res = assert(k:request(delete_req()))
      assert.equal(2, res.sent)
      assert.equal(202, res.status)
      assert.equal('{"second":true}', res.body)
      assert.same({ 444, 202 }, delete_statuses())
      -- counted per call, not per handle
      assert.equal(1, assert(k:request { url = s.url .. "/healthz" }).sent)
      k:close()
    end)

    it("is 2 on the error when the resend is dropped too", function()
      local k = core.new()
      assert(k:request { url = s.url .. "/healthz" })
      drop_first_delete(false)
      local res, err = k:request(delete_req())
      assert.is_nil(res)
      assert.equal("transport", err.code)
      assert.equal(52, err.curl_code) -- the resend's failure: CURLE_GOT_NOTHING
      assert.equal(2, err.sent)
      assert.same({ 444, 444 }, delete_statuses())
      k:close()
    end)
  end)

  describe("multi", function()
    it("reports 1, 0 and 2 per transfer, in one run", function()
      local m = core.multi()
      local warm = m:add { url = s.url .. "/healthz" } -- leaves a connection in the multi's cache
      assert.equal(1, drain(m)[warm].res.sent)
      drop_first_delete(true)
      -- Added first, the DELETE takes the cached connection; the others connect afresh.
      local del = m:add(delete_req())
      local plain = m:add { url = s.url .. "/healthz" }
      local refused = m:add { url = CLOSED }
      local done = drain(m)
      assert.equal(2, done[del].res.sent)
      assert.equal(202, done[del].res.status)
      assert.equal(1, done[plain].res.sent)
      assert.equal(200, done[plain].res.status)
      assert.is_nil(done[refused].res)
      assert.equal("connect", done[refused].err.code)
      assert.equal(0, done[refused].err.sent)
      assert.same({ 444, 202 }, delete_statuses())
      m:close()
    end)

    it("is 2 on the error when the resend is dropped too", function()
      local m = core.multi()
      m:add { url = s.url .. "/healthz" }
      drain(m)
      drop_first_delete(false)
      local id = m:add(delete_req())
      local d = drain(m)[id]
      assert.is_nil(d.res)
      assert.equal("transport", d.err.code)
      assert.equal(2, d.err.sent)
      assert.same({ 444, 444 }, delete_statuses())
      m:close()
    end)
  end)
end)
