/*
 * store.c - dispatch from the public store API to the implementation's ops,
 * timing every operation for the store-latency metrics on the way.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"
#include "sys/metrics.h"

static const char *const job_status_names[] = {
    [LS_JOB_QUEUED] = "queued", [LS_JOB_RUNNING] = "running",     [LS_JOB_SUCCEEDED] = "succeeded",
    [LS_JOB_FAILED] = "failed", [LS_JOB_CANCELLED] = "cancelled", [LS_JOB_STOPPED] = "stopped",
};

const char *ls_job_status_name(enum ls_job_status s)
{
    return (unsigned)s < LS_ARRAY_LEN(job_status_names) ? job_status_names[s] : "unknown";
}

int ls_job_status_parse(const char *s)
{
    for (size_t i = 0; i < LS_ARRAY_LEN(job_status_names); i++) {
        if (strcmp(s, job_status_names[i]) == 0)
            return (int)i;
    }
    return -1;
}

bool ls_job_status_final(enum ls_job_status s)
{
    return s == LS_JOB_SUCCEEDED || s == LS_JOB_FAILED || s == LS_JOB_CANCELLED;
}

bool ls_job_status_at_rest(enum ls_job_status s)
{
    return ls_job_status_final(s) || s == LS_JOB_STOPPED;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Calls the op and records how long it took; "not found", "conflict" and "queue full" are
 * answers, not errors of the store. */
#define TIMED(op, st, ...)                                                                         \
    do {                                                                                           \
        double t0_ = now_s();                                                                      \
        int rc_ = (st)->ops->op((st), __VA_ARGS__);                                                \
        ls_metrics_store_op(#op, now_s() - t0_,                                                    \
                            rc_ >= 0 || rc_ == LS_ENOTFOUND || rc_ == LS_ECONFLICT ||              \
                                rc_ == LS_EBUSY);                                                  \
        return rc_;                                                                                \
    } while (0)

void ls_store_close(struct ls_store *st)
{
    if (st)
        st->ops->close(st);
}

int64_t ls_store_instance(struct ls_store *st)
{
    return st->ops->instance(st);
}

int ls_store_health(struct ls_store *st, struct ls_err *err)
{
    return st->ops->health(st, err);
}

int ls_store_workspace_ensure(struct ls_store *st, const char *name, int64_t now_ms, int64_t *id,
                              struct ls_err *err)
{
    TIMED(workspace_ensure, st, name, now_ms, id, err);
}

int ls_store_key_create(struct ls_store *st, const struct ls_key_info *k, const unsigned char *hash,
                        int64_t *id, struct ls_err *err)
{
    TIMED(key_create, st, k, hash, id, err);
}

int ls_store_key_lookup(struct ls_store *st, const unsigned char *hash, struct ls_key_info *out,
                        struct ls_err *err)
{
    TIMED(key_lookup, st, hash, out, err);
}

int ls_store_keys_list(struct ls_store *st, int64_t workspace, ls_store_key_fn cb, void *ud,
                       struct ls_err *err)
{
    TIMED(keys_list, st, workspace, cb, ud, err);
}

int ls_store_key_revoke(struct ls_store *st, int64_t workspace, int64_t id, int64_t now_ms,
                        struct ls_err *err)
{
    TIMED(key_revoke, st, workspace, id, now_ms, err);
}

int ls_store_keys_active(struct ls_store *st, int64_t *n, struct ls_err *err)
{
    TIMED(keys_active, st, n, err);
}

int ls_store_key_touch(struct ls_store *st, int64_t id, int64_t now_ms, struct ls_err *err)
{
    TIMED(key_touch, st, id, now_ms, err);
}

int ls_store_offer_put(struct ls_store *st, int64_t ws, const struct ls_offer *offer,
                       int64_t now_ms, int64_t *id, struct ls_err *err)
{
    TIMED(offer_put, st, ws, offer, now_ms, id, err);
}

int ls_store_offer_get(struct ls_store *st, int64_t ws, int64_t id, struct ls_offer *out,
                       struct ls_err *err)
{
    TIMED(offer_get, st, ws, id, out, err);
}

int ls_store_offer_find(struct ls_store *st, int64_t ws, const struct ls_offer *offer, int64_t *id,
                        struct ls_err *err)
{
    TIMED(offer_find, st, ws, offer, id, err);
}

int ls_store_offers_list(struct ls_store *st, int64_t ws, int limit, int offset,
                         ls_store_offer_fn cb, void *ud, int64_t *total, struct ls_err *err)
{
    TIMED(offers_list, st, ws, limit, offset, cb, ud, total, err);
}

int ls_store_offer_delete(struct ls_store *st, int64_t ws, int64_t id, struct ls_err *err)
{
    TIMED(offer_delete, st, ws, id, err);
}

struct ls_store_upload *ls_store_upload_begin(struct ls_store *st, int64_t ws, const char *filename,
                                              const unsigned char *hash, int64_t now_ms,
                                              struct ls_err *err)
{
    double t0 = now_s();
    struct ls_store_upload *up = st->ops->upload_begin(st, ws, filename, hash, now_ms, err);
    ls_metrics_store_op("upload_begin", now_s() - t0, up != NULL);
    return up;
}

int ls_store_upload_add(struct ls_store_upload *up, const struct ls_lead *lead, uint64_t line,
                        struct ls_err *err)
{
    /* Per row: too frequent to time; its batches are timed as the transactions they are. */
    return up->st->ops->upload_add(up, lead, line, err);
}

int ls_store_upload_reject(struct ls_store_upload *up, uint64_t line, const char *msg,
                           struct ls_err *err)
{
    return up->st->ops->upload_reject(up, line, msg, err);
}

int ls_store_upload_commit(struct ls_store_upload *up, const struct ls_csv_stats *stats,
                           int64_t *id, struct ls_err *err)
{
    double t0 = now_s();
    int rc = up->st->ops->upload_commit(up, stats, id, err);
    ls_metrics_store_op("upload_commit", now_s() - t0, rc == LS_OK);
    return rc;
}

void ls_store_upload_abort(struct ls_store_upload *up)
{
    if (up)
        up->st->ops->upload_abort(up);
}

int ls_store_upload_get(struct ls_store *st, int64_t ws, int64_t id, struct ls_upload_info *out,
                        struct ls_err *err)
{
    TIMED(upload_get, st, ws, id, out, err);
}

int ls_store_upload_find(struct ls_store *st, int64_t ws, const unsigned char *hash, int64_t *id,
                         struct ls_err *err)
{
    TIMED(upload_find, st, ws, hash, id, err);
}

int ls_store_uploads_list(struct ls_store *st, int64_t ws, int limit, int offset,
                          ls_store_upload_fn cb, void *ud, int64_t *total, struct ls_err *err)
{
    TIMED(uploads_list, st, ws, limit, offset, cb, ud, total, err);
}

int ls_store_upload_errors(struct ls_store *st, int64_t ws, int64_t id, int limit,
                           ls_store_reject_fn cb, void *ud, struct ls_err *err)
{
    TIMED(upload_errors, st, ws, id, limit, cb, ud, err);
}

int ls_store_upload_leads(struct ls_store *st, int64_t ws, int64_t id, int limit, int offset,
                          ls_store_row_fn cb, void *ud, struct ls_err *err)
{
    TIMED(upload_leads, st, ws, id, limit, offset, cb, ud, err);
}

int ls_store_upload_delete(struct ls_store *st, int64_t ws, int64_t id, struct ls_err *err)
{
    TIMED(upload_delete, st, ws, id, err);
}

int ls_store_current(struct ls_store *st, int64_t ws, int64_t *offer_id, int64_t *upload_id,
                     int64_t *job_id, struct ls_err *err)
{
    TIMED(current, st, ws, offer_id, upload_id, job_id, err);
}

int ls_store_job_create(struct ls_store *st, struct ls_job *job, struct ls_err *err)
{
    TIMED(job_create, st, job, err);
}

int ls_store_job_get(struct ls_store *st, int64_t ws, int64_t id, struct ls_job *out,
                     struct ls_err *err)
{
    TIMED(job_get, st, ws, id, out, err);
}

int ls_store_jobs_list(struct ls_store *st, int64_t ws, int limit, int offset, ls_store_job_fn cb,
                       void *ud, int64_t *total, struct ls_err *err)
{
    TIMED(jobs_list, st, ws, limit, offset, cb, ud, total, err);
}

int ls_store_job_find_resumable(struct ls_store *st, const struct ls_job *like, int64_t *id,
                                struct ls_err *err)
{
    TIMED(job_find_resumable, st, like, id, err);
}

int ls_store_job_claim(struct ls_store *st, int64_t id, int64_t now_ms, struct ls_job *out,
                       struct ls_err *err)
{
    TIMED(job_claim, st, id, now_ms, out, err);
}

int ls_store_job_finish(struct ls_store *st, const struct ls_job *job, struct ls_err *err)
{
    TIMED(job_finish, st, job, err);
}

int ls_store_job_release(struct ls_store *st, int64_t id, struct ls_err *err)
{
    TIMED(job_release, st, id, err);
}

int ls_store_job_resume(struct ls_store *st, int64_t ws, int64_t id, double budget_usd,
                        struct ls_err *err)
{
    TIMED(job_resume, st, ws, id, budget_usd, err);
}

int ls_store_job_warn(struct ls_store *st, int64_t id, const char *warning, struct ls_err *err)
{
    TIMED(job_warn, st, id, warning, err);
}

int ls_store_job_cancel(struct ls_store *st, int64_t ws, int64_t id, int64_t now_ms,
                        struct ls_err *err)
{
    TIMED(job_cancel, st, ws, id, now_ms, err);
}

int ls_store_job_stopped(struct ls_store *st, int64_t id, bool *stopped, struct ls_err *err)
{
    TIMED(job_stopped, st, id, stopped, err);
}

int ls_store_jobs_counts(struct ls_store *st, int64_t *queued, int64_t *running, struct ls_err *err)
{
    TIMED(jobs_counts, st, queued, running, err);
}

int ls_store_job_delete(struct ls_store *st, int64_t ws, int64_t id, bool results_only,
                        int64_t now_ms, struct ls_err *err)
{
    TIMED(job_delete, st, ws, id, results_only, now_ms, err);
}

int ls_store_leads_pending(struct ls_store *st, int64_t job_id, int64_t upload_id,
                           int64_t after_idx, int limit, ls_store_lead_fn cb, void *ud,
                           struct ls_err *err)
{
    TIMED(leads_pending, st, job_id, upload_id, after_idx, limit, cb, ud, err);
}

int ls_store_results_put(struct ls_store *st, const struct ls_job *job,
                         const struct ls_job_counts *delta, const struct ls_result *rows, size_t n,
                         enum ls_job_status *status_after, struct ls_err *err)
{
    TIMED(results_put, st, job, delta, rows, n, status_after, err);
}

int ls_store_verdicts_get(struct ls_store *st, int64_t ws, const unsigned char (*keys)[32],
                          size_t n, struct ls_verdict *out, bool *found, struct ls_err *err)
{
    TIMED(verdicts_get, st, ws, keys, n, out, found, err);
}

void ls_result_cursor_set(struct ls_result_cursor *c, enum ls_sort sort, const struct ls_result *r)
{
    c->has_last = true;
    c->score = r->score;
    c->idx = r->idx;
    if (sort == LS_SORT_NAME || sort == LS_SORT_COMPANY) {
        int f = sort == LS_SORT_NAME ? LS_F_NAME : LS_F_COMPANY;
        free(c->text);
        c->text = ls_xmalloc(r->lead.len[f] + 1);
        memcpy(c->text, r->lead.f[f], r->lead.len[f]);
        c->text[r->lead.len[f]] = '\0';
    }
}

void ls_result_cursor_clear(struct ls_result_cursor *c)
{
    free(c->text);
    memset(c, 0, sizeof(*c));
}

int ls_store_results_page(struct ls_store *st, const struct ls_job *job,
                          const struct ls_results_query *filter, struct ls_result_cursor *cursor,
                          int limit, ls_store_result_fn cb, void *ud, struct ls_err *err)
{
    TIMED(results_page, st, job, filter, cursor, limit, cb, ud, err);
}

int ls_store_results_query(struct ls_store *st, const struct ls_job *job,
                           const struct ls_results_query *q, ls_store_result_fn cb, void *ud,
                           int64_t *total, struct ls_err *err)
{
    TIMED(results_query, st, job, q, cb, ud, total, err);
}

int ls_store_results_hist(struct ls_store *st, const struct ls_job *job,
                          const struct ls_results_query *filter, struct ls_score_hist *out,
                          struct ls_err *err)
{
    TIMED(results_hist, st, job, filter, out, err);
}

int ls_store_results_texts(struct ls_store *st, const struct ls_job *job, ls_store_text_fn cb,
                           void *ud, struct ls_err *err)
{
    TIMED(results_texts, st, job, cb, ud, err);
}

int ls_store_leads_order(struct ls_store *st, const struct ls_job *job, enum ls_sort sort,
                         ls_store_idx_fn cb, void *ud, struct ls_err *err)
{
    TIMED(leads_order, st, job, sort, cb, ud, err);
}

int ls_store_results_get(struct ls_store *st, const struct ls_job *job, const int64_t *idx,
                         size_t n, ls_store_result_fn cb, void *ud, struct ls_err *err)
{
    TIMED(results_get, st, job, idx, n, cb, ud, err);
}

int ls_store_batch_create(struct ls_store *st, struct ls_batch *b,
                          const struct ls_batch_item *items, size_t n, struct ls_err *err)
{
    TIMED(batch_create, st, b, items, n, err);
}

int ls_store_batch_update(struct ls_store *st, const struct ls_batch *b, struct ls_err *err)
{
    TIMED(batch_update, st, b, err);
}

int ls_store_batches_list(struct ls_store *st, int64_t job_id, ls_store_batch_fn cb, void *ud,
                          struct ls_err *err)
{
    TIMED(batches_list, st, job_id, cb, ud, err);
}

int ls_store_batch_items(struct ls_store *st, int64_t batch_id, ls_store_batch_item_fn cb, void *ud,
                         struct ls_err *err)
{
    TIMED(batch_items, st, batch_id, cb, ud, err);
}

int ls_store_batch_delete(struct ls_store *st, int64_t batch_id, struct ls_err *err)
{
    TIMED(batch_delete, st, batch_id, err);
}

int ls_store_batches_orphaned(struct ls_store *st, const char *provider, ls_store_batch_fn cb,
                              void *ud, struct ls_err *err)
{
    TIMED(batches_orphaned, st, provider, cb, ud, err);
}

int ls_store_purge(struct ls_store *st, int64_t before_ms, struct ls_purge_stats *out,
                   struct ls_err *err)
{
    TIMED(purge, st, before_ms, out, err);
}

int ls_store_cache_trim(struct ls_store *st, int64_t max_rows, int64_t *evicted, struct ls_err *err)
{
    TIMED(cache_trim, st, max_rows, evicted, err);
}

int ls_store_session_create(struct ls_store *st, const unsigned char *hash, int64_t key_id,
                            int64_t now_ms, int64_t expires_ms, struct ls_err *err)
{
    TIMED(session_create, st, hash, key_id, now_ms, expires_ms, err);
}

int ls_store_session_lookup(struct ls_store *st, const unsigned char *hash, struct ls_key_info *key,
                            int64_t *expires_ms, struct ls_err *err)
{
    TIMED(session_lookup, st, hash, key, expires_ms, err);
}

int ls_store_session_delete(struct ls_store *st, const unsigned char *hash, struct ls_err *err)
{
    TIMED(session_delete, st, hash, err);
}

int ls_store_sessions_expire(struct ls_store *st, int64_t now_ms, int64_t *n, struct ls_err *err)
{
    TIMED(sessions_expire, st, now_ms, n, err);
}

int ls_store_learnt_get(struct ls_store *st, const char *base_url, const char *model,
                        struct ls_ai_learnt *out, struct ls_err *err)
{
    TIMED(learnt_get, st, base_url, model, out, err);
}

int ls_store_learnt_put(struct ls_store *st, const char *base_url, const char *model,
                        const struct ls_ai_learnt *in, int64_t now_ms, struct ls_err *err)
{
    TIMED(learnt_put, st, base_url, model, in, now_ms, err);
}

int ls_store_job_ai_set(struct ls_store *st, int64_t job_id, const struct ls_ai_form *form,
                        struct ls_err *err)
{
    TIMED(job_ai_set, st, job_id, form, err);
}
