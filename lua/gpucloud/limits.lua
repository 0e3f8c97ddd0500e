-- The C core's hard ceilings (src/ceilings.h, their one home), read
-- through the core; where the core is not loaded (the cosocket runtime
-- inside nginx without core.so) the copy below, which `make generated`
-- writes from src/ceilings.h and `make lint` checks.

local ok, core = pcall(require, "gpucloud.core")
if ok and type(core) == "table" and core.limits then return core.limits() end

return {
  -- generated: ceilings (tools/ceilings.lua)
  header_bytes = 262144,
  header_lines = 500,
  header_name = 255,
  json_depth = 256,
  json_number = 255,
  -- end of generated list
}
