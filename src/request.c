/*
 * client:request{method, url, headers, body, timeout, connect_timeout,
 *                ca_file, max_body, insecure, response_headers}: the checks on what Lua asks
 * for.  Every string is measured with its Lua length, never strlen: a NUL
 * inside a URL, method or header name would otherwise pass the checks and
 * then silently cut what libcurl sends.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "compat.h"
#include "http_parse.h"
#include "request.h"

/* The limits are the caller's, with every request: the library's defaults
 * live in gpucloud.config, not here.  One not given is none of the core's
 * own (0: libcurl's, which for the whole transfer is no limit). */
static long ms_field(lua_State *L, int t, const char *name)
{
    long ms;
    lua_getfield(L, t, name);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    if (lua_type(L, -1) != LUA_TNUMBER)
        luaL_error(L, "gpucloud.core: '%s' must be a number of seconds", name);
    if (gc_seconds_to_ms((double)lua_tonumber(L, -1), &ms))
        luaL_error(L, "gpucloud.core: '%s' must be positive", name);
    lua_pop(L, 1);
    return ms;
}

/* The field stays on the stack, so the returned pointer stays valid. */
static const char *str_field(lua_State *L, int t, const char *name, int required, size_t *len)
{
    lua_getfield(L, t, name);
    if (lua_isnil(L, -1)) {
        if (required)
            luaL_error(L, "gpucloud.core: request needs '%s'", name);
        *len = 0;
        return NULL;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "gpucloud.core: '%s' must be a string", name);
    return lua_tolstring(L, -1, len);
}

/* t[name] pushed when it is a table; nothing pushed when nil (returns 0);
 * anything else raises with `what` it must be. */
static int table_field(lua_State *L, int t, const char *name, const char *what)
{
    lua_getfield(L, t, name);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "gpucloud.core: '%s' must be %s", name, what);
    return 1;
}

static void read_headers(lua_State *L, int t, gc_line_fn add, void *ud)
{
    int h;
    if (!table_field(L, t, "headers", "a table"))
        return;
    h = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, h)) {
        size_t      nlen, vlen, slen;
        const char *name, *value, *text, *sep;
        char        line[512];
        luaL_Buffer b;
        /* lua_type, not lua_isstring: tolstring would turn a number key
         * into a string in place and confuse lua_next */
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "gpucloud.core: headers must map names to strings");
        name  = lua_tolstring(L, -2, &nlen);
        value = lua_tolstring(L, -1, &vlen);
        if (!gc_is_token(name, nlen) || gc_has_line_break(value, vlen))
            luaL_error(L, "gpucloud.core: invalid header '%s'", name);
        sep  = vlen ? ": " : ";"; /* "Name;" is how libcurl sends an empty value */
        slen = vlen ? 2 : 1;
        if (nlen + slen + vlen < sizeof line) { /* most lines: no Lua string made */
            memcpy(line, name, nlen);
            memcpy(line + nlen, sep, slen);
            memcpy(line + nlen + slen, value, vlen);
            line[nlen + slen + vlen] = '\0';
            text = line;
        } else {
            luaL_buffinit(L, &b);
            luaL_addlstring(&b, name, nlen);
            luaL_addlstring(&b, sep, slen);
            luaL_addlstring(&b, value, vlen);
            luaL_pushresult(&b);
            text = lua_tostring(L, -1);
        }
        if (add(ud, text))
            luaL_error(L, "gpucloud.core: out of memory");
        lua_settop(L, h + 1); /* the name stays for lua_next */
    }
    lua_pop(L, 1);
}

/* `response_headers`: nil for every header of the answer, or a list of
 * header names (any case), which the answer's headers table is then cut to
 * (the library reads Retry-After and nothing else of an answer's head, so
 * the rest would be Lua strings made for nothing on every call). */
static void read_want(lua_State *L, int t, gc_want *w)
{
    size_t i, n, used = 0;
    int    overflow = 0;
    w->all = 1;
    if (!table_field(L, t, "response_headers", "a list of header names"))
        return;
    n = gc_rawlen(L, -1);
    for (i = 1; i <= n; i++) {
        size_t      len, k;
        const char *name;
        lua_rawgeti(L, -1, (int)i);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "gpucloud.core: 'response_headers' must be a list of header names");
        name = lua_tolstring(L, -1, &len);
        if (!gc_is_token(name, len))
            luaL_error(L, "gpucloud.core: invalid header name in 'response_headers'");
        if (used + len + 1 <= sizeof w->names) {
            for (k = 0; k < len; k++)
                w->names[used + k] = (char)tolower((unsigned char)name[k]);
            w->names[used + len] = '\0';
            used += len + 1;
            w->n++;
        } else {
            overflow = 1; /* too many to hold: every header */
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    w->all = overflow;
}

int gc_want_has(const gc_want *w, const char *name, size_t nlen)
{
    const char *p = w->names;
    int         i;
    if (w->all)
        return 1;
    for (i = 0; i < w->n; i++) {
        size_t len = strlen(p);
        if (len == nlen && memcmp(p, name, nlen) == 0)
            return 1;
        p += len + 1;
    }
    return 0;
}

void gc_request_read(lua_State *L, int t, gc_request *r, gc_line_fn add_header, void *ud)
{
    size_t len;
    memset(r, 0, sizeof *r);

    r->method = str_field(L, t, "method", 0, &len);
    if (!r->method)
        r->method = "GET";
    else if (!gc_is_token(r->method, len))
        luaL_error(L, "gpucloud.core: invalid method '%s'", r->method);

    r->url = str_field(L, t, "url", 1, &len);
    if (gc_has_line_break(r->url, len))
        luaL_error(L, "gpucloud.core: invalid url");

    r->body = str_field(L, t, "body", 0, &r->body_len);

    r->ca_file = str_field(L, t, "ca_file", 0, &len);
    if (r->ca_file && (len == 0 || memchr(r->ca_file, '\0', len)))
        luaL_error(L, "gpucloud.core: invalid ca_file");

    r->timeout_ms         = ms_field(L, t, "timeout");
    r->connect_timeout_ms = ms_field(L, t, "connect_timeout");

    /* none given: as much as a size_t holds (gc_byte_count's ceiling) */
    lua_getfield(L, t, "max_body");
    if (lua_isnil(L, -1))
        gc_byte_count((double)SIZE_MAX, &r->max_body);
    else if (lua_type(L, -1) != LUA_TNUMBER || gc_byte_count((double)lua_tonumber(L, -1), &r->max_body))
        luaL_error(L, "gpucloud.core: 'max_body' must be a byte count");
    lua_pop(L, 1);

    /* Only a real boolean: a string "false" must not turn verification off */
    lua_getfield(L, t, "insecure");
    if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
        luaL_error(L, "gpucloud.core: 'insecure' must be a boolean");
    r->insecure = lua_toboolean(L, -1);
    lua_pop(L, 1);

    read_want(L, t, &r->want);
    read_headers(L, t, add_header, ud);
}
