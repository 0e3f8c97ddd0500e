/*
 * What plain Lua cannot do with files: push written bytes to the disk
 * (fsync), and hold a lock that the kernel lets go of when the process
 * dies (flock), so a run killed with SIGKILL never leaves a stale lock.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "fsys.h"

#define GC_LOCK_MT "gpucloud.lock"

typedef struct {
    int fd;
} gc_lock;

static const char *check_path(lua_State *L, int idx)
{
    size_t      len;
    const char *path = luaL_checklstring(L, idx, &len);
    if (len == 0 || memchr(path, '\0', len))
        luaL_argerror(L, idx, "expected a file name without NUL");
    return path;
}

static int fail(lua_State *L, const char *path, int err)
{
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path, strerror(err));
    return 2;
}

/* core.fsync(path) -> true | nil, message.  A file's bytes (the caller
 * flushed its own buffer first) or a directory's entries (a rename in it)
 * reach the disk: fsync acts on the file, whichever descriptor asks. */
static int fsys_fsync(lua_State *L)
{
    const char *path = check_path(L, 1);
    int         fd, err;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return fail(L, path, errno);
    err = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    if (err)
        return fail(L, path, err);
    lua_pushboolean(L, 1);
    return 1;
}

/* core.newer(path, than) -> true | false | nil, message.  Whether path was
 * modified after than, to the nanosecond: a precompiled module is used only
 * when newer than its source (gpucloud.bytecode), as make decides. */
static int fsys_newer(lua_State *L)
{
    const char *path = check_path(L, 1), *than = check_path(L, 2);
    struct stat a, b;
    if (stat(path, &a) != 0)
        return fail(L, path, errno);
    if (stat(than, &b) != 0)
        return fail(L, than, errno);
    lua_pushboolean(L, a.st_mtim.tv_sec > b.st_mtim.tv_sec ||
                           (a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec > b.st_mtim.tv_nsec));
    return 1;
}

/* core.lock(path) -> lock | nil, message[, "busy"].  An exclusive flock on
 * path (made 0600 when missing), never waiting: the caller decides how
 * long to try.  lock:unlock() (also __gc, __close) lets go. */
static int fsys_lock(lua_State *L)
{
    const char *path = check_path(L, 1);
    gc_lock    *lk;
    int         fd, rc;
    do {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return fail(L, path, errno);
    do {
        rc = flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int err = errno;
        close(fd);
        if (err == EWOULDBLOCK) {
            lua_pushnil(L);
            lua_pushfstring(L, "%s: held by another run", path);
            lua_pushliteral(L, "busy");
            return 3;
        }
        return fail(L, path, err);
    }
    lk     = (gc_lock *)lua_newuserdata(L, sizeof *lk);
    lk->fd = fd;
    luaL_getmetatable(L, GC_LOCK_MT);
    lua_setmetatable(L, -2);
    return 1;
}

/* The one cleanup behind unlock, __gc and __close; idempotent. */
static int lock_unlock(lua_State *L)
{
    gc_lock *lk = (gc_lock *)luaL_checkudata(L, 1, GC_LOCK_MT);
    if (lk->fd >= 0) {
        close(lk->fd); /* closing the only descriptor releases the flock */
        lk->fd = -1;
    }
    return 0;
}

static int lock_tostring(lua_State *L)
{
    gc_lock *lk = (gc_lock *)luaL_checkudata(L, 1, GC_LOCK_MT);
    lua_pushstring(L, lk->fd >= 0 ? "gpucloud.lock (held)" : "gpucloud.lock (released)");
    return 1;
}

static const luaL_Reg lock_methods[] = {
    {"unlock", lock_unlock},
    {NULL, NULL},
};

static const luaL_Reg fsys_funcs[] = {
    {"fsync", fsys_fsync},
    {"newer", fsys_newer},
    {"lock", fsys_lock},
    {NULL, NULL},
};

void gc_fsys_register(lua_State *L)
{
    luaL_newmetatable(L, GC_LOCK_MT);
    lua_newtable(L);
    gc_setfuncs(L, lock_methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lock_unlock);
    lua_setfield(L, -2, "__gc");
#if LUA_VERSION_NUM >= 504
    lua_pushcfunction(L, lock_unlock);
    lua_setfield(L, -2, "__close");
#endif
    lua_pushcfunction(L, lock_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    gc_setfuncs(L, fsys_funcs, 0);
}
