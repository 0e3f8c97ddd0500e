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
local cjson = require "cjson.safe"

local M = {}

local vast          -- made in init_by_lua; each worker inherits it
local CONCURRENCY = 4
local MAX_IDS = 50  -- a typo in a filter must not delete a fleet

--- From init_by_lua: the client (key and URLs from opts, else VAST_API_KEY
-- and VAST_URL, which nginx.conf passes through with `env`).
function M.init(opts)
  vast = gpucloud.vast(opts)
end

local function reply(status, value)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(value))
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

local function endpoint_id()
  local id = tonumber(ngx.var.endpoint_id)
  if not id or id < 1 or id ~= math.floor(id) then return reply(400, { error = "bad endpoint id" }) end
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
  ngx.shared.gpucloud_jobs:set("last_cleanup", cjson.encode(report))
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
  local body = cjson.decode(ngx.req.get_body_data() or "")
  local ids = type(body) == "table" and body.workergroups
  if type(ids) ~= "table" or #ids == 0 or #ids > MAX_IDS then
    return reply(400, { error = "want {\"workergroups\": [ids]} with 1 to " .. MAX_IDS .. " ids" })
  end
  for _, id in ipairs(ids) do
    if type(id) ~= "number" or id < 1 or id ~= math.floor(id) then
      return reply(400, { error = "workergroup ids are positive integers" })
    end
  end
  ngx.shared.gpucloud_jobs:delete("last_cleanup")
  local ok, err = ngx.timer.at(0, cleanup, ids)
  if not ok then return reply(503, { error = "cannot start the timer: " .. tostring(err) }) end
  return reply(202, { scheduled = #ids })
end

return M
