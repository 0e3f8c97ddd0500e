-- gpucloud.keys: where a provider's API key comes from (the option, the
-- environment, the key files, in that order), the failure that names
-- every place looked in, and a key never shown.

local cjson = require "cjson"
local gpucloud = require "gpucloud"
local transport = require "support.transport"

local KEY, recorder, no_env, json = transport.KEY, transport.recorder, transport.no_env, transport.json

describe("keys", function()
  local function env(t) return function(name) return t[name] end end
  local dir

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. "/xdg/vastai " .. dir .. "/home/.config/vastai"))
  end)
  teardown(function() os.execute("rm -rf " .. dir) end)

  local function write(path, text)
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
    -- as a key file should be; a wider mode warns (see secrets_spec)
    assert(os.execute("chmod 600 '" .. path .. "'"))
  end

  local function key_sent(opts)
    local t = recorder(json { success = true, results = {} })
    opts.transport = t.fn
    local vast = gpucloud.vast(opts)
    local value, err = vast:show_endpoints()
    if not value then return nil, err end
    return t.requests[1].headers.Authorization:match("^Bearer (.*)$"), vast
  end

  it("come from the constructor first, then VAST_API_KEY, then the XDG file, then ~/.vast_api_key", function()
    write(dir .. "/xdg/vastai/vast_api_key", "from-xdg\n")
    write(dir .. "/home/.config/vastai/vast_api_key", "from-home-config\n")
    write(dir .. "/home/.vast_api_key", "  from-legacy  \n")
    local e = { VAST_API_KEY = "from-env", XDG_CONFIG_HOME = dir .. "/xdg", HOME = dir .. "/home" }
    assert.equal("from-arg", key_sent { api_key = "from-arg", getenv = env(e) })
    assert.equal("from-env", key_sent { getenv = env(e) })
    e.VAST_API_KEY = nil
    assert.equal("from-xdg", key_sent { getenv = env(e) })
    e.XDG_CONFIG_HOME = nil
    assert.equal("from-home-config", key_sent { getenv = env(e) })
    os.remove(dir .. "/home/.config/vastai/vast_api_key")
    assert.equal("from-legacy", key_sent { getenv = env(e) })
  end)

  it("missing: a clear error at the first call, naming where it looked", function()
    local t = recorder()
    local vast = gpucloud.vast { transport = t.fn, getenv = env { HOME = dir .. "/nobody" } }
    local value, err = vast:show_endpoints()
    assert.is_nil(value)
    assert.equal("no_api_key", err.code)
    assert.match("VAST_API_KEY", err.message)
    assert.match(dir .. "/nobody/.config/vastai/vast_api_key", err.message, 1, true)
    assert.match(dir .. "/nobody/.vast_api_key", err.message, 1, true)
    assert.equal(0, #t.requests)
  end)

  it("TensorPool: TENSORPOOL_KEY, then TENSORPOOL_API_KEY", function()
    local function tp_key(e)
      local t = recorder(json { clusters = {} })
      local tp = gpucloud.tensorpool { transport = t.fn, getenv = env(e) }
      local value, err = tp:list_clusters()
      if not value then return nil, err end
      return t.requests[1].headers.Authorization:match("^Bearer (.*)$")
    end
    assert.equal("a", tp_key { TENSORPOOL_KEY = "a", TENSORPOOL_API_KEY = "b" })
    assert.equal("b", tp_key { TENSORPOOL_API_KEY = "b" })
    local _, err = tp_key {}
    assert.equal("no_api_key", err.code)
    assert.match("TENSORPOOL_KEY, TENSORPOOL_API_KEY", err.message)
  end)

  it("never show in tostring, pairs or errors", function()
    local t = recorder({ status = 401, body = '{"success":false,"error":"x","msg":"bad key"}' })
    local vast = gpucloud.vast { api_key = KEY, transport = t.fn, getenv = no_env }
    local _, err = vast:show_endpoints()
    assert.not_match(KEY, tostring(vast), 1, true)
    assert.not_match(KEY, tostring(err), 1, true)
    assert.not_match(KEY, cjson.encode(err.body or {}), 1, true)
    for k, v in pairs(vast) do
      assert.not_match(KEY, tostring(k) .. tostring(v), 1, true)
      if type(v) == "table" then
        for k2, v2 in pairs(v) do assert.not_match(KEY, tostring(k2) .. tostring(v2), 1, true) end
      end
    end
    assert.match("key from the api_key option", tostring(vast))
  end)
end)
