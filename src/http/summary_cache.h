/*
 * summary_cache.h - score histograms of finished jobs, kept in memory for
 * GET /results/summary (issue #8): 3 x 101 counts per job, computed once
 * with one aggregate query, so that any intent and score filter is answered
 * without reading the results again.
 *
 * An entry is keyed by the job as it is now (id, workspace, finished time,
 * results-deleted time, result count): deleting a job's results changes the
 * key, so a stale histogram is never served even when another process did
 * the deletion; ls_summary_cache_drop frees the entry at once when this
 * process does it. A fixed number of entries, least recently used out
 * first. Thread-safe.
 */
#ifndef LS_HTTP_SUMMARY_CACHE_H
#define LS_HTTP_SUMMARY_CACHE_H

#include <stdbool.h>

#include "core/summary.h"
#include "store/store.h"

#define LS_SUMMARY_CACHE_ENTRIES 64 /* about 2.4 KiB each */

struct ls_summary_cache;

/* Owned: ls_summary_cache_free. */
struct ls_summary_cache *ls_summary_cache_new(void);
void ls_summary_cache_free(struct ls_summary_cache *c);

/* true with *out filled when the histogram of job (borrowed, as it is now) is cached. */
bool ls_summary_cache_get(struct ls_summary_cache *c, const struct ls_job *job,
                          struct ls_score_hist *out);

/* Keeps h (copied) as the histogram of job (borrowed). Only for a finished job. */
void ls_summary_cache_put(struct ls_summary_cache *c, const struct ls_job *job,
                          const struct ls_score_hist *h);

/* Forgets job id's histogram (its results were deleted, or the job). c may be NULL. */
void ls_summary_cache_drop(struct ls_summary_cache *c, int64_t job_id);

#endif
