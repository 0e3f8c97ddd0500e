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

#if LUA_VERSION_NUM >= 503
#define gc_isinteger(L, i) lua_isinteger((L), (i))
#else
/* LuaJIT numbers are all doubles: the closest meaning of "an integer" is a
 * number with an integral value that lua_Integer can hold.  (On 5.4 a float
 * 2.0 is not an integer; here it is, as it is to the Lua layer's checks.) */
static inline int gc_isinteger(lua_State *L, int i)
{
    lua_Number n;
    if (lua_type(L, i) != LUA_TNUMBER)
        return 0;
    n = lua_tonumber(L, i);
    return n == (lua_Number)(lua_Integer)n && n >= -9007199254740992.0 && n <= 9007199254740992.0;
}
#endif

#endif
