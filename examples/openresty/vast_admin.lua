-- Vast.ai admin endpoints and a clean-up job inside nginx/OpenResty (see
-- nginx.conf beside this file). Every call below runs in a handler or a
-- timer, so gpucloud talks through cosockets and the worker keeps serving
-- other requests while Vast.ai answers.
--
--   GET    /vast/endpoints/{id}/workers   the endpoint's workers
--   DELETE /vast/endpoints/{id}           delete the endpoint
--   POST   /vast/cleanup {"workergroups": [ids]}
--                                         delete them from a timer; 202 at once
--   GET    /vast/cleanup                  the last clean-up's report

-- luacheck: globals ngx
local gpucloud = require "gpucloud"
-- gpucloud's JSON: an empty list is written [] (cjson.encode writes {}),
-- and arrays stay arrays when read back
local json = require "gpucloud.json"
-- the library's id rules: text as typed in a URL, numbers as decoded JSON
local id_text = require("gpucloud.cli.checks").vast_id
local id_number = require("gpucloud.args").vast_id

local M = {}

local vast          -- made in init_by_lua; each worker inherits it
local CONCURRENCY = 4
local MAX_IDS = 50  -- a typo in a filter must not delete a fleet

--- From init_by_lua: the client (key and URLs from opts, else VAST_API_KEY
-- and VAST_URL, which nginx.conf passes through with `env`). Every call is
-- paced at Vast.ai's documented rates (rate = true); with `pace_dict`, a
-- lua_shared_dict, every worker paces against the same slots, so four
-- workers do not send four times the rate.
function M.init(opts)
  local o = { rate = true }
  for k, v in pairs(opts or {}) do o[k] = v end
  vast = gpucloud.vast(o)
end

local function reply(status, value)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.say(json.encode(value))
  return ngx.exit(status)
end

-- err is a gpucloud error value: tostring gives one line, never the key.
-- A 4xx from Vast.ai is passed on; anything else is the gateway's failure.
local function failed(err)
  local status = 502
  if err.code == "not_found" then
    status = 404 -- Vast.ai's run host says so in a 200 with a bare string
  elseif err.status and err.status >= 400 and err.status < 500 then
    status = err.status
  end
  return reply(status, { error = tostring(err), code = err.code, retryable = err.retryable })
end

-- The id in the URL, as typed: decimal digits, 1 to 2^53 (never tonumber,
-- which reads 1e20, 0x65 and 1.5 as numbers and rounds past 2^53).
local function endpoint_id()
  local id, why = id_text(ngx.var.endpoint_id)
  if not id then return reply(400, { error = why, code = "invalid" }) end
  return id
end

function M.endpoint_workers()
  local id = endpoint_id()
  local workers, err = vast:get_endpoint_workers(id)
  if not workers then return failed(err) end
  return reply(200, { endpoint = id, count = #workers, workers = workers })
end

function M.delete_endpoint()
  local id = endpoint_id()
  local res, err = vast:delete_endpoint(id)
  if not res then return failed(err) end
  return reply(200, res)
end

-- The timer job: delete workergroups a few at a time (light threads under
-- the hood) and keep the report in the shared dict for GET /vast/cleanup.
local function cleanup(premature, ids)
  if premature then return end -- nginx is shutting down
  local r = vast:delete_workergroups(ids, { concurrency = CONCURRENCY, max = MAX_IDS })
  local report = { deleted = r.ok, failed = {}, seconds = r.elapsed }
  for _, id in ipairs(r:failed_ids()) do
    local err = r.failed[id]
    report.failed[#report.failed + 1] = {
      id = id, error = tostring(err), code = err.code, may_have_landed = err.may_have_landed,
    }
  end
  ngx.shared.gpucloud_jobs:set("last_cleanup", json.encode(report))
end

function M.cleanup()
  if ngx.req.get_method() == "GET" then
    local last = ngx.shared.gpucloud_jobs:get("last_cleanup")
    if not last then return reply(404, { error = "no clean-up has finished yet" }) end
    ngx.header["Content-Type"] = "application/json"
    ngx.say(last)
    return
  end
  ngx.req.read_body()
  local body = json.decode(ngx.req.get_body_data() or "")
  local ids = type(body) == "table" and body.workergroups
  if not json.is_array(ids) or #ids == 0 or #ids > MAX_IDS then
    return reply(400, { error = "want {\"workergroups\": [ids]} with 1 to " .. MAX_IDS .. " ids", code = "invalid" })
  end
  for i, id in ipairs(ids) do
    ids[i] = id_number(id)
    if not ids[i] then
      return reply(400, { error = "workergroup ids are integers from 1 to 2^53", code = "invalid" })
    end
  end
  ngx.shared.gpucloud_jobs:delete("last_cleanup")
  local ok, err = ngx.timer.at(0, cleanup, ids)
  if not ok then return reply(503, { error = "cannot start the timer: " .. tostring(err) }) end
  return reply(202, { scheduled = #ids })
end

return M
