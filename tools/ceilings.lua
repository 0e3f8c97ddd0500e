-- Rewrites the copy of the C core's hard ceilings in lua/gpucloud/limits.lua
-- from src/ceilings.h, their one home: each `#define GC_... value /* limits:
-- name */` line is a field. `make generated` runs it; `make check-generated`
-- (part of `make lint`) runs it with --check, which changes nothing and
-- fails when the copy is stale.
--
--   lua5.4 tools/ceilings.lua [--check]

local check = arg[1] == "--check"
local header, path = "src/ceilings.h", "lua/gpucloud/limits.lua"

local function read(p)
  local f = assert(io.open(p, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local lines = {}
for value, name in read(header):gmatch("\n#define GC_[%w_]+ ([^\n]-) /%* limits: ([%w_]+) %*/") do
  -- the values are integer constant expressions: (256 * 1024)
  local n = assert(load("return " .. value), header .. ": cannot read " .. value)()
  lines[#lines + 1] = string.format("  %s = %d,", name, n)
end
assert(#lines > 0, header .. ": no '/* limits: name */' lines")

local text = read(path)
local a, b = text:find("\n[ ]*%-%- generated: ceilings[^\n]*\n")
assert(a, path .. ": no line '-- generated: ceilings'")
local c = text:find("\n[ ]*%-%- end of generated list\n", b)
assert(c, path .. ": no '-- end of generated list'")
local new = text:sub(1, b) .. table.concat(lines, "\n") .. text:sub(c)

if check then
  if new ~= text then
    io.stderr:write(path .. " is stale: src/ceilings.h says otherwise; run `make generated`\n")
    os.exit(1)
  end
elseif new ~= text then
  local f = assert(io.open(path, "wb"))
  f:write(new)
  f:close()
  print("rewrote " .. path)
end
