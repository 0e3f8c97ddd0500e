-- Vast.ai, as data. Two hosts: console (REST, /api/v0/...) and run (the
-- autoscaler calls). The wire: docs/vast.md. Method names follow the
-- official CLI's words in snake_case (`show_`, `delete_`, `get_`).
--
-- Row fields (define.lua, request.lua, call.lua read them):
--   method, host, path ({name} from args), args ({name, check} from
--   gpucloud.args), body (field names from args sent as a JSON object),
--   query ({name, check} per-call options sent in the query string),
--   list / object (the answer's shape), id_field (what list:ids() reads),
--   idempotent (safe to repeat after a lost answer), read (a POST that
--   changes nothing), rate (the documented requests per second), sample
--   (arguments the simulator's seed knows, which the secrets spec calls the
--   row with; else derived from the checks: describe.sample), and the
--   fields of DEVELOPERS.md's list (paged, null_is, body_const, body_opts).

local args = require "gpucloud.args"
local define = require "gpucloud.define"
local json = require "gpucloud.json"

-- select_filters from a Lua table (filters.lua), loaded at the first
-- listing given filters: a client that lists none never loads it
local function select_filters(v)
  return require("gpucloud.providers.vast.filters").select_filters(v)
end

-- A check or reader of billing.lua (charges, invoices, price increases,
-- and the times they hold), loaded at the first billing call: a client
-- that makes none never loads it
local billing_mod
local function billing(name)
  return function(...)
    billing_mod = billing_mod or require "gpucloud.providers.vast.billing"
    return billing_mod[name](...)
  end
end

-- Which endpoint, as a logs call's body names it: an id is {"id": N} (what
-- the official CLI sends), a name {"endpoint": "<name>"} (the documented form).
local function endpoint_ref(v)
  if type(v) == "string" and v ~= "" then return json.object { endpoint = v } end
  local id = args.vast_id(v)
  if id then return json.object { id = id } end
  return nil, "an endpoint id (a positive integer) or name (a non-empty string)"
end

local VOLUME_TYPES = { all_volume = true, local_volume = true, network_volume = true }
local function volume_type(v)
  if VOLUME_TYPES[v] then return v end
  return nil, '"all_volume", "local_volume" or "network_volume"'
end

-- What update_endpoint may change, and how each is checked.
local ENDPOINT_STATES = { active = true, suspended = true, stopped = true }
local function number(v) return type(v) == "number" and v == v and v >= 0 and v < math.huge end
local ENDPOINT_FIELDS = {
  endpoint_state = function(v) return ENDPOINT_STATES[v] end,
  endpoint_name = function(v) return type(v) == "string" and v ~= "" end,
  min_load = number, min_cold_load = number, target_util = number, cold_mult = number,
  cold_workers = number, max_workers = number, max_queue_time = number, target_queue_time = number,
  inactivity_timeout = number,
}
local function endpoint_fields(t)
  if type(t) ~= "table" or next(t) == nil then return nil, "a non-empty table of fields to change" end
  for k, v in pairs(t) do
    local ok = ENDPOINT_FIELDS[k]
    if not ok then return nil, nil, "unknown field " .. args.describe(k) .. " (see docs/vast.md, update endpoint)" end
    if not ok(v) then
      return nil, nil, string.format("%s may not be %s%s", k, args.describe(v),
        k == "endpoint_state" and ' (one of "active", "suspended", "stopped")' or "")
    end
  end
  local out = json.object()
  for k, v in pairs(t) do out[k] = v end
  return out
end

local spec = {
  name = "vast",
  title = "Vast.ai",
  hosts = {
    console = { option = "url", env = "VAST_URL", default = "https://console.vast.ai" },
    -- the official CLI sends autoscaler calls to a console override too
    run = { option = "run_url", env = "VAST_RUN_URL", default = "https://run.vast.ai", follows = "console" },
  },
  key = {
    env = { "VAST_API_KEY" },
    files = function(getenv)
      local home = getenv("HOME")
      local xdg = getenv("XDG_CONFIG_HOME")
      if xdg == "" then xdg = nil end
      local files = {}
      if xdg or home then files[#files + 1] = (xdg or (home .. "/.config")) .. "/vastai/vast_api_key" end
      if home then files[#files + 1] = home .. "/.vast_api_key" end
      return files
    end,
  },
  -- The server's own codes whose meaning its status does not carry: a bad
  -- key on the console host is a 404, and must never read as "not there".
  server_codes = {
    auth_error = "unauthorized",
    invalid_api_key = "unauthorized",
    deprecated_endpoint = "deprecated",
    rate_limit_exceeded = "rate_limited",
  },
  -- many at once (client:batch does the same for any operation)
  bulk = {
    delete_workergroups = { op = "delete_workergroup" },
    delete_endpoints = { op = "delete_endpoint" },
    -- instances and volumes (issue 12); stop and start are not deletions:
    -- bulk's `max` guard is for what cannot be undone
    destroy_instances = { op = "destroy_instance" },
    stop_instances = { op = "stop_instance" },
    start_instances = { op = "start_instance" },
    delete_volumes = { op = "delete_volume" },
    delete_deployments = { op = "delete_deployment" },
    stop_deployments = { op = "stop_deployment" },
    start_deployments = { op = "start_deployment" },
  },
  ops = {
    delete_workergroup = {
      method = "DELETE", host = "console", path = "/api/v0/workergroups/{id}/",
      args = { { "id", "vast_id" } }, idempotent = true, rate = 3.0,
      sample = { 202 },
    },
    delete_endpoint = {
      method = "DELETE", host = "console", path = "/api/v0/endptjobs/{id}/",
      args = { { "id", "vast_id" } }, idempotent = true, rate = 3.0,
      sample = { 102 },
    },
    get_workergroup_workers = {
      method = "POST", host = "run", path = "/get_workergroup_workers/",
      args = { { "id", "vast_id" } }, body = { "id" },
      list = "workers", idempotent = true, read = true,
      sample = { 201 },
    },
    -- the official CLI also takes a bare list here (docs/vast.md)
    get_endpoint_workers = {
      method = "POST", host = "run", path = "/get_endpoint_workers/",
      args = { { "id", "vast_id" } }, body = { "id" },
      list = "workers", bare = true, idempotent = true, read = true,
      sample = { 101 },
    },
    show_endpoints = {
      method = "GET", host = "console", path = "/api/v0/endptjobs/",
      list = "results", idempotent = true, rate = 3.0,
    },
    show_workergroups = {
      method = "GET", host = "console", path = "/api/v0/workergroups/",
      list = "results", idempotent = true, rate = 2.0,
    },
    show_endpoint = {
      method = "GET", host = "console", path = "/api/v0/endptjobs/{id}/",
      args = { { "id", "vast_id" } }, object = "result", idempotent = true,
      sample = { 102 },
      echo = { id = "id" }, echo_optional = true,
    },
    -- {endpoint_state = "stopped"} is the pause that deletes nothing
    update_endpoint = {
      method = "PUT", host = "console", path = "/api/v0/endptjobs/{id}/",
      args = { { "id", "vast_id" }, { "fields", endpoint_fields } }, body = "fields",
      idempotent = true, rate = 2.0,
      sample = { 102, { endpoint_state = "stopped" } },
    },
    get_endpoint_logs = {
      method = "POST", host = "run", path = "/get_endpoint_logs/",
      args = { { "endpoint", endpoint_ref } }, body = "endpoint", body_opts = { { "tail", "positive_int" } },
      idempotent = true, read = true,
      sample = { 102 },
    },
    get_workergroup_logs = {
      method = "POST", host = "run", path = "/get_workergroup_logs/",
      args = { { "id", "vast_id" } }, body = { "id" }, body_opts = { { "tail", "positive_int" } },
      idempotent = true, read = true,
      sample = { 201 },
    },

    -- Instances. The old listing (GET /api/v0/instances/) answers 410.
    show_instances = {
      method = "GET", host = "console", path = "/api/v1/instances/",
      args = { { "filters", select_filters, query = "select_filters" } },
      list = "instances", idempotent = true, rate = 1.0,
      -- every page states how many instances match: the listing must hold that many
      paged = { cursor = "after_token", next = "next_token", limit = 25, each = "each_instance",
                total = "instances_found" },
    },
    show_instance = {
      method = "GET", host = "console", path = "/api/v0/instances/{id}/?owner=me",
      args = { { "id", "vast_id" } }, object = "instances", null_is = "not_found", idempotent = true, rate = 2.0,
      sample = { 5001 },
      echo = { id = "id" }, echo_optional = true,
    },
    destroy_instance = {
      method = "DELETE", host = "console", path = "/api/v0/instances/{id}/",
      args = { { "id", "vast_id" } }, body = {}, idempotent = true, rate = 3.0,
      sample = { 5006 },
    },
    stop_instance = {
      method = "PUT", host = "console", path = "/api/v0/instances/{id}/",
      args = { { "id", "vast_id" } }, body = {}, body_const = { state = "stopped" }, idempotent = true, rate = 1.0,
      sample = { 5002 },
    },
    start_instance = {
      method = "PUT", host = "console", path = "/api/v0/instances/{id}/",
      args = { { "id", "vast_id" } }, body = {}, body_const = { state = "running" }, idempotent = true, rate = 1.0,
      sample = { 5004 },
    },
    label_instance = {
      method = "PUT", host = "console", path = "/api/v0/instances/{id}/",
      args = { { "id", "vast_id" }, { "label", "string" } }, body = { "label" }, idempotent = true, rate = 1.0,
      sample = { 5005, "x" },
    },

    -- Volumes
    show_volumes = {
      method = "GET", host = "console", path = "/api/v0/volumes?owner=me",
      query = { { "type", volume_type, default = "all_volume" } },
      list = "volumes", idempotent = true, rate = 5.5,
    },
    delete_volume = {
      method = "DELETE", host = "console", path = "/api/v0/volumes/?id={id}",
      args = { { "id", "vast_id" } }, idempotent = true, rate = 5.5,
      sample = { 3002 },
    },

    -- Audit logs: the account's API calls (the CLI's `show audit-logs`; key
    -- scope `misc`; no documented rate). A bare JSON array of {ip_address,
    -- api_key_id, created_at, api_route, args}; `args` may carry a
    -- request's arguments, keys among them: hidden where it is read.
    show_audit_logs = {
      method = "GET", host = "console", path = "/api/v0/audit_logs/",
      list = true, idempotent = true, hide = { "args" },
    },

    -- Money (issue 21): what was billed, what was paid, what will cost more.
    -- Charges are per contract and UTC day; both days are required.
    show_charges = {
      method = "GET", host = "console", path = "/api/v0/charges/",
      args = { { "range", billing "charges_range", query = "select_filters" } },
      sample = { { from = "2026-01-01", to = "2026-01-02" } },
      list = "results", item = billing "charge", id_field = "key", idempotent = true, rate = 1.0,
      paged = { cursor = "after_token", next = "next_token", limit = 500, each = "each_charge" },
    },
    show_invoices = {
      method = "GET", host = "console", path = "/api/v1/invoices/",
      args = { { "range", billing "invoices_range", query = "select_filters" } },
      sample = { { from = "2026-01-01", to = "2026-01-02" } },
      list = "results", item = billing "invoice", idempotent = true, rate = 3.0,
      paged = { cursor = "after_token", next = "next_token", limit = 100, each = "each_invoice" },
    },
    show_pending_price_increases = {
      method = "GET", host = "console", path = "/api/v0/instances/pending-price-increases/",
      list = "pending_price_increases", item = billing "price_increase", id_field = "pending_price_increase_id",
      idempotent = true,
    },

    -- Deployments: a wrapper over one endpoint and workergroup. Stopping
    -- one stops its workers, whose disks still bill; only delete ends it.
    show_deployments = {
      method = "GET", host = "console", path = "/api/v0/deployments/",
      list = "deployments", idempotent = true, rate = 3.0,
    },
    show_deployment = {
      method = "GET", host = "console", path = "/api/v0/deployment/{id}/",
      args = { { "id", "vast_id" } }, object = "deployment", idempotent = true, rate = 3.0, sample = { 801 },
    },
    stop_deployment = {
      method = "POST", host = "console", path = "/api/v0/deployment/{id}/stop/",
      args = { { "id", "vast_id" } }, idempotent = true, rate = 2.0, sample = { 801 },
    },
    start_deployment = {
      method = "POST", host = "console", path = "/api/v0/deployment/{id}/start/",
      args = { { "id", "vast_id" } }, idempotent = true, rate = 2.0, sample = { 801 },
    },
    delete_deployment = {
      method = "DELETE", host = "console", path = "/api/v0/deployment/{id}/",
      args = { { "id", "vast_id" } }, idempotent = true, sample = { 802 },
    },
  },
}

return { spec = spec, new = define.define(spec) }
