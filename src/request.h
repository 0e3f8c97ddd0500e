/*
 * Reading the request table that Lua hands to client:request().  Kept apart
 * from libcurl so the fuzz target can drive it with arbitrary tables.
 */
#ifndef GPUCLOUD_REQUEST_H
#define GPUCLOUD_REQUEST_H

#include <stddef.h>

#include <lua.h>

/* The answer's headers a request asks for (`response_headers`): every one,
 * or the names listed, lowercase, each ending in a NUL.  A list longer than
 * GC_WANT_BYTES asks for every header: more than was asked is never wrong. */
#define GC_WANT_BYTES 128
typedef struct gc_want {
    int  all;
    int  n;
    char names[GC_WANT_BYTES];
} gc_want;

/* Is `name` (lowercase, nlen bytes) one of the headers asked for? */
int gc_want_has(const gc_want *w, const char *name, size_t nlen);

typedef struct gc_request {
    const char *method;   /* an HTTP token; "GET" when not given */
    const char *url;      /* no CR, LF or NUL */
    const char *body;     /* NULL when not given; may hold any bytes */
    size_t      body_len;
    const char *ca_file;  /* NULL when not given */
    long        timeout_ms;         /* 0: none given (libcurl's) */
    long        connect_timeout_ms; /* 0: none given (libcurl's) */
    size_t      max_body;           /* none given: SIZE_MAX / 2 */
    int         insecure; /* 1 only for an explicit `insecure = true` */
    gc_want     want;     /* the answer's headers to report */
} gc_request;

/* Receives each request header as one NUL-terminated line, "Name: value",
 * or "Name;" for an empty value (libcurl's way of sending one).  Returns 0,
 * or -1 when out of memory. */
typedef int (*gc_line_fn)(void *ud, const char *line);

/* Reads and checks the table at index t (absolute).  Anything wrong raises
 * a Lua error naming the field: these are programming errors of the
 * caller, not runtime failures.  Pushes four values that keep the strings
 * in *r alive: leave them on the stack for as long as *r is used. */
void gc_request_read(lua_State *L, int t, gc_request *r, gc_line_fn add_header, void *ud);

#endif
