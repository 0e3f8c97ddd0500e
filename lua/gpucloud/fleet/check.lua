-- `gpucloud journal check FILE` / fleet:check_journal(path): every intent
-- of a journal resolved against fresh listings of the kinds it names.
-- Each intent is `gone` (absent from its kind's listing, or listed as
-- being destroyed), `still there` (listed, with what the listing shows),
-- or `unknown` (its kind could not be listed, or the fleet has no client
-- of its provider). An intent with no outcome line is `unresolved`: the
-- run stopped while the call was in flight; the listing says what became
-- of it. Lines that are not whole JSON are named too.

local journal = require "gpucloud.journal"
local errors = require "gpucloud.errors"

local M = {}

local format = string.format

local Result = {}
Result.__index = Result

local function outcome_text(o)
  if not o then return "UNRESOLVED: no outcome recorded" end
  local parts = { o.outcome }
  if o.status then parts[#parts + 1] = "HTTP " .. tostring(o.status) end
  if o.code then parts[#parts + 1] = o.code end
  if o.attempts then parts[#parts + 1] = format("%d attempt%s", o.attempts, o.attempts == 1 and "" or "s") end
  return table.concat(parts, ", ")
end

Result.__tostring = function(r)
  local lines = {}
  for _, it in ipairs(r.items) do
    local now = it.resolution
    if it.resolution == "still there" then
      now = format("STILL THERE (state %s, status %s)", tostring(it.state or "unknown"), tostring(it.status))
    elseif it.resolution == "unknown" then
      now = "unknown: " .. tostring(it.why)
    end
    lines[#lines + 1] = format("line %d  %s  %s  %s -> %s", it.line, it.key, it.op or "?", outcome_text(it.outcome),
      now)
  end
  for _, d in ipairs(r.damaged) do
    lines[#lines + 1] = format("line %d  damaged: %s", d.line, d.text)
  end
  lines[#lines + 1] = format("%d intent%s: %d gone, %d still there, %d unknown; %d without an outcome%s",
    #r.items, #r.items == 1 and "" or "s", r.gone, r.still_there, r.unknown, r.unresolved,
    #r.damaged > 0 and format("; %d damaged line%s", #r.damaged, #r.damaged == 1 and "" or "s") or "")
  return table.concat(lines, "\n")
end

local function kind_of(fleet, it)
  return fleet.by_provider[it.provider].map.kinds[it.kind]
end

--- Resolve every intent of the journal at `path`: a result {items =
-- {line, at, plan, key, op, outcome, unresolved, resolution, state,
-- status, why}, damaged = {{line, text}}, gone, still_there, unknown,
-- unresolved, ok (nothing still there or unknown)}, or nil and an err
-- when the journal cannot be read.
function M.run(fleet, path)
  local intents, damaged = journal.read(path)
  if not intents then
    return nil, errors.local_failure("fleet.check_journal", "invalid", "journal " .. tostring(damaged))
  end
  local F = require "gpucloud.fleet"
  local have = {}
  for _, k in ipairs(fleet:kinds()) do have[k] = true end
  local wanted, kinds = {}, {}
  for _, it in ipairs(intents) do
    local k = it.kind and (it.provider .. ":" .. it.kind)
    if k and have[k] and not wanted[k] then
      wanted[k] = true
      kinds[#kinds + 1] = k
    end
  end
  local present, failed = {}, {}
  if #kinds > 0 then
    for _, r in ipairs(F.list_jobs(fleet, F.select_kinds(fleet, kinds, 2))) do
      for _, row in ipairs(r[1] or {}) do present[row.key] = row end
      for _, e in ipairs(r[2] or {}) do failed[e.fleet] = e end
    end
  end
  local res = setmetatable({ items = {}, damaged = damaged, gone = 0, still_there = 0, unknown = 0,
                             unresolved = 0 }, Result)
  for _, it in ipairs(intents) do
    local k = it.kind and (it.provider .. ":" .. it.kind)
    local item = { line = it.line, at = it.at, plan = it.plan, key = it.key, op = it.op, outcome = it.outcome,
                   unresolved = it.outcome == nil or nil }
    local row = present[it.key]
    local kind = k and have[k] and kind_of(fleet, it)
    if row and (row.state == "gone" or (kind.done and kind.done(row))) then row = nil end
    if not k then
      item.resolution, item.why = "unknown", "no fleet kind lists what " .. tostring(it.op) .. " deletes"
    elseif not have[k] then
      item.resolution, item.why = "unknown", "this fleet cannot list " .. k
    elseif failed[k] then
      item.resolution, item.why = "unknown", "listing " .. k .. " failed: " .. tostring(failed[k])
    elseif row then
      item.resolution, item.state, item.status = "still there", row.state, row.status
    else
      item.resolution = "gone"
    end
    local count = item.resolution == "still there" and "still_there" or item.resolution
    res[count] = res[count] + 1
    if item.unresolved then res.unresolved = res.unresolved + 1 end
    res.items[#res.items + 1] = item
  end
  res.ok = res.still_there == 0 and res.unknown == 0
  return res
end

return M
