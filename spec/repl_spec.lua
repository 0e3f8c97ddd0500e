-- The REPL's parts in process: how values print (gpucloud.repl.show),
-- help made from the providers' rows (gpucloud.repl.help), what it
-- compiles and completes (gpucloud.repl). spec/repl_tty_spec.lua types
-- into the real thing.

local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local help = require "gpucloud.repl.help"
local repl = require "gpucloud.repl"
local show = require "gpucloud.repl.show"
local errors = require "gpucloud.errors"
local server = require "gpucloud.sim.server"

local function no_address(s)
  assert.not_match("table: 0x", s)
  assert.not_match("userdata: ", s)
  assert.not_match("function: ", s)
end

describe("repl: values print readably", function()
  it("a record as one field per line, id first, nested tables shallowly, secrets hidden", function()
    local s = show.value {
      id = 102, endpoint_name = "sdxl", api_key = "ep-secret-1", ratio = 2.5, n = 3.0,
      tags = { "a", "b" }, meta = { a = 1, deep = { x = 1 }, jupyter_token = "tok-secret" },
      workers = { { id = 1 }, { id = 2 } }, extra_env = { { "HF_TOKEN", "hf-secret" } },
    }
    no_address(s)
    assert.not_match("secret", s)
    local lines = {}
    for l in s:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.match("^id%s+102$", lines[1])
    assert.match("\napi_key%s+<hidden>\n", s)
    assert.match("\nendpoint_name%s+\"sdxl\"\n", s)
    assert.match("\nmeta%s+{a = 1, deep = {...}, jupyter_token = <hidden>}\n", s)
    assert.match("\nn%s+3\n", s)
    assert.match("\ntags%s+%[\"a\", \"b\"%]\n", s)
    assert.match("\nworkers%s+%[2 items%]$", s)
    assert.match("\nextra_env%s+<hidden>\n", s)
  end)

  it("lists as tables, arrays of ids on one line, [] and {} apart, null as null", function()
    local l = gpucloud.list { { id = 1, api_key = "k-secret" }, { id = 2 } }
    local s = show.value(l)
    assert.match("^id%s+api_key", s)
    assert.match("%(2 items%)$", s)
    assert.not_match("secret", s)
    -- a plain array of records (a report's results, err.body's parts)
    assert.match("%(2 items%)$", show.value { { id = 1 }, { id = 2 } })
    assert.equal("2 items: 201, 202", show.value { 201, 202 })
    assert.equal("(empty list)", show.value(json.decode("[]")))
    assert.equal("{}", show.value(json.decode("{}")))
    assert.equal("null", show.value(gpucloud.null))
    assert.equal("3 items: 1, null, 3", show.value(json.decode("[1, null, 3]")))
    assert.match("tags%s+%[1, null%]", show.value(json.decode('{"tags": [1, null]}')))
  end)

  it("errors, reports and clients by their own text; the module as fields", function()
    local err = errors.new { code = "not_found", op = "vast.delete_endpoint", status = 404, message = "gone" }
    assert.equal(tostring(err), show.value(err))
    local vast = gpucloud.vast { getenv = function() end }
    assert.equal(tostring(vast), show.value(vast))
    local s = show.value(vast.urls)
    assert.match("^console%s+\"https://console.vast.ai\"\nrun%s+\"https://run.vast.ai\"$", s)
    s = show.value(gpucloud)
    no_address(s)
    assert.match("\nnull%s+null\n", s)
    assert.match("\nvast%s+<function>", s)
    help.name_methods()
    assert.equal("<method vast:delete_endpoint>", show.value(vast.delete_endpoint))
    vast:close()
  end)

  it("a call's values one by one, numbered, so a second value is not read as the first's", function()
    local s = show.values(2, gpucloud.list { { id = 1 } }, { results = gpucloud.list { { id = 1 } } })
    assert.match("^%[1%]\nid\n1\n%(1 item%)\n%[2%] results%s+%[1 item%]$", s)
    assert.equal("[1] nil\n[2] x", show.values(2, nil, "x"))
    assert.equal("nil", show.values(1, nil))
  end)

  it("print shows tables as the REPL does, tab-separated", function()
    assert.equal("1\ta\tid  1", show.print_line(3, 1, "a", { id = 1 }))
  end)

  it("against the simulator: a listing, its answer, a record, a report, err.body", function()
    local sim = assert(server.start())
    finally(function() sim:stop() end)
    local vast = gpucloud.vast { url = sim.url, api_key = sim.keys.vast, getenv = function() end }
    local eps, answer = vast:show_endpoints()
    no_address(show.values(2, eps, answer))
    no_address(show.value(eps[1]))
    assert.match("\napi_key%s+<hidden>\n", show.value(eps[1]))
    local report = vast:delete_workergroups({ 201, 9999 }, { rate = false })
    no_address(show.value(report))
    assert.equal("1 item: 201", show.value(report.ok))
    local _, err = vast:delete_workergroup(9999)
    no_address(show.value(err.body))
    assert.not_match(sim.keys.vast, show.value(err.body))
    vast:close()
  end)
end)

describe("repl: help is made from the rows", function()
  it("help() lists every provider's methods, one line each", function()
    local s = help.text(0)
    for _, p in ipairs(help.providers) do
      local spec = help.spec_of(p)
      local names = {}
      for n in pairs(spec.ops) do names[#names + 1] = n end
      for n in pairs(spec.bulk or {}) do names[#names + 1] = n end
      for n in pairs(spec.methods or {}) do names[#names + 1] = n end
      for _, n in ipairs(names) do
        assert.match("\n  " .. p.var .. ":" .. n .. "%(", s)
      end
    end
    assert.not_match("no line in the provider", s)
  end)

  it("every method rows cannot describe has a line in its provider's spec.docs", function()
    for _, p in ipairs(help.providers) do
      local spec = help.spec_of(p)
      for n in pairs(spec.methods or {}) do
        local doc = spec.docs and spec.docs[n]
        assert.is_table(doc, p.module .. ": spec.docs." .. n)
        assert.is_string(doc[1], p.module .. ": spec.docs." .. n .. "[1]")
        assert.is_string(doc.args, p.module .. ": spec.docs." .. n .. ".args")
      end
    end
  end)

  it("help shows every method of every provider in full, a row whose check is a function too", function()
    for _, p in ipairs(help.providers) do
      for _, e in ipairs(help.entries(help.spec_of(p))) do
        local s = help.text(1, p.var .. ":" .. e.name)
        assert.match("^" .. p.var .. ":" .. e.name .. "%(", s)
      end
    end
    -- tp:edit_cluster's fields are checked by a function (args.fields)
    assert.match("\n  fields%s+a table of cluster_name, deletion_protection\n", help.text(1, "edit_cluster"))
  end)

  it("help says what issue 12's row fields send and answer: fixed body fields, body options, query args, null", function()
    assert.match('\n  body      JSON {"state": "stopped"}\n', help.text(1, "stop_instance"))
    assert.match("\n  body opt  tail %(an opts field%): a positive integer", help.text(1, "get_endpoint_logs"))
    assert.match("\n  filters   nil or a table of field = filter; sent as the query's select_filters\n",
      help.text(1, "show_instances"))
    assert.match('\n  query     type %(an opts field%): "all_volume", "local_volume" or "network_volume"; '
      .. 'default "all_volume"\n', help.text(1, "show_volumes"))
    assert.match("\n  answer    an object %(the answer's \"instances\"%); a bare null is not_found\n",
      help.text(1, "show_instance"))
  end)

  it("a paged row's iterator has help of its own, from the row; the row's help says how it pages", function()
    local vast = gpucloud.vast { getenv = function() end }
    local s = help.text(1, vast.each_instance)
    assert.equal(s, help.text(1, "vast:each_instance"))
    assert.match("^vast:each_instance%(filters %[, opts%]%)\n", s)
    assert.match("\n  wire%s+GET https://console.vast.ai/api/v1/instances/\n", s)
    assert.match("\n  pages%s+25 items a page", s)
    assert.match("\n    max_pages%s+", s)
    assert.match("\n  vast:each_instance%(filters %[, opts%]%)%s+", help.text(0))
    assert.match("\n  lazily%s+vast:each_instance%(filters %[, opts%]%)\n", help.text(1, "show_instances"))
    vast:close()
  end)

  it("help's text is the same in every process: a method that replaces a row stands for both, once", function()
    local sub = require "support.subprocess"
    local first
    for _ = 1, 5 do
      local out, ok, err = sub.lua('io.write(require("gpucloud.repl.help").text(0))')
      assert.is_true(ok, err)
      first = first or out
      assert.equal(first, out)
    end
    assert.match("\n  tp:destroy_cluster%(cluster_id %[, opts%]%)%s+DELETE engine /cluster/{cluster_id} %-> 202", first)
    -- each method once (issue 22: tp:destroy_cluster was listed twice)
    local seen = {}
    for sig in first:gmatch("\n  ([%w_]+[:.][%w_]+)%(") do
      assert.is_nil(seen[sig], sig .. " listed twice")
      seen[sig] = true
    end
  end)

  it("help(vast.delete_endpoint) and help \"delete_endpoint\" give the row's wire, argument, options and rate", function()
    local vast = gpucloud.vast { getenv = function() end }
    local by_fn = help.text(1, vast.delete_endpoint)
    -- by name alone: every provider's method of that name (RunPod has one too)
    assert.truthy(help.text(1, "delete_endpoint"):find(by_fn, 1, true))
    assert.equal(by_fn, help.text(1, "vast:delete_endpoint"))
    local row = require("gpucloud.providers.vast").spec.ops.delete_endpoint
    assert.match("wire%s+DELETE https://console.vast.ai" .. row.path:gsub("[{}]", "%%%0"), by_fn)
    assert.match("\n  id%s+a positive integer up to 2%^53", by_fn)
    assert.match("\n  rate%s+3 requests/s documented", by_fn)
    assert.match("\n    timeout%s+seconds one attempt may take.*%(default 60%)", by_fn)
    assert.match("\n  many%s+vast:delete_endpoints%(ids", by_fn)
    vast:close()
  end)

  it("help for a bulk method, a composed method, a client, and what it does not know", function()
    local s = help.text(1, "destroy_clusters")
    assert.match("each id%s+destroy_cluster", s)
    assert.match("\n    concurrency%s+requests in flight at once %(default 8%)", s)
    s = help.text(1, "tp.wait_request")
    assert.match("^tp:wait_request%(request_id %[, opts%]%)\n  poll get_request_info", s)
    assert.match("\n    interval%s+", s)
    local tp = gpucloud.tensorpool { getenv = function() end }
    s = help.text(1, tp)
    assert.match("^tp: TensorPool", s)
    assert.not_match("vast:", s)
    assert.match("no method named \"nope\"", help.text(1, "nope"))
    assert.match("no help for this function", help.text(1, print))
    tp:close()
  end)
end)

describe("repl: help for the fleet", function()
  it("lists the fleet's methods from gpucloud.fleet's docs, and shows one in full", function()
    local fleet = require "gpucloud.fleet"
    local s = help.text(0)
    for name in pairs(fleet.Fleet) do
      if type(fleet.Fleet[name]) == "function" and not name:match("^_") and name ~= "runner" then
        assert.match("\n  fleet:" .. name .. "%(", s)
      end
    end
    local f = gpucloud.fleet { vast = gpucloud.vast { getenv = function() end },
                               tensorpool = gpucloud.tensorpool { getenv = function() end } }
    s = help.text(1, f.delete)
    assert.equal(s, help.text(1, "fleet:delete"))
    assert.match("^fleet:delete%(plan_or_rows %[, opts%]%)\n", s)
    assert.match("\n    verify%s+fleet delete: list again", s)
  end)
end)

describe("repl: reading what was typed", function()
  local env = setmetatable({}, { __index = _G })

  it("an expression is returned, a statement run, a cut chunk asks for more", function()
    assert.equal(3, repl.compile("1 + 2", env)())
    assert.is_nil(repl.compile("x = 1", env)())
    assert.equal(1, rawget(env, "x"))
    local f, more = repl.compile("for i = 1, 2 do", env)
    assert.is_nil(f)
    assert.is_true(more)
    local g, err = repl.compile("1 +* 2", env)
    assert.is_nil(g)
    assert.is_string(err)
  end)

  it("completes names, fields after a dot, methods after a colon", function()
    local vast = gpucloud.vast { getenv = function() end }
    local e = setmetatable({ vast = vast, gpucloud = gpucloud }, { __index = _G })
    assert.same({ "vast:delete_deployment", "vast:delete_deployments", "vast:delete_endpoint",
                  "vast:delete_endpoints", "vast:delete_volume", "vast:delete_volumes",
                  "vast:delete_workergroup", "vast:delete_workergroups" }, repl.completions(e, "vast:del"))
    assert.same({ "gpucloud.tensorpool" }, repl.completions(e, "gpucloud.te"))
    assert.same({ "vast.urls.console" }, repl.completions(e, "vast.urls.co"))
    assert.same({ "vast" }, repl.completions(e, "vas"))
    assert.same({}, repl.completions(e, "f(x):y"))
    local l = gpucloud.list {}
    e.l = l
    assert.same({ "l:filter", "l:first" }, repl.completions(e, "l:fi"))
    vast:close()
  end)
end)
