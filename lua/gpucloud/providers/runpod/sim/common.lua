-- What the RunPod simulator's handlers share: RFC 9457 problem answers
-- (v2's errors), finding things by id, a JSON object body.

local json = require "gpucloud.json"
local values = require "gpucloud.sim.values"

local M = {}

local TITLES = {
  [400] = "Bad Request", [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found",
  [409] = "Conflict", [422] = "Unprocessable Entity", [429] = "Too Many Requests",
}

M.PROBLEM = { ["Content-Type"] = "application/problem+json" }

--- A problem answer: status, {title, status, detail[, errors]}, headers.
function M.problem(status, detail, errs)
  return status, { title = TITLES[status] or "Error", status = status, detail = detail,
                   errors = errs and json.array(errs) or nil }, M.PROBLEM
end

--- 422 for a body the schema refuses, naming each reason.
function M.invalid(...)
  return M.problem(422, "Request validation failed.", { ... })
end

-- finding by id, and a copy of a list without one of its items
M.find, M.without = values.find, values.without

--- The request's JSON object body, or nil and the 400 to answer.
function M.object_body(req)
  local t = req.json
  if type(t) ~= "table" or json.is_array(t) then
    return nil, M.problem(400, "request body must be a JSON object")
  end
  return t
end

--- The thing at req.params.id in `list`, or nil and the 404 to answer.
function M.lookup(req, list, noun)
  local x = M.find(list, req.params.id)
  if not x then return nil, M.problem(404, noun .. " not found") end
  return x
end

return M
