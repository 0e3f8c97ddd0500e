/* A growable byte buffer filled from libcurl callbacks, where raising a Lua
 * error would unwind through libcurl: so plain C, failure reported by value. */
#ifndef GPUCLOUD_BUF_H
#define GPUCLOUD_BUF_H

#include <stddef.h>

typedef struct gc_buf {
    char  *data;
    size_t len;
    size_t cap;
} gc_buf;

/* 0 on success, -1 when memory runs out (the buffer is left as it was). */
int  gc_buf_append(gc_buf *b, const char *p, size_t n);
/* Forget the contents; keep up to `keep` bytes of capacity for the next use. */
void gc_buf_clear(gc_buf *b, size_t keep);
void gc_buf_free(gc_buf *b);

#endif
