#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "http_parse.h"

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

int gc_is_status_line(const char *p, size_t len)
{
    return len >= 5 && memcmp(p, "HTTP/", 5) == 0;
}

/* RFC 9110 tchar: "!#$%&'*+-.^_`|~", digits and ASCII letters (a table:
 * every header name of every request and answer goes through here). */
static const unsigned char TCHAR[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

int gc_is_token(const char *s, size_t n)
{
    size_t i;
    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        if (!TCHAR[(unsigned char)s[i]])
            return 0;
    return 1;
}

int gc_has_line_break(const char *s, size_t n)
{
    return memchr(s, '\r', n) || memchr(s, '\n', n) || memchr(s, '\0', n);
}

void gc_head_clear(gc_head *h, size_t keep)
{
    gc_buf_clear(&h->buf, keep);
    h->lines = 0;
    h->error = GC_HEAD_OK;
}

int gc_head_add(gc_head *h, const char *line, size_t len)
{
    if (gc_is_status_line(line, len)) {
        h->buf.len = 0;
        h->lines   = 0;
    }
    if (++h->lines > GC_MAX_HEADER_LINES) {
        h->error = GC_HEAD_TOO_MANY;
        return -1;
    }
    if (len > GC_MAX_HEADER_BYTES - h->buf.len) {
        h->error = GC_HEAD_TOO_BIG;
        return -1;
    }
    if (gc_buf_append(&h->buf, line, len)) {
        h->error = GC_HEAD_NOMEM;
        return -1;
    }
    return 0;
}

/* obs-fold: a line break followed by a blank continues the line above.
 * Blanking the break joins the two lines, so no continuation can be read
 * as a field of its own ("X-A: 1\r\n Retry-After: 0" is one field). */
static void unfold(char *data, size_t len)
{
    size_t i;
    for (i = 0; i + 1 < len; i++) {
        if (data[i] == '\n' && is_blank(data[i + 1])) {
            data[i] = ' ';
            if (i > 0 && data[i - 1] == '\r')
                data[i - 1] = ' ';
        }
    }
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && is_blank(**s))
        (*s)++;
    while (*e > *s && (is_blank((*e)[-1]) || (*e)[-1] == '\r' || (*e)[-1] == '\n'))
        (*e)--;
}

int gc_head_each(char *data, size_t len, gc_field_fn fn, void *ud)
{
    const char *p, *end;
    char        name[GC_MAX_HEADER_NAME];
    int         n = 0;
    if (!data || !len)
        return 0;
    unfold(data, len);
    for (p = data, end = data + len; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *colon, *ns, *ne, *vs, *ve;
        size_t      i, nlen;
        if (!eol)
            eol = end;
        colon = memchr(p, ':', (size_t)(eol - p));
        /* After unfolding, a line can start with a blank only at the top
         * of the block, with nothing above it to continue: ignored. */
        if (colon && !is_blank(*p) && !gc_is_status_line(p, (size_t)(eol - p))) {
            ns = p, ne = colon, vs = colon + 1, ve = eol;
            trim(&ns, &ne);
            trim(&vs, &ve);
            nlen = (size_t)(ne - ns);
            if (nlen <= sizeof name && gc_is_token(ns, nlen)) {
                for (i = 0; i < nlen; i++)
                    name[i] = (char)tolower((unsigned char)ns[i]);
                if (fn(ud, name, nlen, vs, (size_t)(ve - vs)))
                    return -1;
                n++;
            }
        }
        p = eol + 1;
    }
    return n;
}

int gc_seconds_to_ms(double s, long *ms)
{
    if (!(s > 0)) /* also refuses NaN */
        return -1;
    /* LONG_MAX / 1000 rounds up as a double, so s * 1000 below it fits */
    if (s >= (double)LONG_MAX / 1000)
        *ms = LONG_MAX;
    else
        *ms = s * 1000 < 1 ? 1 : (long)(s * 1000);
    return 0;
}

int gc_byte_count(double n, size_t *out)
{
    if (!(n >= 0))
        return -1;
    *out = n >= (double)(SIZE_MAX / 2) ? SIZE_MAX / 2 : (size_t)n;
    return 0;
}
