#include <stdlib.h>
#include <string.h>

#include "buf.h"

int gc_buf_append(gc_buf *b, const char *p, size_t n)
{
    if (n > b->cap - b->len) {
        size_t need = b->len + n, cap = b->cap ? b->cap : 4096;
        char  *d;
        if (need < b->len) /* overflow */
            return -1;
        while (cap < need)
            cap = cap > (size_t)-1 / 2 ? need : cap * 2;
        if (!(d = realloc(b->data, cap)))
            return -1;
        b->data = d;
        b->cap  = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void gc_buf_clear(gc_buf *b, size_t keep)
{
    b->len = 0;
    if (b->cap > keep) /* one huge listing must not pin its memory forever */
        gc_buf_free(b);
}

void gc_buf_free(gc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
