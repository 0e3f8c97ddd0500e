-- luacheck: one standard for the library (Lua 5.1 to 5.4 and LuaJIT)
std = "max"
max_line_length = 120
files["spec/"] = { std = "+busted", max_line_length = 140 }
files["lua/gpucloud/sim/"] = { globals = { "ngx" } }
exclude_files = { "build/" }
files["examples/openresty/"] = { read_globals = { "ngx" } }
files["spec/support/"] = { read_globals = { "ngx" } }
