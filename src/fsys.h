/*
 * Files that must survive a crash: core.fsync(path) and core.lock(path), for
 * the fleet's state file and journal.  Nothing here knows a provider.
 */
#ifndef GPUCLOUD_FSYS_H
#define GPUCLOUD_FSYS_H

#include <lua.h>

/* Add fsync and lock to the module table on top of the stack; register the
 * lock's metatable. */
void gc_fsys_register(lua_State *L);

#endif
