-- What the command line prints (issue 22): each command's default columns
-- from its provider's cli.lua, ages, dates and money with units, a total
-- under a cost column, --columns, -o table|json|jsonl|csv|ids (--json and
-- --raw as aliases), log text as text, --version, and per-command help.

local cli = require "support.cli"
local server = require "gpucloud.sim.server"
local cjson = require "cjson"

describe("gpucloud output", function()
  local sim, run

  setup(function()
    sim = assert(server.start())
    run = cli.runner(sim)
  end)
  teardown(function()
    if sim then sim:stop() end
  end)
  before_each(function()
    assert(sim:reset())
  end)

  it("a table shows the command's own columns, money with its unit, ages, and a total", function()
    local r = run.vast("show", "instances")
    assert.equal(0, r.code, r.err)
    local head = r.out:match("^[^\n]*")
    assert.equal("id    label  status     GPUs  GPU        $/h        age", head)
    assert.match("\n5001  ci     running    1     RTX 4090   %$0%.452/h   %d+d%d+h\n", r.out)
    assert.match("\ntotal%s+%$14%.362/h\n%(13 items%)\n$", r.out)
    -- no credential and no raw epoch among the defaults
    assert.not_match("hidden", r.out)
    assert.not_match("1767225600", r.out)
  end)

  it("--columns picks fields (or their titles), all shows every field, an unknown one is exit 2", function()
    local r = run.vast("show", "instances", "--columns", "id,end_date,$/h")
    assert.equal(0, r.code, r.err)
    assert.equal("id    ends               $/h", r.out:match("^[^\n]*"))
    assert.match("\n5001  2026%-01%-31 00:00Z  %$0%.452/h\n", r.out)
    r = run.vast("show", "instances", "--columns", "all")
    assert.match("jupyter_token", r.out)
    assert.match("<hidden>", r.out)
    r = run.vast("show", "instances", "--columns", "id,nosuch")
    assert.equal(2, r.code)
    assert.match("^gpucloud: no field nosuch in these items; they have: actual_status, ", r.err)
    assert.equal("", r.out)
  end)

  it("a cost column whose costs are all unknown totals to -, not $0", function()
    local r = run.tp("cluster", "list", "--filter", "cluster_id!=c-dev-h100")
    assert.equal(0, r.code, r.err)
    assert.match("\ntotal%s+%-\n%(6 items, 6 without a cost, not in the total%)", r.out)
    -- an unknown cost is -, never blank; the known ones are summed
    r = run.tp("cluster", "list")
    assert.match("\nc%-empty +empty%-shell +RUNNING +1xH100 +%[0%] +false +%-\n", r.out)
    assert.match("\ntotal%s+%$2%.49/h\n%(7 items, 6 without a cost, not in the total%)", r.out)
  end)

  it("-o json, --json and --raw print the same raw JSON; jsonl a line per item", function()
    local a = run.vast("show", "instances", "-o", "json")
    assert.equal(a.out, run.vast("show", "instances", "--json").out)
    assert.equal(a.out, run.vast("show", "instances", "--raw").out)
    assert.equal(a.out, run.vast("show", "instances", "--output=json").out)
    local doc = cjson.decode(a.out)
    assert.equal(1767225600, doc[1].start_date) -- raw epoch kept
    assert.equal(0.452, doc[1].dph_total)
    local r = run.vast("show", "instances", "-o", "jsonl")
    local n = 0
    for line in r.out:gmatch("[^\n]+") do
      n = n + 1
      assert.equal(doc[n].id, cjson.decode(line).id)
    end
    assert.equal(13, n)
  end)

  it("-o csv quotes as RFC 4180 and keeps raw values; -o ids prints one id a line", function()
    local r = run.vast("show", "instances", "-o", "csv", "--columns", "id,status_msg,dph_total")
    assert.equal(0, r.code, r.err)
    assert.match('^id,status_msg,dph_total\n5001,"success, running RTX 4090",0%.452\n', r.out)
    r = run.vast("show", "endpoints", "-o", "ids")
    assert.equal("101\n102\n103\n104\n105\n106\n", r.out)
    r = run.tp("cluster", "list", "-o", "ids", "--filter", "status=PENDING")
    assert.equal("c-provisioning-l40s\n", r.out)
  end)

  it("a bad -o is a usage error", function()
    local r = run.vast("show", "endpoints", "-o", "yaml")
    assert.equal(2, r.code)
    assert.match("%-%-output needs one of table, json, jsonl, csv, ids", r.err)
  end)

  it("log text prints as text, not as a record", function()
    local r = run.vast("get", "endpoint", "logs", "102", "--tail", "2")
    assert.equal(0, r.code, r.err)
    assert.equal("2026-01-05T10:39:00Z endpoint sdxl-turbo: line 39\n2026-01-05T10:40:00Z endpoint sdxl-turbo: line 40\n",
      r.out)
  end)

  it("a record shows times as dates or ages and money with its unit", function()
    local r = run.vast("show", "instance", "5001")
    assert.equal(0, r.code, r.err)
    assert.match("^id%s+5001\nlabel%s+ci\n", r.out)
    assert.match("\nend_date%s+2026%-01%-31 00:00Z\n", r.out)
    assert.match("\ndph_total%s+%$0%.452/h\n", r.out)
  end)

  it("--version and help: the version; one command's help with its examples", function()
    local r = run.run { "--version" }
    assert.equal(0, r.code)
    assert.match("^gpucloud %d+%.%d+%.%d+ %(", r.out)
    r = run.run { "help", "vast", "delete", "workergroup" }
    assert.equal(0, r.code, r.err)
    assert.match("^usage: gpucloud vast delete workergroup ID%.%.%. %[%-%-dry%-run%]", r.out)
    assert.match("\nExamples:\n  gpucloud vast delete workergroup 201 %-%-dry%-run\n", r.out)
    assert.not_match("show endpoints", r.out)
    assert.equal(r.out, run.run { "vast", "delete", "workergroup", "--help" }.out)
    r = run.run { "help" }
    assert.equal(0, r.code)
    assert.match("tensorpool cluster list", r.out)
    r = run.run { "help", "vast", "nosuch" }
    assert.equal(2, r.code)
    assert.match('help: no command "vast nosuch"', r.err)
  end)
end)
