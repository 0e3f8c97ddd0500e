-- delete_filesystems' settle: with `wait = true`, a delete that was
-- answered 2xx followed by listing file systems again until it has left
-- the listing, bounded by the run's deadline (Lambda does not say whether
-- a delete is over when it answers; the simulator's is). The poll is
-- wait.until_unlisted, as TensorPool's bucket deletes'.

local wait = require "gpucloud.wait"

local M = {}

function M.settle(ctx, argv, value, err)
  if value == nil or not ctx.settings.wait then return value, err end
  local function list(stop) return ctx:call("list_filesystems", {}, { retries = 0 }, stop) end
  return wait.until_unlisted(ctx, "lambda.delete_filesystems", "file system " .. argv.id, list,
    { id = argv.id }, value)
end

return M
