/*
 * libFuzzer target: the request table Lua hands to client:request(),
 * through gc_request_read.  The input is a list of records separated by
 * 0x1E (ASCII record separator), each `field=<type><payload>`:
 *
 *   field    method, url, body, ca_file, timeout, connect_timeout,
 *            max_body, insecure, headers, response_headers; or h:NAME for
 *            headers[NAME]; or w: for one more entry of response_headers
 *   type     s string (payload as is: NUL, CR, LF included), n number
 *            (strtod: nan, inf, 1e999, hex), i integer (strtoll), b boolean
 *            (payload "1" is true), t an empty table, f a function
 *
 * fuzz/seed.lua writes the seeds from the requests the library really makes.
 * The reader must raise a "gpucloud.core: ..." error, or return a request
 * libcurl can take as is.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "http_parse.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP 0x1e

static int noop(lua_State *L)
{
    (void)L;
    return 0;
}

/* Push the value a record describes. */
static void push_value(lua_State *L, char type, const char *p, size_t n)
{
    char buf[64];
    size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
    memcpy(buf, p, k);
    buf[k] = '\0';
    switch (type) {
    case 'n':
        lua_pushnumber(L, (lua_Number)strtod(buf, NULL));
        break;
    case 'i':
        lua_pushinteger(L, (lua_Integer)strtoll(buf, NULL, 0));
        break;
    case 'b':
        lua_pushboolean(L, n == 1 && p[0] == '1');
        break;
    case 't':
        lua_newtable(L);
        break;
    case 'f':
        lua_pushcfunction(L, noop);
        break;
    default:
        lua_pushlstring(L, p, n);
    }
}

/* Push t[name], made an empty table first unless it is one. */
static void table_field(lua_State *L, int t, const char *name)
{
    lua_getfield(L, t, name);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, t, name);
    }
}

/* The request table from the records; headers at index top+1 when any. */
static void build(lua_State *L, const char *p, const char *end)
{
    int t;
    lua_newtable(L);
    t = lua_gettop(L);
    while (p < end) {
        const char *rec_end = memchr(p, SEP, (size_t)(end - p));
        const char *eq;
        if (!rec_end)
            rec_end = end;
        eq = memchr(p, '=', (size_t)(rec_end - p));
        if (eq && eq + 1 < rec_end) {
            char type = eq[1];
            if (eq - p > 2 && memcmp(p, "h:", 2) == 0) {
                table_field(L, t, "headers");
                lua_pushlstring(L, p + 2, (size_t)(eq - p - 2));
                push_value(L, type, eq + 2, (size_t)(rec_end - eq - 2));
                lua_rawset(L, -3);
                lua_pop(L, 1);
            } else if (eq - p == 2 && memcmp(p, "w:", 2) == 0) {
                table_field(L, t, "response_headers");
                push_value(L, type, eq + 2, (size_t)(rec_end - eq - 2));
                lua_rawseti(L, -2, (int)lua_rawlen(L, -2) + 1);
                lua_pop(L, 1);
            } else {
                lua_pushlstring(L, p, (size_t)(eq - p));
                push_value(L, type, eq + 2, (size_t)(rec_end - eq - 2));
                lua_rawset(L, t);
            }
        }
        p = rec_end + 1;
    }
}

struct lines {
    int n;
};

static int check_line(void *ud, const char *line)
{
    struct lines *l = ud;
    size_t        len = strlen(line), name = strcspn(line, ":;");
    if (gc_has_line_break(line, len) || name == len || !gc_is_token(line, name))
        abort();
    if (line[name] == ':' && (len < name + 3 || line[name + 1] != ' '))
        abort(); /* "Name: value" with a value; an empty one is "Name;" */
    if (line[name] == ';' && len != name + 1)
        abort();
    l->n++;
    return 0;
}

/* The same string as the table holds, with nothing cut at a NUL. */
static void same_string(lua_State *L, int t, const char *field, const char *s)
{
    lua_getfield(L, t, field);
    if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) != strlen(s) ||
        memcmp(lua_tostring(L, -1), s, strlen(s)) != 0)
        abort();
    lua_pop(L, 1);
}

static int run(lua_State *L)
{
    gc_request   r;
    struct lines l = {0};
    int          t = 1, expect_lines = 0;
    gc_request_read(L, t, &r, check_line, &l);

    if (!gc_is_token(r.method, strlen(r.method)))
        abort();
    lua_getfield(L, t, "method");
    if (!lua_isnil(L, -1))
        same_string(L, t, "method", r.method);
    lua_pop(L, 1);
    same_string(L, t, "url", r.url);
    if (gc_has_line_break(r.url, strlen(r.url)))
        abort();
    if (r.ca_file)
        same_string(L, t, "ca_file", r.ca_file);
    if (r.timeout_ms < 0 || r.connect_timeout_ms < 0 || r.max_body > SIZE_MAX / 2)
        abort();
    lua_getfield(L, t, "insecure");
    if (r.insecure != (lua_isboolean(L, -1) && lua_toboolean(L, -1)))
        abort();
    lua_pop(L, 1);
    lua_getfield(L, t, "headers");
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            expect_lines++;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (l.n != expect_lines)
        abort();
    /* every name asked for is reported (lowercase), whatever was kept */
    lua_getfield(L, t, "response_headers");
    if (lua_isnil(L, -1) != r.want.all && !r.want.all)
        abort();
    if (lua_istable(L, -1)) {
        size_t i, n = lua_rawlen(L, -1);
        for (i = 1; i <= n; i++) {
            char        low[256];
            size_t      k, len;
            const char *name;
            lua_rawgeti(L, -1, (int)i);
            name = lua_tolstring(L, -1, &len);
            if (!name)
                abort();
            if (len > sizeof low) /* longer than the core holds: every header */
                len = 0;
            for (k = 0; k < len; k++)
                low[k] = (char)tolower((unsigned char)name[k]);
            if (!gc_want_has(&r.want, low, len) && !(len == 0 && r.want.all))
                abort();
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lua_State *L;
    int               status;
    if (!L) {
        L = luaL_newstate();
        luaL_openlibs(L);
    }
    lua_settop(L, 0);
    lua_pushcfunction(L, run);
    build(L, (const char *)data, (const char *)data + size);
    status = lua_pcall(L, 1, 0, 0);
    if (status != LUA_OK) {
        /* a raise is fine, as long as it is ours and says what was wrong */
        const char *msg = lua_tostring(L, -1);
        if (status != LUA_ERRRUN || !msg || strncmp(msg, "gpucloud.core: ", 15) != 0)
            abort();
    }
    lua_settop(L, 0);
    return 0;
}
