/*
 * store.h - durable storage of offers, uploads, leads, jobs and results.
 *
 * The store is a table of operations (struct ls_store_ops, like SQLite's VFS)
 * behind an opaque handle; store_sqlite.c is the embedded implementation. All
 * functions are thread-safe: implementations keep a pool of connections.
 * Everything a function reports as stored is durable when it returns.
 */
#ifndef LS_STORE_STORE_H
#define LS_STORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/csv_in.h"
#include "core/err.h"
#include "core/lead.h"
#include "core/offer.h"
#include "core/query.h"
#include "core/result.h"
#include "core/verdict.h"

struct ls_store;

enum ls_job_status {
    LS_JOB_QUEUED,
    LS_JOB_RUNNING,
    LS_JOB_SUCCEEDED,
    LS_JOB_FAILED,
    LS_JOB_CANCELLED,
};

/* "queued", "running", ... Static. */
const char *ls_job_status_name(enum ls_job_status s);
/* Inverse of ls_job_status_name; -1 when unknown. */
int ls_job_status_parse(const char *s);

struct ls_job {
    int64_t id, offer_id, upload_id;
    enum ls_job_status status;
    int64_t created_ms, started_ms, finished_ms; /* 0 when not yet */
    int64_t total;                               /* leads in the upload */
    int64_t done;                                /* results stored */
    int64_t failed;                              /* leads the model failed on (fallback used) */
    int64_t fallbacks;   /* = failed: verdicts that came from the offline judge */
    int64_t cache_hits;  /* verdicts reused from the cache */
    int64_t model_calls; /* HTTP requests to the model */
    int64_t retries;     /* of those, repeats after an error */
    int64_t prompt_tokens, output_tokens;
    int64_t counts[4]; /* indexed by enum ls_intent */
    char provider[32];
    char model[128];
    char error[LS_ERR_MSG_MAX];
};

struct ls_offer_info {
    int64_t id;
    int64_t created_ms;
    char name[256];
};

struct ls_upload_info {
    int64_t id;
    int64_t created_ms;
    int64_t accepted, rejected;
    bool is_cp1252;
    char filename[256];
};

/* Called once per lead; lead strings are borrowed for the call only. */
typedef int (*ls_store_lead_fn)(void *ud, int64_t idx, const struct ls_lead *lead,
                                struct ls_err *err);
/* List callbacks: the item is borrowed for the call only; non-zero stops the listing. */
typedef int (*ls_store_offer_fn)(void *ud, const struct ls_offer_info *o, struct ls_err *err);
typedef int (*ls_store_upload_fn)(void *ud, const struct ls_upload_info *u, struct ls_err *err);
typedef int (*ls_store_job_fn)(void *ud, const struct ls_job *j, struct ls_err *err);
typedef int (*ls_store_reject_fn)(void *ud, int64_t line, const char *msg, struct ls_err *err);
typedef int (*ls_store_row_fn)(void *ud, int64_t idx, int64_t line, const struct ls_lead *lead,
                               struct ls_err *err);

/* Called once per result row; r and its strings are borrowed for the call only. */
typedef int (*ls_store_result_fn)(void *ud, const struct ls_result *r, struct ls_err *err);

/* Where a keyset page of results starts: after (score, idx), or at the top. */
struct ls_result_cursor {
    bool has_last;
    int score;
    int64_t idx;
};

struct ls_store_ops {
    const char *name;
    void (*close)(struct ls_store *st);

    int (*offer_put)(struct ls_store *st, const struct ls_offer *offer, int64_t now_ms, int64_t *id,
                     struct ls_err *err);
    int (*offer_get)(struct ls_store *st, int64_t id, struct ls_offer *out, struct ls_err *err);
    int (*offer_find)(struct ls_store *st, const struct ls_offer *offer, int64_t *id,
                      struct ls_err *err);
    int (*offers_list)(struct ls_store *st, int limit, int offset, ls_store_offer_fn cb, void *ud,
                       int64_t *total, struct ls_err *err);

    struct ls_store_upload *(*upload_begin)(struct ls_store *st, const char *filename,
                                            const unsigned char *hash, int64_t now_ms,
                                            struct ls_err *err);
    int (*upload_add)(struct ls_store_upload *up, const struct ls_lead *lead, uint64_t line,
                      struct ls_err *err);
    int (*upload_reject)(struct ls_store_upload *up, uint64_t line, const char *msg,
                         struct ls_err *err);
    int (*upload_commit)(struct ls_store_upload *up, const struct ls_csv_stats *stats, int64_t *id,
                         struct ls_err *err);
    void (*upload_abort)(struct ls_store_upload *up);
    int (*upload_get)(struct ls_store *st, int64_t id, struct ls_upload_info *out,
                      struct ls_err *err);
    int (*upload_find)(struct ls_store *st, const unsigned char *hash, int64_t *id,
                       struct ls_err *err);
    int (*uploads_list)(struct ls_store *st, int limit, int offset, ls_store_upload_fn cb, void *ud,
                        int64_t *total, struct ls_err *err);
    int (*upload_errors)(struct ls_store *st, int64_t id, int limit, ls_store_reject_fn cb,
                         void *ud, struct ls_err *err);
    int (*upload_leads)(struct ls_store *st, int64_t id, int limit, int offset, ls_store_row_fn cb,
                        void *ud, struct ls_err *err);

    int (*current)(struct ls_store *st, int64_t *offer_id, int64_t *upload_id, int64_t *job_id,
                   struct ls_err *err);

    int (*job_create)(struct ls_store *st, struct ls_job *job, struct ls_err *err);
    int (*job_get)(struct ls_store *st, int64_t id, struct ls_job *out, struct ls_err *err);
    int (*job_update)(struct ls_store *st, const struct ls_job *job, struct ls_err *err);
    int (*jobs_unfinished)(struct ls_store *st, int64_t *ids, size_t max, size_t *n,
                           struct ls_err *err);
    int (*jobs_list)(struct ls_store *st, int limit, int offset, ls_store_job_fn cb, void *ud,
                     int64_t *total, struct ls_err *err);
    int (*job_find_resumable)(struct ls_store *st, const struct ls_job *like, int64_t *id,
                              struct ls_err *err);

    int (*leads_pending)(struct ls_store *st, int64_t job_id, int64_t upload_id, int64_t after_idx,
                         int limit, ls_store_lead_fn cb, void *ud, struct ls_err *err);
    int (*results_put)(struct ls_store *st, const struct ls_job *job, const struct ls_result *rows,
                       size_t n, struct ls_err *err);
    int (*verdicts_get)(struct ls_store *st, const unsigned char (*keys)[32], size_t n,
                        struct ls_verdict *out, bool *found, struct ls_err *err);
    int (*results_page)(struct ls_store *st, const struct ls_job *job,
                        const struct ls_results_query *filter, struct ls_result_cursor *cursor,
                        int limit, ls_store_result_fn cb, void *ud, struct ls_err *err);
    int (*results_query)(struct ls_store *st, const struct ls_job *job,
                         const struct ls_results_query *q, ls_store_result_fn cb, void *ud,
                         int64_t *total, struct ls_err *err);
};

/* Every store handle starts with its ops table ... */
struct ls_store {
    const struct ls_store_ops *ops;
};

/* ... and every upload handle with its store. */
struct ls_store_upload {
    struct ls_store *st; /* borrowed */
};

/*
 * Opens (creating and migrating as needed) the SQLite store at path. Owned:
 * ls_store_close. LS_EIO with the file name when it cannot be opened.
 */
struct ls_store *ls_store_open_sqlite(const char *path, struct ls_err *err);

/* Closes the store; st may be NULL. Waits for connections in use. */
void ls_store_close(struct ls_store *st);

/* Stores an offer and makes it the current one; *id is its new id. */
int ls_store_offer_put(struct ls_store *st, const struct ls_offer *offer, int64_t now_ms,
                       int64_t *id, struct ls_err *err);
/* Loads an offer (release with ls_offer_release). LS_ENOTFOUND when unknown. */
int ls_store_offer_get(struct ls_store *st, int64_t id, struct ls_offer *out, struct ls_err *err);
/* The newest offer with the same content as offer (by hash); *id 0 when none. */
int ls_store_offer_find(struct ls_store *st, const struct ls_offer *offer, int64_t *id,
                        struct ls_err *err);
/* Offers, newest first: limit from offset; *total counts them all. */
int ls_store_offers_list(struct ls_store *st, int limit, int offset, ls_store_offer_fn cb, void *ud,
                         int64_t *total, struct ls_err *err);

/*
 * Starts an upload. Leads are written in batches as they arrive; nothing is
 * visible, and a crash leaves nothing behind, until ls_store_upload_commit,
 * which also makes the upload the current one. Exactly one of commit or
 * abort must be called; both free up. filename is copied. hash (32 bytes, or
 * NULL) is a digest of the source file, for ls_store_upload_find.
 */
struct ls_store_upload *ls_store_upload_begin(struct ls_store *st, const char *filename,
                                              const unsigned char *hash, int64_t now_ms,
                                              struct ls_err *err);
int ls_store_upload_add(struct ls_store_upload *up, const struct ls_lead *lead, uint64_t line,
                        struct ls_err *err);
int ls_store_upload_reject(struct ls_store_upload *up, uint64_t line, const char *msg,
                           struct ls_err *err);
int ls_store_upload_commit(struct ls_store_upload *up, const struct ls_csv_stats *stats,
                           int64_t *id, struct ls_err *err);
void ls_store_upload_abort(struct ls_store_upload *up);
int ls_store_upload_get(struct ls_store *st, int64_t id, struct ls_upload_info *out,
                        struct ls_err *err);
/* The newest complete upload of a file with this digest (32 bytes); *id 0 when none. */
int ls_store_upload_find(struct ls_store *st, const unsigned char *hash, int64_t *id,
                         struct ls_err *err);
/* Uploads, newest first. */
int ls_store_uploads_list(struct ls_store *st, int limit, int offset, ls_store_upload_fn cb,
                          void *ud, int64_t *total, struct ls_err *err);
/* The first limit rejected rows of an upload, in file order. */
int ls_store_upload_errors(struct ls_store *st, int64_t id, int limit, ls_store_reject_fn cb,
                           void *ud, struct ls_err *err);
/* An upload's leads in upload order, limit from offset. */
int ls_store_upload_leads(struct ls_store *st, int64_t id, int limit, int offset,
                          ls_store_row_fn cb, void *ud, struct ls_err *err);

/* The current offer and upload and the latest job; 0 for each that does not exist. */
int ls_store_current(struct ls_store *st, int64_t *offer_id, int64_t *upload_id, int64_t *job_id,
                     struct ls_err *err);

/* Creates a queued job from job->offer_id/upload_id/provider/model; fills id, total. */
int ls_store_job_create(struct ls_store *st, struct ls_job *job, struct ls_err *err);
int ls_store_job_get(struct ls_store *st, int64_t id, struct ls_job *out, struct ls_err *err);
/* Writes status, timestamps, counters and error of job. */
int ls_store_job_update(struct ls_store *st, const struct ls_job *job, struct ls_err *err);

/* Jobs, newest first. */
int ls_store_jobs_list(struct ls_store *st, int limit, int offset, ls_store_job_fn cb, void *ud,
                       int64_t *total, struct ls_err *err);
/*
 * The newest queued or running job with like's offer, upload, provider and
 * model: the run a repeated `leadscore score --db` resumes. *id 0 when none.
 */
int ls_store_job_find_resumable(struct ls_store *st, const struct ls_job *like, int64_t *id,
                                struct ls_err *err);

/* Ids of up to max jobs still queued or running, oldest first; *n is how many. */
int ls_store_jobs_unfinished(struct ls_store *st, int64_t *ids, size_t max, size_t *n,
                             struct ls_err *err);

/*
 * Calls cb for up to limit leads of the upload with idx > after_idx that have
 * no result in the job yet, in upload order. A non-zero cb return stops it.
 */
int ls_store_leads_pending(struct ls_store *st, int64_t job_id, int64_t upload_id,
                           int64_t after_idx, int limit, ls_store_lead_fn cb, void *ud,
                           struct ls_err *err);

/* Stores n results and the job's progress counters in one transaction. */
int ls_store_results_put(struct ls_store *st, const struct ls_job *job,
                         const struct ls_result *rows, size_t n, struct ls_err *err);

/*
 * Looks up n verdict-cache keys (32 bytes each): found[i] says whether key i
 * is cached, and out[i] then holds its verdict.
 */
int ls_store_verdicts_get(struct ls_store *st, const unsigned char (*keys)[32], size_t n,
                          struct ls_verdict *out, bool *found, struct ls_err *err);

/*
 * Calls cb for up to limit results of the job after *cursor, by score
 * descending then upload order, and advances *cursor: a keyset walk that
 * costs the same at any depth. filter (may be NULL) narrows the rows by
 * intent, score and text; its sort and paging are ignored. Returns the number
 * of rows delivered (>= 0) or an error.
 */
int ls_store_results_page(struct ls_store *st, const struct ls_job *job,
                          const struct ls_results_query *filter, struct ls_result_cursor *cursor,
                          int limit, ls_store_result_fn cb, void *ud, struct ls_err *err);

/*
 * One page of a job's results as q asks (filters, sort, limit, offset), with
 * *total the number of rows matching the filters.
 */
int ls_store_results_query(struct ls_store *st, const struct ls_job *job,
                           const struct ls_results_query *q, ls_store_result_fn cb, void *ud,
                           int64_t *total, struct ls_err *err);

#endif
