/*
 * One HTTP transfer on a libcurl easy handle: a request table in, a
 * {status, headers, body, sent} table or an error table
 * {code, message, curl_code, sent} out.  Shared by the client (one handle,
 * blocking) and the multi (many handles, concurrent), so both check, send,
 * count and report exactly the same way.  `sent` is how many times libcurl
 * put the request on a connection, its own silent resends included (see
 * on_prereq).  The checks and the parsing are plain functions (request.c,
 * http_parse.c) that the fuzz targets drive too.  Nothing here knows about
 * any provider.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "interrupt.h"
#include "request.h"
#include "xfer.h"

/* Capacity kept between calls; anything larger is released after the call. */
#define KEEP_BYTES (1024 * 1024)

/* `sent` needs CURLOPT_PREREQFUNCTION; without it a resend is invisible. */
#if LIBCURL_VERSION_NUM < 0x075000
#error "gpucloud needs libcurl 7.80.0 or later (CURLOPT_PREREQFUNCTION)"
#endif

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
    gc_buf_free(&x->head.buf);
    free(x->set_ca_file);
    x->set_ca_file = NULL;
    x->set_up      = 0;
}

void gc_xfer_unref(lua_State *L, gc_xfer *x)
{
    luaL_unref(L, LUA_REGISTRYINDEX, x->body_ref);
    x->body_ref = LUA_NOREF;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    gc_xfer *x   = ud;
    size_t   len = size * n;
    if (len > x->max_body - x->body.len) {
        x->too_large = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return gc_buf_append(&x->body, p, len) ? 0 : len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    gc_xfer *x = ud;
    return gc_head_add(&x->head, p, size * n) ? 0 : size * n;
}

/* Counts every time the request is put on a connection.  libcurl calls it
 * in its DO state, after connecting or picking a cached connection and
 * before the first byte of the request.  When a reused connection turns out
 * dead before any answer byte ("Connection died, retrying a fresh
 * connect", Curl_retry_request), libcurl goes back to CONNECT and through
 * DO again, so the resend is counted too (read in lib/multi.c of 7.88.1,
 * Debian 12's, and of curl 8; spec/core_sent_spec.lua holds it to that).
 * Chosen over a CURLOPT_DEBUGFUNCTION matching that info text, which
 * needs CURLOPT_VERBOSE (libcurl then formats every info and header line
 * of every transfer for the callback) and would rest on wording libcurl
 * does not promise.  A count may include a send that failed before any
 * byte left: sent > 0 means "may have landed", sent == 0 "cannot have". */
static int on_prereq(void *ud, char *ip, char *local_ip, int port, int local_port)
{
    gc_xfer *x = ud;
    (void)ip;
    (void)local_ip;
    (void)port;
    (void)local_port;
    x->sent++;
    return CURL_PREREQFUNC_OK;
}

/* Only set while the interrupt guard is on: libcurl calls it at least
 * about once a second, and at once when a signal wakes its poll (EINTR). */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    gc_xfer *x = ud;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    if (!gc_interrupt_aborting())
        return 0;
    x->interrupted = 1;
    return 1; /* CURLE_ABORTED_BY_CALLBACK */
}

static int add_request_header(void *ud, const char *line)
{
    gc_xfer           *x = ud;
    struct curl_slist *l = curl_slist_append(x->req_headers, line);
    if (!l)
        return -1;
    x->req_headers = l;
    return 0;
}

/* Is the handle set up for a request of this kind already?  The method,
 * whether it has a body, the CA file and verification are what stays set
 * on a handle from one request to the next (the rest is set every time). */
static int same_kind(const gc_xfer *x, const gc_request *r)
{
    return x->set_up && x->set_insecure == r->insecure && x->set_body == (r->body != NULL)
        && strcmp(x->set_method, r->method) == 0
        && (r->ca_file ? x->set_ca_file && strcmp(x->set_ca_file, r->ca_file) == 0 : !x->set_ca_file);
}

/* From curl_easy_reset: what every request has, and what its kind sets.
 * Raises only before the handle is marked set up, so a half-done setup is
 * redone by the next request. */
static void set_up_kind(lua_State *L, gc_xfer *x, const gc_request *r)
{
    CURL *e = x->easy;
    x->set_up = 0;
    free(x->set_ca_file);
    x->set_ca_file = NULL;
    /* reset keeps the connection cache, TLS sessions and DNS cache alive */
    curl_easy_reset(e);
    x->set_progress = 0; /* reset's NOPROGRESS */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    /* gzip only: what the APIs compress with.  Asking for every encoding
     * libcurl has ("") costs about 4k instructions more per request in
     * 7.88 (make bench-profile), for encodings no API here sends. */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, x);
    /* libcurl's defaults, spelled out: these requests carry a key that can
     * delete a fleet, so the peer must prove it is the host in the URL. */
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, r->insecure ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, r->insecure ? 0L : 2L);
    if (r->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, r->ca_file);
    /* Redirects are not followed (libcurl's default, kept): an API answering
     * 3xx is reported as is, and the Authorization header never travels to
     * whatever host a Location names. */

    if (strcmp(r->method, "GET") == 0 && !r->body) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "POST") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    }
    /* a method too long to remember is set up again every time */
    if (strlen(r->method) >= sizeof x->set_method)
        return;
    if (r->ca_file && !(x->set_ca_file = strdup(r->ca_file)))
        luaL_error(L, "gpucloud.core: out of memory");
    strcpy(x->set_method, r->method);
    x->set_insecure = r->insecure;
    x->set_body     = r->body != NULL;
    x->set_up       = 1;
}

void gc_xfer_prepare(lua_State *L, gc_xfer *x, int t, int keep_body)
{
    gc_request r;
    CURL      *e   = x->easy;
    int        top = lua_gettop(L), head;

    t = gc_absindex(L, t);
    luaL_checktype(L, t, LUA_TTABLE);
    if (x->req_headers) { /* left over from a call that raised */
        curl_slist_free_all(x->req_headers);
        x->req_headers = NULL;
    }
    gc_request_read(L, t, &r, add_request_header, x);
    /* libcurl would otherwise wait for "100 Continue" before larger bodies. */
    if (add_request_header(x, "Expect:"))
        luaL_error(L, "gpucloud.core: out of memory");

    if (!same_kind(x, &r))
        set_up_kind(L, x, &r);
    x->errbuf[0] = '\0';
    x->too_large = 0;
    x->sent      = 0;
    x->interrupted = 0;
    x->max_body  = r.max_body;
    x->want      = r.want;
    gc_buf_clear(&x->body, KEEP_BYTES);
    gc_head_clear(&x->head, KEEP_BYTES);

    /* The interrupt guard's progress callback while the guard is on (set
     * when that changes: the handle keeps it between requests). */
    if (gc_interrupt_active() != x->set_progress) {
        x->set_progress = !x->set_progress;
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, x->set_progress ? 0L : 1L);
        if (x->set_progress) {
            curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
            curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
        }
    }

    /* What each request sets for itself. */
    curl_easy_setopt(e, CURLOPT_URL, r.url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->req_headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r.timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r.connect_timeout_ms);
    /* A declared length over the limit fails before any body byte is read;
     * a chunked or compressed body is stopped by on_body as it grows. Not
     * for HEAD (0: no limit): libcurl would judge the length of a body it
     * never reads. */
    head = strcmp(r.method, "HEAD") == 0;
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(head ? 0 : x->max_body));
    if (!head && (r.body || strcmp(r.method, "POST") == 0)) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r.body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body ? r.body : "");
    }
    /* libcurl reads the body from the Lua string in place (the other
     * strings it copies): a transfer that outlives this call keeps the
     * string alive through a reference. */
    if (keep_body && r.body) {
        lua_getfield(L, t, "body");
        x->body_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_settop(L, top);
}

static const char *error_code(CURLcode rc, const gc_xfer *x)
{
    if (x->interrupted)
        return "interrupted";
    if (x->too_large || x->head.error == GC_HEAD_TOO_MANY || x->head.error == GC_HEAD_TOO_BIG)
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

/* nil, {code, message, curl_code, sent[, status]}: a runtime failure, never
 * a raise.  `status` is there when a status line had arrived before the
 * failure (a body cut short): the server answered, so it acted. */
static int push_failure(lua_State *L, gc_xfer *x, CURLcode rc)
{
    long status = 0;
    lua_pushnil(L);
    lua_createtable(L, 0, 5);
    if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status >= 100) {
        lua_pushinteger(L, (lua_Integer)status);
        lua_setfield(L, -2, "status");
    }
    lua_pushstring(L, error_code(rc, x));
    lua_setfield(L, -2, "code");
    if (x->interrupted) {
        const char *sig = gc_interrupt_name();
        lua_pushfstring(L, "interrupted by %s %s", sig ? sig : "a signal",
            x->sent ? "after the request was sent" : "before the request was sent");
    } else if (x->too_large) {
        char msg[96];
        snprintf(msg, sizeof msg, "response body larger than the limit of %zu bytes", x->max_body);
        lua_pushstring(L, msg);
    } else if (x->head.error == GC_HEAD_TOO_MANY)
        lua_pushfstring(L, "response has more than %d header lines", GC_MAX_HEADER_LINES);
    else if (x->head.error == GC_HEAD_TOO_BIG)
        lua_pushfstring(L, "response headers larger than %d bytes", GC_MAX_HEADER_BYTES);
    else
        lua_pushstring(L, x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    lua_setfield(L, -2, "message");
    lua_pushinteger(L, (lua_Integer)rc);
    lua_setfield(L, -2, "curl_code");
    lua_pushinteger(L, (lua_Integer)x->sent);
    lua_setfield(L, -2, "sent");
    return 2;
}

/* Header names lowercased; a repeated header is joined with ", " as HTTP
 * allows, so nothing the server said is dropped.  Only the headers the
 * request asked for (response_headers; all by default). */
typedef struct fields {
    lua_State     *L;
    const gc_want *want;
} fields;

static int push_field(void *ud, const char *name, size_t nlen, const char *value, size_t vlen)
{
    lua_State *L = ((fields *)ud)->L;
    int        t = lua_gettop(L);
    if (!gc_want_has(((fields *)ud)->want, name, nlen))
        return 0;
    lua_pushlstring(L, name, nlen);
    lua_pushvalue(L, -1);
    lua_rawget(L, t);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushlstring(L, value, vlen);
    } else {
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, value, vlen);
        lua_concat(L, 3);
    }
    lua_rawset(L, t);
    return 0;
}

int gc_xfer_push_result(lua_State *L, gc_xfer *x, CURLcode rc)
{
    long status = 0;
    int  n      = 1;
    curl_slist_free_all(x->req_headers);
    x->req_headers = NULL;
    if (rc != CURLE_OK) {
        n = push_failure(L, x, rc);
    } else {
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, (lua_Integer)status);
        lua_setfield(L, -2, "status");
        fields f;
        f.L    = L;
        f.want = &x->want;
        lua_newtable(L);
        gc_head_each(x->head.buf.data, x->head.buf.len, push_field, &f);
        lua_setfield(L, -2, "headers");
        lua_pushlstring(L, x->body.data ? x->body.data : "", x->body.len);
        lua_setfield(L, -2, "body");
        lua_pushinteger(L, (lua_Integer)x->sent);
        lua_setfield(L, -2, "sent");
    }
    gc_buf_clear(&x->body, KEEP_BYTES);
    gc_head_clear(&x->head, KEEP_BYTES);
    return n;
}

int gc_xfer_push_interrupted(lua_State *L, gc_xfer *x)
{
    x->interrupted = 1;
    return gc_xfer_push_result(L, x, CURLE_ABORTED_BY_CALLBACK);
}
