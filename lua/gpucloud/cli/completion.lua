-- `gpucloud completion bash|zsh|fish`: a completion script made by
-- lua-argparse from the same parser the command line runs, built from
-- every provider's rows (so a provider's folder brings its commands).
-- `make install` installs each where its shell looks.

local M = {}

--- The script for `shell` ("bash", "zsh" or "fish").
function M.script(shell)
  local commands = require "gpucloud.cli.commands"
  local p = require("gpucloud.cli.parser").new(commands.data())
  local cmd = p:argparse()
  if shell == "bash" then return cmd:get_bash_complete() end
  if shell == "zsh" then return cmd:get_zsh_complete() end
  return cmd:get_fish_complete()
end

--- The tool's main: the script on stdout.
function M.main(call, sys)
  sys.stdout:write(M.script(call.args[1]))
  return 0
end

return M
