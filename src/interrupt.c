/*
 * The interrupt guard: SIGINT and SIGTERM counted instead of ending the
 * process, so that the command line and the REPL can stop a run and still
 * say what it did.  A signal handler may do next to nothing safely: this
 * one only counts the signal and notes which it was, in two
 * `volatile sig_atomic_t`s.  Everything else reads them: libcurl's progress
 * callback (xfer.c) and the multi loop (multi.c) end the transfers in
 * flight, and core.sleep returns early, once the count reaches the level
 * the Lua layer asked for ("abort"); below it (the command line's first
 * Ctrl-C) the Lua scheduler only stops starting new calls.
 *
 * Signal dispositions belong to the process, so this state does too: it
 * is the one process-wide state besides curl_global_init (core.c says
 * why that one).  Whichever Lua state installs the guard, every transfer
 * in the process sees it.
 */
#include <limits.h>
#include <signal.h>
#include <string.h>

#include "compat.h"
#include "interrupt.h"

static volatile sig_atomic_t seen;     /* signals since the guard or the last clear */
static volatile sig_atomic_t last;     /* the last one's number, 0 for none */
static int                   abort_at; /* the count that stops work in flight; 0: no guard */
static struct sigaction      saved[2]; /* the dispositions the guard replaced */
static const int             guarded[2] = {SIGINT, SIGTERM};

static void on_signal(int sig)
{
    if (seen < SHRT_MAX) /* sig_atomic_t may be as narrow as a short */
        seen = seen + 1;
    last = sig;
}

int gc_interrupt_active(void)
{
    return abort_at > 0;
}

int gc_interrupt_aborting(void)
{
    return abort_at > 0 && seen >= abort_at;
}

const char *gc_interrupt_name(void)
{
    switch (last) {
    case 0:
        return NULL;
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    default:
        return "a signal";
    }
}

/* core.interrupt_guard(on[, abort_at[, wake_reads]]) -> whether it was on
 * before.  On: SIGINT and SIGTERM are counted from now on (the count
 * starts at 0), and transfers, the multi loop and core.sleep stop once
 * `abort_at` signals (default 1) have come; called again while on, only
 * `abort_at` changes.  Off: the dispositions it replaced are put back and
 * the count is cleared (read it first), so no later run stops for an old
 * signal.  Other system calls are restarted after the handler (SA_RESTART:
 * a report being written is not cut short), unless `wake_reads`: then a
 * blocking read returns (the REPL's plain prompt sees the Ctrl-C).  poll
 * and nanosleep, where the waits are, return at a signal either way. */
static int core_interrupt_guard(lua_State *L)
{
    int         on    = lua_toboolean(L, 1);
    lua_Integer at    = luaL_optinteger(L, 2, 1);
    int         wake  = lua_toboolean(L, 3);
    int         was   = abort_at > 0;
    int         i;
    luaL_checkany(L, 1);
    if (at < 1 || at > SHRT_MAX)
        return luaL_argerror(L, 2, "abort_at must be 1 or more");
    if (on && !was) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags   = wake ? 0 : SA_RESTART;
        sigemptyset(&sa.sa_mask);
        for (i = 0; i < 2; i++)
            sigaddset(&sa.sa_mask, guarded[i]);
        seen = 0;
        last = 0;
        for (i = 0; i < 2; i++) {
            if (sigaction(guarded[i], &sa, &saved[i]) != 0) {
                while (i-- > 0)
                    sigaction(guarded[i], &saved[i], NULL);
                return luaL_error(L, "gpucloud.core: sigaction failed");
            }
        }
    } else if (!on && was) {
        for (i = 0; i < 2; i++)
            sigaction(guarded[i], &saved[i], NULL);
        seen = 0;
        last = 0;
    }
    abort_at = on ? (int)at : 0;
    lua_pushboolean(L, was);
    return 1;
}

/* core.interrupted() -> count, name ("SIGINT", "SIGTERM") or nil, aborting:
 * the signals since the guard was installed or last cleared, the last
 * one, and whether work in flight is being stopped. */
static int core_interrupted(lua_State *L)
{
    const char *name = gc_interrupt_name();
    lua_pushinteger(L, (lua_Integer)seen);
    if (name)
        lua_pushstring(L, name);
    else
        lua_pushnil(L);
    lua_pushboolean(L, gc_interrupt_aborting());
    return 3;
}

/* core.clear_interrupt() -> the count it cleared: a new start (the REPL,
 * between one line and the next). */
static int core_clear_interrupt(lua_State *L)
{
    lua_Integer n = (lua_Integer)seen;
    seen = 0;
    last = 0;
    lua_pushinteger(L, n);
    return 1;
}

static const luaL_Reg interrupt_funcs[] = {
    {"interrupt_guard", core_interrupt_guard},
    {"interrupted", core_interrupted},
    {"clear_interrupt", core_clear_interrupt},
    {NULL, NULL},
};

void gc_interrupt_register(lua_State *L)
{
    gc_setfuncs(L, interrupt_funcs, 0);
}
