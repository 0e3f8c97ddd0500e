/*
 * luaopen_gpucloud_core: HTTP for gpucloud's Lua layer.  The module holds no
 * C state of its own; the only process-wide step is libcurl's global init,
 * done once however many Lua states load the module.
 */
#include <curl/curl.h>

#include "client.h"
#include "compat.h"

#define GPUCLOUD_CORE_VERSION "0.1.0"

static int core_new(lua_State *L)
{
    return gc_client_new(L);
}

static const luaL_Reg core_funcs[] = {
    {"new", core_new},
    {NULL, NULL},
};

int luaopen_gpucloud_core(lua_State *L);

int luaopen_gpucloud_core(lua_State *L)
{
    /* libcurl >= 7.84 makes this thread-safe and counts calls itself; the
     * flag keeps older ones from being initialised twice.  Never cleaned
     * up: other states in the process may still be using libcurl. */
    static int curl_ready = 0;
    const curl_version_info_data *v;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return luaL_error(L, "gpucloud.core: curl_global_init failed");
        curl_ready = 1;
    }
    gc_client_register(L);
    luaL_newlib(L, core_funcs);
    gc_client_push_module_request(L);
    lua_setfield(L, -2, "request");
    v = curl_version_info(CURLVERSION_NOW);
    lua_pushstring(L, v->version);
    lua_setfield(L, -2, "curl_version");
    lua_pushstring(L, v->ssl_version ? v->ssl_version : "none");
    lua_setfield(L, -2, "ssl_version");
    lua_pushliteral(L, GPUCLOUD_CORE_VERSION);
    lua_setfield(L, -2, "_VERSION");
    return 1;
}
