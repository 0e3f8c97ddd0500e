/*
 * libFuzzer target: core.json_decode, the C decoder every answer from the
 * network goes through.  Whatever the bytes, it must return a value or
 * nil and a message, never raise, and leave the Lua stack as it found it.
 */
#include <stdint.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lua_State *L;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int top;
    if (!L) {
        L = luaL_newstate();
        luaL_openlibs(L);
        lua_newtable(L);
        gc_json_register(L);
        lua_getfield(L, -1, "json_decode");
        lua_replace(L, 1); /* the decoder at index 1, for every run */
    }
    top = lua_gettop(L);
    lua_pushvalue(L, 1);
    lua_pushlstring(L, (const char *)data, size);
    lua_newtable(L); /* the null sentinel */
    if (lua_pcall(L, 2, 2, 0) != LUA_OK)
        abort(); /* a raise: the library promises nil, err instead */
    if (lua_isnil(L, -2) && lua_type(L, -1) != LUA_TSTRING)
        abort(); /* nil without a message */
    lua_settop(L, top);
    return 0;
}
