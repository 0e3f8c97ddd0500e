-- The command line's config file (issue 22): $XDG_CONFIG_HOME/gpucloud/config,
-- Lua table fields read as data (no globals, nothing to call): providers in
-- use, default output and columns, per-provider URLs, keep rules as a
-- plain table; a key only in a file others cannot read; a provider without
-- a key that it does not list is left out of fleet commands with a note.

local cli = require "support.cli"
local server = require "gpucloud.sim.server"
local settings = require "gpucloud.cli.settings"
local providers = require "gpucloud.providers"

local q = server.shell_quote

describe("gpucloud config file", function()
  local sim, run, dir

  setup(function()
    sim = assert(server.start())
    run = cli.runner(sim)
    local p = assert(io.popen("mktemp -d \"${TMPDIR:-/tmp}/gpucloud-config.XXXXXX\""))
    dir = p:read("*l")
    p:close()
    os.execute("mkdir -p " .. q(dir .. "/gpucloud"))
  end)
  teardown(function()
    if sim then sim:stop() end
    if dir then os.execute("rm -rf -- " .. q(dir)) end
  end)
  before_each(function()
    assert(sim:reset())
  end)

  local function write(text, mode)
    local f = assert(io.open(dir .. "/gpucloud/config", "wb"))
    f:write(text)
    f:close()
    os.execute("chmod " .. (mode or "644") .. " " .. q(dir .. "/gpucloud/config"))
  end

  -- gpucloud WORDS with the config dir, and the simulator's env but what `unset` names
  local function gpucloud(words, unset)
    local env = { XDG_CONFIG_HOME = dir }
    for _, kv in ipairs(server.env(sim)) do env[kv[1]] = kv[2] or false end
    for _, name in ipairs(unset or {}) do env[name] = false end
    return run.run(words, nil, env)
  end

  it("gives the default output and columns; the command line wins", function()
    write('output = "ids"\ncolumns = { ["vast show instances"] = { "id", "dph_total" } }\n')
    assert.equal("101\n102\n103\n104\n105\n106\n", gpucloud { "vast", "show", "endpoints" }.out)
    local r = gpucloud { "vast", "show", "instances", "-o", "table" }
    assert.equal(0, r.code, r.err)
    assert.equal("id    $/h", r.out:match("^[^\n]*"))
    r = gpucloud { "vast", "show", "instances", "-o", "table", "--columns", "id,label" }
    assert.equal("id    label", r.out:match("^[^\n]*"))
  end)

  it("gives a provider's URL when its variable is not set", function()
    write("vast = { url = " .. string.format("%q", sim.url) .. " }\n")
    local r = gpucloud({ "vast", "show", "endpoints", "-o", "ids" }, { "VAST_URL" })
    assert.equal(0, r.code, r.err)
    assert.equal(6, select(2, r.out:gsub("\n", "")))
  end)

  it("a key in a file others can read is refused, clearly, naming no key", function()
    write("vast = { api_key = " .. string.format("%q", sim.keys.vast) .. " }\n", "644")
    local r = gpucloud({ "vast", "show", "endpoints" }, { "VAST_API_KEY" })
    assert.equal(2, r.code)
    assert.match("holds an API key and others can read it %(mode 644%): chmod 600 ", r.err)
    write("vast = { api_key = " .. string.format("%q", sim.keys.vast) .. " }\n", "600")
    r = gpucloud({ "vast", "show", "endpoints", "-o", "ids" }, { "VAST_API_KEY" })
    assert.equal(0, r.code, r.err)
  end)

  it("is data: no globals, no calls, no unknown fields, no endless loop", function()
    for _, text in ipairs { "os.execute('true')", "print('hi')", "x = string.rep", "providers = { 'nosuch' }", "colour = 1",
      "while true do end", "output = 'yaml'", "vast = { api_key = 1 }" } do
      write(text .. "\n")
      local r = gpucloud { "vast", "show", "endpoints" }
      assert.equal(2, r.code, text)
      assert.match("^gpucloud: " .. (dir .. "/gpucloud/config"):gsub("%p", "%%%0") .. ": ", r.err)
      assert.equal("", r.out)
    end
  end)

  it("fleet: a provider without a key it does not list is left out with one note", function()
    write("\n")
    local r = gpucloud({ "fleet", "list", "--kind", "endpoint", "-o", "ids" }, { "TENSORPOOL_KEY" })
    assert.equal(0, r.code, r.err)
    -- Vast.ai's 6 endpoints and RunPod's 6 (every provider with a key)
    assert.equal(12, select(2, r.out:gsub("\n", "")))
    local _, notes = r.err:gsub("\n", "")
    assert.equal(1, notes)
    assert.match("^gpucloud: fleet: leaving out TensorPool %(set TENSORPOOL_KEY", r.err)
    assert.not_match("gpucloud%.tensorpool{}", r.err) -- command-line words, not Lua
    -- listed in use: its missing key is an error, in command-line words
    write('providers = { "vast", "tensorpool" }\n')
    r = gpucloud({ "fleet", "list", "--kind", "endpoint", "--kind", "cluster" }, { "TENSORPOOL_KEY" })
    assert.equal(1, r.code)
    assert.match("no TensorPool API key: pass %-%-api%-key, or set TENSORPOOL_KEY", r.err)
    -- only what it lists is used
    write('providers = { "vast" }\n')
    r = gpucloud { "fleet", "list", "-o", "csv", "--columns", "provider" }
    assert.equal(0, r.code, r.err)
    assert.not_match("tensorpool", r.out)
    assert.equal("", r.err)
  end)

  it("exposes its keep section as a plain table", function()
    local cfg = assert(settings.check({ keep = { { provider = "vast", kind = "instance", id = 5001 },
      { name = "prod-*" } } }, "config", providers, { "table" }))
    local keep = settings.keep(cfg)
    assert.same({ { provider = "vast", kind = "instance", id = 5001 }, { name = "prod-*" } }, keep)
    assert.is_nil(getmetatable(keep))
    keep[1].id = 1
    assert.equal(5001, cfg.keep[1].id) -- a copy
    assert.same({}, settings.keep({}))
  end)
end)
