-- Saved plans and keep rules: plan:save and fleet:load_plan give back the
-- plan (its id, its time, what selected each thing); an entry removed by
-- hand is not deleted, one added or edited by hand is refused, an expired
-- plan is refused; keep rules hold at plan time and again at delete time.

local json = require "gpucloud.json"
local keep = require "gpucloud.fleet.keep"
local support = require "support.unattended"

local HOUR = 3600

describe("saved plans", function()
  local clock = { t = 0 }
  local suite = support.suite(clock, 1767225600)
  local s, fleet, path
  before_each(function()
    s, fleet = suite.s, suite.fleet
    path = support.tmpfile("plan.json")
  end)

  local function idle_plan(opts)
    local rows = assert(fleet:list())
    return fleet:plan(rows:filter(function(r)
      return (r.kind == "endpoint" and r.state == "idle") or r.key == "vast:instance:5006"
        or r.key == "tensorpool:cluster:c-dev-h100"
    end), opts)
  end

  local function edit(fn)
    local lines = {}
    for line in support.read(path):gmatch("[^\n]+") do lines[#lines + 1] = line end
    fn(lines)
    support.write(path, table.concat(lines, "\n") .. "\n")
  end

  local function line_of(lines, key_text)
    for i, l in ipairs(lines) do if l:find(key_text, 1, true) then return i end end
  end

  it("saves a plan a person can read, and loads the same plan back", function()
    local plan = idle_plan()
    assert(plan:save(path))
    local text = support.read(path)
    assert.match('"id": "' .. plan.id .. '"', text, 1, true)
    assert.match('"expires": "2026-01-02T00:00:00Z"', text, 1, true)
    assert.match('\n    {"digest":"%x+","id":102,"kind":"endpoint","provider":"vast","was":{"name":"sdxl%-turbo",'
      .. '"state":"idle","status":"active","workers":%d}},?\n', text)
    local loaded = assert(fleet:load_plan(path))
    assert.same(plan.keys, loaded.keys)
    assert.same(plan.records, loaded.records)
    assert.same({ plan.id, plan.made_at, plan.expires_at }, { loaded.id, loaded.made_at, loaded.expires_at })
    assert.equal(tostring(plan), tostring(loaded))
    assert.equal(clock.t + 24 * HOUR, loaded.expires_at)
    assert.equal(clock.t + HOUR, idle_plan { expires = HOUR }.expires_at)
  end)

  it("applies what still matches: a thing changed since the plan is skipped, the rest deleted", function()
    assert(idle_plan():save(path))
    clock.t = clock.t + 8 * HOUR
    support.reset_with(s, support.busy(102))
    local plan = assert(fleet:load_plan(path))
    local report = fleet:delete(plan)
    assert.same({ "vast:endpoint:102" }, report.skipped)
    assert.equal("changed since plan: state idle -> running", report.skip_reasons["vast:endpoint:102"])
    assert.same({ "vast:instance:5006", "vast:endpoint:104", "tensorpool:cluster:c-dev-h100" }, report.ok)
  end)

  it("does not delete an entry removed by hand", function()
    assert(idle_plan():save(path))
    edit(function(lines)
      table.remove(lines, line_of(lines, '"id":104,'))
      -- the entry before it may now end the list with a comma: JSON people write
      for i, l in ipairs(lines) do
        if l == "  ]" then lines[i - 1] = lines[i - 1]:gsub(",$", "") end
      end
    end)
    local plan = assert(fleet:load_plan(path))
    assert.equal(3, plan.count)
    assert(s:clear_log())
    local report = fleet:delete(plan)
    assert.equal(3, #report.ok)
    for _, e in ipairs(assert(s:log())) do
      assert.is_nil(e.path:find("/104/", 1, true), "not planned any more: " .. e.path)
    end
  end)

  it("refuses an entry added or edited by hand", function()
    assert(idle_plan():save(path))
    edit(function(lines)
      local i = line_of(lines, '"id":104,')
      table.insert(lines, i, (lines[i]:gsub('"id":104,', '"id":101,')))
    end)
    local plan, err = fleet:load_plan(path)
    assert.is_nil(plan)
    assert.equal("invalid", err.code)
    assert.match("vast:endpoint:101) was not in plan", err.message, 1, true)
    assert.match(path, err.message, 1, true)
    -- an entry's record edited to match what it is now
    assert(idle_plan():save(path))
    edit(function(lines)
      local i = line_of(lines, '"id":102,')
      lines[i] = lines[i]:gsub('"state":"idle"', '"state":"running"')
    end)
    assert.is_nil((fleet:load_plan(path)))
    -- an entry from another plan
    local other = support.tmpfile("other.json")
    assert(idle_plan():save(other))
    local foreign = support.read(other):match('\n(    {[^\n]*"id":102,[^\n]*)\n')
    assert(idle_plan():save(path))
    edit(function(lines)
      lines[line_of(lines, '"id":102,')] = foreign
    end)
    assert.is_nil((fleet:load_plan(path)))
  end)

  it("refuses an expired plan, and a plan whose time was edited", function()
    assert(idle_plan():save(path))
    clock.t = clock.t + 25 * HOUR
    local plan = assert(fleet:load_plan(path))
    assert.is_true(plan:expired(clock.t))
    assert(s:clear_log())
    assert.has_error(function() fleet:delete(plan) end,
      "fleet:delete: plan " .. plan.id .. " expired at 2026-01-02T00:00:00Z: make a new plan")
    assert.same({}, assert(s:log()), "nothing sent")
    edit(function(lines)
      local i = line_of(lines, '"expires_at"')
      lines[i] = lines[i]:gsub("%d+", "1999999999")
    end)
    local none, err = fleet:load_plan(path)
    assert.is_nil(none)
    assert.match("were edited", err.message, 1, true)
  end)

  it("refuses what is not a plan", function()
    support.write(path, "[1, 2]")
    assert.match("not a plan file", select(2, fleet:load_plan(path)).message, 1, true)
    support.write(path, '{"things": []}')
    assert.match("not a gpucloud plan", select(2, fleet:load_plan(path)).message, 1, true)
    assert.match("cannot read it", select(2, fleet:load_plan(path .. ".none")).message, 1, true)
  end)
end)

describe("keep rules", function()
  local clock = { t = 1767225600 }
  local suite = support.suite(clock)
  local fleet
  before_each(function() fleet = suite.fleet end)

  it("reads rules from a file and from a Lua table alike", function()
    local path = support.tmpfile("keep")
    support.write(path, '# production\nprovider=tensorpool kind=cluster id=c-prod-serving\n\nname=sdxl-*\n'
      .. 'label="keep me"\n')
    local rules = assert(keep.read(path))
    assert.equal(3, #rules)
    assert.equal(path .. ": line 2", rules[1].where)
    assert.equal('label="keep me"', rules[3].text)
    local same = assert(keep.rules { { provider = "tensorpool", kind = "cluster", id = "c-prod-serving" },
                                     "name=sdxl-*", { label = "keep me" } })
    assert.equal(rules[2].text, same[2].text)
    assert.truthy(rules:match { provider = "vast", kind = "endpoint", id = 102, name = "sdxl-turbo" })
    assert.is_nil(rules:match { provider = "vast", kind = "endpoint", id = 102, name = "xsdxl-turbo" })
    assert.truthy(rules:match { provider = "vast", kind = "instance", id = 1, label = "keep me" })
    -- what is wrong, and where
    support.write(path, "name=a\nflavour=b\n")
    local none, err = keep.read(path)
    assert.is_nil(none)
    assert.match(path .. ': line 2: unknown field "flavour"', err, 1, true)
    assert.match("empty rule", select(2, keep.rules { {} }), 1, true)
    assert.match("no closing quote", select(2, keep.rules { 'name="a' }), 1, true)
  end)

  it("leaves kept things out of a plan, and skips them at delete, with the rule", function()
    local rows = assert(fleet:list())
    local idle = rows:filter { kind = "endpoint", state = "idle" }
    local plan = fleet:plan(idle, { keep = { "name=sdxl-*" } })
    assert.same({ "vast:endpoint:104" }, plan.keys)
    assert.same({ { key = "vast:endpoint:102", rule = "kept by keep rule 1 (name=sdxl-*)" } }, plan.kept)
    assert.match("kept: vast:endpoint:102 %(kept by keep rule 1 %(name=sdxl%-%*%)%)", tostring(plan))
    -- a plan made without the rule, applied with it
    local report = fleet:delete(fleet:plan(idle), { keep = { { provider = "vast", id = 102 } } })
    assert.same({ "vast:endpoint:104" }, report.ok)
    assert.same({ "vast:endpoint:102" }, report.skipped)
    assert.equal("kept by keep rule 1 (provider=vast id=102)", report.skip_reasons["vast:endpoint:102"])
    assert.has_error(function() fleet:delete(fleet:plan(idle), { keep = { { colour = "red" } } }) end)
  end)

  it("holds under force, on what the plan recorded", function()
    local rows = assert(fleet:list())
    local report = fleet:delete(fleet:plan(rows:filter { kind = "endpoint", state = "idle" }),
      { force = true, keep = { "name=sdxl-*" } })
    assert.same({ "vast:endpoint:102" }, report.skipped)
    assert.equal(json.encode { "vast:endpoint:104" }, json.encode(report.ok))
  end)
end)
