/*
 * One HTTP transfer on a libcurl easy handle: a request table in, a
 * {status, headers, body} table or an error table out.  Shared by the
 * client (one handle, blocking) and the multi (many handles, concurrent),
 * so both check, send and report exactly the same way.  Nothing here knows
 * about any provider.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "xfer.h"

#define DEFAULT_TIMEOUT_MS         60000L
#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_MAX_BODY           (64 * 1024 * 1024)
/* What a response may spend on headers: generous for any API, small enough
 * that a hostile server cannot make us buffer without bound. */
#define MAX_HEADER_BYTES           (256 * 1024)
#define MAX_HEADER_LINES           500
/* Capacity kept between calls; anything larger is released after the call. */
#define KEEP_BYTES                 (1024 * 1024)

enum { OVER_NONE, OVER_BODY, OVER_HEADERS };

int gc_xfer_init(gc_xfer *x)
{
    memset(x, 0, sizeof *x);
    x->body_ref = LUA_NOREF;
    x->easy     = curl_easy_init();
    return x->easy ? 0 : -1;
}

/* Safe to run any number of times, in any order. */
void gc_xfer_release(gc_xfer *x)
{
    if (x->req_headers) {
        curl_slist_free_all(x->req_headers);
        x->req_headers = NULL;
    }
    if (x->easy) {
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    gc_buf_free(&x->body);
    gc_buf_free(&x->head);
}

void gc_xfer_unref(lua_State *L, gc_xfer *x)
{
    luaL_unref(L, LUA_REGISTRYINDEX, x->body_ref);
    x->body_ref = LUA_NOREF;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    gc_xfer *x = ud;
    size_t     len = size * n;
    if (len > x->max_body - x->body.len) {
        x->overflow = OVER_BODY;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return gc_buf_append(&x->body, p, len) ? 0 : len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    gc_xfer *x = ud;
    size_t     len = size * n;
    /* A status line starts a new response (after 100 Continue, say): only
     * the last one's headers are reported. */
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        x->head.len   = 0;
        x->head_lines = 0;
    }
    if (len > MAX_HEADER_BYTES - x->head.len || ++x->head_lines > MAX_HEADER_LINES) {
        x->overflow = OVER_HEADERS;
        return 0;
    }
    return gc_buf_append(&x->head, p, len) ? 0 : len;
}

static long ms_field(lua_State *L, int t, const char *name, long dflt)
{
    lua_Number s;
    lua_getfield(L, t, name);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return dflt;
    }
    if (lua_type(L, -1) != LUA_TNUMBER)
        luaL_error(L, "gpucloud.core: '%s' must be a number of seconds", name);
    s = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (!(s > 0)) /* also refuses NaN */
        luaL_error(L, "gpucloud.core: '%s' must be positive", name);
    if (s >= (lua_Number)LONG_MAX / 1000)
        return LONG_MAX;
    return s * 1000 < 1 ? 1 : (long)(s * 1000);
}

/* Strings stay on the stack at fixed slots so their pointers stay valid for
 * the whole transfer. */
static const char *str_field(lua_State *L, int t, const char *name, int required, size_t *len)
{
    lua_getfield(L, t, name);
    if (lua_isnil(L, -1)) {
        if (required)
            luaL_error(L, "gpucloud.core: request needs '%s'", name);
        return NULL;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "gpucloud.core: '%s' must be a string", name);
    return lua_tolstring(L, -1, len);
}

/* Lengths, not NUL ends: a Lua string may hold a NUL that libcurl would
 * stop at, sending less than was checked. */
static int is_token(const char *s, size_t n)
{
    size_t i;
    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        /* strchr would find the terminator for a NUL: test it apart */
        if (!isalnum(ch) && (ch == '\0' || !strchr("!#$%&'*+-.^_`|~", ch)))
            return 0;
    }
    return 1;
}

static int has_crlf(const char *s, size_t n)
{
    return memchr(s, '\r', n) || memchr(s, '\n', n) || memchr(s, '\0', n);
}

static void build_headers(lua_State *L, gc_xfer *x, int t)
{
    struct curl_slist *l;
    luaL_Buffer        b;
    lua_getfield(L, t, "headers");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
    } else {
        int h;
        luaL_argcheck(L, lua_istable(L, -1), 2, "'headers' must be a table");
        h = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, h)) {
            size_t      nlen, vlen;
            const char *name, *value;
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "gpucloud.core: headers must map names to strings");
            name  = lua_tolstring(L, -2, &nlen);
            value = lua_tolstring(L, -1, &vlen);
            if (!is_token(name, nlen) || has_crlf(value, vlen))
                luaL_error(L, "gpucloud.core: invalid header '%s'", name);
            luaL_buffinit(L, &b);
            luaL_addlstring(&b, name, nlen);
            /* "Name;" is how libcurl is told to send a header with no value */
            luaL_addlstring(&b, vlen ? ": " : ";", vlen ? 2 : 1);
            luaL_addlstring(&b, value, vlen);
            luaL_pushresult(&b);
            if (!(l = curl_slist_append(x->req_headers, lua_tostring(L, -1))))
                luaL_error(L, "gpucloud.core: out of memory");
            x->req_headers = l;
            lua_pop(L, 2); /* the line and the value; the name stays for lua_next */
        }
        lua_pop(L, 1);
    }
    /* libcurl would otherwise wait for "100 Continue" before larger bodies. */
    if (!(l = curl_slist_append(x->req_headers, "Expect:")))
        luaL_error(L, "gpucloud.core: out of memory");
    x->req_headers = l;
}

static const char *error_code(CURLcode rc, int overflow)
{
    if (overflow)
        return "too_large";
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return "timeout";
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return "connect";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
        return "tls";
    case CURLE_FILESIZE_EXCEEDED:
        return "too_large";
    default:
        return "transport";
    }
}

/* nil, {code, message, curl_code}: a runtime failure, never a raise. */
static int push_failure(lua_State *L, gc_xfer *x, CURLcode rc)
{
    const char *code = error_code(rc, x->overflow);
    lua_pushnil(L);
    lua_createtable(L, 0, 3);
    lua_pushstring(L, code);
    lua_setfield(L, -2, "code");
    if (x->overflow == OVER_BODY) {
        char msg[96];
        snprintf(msg, sizeof msg, "response body larger than the limit of %zu bytes", x->max_body);
        lua_pushstring(L, msg);
    } else if (x->overflow == OVER_HEADERS)
        lua_pushfstring(L, "response headers over the limit of %d lines or %d bytes",
                        MAX_HEADER_LINES, MAX_HEADER_BYTES);
    else
        lua_pushstring(L, x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    lua_setfield(L, -2, "message");
    lua_pushinteger(L, (lua_Integer)rc);
    lua_setfield(L, -2, "curl_code");
    return 2;
}

static int is_status_line(const char *p, const char *eol)
{
    return eol - p >= 5 && memcmp(p, "HTTP/", 5) == 0;
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r' || (*e)[-1] == '\n'))
        (*e)--;
}

/* Header names lowercased; a repeated header is joined with ", " as HTTP
 * allows, so nothing the server said is dropped. */
static void push_headers(lua_State *L, const gc_buf *head)
{
    const char *p = head->data, *end = head->data + head->len;
    char        name[256];
    int         t;
    lua_newtable(L);
    t = lua_gettop(L);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *colon, *ns, *ne, *vs, *ve;
        size_t      i, nlen;
        if (!eol)
            eol = end;
        colon = memchr(p, ':', (size_t)(eol - p));
        if (colon && !is_status_line(p, eol)) {
            ns = p, ne = colon, vs = colon + 1, ve = eol;
            trim(&ns, &ne);
            trim(&vs, &ve);
            nlen = (size_t)(ne - ns);
            if (nlen > 0 && nlen < sizeof name) {
                for (i = 0; i < nlen; i++)
                    name[i] = (char)tolower((unsigned char)ns[i]);
                lua_pushlstring(L, name, nlen);
                lua_pushvalue(L, -1);
                lua_rawget(L, t);
                if (lua_isnil(L, -1)) {
                    lua_pop(L, 1);
                    lua_pushlstring(L, vs, (size_t)(ve - vs));
                } else {
                    lua_pushliteral(L, ", ");
                    lua_pushlstring(L, vs, (size_t)(ve - vs));
                    lua_concat(L, 3);
                }
                lua_rawset(L, t);
            }
        }
        p = eol + 1;
    }
}

/* Set the easy handle up from the request table at index t, raising on a
 * bad request before anything is sent. */
void gc_xfer_prepare(lua_State *L, gc_xfer *x, int t, int keep_body)
{
    const char *method, *url, *body, *ca_file;
    size_t      body_len = 0, len = 0;
    long        timeout, connect_timeout;
    lua_Number  max_body;
    CURL       *e;
    int         top = lua_gettop(L);
    t = gc_absindex(L, t);
    luaL_checktype(L, t, LUA_TTABLE);
    method = str_field(L, t, "method", 0, &len);
    if (!method) {
        method = "GET";
        len    = 3;
    }
    if (!is_token(method, len))
        luaL_error(L, "gpucloud.core: invalid method '%s'", method);
    url = str_field(L, t, "url", 1, &len);
    if (has_crlf(url, len))
        luaL_error(L, "gpucloud.core: invalid url");
    body    = str_field(L, t, "body", 0, &body_len);
    ca_file = str_field(L, t, "ca_file", 0, &len);
    if (ca_file && memchr(ca_file, '\0', len))
        luaL_error(L, "gpucloud.core: invalid ca_file");
    timeout         = ms_field(L, t, "timeout", DEFAULT_TIMEOUT_MS);
    connect_timeout = ms_field(L, t, "connect_timeout", DEFAULT_CONNECT_TIMEOUT_MS);
    lua_getfield(L, t, "max_body");
    max_body = lua_isnil(L, -1) ? DEFAULT_MAX_BODY : luaL_checknumber(L, -1);
    lua_pop(L, 1);
    if (!(max_body >= 0))
        luaL_error(L, "gpucloud.core: 'max_body' must be a byte count");

    if (x->req_headers) { /* left over from a call that raised */
        curl_slist_free_all(x->req_headers);
        x->req_headers = NULL;
    }
    build_headers(L, x, t);

    e = x->easy;
    /* reset keeps the connection cache, TLS sessions and DNS cache alive */
    curl_easy_reset(e);
    x->errbuf[0]  = '\0';
    x->overflow   = OVER_NONE;
    x->head_lines = 0;
    x->max_body   = max_body >= (lua_Number)((size_t)-1 / 2) ? (size_t)-1 / 2 : (size_t)max_body;
    gc_buf_clear(&x->body, KEEP_BYTES);
    gc_buf_clear(&x->head, KEEP_BYTES);

    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->req_headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    /* Refuse an announced oversize body before it is read. Not for HEAD:
     * libcurl would compare the Content-Length of a body it never reads. */
    if (strcmp(method, "HEAD") != 0)
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    if (ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
    /* Redirects are not followed: an API answering 3xx is reported as is. */

    if (strcmp(method, "GET") == 0 && !body) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        if (body || strcmp(method, "POST") == 0) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
        }
    }
    /* libcurl reads the body from the Lua string in place: a transfer that
     * outlives this call keeps the string alive through a reference. */
    if (keep_body && body) {
        lua_getfield(L, t, "body");
        x->body_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_settop(L, top);

}

/* After the transfer: pushes {status, headers, body}, or nil and
 * {code, message, curl_code}; returns the number of values pushed. The
 * request headers and oversize buffers are released either way. */
int gc_xfer_push_result(lua_State *L, gc_xfer *x, CURLcode rc)
{
    long status = 0;
    curl_slist_free_all(x->req_headers);
    x->req_headers = NULL;
    if (rc != CURLE_OK) {
        int n = push_failure(L, x, rc);
        gc_buf_clear(&x->body, KEEP_BYTES);
        gc_buf_clear(&x->head, KEEP_BYTES);
        return n;
    }
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, (lua_Integer)status);
    lua_setfield(L, -2, "status");
    push_headers(L, &x->head);
    lua_setfield(L, -2, "headers");
    lua_pushlstring(L, x->body.data ? x->body.data : "", x->body.len);
    lua_setfield(L, -2, "body");
    gc_buf_clear(&x->body, KEEP_BYTES);
    gc_buf_clear(&x->head, KEEP_BYTES);
    return 1;
}
