-- Confirming by the listing: Lambda terminates asynchronously, and gpucloud
-- learns an instance's fate by listing instances again (list_instances)
-- until it is absent or `terminated`. Lambda asks for about one request a
-- second per account, so the instances of one bulk run share their
-- listings: a listing asked for by one of them answers every other whose
-- question came before it was asked. A listing asked for before a
-- question (before its terminate was answered) never answers it.

local wait = require "gpucloud.wait"

local M = {}

-- The shared state of each run: its bulk settings table (one per run,
-- handed to every item's continuation) -> {issued, busy, list, list_no}.
local runs = setmetatable({}, { __mode = "k" })

-- How soon to look again while another item's listing is on its way.
local WHILE_BUSY = 0.05

local function shared(ctx)
  local s = runs[ctx.settings]
  if not s then
    s = { issued = 0 }
    runs[ctx.settings] = s
  end
  return s
end

--- A mark of now: a listing asked for after this point answers a question
-- asked at it.
function M.mark(ctx)
  return shared(ctx).issued
end

--- Poll listings asked for after `mark` until judge(the instance `id` as
-- listed, or false when it is absent) says "done" or "failed" (wait.poll's
-- words; "pending" polls again). `s`: {deadline, interval, once}; `what`
-- words for the timeout's message. `once`: one listing is enough, each
-- call of it retried as the client's calls are, and its failure ends the
-- watch (not waiting: a judgement, not a wait).
function M.watch(ctx, id, mark, s, what, judge)
  local sh = shared(ctx)
  return wait.poll({ rt = ctx.rt, op = "lambda.terminate_instances", what = "instance " .. id .. " " .. what,
                     deadline = s.deadline, interval = s.interval, stop_at = ctx.stop_at }, function(stop)
    if not (sh.list_no and sh.list_no > mark) then
      if sh.busy then return "pending", "waiting for a listing", WHILE_BUSY end
      sh.busy = true
      sh.issued = sh.issued + 1
      local no = sh.issued
      -- waiting, this loop is the retry: each poll is one attempt
      local opts = { retries = 0 }
      if s.once then opts = ctx.opts end
      local items, err, res = ctx:call("list_instances", {}, opts, stop)
      sh.busy = false
      if not items then
        if s.once then return "failed", err end
        return nil, err, wait.retry_after(res)
      end
      sh.list, sh.list_no = items, no
    end
    mark = sh.list_no
    return judge(sh.list:first { id = id } or false)
  end)
end

return M
