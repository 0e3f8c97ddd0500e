-- The reference's completeness check, run inside LDoc (`ldoc --filter
-- docs.check.run`, from docs/build.lua) on what LDoc itself read: every
-- name docs/public.lua found in the library must be an item of its module
-- with words of its own, every field it names a field of that item with
-- words, and a module must document nothing the library does not have.
-- LDoc runs under its own interpreter (Lua 5.1 or 5.2), so this reads the
-- surface from the file docs/build.lua wrote, and no gpucloud module.

local M = {}

local function words(s)
  return type(s) == "string" and s:find("%S") ~= nil
end

-- LDoc's items of a module by name, the sections (@type) among them.
local function items_of(mod)
  local by_name = {}
  for _, item in ipairs(mod.items or {}) do by_name[item.name] = item end
  for _, sec in ipairs(mod.sections or {}) do
    if sec.name and not by_name[sec.name] then by_name[sec.name] = sec end
  end
  return by_name
end

local function field_text(item, field)
  local map = type(item.params) == "table" and item.params.map or nil
  return map and map[field]
end

--- What is wrong: a list of lines, empty when the reference is complete.
-- `surface` as docs/public.lua makes it, `modules` LDoc's module list.
function M.problems(surface, modules)
  local by_module = {}
  for _, mod in ipairs(modules) do by_module[mod.name] = mod end
  local problems = {}
  local function say(...) problems[#problems + 1] = string.format(...) end
  for _, want in ipairs(surface) do
    local mod = by_module[want.module]
    if not mod then
      say("%s: no module of that name in the reference", want.module)
    else
      local items, expected = items_of(mod), {}
      for _, name in ipairs(want.items) do
        expected[name] = true
        local item = items[name]
        if not item then
          say("%s: %s is not documented", want.module, name)
        elseif not (words(item.summary) or words(item.description)) then
          say("%s: %s has no words of its own", want.module, name)
        end
        for _, field in ipairs(item and want.fields[name] or {}) do
          if not words(field_text(item, field)) then say("%s: %s.%s is not documented", want.module, name, field) end
        end
      end
      for _, item in ipairs(mod.items or {}) do
        if not expected[item.name] then
          say("%s: documents %s, which the library does not have", want.module, item.name)
        end
      end
    end
  end
  table.sort(problems)
  return problems
end

--- LDoc's --filter entry: exits 1 after naming every problem on stderr.
function M.run(modules)
  local path = os.getenv("GPUCLOUD_DOCS_SURFACE") or "build/docs/surface.lua"
  local surface = dofile(path)
  local problems = M.problems(surface, modules)
  if #problems > 0 then
    io.stderr:write("docs: the reference is incomplete:\n  ", table.concat(problems, "\n  "), "\n")
    os.exit(1)
  end
  local n = 0
  for _, want in ipairs(surface) do n = n + #want.items end
  io.stdout:write(string.format("docs: %d public names in %d modules, each documented\n", n, #surface))
end

return M
