-- A notebook's address is a credential: Lambda Cloud's `jupyter_url`
-- carries the instance's Jupyter token (`?token=...`). secrets.lua is the
-- one rule, so every printer hides it: list tables, the REPL, JSON output,
-- error excerpts. The value handed back stays the server's (as
-- `jupyter_token`'s does): what prints is what hides it.

local errors = require "gpucloud.errors"
local gpucloud = require "gpucloud"
local json = require "gpucloud.json"
local secrets = require "gpucloud.secrets"
local show = require "gpucloud.repl.show"

local TOKEN = "jt_specsecret_0123456789"
local URL = "https://jupyter-i-1.lambdaspaces.com/?token=" .. TOKEN

describe("a notebook's URL", function()
  it("is a credential field by name", function()
    assert.is_true(secrets.is_secret_name("jupyter_url"))
    assert.is_true(secrets.is_secret_name("JUPYTER_URL"))
    assert.equal(secrets.HIDDEN, secrets.shown("jupyter_url", URL))
    -- other addresses are not
    assert.is_false(secrets.is_secret_name("url"))
    assert.is_false(secrets.is_secret_name("hostname"))
  end)

  it("never prints: tables, the REPL, JSON with the mask, an error's excerpt", function()
    local inst = { id = "i-1", jupyter_url = URL }
    assert.not_match(TOKEN, tostring(gpucloud.list { inst }), 1, true)
    assert.not_match(TOKEN, show.value(inst), 1, true)
    assert.not_match(TOKEN, json.encode(inst, { mask = require("gpucloud.list").secret_fields }), 1, true)
    local e = errors.bad_response("p.op", 200, "no", json.encode { data = { jupyter_url = URL } })
    assert.not_match(TOKEN, tostring(e), 1, true)
    assert.equal(URL, inst.jupyter_url, "the data is the caller's")
  end)
end)
