/* results_cache.c - finished jobs' encoded pages, LRU by bytes. */
#include "results_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/sha256.h"
#include "core/xalloc.h"

struct entry {
    char *key; /* owned */
    size_t key_len;
    struct ls_blob *body, *gzip; /* one reference each, owned */
    int64_t total;
    char etag[LS_ETAG_MAX];
    size_t bytes;
    struct entry *prev, *next; /* LRU list, most recent first */
};

struct ls_results_cache {
    pthread_mutex_t mu;
    size_t max_bytes, bytes;
    struct entry *head, *tail;
};

struct ls_results_cache *ls_results_cache_new(size_t max_bytes)
{
    struct ls_results_cache *c = ls_xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    c->max_bytes = max_bytes;
    return c;
}

static void unlink_entry(struct ls_results_cache *c, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(struct ls_results_cache *c, struct entry *e)
{
    e->next = c->head;
    e->prev = NULL;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (c->tail == NULL)
        c->tail = e;
}

static void entry_free(struct entry *e)
{
    ls_blob_unref(e->body);
    ls_blob_unref(e->gzip);
    free(e->key);
    free(e);
}

void ls_results_cache_free(struct ls_results_cache *c)
{
    if (c == NULL)
        return;
    while (c->head) {
        struct entry *e = c->head;
        unlink_entry(c, e);
        entry_free(e);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void ls_results_cache_etag(const char *key, size_t len, char *etag)
{
    struct ls_sha256 h;
    unsigned char d[LS_SHA256_LEN];
    ls_sha256_init(&h);
    ls_sha256_update(&h, key, len);
    ls_sha256_final(&h, d);
    static const char hex[] = "0123456789abcdef";
    size_t w = 0;
    etag[w++] = '"';
    for (int i = 0; i < 16; i++) {
        etag[w++] = hex[d[i] >> 4];
        etag[w++] = hex[d[i] & 15];
    }
    etag[w++] = '"';
    etag[w] = '\0';
}

struct ls_blob *ls_gzip_blob(const char *data, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* windowBits 15 + 16: a gzip wrapper (RFC 1952), as Content-Encoding: gzip wants. */
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)len);
    struct ls_blob *b = ls_xmalloc(sizeof(*b) + cap + 1);
    atomic_init(&b->refs, 1);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)b->data;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    b->len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(b);
        return NULL;
    }
    return b;
}

static struct entry *find(struct ls_results_cache *c, const char *key, size_t len)
{
    for (struct entry *e = c->head; e; e = e->next) {
        if (e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
    return NULL;
}

bool ls_results_cache_get(struct ls_results_cache *c, const char *key, size_t len, bool want_gzip,
                          struct ls_cached_page *out)
{
    if (c == NULL || c->max_bytes == 0)
        return false;
    pthread_mutex_lock(&c->mu);
    struct entry *e = find(c, key, len);
    if (e == NULL) {
        pthread_mutex_unlock(&c->mu);
        return false;
    }
    unlink_entry(c, e);
    push_front(c, e);
    struct ls_blob *body = e->body, *gz = e->gzip;
    ls_blob_ref(body);
    if (gz)
        ls_blob_ref(gz);
    out->total = e->total;
    memcpy(out->etag, e->etag, sizeof(out->etag));
    pthread_mutex_unlock(&c->mu);
    if (want_gzip && gz == NULL) {
        /* Compressed outside the lock; if two requests race, the first stored wins. */
        gz = ls_gzip_blob(body->data, body->len);
        if (gz) {
            pthread_mutex_lock(&c->mu);
            struct entry *again = find(c, key, len);
            if (again && again->gzip == NULL) {
                again->gzip = gz;
                ls_blob_ref(gz);
                again->bytes += gz->len;
                c->bytes += gz->len;
            }
            pthread_mutex_unlock(&c->mu);
        }
    }
    out->body = body;
    out->gzip = want_gzip ? gz : NULL;
    if (!want_gzip && gz)
        ls_blob_unref(gz);
    return true;
}

void ls_results_cache_put(struct ls_results_cache *c, const char *key, size_t len,
                          struct ls_blob *body, int64_t total, char *etag)
{
    ls_results_cache_etag(key, len, etag);
    if (c == NULL || c->max_bytes == 0 || body->len + len > c->max_bytes / 4)
        return; /* one page never takes more than a quarter of the cache */
    struct entry *e = ls_xcalloc(1, sizeof(*e));
    e->key = ls_xmemdup0(key, len);
    e->key_len = len;
    e->body = body;
    ls_blob_ref(body);
    e->total = total;
    memcpy(e->etag, etag, LS_ETAG_MAX);
    e->bytes = body->len + len + sizeof(*e);
    pthread_mutex_lock(&c->mu);
    struct entry *old = find(c, key, len);
    if (old) {
        unlink_entry(c, old);
        c->bytes -= old->bytes;
        entry_free(old);
    }
    push_front(c, e);
    c->bytes += e->bytes;
    while (c->bytes > c->max_bytes && c->tail && c->tail != e) {
        struct entry *victim = c->tail;
        unlink_entry(c, victim);
        c->bytes -= victim->bytes;
        entry_free(victim);
    }
    pthread_mutex_unlock(&c->mu);
}
