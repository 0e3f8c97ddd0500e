-- How Vast.ai's billable things look in the fleet view: one table per kind,
-- naming the listing, the fields, the common state, the cost rule (read by
-- fleet/cost.lua, which says what each source form means) and the bulk
-- call that deletes them; and `charges`, what was billed (the contract in
-- DEVELOPERS.md "Adding a provider"). Read by gpucloud.fleet; documented in
-- README "Fleet" and docs/vast.md "What gpucloud assumes about money".

local json = require "gpucloud.json"
local key = require("gpucloud.fleet.row").key
local ops = require("gpucloud.providers.vast").spec.ops
local pricing = require "gpucloud.providers.vast.pricing"

local M = {}

-- Workers that do nothing; an endpoint all of whose workers are so is idle.
local IDLE_WORKER = { stopped = true, error = true, exited = true, offline = true }

-- Instances: actual_status -> state (exited, offline and unknown never come
-- back to running: failed).
local INSTANCE_STATE = {
  running = "running", created = "pending", loading = "pending", rebooting = "pending",
  stopped = "stopped", frozen = "stopped", exited = "failed", offline = "failed", unknown = "failed",
}

-- How many things of a kind `n` listed rows stand for in requests: what
-- re-reading the kind by its listing costs (fleet/drift.lua compares it
-- with `show` per thing, `show_requests` each).
local PAGE = ops.show_instances.paged.limit

M.kinds = {
  endpoint = {
    list = "show_endpoints", id = "id", name = "endpoint_name", status = "endpoint_state",
    created_at = "created_at",
    state = function(r)
      if r.endpoint_state == "stopped" or r.endpoint_state == "suspended" then return "stopped" end
      return "running" -- refined to idle by the workers, below
    end,
    -- An active endpoint is idle when none of its workers does anything;
    -- one whose workers cannot be read keeps no state (nothing selects it)
    -- and says why in state_error. A stopped one's workers are read for
    -- its cost only (their disks still bill).
    refine = function(client, rows)
      local ids = {}
      for _, row in ipairs(rows) do ids[#ids + 1] = row.id end
      if #ids == 0 then return end
      -- one read per endpoint, concurrently, at the run host's rate (it
      -- documents none today: then they are not paced)
      local r = client:batch("get_endpoint_workers", ids, { rate = true })
      for _, row in ipairs(rows) do
        local workers, err = r.results[row.id], r.failed[row.id]
        if workers then
          local busy = 0
          row.worker_ids = {}
          for i, w in ipairs(workers) do
            if not IDLE_WORKER[w.status] then busy = busy + 1 end
            row.worker_ids[i] = w.id
          end
          if row.state == "running" then row.state = busy == 0 and "idle" or "running" end
          row.workers = #workers
        elseif err then
          if row.state == "running" then row.state, row.state_error = nil, err end
          row.workers_error = err
        end
      end
    end,
    cost = { pricing.endpoint },
    delete = "delete_endpoints", stage = 2,
    -- one endpoint again: its show and its workers; the listing: one page
    -- and the workers of every active endpoint
    show = "show_endpoint", show_requests = 2,
    list_cost = function(rows)
      local n = 1
      for _, row in ipairs(rows) do
        if row.workers ~= nil or row.state_error ~= nil then n = n + 1 end
      end
      return n
    end,
  },
  workergroup = {
    list = "show_workergroups", id = "id", name = "endpoint_name",
    created_at = "created_at",
    state = function() return "running" end,
    parent = function(r) return r.endpoint_id and key("vast", "endpoint", r.endpoint_id) end,
    cost = { pricing.workergroup },
    delete = "delete_workergroups", stage = 1,
  },
  instance = {
    list = "show_instances", id = "id", name = "label", label = "label", status = "actual_status",
    created_at = "start_date", cost = pricing.instance, next_cost = pricing.instance_next,
    show = "show_instance",
    list_cost = function(rows) return math.max(1, math.ceil(#rows / PAGE)) end,
    state = function(r) return INSTANCE_STATE[r.actual_status] or (r.actual_status == nil and "pending" or nil) end,
    delete = "destroy_instances", stage = 1,
    needs = "show_instances",
    -- what of fleet:list's `where` the listing can ask the server for
    -- (select_filters): pages then carry only those instances
    select = function(where)
      local f = {}
      local states = where.state
      if type(states) == "string" then states = { states } end
      if type(states) == "table" and #states > 0 then
        local statuses = {}
        for status, state in pairs(INSTANCE_STATE) do
          for _, want in ipairs(states) do
            if state == want then statuses[#statuses + 1] = status end
          end
        end
        table.sort(statuses)
        for _, want in ipairs(states) do
          if want == "pending" then statuses[#statuses + 1] = json.null end -- no status yet: pending
        end
        -- no status gives these states: the rows' own filter says so
        if #statuses > 0 then f.actual_status = statuses end
      end
      if type(where.name) == "string" then f.label = where.name end
      if next(f) then return f end
    end,
  },
  volume = {
    list = "show_volumes", id = "id", name = "label", label = "label", status = "status",
    created_at = "start_date",
    state = function(r)
      if type(r.instances) == "table" and #r.instances > 0 then return "running" end
      return "idle"
    end,
    parent = function(r)
      if type(r.instances) ~= "table" or #r.instances == 0 then return nil end
      local out = {}
      for i, id in ipairs(r.instances) do out[i] = key("vast", "instance", id) end
      return out
    end,
    cost = { pricing.volume },
    delete = "delete_volumes", stage = 2,
    needs = "show_volumes",
  },
  -- a wrapper over one endpoint: its workers are what bills
  deployment = {
    list = "show_deployments", id = "id", name = "name", created_at = "created_at",
    state = function() return "running" end,
    cost = { pricing.deployment },
    delete = "delete_deployments", stage = 1,
  },
}

M.charges = pricing.charges

return M
