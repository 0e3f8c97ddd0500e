#ifndef GPUCLOUD_XFER_H
#define GPUCLOUD_XFER_H

#include <curl/curl.h>
#include <lua.h>

#include "buf.h"
#include "http_parse.h"
#include "request.h"

typedef struct gc_xfer {
    CURL              *easy;
    struct curl_slist *req_headers; /* owned here so a raise cannot leak it */
    gc_buf             body;
    gc_head            head;        /* header lines of the last response */
    size_t             max_body;
    gc_want            want;        /* the answer's headers to report */
    int                too_large;   /* the body went past max_body */
    int                body_ref;    /* registry ref keeping the body alive */
    int                sent;        /* times the request went on a connection */
    int                interrupted; /* stopped by the interrupt guard (interrupt.c) */
    char               errbuf[CURL_ERROR_SIZE];
    /* What the handle was last set up for (gc_xfer_prepare): a request of
     * the same kind sets only its own options, anything else starts again
     * from curl_easy_reset.  set_up is 0 until a setup completes. */
    int                set_up;
    int                set_insecure;
    int                set_body;
    char               set_method[16];
    char              *set_ca_file; /* a copy; NULL for libcurl's default */
    int                set_progress; /* the interrupt guard's callback is set */
} gc_xfer;

int  gc_xfer_init(gc_xfer *x);                 /* -1 when libcurl cannot */
void gc_xfer_release(gc_xfer *x);              /* idempotent */
void gc_xfer_unref(lua_State *L, gc_xfer *x);  /* drop the body reference */
/* Set the easy handle up from the request table at index t, raising on a
 * bad request before anything is sent.  With keep_body the request body is
 * referenced until gc_xfer_unref, for transfers that outlive the call. */
void gc_xfer_prepare(lua_State *L, gc_xfer *x, int t, int keep_body);
/* After the transfer: pushes {status, headers, body, sent}, or nil and
 * {code, message, curl_code, sent}; returns how many values it pushed. */
int  gc_xfer_push_result(lua_State *L, gc_xfer *x, CURLcode rc);
/* The same for a transfer the interrupt guard stops (or never starts):
 * nil and {code = "interrupted", message, curl_code, sent}. */
int  gc_xfer_push_interrupted(lua_State *L, gc_xfer *x);

#endif
