-- The command line's own rules, as a child process against the simulator:
-- ids are taken as typed (checked before anything is sent), --deadline
-- reaches the client, options parse the documented ways, and a raise from
-- the library is a bug, not a usage error.

local cli = require "support.cli"
local server = require "gpucloud.sim.server"

describe("gpucloud command line rules", function()
  local sim, run

  setup(function()
    sim = assert(server.start { config = { retry_after = "0" } })
    run = cli.runner(sim)
  end)
  teardown(function()
    if sim then sim:stop() end
  end)
  before_each(function()
    assert(sim:reset())
  end)

  -- what was typed, as the command line quotes it (args.describe: the
  -- same escapes under every Lua, spec/args_describe_spec.lua)
  local quoted = require("gpucloud.args").describe

  -- PROVIDER WORDS... <sim options> -- ID
  local function ending_in(provider, words, id)
    local out = run.with(provider, words)
    out[#out + 1] = "--"
    out[#out + 1] = id
    return out
  end

  -- nothing changed: a dry run reads the listing (to name each id), and
  -- nothing else is sent
  local function nothing_sent()
    for _, e in ipairs(assert(sim:log())) do assert.equal("GET", e.method) end
  end

  -- exit 2, the message names `typed` (quoted), the usage follows, under
  -- --json one {"error": {"code": "usage"}} document too
  local function refused(words, typed)
    -- what the assertions name: the words, less the key
    local shown = {}
    for i, w in ipairs(words) do shown[i] = (w == sim.keys.vast or w == sim.keys.tensorpool) and "<key>" or w end
    local what = table.concat(shown, " ")
    local r = run.run(words)
    assert.equal(2, r.code, what)
    assert.equal("", r.out, what)
    assert.truthy(r.err:find("got " .. quoted(typed), 1, true), what .. ": " .. r.err)
    assert.match("^gpucloud: [^\n]+\nusage:\n", r.err)
    local json_words = { "--json" }
    for _, w in ipairs(words) do json_words[#json_words + 1] = w end
    r = run.run(json_words)
    assert.equal(2, r.code, what)
    local e = run.decoded(r).error
    assert.equal("usage", e.code, what)
    assert.truthy(e.message:find("got " .. quoted(typed), 1, true), what)
  end

  describe("Vast.ai ids", function()
    local bad = { "0x65", "1e2", "101.0", "+101", " 101", "101 ", "0", "000", "9007199254740993",
      "90071992547409920", "", "1.5", "abc", "-1", "1_000", "\226\145\160" }

    it("anything but decimal digits from 1 to 2^53 exits 2, naming it, and sends nothing", function()
      for _, id in ipairs(bad) do
        refused(ending_in("vast", { "delete", "workergroup", "--yes" }, id), id)
        refused(ending_in("vast", { "delete", "endpoint", "201", "--yes" }, id), id)
        refused(ending_in("vast", { "get", "endpoint", "workers" }, id), id)
      end
      nothing_sent()
    end)

    it("the id typed is the id sent, up to 2^53, under every interpreter", function()
      local r = run.vast("delete", "workergroup", "9007199254740992", "101", "0101", "--dry-run", "--json")
      assert.equal(0, r.code, r.err)
      assert.match('"would_delete":%[9007199254740992,101%]', r.out)
      assert.match('"skipped":%[101%]', r.out)
      r = run.vast("delete", "workergroup", "9007199254740992", "--dry-run")
      assert.equal("dry run: would delete 1 workergroup (1 of them does not exist), nothing sent:\n"
        .. "  9007199254740992  (does not exist)\n", r.out)
      nothing_sent()
      assert(sim:reset())
      r = run.vast("delete", "workergroup", "9007199254740992", "--json")
      assert.equal(1, r.code) -- the simulator has no such workergroup
      assert.truthy(run.decoded(r).failed["9007199254740992"].status)
      local log = assert(sim:log())
      assert.equal(1, #log)
      assert.equal("/api/v0/workergroups/9007199254740992/", log[1].path)
    end)
  end)

  describe("TensorPool ids", function()
    it("empty, with '/', with control characters, . and .. exit 2 and send nothing", function()
      for _, id in ipairs { "", "a/b", "/", "c\tx", "c\n", ".", "..", string.rep("c", 257) } do
        refused(ending_in("tensorpool", { "cluster", "destroy", "--yes" }, id), id)
        refused(ending_in("tensorpool", { "request", "info" }, id), id)
      end
      nothing_sent()
    end)

    it("any other text goes as typed", function()
      local words = run.with("tensorpool", { "cluster", "destroy", "c dev?#%", "--dry-run", "--json" })
      for _, w in ipairs { "--", "-odd", "--also" } do words[#words + 1] = w end
      local r = run.run(words)
      assert.equal(0, r.code, r.err)
      assert.same({ "c dev?#%", "-odd", "--also" }, run.decoded(r).would_delete)
    end)
  end)

  describe("options", function()
    it("--opt=value, options after words and between them, -- before ids", function()
      local r = run.run { "--json", "vast", "--url=" .. sim.url, "delete", "--api-key=" .. sim.keys.vast,
        "workergroup", "201", "--max=1", "--dry-run", "--timeout=5", "--", "202" }
      assert.equal(2, r.code)
      assert.match("more than max = 1", run.decoded(r).error.message)
      r = run.run { "vast", "delete", "workergroup", "201", "--url=" .. sim.url, "--dry-run", "202",
        "--api-key", sim.keys.vast, "--concurrency=2", "--json" }
      assert.equal(0, r.code, r.err)
      assert.same({ 201, 202 }, run.decoded(r).would_delete)
      nothing_sent()
    end)

    it("a command's options go after its words; elsewhere they are a usage error", function()
      local r = run.run(run.with("vast", { "--dry-run", "delete", "workergroup", "201" }))
      assert.equal(2, r.code)
      assert.match("^gpucloud: %-%-dry%-run is an option of some commands: it goes after the command's words\n", r.err)
      r = run.run(run.with("vast", { "show", "endpoints", "--dry-run" }))
      assert.equal(2, r.code)
      assert.match("^gpucloud: %-%-dry%-run does not apply to vast show endpoints\n", r.err)
      nothing_sent()
    end)

    it("an option's value is the next word, even one that starts with a dash", function()
      local r = run.run { "vast", "show", "endpoints", "--url", sim.url, "--api-key", "-not-the-key", "--json" }
      assert.equal(1, r.code)
      assert.equal("unauthorized", run.decoded(r).error.code)
      assert.equal("invalid_api_key", run.decoded(r).error.server_code)
      refused(run.with("vast", { "show", "endpoints", "--retries", "-1" }), "-1")
      r = run.run { "vast", "show", "endpoints", "--api-key" }
      assert.equal(2, r.code)
      assert.match("^gpucloud: %-%-api%-key needs KEY\n", r.err)
    end)

    it("a repeated option: the last value wins; --filter adds up", function()
      local r = run.vast("show", "workergroups", "--timeout", "0.001", "--timeout", "30", "--json",
        "--filter", "id=201", "--filter=id=202")
      assert.equal(0, r.code, r.err)
      assert.equal(2, #run.decoded(r))
    end)

    it("numbers are decimal: --max, --retries, --concurrency, --timeout, --deadline", function()
      for _, words in ipairs {
        { "delete", "workergroup", "201", "--max", "0x10" },
        { "delete", "workergroup", "201", "--max", "1e2" },
        { "delete", "workergroup", "201", "--concurrency", " 2" },
        { "show", "endpoints", "--retries", "1.0" },
        { "show", "endpoints", "--timeout", "0x10" },
        { "show", "endpoints", "--deadline", "0" },
        { "show", "endpoints", "--deadline", "inf" },
      } do
        refused(run.with("vast", words), words[#words])
      end
      nothing_sent()
    end)

    it("--max is checked before anything: 51 ids are refused by default", function()
      local words = { "delete", "endpoint", "--yes" }
      for i = 1, 51 do words[#words + 1] = tostring(1000 + i) end
      local r = run.run(run.with("vast", words))
      assert.equal(2, r.code)
      assert.match("refusing to delete 51 endpoints: more than max = 50", r.err)
      words[#words + 1] = "--dry-run"
      assert.equal(2, run.run(run.with("vast", words)).code)
      words[#words + 1] = "--max=51"
      assert.equal(0, run.run(run.with("vast", words)).code)
      nothing_sent()
    end)

    it("a bad VAST_URL is a usage error naming the variable", function()
      local r = run.run({ "vast", "show", "endpoints", "--api-key", "k" }, nil, { VAST_URL = "ftp://x" })
      assert.equal(2, r.code)
      assert.match('^gpucloud: VAST_URL must be an http:// or https:// URL, got "ftp://x"\n', r.err)
    end)
  end)

  describe("--deadline", function()
    it("bounds the whole call: one slow attempt", function()
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", delay = 3 })
      -- --timeout alone would wait for the answer
      local r = run.vast("show", "endpoints", "--timeout", "10", "--deadline", "0.3", "--json")
      assert.equal(1, r.code)
      assert.equal("timeout", run.decoded(r).error.code)
    end)

    it("bounds the retries", function()
      assert(sim:inject { method = "GET", path = "/api/v0/endptjobs/", status = 503, times = -1,
        json = { detail = "down" } })
      -- 8 retries back off for many seconds; the deadline stops them early
      local r = run.vast("show", "endpoints", "--retries", "8", "--deadline", "1", "--json")
      assert.equal(1, r.code)
      local e = run.decoded(r).error
      assert.equal(503, e.status)
      assert.truthy(e.attempts < 9, "attempts: " .. e.attempts)
    end)

    it("bounds each id of a bulk delete", function()
      assert(sim:inject { method = "DELETE", path = "*", delay = 3, times = -1 })
      local r = run.vast("delete", "workergroup", "201", "202", "--yes", "--json", "--timeout", "10",
        "--deadline", "0.3", "--retries", "0")
      assert.equal(1, r.code)
      local report = run.decoded(r)
      assert.equal("timeout", report.failed["201"].code)
      assert.equal("timeout", report.failed["202"].code)
    end)

    it("bounds the waits of cluster destroy --wait", function()
      -- each poll asks for a 30 s pause: without the deadline the wait takes a minute
      assert(sim:config { retry_after = "30" })
      local ok, r = pcall(run.tp, "cluster", "destroy", "c-dev-h100", "--wait", "--json", "--deadline", "0.5")
      assert(sim:config { retry_after = "0" })
      assert(ok, r)
      assert.equal(1, r.code, r.err)
      local e = run.decoded(r).failed["c-dev-h100"]
      assert.equal("timeout", e.code)
      assert.equal("tensorpool.wait_request", e.op)
    end)
  end)

  describe("errors", function()
    -- no key anywhere: not in the environment, no key file under HOME
    local no_key = { VAST_API_KEY = false, TENSORPOOL_KEY = false, TENSORPOOL_API_KEY = false,
      XDG_CONFIG_HOME = false, HOME = "/nonexistent" }

    it("a missing key says how to give one, in the command line's words", function()
      local r = run.run({ "vast", "show", "endpoints", "--url", sim.url }, nil, no_key)
      assert.equal(1, r.code)
      -- every place the library looks, from the provider's key spec (the help
      -- once retyped them, and lost the legacy file and XDG_CONFIG_HOME)
      assert.equal("gpucloud: no Vast.ai API key: pass --api-key, or set VAST_API_KEY "
        .. "(or put it in ${XDG_CONFIG_HOME:-~/.config}/vastai/vast_api_key or ~/.vast_api_key)\n", r.err)
      r = run.run({ "vast", "delete", "endpoint", "101", "102", "--yes", "--url", sim.url, "--json" }, nil, no_key)
      assert.equal(1, r.code)
      assert.same({ code = "no_api_key", op = "vast.delete_endpoint", message = "no Vast.ai API key: pass "
        .. "--api-key, or set VAST_API_KEY (or put it in ${XDG_CONFIG_HOME:-~/.config}/vastai/vast_api_key or "
        .. "~/.vast_api_key)" }, run.decoded(r).error)
      r = run.run({ "tensorpool", "request", "info", "r-1", "--url", sim.url }, nil, no_key)
      assert.equal("gpucloud: no TensorPool API key: pass --api-key, or set TENSORPOOL_KEY "
        .. "or TENSORPOOL_API_KEY\n", r.err)
      nothing_sent()
    end)

    it("a key with a control character: --api-key is a usage error, never echoed", function()
      local r = run.run { "vast", "show", "endpoints", "--url", sim.url, "--api-key", "sec\1ret" }
      assert.equal(2, r.code)
      assert.falsy(r.err:find("sec", 1, true))
      nothing_sent()
    end)

    it("a raise from the library is a bug: exit 1, its message on stderr, not a usage error", function()
      -- the library raises on a key from the environment with a control character
      local env = { VAST_API_KEY = "bad\tkey", HOME = "/nonexistent" }
      local r = run.run({ "vast", "show", "endpoints", "--url", sim.url }, nil, env)
      assert.equal(1, r.code)
      assert.equal("", r.out)
      assert.match("contains control characters", r.err)
      assert.falsy(r.err:find("usage:", 1, true))
      assert.falsy(r.err:find("bad\tkey", 1, true))
      r = run.run({ "vast", "show", "endpoints", "--url", sim.url, "--json" }, nil, env)
      assert.equal(1, r.code)
      local e = run.decoded(r).error
      assert.equal("internal", e.code)
      assert.match("contains control characters", e.message)
      nothing_sent()
    end)
  end)
end)
