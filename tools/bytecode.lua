-- Writes one module's bytecode for gpucloud.bytecode's searcher:
--   lua5.4 tools/bytecode.lua SOURCE OUT   (make runs it, per module)
-- under the interpreter the bytecode is for. Debug information is kept
-- (tracebacks name the source's lines); the file is written whole, then
-- renamed into place, so a command running meanwhile never loads half.
local source, out = arg[1], arg[2]
local chunk = assert(loadfile(source))
local tmp = out .. ".tmp"
local f = assert(io.open(tmp, "wb"))
assert(f:write(string.dump(chunk)))
assert(f:close())
assert(os.rename(tmp, out))
