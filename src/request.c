/*
 * client:request{method, url, headers, body, timeout, connect_timeout,
 *                ca_file, max_body, insecure}: the checks on what Lua asks
 * for.  Every string is measured with its Lua length, never strlen: a NUL
 * inside a URL, method or header name would otherwise pass the checks and
 * then silently cut what libcurl sends.
 */
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

static void read_headers(lua_State *L, int t, gc_line_fn add, void *ud)
{
    int h;
    lua_getfield(L, t, "headers");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "gpucloud.core: 'headers' must be a table");
    h = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, h)) {
        size_t      nlen, vlen;
        const char *name, *value;
        luaL_Buffer b;
        /* lua_type, not lua_isstring: tolstring would turn a number key
         * into a string in place and confuse lua_next */
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "gpucloud.core: headers must map names to strings");
        name  = lua_tolstring(L, -2, &nlen);
        value = lua_tolstring(L, -1, &vlen);
        if (!gc_is_token(name, nlen) || gc_has_line_break(value, vlen))
            luaL_error(L, "gpucloud.core: invalid header '%s'", name);
        luaL_buffinit(L, &b);
        luaL_addlstring(&b, name, nlen);
        luaL_addlstring(&b, vlen ? ": " : ";", vlen ? 2 : 1);
        luaL_addlstring(&b, value, vlen);
        luaL_pushresult(&b);
        if (add(ud, lua_tostring(L, -1)))
            luaL_error(L, "gpucloud.core: out of memory");
        lua_pop(L, 2); /* the line and the value; the name stays for lua_next */
    }
    lua_pop(L, 1);
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

    read_headers(L, t, add_header, ud);
}
