--- Precompiled modules for the command line (issue 23). A one-shot command
-- spends most of its own time parsing the source of the modules it runs;
-- `make` writes each module's bytecode (tools/bytecode.lua: string.dump of
-- the chunk, debug information kept, so tracebacks still name lines) beside
-- the core, and this searcher loads it instead of the source. A compiled
-- module is used only when it is newer than its source, as make decides
-- (an edited module is read from its source until `make` runs again), and
-- only when it loads: another interpreter's bytecode, or a file cut short,
-- is passed over for the source. Only gpucloud's own modules are looked
-- for; the simulator's are never compiled (they find their files by their
-- own path).
-- @module gpucloud.bytecode

local M = {}

-- A binary chunk only: Lua 5.1's loadstring has no mode and would run a
-- text chunk too, so the signature (ESC) is checked here for all of them.
local load_chunk = rawget(_G, "loadstring") or load
local load_binary = function(bytes, name)
  if bytes:byte(1) ~= 27 then return nil end
  return load_chunk(bytes, name)
end

--- The interpreter bytecode is made for: "lua5.4", "luajit", ...
function M.interpreter()
  return rawget(_G, "jit") and "luajit" or ("lua" .. _VERSION:match("%d+%.%d+"))
end

--- Where the bytecode of the modules under `lib` (the core's directory)
-- is, for this interpreter.
function M.dir(lib)
  return lib .. "/gpucloud/bytecode/" .. M.interpreter()
end

--- A package searcher: module `gpucloud...` from `dir` (its bytecode) when
-- newer than its source under `src`, else nothing (the next searcher reads
-- the source). Returns the loader and the source's path, as Lua's own.
function M.searcher(src, dir)
  local newer -- the core's, at the first search; false without a core
  return function(name)
    if name ~= "gpucloud" and name:sub(1, 9) ~= "gpucloud." then return nil end
    if newer == nil then
      newer = false -- (the core's own search comes through here too)
      local ok, core = pcall(require, "gpucloud.core")
      newer = ok and core.newer or false
    end
    if not newer then return nil end
    local rel = name:gsub("%.", "/")
    for _, tail in ipairs { ".lua", "/init.lua" } do
      local source, compiled = src .. "/" .. rel .. tail, dir .. "/" .. rel .. tail
      -- (nil when either is missing: then the next form, or the source)
      if newer(compiled, source) then
        local f = io.open(compiled, "rb")
        local bytes = f and f:read("*a")
        if f then f:close() end
        local loader = bytes and load_binary(bytes, "@" .. source)
        if loader then return loader, source end
        return nil
      end
    end
    return nil
  end
end

--- Put the searcher first for `src` (the Lua modules' directory) and `lib`
-- (the core's): before Lua's own, which would parse the source.
function M.install(src, lib)
  local searchers = package.searchers or package.loaders
  table.insert(searchers, 2, M.searcher(src, M.dir(lib)))
end

return M
