-- The TensorPool simulator's asynchronous requests (destroys and edits of
-- clusters and storage). Each poll of /request/info answers the current
-- state, then advances it one step: PENDING, PROCESSING, COMPLETED, or
-- PENDING, FAILED for a request started with `fails`. With
-- config.request_step (seconds) requests also advance by themselves, one
-- step per that much time, as real ones do when nobody polls them (a
-- client that lost a destroy's answer can only watch the listing).
--
-- What a request does when it ends is its type's: `M.effects[type] =
-- {done = fn(st, r), failed = fn(st, r)}`, set by the modules that start
-- them. A request keeps only JSON values, so /_sim/state shows it whole.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"
local common = require "gpucloud.providers.tensorpool.sim.common"

local M = {}

local format = string.format

local TERMINAL = { COMPLETED = true, FAILED = true }
M.TERMINAL = TERMINAL

M.effects = {}

--- Start a request of `kind` on `object_id` at time `now`; `extra` holds
-- what its effects read (`_fields`, `_previous_status`) and `_fails`.
-- Returns the request id.
function M.start(st, kind, object_id, now, extra)
  local rid = format("req-%06d", st.next_request)
  st.next_request = st.next_request + 1
  local r = {
    request_id = rid, request_type = kind, status = "PENDING", created_at = common.now_iso(),
    object_id = object_id, external_message = json.null, _stepped = now,
  }
  for k, v in pairs(extra or {}) do r[k] = v end
  st.requests[rid] = r
  st.request_order[#st.request_order + 1] = rid
  return rid
end

local function advance(st, r)
  local effect = M.effects[r.request_type] or {}
  if r.status == "PENDING" and r._fails then
    r.status = "FAILED"
    r.external_message = r._fails
    if effect.failed then effect.failed(st, r) end
  elseif r.status == "PENDING" or r.status == "RETRYING" then
    r.status = "PROCESSING"
  elseif r.status == "PROCESSING" then
    r.status = "COMPLETED"
    if effect.done then effect.done(st, r) end
  end
end

--- Requests nobody polled, advanced by the time that passed.
function M.tick(st, req)
  local step = tonumber(req.config.request_step)
  if not step or step <= 0 then return end
  for _, rid in ipairs(st.request_order) do
    local r = st.requests[rid]
    while not TERMINAL[r.status] and req.now - (r._stepped or req.now) >= step do
      r._stepped = r._stepped + step
      advance(st, r)
    end
  end
end

--- GET /request/info/{request_id}
function M.info(req)
  local r = req.state.requests[req.captures[1]]
  if not r then return common.detail(404, "Request not found") end
  local snapshot = values.public(r)
  local headers
  if not TERMINAL[r.status] then headers = { ["Retry-After"] = tostring(req.config.retry_after) } end
  advance(req.state, r)
  return 200, snapshot, headers
end

--- The requests in the order they were made, for /_sim/state.
function M.snapshot(st)
  local out = json.array()
  for i, rid in ipairs(st.request_order) do out[i] = st.requests[rid] end
  return out
end

return M
