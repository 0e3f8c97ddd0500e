/*
 * One source for Lua 5.1, 5.2, 5.3, 5.4 and LuaJIT 2.1.  What one of them
 * lacks gets a private gc_ name here, so nothing clashes with a host (or
 * another module's compat header) that defines its own luaL_setfuncs.
 *
 * The 5.1 shims are used under LuaJIT too, although LuaJIT has
 * luaL_setfuncs and luaL_newlib: one build/5.1 core then loads into both
 * PUC Lua 5.1 and LuaJIT, whichever headers it was compiled against (the
 * two 5.1 ABIs agree; luarocks builds against PUC 5.1's).
 */
#ifndef GPUCLOUD_COMPAT_H
#define GPUCLOUD_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM >= 502
#define gc_rawlen(L, i)        lua_rawlen((L), (i))
#define gc_absindex(L, i)      lua_absindex((L), (i))
#define gc_setfuncs(L, l, nup) luaL_setfuncs((L), (l), (nup))
#define gc_newlib(L, l)        luaL_newlib((L), (l))
#else
#define gc_rawlen(L, i) lua_objlen((L), (i))
static inline int gc_absindex(lua_State *L, int i)
{
    return (i > 0 || i <= LUA_REGISTRYINDEX) ? i : lua_gettop(L) + i + 1;
}

/* luaL_setfuncs of 5.2: the functions of `l` into the table below `nup`
 * upvalues, each closing over copies of them; the upvalues are popped. */
static inline void gc_setfuncs(lua_State *L, const luaL_Reg *l, int nup)
{
    int i;
    luaL_checkstack(L, nup, "too many upvalues");
    for (; l->name != NULL; l++) {
        for (i = 0; i < nup; i++)
            lua_pushvalue(L, -nup);
        lua_pushcclosure(L, l->func, nup);
        lua_setfield(L, -(nup + 2), l->name);
    }
    lua_pop(L, nup);
}

#define gc_newlib(L, l) \
    (lua_createtable((L), 0, (int)(sizeof(l) / sizeof((l)[0]) - 1)), gc_setfuncs((L), (l), 0))
#endif

/*
 * Numbers.  5.3 and 5.4 have an integer subtype; in 5.1, 5.2 and LuaJIT
 * every number is a double, and an integral double is what the Lua layer
 * takes for an integer (math.tointeger is absent there).
 *
 * gc_pushexact: a whole number known to be exact in a double (|i| < 2^53),
 * as an integer where there is a subtype.  Not lua_pushinteger on the old
 * VMs: their lua_Integer (ptrdiff_t) is 32 bits on 32-bit hosts.
 * gc_pushreal: a double, as an integer when it is integral and in
 * lua_Integer's range (what math.tointeger does), else as a float.
 */
#if LUA_VERSION_NUM >= 503
#define gc_isinteger(L, i) lua_isinteger((L), (i))
static inline void gc_pushexact(lua_State *L, long long i)
{
    lua_pushinteger(L, (lua_Integer)i);
}
static inline void gc_pushreal(lua_State *L, double v)
{
    lua_Integer i; /* in range, then truncated: integral if nothing was cut */
    if (lua_numbertointeger(v, &i) && (double)i == v)
        lua_pushinteger(L, i);
    else
        lua_pushnumber(L, (lua_Number)v);
}
#else
/* The closest meaning of "an integer": a number with an integral value in
 * the range where doubles are exact.  (On 5.4 a float 2.0 is not an
 * integer; here it is, as it is to the Lua layer's checks.) */
static inline int gc_isinteger(lua_State *L, int i)
{
    lua_Number n;
    if (lua_type(L, i) != LUA_TNUMBER)
        return 0;
    n = lua_tonumber(L, i);
    return n >= -9007199254740992.0 && n <= 9007199254740992.0 && n == (lua_Number)(long long)n;
}
static inline void gc_pushexact(lua_State *L, long long i)
{
    lua_pushnumber(L, (lua_Number)i);
}
static inline void gc_pushreal(lua_State *L, double v)
{
    lua_pushnumber(L, (lua_Number)v);
}
#endif

#endif
