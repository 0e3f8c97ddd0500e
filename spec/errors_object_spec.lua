-- The server's words when `error` is an object ({code, message,
-- suggestion}: Lambda Cloud's form) and its machine codes hold `/`
-- (`global/object-does-not-exist`): read where every error is made
-- (errors.from_response), mapped through a provider's server_codes, a
-- family of codes by its first word ("provider/"), and what stays as it was.

local errors = require "gpucloud.errors"
local json = require "gpucloud.json"

local CODES = {
  ["global/invalid-api-key"] = "unauthorized",
  ["global/object-does-not-exist"] = "not_found",
  ["filesystems/filesystem-in-use"] = "conflict",
  ["provider/"] = "server_error",
}

local function answer(status, text, key)
  return errors.from_response("p.op", status, json.decode(text), text, key, CODES)
end

describe("an error object in the answer", function()
  it("keeps its code as server_code, its message and suggestion as the words, mapped by the code", function()
    local e = answer(400, '{"error":{"code":"filesystems/filesystem-in-use","message":"Filesystem is in use.",'
      .. '"suggestion":"Terminate the instances that mount it."}}')
    assert.equal("conflict", e.code)
    assert.equal("filesystems/filesystem-in-use", e.server_code)
    assert.equal("Filesystem is in use. (Terminate the instances that mount it.)", e.message)
    assert.is_false(e.retryable)
  end)

  it("the code decides over the status: a bad key answered 404 is unauthorized, never 'not there'", function()
    local e = answer(404, '{"error":{"code":"global/invalid-api-key","message":"API key was invalid."}}')
    assert.equal("unauthorized", e.code)
    assert.equal("global/invalid-api-key", e.server_code)
    assert.equal("API key was invalid.", e.message)
  end)

  it("a family of codes maps by its first word; an unknown code keeps the status's meaning", function()
    local e = answer(400, '{"error":{"code":"provider/internal-unavailable","message":"Try again shortly"}}')
    assert.equal("server_error", e.code)
    assert.equal("provider/internal-unavailable", e.server_code)
    e = answer(409, '{"error":{"code":"global/something-new","message":"New words"}}')
    assert.equal("conflict", e.code)
    assert.equal("global/something-new", e.server_code)
    -- a family is named by its whole first word only
    e = answer(400, '{"error":{"code":"providers/x","message":"m"}}')
    assert.equal("invalid", e.code)
    -- no table at all: the status
    e = errors.from_response("p.op", 404, json.decode('{"error":{"code":"global/x","message":"m"}}'), "", nil)
    assert.equal("not_found", e.code)
    assert.equal("global/x", e.server_code)
  end)

  it("a string `error` with a slash is a code too; a sentence, a URL or an array is not", function()
    local e = answer(404, '{"error":"global/object-does-not-exist"}')
    assert.equal("not_found", e.code)
    assert.equal("global/object-does-not-exist", e.server_code)
    for _, body in ipairs { '{"error":"no such thing/here"}', '{"error":"/api/v1/instances"}',
                            '{"error":["global/unknown"]}', '{"error":{"code":"a b/c","message":"m"}}' } do
      e = answer(400, body)
      assert.is_nil(e.server_code, body)
      assert.equal("invalid", e.code, body)
    end
  end)

  it("top-level words come first; an object without a message leaves the body's text", function()
    local e = answer(400, '{"message":"top","error":{"code":"global/x","message":"inner"}}')
    assert.equal("top", e.message)
    assert.equal("global/x", e.server_code)
    e = answer(500, '{"error":{"code":"global/x"}}')
    assert.match("global/x", e.message)
  end)

  it("the key is out of the words before they are cut, the suggestion's too", function()
    local key = "lam-SECRET-0123456789abcdef"
    local e = answer(400, '{"error":{"code":"global/x","message":"bad ' .. key .. '","suggestion":"not '
      .. key .. '"}}', key)
    assert.equal("bad <redacted> (not <redacted>)", e.message)
    assert.not_match(key, tostring(e), 1, true)
  end)
end)
