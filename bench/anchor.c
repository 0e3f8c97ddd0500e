/*
 * The transport's limit, for bench/run.lua: the same HTTPS requests as
 * gpucloud's per-call benchmark, from one libcurl easy handle set up once
 * and reused (no reset, no per-call header list), the body read into a
 * buffer and never decoded.  What gpucloud adds on top of this is its
 * per-call overhead.
 *
 *   anchor URL CA_FILE N BODY    (the key in VAST_API_KEY: never argv)
 *
 * Prints seconds=<the N timed calls>; one untimed call first opens
 * the connection, as the other contenders do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

typedef struct sink {
    char  *data;
    size_t len, cap;
} sink;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    sink  *s   = ud;
    size_t len = size * n;
    if (s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16384;
        char  *d;
        while (cap < s->len + len)
            cap *= 2;
        if (!(d = realloc(s->data, cap)))
            return 0;
        s->data = d;
        s->cap  = cap;
    }
    memcpy(s->data + s->len, p, len);
    s->len += len;
    return len;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One call; the body must have come back whole with a 200. */
static int call(CURL *e, sink *s)
{
    long     status = 0;
    CURLcode rc;
    s->len = 0;
    rc     = curl_easy_perform(e);
    if (rc != CURLE_OK) {
        fprintf(stderr, "anchor: %s\n", curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 || s->len == 0) {
        fprintf(stderr, "anchor: HTTP %ld, %zu bytes\n", status, s->len);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct curl_slist *h = NULL;
    const char        *key = getenv("VAST_API_KEY");
    char               auth[512];
    sink               s = {0};
    CURL              *e;
    long               n, i;
    double             t0;
    int                rc = 1;

    if (argc != 5 || !key || (n = strtol(argv[3], NULL, 10)) < 1) {
        fprintf(stderr, "usage: VAST_API_KEY=... anchor URL CA_FILE N BODY\n");
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(e = curl_easy_init()))
        return 1;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    /* The headers gpucloud sends, so both put the same bytes on the wire. */
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Accept: application/json");
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "User-Agent: gpucloud-bench-anchor");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(e, CURLOPT_URL, argv[1]);
    curl_easy_setopt(e, CURLOPT_CAINFO, argv[2]);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, argv[4]);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);

    if (call(e, &s) == 0) {
        t0 = now();
        for (i = 0; i < n; i++)
            if (call(e, &s) != 0)
                break;
        if (i == n) {
            printf("seconds=%.6f\n", now() - t0);
            rc = 0;
        }
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    free(s.data);
    curl_global_cleanup();
    return rc;
}
