-- The unattended commands in the command line's words: `fleet plan` names
-- each thing and what it leaves out (deletion protection, keep rules),
-- -o ids and -o json say the same plan; `fleet apply` names what changed
-- since the plan and a provider the plan needs that has no key; `journal`
-- is a first word of its own; help says each fleet option once per
-- meaning; the REPL greets with, and makes its fleet of, every provider.

local cjson = require "cjson"
local cli = require "support.cli"
local providers = require "gpucloud.providers"
local server = require "gpucloud.sim.server"
local support = require "support.unattended"

describe("gpucloud fleet plan and apply, in words", function()
  local sim, run, env

  setup(function()
    sim = assert(server.start { config = { retry_after = "0" } })
    run = cli.runner(sim)
    env = { XDG_CONFIG_HOME = "/nonexistent" }
    for _, kv in ipairs(server.env(sim)) do env[kv[1]] = kv[2] or false end
  end)
  teardown(function()
    sim:stop()
    support.cleanup()
  end)
  before_each(function() assert(sim:reset()) end)

  local function fleet(words, extra)
    local e = {}
    for k, v in pairs(env) do e[k] = v end
    for k, v in pairs(extra or {}) do e[k] = v end
    table.insert(words, 1, "fleet")
    return run.run(words, nil, e)
  end

  local function changed()
    local n = 0
    for _, e in ipairs(assert(sim:log())) do
      if e.method ~= "GET" and not e.path:find("workers", 1, true) then n = n + 1 end
    end
    return n
  end

  it("plan names each thing, leaves protected ones out, names what a keep rule kept; ids and json agree", function()
    local keep = support.tmpfile("keep")
    support.write(keep, "provider=vast kind=endpoint id=102\n")
    local sel = { "plan", "--provider", "vast", "--provider", "tensorpool", "--state", "idle" }
    local function with(...)
      local w = {}
      for _, x in ipairs(sel) do w[#w + 1] = x end
      for _, x in ipairs { ... } do w[#w + 1] = x end
      return w
    end
    local r = fleet(with("--keep", keep))
    assert.equal(0, r.code, r.err)
    assert.match("^plan: delete 6 things, saving %$0%.13/h; selected by %-%-state idle:\n", r.out)
    assert.match("\n  vast endpoint +104 +llama%-70b%-eval +idle ", r.out)
    assert.match("\nskipped 1 with deletion protection on [^\n]*\n  tensorpool storage +s%-stuck +stuck ", r.out)
    assert.match("\nkept by a keep rule %(1%):\n  vast endpoint +102 +sdxl%-turbo +idle [^\n]*line 1 %(provider=vast "
      .. "kind=endpoint id=102%)\n", r.out)
    r = fleet(with("--keep", keep, "-o", "ids"))
    assert.equal("vast:endpoint:104\nvast:volume:3002\nvast:volume:3003\ntensorpool:storage:s-scratch\n"
      .. "tensorpool:storage:s-flaky\ntensorpool:storage:s-legacy\n", r.out)
    local doc = cjson.decode(fleet(with("--keep", keep, "--json")).out).plan
    assert.equal(6, doc.count)
    assert.same({ "tensorpool:storage:s-stuck" }, doc.protected)
    assert.equal("vast:endpoint:102", doc.kept[1].key)
    -- the saved plan holds what the printed one says: no protected thing
    local file = support.tmpfile("plan.json")
    assert.equal(0, fleet(with("--out", file)).code)
    assert.is_nil(support.read(file):find("s-stuck", 1, true))
    assert.equal(0, changed())
  end)

  it("the config file's keep section keeps things too; a rule it cannot read is exit 2 naming it", function()
    local dir = support.tmpfile("x")
    dir = dir:gsub("/x$", "")
    os.execute("mkdir -p '" .. dir .. "/gpucloud'")
    support.write(dir .. "/gpucloud/config", 'keep = { { provider = "vast", kind = "endpoint", id = 102 } }\n')
    local r = fleet({ "plan", "--provider", "vast", "--kind", "endpoint", "--state", "idle" }, { XDG_CONFIG_HOME = dir })
    assert.equal(0, r.code, r.err)
    assert.match("^plan: delete 1 thing, ", r.out)
    assert.match("\nkept by a keep rule %(1%):\n  vast endpoint +102 [^\n]* kept by " .. dir:gsub("%p", "%%%0")
      .. "/gpucloud/config: keep rule 1 %(provider=vast kind=endpoint id=102%)\n", r.out)
    support.write(dir .. "/gpucloud/config", "keep = { { colour = 1 } }\n")
    r = fleet({ "delete", "--provider", "vast", "--dry-run" }, { XDG_CONFIG_HOME = dir })
    assert.equal(2, r.code)
    assert.match("keep rule 1: unknown field \"colour\"", r.err, 1, true)
    assert.equal(0, changed())
  end)

  it("apply --dry-run names what changed since the plan; a provider without a key is named, nothing sent", function()
    local file = support.tmpfile("plan.json")
    local r = fleet { "plan", "--provider", "vast", "--kind", "endpoint", "--state", "idle", "--out", file }
    assert.equal(0, r.code, r.err)
    -- endpoint 104 has no worker ($0.00/h), 102's workers' instances are not listed
    assert.match("^plan: delete 2 things, saving %$0%.00/h %(1 without a known cost%); selected by", r.out)
    -- no known cost at all is not a $0.00/h saving (a workergroup's workers bill as instances)
    assert.match("^plan: delete 8 things, none with a known cost; selected by %-%-kind workergroup",
      fleet({ "plan", "--provider", "vast", "--kind", "workergroup" }).out)
    assert.match("\nsaved plan p%-[%d-]+%-%x+ to ", r.out)
    support.reset_with(sim, support.busy(102))
    r = fleet { "apply", file, "--dry-run" }
    assert.equal(0, r.code, r.err)
    assert.match("^plan: delete 2 things, [^\n]* selected by saved plan p%-[%d-]+%-%x+ %(made [%dT:Z-]+%):\n", r.out)
    assert.match("\ndry run: nothing sent; 1 would be skipped:\n  skipped +vast endpoint +102 +sdxl%-turbo +idle "
      .. "[^\n]* changed since plan: state idle %-> running\n", r.out)
    assert(sim:clear_log())
    r = fleet({ "apply", file, "--yes" }, { VAST_API_KEY = false, HOME = "/nonexistent" })
    assert.equal(1, r.code)
    assert.match("plan p%-[%d-]+%-%x+ names Vast%.ai things: no Vast%.ai API key: pass %-%-api%-key, or set "
      .. "VAST_API_KEY", r.err)
    assert.equal(0, changed())
  end)
end)

describe("gpucloud help and repl, over every provider", function()
  it("journal is a first word; each fleet option is said once per meaning", function()
    local r = cli.runner({ url = "http://127.0.0.1:1", keys = {} }).run { "help" }
    assert.equal(0, r.code, r.err)
    assert.match("\n  journal check FILE +list again and say what became of each call", r.out)
    assert.match("\n  fleet apply FILE +", r.out)
    assert.match("\n  %-%-state S +fleet: only things in this state", r.out)
    assert.match("\n  %-%-state FILE +fleet observe: the state file", r.out)
    assert.match("\n  %-%-state STATE +update endpoint", r.out)
    r = cli.runner({ url = "http://127.0.0.1:1", keys = {} }).run { "journal", "--help" }
    assert.equal(0, r.code, r.err)
    assert.not_match("Options of some commands", r.out)
  end)

  it("the REPL's greeting names every provider's client, and its fleet spans those with fleet kinds", function()
    local input = support.tmpfile("input.lua")
    support.write(input, "fleet:kinds()\n")
    local r = cli.runner({ url = "http://127.0.0.1:1", keys = {} }).run({ "repl", "--sim" }, input)
    assert.equal(0, r.code, r.err)
    local help = require "gpucloud.repl.help"
    local names = {}
    for i, p in ipairs(help.providers) do names[i] = p.var end
    assert.match("gpucloud, " .. table.concat(names, ", ") .. " and fleet are ready", r.out, 1, true)
    for _, p in ipairs(providers.parts("fleet")) do assert.match(p.name .. ":", r.out, 1, true) end
  end)
end)
