-- The bulk entry's hooks, on a provider made for the spec (define.define
-- over a recording transport): an entry that says `unprotect = true`
-- takes the option, and the report lists the ids its settle marked
-- `unprotected`; settle sees the per-call options; `verb`/`done_verb`
-- word the report and the max guard.

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
  it("with unprotect, the report lists the ids whose value or error says unprotected", function()
    local seen_opts, seen_unprotect
    local client, sent = provider {
      unprotect = true,
      settle = function(ctx, argv, value, err)
        seen_opts, seen_unprotect = ctx.opts, ctx.settings.unprotect
        if argv.id == "b" then return nil, errors.local_failure("fake.remove", "conflict", "still refused",
          { unprotected = true }) end
        if argv.id == "a" then value.unprotected = true end
        return value, err
      end,
    }
    local r = client:remove_all({ "a", "b", "c" }, { unprotect = true, concurrency = 1, rate = false, timeout = 7 })
    assert.equal(3, #sent)
    assert.same({ "a", "c" }, r.ok)
    assert.same({ "a", "b" }, r.unprotected)
    assert.equal("conflict", r.failed.b.code)
    assert.equal(7, seen_opts.timeout, "settle sees the per-call options")
    assert.is_true(seen_unprotect)
    assert.match("deletion protection turned off: a, b", tostring(r))
    r = client:remove_all({ "a" }, { rate = false })
    assert.is_nil(r.unprotected, "not asked: not reported")
  end)

  it("unprotect is refused on an entry that has no such hook", function()
    local client = provider()
    local ok, err = pcall(client.remove_all, client, { "a" }, { unprotect = true })
    assert.is_false(ok)
    assert.match("'unprotect' is not an option of fake.remove", err)
  end)

  it("a dry run's protected ids are said, with what the run would do about them", function()
    local client = provider {
      unprotect = true,
      dry = function(_, ids, report) report.protected = { ids[2] } end,
    }
    local r = client:remove_all({ "a", "b" }, { dry_run = true })
    assert.match("deletion protection on: b %(refused unless unprotect = true%)", tostring(r))
    r = client:remove_all({ "a", "b" }, { dry_run = true, unprotect = true })
    assert.match("deletion protection on: b %(turned off when a destroy is refused for it%)", tostring(r))
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
