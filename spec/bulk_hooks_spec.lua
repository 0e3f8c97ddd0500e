-- The bulk entry's hooks, on a provider made for the spec (define.define
-- over a recording transport): `unprotect` runs before an item's call and
-- a failure there sends nothing more for it; the report lists whose
-- protection went; `verb`/`done_verb` word the report and the max guard.

local define = require "gpucloud.define"
local errors = require "gpucloud.errors"

local function provider(entry_extra)
  local sent = {}
  local spec = {
    name = "fake", title = "Fake",
    hosts = { api = { option = "url", default = "http://127.0.0.1:9" } },
    key = { env = { "FAKE_KEY" } },
    ops = {
      remove = { method = "DELETE", host = "api", path = "/thing/{id}", args = { { "id", "tp_id" } } },
      stop = { method = "POST", host = "api", path = "/stop/{id}", args = { { "id", "tp_id" } }, destructive = true },
    },
  }
  local entry = { op = "remove" }
  for k, v in pairs(entry_extra or {}) do entry[k] = v end
  spec.bulk = { remove_all = entry, stop_all = { op = "stop", verb = "stop", done_verb = "stopped" } }
  local new = define.define(spec)
  local client = new {
    api_key = "k", getenv = function() end, retries = 0,
    transport = function(req)
      sent[#sent + 1] = req.method .. " " .. req.url:match("//[^/]+(.*)$")
      return { status = 200, headers = {}, body = "{}" }
    end,
  }
  return client, sent
end

describe("bulk entry hooks", function()
  it("unprotect runs before each call, only when asked, and the report lists whose protection went", function()
    local order = {}
    local client, sent = provider {
      unprotect = function(ctx, argv)
        order[#order + 1] = argv.id
        assert.equal("table", type(ctx.settings))
        if argv.id == "b" then return nil, errors.local_failure("fake.edit", "server_error", "edit failed") end
        return true
      end,
    }
    local r = client:remove_all({ "a", "b", "c" }, { unprotect = true, concurrency = 1, rate = false })
    assert.same({ "a", "b", "c" }, order)
    assert.same({ "DELETE /thing/a", "DELETE /thing/c" }, sent, "nothing sent for b after its edit failed")
    assert.same({ "a", "c" }, r.ok)
    assert.same({ "a", "c" }, r.unprotected)
    assert.equal("server_error", r.failed.b.code)
    assert.match("deletion protection turned off: a, c", tostring(r))

    order = {}
    r = client:remove_all({ "a" }, { rate = false })
    assert.same({}, order)
    assert.is_nil(r.unprotected)
  end)

  it("unprotect is refused on an entry that has no such hook", function()
    local client = provider()
    local ok, err = pcall(client.remove_all, client, { "a" }, { unprotect = true })
    assert.is_false(ok)
    assert.match("'unprotect' is not an option of fake.remove", err)
  end)

  it("a dry run's protected ids are said, with what the run would do about them", function()
    local client = provider {
      unprotect = function() return true end,
      dry = function(_, ids, report) report.protected = { ids[2] } end,
    }
    local r = client:remove_all({ "a", "b" }, { dry_run = true })
    assert.match("deletion protection on: b %(refused unless unprotect = true%)", tostring(r))
    r = client:remove_all({ "a", "b" }, { dry_run = true, unprotect = true })
    assert.match("deletion protection on: b %(turned off first%)", tostring(r))
  end)

  it("verb and done_verb word the report, and a destructive row counts against max", function()
    local client, sent = provider()
    local r = client:stop_all({ "a", "b" }, { rate = false })
    assert.match("^stopped 2 of 2", tostring(r))
    local ok, err = pcall(client.stop_all, client, { "a", "b", "c" }, { max = 2 })
    assert.is_false(ok)
    assert.match("refusing to stop 3 ids, more than max = 2", err)
    assert.equal(2, #sent)
  end)
end)
