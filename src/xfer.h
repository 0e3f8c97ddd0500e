#ifndef GPUCLOUD_XFER_H
#define GPUCLOUD_XFER_H

#include <curl/curl.h>
#include <lua.h>

#include "buf.h"

typedef struct gc_xfer {
    CURL              *easy;
    struct curl_slist *req_headers; /* owned here so a raise cannot leak it */
    gc_buf             body;
    gc_buf             head;        /* raw header lines of the last response */
    size_t             max_body;
    int                head_lines;
    int                overflow;    /* a limit was hit: body or headers */
    int                body_ref;    /* registry ref keeping the body alive */
    char               errbuf[CURL_ERROR_SIZE];
} gc_xfer;

int  gc_xfer_init(gc_xfer *x);                 /* -1 when libcurl cannot */
void gc_xfer_release(gc_xfer *x);              /* idempotent */
void gc_xfer_unref(lua_State *L, gc_xfer *x);  /* drop the body reference */
void gc_xfer_prepare(lua_State *L, gc_xfer *x, int req, int keep_body);
int  gc_xfer_push_result(lua_State *L, gc_xfer *x, CURLcode rc);

#endif
