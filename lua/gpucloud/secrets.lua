-- The one rule for credentials. Everything that prints, logs or excerpts a
-- value asks here: which field names hold secrets (list printouts, the
-- REPL, --json output, error excerpts), how a JSON text is masked, and how
-- the account key is removed from text and from tables. Redaction always
-- comes before any cut to length, so no part of a key survives an excerpt.

local M = {}

M.HIDDEN = "<hidden>"     -- a credential field's value, as printed
M.REDACTED = "<redacted>" -- the account key, wherever it turns up

-- Words that make a field name a credential (`api_key`, `jupyter_token`,
-- `db_password`, `Authorization`), and whole names that do (`extra_env`:
-- a Vast.ai instance's environment, [name, value] pairs that hold secrets;
-- `jupyter_url`: a notebook's address, which carries its login token, as
-- Lambda Cloud's does in `?token=`).
local SECRET_WORDS = {
  apikey = true, token = true, password = true, passwd = true, secret = true,
  authorization = true, credential = true, credentials = true,
}
local SECRET_NAMES = { extra_env = true, private_key = true, env = true, jupyter_url = true }
-- Paging cursors are called tokens but open nothing.
local NOT_SECRET = { next_token = true, after_token = true, page_token = true, continuation_token = true }

local cache = {}

--- Is a field of this name a credential? (any key type; only strings can be)
function M.is_secret_name(name)
  if type(name) ~= "string" then return false end
  local hit = cache[name]
  if hit ~= nil then return hit end
  local l = name:lower()
  hit = false
  if NOT_SECRET[l] then
    hit = false
  elseif SECRET_NAMES[l] or l:find("api[_%-]?key") then
    hit = true
  else
    for word in l:gmatch("[^_%-%.%s]+") do
      if SECRET_WORDS[word] then hit = true break end
    end
  end
  cache[name] = hit
  return hit
end

--- A field's value as it may be shown: the value, or "<hidden>".
function M.shown(name, value)
  if value ~= nil and M.is_secret_name(name) then return M.HIDDEN end
  return value
end

-- The end of the JSON value starting at i (a string, an array or object, or
-- a scalar): the index of its last byte, or #text when it is cut short.
local function value_end(text, i)
  local c = text:sub(i, i)
  local n = #text
  if c == '"' then
    local j = i + 1
    while j <= n do
      local ch = text:sub(j, j)
      if ch == "\\" then
        j = j + 2
      elseif ch == '"' then
        return j
      else
        j = j + 1
      end
    end
    return n
  end
  if c == "[" or c == "{" then
    local depth, j = 0, i
    while j <= n do
      local ch = text:sub(j, j)
      if ch == '"' then
        j = value_end(text, j)
      elseif ch == "[" or ch == "{" then
        depth = depth + 1
      elseif ch == "]" or ch == "}" then
        depth = depth - 1
        if depth == 0 then return j end
      end
      j = j + 1
    end
    return n
  end
  local stop = text:find("[,}%]%s]", i)
  return stop and stop - 1 or n
end

--- Hide the values of credential fields in a JSON text (or an excerpt of
-- one): `"api_key": "..."` becomes `"api_key": "<hidden>"`, whatever the
-- value's type, up to its end or the end of the text.
function M.mask_json(text)
  if type(text) ~= "string" then return text end
  local out, from, pos = {}, 1, 1
  while true do
    local s, e, name = text:find('"([^"\\]*)"%s*:%s*', pos)
    if not s then break end
    if M.is_secret_name(name) and e < #text then
      out[#out + 1] = text:sub(from, e) .. '"' .. M.HIDDEN .. '"'
      from = value_end(text, e + 1) + 1
      pos = from
    else
      pos = e + 1
    end
  end
  if from == 1 then return text end
  out[#out + 1] = text:sub(from)
  return table.concat(out)
end

-- Shorter texts are not searched for: a 1-3 character "key" would redact
-- ordinary words, and no provider issues such keys.
local MIN_KEY = 4

--- Replace every occurrence of `key` in `text` with "<redacted>".
function M.redact(text, key)
  if type(text) ~= "string" or type(key) ~= "string" or #key < MIN_KEY then return text end
  local out, from = {}, 1
  while true do
    local i = text:find(key, from, true)
    if not i then break end
    out[#out + 1] = text:sub(from, i - 1)
    out[#out + 1] = M.REDACTED
    from = i + #key
  end
  if from == 1 then return text end
  out[#out + 1] = text:sub(from)
  return table.concat(out)
end

local function scrub(v, key, seen)
  if type(v) == "string" then return M.redact(v, key) end
  if type(v) == "table" and not seen[v] then
    seen[v] = true
    local renamed = {}
    for k, x in pairs(v) do
      v[k] = scrub(x, key, seen) -- assigning an existing field: allowed during traversal
      local nk = scrub(k, key, seen)
      if nk ~= k then renamed[k] = nk end
    end
    for k, nk in pairs(renamed) do v[nk], v[k] = v[k], nil end
  end
  return v
end

--- Remove `key` from every string in `v` (keys included), in place.
function M.scrub(v, key)
  if type(key) ~= "string" or #key < MIN_KEY then return v end
  return scrub(v, key, {})
end

--- Text on one line: control characters and runs of space become one space.
function M.one_line(s)
  return (tostring(s):gsub("[%c%s]+", " "):gsub("^ ", ""):gsub(" $", ""))
end

--- What of `text` may be shown in `n` bytes: the key redacted and
-- credential fields masked first, then one line, then the cut.
function M.excerpt(text, key, n)
  if type(text) ~= "string" then return nil end
  local s = M.one_line(M.mask_json(M.redact(text, key)))
  if n and #s > n then s = s:sub(1, n) .. "..." end
  return s
end

return M
