#ifndef GPUCLOUD_MULTI_H
#define GPUCLOUD_MULTI_H

#include <lua.h>

void gc_multi_register(lua_State *L); /* the multi metatable */
int  gc_multi_new(lua_State *L);      /* pushes a new multi */

#endif
