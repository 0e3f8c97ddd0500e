/*
 * core.json_decode(text, null[, array_mt]) -> value | nil, message
 *
 * JSON to Lua in one pass, producing what gpucloud.json used to get from
 * cjson.decode followed by a walk in Lua over every table: object members
 * that are null are left out, a null inside an array is `null` (the
 * caller's sentinel, cjson.null), and on VMs with integers a number with an
 * integral value is an integer.
 *
 * With array_mt (a table), every array the decoder builds, empty or not,
 * nested or not, gets it as its metatable and no object does, so `[]` and
 * `{}` can be told apart: a `{}` where a list belongs is not an empty list.
 * Without it (nil or absent), no table gets a metatable.
 *
 * Profiles of a listing call put the walk and cjson's table growth
 * (objects built from empty tables, rehashed at 1, 2, 4, 8 members) at
 * half the cost of a call.  Here an object's table is made at the size of
 * the last object finished at its depth (a listing's records are alike),
 * short strings are pushed from a small cache of the ones already made in
 * this document (a listing repeats its keys and many of its values), and
 * plain decimals are read without strtod.  `make bench-profile` shows the
 * instructions each of these saves.
 *
 * Generic JSON, nothing provider-specific.  Never raises on bad input (only
 * on a bad argument, or when memory runs out, as any Lua allocation does).
 * What it accepts beyond RFC 8259 is what cjson accepts too: leading zeros
 * and a trailing dot in numbers ("01", "1."), raw control bytes inside
 * strings.  It is stricter than cjson on NaN, Infinity and hex numbers,
 * which no API sends.
 */
#include <locale.h>
#include <stdlib.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "compat.h"
#include "ceilings.h"
#include "json.h"

#define BATCH       32  /* elements of an array held on the stack at once */
#define CACHE_SLOTS 64  /* short strings kept for reuse (a power of 2) */
#define CACHE_LEN   40  /* Lua's short strings: interned, so sharing them is unseen */

typedef struct jd {
    lua_State  *L;
    const char *start, *p, *end;
    int         null;  /* stack index of the null sentinel */
    int         array_mt; /* stack index of the arrays' metatable; 0: none */
    int         depth;
    const char *err;   /* static text; set once, on the first failure */
    int         cache; /* stack index of cache slot 0 */
    struct {
        const char *s; /* the bytes in the text, and how many */
        size_t      len;
    } cached[CACHE_SLOTS];
    int members[GC_MAX_JSON_DEPTH + 1]; /* members of the last object per depth */
} jd;

static int fail(jd *d, const char *what)
{
    if (!d->err)
        d->err = what;
    return -1;
}

/* Bytes that end a run: whitespace to skip; what ends a string's plain
 * run.  The text is a Lua string, which always has a NUL after its last
 * byte: a run stops there at the latest, so the loops need no bounds test
 * of their own (a NUL inside the text is stepped over where it belongs). */
static const unsigned char IS_WS[256] = {[' '] = 1, ['\n'] = 1, ['\r'] = 1, ['\t'] = 1};
static const unsigned char ENDS_PLAIN[256] = {[0] = 1, ['"'] = 1, ['\\'] = 1};

static void skip_ws(jd *d)
{
    while (IS_WS[(unsigned char)*d->p])
        d->p++;
}

/* From p to the first quote or backslash of a string, or to the end.
 * (Bytes one at a time: 8 at a time cost more on the short strings a
 * listing is made of, make bench-profile says.) */
static const char *plain_run(const char *p, const char *end)
{
    for (;;) {
        while (!ENDS_PLAIN[(unsigned char)*p])
            p++;
        if (*p || p >= end)
            return p;
        p++; /* a NUL byte inside the string: raw bytes are kept */
    }
}

/* n bytes at a and b alike?  (The cache's strings are short: no call.) */
static int same_bytes(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    size_t   i;
    if (n < 8) {
        for (i = 0; i < n; i++)
            if (a[i] != b[i])
                return 0;
        return 1;
    }
    for (i = 0; i + 8 <= n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return 0;
    }
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    return x == y;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    int      i;
    for (i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void add_utf8(luaL_Buffer *b, unsigned cp)
{
    char   u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n    = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n    = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n    = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n    = 4;
    }
    luaL_addlstring(b, u, n);
}

/* A \uXXXX escape (d->p on the 'u'), a surrogate pair as one code point. */
static int unicode_escape(jd *d, luaL_Buffer *b)
{
    unsigned cp, lo;
    if (d->end - d->p < 5 || hex4(d->p + 1, &cp))
        return fail(d, "invalid unicode escape");
    d->p += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail(d, "invalid unicode escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (d->end - d->p < 6 || d->p[0] != '\\' || d->p[1] != 'u' || hex4(d->p + 2, &lo)
            || lo < 0xDC00 || lo > 0xDFFF)
            return fail(d, "invalid unicode escape");
        d->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    add_utf8(b, cp);
    return 0;
}

/* A string with escapes: s its first byte, d->p on its first backslash.
 * Kept apart from string() so the common case needs no buffer on the
 * stack. */
static int escaped(jd *d, const char *s)
{
    luaL_Buffer b;
    luaL_buffinit(d->L, &b);
    luaL_addlstring(&b, s, (size_t)(d->p - s));
    for (;;) {
        const char *run = d->p;
        d->p = plain_run(d->p, d->end);
        luaL_addlstring(&b, run, (size_t)(d->p - run));
        if (d->p >= d->end) {
            luaL_pushresult(&b);
            return fail(d, "unterminated string");
        }
        if (*d->p == '"')
            break;
        if (++d->p >= d->end) {
            luaL_pushresult(&b);
            return fail(d, "unterminated string");
        }
        switch (*d->p) {
        case '"': luaL_addchar(&b, '"'); break;
        case '\\': luaL_addchar(&b, '\\'); break;
        case '/': luaL_addchar(&b, '/'); break;
        case 'b': luaL_addchar(&b, '\b'); break;
        case 'f': luaL_addchar(&b, '\f'); break;
        case 'n': luaL_addchar(&b, '\n'); break;
        case 'r': luaL_addchar(&b, '\r'); break;
        case 't': luaL_addchar(&b, '\t'); break;
        case 'u':
            if (unicode_escape(d, &b)) {
                luaL_pushresult(&b);
                return -1;
            }
            continue; /* unicode_escape moved past the escape */
        default:
            luaL_pushresult(&b);
            return fail(d, "invalid escape");
        }
        d->p++;
    }
    d->p++;
    luaL_pushresult(&b);
    return 0;
}

/* d->p just after the opening quote; pushes the string. */
static int string(jd *d)
{
    const char *s = d->p;
    size_t      len;
    unsigned    h;
    d->p = plain_run(d->p, d->end);
    if (d->p >= d->end)
        return fail(d, "unterminated string");
    if (*d->p != '"')
        return escaped(d, s);
    /* no escapes: the common case, no copy */
    len = (size_t)(d->p - s);
    d->p++;
    if (!len || len > CACHE_LEN) {
        lua_pushlstring(d->L, s, len);
        return 0;
    }
    /* The same bytes seen before push the string made then. */
    h = ((unsigned)len * 31u + (unsigned char)s[0] * 7u + (unsigned char)s[len / 2] * 3u
         + (unsigned char)s[len - 1]) & (CACHE_SLOTS - 1);
    if (d->cached[h].len == len && same_bytes(d->cached[h].s, s, len)) {
        lua_pushvalue(d->L, d->cache + (int)h);
        return 0;
    }
    lua_pushlstring(d->L, s, len);
    lua_pushvalue(d->L, -1);
    lua_replace(d->L, d->cache + (int)h);
    d->cached[h].s   = s;
    d->cached[h].len = len;
    return 0;
}

/* 10^0 .. 10^22: each exact in a double. */
static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* [s, e) as -?digits[.digits][(e|E)[+-]digits] with at most 15 digits
 * before the exponent and a power of ten up to 22 either way: then the
 * digits and the power are exact doubles and one multiplication or
 * division rounds correctly, giving what strtod gives (Clinger's fast
 * path).  0 for anything else, which strtod then reads or refuses. */
static int plain_decimal(const char *s, const char *e, double *out)
{
    long long m = 0;
    int       digits = 0, scale = 0, exp = 0, neg = 0, eneg = 0, edigits = 0;
    if (s < e && *s == '-')
        neg = 1, s++;
    for (; s < e && *s >= '0' && *s <= '9'; s++)
        if (++digits <= 15) /* past 15 the answer is 0: m must not overflow */
            m = m * 10 + (*s - '0');
    if (digits == 0)
        return 0;
    if (s < e && *s == '.')
        for (s++; s < e && *s >= '0' && *s <= '9'; s++, scale++)
            if (++digits <= 15)
                m = m * 10 + (*s - '0');
    if (digits > 15)
        return 0;
    if (s < e && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < e && (*s == '+' || *s == '-'))
            eneg = *s++ == '-';
        for (; s < e && *s >= '0' && *s <= '9' && edigits < 4; s++, edigits++)
            exp = exp * 10 + (*s - '0');
        if (edigits == 0 || edigits == 4)
            return 0;
    }
    if (s != e)
        return 0;
    exp = (eneg ? -exp : exp) - scale;
    if (exp < -22 || exp > 22)
        return 0;
    *out = exp < 0 ? (double)m / POW10[-exp] : (double)m * POW10[exp];
    if (neg)
        *out = -*out;
    return 1;
}

static int number(jd *d)
{
    const char *s = d->p;
    size_t      n;
    int         digits_only = 1;
    char        buf[GC_MAX_JSON_NUMBER + 1], *endp, point;
    double      v;
    if (d->p < d->end && *d->p == '-')
        d->p++;
    if (d->p >= d->end || *d->p < '0' || *d->p > '9') /* ".5", "-x", a stray byte */
        return fail(d, d->p == s ? "expected a value" : "invalid number");
    while (d->p < d->end) {
        char c = *d->p;
        if (c >= '0' && c <= '9')
            ;
        else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')
            digits_only = 0;
        else
            break;
        d->p++;
    }
    n = (size_t)(d->p - s);
    /* Up to 15 digits are exact in a double and in any lua_Integer: no
     * strtod. */
    if (digits_only && n - (*s == '-') <= 15) {
        long long   i   = 0;
        const char *q   = s + (*s == '-');
        for (; q < d->p; q++)
            i = i * 10 + (*q - '0');
        if (*s == '-')
            i = -i;
        gc_pushexact(d->L, i);
        return 0;
    }
    if (digits_only) {
        /* An integer the VM cannot hold exactly is its decimal text, as
         * written: read through a double, an id above 2^53 would silently
         * become its neighbour (9007199254740993 -> ...992). */
        const char *q = s + (*s == '-');
        size_t      nd;
        while (q < d->p - 1 && *q == '0') /* leading zeros name no digit */
            q++;
        nd = (size_t)(d->p - q);
        if (nd <= 19) {
            unsigned long long u = 0;
#if LUA_VERSION_NUM >= 503
            /* 64-bit integers: every integer that fits is exact */
            unsigned long long limit = (*s == '-') ? (unsigned long long)LLONG_MAX + 1u : (unsigned long long)LLONG_MAX;
#else
            /* doubles only: exact up to 2^53 */
            unsigned long long limit = 9007199254740992ULL;
#endif
            int fits = 1;
            for (; q < d->p && fits; q++) {
                unsigned digit = (unsigned)(*q - '0');
                if (u > (limit - digit) / 10)
                    fits = 0;
                else
                    u = u * 10 + digit;
            }
            if (fits) {
#if LUA_VERSION_NUM >= 503
                lua_pushinteger(d->L, *s == '-' ? (lua_Integer)(0 - u) : (lua_Integer)u);
#else
                gc_pushexact(d->L, *s == '-' ? -(long long)u : (long long)u);
#endif
                return 0;
            }
        }
        if (n > GC_MAX_JSON_NUMBER)
            return fail(d, "number too long");
        lua_pushlstring(d->L, s, n);
        return 0;
    }
    if (plain_decimal(s, d->p, &v)) {
        /* the same rule as strtod's result below: 2^53 or more is text */
        if (!(v < 9007199254740992.0 && v > -9007199254740992.0))
            lua_pushlstring(d->L, s, n);
        else
            gc_pushreal(d->L, v);
        return 0;
    }
    if (n > GC_MAX_JSON_NUMBER)
        return fail(d, "number too long");
    /* strtod reads the locale's decimal point; JSON's is always '.' */
    memcpy(buf, s, n);
    buf[n] = '\0';
    point  = localeconv()->decimal_point[0];
    if (point != '.') {
        char *dot = memchr(buf, '.', n);
        if (dot)
            *dot = point;
    }
    v = strtod(buf, &endp);
    if (endp != buf + n)
        return fail(d, "invalid number");
    /* A fraction or an exponent of magnitude 2^53 or more (1e16, 1e999,
     * 9007199254740993.0): no double holds every integer there, so it is
     * its text too, the same under every VM, never a rounded id. */
    if (!(v < 9007199254740992.0 && v > -9007199254740992.0)) {
        lua_pushlstring(d->L, s, n);
        return 0;
    }
    gc_pushreal(d->L, v); /* as math.tointeger would leave it */
    return 0;
}

static int literal(jd *d, const char *word, size_t n)
{
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0)
        return fail(d, "invalid token");
    d->p += n;
    return 0;
}

static int value(jd *d);

/* A member's or an element's value, d->p on its first byte: strings and
 * numbers (most of a listing) straight to their readers, the rest through
 * value(). */
static int scalar_or_value(jd *d)
{
    char c = *d->p;
    if (c == '"') {
        d->p++;
        return string(d);
    }
    if ((c >= '0' && c <= '9') || c == '-')
        return number(d);
    return value(d);
}

/* Move the `n` pairs on top of the stack into the table just below them:
 * in order, so a repeated member keeps its last value, and a null (pushed
 * as nil) removes what an earlier duplicate set. */
static void flush_members(lua_State *L, int t, int n)
{
    int i, base = t + 1;
    for (i = 0; i < n; i++) {
        int k = base + 2 * i;
        if (lua_isnil(L, k + 1)) {
            lua_pushvalue(L, k);
            lua_rawget(L, t);
            if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                continue;
            }
            lua_pop(L, 1);
        }
        lua_pushvalue(L, k);
        lua_pushvalue(L, k + 1);
        lua_rawset(L, t);
    }
    lua_settop(L, t);
}

/* d->p just after '{'.  When an object was finished at this depth before
 * (a listing's next record), the table is made at once at its size and
 * each member is set as it is read.  Otherwise the members wait on the
 * stack until the object ends (or BATCH of them are read) and the table is
 * made at that size: growing from empty rehashes at 1, 2, 4, 8 members.
 * A null member is left out, and removes what an earlier duplicate set
 * (the last value of a repeated member wins). */
static int object(jd *d)
{
    lua_State *L = d->L;
    int        t = 0, held = 0, n = 0, top = lua_gettop(L);
    if (!lua_checkstack(L, 2 * BATCH + 4))
        return fail(d, "nested too deeply");
    if (d->members[d->depth]) {
        lua_createtable(L, 0, d->members[d->depth]);
        t = top + 1;
    }
    skip_ws(d);
    if (d->p < d->end && *d->p == '}') {
        d->p++;
        if (!t)
            lua_newtable(L);
        return 0;
    }
    for (;;) {
        int null;
        skip_ws(d);
        if (d->p >= d->end || *d->p != '"')
            return fail(d, "expected an object key string");
        d->p++;
        if (string(d))
            return -1;
        skip_ws(d);
        if (d->p >= d->end || *d->p != ':')
            return fail(d, "expected ':'");
        d->p++;
        skip_ws(d);
        null = d->p < d->end && *d->p == 'n'; /* the one value that starts so */
        if (scalar_or_value(d))
            return -1;
        n++;
        if (null) {
            lua_pop(L, 1);
            lua_pushnil(L);
        }
        if (!t)
            held++;
        else if (!null) /* the table is there: set it now */
            lua_rawset(L, t);
        else
            flush_members(L, t, 1);
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            if (held == BATCH) { /* the table, sized for this batch at least */
                lua_createtable(L, 0, held);
                lua_insert(L, top + 1);
                t = top + 1;
                flush_members(L, t, held);
                held = 0;
            }
            continue;
        }
        if (d->p < d->end && *d->p == '}') {
            d->p++;
            break;
        }
        return fail(d, "expected ',' or '}'");
    }
    if (!t) {
        lua_createtable(L, 0, held);
        lua_insert(L, top + 1);
        t = top + 1;
    }
    flush_members(L, t, held);
    d->members[d->depth] = n;
    return 0;
}

/* The array on top of the stack, finished: marked when the caller asked. */
static int end_array(jd *d)
{
    if (d->array_mt) {
        lua_pushvalue(d->L, d->array_mt);
        lua_setmetatable(d->L, -2);
    }
    return 0;
}

/* d->p just after '['. */
static int array(jd *d)
{
    lua_State *L = d->L;
    int        t = 0, n = 0, len = 0, top = lua_gettop(L), i;
    if (!lua_checkstack(L, BATCH + 4))
        return fail(d, "nested too deeply");
    skip_ws(d);
    if (d->p < d->end && *d->p == ']') {
        d->p++;
        lua_newtable(L);
        return end_array(d);
    }
    for (;;) {
        int more;
        skip_ws(d);
        if (scalar_or_value(d))
            return -1;
        n++;
        skip_ws(d);
        more = d->p < d->end && *d->p == ',';
        if (!more && !(d->p < d->end && *d->p == ']'))
            return fail(d, "expected ',' or ']'");
        d->p++;
        if (more && n < BATCH)
            continue;
        if (!t) {
            lua_createtable(L, n, 0);
            lua_insert(L, top + 1);
            t = top + 1;
        }
        for (i = n; i >= 1; i--) /* the top element is the last one */
            lua_rawseti(L, t, len + i);
        len += n;
        n = 0;
        if (!more)
            return end_array(d);
    }
}

static int value(jd *d)
{
    skip_ws(d);
    if (d->p >= d->end)
        return fail(d, "unexpected end");
    switch (*d->p) {
    case '{':
    case '[': {
        int rc;
        if (++d->depth > GC_MAX_JSON_DEPTH)
            return fail(d, "nested too deeply");
        rc = *d->p++ == '{' ? object(d) : array(d);
        d->depth--;
        return rc;
    }
    case '"':
        d->p++;
        return string(d);
    case 't':
        if (literal(d, "true", 4))
            return -1;
        lua_pushboolean(d->L, 1);
        return 0;
    case 'f':
        if (literal(d, "false", 5))
            return -1;
        lua_pushboolean(d->L, 0);
        return 0;
    case 'n':
        if (literal(d, "null", 4))
            return -1;
        lua_pushvalue(d->L, d->null);
        return 0;
    default:
        return number(d);
    }
}

static int core_json_decode(lua_State *L)
{
    size_t len;
    jd     d;
    int    top;
    const char *text = luaL_checklstring(L, 1, &len);
    luaL_checkany(L, 2);
    if (!lua_isnoneornil(L, 3))
        luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    top = 3;
    memset(&d, 0, sizeof d);
    /* the cache's strings live in stack slots above the arguments */
    if (!lua_checkstack(L, CACHE_SLOTS + 8))
        return luaL_error(L, "gpucloud.core: out of stack space");
    lua_settop(L, top + CACHE_SLOTS);
    d.cache    = top + 1;
    d.L        = L;
    d.start    = text;
    d.p        = d.start;
    d.end      = d.start + len;
    d.null     = 2;
    d.array_mt = lua_isnil(L, 3) ? 0 : 3;
    if (value(&d) == 0) {
        skip_ws(&d);
        if (d.p == d.end)
            return 1;
        fail(&d, "unexpected text after the value");
    }
    lua_settop(L, top);
    lua_pushnil(L);
    lua_pushfstring(L, "%s at character %d", d.err, (int)(d.p - d.start) + 1);
    return 2;
}

/* Is the value on top a number above *last (the first when *first)?
 * Then it becomes *last.  Ids that rise name none twice, so a listing in
 * id order (most are) needs no set of the ids it has seen. */
static int rises(lua_State *L, int *first, lua_Number *last, lua_Integer *ilast)
{
#if LUA_VERSION_NUM >= 503
    lua_Integer i;
    (void)last;
    if (!lua_isinteger(L, -1))
        return 0; /* a float id: the set decides (1.0 is the key 1) */
    i = lua_tointeger(L, -1);
    if (!*first && i <= *ilast)
        return 0;
    *ilast = i;
#else
    lua_Number v;
    (void)ilast;
    if (lua_type(L, -1) != LUA_TNUMBER)
        return 0;
    v = lua_tonumber(L, -1);
    if (!*first && !(v > *last))
        return 0;
    *last = v;
#endif
    *first = 0;
    return 1;
}

/* core.json_records(t, array_mt[, id_field]) -> true | false, i[, j]:
 * is every element of the array t (1..#t, raw) a table that is not an
 * array, i.e. whose metatable is not array_mt?  i: the first that is not.
 * With id_field (a string), also: does no element's t[i][id_field] (not
 * nil, not NaN) equal an earlier one's, as Lua table keys are equal?
 * i, j: the element that does and the earlier one.  The shape check of a
 * listing, one call in place of a few per record in Lua.  While the ids
 * rise (integers, in id order) no set is made: it is made, of the ids
 * before, at the first that does not. */
static int core_json_records(lua_State *L)
{
    size_t      i, n, k;
    const char *id_field;
    int         seen = 0, first = 1;
    lua_Number  last  = 0;
    lua_Integer ilast = 0;
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    id_field = lua_type(L, 3) == LUA_TSTRING ? lua_tostring(L, 3) : NULL;
    lua_settop(L, 3);
    n = gc_rawlen(L, 1);
    for (i = 1; i <= n; i++) {
        int object;
        lua_rawgeti(L, 1, (int)i);
        object = lua_type(L, -1) == LUA_TTABLE;
        if (object && lua_getmetatable(L, -1)) {
            object = !lua_rawequal(L, -1, 2);
            lua_pop(L, 1);
        }
        if (!object) {
            lua_pushboolean(L, 0);
            lua_pushinteger(L, (lua_Integer)i);
            return 2;
        }
        if (id_field) {
            lua_getfield(L, -1, id_field);
            /* nil has no identity; NaN is equal to nothing, itself included */
            if (!lua_isnil(L, -1) && lua_rawequal(L, -1, -1) && !(!seen && rises(L, &first, &last, &ilast))) {
                if (!seen) { /* the set, of the ids before this one: all rose */
                    lua_createtable(L, 0, n > 1 << 20 ? 1 << 20 : (int)n); /* id -> index */
                    seen = lua_gettop(L);
                    for (k = 1; k < i; k++) {
                        lua_rawgeti(L, 1, (int)k);
                        lua_getfield(L, -1, id_field);
                        if (!lua_isnil(L, -1) && lua_rawequal(L, -1, -1)) {
                            lua_pushinteger(L, (lua_Integer)k);
                            lua_rawset(L, seen);
                        } else {
                            lua_pop(L, 1);
                        }
                        lua_pop(L, 1);
                    }
                    lua_insert(L, 4); /* below the element and its id */
                    seen = 4;
                }
                lua_pushvalue(L, -1);
                lua_rawget(L, seen);
                if (!lua_isnil(L, -1)) {
                    lua_pushboolean(L, 0);
                    lua_pushinteger(L, (lua_Integer)i);
                    lua_pushvalue(L, -3); /* the earlier index */
                    return 3;
                }
                lua_pop(L, 1);
                lua_pushinteger(L, (lua_Integer)i);
                lua_rawset(L, seen);
            } else {
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    lua_pushboolean(L, 1);
    return 1;
}

void gc_json_register(lua_State *L)
{
    lua_pushcfunction(L, core_json_decode);
    lua_setfield(L, -2, "json_decode");
    lua_pushcfunction(L, core_json_records);
    lua_setfield(L, -2, "json_records");
    /* JSON null as cjson and ngx have it, the light userdata NULL: the Lua
     * layer takes it from here and need not load cjson for it */
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "json_null");
}
