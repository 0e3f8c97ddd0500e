-- Warnings on stderr, once per process and text: a warning repeated per
-- call would be noise. (insecure = true, a deprecated option, a key file
-- others can read.)

local warned = {}

--- Write `msg` as a gpucloud warning, unless it was written before.
return function(msg)
  if warned[msg] then return end
  warned[msg] = true
  io.stderr:write("gpucloud: warning: ", msg, "\n")
end
