#ifndef GPUCLOUD_INTERRUPT_H
#define GPUCLOUD_INTERRUPT_H

#include <lua.h>

/* The interrupt guard (interrupt.c): SIGINT and SIGTERM counted, not fatal. */
int  gc_interrupt_active(void);      /* the guard is installed */
int  gc_interrupt_aborting(void);    /* work in flight must stop now */
const char *gc_interrupt_name(void); /* the last signal's name, or NULL */
void gc_interrupt_register(lua_State *L); /* its functions, into the table on top */

#endif
