/*
 * core.json_decode(text, null[, array_mt]): JSON text to Lua values,
 * normalised as gpucloud.json documents, arrays optionally marked (json.c).
 */
#ifndef GPUCLOUD_JSON_H
#define GPUCLOUD_JSON_H

#include <lua.h>

/* Sets json_decode, json_records and json_null in the module table on top
 * of the stack. */
void gc_json_register(lua_State *L);

#endif
