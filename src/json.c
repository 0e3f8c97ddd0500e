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
 * half the cost of a call; here the members of an object wait on the Lua
 * stack and the table is made at its final size.
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
#include <string.h>

#include "compat.h"
#include "ceilings.h"
#include "json.h"

#define BATCH       32  /* members or elements held on the stack at once */

typedef struct jd {
    lua_State  *L;
    const char *start, *p, *end;
    int         null;  /* stack index of the null sentinel */
    int         array_mt; /* stack index of the arrays' metatable; 0: none */
    int         depth;
    const char *err;   /* static text; set once, on the first failure */
} jd;

static int fail(jd *d, const char *what)
{
    if (!d->err)
        d->err = what;
    return -1;
}

static void skip_ws(jd *d)
{
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t'))
        d->p++;
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

/* d->p just after the opening quote; pushes the string. */
static int string(jd *d)
{
    const char *s = d->p;
    luaL_Buffer b;
    while (d->p < d->end && *d->p != '"' && *d->p != '\\')
        d->p++;
    if (d->p >= d->end)
        return fail(d, "unterminated string");
    if (*d->p == '"') { /* no escapes: the common case, no copy */
        lua_pushlstring(d->L, s, (size_t)(d->p - s));
        d->p++;
        return 0;
    }
    luaL_buffinit(d->L, &b);
    luaL_addlstring(&b, s, (size_t)(d->p - s));
    for (;;) {
        const char *run = d->p;
        while (d->p < d->end && *d->p != '"' && *d->p != '\\')
            d->p++;
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

/* d->p just after '{'. */
static int object(jd *d)
{
    lua_State *L = d->L;
    int        t = 0, n = 0, top = lua_gettop(L);
    if (!lua_checkstack(L, 2 * BATCH + 4))
        return fail(d, "nested too deeply");
    skip_ws(d);
    if (d->p < d->end && *d->p == '}') {
        d->p++;
        lua_newtable(L);
        return 0;
    }
    for (;;) {
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
        if (value(d))
            return -1;
        if (lua_rawequal(L, -1, d->null)) { /* a null member is left out */
            lua_pop(L, 1);
            lua_pushnil(L);
        }
        n++;
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            if (n == BATCH) { /* the table, sized for this batch at least */
                if (!t) {
                    lua_createtable(L, 0, n);
                    lua_insert(L, top + 1);
                    t = top + 1;
                }
                flush_members(L, t, n);
                n = 0;
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
        lua_createtable(L, 0, n);
        lua_insert(L, top + 1);
        t = top + 1;
    }
    flush_members(L, t, n);
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
        if (value(d))
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
    d.start = luaL_checklstring(L, 1, &len);
    luaL_checkany(L, 2);
    if (!lua_isnoneornil(L, 3))
        luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    top        = 3;
    d.L        = L;
    d.p        = d.start;
    d.end      = d.start + len;
    d.null     = 2;
    d.array_mt = lua_isnil(L, 3) ? 0 : 3;
    d.depth    = 0;
    d.err      = NULL;
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

void gc_json_register(lua_State *L)
{
    lua_pushcfunction(L, core_json_decode);
    lua_setfield(L, -2, "json_decode");
}
