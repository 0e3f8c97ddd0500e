/*
 * gpucloud.core client: one libcurl easy handle reused across requests, so
 * connections, TLS sessions and DNS answers are kept between calls.  It knows
 * HTTP and nothing of any provider: requests in, {status, headers, body} out.
 */
#include <limits.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "client.h"
#include "compat.h"
#include "http_parse.h"
#include "request.h"

/* Capacity kept between calls; anything larger is released after the call. */
#define KEEP_BYTES (1024 * 1024)

typedef struct gc_client {
    CURL              *easy;
    struct curl_slist *req_headers; /* owned here so a raise cannot leak it */
    gc_buf             body;
    gc_head            head;        /* header lines of the last response */
    size_t             max_body;
    int                too_large;   /* the body went past max_body */
    char               errbuf[CURL_ERROR_SIZE];
} gc_client;

static gc_client *check_client(lua_State *L, int idx)
{
    return (gc_client *)luaL_checkudata(L, idx, GC_CLIENT_MT);
}

static gc_client *check_open(lua_State *L, int idx)
{
    gc_client *c = check_client(L, idx);
    if (!c->easy)
        luaL_error(L, "gpucloud.core: attempt to use a closed client");
    return c;
}

/* The one cleanup behind close, __gc and __close: safe to run any number of
 * times, in any order. */
static void client_release(gc_client *c)
{
    if (c->req_headers) {
        curl_slist_free_all(c->req_headers);
        c->req_headers = NULL;
    }
    if (c->easy) {
        curl_easy_cleanup(c->easy);
        c->easy = NULL;
    }
    gc_buf_free(&c->body);
    gc_buf_free(&c->head.buf);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    gc_client *c = ud;
    size_t     len = size * n;
    if (len > c->max_body - c->body.len) {
        c->too_large = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return gc_buf_append(&c->body, p, len) ? 0 : len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    gc_client *c = ud;
    size_t     len = size * n;
    return gc_head_add(&c->head, p, len) ? 0 : len;
}

static int add_request_header(void *ud, const char *line)
{
    gc_client         *c = ud;
    struct curl_slist *l = curl_slist_append(c->req_headers, line);
    if (!l)
        return -1;
    c->req_headers = l;
    return 0;
}

static const char *error_code(CURLcode rc, const gc_client *c)
{
    if (c->too_large || c->head.error == GC_HEAD_TOO_MANY || c->head.error == GC_HEAD_TOO_BIG)
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
static int push_failure(lua_State *L, gc_client *c, CURLcode rc)
{
    lua_pushnil(L);
    lua_createtable(L, 0, 3);
    lua_pushstring(L, error_code(rc, c));
    lua_setfield(L, -2, "code");
    if (c->too_large)
        lua_pushfstring(L, "response body larger than the limit of %d bytes",
                        (int)(c->max_body > INT_MAX ? INT_MAX : c->max_body));
    else if (c->head.error == GC_HEAD_TOO_MANY)
        lua_pushfstring(L, "response has more than %d header lines", GC_MAX_HEADER_LINES);
    else if (c->head.error == GC_HEAD_TOO_BIG)
        lua_pushfstring(L, "response headers larger than %d bytes", GC_MAX_HEADER_BYTES);
    else
        lua_pushstring(L, c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
    lua_setfield(L, -2, "message");
    lua_pushinteger(L, (lua_Integer)rc);
    lua_setfield(L, -2, "curl_code");
    return 2;
}

/* Header names lowercased; a repeated header is joined with ", " as HTTP
 * allows, so nothing the server said is dropped. */
static int push_field(void *ud, const char *name, size_t nlen, const char *value, size_t vlen)
{
    lua_State *L = ud;
    int        t = lua_gettop(L);
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

static void push_headers(lua_State *L, gc_head *head)
{
    lua_newtable(L);
    gc_head_each(head->buf.data, head->buf.len, push_field, L);
}

/* client:request{method, url, headers, body, timeout, connect_timeout,
 *                ca_file, max_body, insecure} -> {status, headers, body} | nil, err */
static int client_request(lua_State *L)
{
    gc_client         *c = check_open(L, 1);
    gc_request         r;
    CURLcode           rc;
    CURL              *e;
    long               status = 0;

    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    if (c->req_headers) { /* left over from a call that raised */
        curl_slist_free_all(c->req_headers);
        c->req_headers = NULL;
    }
    gc_request_read(L, 2, &r, add_request_header, c);
    /* libcurl would otherwise wait for "100 Continue" before larger bodies. */
    if (add_request_header(c, "Expect:"))
        return luaL_error(L, "gpucloud.core: out of memory");

    e = c->easy;
    /* reset keeps the connection cache, TLS sessions and DNS cache alive */
    curl_easy_reset(e);
    c->errbuf[0] = '\0';
    c->too_large = 0;
    c->max_body  = r.max_body;
    gc_buf_clear(&c->body, KEEP_BYTES);
    gc_head_clear(&c->head, KEEP_BYTES);

    curl_easy_setopt(e, CURLOPT_URL, r.url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->req_headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r.timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    /* A declared length over the limit fails before any body byte is read;
     * a chunked or compressed body is stopped by on_body as it grows. */
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    /* libcurl's defaults, spelled out: these requests carry a key that can
     * delete a fleet, so the peer must prove it is the host in the URL. */
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, r.insecure ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, r.insecure ? 0L : 2L);
    if (r.ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, r.ca_file);
    /* Redirects are not followed (libcurl's default, kept): an API answering
     * 3xx is reported as is, and the Authorization header never travels to
     * whatever host a Location names. */

    if (strcmp(r.method, "GET") == 0 && !r.body) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(r.method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(r.method, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method);
        if (r.body || strcmp(r.method, "POST") == 0) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r.body_len);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body ? r.body : "");
        }
    }

    rc = curl_easy_perform(e);
    curl_slist_free_all(c->req_headers);
    c->req_headers = NULL;
    if (rc != CURLE_OK) {
        int n = push_failure(L, c, rc);
        gc_buf_clear(&c->body, KEEP_BYTES);
        gc_head_clear(&c->head, KEEP_BYTES);
        return n;
    }

    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, (lua_Integer)status);
    lua_setfield(L, -2, "status");
    push_headers(L, &c->head);
    lua_setfield(L, -2, "headers");
    lua_pushlstring(L, c->body.data ? c->body.data : "", c->body.len);
    lua_setfield(L, -2, "body");
    gc_buf_clear(&c->body, KEEP_BYTES);
    gc_head_clear(&c->head, KEEP_BYTES);
    return 1;
}

static int client_close(lua_State *L)
{
    client_release(check_client(L, 1));
    return 0;
}

static int client_tostring(lua_State *L)
{
    gc_client *c = check_client(L, 1);
    lua_pushfstring(L, "gpucloud.core.client (%s): %p", c->easy ? "open" : "closed", (void *)c);
    return 1;
}

int gc_client_new(lua_State *L)
{
    gc_client *c = (gc_client *)lua_newuserdata(L, sizeof *c);
    memset(c, 0, sizeof *c);
    luaL_getmetatable(L, GC_CLIENT_MT);
    lua_setmetatable(L, -2);
    if (!(c->easy = curl_easy_init()))
        return luaL_error(L, "gpucloud.core: curl_easy_init failed");
    return 1;
}

/* core.request(req): the same call through a client owned by the module. */
static int module_request(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    return client_request(L);
}

static const luaL_Reg client_methods[] = {
    {"request", client_request},
    {"close", client_close},
    {NULL, NULL},
};

void gc_client_register(lua_State *L)
{
    luaL_newmetatable(L, GC_CLIENT_MT);
    lua_newtable(L);
    luaL_setfuncs(L, client_methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, client_close);
    lua_setfield(L, -2, "__gc");
#if LUA_VERSION_NUM >= 504
    lua_pushcfunction(L, client_close);
    lua_setfield(L, -2, "__close");
#endif
    lua_pushcfunction(L, client_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "gpucloud.core.client");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
}

void gc_client_push_module_request(lua_State *L)
{
    gc_client_new(L);
    lua_pushcclosure(L, module_request, 1);
}
