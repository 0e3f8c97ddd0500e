-- No require cycles between the library's modules, lazy ones included: a
-- cycle hidden behind a require inside a function still ties the two
-- modules into one, and loads in an order that only works by luck.
--
-- The graph is read two ways and joined: statically (every `require "x"`
-- in a module's code, wherever it is, and `require("prefix" .. name)` as
-- an edge to every module with that prefix) and by loading every module
-- under an instrumented require (the caller is the file that called it).

local files = require "support.files"
local read = files.read

local MODULES, FILE = {}, {}
for _, f in ipairs(files.lua_files()) do
  local m = f:gsub("^lua/", ""):gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", ".")
  MODULES[#MODULES + 1] = m
  FILE[m] = f
end

local MODULE_OF = {}
for m, f in pairs(FILE) do MODULE_OF[f] = m end

local function add(edges, a, b, how)
  if a == b or not FILE[b] then return end
  edges[a] = edges[a] or {}
  edges[a][b] = edges[a][b] or how
end

local function static_edges(edges)
  for _, m in ipairs(MODULES) do
    local code = read(FILE[m]):gsub("%-%-[^\n]*", "")
    for r in code:gmatch("require%s*%(?%s*[\"']([%w_.]+)[\"']") do add(edges, m, r, "static") end
    for prefix in code:gmatch("require%s*%(%s*[\"']([%w_.]+)[\"']%s*%.%.") do
      for _, x in ipairs(MODULES) do
        if x:sub(1, #prefix) == prefix then add(edges, m, x, "dynamic " .. prefix .. "...") end
      end
    end
  end
end

-- Every module loaded afresh, each require attributed to the file it is in.
local function loaded_edges(edges)
  local saved, real = {}, require
  for k, v in pairs(package.loaded) do saved[k] = v end
  for _, m in ipairs(MODULES) do package.loaded[m] = nil end
  _G.require = function(name)
    local src = debug.getinfo(2, "S").source
    local file = src:match("^@%.?/?(lua/gpucloud/.*%.lua)$")
    if file and MODULE_OF[file] then add(edges, MODULE_OF[file], name, "loaded") end
    return real(name)
  end
  for _, m in ipairs(MODULES) do pcall(real, m) end -- the ngx ones need nginx: their edges still count
  _G.require = real
  for _, m in ipairs(MODULES) do package.loaded[m] = saved[m] end
end

-- Tarjan's strongly connected components of more than one module.
local function cycles(edges)
  local index, low, on, stack, n, out = {}, {}, {}, {}, 0, {}
  local function visit(v)
    n = n + 1
    index[v], low[v] = n, n
    stack[#stack + 1], on[v] = v, true
    for w in pairs(edges[v] or {}) do
      if not index[w] then
        visit(w)
        low[v] = math.min(low[v], low[w])
      elseif on[w] then
        low[v] = math.min(low[v], index[w])
      end
    end
    if low[v] == index[v] then
      local c = {}
      repeat
        local w = table.remove(stack)
        on[w] = nil
        c[#c + 1] = w
      until w == v
      if #c > 1 then
        table.sort(c)
        out[#out + 1] = c
      end
    end
  end
  for _, m in ipairs(MODULES) do
    if not index[m] then visit(m) end
  end
  return out
end

local function explain(edges, c)
  local inside, lines = {}, {}
  for _, m in ipairs(c) do inside[m] = true end
  for _, a in ipairs(c) do
    for b, how in pairs(edges[a] or {}) do
      if inside[b] then lines[#lines + 1] = string.format("  %s -> %s (%s)", a, b, how) end
    end
  end
  table.sort(lines)
  return table.concat(c, ", ") .. ":\n" .. table.concat(lines, "\n")
end

describe("require", function()
  it("finds a cycle when there is one", function()
    local found = cycles { ["gpucloud.config"] = { ["gpucloud.keys"] = "static" },
                           ["gpucloud.keys"] = { ["gpucloud.config"] = "static" } }
    assert.same({ { "gpucloud.config", "gpucloud.keys" } }, found)
  end)

  it("ties no two library modules into a cycle, lazy requires included", function()
    local edges = {}
    static_edges(edges)
    loaded_edges(edges)
    local problems = {}
    for _, c in ipairs(cycles(edges)) do problems[#problems + 1] = explain(edges, c) end
    assert.equal("", table.concat(problems, "\n"))
  end)
end)
