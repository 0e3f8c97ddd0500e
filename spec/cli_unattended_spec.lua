-- The unattended commands as cron runs them: `fleet plan --out`, a change
-- on the simulator, `fleet apply` (changed things skipped and named, the
-- rest deleted), an expired or hand-edited plan refused, `--journal` and
-- `journal check`, two `fleet observe` at once, a damaged state file.

local cjson = require "cjson"
local server = require "gpucloud.sim.server"
local cli = require "support.cli"
local support = require "support.unattended"

local q = server.shell_quote

describe("gpucloud fleet plan / apply / observe, journal check", function()
  local s, r, env

  setup(function()
    s = assert(server.start { config = { retry_after = "0" } })
    r = cli.runner(s)
    -- every provider's URL and key variables, as gpucloud-sim run sets them
    env = {}
    for _, kv in ipairs(server.env(s)) do env[kv[1]] = kv[2] end
  end)
  teardown(function()
    s:stop()
    support.cleanup()
  end)
  before_each(function() assert(s:reset()) end)

  local function run(...) return r.run({ ... }, nil, env) end

  local function deleted()
    local out = {}
    for _, e in ipairs(assert(s:log())) do
      if e.method == "DELETE" then out[#out + 1] = e.path end
    end
    return table.concat(out, " ")
  end

  it("plan --out, then changes, then apply: the changed things are skipped and named, the rest deleted", function()
    local plan, dir = support.tmpfile("plan.json")
    local res = run("fleet", "plan", "--provider", "vast", "--provider", "tensorpool", "--kind", "endpoint",
      "--kind", "instance", "--state", "idle", "--state", "failed", "--state", "stopped", "--out", plan)
    assert.equal(0, res.code, res.err)
    assert.match("plan: delete 10 things", res.out, 1, true)
    assert.match("saved plan p%-[%d-]+%-%x+ to " .. plan:gsub("%p", "%%%0"), res.out)
    -- an instance started, a worker added, a label changed
    support.reset_with(s, function(seed)
      support.busy(102)(seed)
      support.change("instances", 5006, { label = "renamed" })(seed)
    end)
    local vast = require("gpucloud").vast { url = s.url, api_key = s.keys.vast, getenv = function() end }
    assert(vast:start_instance(5004))
    vast:close()
    assert(s:clear_log())
    local journal = dir .. "/journal.jsonl"
    res = run("fleet", "apply", plan, "--yes", "--journal", journal)
    assert.equal(0, res.code, res.out .. res.err)
    assert.match("\ndeleted 7 of 10 things in [%d.]+ s, 3 skipped\n", res.out)
    -- each skipped thing named, with why
    local function skipped(kind, id, why)
      assert.match("\n  skipped +vast " .. kind .. " +" .. id .. " [^\n]* " .. why:gsub("%p", "%%%0") .. "\n", res.out)
    end
    skipped("endpoint", 102, "changed since plan: state idle -> running")
    -- (started, it bills its GPUs, not its disk alone: the cost rules)
    skipped("instance", 5004, "changed since plan: state stopped -> running, status stopped -> running, "
      .. "cost_per_hour 0.245 -> 2.45")
    skipped("instance", 5006, "changed since plan: name ci -> renamed, label ci -> renamed")
    local d = deleted()
    for _, id in ipairs { "/102/", "/5004/", "/5006/" } do assert.is_nil(d:find(id, 1, true), id .. " in " .. d) end
    assert.truthy(d:find("/api/v0/endptjobs/104/", 1, true))
    -- the journal of the apply: seven calls, all gone
    res = run("journal", "check", journal)
    assert.equal(0, res.code, res.out .. res.err)
    assert.match("7 intents: 7 gone, 0 still there, 0 unknown; 0 without an outcome", res.out, 1, true)
    res = run("fleet", "apply", plan, "--dry-run", "--json")
    local dry = cjson.decode(res.out)
    assert.equal("changed since plan: state idle -> running", dry.skip_reasons["vast:endpoint:102"])
    res = run("journal", "check", journal, "--json")
    local doc = cjson.decode(res.out)
    assert.equal(7, doc.gone)
    assert.is_true(doc.ok)
  end)

  it("--journal on a provider's bulk delete journals each call", function()
    local journal = support.tmpfile("journal.jsonl")
    local res = r.run(r.with("vast", { "delete", "endpoint", "102", "104", "--yes", "--journal", journal }))
    assert.equal(0, res.code, res.err)
    assert.equal(4, #support.journal_lines(journal))
    res = run("journal", "check", journal)
    assert.equal(0, res.code, res.out .. res.err)
    assert.match("2 intents: 2 gone", res.out, 1, true)
  end)

  it("apply refuses an expired plan, a hand-added entry, and more than --max", function()
    local plan = support.tmpfile("plan.json")
    -- a plan made two days ago
    local clock = { t = os.time() - 2 * 86400 }
    local fleet, close = support.fleet(s, clock)
    local rows = assert(fleet:list())
    assert(fleet:plan(rows:filter { provider = "vast", kind = "endpoint", state = "idle" }):save(plan))
    close()
    assert(s:clear_log())
    local res = run("fleet", "apply", plan, "--yes")
    assert.equal(1, res.code)
    assert.match("expired at", res.err, 1, true)
    assert.equal("", deleted())
    -- a fresh plan, one entry added by hand
    assert(s:reset())
    assert.equal(0, run("fleet", "plan", "--provider", "vast", "--kind", "endpoint", "--state", "idle", "--out", plan).code)
    local text = support.read(plan)
    local line = text:match('\n(    {[^\n]*"id":104,[^\n]*)\n')
    support.write(plan, (text:gsub('\n    {[^\n]*"id":104,', "\n" .. line:gsub('"id":104', '"id":101'):gsub("%%", "%%%%")
      .. ",\n%0", 1)))
    res = run("fleet", "apply", plan, "--yes")
    assert.equal(1, res.code, res.out)
    assert.match("(vast:endpoint:101) was not in plan", res.err, 1, true)
    assert.equal("", deleted())
    assert.equal(0, run("fleet", "plan", "--provider", "vast", "--kind", "endpoint", "--state", "idle", "--out", plan).code)
    res = run("fleet", "apply", plan, "--yes", "--max", "1")
    assert.equal(2, res.code)
    assert.match("more than max = 1", res.err, 1, true)
    res = run("fleet", "apply", plan, "--dry-run", "--keep", plan .. ".keep")
    assert.equal(2, res.code)
    assert.match("keep rules: ", res.err, 1, true)
  end)

  it("observe: two at once leave a valid state file; a damaged one is an error naming it", function()
    local state = support.tmpfile("state.json")
    local envw = {}
    for k, v in pairs(env) do envw[#envw + 1] = q(k .. "=" .. v) end
    table.sort(envw)
    local one = string.format("env %s %s bin/gpucloud fleet observe --state-file %s >/dev/null 2>&1",
      table.concat(envw, " "), cli.LUA, q(state))
    local p = assert(io.popen(string.format("(%s; echo a=$?) & (%s; echo b=$?) & wait", one, one)))
    local out = p:read("*a")
    p:close()
    assert.match("a=0", out, 1, true)
    assert.match("b=0", out, 1, true)
    local doc = cjson.decode(support.read(state))
    assert.equal(2, doc.observations)
    assert.equal("idle", doc.things["vast:endpoint:104"].state)
    -- list with the observations: idle for is known (0 s: observed just now)
    local res = run("fleet", "list", "--state-file", state, "--kind", "endpoint", "--idle-for", "0")
    assert.equal(0, res.code, res.err)
    assert.match("idle for", res.out, 1, true)
    res = run("fleet", "list", "--idle-for", "6h")
    assert.equal(2, res.code)
    assert.match("--idle-for needs --state-file", res.err, 1, true)
    -- the observe command as the issue words it
    assert.equal(0, run("fleet", "observe", "--state", state).code)
    support.write(state, "{ not json")
    res = run("fleet", "observe", "--state-file", state)
    assert.equal(1, res.code)
    assert.match("state file " .. state .. " is damaged", res.err, 1, true)
    assert.equal("{ not json", support.read(state))
    res = run("fleet", "list", "--state-file", state)
    assert.equal(1, res.code)
    assert.match(state, res.err, 1, true)
  end)
end)
