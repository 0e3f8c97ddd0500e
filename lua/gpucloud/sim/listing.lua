-- Listings as the simulator serves them: a list of a provider's state,
-- public fields only (values.public_list), whole or a page at a time. One
-- rule for every paged route: records in id order, a page of at most
-- `max`, and a cursor that names the last id of the page before (opaque
-- to clients). A route that lists a field of its state with no more to it
-- than a shape needs no handler of its own (M.handler), and may carry its
-- seed (a route's `seed`, see sim/fixture.lua).

local values = require "gpucloud.sim.values"

local M = {}

local format = string.format

-- A cursor names the last id of the page before.
local function cursor(id) return format("c%x", id) end
local function after(token)
  local hex = type(token) == "string" and token:match("^c(%x+)$")
  return hex and tonumber(hex, 16)
end

local function by_id(list, field)
  local out = {}
  for i, v in ipairs(list) do out[i] = v end
  table.sort(out, function(a, b) return a[field] < b[field] end)
  return out
end

--- One page of `items` for a request's `query`. opts: `max` (the page's
-- largest size, and its default), `limit` (the query's size field,
-- default "limit"), `cursor` (the query's cursor field, default
-- "after_token"), `id` (the records' id field, default "id").
-- -> the page (public fields), the next cursor (nil on the last page) |
-- nil, why (a size or cursor the route answers 400 for, in its own words).
function M.page(query, items, opts)
  local size_field, cursor_field, id = opts.limit or "limit", opts.cursor or "after_token", opts.id or "id"
  local limit = opts.max
  if query[size_field] ~= nil then
    limit = tonumber(query[size_field])
    if not limit or limit < 1 or limit ~= math.floor(limit) then
      return nil, size_field .. " must be a positive integer"
    end
    limit = math.min(limit, opts.max)
  end
  local from = 0
  if query[cursor_field] ~= nil then
    from = after(query[cursor_field])
    if not from then return nil, "Invalid " .. cursor_field end
  end
  local page, last = {}, nil
  for _, x in ipairs(by_id(items, id)) do
    if x[id] > from then
      if #page == limit then
        last = page[#page][id]
        break
      end
      page[#page + 1] = x
    end
  end
  return values.public_list(page), last and cursor(last) or nil
end

--- A handler that lists the state's `field` whole: a bare JSON array, or
-- the array under `under` (a table of fixed fields may go beside it:
-- `extra`). E.g. { "GET", "/api/v0/audit_logs/", listing.handler("audit_logs"), auth = "console" }.
function M.handler(field, under, extra)
  return function(req)
    local list = values.public_list(req.state[field] or {})
    if not under then return 200, list end
    local out = {}
    for k, v in pairs(extra or {}) do out[k] = v end
    out[under] = list
    return 200, out
  end
end

return M
