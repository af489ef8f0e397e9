/*
 * results_cache.h - encoded result pages of finished jobs, kept in memory.
 *
 * A finished job's results never change (until they are deleted, which
 * changes the job and so the key), so the bytes of a page, once encoded,
 * can be sent again as they are, gzip-compressed once when a client asks for
 * gzip, and answered with 304 when the client already has them (ETag).
 * Entries are shared blobs: any number of readers, slow or not, send the
 * same bytes. Bounded by bytes, least recently used out first. Thread-safe.
 */
#ifndef LS_HTTP_RESULTS_CACHE_H
#define LS_HTTP_RESULTS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

#define LS_ETAG_MAX 48

struct ls_results_cache;

/* Owned: ls_results_cache_free. max_bytes 0 disables the cache. */
struct ls_results_cache *ls_results_cache_new(size_t max_bytes);
void ls_results_cache_free(struct ls_results_cache *c);

/* What a cached page holds; the blobs are references the caller owns (ls_blob_unref). */
struct ls_cached_page {
    struct ls_blob *body; /* the JSON array */
    struct ls_blob *gzip; /* the same, gzip-compressed; NULL unless asked for */
    int64_t total;        /* X-Total-Count */
    char etag[LS_ETAG_MAX];
};

/*
 * Looks key up (key[0..len)). true with *out filled when cached; with
 * want_gzip, the gzip form is made (once) if it is not there yet.
 */
bool ls_results_cache_get(struct ls_results_cache *c, const char *key, size_t len, bool want_gzip,
                          struct ls_cached_page *out);

/*
 * Stores body (a reference is taken) with its total under key; fills etag
 * (LS_ETAG_MAX bytes) with the entry's strong validator either way.
 */
void ls_results_cache_put(struct ls_results_cache *c, const char *key, size_t len,
                          struct ls_blob *body, int64_t total, char *etag);

/* The ETag of a page with this key (a digest of it, quoted). */
void ls_results_cache_etag(const char *key, size_t len, char *etag);

/* gzip-compresses data into a new blob (owned), NULL on failure. */
struct ls_blob *ls_gzip_blob(const char *data, size_t len);

#endif
