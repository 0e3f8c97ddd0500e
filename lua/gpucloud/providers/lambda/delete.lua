-- delete_filesystems' settle: with `wait = true`, a delete that was
-- answered 2xx followed by listing file systems again until it has left
-- the listing, bounded by the run's deadline (Lambda does not say whether
-- a delete is over when it answers; the simulator's is).

local config = require "gpucloud.config"
local wait = require "gpucloud.wait"

local M = {}

function M.settle(ctx, argv, value, err)
  if value == nil or not ctx.settings.wait then return value, err end
  local id = argv.id
  local gone, werr = wait.poll({ rt = ctx.rt, op = "lambda.delete_filesystems",
    what = "file system " .. id .. " leaving the listing",
    deadline = ctx.settings.wait_timeout or config.WAIT_DEADLINE, interval = config.default("interval"),
    stop_at = ctx.stop_at }, function(stop)
    local list, e, res = ctx:call("list_filesystems", {}, { retries = 0 }, stop)
    if not list then return nil, e, wait.retry_after(res) end
    if list:first { id = id } then return "pending", "listed" end
    return "done", "absent from the listing"
  end)
  if not gone then
    -- answered as done, and not seen to go: it may still
    werr.may_have_landed = true
    return nil, werr
  end
  value.confirmed = gone
  return value
end

return M
