/*
 * What the C core parses and checks, as plain functions over bytes: no Lua
 * state, no libcurl.  The client calls them from its libcurl callbacks and
 * request reader; the fuzz targets (fuzz/) call them directly.
 */
#ifndef GPUCLOUD_HTTP_PARSE_H
#define GPUCLOUD_HTTP_PARSE_H

#include <stddef.h>

#include "buf.h"

#include "ceilings.h"

/* Why gc_head_add refused a line. */
enum { GC_HEAD_OK = 0, GC_HEAD_TOO_MANY, GC_HEAD_TOO_BIG, GC_HEAD_NOMEM };

/* The header lines of the response being received. */
typedef struct gc_head {
    gc_buf buf;
    int    lines;
    int    error; /* GC_HEAD_*: set once a line was refused */
} gc_head;

/* Takes one line as libcurl's header callback delivers it (terminator
 * included).  A status line starts a new response (after a 100 Continue,
 * say), so only the last response's lines are kept.  Returns 0, or -1 when
 * the line would pass a limit or memory ran out (h->error says which). */
int gc_head_add(gc_head *h, const char *line, size_t len);
/* Ready for the next response; keeps up to `keep` bytes of capacity. */
void gc_head_clear(gc_head *h, size_t keep);

/* Called once per header field, in order, with the name lowercased and
 * the value trimmed of surrounding blanks; neither is NUL-terminated.
 * Returns 0 to go on, non-zero to stop. */
typedef int (*gc_field_fn)(void *ud, const char *name, size_t nlen,
                           const char *value, size_t vlen);

/* Walks a header block as gc_head_add keeps it.  Status lines and lines
 * without a colon are skipped; so are fields whose name is not an HTTP
 * token (RFC 9110 5.1: "X A", names holding control bytes) or is longer
 * than GC_MAX_HEADER_NAME.  An obsolete folded continuation line (one that
 * starts with a blank) belongs to the field above it: it is joined to that
 * value with a space, as RFC 9112 5.2 asks, never read as a field of its
 * own.  The block is rewritten in place to do so.  Returns the number of
 * fields reported, or -1 if fn stopped the walk. */
int gc_head_each(char *data, size_t len, gc_field_fn fn, void *ud);

int gc_is_status_line(const char *p, size_t len);
/* An HTTP token (RFC 9110 5.6.2) of n bytes: methods and header names. */
int gc_is_token(const char *s, size_t n);
/* CR, LF or NUL: bytes that would end or cut a request line or header. */
int gc_has_line_break(const char *s, size_t n);

/* Seconds (a Lua number) to the milliseconds libcurl takes: at least 1 ms,
 * saturating at LONG_MAX.  -1 for values that are not positive (or NaN). */
int gc_seconds_to_ms(double s, long *ms);
/* A byte count (a Lua number) as a size_t, saturating at SIZE_MAX / 2 so a
 * later `limit - used` cannot wrap.  -1 for negative values and NaN. */
int gc_byte_count(double n, size_t *out);

#endif
