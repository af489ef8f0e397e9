/*
 * sqlite_jobs.c - jobs, the leads a job still has to score, and the verdict
 * cache.
 *
 * A job is claimed by one instance at a time (owner), with a conditional
 * UPDATE inside BEGIN IMMEDIATE, so two processes can never both run it.
 * Status changes are conditional too: a worker ends only a job that is still
 * running, so a cancel written by anyone (any instance, any thread) is never
 * overwritten; progress counters are written as increments.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sqlite_int.h"
#include "sys/sys.h"

/* ---- reading jobs ------------------------------------------------------------- */

/* Reads the JOB_COLS of a row into out. */
static void job_cols(sqlite3_stmt *st, struct ls_job *out)
{
    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(st, 0);
    out->workspace = sqlite3_column_int64(st, 1);
    out->offer_id = sqlite3_column_int64(st, 2);
    out->upload_id = sqlite3_column_int64(st, 3);
    int status = ls_job_status_parse(ls_sq_col_text(st, 4));
    out->status = status < 0 ? LS_JOB_FAILED : (enum ls_job_status)status;
    int64_t *n[] = {&out->created_ms,  &out->started_ms,      &out->finished_ms,
                    &out->total,       &out->n.done,          &out->n.failed,
                    &out->n.fallbacks, &out->n.cache_hits,    &out->n.model_calls,
                    &out->n.retries,   &out->n.prompt_tokens, &out->n.output_tokens};
    for (int i = 0; i < (int)LS_ARRAY_LEN(n); i++)
        *n[i] = sqlite3_column_int64(st, 5 + i);
    ls_sq_copy_col(st, 17, out->provider, sizeof(out->provider));
    ls_sq_copy_col(st, 18, out->model, sizeof(out->model));
    ls_sq_copy_col(st, 19, out->error, sizeof(out->error));
    out->n.intents[LS_INTENT_HIGH] = sqlite3_column_int64(st, 20);
    out->n.intents[LS_INTENT_MEDIUM] = sqlite3_column_int64(st, 21);
    out->n.intents[LS_INTENT_LOW] = sqlite3_column_int64(st, 22);
    out->owner = sqlite3_column_int64(st, 23);
    out->results_deleted_ms = sqlite3_column_int64(st, 24);
    out->error_code = sqlite3_column_int(st, 25);
    out->n.blocked = sqlite3_column_int64(st, 26);
    ls_sq_copy_col(st, 27, out->ai.mode, sizeof(out->ai.mode));
    ls_sq_copy_col(st, 28, out->ai.tokens_param, sizeof(out->ai.tokens_param));
    ls_sq_copy_col(st, 29, out->ai.reasoning, sizeof(out->ai.reasoning));
    ls_sq_copy_col(st, 30, out->ai.thinking, sizeof(out->ai.thinking));
    out->n.cached_tokens = sqlite3_column_int64(st, 31);
    out->n.thought_tokens = sqlite3_column_int64(st, 32);
    out->n.has_cost = sqlite3_column_type(st, 33) != SQLITE_NULL;
    out->n.cost_usd = sqlite3_column_double(st, 33);
    out->budget_usd = sqlite3_column_double(st, 34);
    ls_sq_copy_col(st, 35, out->stop_reason, sizeof(out->stop_reason));
    ls_sq_copy_col(st, 36, out->warning, sizeof(out->warning));
    ls_sq_copy_col(st, 37, out->mode, sizeof(out->mode));
    out->batch.n_batches = sqlite3_column_int64(st, 38);
    out->batch.total = sqlite3_column_int64(st, 39);
    out->batch.completed = sqlite3_column_int64(st, 40);
    out->batch.failed = sqlite3_column_int64(st, 41);
    ls_sq_copy_col(st, 42, out->batch.state, sizeof(out->batch.state));
    ls_sq_copy_col(st, 43, out->batch.ids, sizeof(out->batch.ids));
    ls_sq_copy_col(st, 44, out->batch.remote_state, sizeof(out->batch.remote_state));
}

struct job_args {
    int64_t id, ws;
    int limit, offset;
    struct ls_job *out;
    bool found;
    ls_store_job_fn cb;
    void *ud;
};

static void bind_job(sqlite3_stmt *st, const void *args)
{
    const struct job_args *a = args;
    sqlite3_bind_int64(st, 1, a->id);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, a->ws);
}

static int one_job_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    (void)err;
    struct job_args *a = ud;
    job_cols(st, a->out);
    a->found = true;
    return LS_OK;
}

int ls_sq_job_get(struct ls_store *base, int64_t ws, int64_t id, struct ls_job *out,
                  struct ls_err *err)
{
    struct job_args a = {.id = id, .ws = ws, .out = out};
    int rc = ls_sq_each_row((struct sq_store *)base, ws ? ST_JOB_GET_WS : ST_JOB_GET, bind_job, &a,
                            one_job_row, &a, "reading a job", err);
    if (rc == LS_OK && !a.found)
        rc = ls_err_set(err, LS_ENOTFOUND, "job %lld not found", (long long)id);
    return rc;
}

static void bind_ws_page(sqlite3_stmt *st, const void *args)
{
    const struct job_args *a = args;
    sqlite3_bind_int64(st, 1, a->ws);
    if (sqlite3_bind_parameter_count(st) >= 3) {
        sqlite3_bind_int(st, 2, a->limit);
        sqlite3_bind_int(st, 3, a->offset);
    }
}

static int job_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct job_args *a = ud;
    struct ls_job j;
    job_cols(st, &j);
    return a->cb(a->ud, &j, err);
}

int ls_sq_jobs_list(struct ls_store *base, int64_t ws, int limit, int offset, ls_store_job_fn cb,
                    void *ud, int64_t *total, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct job_args a = {.ws = ws, .limit = limit, .offset = offset, .cb = cb, .ud = ud};
    int rc = ls_sq_scalar(s, ST_JOBS_COUNT, bind_ws_page, &a, total, "counting jobs", err);
    return rc ? rc
              : ls_sq_each_row(s, ST_JOBS_LIST, bind_ws_page, &a, job_row, &a, "listing jobs", err);
}

static void bind_resumable(sqlite3_stmt *st, const void *args)
{
    const struct ls_job *like = args;
    sqlite3_bind_int64(st, 1, like->offer_id);
    sqlite3_bind_int64(st, 2, like->upload_id);
    ls_sq_bind_cstr(st, 3, like->provider);
    ls_sq_bind_cstr(st, 4, like->model);
    sqlite3_bind_int64(st, 5, like->workspace);
}

int ls_sq_job_find_resumable(struct ls_store *base, const struct ls_job *like, int64_t *id,
                             struct ls_err *err)
{
    return ls_sq_scalar((struct sq_store *)base, ST_JOB_RESUMABLE, bind_resumable, like, id,
                        "finding a job to resume", err);
}

/* ---- creating and claiming -------------------------------------------------------- */

int ls_sq_job_create(struct ls_store *base, struct ls_job *job, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    if (job->owner != 0 && job->owner != s->instance)
        return ls_err_set(err, LS_EINVAL, "a job can only be created claimed by this process");
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int64_t queued = 0;
    int rc = ls_sq_begin(s, c, false, err);
    /* The cap is checked inside the insert's IMMEDIATE transaction: no other writer between. */
    if (rc == LS_OK && job->owner == 0 && s->opt.max_queued_jobs > 0)
        rc = ls_sq_in_txn(c, ST_JOBS_QUEUED, 0, 0, true, &queued, "counting queued jobs", err);
    if (rc == LS_OK && job->owner == 0 && s->opt.max_queued_jobs > 0 &&
        queued >= s->opt.max_queued_jobs)
        rc = ls_err_set(err, LS_EBUSY,
                        "the job queue is full (%lld jobs waiting); try again when some are done",
                        (long long)queued);
    sqlite3_stmt *st = rc ? NULL : ls_sq_stmt(c, ST_JOB_INSERT, err);
    if (rc == LS_OK && st == NULL)
        rc = err ? err->code : LS_EIO;
    if (rc == LS_OK) {
        sqlite3_bind_int64(st, 1, job->workspace);
        sqlite3_bind_int64(st, 2, job->offer_id);
        sqlite3_bind_int64(st, 3, job->upload_id);
        sqlite3_bind_int64(st, 4, job->created_ms);
        ls_sq_bind_cstr(st, 5, job->provider);
        ls_sq_bind_cstr(st, 6, job->model);
        sqlite3_bind_int64(st, 7, job->owner);
        sqlite3_bind_double(st, 8, job->budget_usd > 0 ? job->budget_usd : 0);
        ls_sq_bind_cstr(st, 9, job->mode[0] ? job->mode : "standard");
        rc = ls_sq_step_done(c, st, "creating a job", err);
    }
    if (rc == LS_OK && sqlite3_changes(c->db) == 0)
        rc = ls_err_set(err, LS_ENOTFOUND, "offer %lld or upload %lld not found",
                        (long long)job->offer_id, (long long)job->upload_id);
    int64_t id = rc ? 0 : sqlite3_last_insert_rowid(c->db);
    if (rc == LS_OK)
        rc = ls_sq_set_current(c, ST_WS_SET_JOB, job->workspace, id, err);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    if (rc == LS_OK)
        rc = ls_sq_job_get(base, 0, id, job, err);
    return rc;
}

int ls_sq_job_claim(struct ls_store *base, int64_t id, int64_t now_ms, struct ls_job *out,
                    struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int64_t changed = 0;
    /* The choice and the claim are one IMMEDIATE transaction: no other writer in between. */
    int rc = ls_sq_begin(s, c, false, err);
    if (rc == LS_OK && id == 0)
        rc = ls_sq_in_txn(c, ST_JOB_CLAIMABLE, s->instance, 0, true, &id, "finding a job to run",
                          err);
    if (rc == LS_OK && id) {
        sqlite3_stmt *st = ls_sq_stmt(c, ST_JOB_CLAIM, err);
        rc = st ? LS_OK : LS_EIO;
        if (rc == LS_OK) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int64(st, 2, s->instance);
            sqlite3_bind_int64(st, 3, now_ms);
            rc = ls_sq_step_done(c, st, "claiming a job", err);
            changed = sqlite3_changes(c->db);
        }
    }
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    if (rc)
        return rc;
    if (id == 0)
        return ls_err_set(err, LS_ENOTFOUND, "no job to run");
    rc = ls_sq_job_get(base, 0, id, out, err);
    if (rc == LS_OK && changed == 0)
        rc = ls_job_status_final(out->status)
                 ? ls_err_set(err, LS_ENOTFOUND, "job %lld has already finished (%s)",
                              (long long)id, ls_job_status_name(out->status))
                 : ls_err_set(err, LS_ECONFLICT, "job %lld is being run by another process",
                              (long long)id);
    return rc;
}

int ls_sq_job_finish(struct ls_store *base, const struct ls_job *job, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int rc = ls_sq_begin(s, c, false, err);
    sqlite3_stmt *st = rc ? NULL : ls_sq_stmt(c, ST_JOB_FINISH, err);
    if (rc == LS_OK && st == NULL)
        rc = err ? err->code : LS_EIO;
    if (rc == LS_OK) {
        sqlite3_bind_int64(st, 1, job->id);
        ls_sq_bind_cstr(st, 2, ls_job_status_name(job->status));
        sqlite3_bind_int64(st, 3, job->finished_ms);
        ls_sq_bind_cstr(st, 4, job->error);
        sqlite3_bind_int64(st, 5, s->instance);
        sqlite3_bind_int(st, 6, job->status == LS_JOB_FAILED ? job->error_code : LS_OK);
        sqlite3_bind_int(st, 7, LS_EINTERNAL);
        ls_sq_bind_cstr(st, 8, job->status == LS_JOB_STOPPED ? job->stop_reason : "");
        rc = ls_sq_step_done(c, st, "finishing a job", err);
    }
    /* A job cancelled meanwhile keeps its cancel; only the ownership is let go. */
    if (rc == LS_OK)
        rc = ls_sq_in_txn(c, ST_JOB_RELEASE, job->id, s->instance, false, NULL, "releasing a job",
                          err);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    return rc;
}

struct id_owner {
    int64_t id, owner;
};

static void bind_id_owner(sqlite3_stmt *st, const void *args)
{
    const struct id_owner *a = args;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int64(st, 2, a->owner);
}

int ls_sq_job_release(struct ls_store *base, int64_t id, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct id_owner a = {id, s->instance};
    return ls_sq_write(s, ST_JOB_RELEASE, bind_id_owner, &a, NULL, "releasing a job", err);
}

int ls_sq_job_refusal(struct ls_store *base, int64_t ws, int64_t id, const char *before,
                      const char *after, struct ls_err *err)
{
    struct ls_job job;
    int rc = ls_sq_job_get(base, ws, id, &job, err);
    if (rc)
        return rc;
    return ls_err_set(err, LS_ECONFLICT, "job %lld %s%s%s", (long long)id, before,
                      ls_job_status_name(job.status), after);
}

struct cancel_args {
    int64_t id, ws, now;
};

static void bind_cancel(sqlite3_stmt *st, const void *args)
{
    const struct cancel_args *a = args;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int64(st, 2, a->ws);
    sqlite3_bind_int64(st, 3, a->now);
}

int ls_sq_job_cancel(struct ls_store *base, int64_t ws, int64_t id, int64_t now_ms,
                     struct ls_err *err)
{
    struct cancel_args a = {id, ws, now_ms};
    int changes = 0;
    int rc = ls_sq_write((struct sq_store *)base, ST_JOB_CANCEL, bind_cancel, &a, &changes,
                         "cancelling a job", err);
    if (rc || changes)
        return rc;
    return ls_sq_job_refusal(base, ws, id, "has already finished (", ")", err);
}

static void bind_id(sqlite3_stmt *st, const void *args)
{
    sqlite3_bind_int64(st, 1, *(const int64_t *)args);
}

int ls_sq_job_stopped(struct ls_store *base, int64_t id, bool *stopped, struct ls_err *err)
{
    int64_t v = 1;
    int rc = ls_sq_scalar((struct sq_store *)base, ST_JOB_STOPPED, bind_id, &id, &v,
                          "reading a job", err);
    if (rc == LS_OK)
        *stopped = v != 0;
    return rc;
}

struct two_counts {
    int64_t a, b;
};

static int two_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    (void)err;
    struct two_counts *t = ud;
    t->a = sqlite3_column_int64(st, 0);
    t->b = sqlite3_column_int64(st, 1);
    return LS_OK;
}

int ls_sq_jobs_counts(struct ls_store *base, int64_t *queued, int64_t *running, struct ls_err *err)
{
    struct two_counts t = {0};
    int rc = ls_sq_each_row((struct sq_store *)base, ST_JOBS_COUNTS, NULL, NULL, two_row, &t,
                            "counting jobs", err);
    if (rc == LS_OK) {
        *queued = t.a;
        *running = t.b;
    }
    return rc;
}

int ls_sq_job_delete(struct ls_store *base, int64_t ws, int64_t id, bool results_only,
                     int64_t now_ms, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct ls_job job;
    int rc = ls_sq_job_get(base, ws, id, &job, err);
    if (rc)
        return rc;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int64_t changed = 0;
    rc = ls_sq_begin(s, c, false, err);
    if (rc == LS_OK && results_only) {
        sqlite3_stmt *st = ls_sq_stmt(c, ST_JOB_RESULTS_MARK, err);
        rc = st ? LS_OK : LS_EIO;
        if (rc == LS_OK) {
            struct cancel_args a = {id, ws, now_ms};
            bind_cancel(st, &a);
            rc = ls_sq_step_done(c, st, "deleting results", err);
            changed = sqlite3_changes(c->db);
        }
        if (rc == LS_OK && changed)
            rc =
                ls_sq_in_txn(c, ST_JOB_RESULTS_DELETE, id, 0, false, NULL, "deleting results", err);
    } else if (rc == LS_OK) {
        /* The cascade takes the results. */
        rc = ls_sq_in_txn(c, ST_JOB_DELETE, id, ws, false, &changed, "deleting a job", err);
        if (rc == LS_OK && changed)
            rc = ls_sq_in_txn(c, ST_WS_FIX, ws, 0, false, NULL, "updating the current state", err);
    }
    bool conflict = rc == LS_OK && changed == 0;
    if (rc == LS_OK && !conflict)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    int64_t live = 0;
    if (conflict && !results_only && ls_job_status_final(job.status) &&
        ls_sq_scalar(s, ST_JOB_LIVE_BATCHES, bind_id, &id, &live, "reading batches", NULL) ==
            LS_OK &&
        live > 0)
        rc = ls_err_set(
            err, LS_ECONFLICT,
            "job %lld still has %lld batch(es) that may run at the model service; a server "
            "of that provider cancels them (within a minute), then the job can go",
            (long long)id, (long long)live);
    else if (conflict)
        rc = ls_err_set(err, LS_ECONFLICT,
                        "job %lld is %s: cancel it (DELETE /jobs/%lld) and wait for it to stop",
                        (long long)id, ls_job_status_name(job.status), (long long)id);
    if (rc == LS_OK)
        ls_sq_checkpoint(s);
    return rc;
}

/* ---- the leads a job still has to score ---------------------------------------------- */

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

static int pending_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct pending_args *a = ud;
    struct ls_lead lead;
    ls_sq_lead_cols(st, 1, &lead);
    if (sqlite3_column_type(st, 7) == SQLITE_NULL)
        return a->cb(a->ud, sqlite3_column_int64(st, 0), &lead, NULL, err);
    struct ls_store_dup dup = {.original_idx = sqlite3_column_int64(st, 7)};
    dup.has_verdict = sqlite3_column_type(st, 8) != SQLITE_NULL;
    if (dup.has_verdict) {
        dup.verdict.intent = (enum ls_intent)sqlite3_column_int(st, 8);
        ls_sq_copy_col(st, 9, dup.verdict.reasoning, sizeof(dup.verdict.reasoning));
    }
    return a->cb(a->ud, sqlite3_column_int64(st, 0), &lead, &dup, err);
}

int ls_sq_leads_pending(struct ls_store *base, int64_t job_id, int64_t upload_id, int64_t after_idx,
                        int limit, ls_store_lead_fn cb, void *ud, struct ls_err *err)
{
    struct pending_args a = {job_id, upload_id, after_idx, limit, cb, ud};
    return ls_sq_each_row((struct sq_store *)base, ST_LEADS_PENDING, bind_pending, &a, pending_row,
                          &a, "reading leads", err);
}

/* ---- the verdict cache ------------------------------------------------------------------ */

int ls_sq_verdicts_get(struct ls_store *base, int64_t ws, const unsigned char (*keys)[32], size_t n,
                       struct ls_verdict *out, bool *found, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int rc = LS_OK;
    size_t hits = 0;
    for (size_t i = 0; i < n && rc == LS_OK; i++) {
        sqlite3_stmt *st = ls_sq_stmt(c, ST_VERDICT_GET, err);
        if (st == NULL) {
            rc = err ? err->code : LS_EIO;
            break;
        }
        sqlite3_bind_int64(st, 1, ws);
        sqlite3_bind_blob(st, 2, keys[i], 32, SQLITE_STATIC);
        int step = sqlite3_step(st);
        found[i] = step == SQLITE_ROW;
        if (found[i]) {
            int intent = sqlite3_column_int(st, 0);
            /* NONE: the provider refused the lead (ls_store_results_put); other values: none. */
            found[i] = intent >= LS_INTENT_NONE && intent <= LS_INTENT_HIGH;
            out[i].intent = found[i] ? (enum ls_intent)intent : LS_INTENT_NONE;
            ls_sq_copy_col(st, 1, out[i].reasoning, sizeof(out[i].reasoning));
            hits += found[i];
        } else if (step != SQLITE_DONE) {
            rc = ls_sq_fail(c->db, step, "reading the verdict cache", err);
        }
        sqlite3_reset(st);
    }
    /* Mark the hits as used, for the cache's least-recently-used eviction. */
    if (rc == LS_OK && hits && ls_sq_begin(s, c, true, NULL) == LS_OK) {
        int64_t now = ls_now_ms();
        for (size_t i = 0; i < n; i++) {
            sqlite3_stmt *st = found[i] ? ls_sq_stmt(c, ST_VERDICT_USED, NULL) : NULL;
            if (st == NULL)
                continue;
            sqlite3_bind_int64(st, 1, ws);
            sqlite3_bind_blob(st, 2, keys[i], 32, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, now);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        ls_sq_commit(c, NULL);
        ls_sq_rollback(c);
    }
    ls_sq_release(s, c);
    return rc;
}
