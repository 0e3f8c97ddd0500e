/*
 * A minimal `lua5.4 SCRIPT ARGS...` built with AddressSanitizer and UBSan,
 * for `make check-memory`.
 *
 * Why not LD_PRELOAD the ASan runtime into /usr/bin/lua5.4: the variable is
 * inherited by every process the specs start (sh, sed, mktemp, curl, the
 * simulator's nginx), and each of those would then be checked too and fail
 * on leaks that are not ours.  Linking the runtime into this executable
 * instead makes it load first, as ASan requires, for this process only.
 * It runs the same liblua5.4 as the Debian interpreter, and closes the
 * state on exit so LeakSanitizer sees only memory nobody freed.
 */
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
    return 1;
}

int main(int argc, char **argv)
{
    lua_State *L;
    int        i, status;
    if (argc < 2) {
        fprintf(stderr, "usage: %s SCRIPT [ARGS...]\n", argv[0]);
        return 2;
    }
    if (!(L = luaL_newstate())) {
        fprintf(stderr, "%s: cannot create a Lua state\n", argv[0]);
        return 1;
    }
    luaL_openlibs(L);
    /* arg as lua.c sets it: the script at 0, its arguments from 1 */
    lua_createtable(L, argc - 2, 2);
    for (i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setglobal(L, "arg");
    lua_pushcfunction(L, traceback);
    status = luaL_loadfile(L, argv[1]);
    if (status == LUA_OK) {
        for (i = 2; i < argc; i++)
            lua_pushstring(L, argv[i]);
        status = lua_pcall(L, argc - 2, 0, 1);
    }
    if (status != LUA_OK)
        fprintf(stderr, "%s: %s\n", argv[0], lua_tostring(L, -1));
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}
