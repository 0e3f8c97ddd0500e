-- Rewrites the module lists of gpucloud-scm-1.rockspec from the tree: every
-- lua/gpucloud/**/*.lua as a module, every *.json beside them as an
-- installed file (the simulator's seeds). `make generated` runs it;
-- `make check-generated` (part of `make lint`) runs it with --check, which
-- changes nothing and fails when the file is stale.
--
--   lua5.4 tools/rockspec.lua [--check] [ROCKSPEC]

local check = arg[1] == "--check"
local path = arg[check and 2 or 1] or "gpucloud-scm-1.rockspec"

local function files(ext)
  local p = assert(io.popen("cd lua && find gpucloud -type f -name '*." .. ext .. "' | LC_ALL=C sort"))
  local out = {}
  for f in p:lines() do out[#out + 1] = f end
  p:close()
  return out
end

-- "gpucloud/providers/vast/init.lua" -> "gpucloud.providers.vast"
local function module_name(f)
  return (f:gsub("%.[^.]+$", ""):gsub("/init$", ""):gsub("/", "."))
end

local function entries(list, indent)
  local out = {}
  for _, f in ipairs(list) do
    out[#out + 1] = string.format('%s["%s"] = "lua/%s",', indent, module_name(f), f)
  end
  return table.concat(out, "\n")
end

local f = assert(io.open(path, "rb"))
local text = f:read("*a")
f:close()

-- Each list sits between a marker line and the line that ends it.
local function replace(t, marker, body)
  local a, b = t:find("\n[ ]*%-%- " .. marker .. "[^\n]*\n")
  assert(a, path .. ": no line '-- " .. marker .. "'")
  local c = t:find("\n[ ]*%-%- end of generated list\n", b)
  assert(c, path .. ": no '-- end of generated list' after '" .. marker .. "'")
  return t:sub(1, b) .. body .. t:sub(c)
end

local new = replace(text, "generated: modules", entries(files("lua"), "    "))
new = replace(new, "generated: files", entries(files("json"), "      "))

if check then
  if new ~= text then
    io.stderr:write(path .. " is stale: the tree has other modules; run `make generated`\n")
    os.exit(1)
  end
elseif new ~= text then
  f = assert(io.open(path, "wb"))
  f:write(new)
  f:close()
  print("rewrote " .. path)
end
