/* sqlite_jobs.c - jobs, the leads a job still has to score, and the verdict cache. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sqlite_int.h"
#include "sys/sys.h"

/* ---- jobs ---------------------------------------------------------------------- */

int ls_sq_job_create(struct ls_store *base, struct ls_job *job, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = ls_sq_begin(c, false, err);
    sqlite3_stmt *st = rc ? NULL : ls_sq_stmt(c, ST_JOB_INSERT, err);
    if (rc == LS_OK && st == NULL)
        rc = LS_EIO;
    if (rc == LS_OK) {
        sqlite3_bind_int64(st, 1, job->offer_id);
        sqlite3_bind_int64(st, 2, job->upload_id);
        sqlite3_bind_int64(st, 3, job->created_ms);
        ls_sq_bind_cstr(st, 4, job->provider);
        ls_sq_bind_cstr(st, 5, job->model);
        rc = ls_sq_step_done(c, st, "creating a job", err);
    }
    if (rc == LS_OK && sqlite3_changes(c->db) == 0)
        rc = ls_err_set(err, LS_ENOTFOUND, "upload %lld not found", (long long)job->upload_id);
    int64_t id = rc ? 0 : sqlite3_last_insert_rowid(c->db);
    if (rc == LS_OK)
        rc = ls_sq_state_set(c, "job", id, err);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    if (rc == LS_OK) {
        job->id = id;
        job->status = LS_JOB_QUEUED;
        rc = ls_store_job_get(base, id, job, err);
    }
    return rc;
}

/* Reads the JOB_COLS of a row into out. */
static void job_cols(sqlite3_stmt *st, struct ls_job *out)
{
    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(st, 0);
    out->offer_id = sqlite3_column_int64(st, 1);
    out->upload_id = sqlite3_column_int64(st, 2);
    int status = ls_job_status_parse(ls_sq_col_text(st, 3));
    out->status = status < 0 ? LS_JOB_FAILED : (enum ls_job_status)status;
    int64_t *n[] = {&out->created_ms,  &out->started_ms, &out->finished_ms,   &out->total,
                    &out->done,        &out->failed,     &out->fallbacks,     &out->cache_hits,
                    &out->model_calls, &out->retries,    &out->prompt_tokens, &out->output_tokens};
    for (int i = 0; i < (int)LS_ARRAY_LEN(n); i++)
        *n[i] = sqlite3_column_int64(st, 4 + i);
    ls_sq_copy_col(st, 16, out->provider, sizeof(out->provider));
    ls_sq_copy_col(st, 17, out->model, sizeof(out->model));
    ls_sq_copy_col(st, 18, out->error, sizeof(out->error));
    /* Kept with the job, in the same transaction as each result batch. */
    out->counts[LS_INTENT_HIGH] = sqlite3_column_int64(st, 19);
    out->counts[LS_INTENT_MEDIUM] = sqlite3_column_int64(st, 20);
    out->counts[LS_INTENT_LOW] = sqlite3_column_int64(st, 21);
}

struct job_args {
    int64_t id;
    int limit, offset;
    struct ls_job *out;
    bool found;
    ls_store_job_fn cb;
    void *ud;
};

static void bind_job_id(sqlite3_stmt *st, const void *args)
{
    sqlite3_bind_int64(st, 1, ((const struct job_args *)args)->id);
}

static int one_job_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    (void)err;
    struct job_args *a = ud;
    job_cols(st, a->out);
    a->found = true;
    return LS_OK;
}

int ls_sq_job_get(struct ls_store *base, int64_t id, struct ls_job *out, struct ls_err *err)
{
    struct job_args a = {.id = id, .out = out};
    int rc = ls_sq_each_row((struct sq_store *)base, ST_JOB_GET, bind_job_id, &a, one_job_row, &a,
                            "reading a job", err);
    if (rc == LS_OK && !a.found)
        rc = ls_err_set(err, LS_ENOTFOUND, "job %lld not found", (long long)id);
    return rc;
}

static void bind_job_page(sqlite3_stmt *st, const void *args)
{
    const struct job_args *a = args;
    sqlite3_bind_int(st, 1, a->limit);
    sqlite3_bind_int(st, 2, a->offset);
}

static int job_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct job_args *a = ud;
    struct ls_job j;
    job_cols(st, &j);
    return a->cb(a->ud, &j, err);
}

int ls_sq_jobs_list(struct ls_store *base, int limit, int offset, ls_store_job_fn cb, void *ud,
                    int64_t *total, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct job_args a = {.limit = limit, .offset = offset, .cb = cb, .ud = ud};
    int rc = ls_sq_scalar(s, ST_JOBS_COUNT, NULL, NULL, total, "counting jobs", err);
    return rc ? rc
              : ls_sq_each_row(s, ST_JOBS_LIST, bind_job_page, &a, job_row, &a, "listing jobs",
                               err);
}

static void bind_resumable(sqlite3_stmt *st, const void *args)
{
    const struct ls_job *like = args;
    sqlite3_bind_int64(st, 1, like->offer_id);
    sqlite3_bind_int64(st, 2, like->upload_id);
    ls_sq_bind_cstr(st, 3, like->provider);
    ls_sq_bind_cstr(st, 4, like->model);
}

int ls_sq_job_find_resumable(struct ls_store *base, const struct ls_job *like, int64_t *id,
                             struct ls_err *err)
{
    return ls_sq_scalar((struct sq_store *)base, ST_JOB_RESUMABLE, bind_resumable, like, id,
                        "finding a job to resume", err);
}

int ls_sq_job_write(struct conn *c, const struct ls_job *j, struct ls_err *err)
{
    sqlite3_stmt *st = ls_sq_stmt(c, ST_JOB_UPDATE, err);
    if (st == NULL)
        return LS_EIO;
    sqlite3_bind_int64(st, 1, j->id);
    ls_sq_bind_cstr(st, 2, ls_job_status_name(j->status));
    sqlite3_bind_int64(st, 3, j->started_ms);
    sqlite3_bind_int64(st, 4, j->finished_ms);
    sqlite3_bind_int64(st, 5, j->done);
    sqlite3_bind_int64(st, 6, j->failed);
    sqlite3_bind_int64(st, 7, j->fallbacks);
    sqlite3_bind_int64(st, 8, j->cache_hits);
    sqlite3_bind_int64(st, 9, j->model_calls);
    sqlite3_bind_int64(st, 10, j->retries);
    sqlite3_bind_int64(st, 11, j->prompt_tokens);
    sqlite3_bind_int64(st, 12, j->output_tokens);
    ls_sq_bind_cstr(st, 13, j->error);
    ls_sq_bind_cstr(st, 14, j->provider);
    ls_sq_bind_cstr(st, 15, j->model);
    sqlite3_bind_int64(st, 16, j->counts[LS_INTENT_HIGH]);
    sqlite3_bind_int64(st, 17, j->counts[LS_INTENT_MEDIUM]);
    sqlite3_bind_int64(st, 18, j->counts[LS_INTENT_LOW]);
    return ls_sq_step_done(c, st, "updating a job", err);
}

int ls_sq_job_update(struct ls_store *base, const struct ls_job *job, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = ls_sq_set_sync(c, false, err);
    if (rc == LS_OK)
        rc = ls_sq_job_write(c, job, err);
    ls_sq_release(s, c);
    return rc;
}

struct unfinished {
    int64_t *ids;
    size_t max, n;
};

static void bind_limit(sqlite3_stmt *st, const void *args)
{
    sqlite3_bind_int64(st, 1, (int64_t)((const struct unfinished *)args)->max);
}

static int take_id(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    (void)err;
    struct unfinished *u = ud;
    if (u->n < u->max)
        u->ids[u->n++] = sqlite3_column_int64(st, 0);
    return LS_OK;
}

int ls_sq_jobs_unfinished(struct ls_store *base, int64_t *ids, size_t max, size_t *n,
                          struct ls_err *err)
{
    struct unfinished u = {ids, max, 0};
    int rc = ls_sq_each_row((struct sq_store *)base, ST_JOBS_UNFINISHED, bind_limit, &u, take_id,
                            &u, "listing unfinished jobs", err);
    if (rc == LS_OK)
        *n = u.n;
    return rc;
}

struct pending_args {
    int64_t job_id, upload_id, after_idx;
    int limit;
    ls_store_lead_fn cb;
    void *ud;
};

static void bind_pending(sqlite3_stmt *st, const void *args)
{
    const struct pending_args *a = args;
    sqlite3_bind_int64(st, 1, a->upload_id);
    sqlite3_bind_int64(st, 2, a->after_idx);
    sqlite3_bind_int64(st, 3, a->job_id);
    sqlite3_bind_int(st, 4, a->limit);
}

/* Reads a lead from columns first..first+5 (borrowed until the next step). */
void ls_sq_lead_cols(sqlite3_stmt *st, int first, struct ls_lead *lead)
{
    for (int f = 0; f < LS_F_COUNT; f++) {
        lead->f[f] = ls_sq_col_text(st, first + f);
        lead->len[f] = (size_t)sqlite3_column_bytes(st, first + f);
    }
}

static int pending_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct pending_args *a = ud;
    struct ls_lead lead;
    ls_sq_lead_cols(st, 1, &lead);
    return a->cb(a->ud, sqlite3_column_int64(st, 0), &lead, err);
}

int ls_sq_leads_pending(struct ls_store *base, int64_t job_id, int64_t upload_id, int64_t after_idx,
                        int limit, ls_store_lead_fn cb, void *ud, struct ls_err *err)
{
    struct pending_args a = {job_id, upload_id, after_idx, limit, cb, ud};
    return ls_sq_each_row((struct sq_store *)base, ST_LEADS_PENDING, bind_pending, &a, pending_row,
                          &a, "reading leads", err);
}

int ls_sq_verdicts_get(struct ls_store *base, const unsigned char (*keys)[32], size_t n,
                       struct ls_verdict *out, bool *found, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = LS_OK;
    for (size_t i = 0; i < n && rc == LS_OK; i++) {
        sqlite3_stmt *st = ls_sq_stmt(c, ST_VERDICT_GET, err);
        if (st == NULL) {
            rc = LS_EIO;
            break;
        }
        sqlite3_bind_blob(st, 1, keys[i], 32, SQLITE_STATIC);
        int step = sqlite3_step(st);
        found[i] = step == SQLITE_ROW;
        if (found[i]) {
            int intent = sqlite3_column_int(st, 0);
            out[i].intent = intent >= LS_INTENT_LOW && intent <= LS_INTENT_HIGH
                                ? (enum ls_intent)intent
                                : LS_INTENT_NONE;
            ls_sq_copy_col(st, 1, out[i].reasoning, sizeof(out[i].reasoning));
            found[i] = out[i].intent != LS_INTENT_NONE;
        } else if (step != SQLITE_DONE) {
            rc = ls_sq_fail(c->db, step, "reading the verdict cache", err);
        }
        sqlite3_reset(st);
    }
    ls_sq_release(s, c);
    return rc;
}
