/*
 * gpucloud.core multi: many transfers at once over libcurl's multi
 * interface, sharing its connection cache.  The caller (a Lua scheduler)
 * decides what runs when: add() starts a transfer and names it by an id,
 * perform(wait) drives everything in flight and hands back what finished.
 * Each transfer is checked, sent and reported by the same code as the
 * blocking client (xfer.c).
 */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "interrupt.h"
#include "multi.h"
#include "xfer.h"

#define GC_MULTI_MT "gpucloud.core.multi"

typedef struct gc_slot {
    gc_xfer     x;
    lua_Integer id;   /* 0 when idle */
} gc_slot;

typedef struct gc_multi {
    CURLM       *multi;
    gc_slot    **slots;  /* pointers: libcurl holds on to each gc_xfer */
    int          nslots;
    int          busy;
    lua_Integer  next_id;
} gc_multi;

static gc_multi *check_multi(lua_State *L, int idx)
{
    return (gc_multi *)luaL_checkudata(L, idx, GC_MULTI_MT);
}

static gc_multi *check_open(lua_State *L, int idx)
{
    gc_multi *m = check_multi(L, idx);
    if (!m->multi)
        luaL_error(L, "gpucloud.core: attempt to use a closed multi");
    return m;
}

/* The one cleanup behind close, __gc and __close; idempotent. */
static int multi_close(lua_State *L)
{
    gc_multi *m = check_multi(L, 1);
    int       i;
    for (i = 0; i < m->nslots; i++) {
        gc_slot *s = m->slots[i];
        if (s->id && m->multi)
            curl_multi_remove_handle(m->multi, s->x.easy);
        gc_xfer_unref(L, &s->x);
        gc_xfer_release(&s->x);
        free(s);
    }
    free(m->slots);
    m->slots  = NULL;
    m->nslots = m->busy = 0;
    if (m->multi) {
        curl_multi_cleanup(m->multi);
        m->multi = NULL;
    }
    return 0;
}

/* An idle slot, or a new one; NULL when memory or libcurl runs out. */
static gc_slot *idle_slot(gc_multi *m)
{
    gc_slot **grown, *s;
    int       i;
    for (i = 0; i < m->nslots; i++)
        if (!m->slots[i]->id)
            return m->slots[i];
    if (!(grown = realloc(m->slots, (size_t)(m->nslots + 1) * sizeof *grown)))
        return NULL;
    m->slots = grown;
    if (!(s = malloc(sizeof *s)))
        return NULL;
    if (gc_xfer_init(&s->x) != 0) {
        free(s);
        return NULL;
    }
    s->id                 = 0;
    m->slots[m->nslots++] = s;
    return s;
}

/* multi:add(request) -> id. Raises on a bad request, sending nothing. */
static int multi_add(lua_State *L)
{
    gc_multi *m = check_open(L, 1);
    gc_slot  *s;
    luaL_checktype(L, 2, LUA_TTABLE);
    if (!(s = idle_slot(m)))
        return luaL_error(L, "gpucloud.core: out of memory");
    gc_xfer_prepare(L, &s->x, 2, 1);
    if (curl_multi_add_handle(m->multi, s->x.easy) != CURLM_OK) {
        gc_xfer_unref(L, &s->x);
        return luaL_error(L, "gpucloud.core: curl_multi_add_handle failed");
    }
    s->id = ++m->next_id;
    m->busy++;
    lua_pushinteger(L, s->id);
    return 1;
}

/* Append {id = id, res = res} or {id = id, err = err} to the table on top. */
static void collect(lua_State *L, gc_multi *m, int out)
{
    CURLMsg *msg;
    int      left, n = (int)gc_rawlen(L, out);
    while ((msg = curl_multi_info_read(m->multi, &left))) {
        gc_xfer *x = NULL;
        gc_slot *s;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        s = (gc_slot *)x; /* x is the slot's first member */
        curl_multi_remove_handle(m->multi, msg->easy_handle);
        lua_createtable(L, 0, 2);
        lua_pushinteger(L, s->id);
        lua_setfield(L, -2, "id");
        if (gc_xfer_push_result(L, x, msg->data.result) == 2) {
            lua_setfield(L, -3, "err");
            lua_pop(L, 1); /* the nil */
        } else {
            lua_setfield(L, -2, "res");
        }
        lua_rawseti(L, out, ++n);
        gc_xfer_unref(L, x);
        s->id = 0;
        m->busy--;
    }
}

/* Append {id = id, err = interrupted} for every transfer in flight, each
 * taken off the multi with what it had sent: nothing more goes out. */
static void abort_all(lua_State *L, gc_multi *m, int out)
{
    int i, n = (int)gc_rawlen(L, out);
    for (i = 0; i < m->nslots; i++) {
        gc_slot *s = m->slots[i];
        if (!s->id)
            continue;
        curl_multi_remove_handle(m->multi, s->x.easy);
        lua_createtable(L, 0, 2);
        lua_pushinteger(L, s->id);
        lua_setfield(L, -2, "id");
        gc_xfer_push_interrupted(L, &s->x);
        lua_setfield(L, -3, "err");
        lua_pop(L, 1); /* the nil */
        lua_rawseti(L, out, ++n);
        gc_xfer_unref(L, &s->x);
        s->id = 0;
        m->busy--;
    }
}

/* One step of multi:perform: the interrupt guard first (once it says to
 * stop, every transfer in flight ends as `interrupted`), then libcurl's
 * perform and what finished, into the table at `out`. */
static void step(lua_State *L, gc_multi *m, int out)
{
    int running;
    if (gc_interrupt_aborting()) {
        abort_all(L, m, out);
        return;
    }
    if (curl_multi_perform(m->multi, &running) != CURLM_OK)
        luaL_error(L, "gpucloud.core: curl_multi_perform failed");
    collect(L, m, out);
}

/* multi:perform([wait]) -> {{id =, res =} | {id =, err =}, ...}
 * Moves every transfer along; when none has finished, waits up to `wait`
 * seconds (default 0) for one to.  Once the interrupt guard says to stop,
 * every transfer in flight ends as `interrupted`. */
static int multi_perform(lua_State *L)
{
    gc_multi  *m    = check_open(L, 1);
    lua_Number wait = luaL_optnumber(L, 2, 0);
    int        out;
    lua_newtable(L);
    out = lua_gettop(L);
    step(L, m, out);
    /* (an abort leaves nothing busy: no wait follows it) */
    if (gc_rawlen(L, out) == 0 && m->busy > 0 && wait > 0) {
        int ms = wait > 3600 ? 3600 * 1000 : (int)(wait * 1000);
        /* a signal caught by another thread (libcurl's resolver) does not
         * wake this poll: look at the guard four times a second */
        if (gc_interrupt_active() && ms > 250)
            ms = 250;
        curl_multi_poll(m->multi, NULL, 0, ms, NULL);
        step(L, m, out);
    }
    return 1;
}

/* multi:abort() -> {{id =, err =}, ...}: every transfer in flight ended
 * as `interrupted` (a run stopped by a Lua error sends nothing more). */
static int multi_abort(lua_State *L)
{
    gc_multi *m = check_open(L, 1);
    lua_newtable(L);
    abort_all(L, m, lua_gettop(L));
    return 1;
}

/* multi:pending() -> number of transfers in flight */
static int multi_pending(lua_State *L)
{
    lua_pushinteger(L, check_multi(L, 1)->busy);
    return 1;
}

static int multi_tostring(lua_State *L)
{
    gc_multi *m = check_multi(L, 1);
    if (m->multi)
        lua_pushfstring(L, "gpucloud.core.multi (%d in flight): %p", m->busy, (void *)m);
    else
        lua_pushfstring(L, "gpucloud.core.multi (closed): %p", (void *)m);
    return 1;
}

int gc_multi_new(lua_State *L)
{
    gc_multi *m = (gc_multi *)lua_newuserdata(L, sizeof *m);
    memset(m, 0, sizeof *m);
    luaL_getmetatable(L, GC_MULTI_MT);
    lua_setmetatable(L, -2);
    if (!(m->multi = curl_multi_init()))
        return luaL_error(L, "gpucloud.core: curl_multi_init failed");
    return 1;
}

static const luaL_Reg multi_methods[] = {
    {"add", multi_add},
    {"perform", multi_perform},
    {"pending", multi_pending},
    {"abort", multi_abort},
    {"close", multi_close},
    {NULL, NULL},
};

void gc_multi_register(lua_State *L)
{
    luaL_newmetatable(L, GC_MULTI_MT);
    lua_newtable(L);
    gc_setfuncs(L, multi_methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, multi_close);
    lua_setfield(L, -2, "__gc");
#if LUA_VERSION_NUM >= 504
    lua_pushcfunction(L, multi_close);
    lua_setfield(L, -2, "__close");
#endif
    lua_pushcfunction(L, multi_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, GC_MULTI_MT);
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
}
