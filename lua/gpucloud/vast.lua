-- Vast.ai serverless, as data. Two hosts: console (REST, /api/v0/...) and
-- run (the autoscaler calls). See shared/api/README.md for the wire format.

local client = require "gpucloud.client"

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
  -- many at once (client:batch does the same for any operation)
  bulk = {
    delete_workergroups = { op = "delete_workergroup" },
    delete_endpoints = { op = "delete_endpoint" },
  },
  -- rate: the documented per-operation threshold (requests per second)
  ops = {
    delete_workergroup = {
      method = "DELETE", host = "console", path = "/api/v0/workergroups/{id}/",
      args = { { "id", "positive_int" } }, idempotent = true, rate = 3.0,
    },
    delete_endpoint = {
      method = "DELETE", host = "console", path = "/api/v0/endptjobs/{id}/",
      args = { { "id", "positive_int" } }, idempotent = true, rate = 3.0,
    },
    get_workergroup_workers = {
      method = "POST", host = "run", path = "/get_workergroup_workers/",
      args = { { "id", "positive_int" } }, body = { "id" },
      unwrap = "workers", list = true, idempotent = true,
    },
    get_endpoint_workers = {
      method = "POST", host = "run", path = "/get_endpoint_workers/",
      args = { { "id", "positive_int" } }, body = { "id" },
      unwrap = "workers", list = true, idempotent = true,
    },
    show_endpoints = {
      method = "GET", host = "console", path = "/api/v0/endptjobs/",
      unwrap = "results", list = true, idempotent = true, rate = 3.0,
    },
    show_workergroups = {
      method = "GET", host = "console", path = "/api/v0/workergroups/",
      unwrap = "results", list = true, idempotent = true, rate = 2.0,
    },
  },
}

return { spec = spec, new = client.define(spec) }
