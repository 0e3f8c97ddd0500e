-- Paged listings: a row with
--   paged = { cursor = "after_token", next = "next_token", limit = 25, each = "each_instance" }
-- is listed page by page, each page an ordinary call of the row (call.lua:
-- pacing, retries, hooks, deadline) with `limit` and, after the first,
-- the cursor in its query string; the page's items are the row's list
-- shape, the next cursor its `next` field (absent or null: the last page).
--
--   collect   every page into one list; any failure fails the whole
--             listing (a list is never silently short)
--   each      an iterator that fetches the next page only when the loop
--             needs it; a failure ends the loop with nil, err, and calling
--             the iterator again after its end gives the same answer
--
-- Both stop with code too_large past `max_pages` pages, and refuse a
-- cursor the server gave twice in a row (a listing going round in circles).

local call = require "gpucloud.call"
local config = require "gpucloud.config"
local errors = require "gpucloud.errors"
local list = require "gpucloud.list"

local M = {}

-- The row a page is a call of: the row's own query plus the page's.
local page_rows = setmetatable({}, { __mode = "k" })

local function page_row(row)
  local r = page_rows[row]
  if r then return r end
  r = {}
  for k, v in pairs(row) do r[k] = v end
  r.paged = nil
  r.query = { { "limit", "positive_int" }, { row.paged.cursor, "string" } }
  for _, q in ipairs(row.query or {}) do r.query[#r.query + 1] = q end
  page_rows[row] = r
  return r
end

--- A listing's state. `job`: self, p (the client's private state), rt,
-- op, row, argv (checked), opts (the per-page call options), settings
-- (max_pages, page_size), stop_at (nil, or an absolute time no page may pass).
function M.new(job)
  job.page_row = page_row(job.row)
  job.pages = 0
  return job
end

-- One page after `token` (nil: the first). Returns items, next token (nil
-- on the last page), the decoded answer; or nil, err.
local function fetch(job, token)
  local paged = job.row.paged
  if job.pages >= job.settings.max_pages then
    return nil, errors.local_failure(job.op, "too_large", string.format(
      "the listing has more than max_pages = %d pages (raise max_pages, or filter on the server)",
      job.settings.max_pages))
  end
  local o = {}
  for k, v in pairs(job.opts) do o[k] = v end
  o.limit, o[paged.cursor] = job.settings.page_size, token
  local items, err, res, decoded = call.perform(job.self, job.p, job.rt, job.op, job.page_row, job.argv, o,
    job.stop_at)
  if items == nil then return nil, err end
  job.pages = job.pages + 1
  local nxt = type(decoded) == "table" and decoded ~= items and decoded[paged.next] or nil
  if nxt ~= nil and (type(nxt) ~= "string" or nxt == "") then
    return nil, errors.bad_response(job.op, res.status, "'" .. paged.next .. "' is not a cursor string")
  end
  if nxt ~= nil and nxt == token then
    return nil, errors.bad_response(job.op, res.status, "the server gave the same cursor twice: " .. nxt)
  end
  return items, nxt, decoded
end

--- Every page, collected. Returns the list and the first page's whole
-- answer (its totals describe the listing); or nil, err.
function M.collect(job)
  -- a deadline bounds the whole listing (an iterator's, each page: the
  -- loop's own work between pages is not the listing's)
  local deadline = config.setting(job.self, job.opts, "deadline")
  if deadline then job.stop_at = job.rt.now() + deadline end
  local out, first, token = {}, nil, nil
  repeat
    local items, nxt, decoded = fetch(job, token)
    if items == nil then return nil, nxt end
    first = first or decoded
    for i = 1, #items do out[#out + 1] = items[i] end
    token = nxt
  until token == nil
  return list.new(out, job.row.id_field), first
end

--- A lazy iterator over every item of every page.
function M.each(job)
  local page, i, token, done, failed = nil, 0, nil, false, nil
  return function()
    while true do
      if failed then return nil, failed end
      if page and i < #page then
        i = i + 1
        return page[i]
      end
      if done then return nil end
      local items, nxt = fetch(job, token)
      if items == nil then
        failed = nxt
        return nil, failed
      end
      page, i, token, done = items, 0, nxt, nxt == nil
    end
  end
end

return M
