/* sqlite_results.c - results: stored in batches, read in pages. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sqlite_int.h"
#include "sys/sys.h"

/* Score descending, then upload order, as one ascending integer. */
static int64_t rank_of(int score, int64_t idx)
{
    return ((int64_t)(100 - score) << 40) | idx;
}

static int verdict_put(struct conn *c, const struct ls_result *r, struct ls_err *err)
{
    sqlite3_stmt *st = ls_sq_stmt(c, ST_VERDICT_PUT, err);
    if (st == NULL)
        return LS_EIO;
    sqlite3_bind_blob(st, 1, r->cache_key, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, (int)r->intent);
    ls_sq_bind_cstr(st, 3, r->reasoning);
    sqlite3_bind_int64(st, 4, ls_now_ms());
    return ls_sq_step_done(c, st, "storing a cached verdict", err);
}

int ls_sq_results_put(struct ls_store *base, const struct ls_job *job, const struct ls_result *rows,
                      size_t n, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = ls_sq_begin(c, true, err);
    sqlite3_stmt *st = rc ? NULL : ls_sq_stmt(c, ST_RESULT_INSERT, err);
    if (rc == LS_OK && st == NULL)
        rc = LS_EIO;
    for (size_t i = 0; i < n && rc == LS_OK; i++) {
        const struct ls_result *r = &rows[i];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, job->id);
        sqlite3_bind_int64(st, 2, r->idx);
        sqlite3_bind_int64(st, 3, rank_of(r->score, r->idx));
        sqlite3_bind_int(st, 4, r->role_points);
        sqlite3_bind_int(st, 5, r->industry_points);
        sqlite3_bind_int(st, 6, r->completeness_points);
        sqlite3_bind_int(st, 7, r->rule_score);
        sqlite3_bind_int(st, 8, (int)r->intent);
        sqlite3_bind_int(st, 9, r->ai_score);
        sqlite3_bind_int(st, 10, r->score);
        ls_sq_bind_cstr(st, 11, r->reasoning);
        ls_sq_bind_cstr(st, 12, r->provider);
        ls_sq_bind_cstr(st, 13, r->model);
        sqlite3_bind_int(st, 14, (int)r->status);
        ls_sq_bind_cstr(st, 15, r->ai_error);
        int step = sqlite3_step(st);
        if (step != SQLITE_DONE)
            rc = ls_sq_fail(c->db, step, "storing results", err);
        if (rc == LS_OK && r->cache_key)
            rc = verdict_put(c, r, err);
    }
    if (st)
        sqlite3_reset(st);
    if (rc == LS_OK)
        rc = ls_sq_job_write(c, job, err);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    return rc;
}

int ls_sq_results_page(struct ls_store *base, const struct ls_job *job,
                       struct ls_result_cursor *cursor, int limit, ls_store_result_fn cb, void *ud,
                       struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = LS_OK, n = 0;
    sqlite3_stmt *st = ls_sq_stmt(c, ST_RESULTS_PAGE, err);
    if (st == NULL) {
        rc = LS_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, job->id);
    sqlite3_bind_int64(st, 2, job->upload_id);
    sqlite3_bind_int64(st, 3, cursor->has_last ? rank_of(cursor->score, cursor->idx) : -1);
    sqlite3_bind_int(st, 4, limit);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct ls_result r = {0};
        r.idx = sqlite3_column_int64(st, 0);
        for (int f = 0; f < LS_F_BIO; f++) {
            r.lead.f[f] = ls_sq_col_text(st, 2 + f);
            r.lead.len[f] = (size_t)sqlite3_column_bytes(st, 2 + f);
        }
        r.lead.f[LS_F_BIO] = "";
        r.lead.len[LS_F_BIO] = 0;
        r.role_points = sqlite3_column_int(st, 7);
        r.industry_points = sqlite3_column_int(st, 8);
        r.completeness_points = sqlite3_column_int(st, 9);
        r.rule_score = sqlite3_column_int(st, 10);
        r.intent = (enum ls_intent)sqlite3_column_int(st, 11);
        r.ai_score = sqlite3_column_int(st, 12);
        r.score = sqlite3_column_int(st, 13);
        r.reasoning = ls_sq_col_text(st, 14);
        r.provider = ls_sq_col_text(st, 15);
        r.model = ls_sq_col_text(st, 16);
        r.status = (enum ls_ai_status)sqlite3_column_int(st, 17);
        r.ai_error = ls_sq_col_text(st, 18);
        cursor->has_last = true;
        cursor->score = r.score;
        cursor->idx = r.idx;
        n++;
        rc = cb(ud, &r, err);
        if (rc)
            break;
    }
    if (rc == LS_OK && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = ls_sq_fail(c->db, step, "reading results", err);
    sqlite3_reset(st);
out:
    ls_sq_release(s, c);
    return rc ? rc : n;
}
