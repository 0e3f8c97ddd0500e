-- A bulk run's report in the command line's words: one word per verb
-- (deleted, destroyed, stopped, started, canceled), the noun agreeing with
-- its count ("1 endpoint"), every id named (with its name and state where
-- a dry run read them), long lists folded with a count, and hints in
-- command-line words (--unprotect, not a Lua option).

local M = {}

local format, concat = string.format, table.concat

local FOLD = 20 -- lines shown of a long list; the rest as a count

local function text(id)
  if type(id) == "number" and id == math.floor(id) then return format("%d", id) end
  return tostring(id)
end

--- "1 endpoint", "2 endpoints": `b` is a row's bulk words.
function M.count(n, b)
  if n == 1 then return "1 " .. (b.one or (b.noun:gsub("s$", ""))) end
  return n .. " " .. b.noun
end

-- Lines for `items` (strings), folded after FOLD with a count.
local function folded(lines, items)
  for i, s in ipairs(items) do
    if i > FOLD then
      lines[#lines + 1] = format("  ... and %d more", #items - FOLD)
      return
    end
    lines[#lines + 1] = "  " .. s
  end
end
M.folded = folded

--- Rows of cells as aligned lines (each cell padded to its column's width).
function M.aligned(rows)
  local widths = {}
  for _, r in ipairs(rows) do
    for j, c in ipairs(r) do widths[j] = math.max(widths[j] or 0, #c) end
  end
  local out = {}
  for i, r in ipairs(rows) do
    local parts = {}
    for j, c in ipairs(r) do parts[j] = c .. string.rep(" ", widths[j] - #c) end
    out[i] = (concat(parts, "  "):gsub("%s+$", ""))
  end
  return out
end

-- An id's cells with what is known of it: "201", "vLLM-Qwen3-8B", "running".
local function named(id, names)
  local n = names and names[id]
  if not n then return { text(id) } end
  if n.missing then return { text(id), "(does not exist)" } end
  -- a name that is the id (a bucket's) is said once
  local name = n.name ~= nil and tostring(n.name) or ""
  return { text(id), name ~= text(id) and name or "", n.status ~= nil and tostring(n.status) or "" }
end

-- "201, 202, 203"
local function ids_text(ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = text(id) end
  return concat(out, ", ")
end

local function done_word(b)
  return b.done or (b.verb:gsub("e?$", "ed"))
end
M.done_word = done_word

--- The report `r` of a bulk command (row: its command row; ids: the
-- distinct ids in order; names: {[id] = {name, status} | {missing =
-- true}} when a dry run read the listing).
function M.text(r, row, ids, names)
  local b = row.bulk
  local lines = {}
  if r.dry_run then
    local missing = {}
    for _, id in ipairs(r.would_delete or ids) do
      if names and names[id] and names[id].missing then missing[#missing + 1] = id end
    end
    local n = #(r.would_delete or ids)
    lines[1] = format("dry run: would %s %s%s, nothing sent:", b.verb, M.count(n, b),
      #missing > 0 and format(" (%d of them do%s not exist)", #missing, #missing == 1 and "es" or "") or "")
    local items = {}
    for i, id in ipairs(r.would_delete or ids) do items[i] = named(id, names) end
    folded(lines, M.aligned(items))
  else
    local failed = {}
    for _, id in ipairs(ids) do
      if r.failed[id] then failed[#failed + 1] = id end
    end
    local ok = {}
    for i, id in ipairs(r.ok) do ok[i] = text(id) end
    local shown = #ok > 0 and (": " .. concat(ok, ", ", 1, math.min(#ok, FOLD))
      .. (#ok > FOLD and format(" and %d more", #ok - FOLD) or "")) or ""
    local unstarted = r.not_started or {}
    if r.interrupted then
      -- stopped early: what was done of all, and what never started
      lines[1] = format("%s %d of %s, %d failed, %d not started, in %.2f s, interrupted (%s)%s", done_word(b),
        #r.ok, M.count(#ids, b), #failed, #unstarted, r.elapsed or 0, r.interrupted, shown)
    elseif #failed > 0 then
      lines[1] = format("%s %d of %s, %d failed, in %.2f s%s", done_word(b), #r.ok, M.count(#ids, b), #failed,
        r.elapsed or 0, shown)
    else
      lines[1] = format("%s %s in %.2f s%s", done_word(b), M.count(#r.ok, b), r.elapsed or 0, shown)
    end
    local landed = {}
    for _, id in ipairs(failed) do
      if r.interrupted and r.failed[id].may_have_landed then landed[#landed + 1] = id end
    end
    if #landed > 0 then lines[#lines + 1] = "  failed, but may have been carried out: " .. ids_text(landed) end
    if #unstarted > 0 then lines[#lines + 1] = "  not started: " .. ids_text(unstarted) end
    if #r.maybe_deleted > 0 then
      lines[#lines + 1] = "  gone, perhaps by an attempt whose answer was lost: " .. ids_text(r.maybe_deleted)
    end
    if r.unprotected and #r.unprotected > 0 then
      lines[#lines + 1] = "  deletion protection turned off: " .. ids_text(r.unprotected)
    end
    local items = {}
    for i, id in ipairs(failed) do
      items[i] = "failed " .. text(id) .. ": " .. (tostring(r.failed[id]):gsub("^gpucloud: ", ""))
    end
    folded(lines, items)
  end
  if r.protected and #r.protected > 0 then
    lines[#lines + 1] = "  deletion protection on: " .. ids_text(r.protected)
      .. (r.unprotect and " (turned off when a destroy is refused for it)" or " (refused unless --unprotect)")
  elseif r.protected_unknown then
    lines[#lines + 1] = "  deletion protection unknown: " .. tostring(r.protected_unknown)
  end
  -- skipped: the ids not started (said above), and the repeated ones
  local unsaid, repeated = {}, {}
  for _, id in ipairs(r.not_started or {}) do unsaid[id] = (unsaid[id] or 0) + 1 end
  for _, id in ipairs(r.skipped or {}) do
    if (unsaid[id] or 0) > 0 then unsaid[id] = unsaid[id] - 1 else repeated[#repeated + 1] = id end
  end
  if #repeated > 0 then
    lines[#lines + 1] = "  given more than once (done once): " .. ids_text(repeated)
  end
  return concat(lines, "\n")
end

return M
