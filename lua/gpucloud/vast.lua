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
--   changes nothing), rate (the documented requests per second).

local define = require "gpucloud.define"

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
  },
  ops = {
    delete_workergroup = {
      method = "DELETE", host = "console", path = "/api/v0/workergroups/{id}/",
      args = { { "id", "vast_id" } }, idempotent = true, rate = 3.0,
    },
    delete_endpoint = {
      method = "DELETE", host = "console", path = "/api/v0/endptjobs/{id}/",
      args = { { "id", "vast_id" } }, idempotent = true, rate = 3.0,
    },
    get_workergroup_workers = {
      method = "POST", host = "run", path = "/get_workergroup_workers/",
      args = { { "id", "vast_id" } }, body = { "id" },
      list = "workers", idempotent = true, read = true,
    },
    get_endpoint_workers = {
      method = "POST", host = "run", path = "/get_endpoint_workers/",
      args = { { "id", "vast_id" } }, body = { "id" },
      list = "workers", idempotent = true, read = true,
    },
    show_endpoints = {
      method = "GET", host = "console", path = "/api/v0/endptjobs/",
      list = "results", idempotent = true, rate = 3.0,
    },
    show_workergroups = {
      method = "GET", host = "console", path = "/api/v0/workergroups/",
      list = "results", idempotent = true, rate = 2.0,
    },
  },
}

return { spec = spec, new = define.define(spec) }
