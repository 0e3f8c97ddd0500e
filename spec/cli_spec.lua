-- bin/gpucloud as people and scripts run it: a child process against one
-- simulator, stdin from /dev/null (not a terminal), stdout and stderr
-- captured apart, and the exit status. Every run is also checked for
-- credentials in its output.

local cli = require "support.cli"
local server = require "gpucloud.sim.server"

local q = server.shell_quote
local LUA = cli.LUA

describe("gpucloud command line", function()
  local sim, run

  setup(function()
    -- retry_after 0: --wait polls TensorPool requests without pausing
    sim = assert(server.start { config = { retry_after = "0" } })
    run = cli.runner(sim)
  end)
  teardown(function()
    if sim then sim:stop() end
  end)
  before_each(function()
    assert(sim:reset())
  end)

  -- Run `gpucloud WORDS...` (stdin from `stdin`, default /dev/null); returns
  -- {out, err, code}. No run may print a key, whatever it was asked.
  local function gpucloud(words, stdin) return run.run(words, stdin) end

  -- `gpucloud PROVIDER WORDS... --url <sim> --api-key <its key>`
  local function with(words, provider) return run.with(provider, words) end
  local function vast(...) return run.vast(...) end
  local function tp(...) return run.tp(...) end

  -- stdout must be exactly one JSON document
  local function decoded(r) return run.decoded(r) end
  local function sent(method) return run.sent(method) end

  local function sorted(t)
    local copy = {}
    for i, v in ipairs(t) do copy[i] = v end
    table.sort(copy, function(a, b) return tostring(a) < tostring(b) end)
    return copy
  end

  local function keys(t)
    local out = {}
    for k in pairs(t) do out[#out + 1] = k end
    return sorted(out)
  end

  local function ids(items, field)
    local out = {}
    for i, x in ipairs(items) do out[i] = x[field or "id"] end
    return sorted(out)
  end

  describe("help", function()
    it("gpucloud --help lists every command and option on stdout, exit 0", function()
      local r = gpucloud { "--help" }
      assert.equal(0, r.code)
      assert.equal("", r.err)
      for _, cmd in ipairs { "vast show endpoints", "vast show workergroups", "vast get endpoint workers ID",
        "vast get workergroup workers ID", "vast delete endpoint ID...", "vast delete workergroup ID...",
        "tensorpool cluster list", "tensorpool cluster destroy ID...", "tensorpool request info ID" } do
        assert.truthy(r.out:find(cmd, 1, true), cmd)
      end
      for _, opt in ipairs { "--json", "--dry-run", "--concurrency N", "--api-key KEY", "--url URL",
        "--timeout SECONDS", "--retries N", "--quiet", "--yes", "--max N", "--filter FIELD=VALUE", "--wait" } do
        assert.truthy(r.out:find(opt, 1, true), opt)
      end
      assert.truthy(r.out:find("2 usage error", 1, true))
    end)

    it("gpucloud vast --help is about vast; --help wins anywhere", function()
      local r = gpucloud { "vast", "--help" }
      assert.equal(0, r.code)
      assert.truthy(r.out:find("vast delete workergroup ID...", 1, true))
      assert.falsy(r.out:find("tensorpool cluster", 1, true))
      -- after a command's words: that command alone
      r = gpucloud { "vast", "delete", "workergroup", "201", "--bogus", "-h" }
      assert.equal(0, r.code)
      assert.truthy(r.out:find("usage: gpucloud vast delete workergroup ID...", 1, true))
      assert.falsy(r.out:find("vast show endpoints", 1, true))
      assert.equal(0, sent())
    end)
  end)

  describe("vast", function()
    it("show endpoints: a table with endpoint keys hidden, or a JSON array", function()
      local r = vast("show", "endpoints")
      assert.equal(0, r.code)
      assert.equal("", r.err)
      assert.match("vLLM%-Qwen3%-8B", r.out)
      assert.match("%(6 items%)", r.out)
      -- a key is no default column; asked for, it is <hidden>
      assert.not_match("api_key", r.out)
      assert.match("<hidden>", vast("show", "endpoints", "--columns", "id,api_key").out)
      local eps = decoded(vast("show", "endpoints", "--json"))
      assert.same({ 101, 102, 103, 104, 105, 106 }, ids(eps))
      for _, ep in ipairs(eps) do assert.equal("<hidden>", ep.api_key) end
    end)

    it("show workergroups --filter: fields must all match, a repeated field any of its values", function()
      local wgs = decoded(vast("show", "workergroups", "--json", "--filter", "endpoint_id=101"))
      assert.same({ 201, 202 }, ids(wgs))
      wgs = decoded(vast("show", "workergroups", "--filter=endpoint_id=101", "--filter", "id=202", "--json"))
      assert.same({ 202 }, ids(wgs))
      wgs = decoded(vast("show", "workergroups", "--json", "--filter", "id=203", "--filter", "id=208"))
      assert.same({ 203, 208 }, ids(wgs))
      local r = vast("show", "workergroups", "--filter", "endpoint_name=sdxl-turbo")
      assert.equal(0, r.code)
      assert.match("203", r.out)
      assert.match("%(1 item%)", r.out)
    end)

    it("get endpoint workers and get workergroup workers list workers", function()
      local workers = decoded(vast("get", "endpoint", "workers", "102", "--json"))
      assert.same({ 1006, 1007, 1008 }, ids(workers))
      workers = decoded(vast("get", "endpoint", "workers", "102", "--json", "--filter", "status=stopped",
        "--filter", "id=1006"))
      assert.same({ 1006 }, ids(workers))
      local r = vast("get", "workergroup", "workers", "207")
      assert.equal(0, r.code)
      assert.match("1014 .*running", r.out)
      assert.match("1015 .*stopped", r.out)
      assert.same({ 1014, 1015 }, ids(decoded(vast("get", "workergroup", "workers", "207", "--json"))))
    end)

    it("an empty list is [] under --json and (empty list) otherwise", function()
      local r = vast("get", "endpoint", "workers", "104", "--json")
      assert.equal(0, r.code)
      assert.equal("[]\n", r.out)
      assert.equal("[]\n", vast("show", "endpoints", "--json", "--filter", "endpoint_name=nope").out)
      assert.match("empty list", vast("get", "endpoint", "workers", "104").out)
    end)

    it("a failed call exits 1: one line on stderr, or {\"error\": ...} on stdout", function()
      local r = vast("get", "endpoint", "workers", "105")
      assert.equal(1, r.code)
      assert.equal("", r.out)
      assert.match("^gpucloud: vast%.get_endpoint_workers: .*not ready[^\n]*\n$", r.err)
      r = gpucloud { "vast", "show", "endpoints", "--url", sim.url, "--api-key", "wrong-key", "--json" }
      assert.equal(1, r.code)
      local e = decoded(r).error
      assert.same({ status = 401, code = "unauthorized", server_code = "invalid_api_key",
        message = "Invalid or missing API key", op = "vast.show_endpoints", attempts = 1 }, e)
    end)

    it("delete workergroup 404 --json prints the error as JSON and exits 1", function()
      local r = vast("delete", "workergroup", "404", "--json")
      assert.equal(1, r.code)
      -- empty lists stay arrays, and ids key the failures as strings
      assert.match('"ok":%[%]', r.out)
      assert.match('"failed":{"404":{', r.out)
      local report = decoded(r)
      local e = report.failed["404"]
      assert.equal(404, e.status)
      assert.equal("not_found", e.code)
      assert.equal("no_such_workergroup", e.server_code)
      assert.equal("vast.delete_workergroup", e.op)
      assert.truthy(e.message)
      r = vast("delete", "workergroup", "404")
      assert.equal(1, r.code)
      assert.match("failed 404: vast%.delete_workergroup: HTTP 404", r.out)
    end)

    it("a bulk delete reports each id; any failure exits 1", function()
      local r = vast("delete", "workergroup", "201", "9999", "202", "--yes", "--concurrency", "2", "--json")
      assert.equal(1, r.code)
      local report = decoded(r)
      assert.same({ 201, 202 }, sorted(report.ok))
      assert.same({ "9999" }, keys(report.failed))
      assert.equal(404, report.failed["9999"].status)
      assert.is_true(report.results["201"].success)
      assert.equal(3, report.total)
      assert.is_false(report.dry_run)
      assert.same({}, report.skipped)
      assert.equal(3, sent("DELETE"))

      r = vast("delete", "endpoint", "102", "9999", "--yes")
      assert.equal(1, r.code)
      assert.match("^deleted 1 of 2 endpoints, 1 failed", r.out)
      assert.match("failed 9999:", r.out)
    end)

    it("one id needs no --yes; success exits 0", function()
      local r = vast("delete", "endpoint", "103", "--json")
      assert.equal(0, r.code)
      local report = decoded(r)
      assert.same({ 103 }, report.ok)
      assert.match('"failed":{}', r.out)
      assert.is_true(report.results["103"].success)
      assert.falsy(decoded(vast("show", "endpoints", "--json", "--filter", "id=103"))[1])
    end)

    it("--dry-run changes nothing and lists what would go", function()
      local r = vast("delete", "endpoint", "101", "102", "102", "--dry-run", "--json")
      assert.equal(0, r.code)
      local report = decoded(r)
      assert.is_true(report.dry_run)
      assert.same({ 101, 102 }, report.would_delete)
      assert.same({ 102 }, report.skipped)
      r = vast("delete", "workergroup", "201", "202", "--dry-run")
      assert.equal(0, r.code)
      assert.equal("dry run: would delete 2 workergroups, nothing sent:\n  201  vLLM-Qwen3-8B\n  202  vLLM-Qwen3-8B\n",
        r.out)
      r = tp("cluster", "destroy", "c-dev-h100", "c-empty", "--dry-run", "--wait")
      assert.equal(0, r.code)
      -- only listings: to say which are protected, and each id's name and state
      assert.is_true(sent() >= 1)
      assert.equal(sent(), sent("GET"))
    end)

    it("more than one id without --yes on a non-terminal is refused: exit 2, nothing sent", function()
      local r = vast("delete", "workergroup", "201", "202")
      assert.equal(2, r.code)
      assert.equal("", r.out)
      assert.match("^gpucloud: refusing to delete 2 workergroups without %-%-yes", r.err)
      r = tp("cluster", "destroy", "c-dev-h100", "c-empty", "--json")
      assert.equal(2, r.code)
      assert.equal("usage", decoded(r).error.code)
      assert.match("%-%-yes", decoded(r).error.message)
      assert.equal(0, sent())
    end)

    it("--max caps a delete: more ids is a usage error and nothing is sent", function()
      local r = vast("delete", "workergroup", "201", "202", "203", "--max", "2", "--yes")
      assert.equal(2, r.code)
      assert.match("more than max = 2", r.err)
      assert.equal(0, sent())
      r = vast("delete", "workergroup", "201", "202", "--max=2", "--yes", "--json")
      assert.equal(0, r.code)
      assert.same({ 201, 202 }, sorted(decoded(r).ok))
    end)

    it("--retries and --timeout reach every request", function()
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 429,
        json = { detail = "API requests too frequent endpoint threshold=3.0" } })
      local r = vast("show", "endpoints", "--retries", "0", "--json")
      assert.equal(1, r.code)
      assert.same({ status = 429, code = "rate_limited", attempts = 1, op = "vast.show_endpoints",
        message = "API requests too frequent endpoint threshold=3.0" }, decoded(r).error)
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", delay = 2 })
      r = vast("show", "endpoints", "--timeout=0.2", "--retries=0", "--json")
      assert.equal(1, r.code)
      assert.equal("timeout", decoded(r).error.code)
    end)

    it("--quiet prints nothing but errors", function()
      local r = vast("show", "endpoints", "--quiet")
      assert.same({ 0, "", "" }, { r.code, r.out, r.err })
      r = vast("delete", "workergroup", "203", "--quiet")
      assert.same({ 0, "", "" }, { r.code, r.out, r.err })
      r = vast("delete", "workergroup", "204", "9999", "--yes", "--quiet")
      assert.equal(1, r.code)
      assert.equal("", r.out)
      assert.match("^gpucloud: delete 9999: vast%.delete_workergroup: HTTP 404[^\n]*\n$", r.err)
    end)
  end)

  describe("tensorpool", function()
    it("cluster list: a table or a JSON array, --filter on strings", function()
      local r = tp("cluster", "list")
      assert.equal(0, r.code)
      assert.match("c%-prod%-serving", r.out)
      local clusters = decoded(tp("cluster", "list", "--json"))
      assert.equal(7, #clusters)
      assert.same({}, clusters[7].instances) -- c-empty
      clusters = decoded(tp("cluster", "list", "--json", "--filter", "status=PENDING"))
      assert.same({ "c-provisioning-l40s" }, ids(clusters, "cluster_id"))
    end)

    it("cluster destroy --wait waits for each request; failures are per id", function()
      local r = tp("cluster", "destroy", "c-dev-h100", "c-flaky-b200", "c-prod-serving", "--wait", "--yes", "--json")
      assert.equal(1, r.code)
      local report = decoded(r)
      assert.same({ "c-dev-h100" }, report.ok)
      assert.equal("COMPLETED", report.results["c-dev-h100"].request.status)
      assert.equal("failed", report.failed["c-flaky-b200"].code)
      assert.equal(409, report.failed["c-prod-serving"].status)
      local left = decoded(tp("cluster", "list", "--json"))
      assert.truthy(#left > 0)
      for _, c in ipairs(left) do assert.not_equal("c-dev-h100", c.cluster_id) end
    end)

    it("request info shows a destroy request", function()
      local report = decoded(tp("cluster", "destroy", "c-train-a100x8", "--json"))
      local id = report.results["c-train-a100x8"].request_id
      assert.is_string(id)
      local info = decoded(tp("request", "info", id, "--json"))
      assert.equal(id, info.request_id)
      assert.equal("CLUSTER_RELEASE", info.request_type)
      local r = tp("request", "info", id)
      assert.equal(0, r.code)
      assert.match("request_type%s+CLUSTER_RELEASE", r.out)
      r = tp("request", "info", "req-nope", "--json")
      assert.equal(1, r.code)
      assert.equal(404, decoded(r).error.status)
    end)

    it("options go anywhere, and -- ends them: ids may start with a dash", function()
      local r = gpucloud { "--json", "tensorpool", "--url", sim.url, "cluster", "--api-key", sim.keys.tensorpool,
        "destroy", "--dry-run", "--", "-odd" }
      assert.equal(0, r.code)
      assert.same({ "-odd" }, decoded(r).would_delete)
    end)
  end)

  describe("usage errors", function()
    local cases = {
      { "vast", "show", "endpoints", "--bogus" },
      { "vast", "show", "endpoints", "--json=yes" },
      { "vast", "show", "endpoints", "--timeout", "abc" },
      { "vast", "show", "endpoints", "--retries=-1" },
      { "vast", "show", "endpoints", "5" },
      { "vast", "show", "endpoints", "--filter", "nofield" },
      { "vast", "show", "endpoints", "--yes" },
      { "vast", "shw", "endpoints" },
      { "vast" },
      { "aws", "list" },
      { "vast", "get", "endpoint", "workers" },
      { "vast", "get", "endpoint", "workers", "1.5" },
      { "vast", "get", "endpoint", "workers", "101", "102" },
      { "vast", "delete", "workergroup" },
      { "vast", "delete", "workergroup", "201", "abc", "--yes" },
      { "vast", "delete", "workergroup", "0", "--yes" },
      { "vast", "delete", "workergroup", "201", "--concurrency", "0" },
      { "vast", "delete", "workergroup", "201", "--max", "x" },
      { "vast", "delete", "endpoint", "101", "--wait" },
      { "vast", "delete", "endpoint", "101", "--filter", "id=101" },
      { "vast", "show", "endpoints", "--url", "ftp://example" },
      { "tensorpool", "cluster", "destroy", "a/b" },
      { "tensorpool", "request", "info", ".." },
      { "vast", "show", "endpoints", "--api-key" },
    }

    it("exit 2, a message and the usage on stderr, nothing on stdout, nothing sent", function()
      for _, words in ipairs(cases) do
        local what = table.concat(words, " ")
        local r = gpucloud(words)
        assert.equal(2, r.code, what)
        assert.equal("", r.out, what)
        assert.match("^gpucloud: [^\n]+\nusage:\n", r.err, 1, what)
        assert.falsy(r.err:find("traceback", 1, true), what)
      end
      assert.equal(0, sent())
    end)

    it("under --json stdout is still one JSON document", function()
      for _, words in ipairs(cases) do
        local json_words = { "--json" }
        for _, w in ipairs(words) do json_words[#json_words + 1] = w end
        local r = gpucloud(json_words)
        assert.equal(2, r.code)
        assert.equal("usage", decoded(r).error.code, table.concat(words, " "))
      end
      assert.equal(0, sent())
    end)

    it("names a bad id, never a key", function()
      local r = vast("delete", "workergroup", "201", "abc", "--yes")
      assert.match('id must be a positive integer, got "abc"', r.err)
      -- the key misspelt as an option, glued to it, or with a control character
      r = gpucloud { "vast", "show", "endpoints", "--api_key=" .. sim.keys.vast }
      assert.equal(2, r.code)
      assert.match("unknown option %-%-api_key\n", r.err)
      r = gpucloud { "vast", "show", "endpoints", "--api-key", sim.keys.vast .. "\n", "--url", sim.url }
      assert.equal(2, r.code)
      assert.match("control characters", r.err)
    end)
  end)

  -- The confirmation needs a terminal: util-linux `script` gives the child
  -- one, and feeds it our stdin.
  describe("over HTTPS", function()
    local tls
    setup(function() tls = assert(server.start { tls = true }) end)
    teardown(function() if tls then tls:stop() end end)

    it("--ca-file trusts a private certificate; without it the call fails on TLS", function()
      local words = { "vast", "show", "endpoints", "--json", "--url", tls.url, "--api-key", tls.keys.vast }
      local r = gpucloud(words)
      assert.equal(1, r.code)
      assert.equal("tls", decoded(r).error.code)
      words[#words + 1] = "--ca-file"
      words[#words + 1] = tls.ca_file
      r = gpucloud(words)
      assert.equal(0, r.code, r.err)
      assert.equal(6, #decoded(r))
    end)
  end)

  describe("on a terminal", function()
    local has_script = os.execute("script -V >/dev/null 2>&1")
    has_script = has_script == true or has_script == 0

    local function on_tty(answer, ...)
      local cmd = { LUA, "bin/gpucloud" }
      for _, w in ipairs(with({ ... }, "vast")) do cmd[#cmd + 1] = q(w) end
      local p = assert(io.popen("printf " .. q(answer .. "\n") .. " | script -qec " .. q(table.concat(cmd, " "))
        .. " /dev/null; echo \"exit=$?\""))
      local all = p:read("*a")
      p:close()
      local out, code = all:match("^(.*)exit=(%d+)\n$")
      return out, tonumber(code)
    end

    it("asks before deleting more than one id; anything but y sends nothing", function()
      if not has_script then return pending("no `script` to make a terminal") end
      local out, code = on_tty("n", "delete", "workergroup", "201", "202")
      assert.equal(1, code)
      assert.truthy(out:find("Delete 2 workergroups (201, 202)? [y/N]", 1, true), out)
      assert.match("aborted", out)
      assert.equal(0, sent())
      out, code = on_tty("y", "delete", "workergroup", "201", "202")
      assert.equal(0, code, out)
      assert.match("\rdeleting 2/2", out) -- the progress line
      assert.match("deleted 2 workergroups in [%d.]+ s: 201, 202", out)
      assert.equal(2, sent("DELETE"))
    end)
  end)
end)
