/*
 * sqlite_int.h - what the files of the SQLite store share: the connection
 * pool, the prepared-statement table, and small helpers. Internal to
 * src/store.
 *
 * Every ls_sq_* function that takes a struct conn expects the caller to hold
 * it (ls_sq_acquire ... ls_sq_release); SQLite result codes are turned into
 * an enum ls_status and a message here and go no further.
 */
#ifndef LS_STORE_SQLITE_INT_H
#define LS_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"

#define POOL_MAX 8

/* Batch states in which the service may still run (and bill) a batch (issue #10). */
#define LIVE_BATCH "('submitting', 'pending')"

/* Statement ids; the SQL of each is in stmt_sql[] (store_sqlite.c). */
enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SYNC_FULL,
    ST_SYNC_NORMAL,
    ST_HEALTH_PROBE,
    ST_WS_FIND,
    ST_WS_INSERT,
    ST_WS_SET_OFFER,
    ST_WS_SET_UPLOAD,
    ST_WS_SET_JOB,
    ST_WS_CURRENT,
    ST_WS_FIX,
    ST_INSTANCE_DELETE,
    ST_KEY_INSERT,
    ST_KEY_LOOKUP,
    ST_KEYS_LIST,
    ST_KEY_REVOKE,
    ST_KEY_GET,
    ST_KEYS_ACTIVE,
    ST_KEY_TOUCH,
    ST_SESSION_INSERT,
    ST_SESSION_LOOKUP,
    ST_SESSION_DELETE,
    ST_SESSIONS_EXPIRE,
    ST_OFFER_INSERT,
    ST_OFFER_GET,
    ST_OFFER_FIND,
    ST_OFFERS_LIST,
    ST_OFFERS_COUNT,
    ST_OFFER_IN_USE,
    ST_OFFER_DELETE,
    ST_UPLOAD_INSERT,
    ST_UPLOAD_FIND,
    ST_UPLOADS_LIST,
    ST_UPLOADS_COUNT,
    ST_UPLOAD_ERRORS,
    ST_UPLOAD_LEADS,
    ST_UPLOAD_READY,
    ST_UPLOAD_GET,
    ST_UPLOAD_ERROR,
    ST_UPLOAD_TOUCH,
    ST_UPLOAD_IN_USE,
    ST_UPLOAD_DELETE,
    ST_LEAD_INSERT,
    ST_LEADS_MARK_DUPS,
    ST_LEADS_DROP_DUPS,
    ST_UPLOAD_EXTRA,
    ST_JOB_INSERT,
    ST_JOB_GET,
    ST_JOB_GET_WS,
    ST_JOBS_LIST,
    ST_JOBS_COUNT,
    ST_JOB_RESUMABLE,
    ST_JOB_CLAIM,
    ST_JOB_CLAIMABLE,
    ST_JOB_PROGRESS,
    ST_JOB_STATUS,
    ST_JOB_FINISH,
    ST_JOB_RELEASE,
    ST_JOB_RESUME,
    ST_JOB_WARN,
    ST_JOB_CANCEL,
    ST_JOB_STOPPED,
    ST_JOBS_COUNTS,
    ST_JOBS_QUEUED,
    ST_JOB_DELETE,
    ST_JOB_LIVE_BATCHES,
    ST_JOB_RESULTS_DELETE,
    ST_JOB_RESULTS_MARK,
    ST_LEADS_PENDING,
    ST_RESULT_INSERT,
    ST_RESULTS_PAGE, /* keyset pages, in enum ls_sort order */
    ST_RESULTS_PAGE_SCORE_ASC,
    ST_RESULTS_PAGE_NAME,
    ST_RESULTS_PAGE_COMPANY,
    ST_RESULTS_SCORE_DESC, /* the four sorts of a results query, in enum ls_sort order */
    ST_RESULTS_SCORE_ASC,
    ST_RESULTS_NAME,
    ST_RESULTS_COMPANY,
    ST_RESULTS_COUNT,
    ST_RESULTS_COUNT_RULES,
    ST_RESULTS_SCORE_DESC_SEEK,
    ST_RESULTS_SCORE_DESC_TEXT,
    ST_RESULTS_HIST,
    ST_RESULTS_HIST_Q,
    ST_RESULTS_TEXTS,
    ST_LEADS_BY_NAME,
    ST_LEADS_BY_COMPANY,
    ST_RESULT_GET,
    ST_VERDICT_GET,
    ST_VERDICT_PUT,
    ST_VERDICT_USED,
    ST_COUNT
};

struct conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
    bool in_use;
    bool sync_normal;
};

struct sq_store {
    struct ls_store base;
    char *path; /* owned */
    struct ls_store_options opt;
    int64_t instance; /* this process's row in instances */
    int lock_fd;      /* <path>-lock: byte N is locked while instance N lives */
    dev_t dev;        /* the database file as opened: a deleted or replaced file */
    ino_t ino;        /* is detected before any write is acknowledged */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct conn conns[POOL_MAX];
    int n_open;
    /* the last health check, for at most one probe a second */
    pthread_mutex_t health_mu;
    int64_t health_at;
    int health_rc;
    char health_msg[LS_ERR_MSG_MAX];
};

/* ---- helpers (store_sqlite.c) ---- */

/* Translates an SQLite failure into an ls_status (EIO, ENOSPACE, EUNAVAILABLE) with a message. */
int ls_sq_fail(sqlite3 *db, int rc, const char *what, struct ls_err *err);
/* A free connection from the pool (waits when all are busy); NULL on open failure. */
struct conn *ls_sq_acquire(struct sq_store *s, struct ls_err *err);
void ls_sq_release(struct sq_store *s, struct conn *c);
/* The cached statement id, reset and with no bindings; borrowed from c. */
sqlite3_stmt *ls_sq_stmt(struct conn *c, enum stmt_id id, struct ls_err *err);
/* Runs a statement that returns no rows. */
int ls_sq_exec(struct conn *c, enum stmt_id id, const char *what, struct ls_err *err);
/* Steps st once, expecting SQLITE_DONE, and resets it. */
int ls_sq_step_done(struct conn *c, sqlite3_stmt *st, const char *what, struct ls_err *err);
/*
 * Starts a write transaction: synchronous=NORMAL when bulk (batches whose
 * acknowledgement comes later), FULL otherwise. Fails with LS_EUNAVAILABLE
 * when the database file was deleted or replaced since it was opened.
 */
int ls_sq_begin(struct sq_store *s, struct conn *c, bool bulk, struct ls_err *err);
int ls_sq_commit(struct conn *c, struct ls_err *err);
/* Rolls back an open transaction, if any. */
void ls_sq_rollback(struct conn *c);
/* Text binds copy (SQLITE_TRANSIENT): the caller's buffer may go away after the bind. */
void ls_sq_bind_text(sqlite3_stmt *st, int i, const char *s, size_t len);
void ls_sq_bind_cstr(sqlite3_stmt *st, int i, const char *s);
/* Column text, "" for NULL; borrowed until the next step or reset. */
const char *ls_sq_col_text(sqlite3_stmt *st, int i);
void ls_sq_copy_col(sqlite3_stmt *st, int i, char *dst, size_t cap);

/* Binds a statement's parameters from args. */
typedef void (*ls_sq_bind_fn)(sqlite3_stmt *st, const void *args);
/* Reads one row; a non-zero return stops the iteration and is returned. */
typedef int (*ls_sq_row_fn)(sqlite3_stmt *st, void *ud, struct ls_err *err);

/*
 * Acquires a connection, binds statement id, calls row for each row, and
 * releases. Returns LS_OK, row's error, or a database error.
 */
int ls_sq_each_row(struct sq_store *s, enum stmt_id id, ls_sq_bind_fn bind, const void *args,
                   ls_sq_row_fn row, void *ud, const char *what, struct ls_err *err);

/* Runs a one-row, one-integer query (a count or an id); *out 0 when there is no row. */
int ls_sq_scalar(struct sq_store *s, enum stmt_id id, ls_sq_bind_fn bind, const void *args,
                 int64_t *out, const char *what, struct ls_err *err);

/*
 * Runs a write statement in its own FULL transaction (bind may be NULL);
 * *changes (may be NULL) gets the rows it changed.
 */
int ls_sq_write(struct sq_store *s, enum stmt_id id, ls_sq_bind_fn bind, const void *args,
                int *changes, const char *what, struct ls_err *err);

/*
 * Runs statement id with ?1 = a (and ?2 = b when it has a second parameter)
 * inside the caller's transaction. *n (may be NULL) gets the first column of
 * its row when is_count, else the rows it changed.
 */
int ls_sq_in_txn(struct conn *c, enum stmt_id id, int64_t a, int64_t b, bool is_count, int64_t *n,
                 const char *what, struct ls_err *err);

/* ---- operations (one file per resource) ---- */

void ls_sq_close(struct ls_store *st);
int64_t ls_sq_instance(struct ls_store *st);
int ls_sq_health(struct ls_store *st, struct ls_err *err);

/* sqlite_batches.c */
int ls_sq_batch_create(struct ls_store *st, struct ls_batch *b, const struct ls_batch_item *items,
                       size_t n, struct ls_err *err);
int ls_sq_batch_update(struct ls_store *st, const struct ls_batch *b, struct ls_err *err);
int ls_sq_batches_list(struct ls_store *st, int64_t job_id, ls_store_batch_fn cb, void *ud,
                       struct ls_err *err);
int ls_sq_batch_items(struct ls_store *st, int64_t batch_id, ls_store_batch_item_fn cb, void *ud,
                      struct ls_err *err);
int ls_sq_batch_delete(struct ls_store *st, int64_t batch_id, struct ls_err *err);
int ls_sq_batches_orphaned(struct ls_store *st, const char *provider, ls_store_batch_fn cb,
                           void *ud, struct ls_err *err);

/* sqlite_keys.c */
int ls_sq_workspace_ensure(struct ls_store *st, const char *name, int64_t now_ms, int64_t *id,
                           struct ls_err *err);
int ls_sq_key_create(struct ls_store *st, const struct ls_key_info *k, const unsigned char *hash,
                     int64_t *id, struct ls_err *err);
int ls_sq_key_lookup(struct ls_store *st, const unsigned char *hash, struct ls_key_info *out,
                     struct ls_err *err);
int ls_sq_keys_list(struct ls_store *st, int64_t workspace, ls_store_key_fn cb, void *ud,
                    struct ls_err *err);
int ls_sq_key_revoke(struct ls_store *st, int64_t workspace, int64_t id, int64_t now_ms,
                     struct ls_err *err);
int ls_sq_keys_active(struct ls_store *st, int64_t *n, struct ls_err *err);
int ls_sq_key_touch(struct ls_store *st, int64_t id, int64_t now_ms, struct ls_err *err);
int ls_sq_session_create(struct ls_store *st, const unsigned char *hash, int64_t key_id,
                         int64_t now_ms, int64_t expires_ms, struct ls_err *err);
int ls_sq_session_lookup(struct ls_store *st, const unsigned char *hash, struct ls_key_info *key,
                         int64_t *expires_ms, struct ls_err *err);
int ls_sq_session_delete(struct ls_store *st, const unsigned char *hash, struct ls_err *err);
int ls_sq_sessions_expire(struct ls_store *st, int64_t now_ms, int64_t *n, struct ls_err *err);
int ls_sq_learnt_get(struct ls_store *st, const char *base_url, const char *model,
                     struct ls_ai_learnt *out, struct ls_err *err);
int ls_sq_learnt_put(struct ls_store *st, const char *base_url, const char *model,
                     const struct ls_ai_learnt *in, int64_t now_ms, struct ls_err *err);
int ls_sq_job_ai_set(struct ls_store *st, int64_t job_id, const struct ls_ai_form *form,
                     struct ls_err *err);

/* sqlite_catalog.c */
int ls_sq_set_current(struct conn *c, enum stmt_id which, int64_t ws, int64_t id,
                      struct ls_err *err);
void ls_sq_lead_cols(sqlite3_stmt *st, int first, struct ls_lead *lead);
int ls_sq_offer_put(struct ls_store *st, int64_t ws, const struct ls_offer *offer, int64_t now_ms,
                    int64_t *id, struct ls_err *err);
int ls_sq_offer_get(struct ls_store *st, int64_t ws, int64_t id, struct ls_offer *out,
                    struct ls_err *err);
int ls_sq_offer_find(struct ls_store *st, int64_t ws, const struct ls_offer *offer, int64_t *id,
                     struct ls_err *err);
int ls_sq_offers_list(struct ls_store *st, int64_t ws, int limit, int offset, ls_store_offer_fn cb,
                      void *ud, int64_t *total, struct ls_err *err);
int ls_sq_offer_delete(struct ls_store *st, int64_t ws, int64_t id, struct ls_err *err);
int ls_sq_current(struct ls_store *st, int64_t ws, int64_t *offer_id, int64_t *upload_id,
                  int64_t *job_id, struct ls_err *err);
struct ls_store_upload *ls_sq_upload_begin(struct ls_store *st, int64_t ws, const char *filename,
                                           const unsigned char *hash, int64_t now_ms,
                                           struct ls_err *err);
int ls_sq_upload_add(struct ls_store_upload *up, const struct ls_lead *lead, uint64_t line,
                     struct ls_err *err);
int ls_sq_upload_reject(struct ls_store_upload *up, uint64_t line, const char *msg,
                        struct ls_err *err);
int ls_sq_upload_commit(struct ls_store_upload *up, const struct ls_csv_stats *stats, int64_t *id,
                        struct ls_err *err);
void ls_sq_upload_abort(struct ls_store_upload *up);
int ls_sq_upload_get(struct ls_store *st, int64_t ws, int64_t id, struct ls_upload_info *out,
                     struct ls_err *err);
int ls_sq_upload_find(struct ls_store *st, int64_t ws, const unsigned char *hash, int64_t *id,
                      struct ls_err *err);
int ls_sq_uploads_list(struct ls_store *st, int64_t ws, int limit, int offset,
                       ls_store_upload_fn cb, void *ud, int64_t *total, struct ls_err *err);
int ls_sq_upload_errors(struct ls_store *st, int64_t ws, int64_t id, int limit,
                        ls_store_reject_fn cb, void *ud, struct ls_err *err);
int ls_sq_upload_leads(struct ls_store *st, int64_t ws, int64_t id, int limit, int offset,
                       ls_store_row_fn cb, void *ud, struct ls_err *err);
int ls_sq_upload_delete(struct ls_store *st, int64_t ws, int64_t id, struct ls_err *err);

/* sqlite_jobs.c */
int ls_sq_job_create(struct ls_store *st, struct ls_job *job, struct ls_err *err);
int ls_sq_job_get(struct ls_store *st, int64_t ws, int64_t id, struct ls_job *out,
                  struct ls_err *err);
int ls_sq_jobs_list(struct ls_store *st, int64_t ws, int limit, int offset, ls_store_job_fn cb,
                    void *ud, int64_t *total, struct ls_err *err);
int ls_sq_job_find_resumable(struct ls_store *st, const struct ls_job *like, int64_t *id,
                             struct ls_err *err);
int ls_sq_job_claim(struct ls_store *st, int64_t id, int64_t now_ms, struct ls_job *out,
                    struct ls_err *err);
int ls_sq_job_finish(struct ls_store *st, const struct ls_job *job, struct ls_err *err);
int ls_sq_job_release(struct ls_store *st, int64_t id, struct ls_err *err);
/*
 * Why a conditional write on job id of workspace ws changed no row: the read's error
 * (LS_ENOTFOUND when ws has no job id), else LS_ECONFLICT "job <id> <before><its
 * status><after>" (before and after borrowed, e.g. "is " and ", not stopped").
 */
int ls_sq_job_refusal(struct ls_store *st, int64_t ws, int64_t id, const char *before,
                      const char *after, struct ls_err *err);
/* sqlite_cost.c */
int ls_sq_job_resume(struct ls_store *st, int64_t ws, int64_t id, double budget_usd,
                     struct ls_err *err);
int ls_sq_job_warn(struct ls_store *st, int64_t id, const char *warning, struct ls_err *err);
int ls_sq_job_cancel(struct ls_store *st, int64_t ws, int64_t id, int64_t now_ms,
                     struct ls_err *err);
int ls_sq_job_stopped(struct ls_store *st, int64_t id, bool *stopped, struct ls_err *err);
int ls_sq_jobs_counts(struct ls_store *st, int64_t *queued, int64_t *running, struct ls_err *err);
int ls_sq_job_delete(struct ls_store *st, int64_t ws, int64_t id, bool results_only, int64_t now_ms,
                     struct ls_err *err);
int ls_sq_leads_pending(struct ls_store *st, int64_t job_id, int64_t upload_id, int64_t after_idx,
                        int limit, ls_store_lead_fn cb, void *ud, struct ls_err *err);
int ls_sq_verdicts_get(struct ls_store *st, int64_t ws, const unsigned char (*keys)[32], size_t n,
                       struct ls_verdict *out, bool *found, struct ls_err *err);

/* sqlite_results.c */
int ls_sq_results_put(struct ls_store *st, const struct ls_job *job,
                      const struct ls_job_counts *delta, const struct ls_result *rows, size_t n,
                      enum ls_job_status *status_after, struct ls_err *err);
int ls_sq_results_page(struct ls_store *st, const struct ls_job *job,
                       const struct ls_results_query *filter, struct ls_result_cursor *cursor,
                       int limit, ls_store_result_fn cb, void *ud, struct ls_err *err);
int ls_sq_results_query(struct ls_store *st, const struct ls_job *job,
                        const struct ls_results_query *q, ls_store_result_fn cb, void *ud,
                        int64_t *total, struct ls_err *err);
int ls_sq_results_hist(struct ls_store *st, const struct ls_job *job,
                       const struct ls_results_query *filter, struct ls_score_hist *out,
                       struct ls_err *err);

int ls_sq_results_texts(struct ls_store *st, const struct ls_job *job, ls_store_text_fn cb,
                        void *ud, struct ls_err *err);
int ls_sq_leads_order(struct ls_store *st, const struct ls_job *job, enum ls_sort sort,
                      ls_store_idx_fn cb, void *ud, struct ls_err *err);
int ls_sq_results_get(struct ls_store *st, const struct ls_job *job, const int64_t *idx, size_t n,
                      ls_store_result_fn cb, void *ud, struct ls_err *err);

/* sqlite_purge.c */
int ls_sq_purge(struct ls_store *st, int64_t before_ms, struct ls_purge_stats *out,
                struct ls_err *err);
int ls_sq_cache_trim(struct ls_store *st, int64_t max_rows, int64_t *evicted, struct ls_err *err);
/* Checkpoints the WAL into the database and truncates it (after deletions). */
void ls_sq_checkpoint(struct sq_store *s);

#endif
