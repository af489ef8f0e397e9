/* store.c - dispatch from the public store API to the implementation's ops. */
#include "store.h"

#include <string.h>

static const char *const job_status_names[] = {
    [LS_JOB_QUEUED] = "queued", [LS_JOB_RUNNING] = "running",     [LS_JOB_SUCCEEDED] = "succeeded",
    [LS_JOB_FAILED] = "failed", [LS_JOB_CANCELLED] = "cancelled",
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

void ls_store_close(struct ls_store *st)
{
    if (st)
        st->ops->close(st);
}

int ls_store_offer_put(struct ls_store *st, const struct ls_offer *offer, int64_t now_ms,
                       int64_t *id, struct ls_err *err)
{
    return st->ops->offer_put(st, offer, now_ms, id, err);
}

int ls_store_offer_get(struct ls_store *st, int64_t id, struct ls_offer *out, struct ls_err *err)
{
    return st->ops->offer_get(st, id, out, err);
}

struct ls_store_upload *ls_store_upload_begin(struct ls_store *st, const char *filename,
                                              const unsigned char *hash, int64_t now_ms,
                                              struct ls_err *err)
{
    return st->ops->upload_begin(st, filename, hash, now_ms, err);
}

int ls_store_upload_add(struct ls_store_upload *up, const struct ls_lead *lead, uint64_t line,
                        struct ls_err *err)
{
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
    return up->st->ops->upload_commit(up, stats, id, err);
}

void ls_store_upload_abort(struct ls_store_upload *up)
{
    if (up)
        up->st->ops->upload_abort(up);
}

int ls_store_upload_get(struct ls_store *st, int64_t id, struct ls_upload_info *out,
                        struct ls_err *err)
{
    return st->ops->upload_get(st, id, out, err);
}

int ls_store_current(struct ls_store *st, int64_t *offer_id, int64_t *upload_id, int64_t *job_id,
                     struct ls_err *err)
{
    return st->ops->current(st, offer_id, upload_id, job_id, err);
}

int ls_store_job_create(struct ls_store *st, struct ls_job *job, struct ls_err *err)
{
    return st->ops->job_create(st, job, err);
}

int ls_store_job_get(struct ls_store *st, int64_t id, struct ls_job *out, struct ls_err *err)
{
    return st->ops->job_get(st, id, out, err);
}

int ls_store_job_update(struct ls_store *st, const struct ls_job *job, struct ls_err *err)
{
    return st->ops->job_update(st, job, err);
}

int ls_store_jobs_unfinished(struct ls_store *st, int64_t *ids, size_t max, size_t *n,
                             struct ls_err *err)
{
    return st->ops->jobs_unfinished(st, ids, max, n, err);
}

int ls_store_leads_pending(struct ls_store *st, int64_t job_id, int64_t upload_id,
                           int64_t after_idx, int limit, ls_store_lead_fn cb, void *ud,
                           struct ls_err *err)
{
    return st->ops->leads_pending(st, job_id, upload_id, after_idx, limit, cb, ud, err);
}

int ls_store_results_put(struct ls_store *st, const struct ls_job *job,
                         const struct ls_result *rows, size_t n, struct ls_err *err)
{
    return st->ops->results_put(st, job, rows, n, err);
}

int ls_store_verdicts_get(struct ls_store *st, const unsigned char (*keys)[32], size_t n,
                          struct ls_verdict *out, bool *found, struct ls_err *err)
{
    return st->ops->verdicts_get(st, keys, n, out, found, err);
}

int ls_store_results_page(struct ls_store *st, const struct ls_job *job,
                          const struct ls_results_query *filter, struct ls_result_cursor *cursor,
                          int limit, ls_store_result_fn cb, void *ud, struct ls_err *err)
{
    return st->ops->results_page(st, job, filter, cursor, limit, cb, ud, err);
}

int ls_store_offer_find(struct ls_store *st, const struct ls_offer *offer, int64_t *id,
                        struct ls_err *err)
{
    return st->ops->offer_find(st, offer, id, err);
}

int ls_store_offers_list(struct ls_store *st, int limit, int offset, ls_store_offer_fn cb, void *ud,
                         int64_t *total, struct ls_err *err)
{
    return st->ops->offers_list(st, limit, offset, cb, ud, total, err);
}

int ls_store_upload_find(struct ls_store *st, const unsigned char *hash, int64_t *id,
                         struct ls_err *err)
{
    return st->ops->upload_find(st, hash, id, err);
}

int ls_store_uploads_list(struct ls_store *st, int limit, int offset, ls_store_upload_fn cb,
                          void *ud, int64_t *total, struct ls_err *err)
{
    return st->ops->uploads_list(st, limit, offset, cb, ud, total, err);
}

int ls_store_upload_errors(struct ls_store *st, int64_t id, int limit, ls_store_reject_fn cb,
                           void *ud, struct ls_err *err)
{
    return st->ops->upload_errors(st, id, limit, cb, ud, err);
}

int ls_store_upload_leads(struct ls_store *st, int64_t id, int limit, int offset,
                          ls_store_row_fn cb, void *ud, struct ls_err *err)
{
    return st->ops->upload_leads(st, id, limit, offset, cb, ud, err);
}

int ls_store_jobs_list(struct ls_store *st, int limit, int offset, ls_store_job_fn cb, void *ud,
                       int64_t *total, struct ls_err *err)
{
    return st->ops->jobs_list(st, limit, offset, cb, ud, total, err);
}

int ls_store_job_find_resumable(struct ls_store *st, const struct ls_job *like, int64_t *id,
                                struct ls_err *err)
{
    return st->ops->job_find_resumable(st, like, id, err);
}

int ls_store_results_query(struct ls_store *st, const struct ls_job *job,
                           const struct ls_results_query *q, ls_store_result_fn cb, void *ud,
                           int64_t *total, struct ls_err *err)
{
    return st->ops->results_query(st, job, q, cb, ud, total, err);
}
