/*
 * gpucloud.core client: one libcurl easy handle reused across requests, so
 * connections, TLS sessions and DNS answers are kept between calls.  It knows
 * HTTP and nothing of any provider: requests in, {status, headers, body,
 * sent} out (xfer.c).
 */
#include <string.h>

#include "client.h"
#include "compat.h"
#include "interrupt.h"
#include "xfer.h"

typedef struct gc_client {
    gc_xfer x;
    int     open;
} gc_client;

static gc_client *check_client(lua_State *L, int idx)
{
    return (gc_client *)luaL_checkudata(L, idx, GC_CLIENT_MT);
}

static gc_client *check_open(lua_State *L, int idx)
{
    gc_client *c = check_client(L, idx);
    if (!c->open)
        luaL_error(L, "gpucloud.core: attempt to use a closed client");
    return c;
}

/* client:request{method, url, headers, body, timeout, connect_timeout,
 *                ca_file, max_body} -> {status, headers, body, sent} | nil, err */
static int client_request(lua_State *L)
{
    gc_client *c = check_open(L, 1);
    gc_xfer_prepare(L, &c->x, 2, 0);
    /* once told to stop, nothing more goes out (sent = 0) */
    if (gc_interrupt_aborting())
        return gc_xfer_push_interrupted(L, &c->x);
    return gc_xfer_push_result(L, &c->x, curl_easy_perform(c->x.easy));
}

/* The one cleanup behind close, __gc and __close. */
static int client_close(lua_State *L)
{
    gc_client *c = check_client(L, 1);
    c->open = 0;
    gc_xfer_release(&c->x);
    return 0;
}

static int client_tostring(lua_State *L)
{
    gc_client *c = check_client(L, 1);
    lua_pushfstring(L, "gpucloud.core.client (%s): %p", c->open ? "open" : "closed", (void *)c);
    return 1;
}

int gc_client_new(lua_State *L)
{
    gc_client *c = (gc_client *)lua_newuserdata(L, sizeof *c);
    memset(c, 0, sizeof *c);
    luaL_getmetatable(L, GC_CLIENT_MT);
    lua_setmetatable(L, -2);
    if (gc_xfer_init(&c->x) != 0)
        return luaL_error(L, "gpucloud.core: curl_easy_init failed");
    c->open = 1;
    return 1;
}

/* core.request(req): the same call through a client owned by the module. */
static int module_request(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE); /* before the shift, so it says #1 */
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    return client_request(L);
}

static const luaL_Reg client_methods[] = {
    {"request", client_request},
    {"close", client_close},
    {NULL, NULL},
};

void gc_client_register(lua_State *L)
{
    luaL_newmetatable(L, GC_CLIENT_MT);
    lua_newtable(L);
    gc_setfuncs(L, client_methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, client_close);
    lua_setfield(L, -2, "__gc");
#if LUA_VERSION_NUM >= 504
    lua_pushcfunction(L, client_close);
    lua_setfield(L, -2, "__close");
#endif
    lua_pushcfunction(L, client_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "gpucloud.core.client");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
}

void gc_client_push_module_request(lua_State *L)
{
    gc_client_new(L);
    lua_pushcclosure(L, module_request, 1);
}
