/*
 * One source for Lua 5.4 and LuaJIT 2.1 (the 5.1 ABI).  LuaJIT already has
 * luaL_setfuncs, luaL_newlib and luaL_testudata; what it lacks gets a private
 * gc_ name here so nothing clashes with a host that defines its own shims.
 */
#ifndef GPUCLOUD_COMPAT_H
#define GPUCLOUD_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM >= 502
#define gc_rawlen(L, i)   lua_rawlen((L), (i))
#define gc_absindex(L, i) lua_absindex((L), (i))
#else
#define gc_rawlen(L, i)   lua_objlen((L), (i))
static inline int gc_absindex(lua_State *L, int i)
{
    return (i > 0 || i <= LUA_REGISTRYINDEX) ? i : lua_gettop(L) + i + 1;
}
#endif

#endif
