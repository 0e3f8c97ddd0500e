/*
 * libFuzzer target: core.json_decode, the C decoder every answer from the
 * network goes through.  Whatever the bytes, it must return a value or
 * nil and a message, never raise, and leave the Lua stack as it found it.
 * Each input is decoded twice, without and with an array metatable: both
 * must agree on success, and with it every array (and no object) must
 * carry the metatable.  An empty array left unmarked would pass for an
 * empty object, so the tables of each kind are also counted against the
 * brackets and braces of the text (a duplicate member can drop some, never
 * add one).  A decoded array is also given to core.json_records, the
 * listing shape check, with id field "id": what it says must hold.
 */
#include <stdint.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lua_State *L;

/* The stack slots set up once: the decoder, the null sentinel, the
 * arrays' metatable. */
enum { DECODE = 1, NUL, MT, RECORDS };

typedef struct counts {
    size_t arrays, objects;
} counts;

/* '[' and '{' outside strings, in text the decoder accepted. */
static counts brackets(const uint8_t *p, size_t n)
{
    counts c  = {0, 0};
    int    in = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        if (in) {
            if (p[i] == '\\')
                i++;
            else if (p[i] == '"')
                in = 0;
        } else if (p[i] == '"')
            in = 1;
        else if (p[i] == '[')
            c.arrays++;
        else if (p[i] == '{')
            c.objects++;
    }
    return c;
}

/* The value on top: a table with MT holds only the keys 1..n (an array);
 * any other table but the sentinel has no metatable and only string keys
 * (an object).  Aborts otherwise; counts both kinds in `seen`. */
static void check_marks(int depth, counts *seen)
{
    int         t = lua_gettop(L), marked;
    lua_Integer n = 0;
    if (lua_type(L, t) != LUA_TTABLE || lua_rawequal(L, t, NUL))
        return;
    if (depth > 300 || !lua_checkstack(L, 4))
        abort(); /* deeper than the decoder's own limit */
    marked = lua_getmetatable(L, t);
    if (marked) {
        if (!lua_rawequal(L, -1, MT))
            abort(); /* a metatable that is not the one passed */
        lua_pop(L, 1);
    }
    if (marked)
        seen->arrays++;
    else
        seen->objects++;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (marked ? !lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 : lua_type(L, -2) != LUA_TSTRING)
            abort();
        n++;
        check_marks(depth + 1, seen);
        lua_pop(L, 1);
    }
    if (marked && (lua_Integer)lua_rawlen(L, t) != n)
        abort(); /* integer keys with a hole: not an array */
}

/* core.json_records(value on top, MT, "id"): it must not raise, and what it
 * says must hold: false, i is an element that is not an object; false, i,
 * j an earlier element j with the same id; true, neither. */
static void check_records(void)
{
    int         t = lua_gettop(L), ok;
    lua_Integer i, j, n;
    if (lua_type(L, t) != LUA_TTABLE || !lua_getmetatable(L, t))
        return;
    lua_pop(L, 1);
    lua_pushvalue(L, RECORDS);
    lua_pushvalue(L, t);
    lua_pushvalue(L, MT);
    lua_pushstring(L, "id");
    if (lua_pcall(L, 3, 3, 0) != LUA_OK)
        abort();
    ok = lua_toboolean(L, -3);
    i  = lua_tointeger(L, -2);
    j  = lua_tointeger(L, -1);
    lua_pop(L, 3);
    n = (lua_Integer)lua_rawlen(L, t);
    if (ok)
        return; /* (the spec checks the positive case against Lua's loop) */
    if (i < 1 || i > n || j < 0 || j >= i)
        abort();
    lua_rawgeti(L, t, i);
    if (j == 0) { /* not an object: not a table, or an array */
        if (lua_type(L, -1) == LUA_TTABLE && !lua_getmetatable(L, -1))
            abort();
    } else {
        lua_getfield(L, -1, "id");
        lua_rawgeti(L, t, j);
        lua_getfield(L, -1, "id");
        if (lua_isnil(L, -1) || !lua_rawequal(L, -1, -3))
            abort();
    }
    lua_settop(L, t);
}

/* Decode the input, with the metatable or not; returns whether it succeeded
 * and leaves the value (or nil and the message) on the stack. */
static int decode(const uint8_t *data, size_t size, int with_mt)
{
    lua_pushvalue(L, DECODE);
    lua_pushlstring(L, (const char *)data, size);
    lua_pushvalue(L, NUL);
    if (with_mt)
        lua_pushvalue(L, MT);
    if (lua_pcall(L, 2 + with_mt, 2, 0) != LUA_OK)
        abort(); /* a raise: the library promises nil, err instead */
    if (lua_isnil(L, -2) && lua_type(L, -1) != LUA_TSTRING)
        abort(); /* nil without a message */
    return !lua_isnil(L, -2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int top, plain, marked;
    if (!L) {
        L = luaL_newstate();
        luaL_openlibs(L);
        lua_settop(L, 0);
        lua_newtable(L);
        gc_json_register(L);
        lua_newtable(L); /* NUL */
        lua_newtable(L); /* MT */
        lua_getfield(L, 1, "json_records");
        lua_getfield(L, 1, "json_decode");
        lua_replace(L, DECODE); /* the module table is not needed again */
    }
    top   = lua_gettop(L);
    plain = decode(data, size, 0);
    lua_settop(L, top);
    marked = decode(data, size, 1);
    if (plain != marked)
        abort();
    if (marked) {
        counts seen = {0, 0}, text = brackets(data, size);
        lua_pop(L, 1); /* the value on top */
        check_marks(0, &seen);
        check_records();
        if (seen.arrays > text.arrays || seen.objects > text.objects)
            abort(); /* an array taken for an object, or the reverse */
    }
    lua_settop(L, top);
    return 0;
}
