/*
 * search_cache.h - finished jobs' text indexes (core/textidx.h), kept in
 * memory for the results' text search, "q" (issue #8).
 *
 * The store answers q by reading every lead of the upload; at 1,000,000
 * leads that is over a second per page, count and summary. A finished
 * job's results never change, so the first search of one (or, for a big
 * job, the first look at its results, in the background) builds its index
 * once, and every later search is a scan of memory: tens of milliseconds.
 *
 * Entries are keyed by the job as it is now, as the summary cache's are,
 * so an index is never used once the job's results were deleted, even by
 * another process. The memory is capped (LEADSCORE_SEARCH_CACHE_MB): the
 * least recently used indexes go first, and a job whose index would not
 * fit is left to the store. Thread-safe.
 */
#ifndef LS_HTTP_SEARCH_CACHE_H
#define LS_HTTP_SEARCH_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/query.h"
#include "core/summary.h"
#include "store/store.h"

/* Results from which the first look at a finished job builds its index in the background. */
#define LS_SEARCH_WARM_MIN 10000

struct ls_search_cache;

/*
 * Owned: ls_search_cache_free. store is borrowed and must outlive the cache.
 * max_bytes 0: no index is ever built (every search goes to the store).
 */
struct ls_search_cache *ls_search_cache_new(struct ls_store *store, size_t max_bytes);

/* Stops a background build (promptly) and frees every index. NULL is fine. */
void ls_search_cache_free(struct ls_search_cache *c);

/*
 * Answers q for job (borrowed, as it is now) from its index: *total, hist
 * (may be NULL) and page[0..*n) as ls_textidx_query gives them. With build,
 * an index not held yet is built first (the caller waits; a build already
 * under way is waited for); without, only an index that is ready answers.
 * LS_ENOTFOUND when the index cannot answer - the job is not finished, q's
 * text is not valid UTF-8, the index is not ready (without build), does not
 * fit or could not be built, or c is NULL - and the caller asks the store.
 */
int ls_search_cache_query(struct ls_search_cache *c, const struct ls_job *job,
                          const struct ls_results_query *q, bool build, int64_t *total,
                          struct ls_score_hist *hist, int64_t *page, size_t cap, size_t *n);

/*
 * Starts building job's index in the background when the job is finished,
 * has at least LS_SEARCH_WARM_MIN results, fits, and is not held yet: its
 * results are being looked at, a search may follow. One build at a time;
 * returns at once. c may be NULL.
 */
void ls_search_cache_warm(struct ls_search_cache *c, const struct ls_job *job);

/* Forgets job id's index (its results or the job were deleted). c may be NULL. */
void ls_search_cache_drop(struct ls_search_cache *c, int64_t job_id);

/* Bytes held by built indexes, and how many there are. */
size_t ls_search_cache_bytes(struct ls_search_cache *c, size_t *entries);

#endif
