-- Paged listings: a row with
--   paged = { cursor = "after_token", next = "next_token", limit = 25, each = "each_instance",
--             total = "instances_found" }
-- is listed page by page, each page an ordinary call of the row (call.lua:
-- pacing, retries, hooks, deadline) with `limit` and, after the first,
-- the cursor in its query string; the page's items are the row's list
-- shape (always under its key: a bare array carries no cursor), the next
-- cursor its `next` field (absent or null: the last page).
--
--   collect   every page into one list; any failure fails the whole
--             listing (a list is never silently short)
--   each      an iterator that fetches the next page only when the loop
--             needs it; a failure ends the loop with nil, err, and calling
--             the iterator again after its end gives the same answer
--
-- A listing proves itself as it goes: it remembers every cursor and every
-- id (`id_field`) it was given, and a cursor given again, an id already
-- listed or a page of another shape is bad_response at the page that shows
-- it, before any of that page's items is handed out. Where the answer
-- states how many there are (`total`), a listing that ends with another
-- count is bad_response too, never a short list. Past `max_pages` pages:
-- too_large.

local args = require "gpucloud.args"
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
  -- a page is an object holding its items and its cursor
  assert(type(row.list) == "string", "pager: a paged row's list must be a key (list = \"name\")")
  -- an ignored cursor shows only as ids listed again: a page's items need one
  assert(row.id_field ~= false, "pager: a paged row's items need an id (id_field = false is for unpaged rows)")
  r = {}
  for k, v in pairs(row) do r[k] = v end
  r.paged = nil
  r.bare = nil -- a page carries its cursor: a bare array cannot be one
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
  job.cursors, job.ids, job.count = {}, {}, 0
  return job
end

-- The count a page states (row.paged.total): nil when it states none, or
-- nil, why when what it states is not a count.
local function stated_total(job, decoded)
  local field = job.row.paged.total
  local v = field and decoded[field]
  if v == nil then return nil end
  if type(v) ~= "number" or v < 0 or v ~= math.floor(v) then
    return nil, "'" .. field .. "' is not a count: " .. args.describe(v)
  end
  return v
end

-- What is wrong with a page, given the listing so far: nil, or why.
local function check_page(job, items, nxt, decoded)
  local paged = job.row.paged
  if nxt ~= nil and (type(nxt) ~= "string" or nxt == "") then
    return "'" .. paged.next .. "' is not a cursor string"
  end
  if nxt ~= nil and job.cursors[nxt] then
    return string.format("the server gave the same cursor twice (%s, page %d): the listing goes round in circles",
      args.describe(nxt), job.pages)
  end
  local field = job.row.id_field or "id"
  for i = 1, #items do
    local id = items[i][field]
    if id ~= nil and id == id and job.ids[id] then
      return string.format("page %d lists %s %s again (first on page %d)", job.pages, field, args.describe(id),
        job.ids[id])
    end
  end
  local total, why = stated_total(job, decoded)
  if why then return why end
  local count = job.count + #items
  if total and (count > total or (nxt == nil and count ~= total)) then
    return string.format("the listing says %s = %d, and %s %d", paged.total, total,
      nxt == nil and "ends after" or "already holds", count)
  end
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
  local nxt = decoded[paged.next]
  local why = check_page(job, items, nxt, decoded)
  if why then return nil, errors.bad_response(job.op, res.status, why) end
  if nxt ~= nil then job.cursors[nxt] = true end
  local field = job.row.id_field or "id"
  for i = 1, #items do
    local id = items[i][field]
    if id ~= nil and id == id then job.ids[id] = job.pages end
  end
  job.count = job.count + #items
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
