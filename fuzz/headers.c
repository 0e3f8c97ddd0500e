/*
 * libFuzzer target: a response's header bytes, from the network, through
 * what the client does with them: gc_head_add per line (as libcurl's header
 * callback hands them over, limits applied), then gc_head_each (unfolding,
 * name checks, trimming).  Besides the sanitizers, it checks what the Lua
 * side is promised about every field it gets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    int fields;
};

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static int check_field(void *ud, const char *name, size_t nlen, const char *value, size_t vlen)
{
    struct seen *s = ud;
    size_t       i;
    if (nlen == 0 || nlen > GC_MAX_HEADER_NAME || !gc_is_token(name, nlen))
        abort();
    for (i = 0; i < nlen; i++)
        if (name[i] >= 'A' && name[i] <= 'Z')
            abort();
    /* one field never spans a line break, and comes trimmed */
    if (memchr(value, '\n', vlen))
        abort();
    if (vlen && (is_blank(value[0]) || is_blank(value[vlen - 1]) || value[vlen - 1] == '\r'))
        abort();
    s->fields++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    gc_head     h;
    struct seen s = {0};
    int         n, added = 0;

    memset(&h, 0, sizeof h);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t      len = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);
        if (gc_head_add(&h, p, len))
            break;
        added++;
        p += len;
    }
    if (h.buf.len > GC_MAX_HEADER_BYTES || h.lines > GC_MAX_HEADER_LINES + 1)
        abort();
    if (p < end && h.error == GC_HEAD_OK)
        abort(); /* a refused line must say why */

    n = gc_head_each(h.buf.data, h.buf.len, check_field, &s);
    if (n != s.fields || n > added)
        abort();
    gc_head_clear(&h, 0);
    if (h.buf.data || h.buf.len || h.lines || h.error)
        abort();
    return 0;
}
