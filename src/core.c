/*
 * luaopen_gpucloud_core: HTTP for gpucloud's Lua layer.  The module holds no
 * C state of its own but two process-wide things: libcurl's global init,
 * done once however many Lua states load the module, and the interrupt
 * guard (interrupt.c), because signal dispositions belong to the process
 * and a signal handler can only leave word in a static flag.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "client.h"
#include "compat.h"
#include "fsys.h"
#include "interrupt.h"
#include "json.h"
#include "multi.h"

#define GPUCLOUD_CORE_VERSION "0.2.0"

static int core_new(lua_State *L)
{
    return gc_client_new(L);
}

static int core_multi(lua_State *L)
{
    return gc_multi_new(L);
}

/* Monotonic seconds: deadlines and elapsed times must not jump with the
 * wall clock. */
static int core_now(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
    return 1;
}

/* Plain Lua cannot sleep; waits and backoff outside nginx come here.  A
 * signal ends the sleep early only when the interrupt guard says to stop
 * (an abort); any other EINTR sleeps on. */
static int core_sleep(lua_State *L)
{
    lua_Number      s = luaL_checknumber(L, 1);
    struct timespec ts;
    if (!(s > 0) || gc_interrupt_aborting())
        return 0;
    if (s > 1e9)
        s = 1e9;
    ts.tv_sec  = (time_t)s;
    ts.tv_nsec = (long)((s - (lua_Number)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR && !gc_interrupt_aborting())
        ;
    return 0;
}

/* core.isatty(fd): whether a standard stream is a terminal, so the command
 * line prompts and draws progress only for a person. */
static int core_isatty(lua_State *L)
{
    lua_Integer fd = luaL_checkinteger(L, 1);
    lua_pushboolean(L, fd >= 0 && fd <= 2 && isatty((int)fd));
    return 1;
}

/* core.file_mode(path) -> permission bits (0600 is 384) | nil, message.
 * For the key-file check, which must not fork a `stat` on every lookup. */
static int core_file_mode(lua_State *L)
{
    size_t      len;
    const char *path = luaL_checklstring(L, 1, &len);
    struct stat st;
    if (memchr(path, '\0', len))
        return luaL_argerror(L, 1, "path holds a NUL");
    if (stat(path, &st) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
    return 1;
}

static const luaL_Reg core_funcs[] = {
    {"file_mode", core_file_mode},
    {"isatty", core_isatty},
    {"new", core_new},
    {"multi", core_multi},
    {"now", core_now},
    {"sleep", core_sleep},
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
    gc_multi_register(L);
    gc_newlib(L, core_funcs);
    gc_interrupt_register(L);
    gc_fsys_register(L);
    gc_json_register(L);
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
