/*
 * sqlite_int.h - what the files of the SQLite store share: the connection
 * pool, the prepared-statement ids, and small helpers. Internal to src/store.
 *
 * Every ls_sq_* function that takes a struct conn expects the caller to hold
 * it (ls_sq_acquire ... ls_sq_release); SQLite result codes are turned into
 * an enum ls_status and a message here and go no further.
 */
#ifndef LS_STORE_SQLITE_INT_H
#define LS_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define POOL_MAX 8

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SYNC_FULL,
    ST_SYNC_NORMAL,
    ST_OFFER_INSERT,
    ST_OFFER_GET,
    ST_OFFER_FIND,
    ST_OFFERS_LIST,
    ST_OFFERS_COUNT,
    ST_STATE_SET,
    ST_STATE_GET,
    ST_UPLOAD_INSERT,
    ST_UPLOAD_FIND,
    ST_UPLOADS_LIST,
    ST_UPLOADS_COUNT,
    ST_UPLOAD_ERRORS,
    ST_UPLOAD_LEADS,
    ST_UPLOAD_READY,
    ST_UPLOAD_GET,
    ST_UPLOAD_ERROR,
    ST_LEAD_INSERT,
    ST_JOB_INSERT,
    ST_JOB_GET,
    ST_JOBS_LIST,
    ST_JOBS_COUNT,
    ST_JOB_RESUMABLE,
    ST_JOB_UPDATE,
    ST_JOBS_UNFINISHED,
    ST_LEADS_PENDING,
    ST_RESULT_INSERT,
    ST_RESULTS_PAGE,
    ST_RESULTS_SCORE_DESC, /* the four sorts of a results query, in enum ls_sort order */
    ST_RESULTS_SCORE_ASC,
    ST_RESULTS_NAME,
    ST_RESULTS_COMPANY,
    ST_RESULTS_COUNT,
    ST_VERDICT_GET,
    ST_VERDICT_PUT,
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
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct conn conns[POOL_MAX];
    int n_open;
};


/* ---- helpers (store_sqlite.c) ---- */

/* Translates an SQLite failure into LS_EIO (LS_ETIMEOUT when busy) with a message. */
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
/* synchronous=NORMAL for bulk batches, FULL for anything that acknowledges. */
int ls_sq_set_sync(struct conn *c, bool normal, struct ls_err *err);
int ls_sq_begin(struct conn *c, bool bulk, struct ls_err *err);
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

/* ---- operations (one file per resource) ---- */

void ls_sq_close(struct ls_store *st);
int ls_sq_state_set(struct conn *c, const char *key, int64_t value, struct ls_err *err);
/* Reads a lead from columns first..first+5 (borrowed until the next step). */
void ls_sq_lead_cols(sqlite3_stmt *st, int first, struct ls_lead *lead);
/* Writes a job's status and counters on c, inside the caller's transaction. */
int ls_sq_job_write(struct conn *c, const struct ls_job *j, struct ls_err *err);
int ls_sq_offer_put(struct ls_store *base, const struct ls_offer *offer, int64_t now_ms,
                    int64_t *id, struct ls_err *err);
int ls_sq_offer_get(struct ls_store *base, int64_t id, struct ls_offer *out, struct ls_err *err);
int ls_sq_current(struct ls_store *base, int64_t *offer_id, int64_t *upload_id, int64_t *job_id,
                  struct ls_err *err);
struct ls_store_upload *ls_sq_upload_begin(struct ls_store *base, const char *filename,
                                           const unsigned char *hash, int64_t now_ms,
                                           struct ls_err *err);
int ls_sq_upload_add(struct ls_store_upload *base, const struct ls_lead *lead, uint64_t line,
                     struct ls_err *err);
int ls_sq_upload_reject(struct ls_store_upload *base, uint64_t line, const char *msg,
                        struct ls_err *err);
int ls_sq_upload_commit(struct ls_store_upload *base, const struct ls_csv_stats *stats, int64_t *id,
                        struct ls_err *err);
void ls_sq_upload_abort(struct ls_store_upload *base);
int ls_sq_upload_get(struct ls_store *base, int64_t id, struct ls_upload_info *out,
                     struct ls_err *err);
int ls_sq_job_create(struct ls_store *base, struct ls_job *job, struct ls_err *err);
int ls_sq_job_get(struct ls_store *base, int64_t id, struct ls_job *out, struct ls_err *err);
int ls_sq_job_update(struct ls_store *base, const struct ls_job *job, struct ls_err *err);
int ls_sq_jobs_unfinished(struct ls_store *base, int64_t *ids, size_t max, size_t *n,
                          struct ls_err *err);
int ls_sq_leads_pending(struct ls_store *base, int64_t job_id, int64_t upload_id, int64_t after_idx,
                        int limit, ls_store_lead_fn cb, void *ud, struct ls_err *err);
int ls_sq_results_put(struct ls_store *base, const struct ls_job *job, const struct ls_result *rows,
                      size_t n, struct ls_err *err);
int ls_sq_results_page(struct ls_store *base, const struct ls_job *job,
                       const struct ls_results_query *filter, struct ls_result_cursor *cursor,
                       int limit, ls_store_result_fn cb, void *ud, struct ls_err *err);
int ls_sq_offer_find(struct ls_store *base, const struct ls_offer *offer, int64_t *id,
                     struct ls_err *err);
int ls_sq_offers_list(struct ls_store *base, int limit, int offset, ls_store_offer_fn cb, void *ud,
                      int64_t *total, struct ls_err *err);
int ls_sq_upload_find(struct ls_store *base, const unsigned char *hash, int64_t *id,
                      struct ls_err *err);
int ls_sq_uploads_list(struct ls_store *base, int limit, int offset, ls_store_upload_fn cb,
                       void *ud, int64_t *total, struct ls_err *err);
int ls_sq_upload_errors(struct ls_store *base, int64_t id, int limit, ls_store_reject_fn cb,
                        void *ud, struct ls_err *err);
int ls_sq_upload_leads(struct ls_store *base, int64_t id, int limit, int offset, ls_store_row_fn cb,
                       void *ud, struct ls_err *err);
int ls_sq_jobs_list(struct ls_store *base, int limit, int offset, ls_store_job_fn cb, void *ud,
                    int64_t *total, struct ls_err *err);
int ls_sq_job_find_resumable(struct ls_store *base, const struct ls_job *like, int64_t *id,
                             struct ls_err *err);
int ls_sq_results_query(struct ls_store *base, const struct ls_job *job,
                        const struct ls_results_query *q, ls_store_result_fn cb, void *ud,
                        int64_t *total, struct ls_err *err);
int ls_sq_verdicts_get(struct ls_store *base, const unsigned char (*keys)[32], size_t n,
                       struct ls_verdict *out, bool *found, struct ls_err *err);

#endif
