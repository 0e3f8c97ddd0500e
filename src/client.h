#ifndef GPUCLOUD_CLIENT_H
#define GPUCLOUD_CLIENT_H

#include <lua.h>

#define GC_CLIENT_MT "gpucloud.core.client"

void gc_client_register(lua_State *L);       /* the client metatable */
int  gc_client_new(lua_State *L);            /* pushes a new client */
void gc_client_push_module_request(lua_State *L); /* core.request closure */

#endif
