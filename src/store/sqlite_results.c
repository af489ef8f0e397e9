/* sqlite_results.c - results: stored in batches, read in pages. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sqlite_int.h"
#include "sys/sys.h"

/* Score descending, then upload order, as one ascending integer. */
#define RANK_IDX_MAX ((INT64_C(1) << 40) - 1)

/* Score descending, then upload order: one integer, so a score range is a rank range. */
static int64_t rank_of(int score, int64_t idx)
{
    return ((int64_t)(100 - score) << 40) | idx;
}

static int verdict_put(struct conn *c, int64_t ws, const struct ls_result *r, struct ls_err *err)
{
    sqlite3_stmt *st = ls_sq_stmt(c, ST_VERDICT_PUT, err);
    if (st == NULL)
        return err ? err->code : LS_EIO;
    /* A refusal is kept as itself, not as the fallback verdict the result shows. */
    bool blocked = r->status == LS_AI_BLOCKED;
    sqlite3_bind_int64(st, 1, ws);
    sqlite3_bind_blob(st, 2, r->cache_key, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, blocked ? (int)LS_INTENT_NONE : (int)r->intent);
    ls_sq_bind_cstr(st, 4, blocked ? (r->ai_error ? r->ai_error : "") : r->reasoning);
    sqlite3_bind_int64(st, 5, ls_now_ms());
    return ls_sq_step_done(c, st, "storing a cached verdict", err);
}

/* Binds s, or NULL when s is NULL (not ""): null means nothing matched. */
static void bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        ls_sq_bind_cstr(st, i, s);
    else
        sqlite3_bind_null(st, i);
}

static int result_insert(struct conn *c, sqlite3_stmt *st, int64_t job_id,
                         const struct ls_result *r, struct ls_err *err)
{
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, job_id);
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
    /* The verdict this row stores goes when the row goes (migration 6). The
     * statement is reused row after row: bind NULL, never leave the last key. */
    if (r->cache_key)
        sqlite3_bind_blob(st, 16, r->cache_key, 32, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 16);
    /* What the factors matched (migration 8); the texts may be NULL (none matched). */
    sqlite3_bind_int(st, 17, (int)r->role_kind);
    bind_opt_text(st, 18, r->role_term);
    sqlite3_bind_int(st, 19, (int)r->industry_match);
    sqlite3_bind_int(st, 20, (int)r->adjacent_via);
    bind_opt_text(st, 21, r->industry_term);
    sqlite3_bind_int(st, 22, (int)r->missing);
    int step = sqlite3_step(st);
    return step == SQLITE_DONE ? LS_OK : ls_sq_fail(c->db, step, "storing results", err);
}

/* Adds delta to the job's counters: increments, so concurrent writers never lose counts. */
static int progress(struct conn *c, int64_t job_id, const struct ls_job_counts *d,
                    struct ls_err *err)
{
    sqlite3_stmt *st = ls_sq_stmt(c, ST_JOB_PROGRESS, err);
    if (st == NULL)
        return err ? err->code : LS_EIO;
    const int64_t v[] = {d->done,
                         d->failed,
                         d->fallbacks,
                         d->cache_hits,
                         d->model_calls,
                         d->retries,
                         d->prompt_tokens,
                         d->output_tokens,
                         d->intents[LS_INTENT_HIGH],
                         d->intents[LS_INTENT_MEDIUM],
                         d->intents[LS_INTENT_LOW],
                         d->blocked};
    sqlite3_bind_int64(st, 1, job_id);
    for (int i = 0; i < (int)LS_ARRAY_LEN(v); i++)
        sqlite3_bind_int64(st, 2 + i, v[i]);
    sqlite3_bind_int64(st, 14, d->cached_tokens); /* ?2..?13: v[] */
    sqlite3_bind_int64(st, 15, d->thought_tokens);
    if (d->has_cost)
        sqlite3_bind_double(st, 16, d->cost_usd);
    else
        sqlite3_bind_null(st, 16);
    return ls_sq_step_done(c, st, "updating a job", err);
}

static int status_of(struct conn *c, int64_t job_id, enum ls_job_status *out, struct ls_err *err)
{
    sqlite3_stmt *st = ls_sq_stmt(c, ST_JOB_STATUS, err);
    if (st == NULL)
        return err ? err->code : LS_EIO;
    sqlite3_bind_int64(st, 1, job_id);
    int step = sqlite3_step(st);
    int status = step == SQLITE_ROW ? ls_job_status_parse(ls_sq_col_text(st, 0)) : -1;
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return ls_sq_fail(c->db, step, "reading a job", err);
    /* A job deleted meanwhile reads as cancelled: its worker stops. */
    *out = status < 0 ? LS_JOB_CANCELLED : (enum ls_job_status)status;
    return LS_OK;
}

int ls_sq_results_put(struct ls_store *base, const struct ls_job *job,
                      const struct ls_job_counts *delta, const struct ls_result *rows, size_t n,
                      enum ls_job_status *status_after, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int rc = ls_sq_begin(s, c, true, err);
    sqlite3_stmt *st = rc ? NULL : ls_sq_stmt(c, ST_RESULT_INSERT, err);
    if (rc == LS_OK && st == NULL)
        rc = err ? err->code : LS_EIO;
    for (size_t i = 0; i < n && rc == LS_OK; i++) {
        rc = result_insert(c, st, job->id, &rows[i], err);
        if (rc == LS_OK && rows[i].cache_key)
            rc = verdict_put(c, job->workspace, &rows[i], err);
    }
    if (st)
        sqlite3_reset(st);
    if (rc == LS_OK)
        rc = progress(c, job->id, delta, err);
    enum ls_job_status after = LS_JOB_RUNNING;
    if (rc == LS_OK)
        rc = status_of(c, job->id, &after, err);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    if (rc == LS_OK && status_after)
        *status_after = after;
    return rc;
}

/* Column text, or NULL for SQL NULL; borrowed until the next step or reset. */
static const char *col_opt_text(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : ls_sq_col_text(st, i);
}

/*
 * The upload's extra columns while its results are read (issue #9): the
 * names once per walk, each row's values parsed from its JSON array.
 */
struct extras {
    json_t *names;     /* owned; NULL when the upload has none */
    const char **name; /* owned array; the strings borrowed from names */
    size_t n;
    const char **value; /* owned array, n entries; strings borrowed from row */
    size_t *len;        /* owned array */
    json_t *row;        /* owned; the current row's values */
};

static void bind_upload(sqlite3_stmt *st, const void *args)
{
    sqlite3_bind_int64(st, 1, *(const int64_t *)args);
}

static int extras_names_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    (void)err;
    struct extras *x = ud;
    if (sqlite3_column_type(st, 0) == SQLITE_NULL)
        return LS_OK;
    x->names = json_loadb(ls_sq_col_text(st, 0), (size_t)sqlite3_column_bytes(st, 0), 0, NULL);
    return LS_OK;
}

/* Loads the upload's extra column names; an upload without any (or before migration 11) has none.
 */
static int extras_load(struct sq_store *s, int64_t upload_id, struct extras *x, struct ls_err *err)
{
    memset(x, 0, sizeof(*x));
    int rc = ls_sq_each_row(s, ST_UPLOAD_EXTRA, bind_upload, &upload_id, extras_names_row, x,
                            "reading an upload's columns", err);
    if (rc || !json_is_array(x->names) || json_array_size(x->names) == 0)
        return rc;
    x->n = json_array_size(x->names);
    x->name = ls_xcalloc(x->n, sizeof(*x->name));
    x->value = ls_xcalloc(x->n, sizeof(*x->value));
    x->len = ls_xcalloc(x->n, sizeof(*x->len));
    for (size_t i = 0; i < x->n; i++) {
        const char *v = json_string_value(json_array_get(x->names, i));
        x->name[i] = v ? v : "";
    }
    return LS_OK;
}

static void extras_release(struct extras *x)
{
    json_decref(x->names);
    json_decref(x->row);
    free(x->name);
    free(x->value);
    free(x->len);
    memset(x, 0, sizeof(*x));
}

/* Points r's extra columns at this row's values (column 30, a JSON array; "" for any missing). */
static void extras_row(sqlite3_stmt *st, struct extras *x, struct ls_result *r)
{
    if (x->n == 0)
        return;
    json_decref(x->row);
    x->row = NULL;
    if (sqlite3_column_type(st, 30) != SQLITE_NULL)
        x->row = json_loadb(ls_sq_col_text(st, 30), (size_t)sqlite3_column_bytes(st, 30), 0, NULL);
    for (size_t i = 0; i < x->n; i++) {
        json_t *v = json_array_get(x->row, i); /* NULL when row is not an array, or short */
        x->value[i] = json_is_string(v) ? json_string_value(v) : "";
        x->len[i] = json_is_string(v) ? json_string_length(v) : 0;
    }
    r->lead.n_extra = x->n;
    r->lead.extra_name = x->name;
    r->lead.extra = x->value;
    r->lead.extra_len = x->len;
}

/* Reads a RESULTS_SELECT row; strings are borrowed until the next step. */
static void result_cols(sqlite3_stmt *st, struct ls_result *r)
{
    memset(r, 0, sizeof(*r));
    ls_lead_clear(&r->lead);
    r->idx = sqlite3_column_int64(st, 0);
    for (int f = 0; f < LS_F_BIO; f++) {
        r->lead.f[f] = ls_sq_col_text(st, 2 + f);
        r->lead.len[f] = (size_t)sqlite3_column_bytes(st, 2 + f);
    }
    /* Issue #9: the bio and the identity fields (NULL in rows stored before: ""). */
    static const int identity[][2] = {
        {LS_F_BIO, 26}, {LS_F_EMAIL, 27}, {LS_F_LINKEDIN_URL, 28}, {LS_F_EXTERNAL_ID, 29}};
    for (size_t k = 0; k < LS_ARRAY_LEN(identity); k++) {
        r->lead.f[identity[k][0]] = ls_sq_col_text(st, identity[k][1]);
        r->lead.len[identity[k][0]] = (size_t)sqlite3_column_bytes(st, identity[k][1]);
    }
    r->line = sqlite3_column_int64(st, 25);
    r->is_duplicate = sqlite3_column_type(st, 31) != SQLITE_NULL;
    r->original_idx = r->is_duplicate ? sqlite3_column_int64(st, 31) : 0;
    r->role_points = sqlite3_column_int(st, 7);
    r->industry_points = sqlite3_column_int(st, 8);
    r->completeness_points = sqlite3_column_int(st, 9);
    r->rule_score = sqlite3_column_int(st, 10);
    r->intent = (enum ls_intent)sqlite3_column_int(st, 11);
    r->ai_score = sqlite3_column_int(st, 12);
    r->score = sqlite3_column_int(st, 13);
    r->reasoning = ls_sq_col_text(st, 14);
    r->provider = ls_sq_col_text(st, 15);
    r->model = ls_sq_col_text(st, 16);
    r->status = (enum ls_ai_status)sqlite3_column_int(st, 17);
    r->ai_error = ls_sq_col_text(st, 18);
    /* A row stored before migration 8 has NULL factors: told from its points. */
    r->has_factors = sqlite3_column_type(st, 19) != SQLITE_NULL;
    if (r->has_factors) {
        r->role_kind = (enum ls_role_kind)sqlite3_column_int(st, 19);
        r->role_term = col_opt_text(st, 20);
        r->industry_match = (enum ls_industry_match)sqlite3_column_int(st, 21);
        r->adjacent_via = (enum ls_adjacent_via)sqlite3_column_int(st, 22);
        r->industry_term = col_opt_text(st, 23);
        r->missing = (unsigned)sqlite3_column_int(st, 24);
    } else {
        r->missing = ls_result_missing_of(r);
    }
}

struct results_args {
    const struct ls_job *job;
    const struct ls_results_query *q;
    int64_t after_rank; /* keyset pages */
    int limit, offset;
    struct ls_result_cursor *cursor;
    ls_store_result_fn cb;
    void *ud;
    int n;
    struct extras ex;
};

/* ?1..?6: the RESULTS_FROM filters; ?7, ?8 (and ?9, ?10 for a keyset page): the page. */
static void bind_results(sqlite3_stmt *st, const void *args)
{
    const struct results_args *a = args;
    struct ls_results_query all;
    const struct ls_results_query *q = a->q;
    if (q == NULL) {
        ls_results_query_default(&all);
        q = &all;
    }
    sqlite3_bind_int64(st, 1, a->job->id);
    sqlite3_bind_int64(st, 2, a->job->upload_id);
    sqlite3_bind_int(st, 3, (int)q->intents);
    sqlite3_bind_int(st, 4, q->min_score);
    sqlite3_bind_int(st, 5, q->max_score);
    ls_sq_bind_cstr(st, 6, q->q);
    sqlite3_bind_int64(st, 11, rank_of(q->max_score, 0));
    sqlite3_bind_int64(st, 12, rank_of(q->min_score, RANK_IDX_MAX));
    if (a->cursor) {
        const struct ls_result_cursor *cur = a->cursor;
        if (q->sort == LS_SORT_NAME || q->sort == LS_SORT_COMPANY)
            ls_sq_bind_cstr(st, 7, cur->text ? cur->text : "");
        else if (q->sort == LS_SORT_SCORE_ASC)
            sqlite3_bind_int(st, 7, cur->score);
        else
            sqlite3_bind_int64(st, 7, a->after_rank);
        /* By score: the page starts after the cursor; one lower bound (see RULES_WHERE). */
        if (q->sort == LS_SORT_SCORE_DESC && a->after_rank + 1 > rank_of(q->max_score, 0))
            sqlite3_bind_int64(st, 11, a->after_rank + 1);
        sqlite3_bind_int(st, 8, a->limit);
        if (sqlite3_bind_parameter_name(st, 10) != NULL) { /* a keyset page by score or text */
            sqlite3_bind_int64(st, 9, cur->idx);
            sqlite3_bind_int(st, 10, cur->has_last);
        }
    } else {
        sqlite3_bind_int(st, 7, a->limit);
        sqlite3_bind_int(st, 8, a->offset);
    }
}

static int result_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    struct results_args *a = ud;
    struct ls_result r;
    result_cols(st, &r);
    r.upload_id = a->job->upload_id;
    extras_row(st, &a->ex, &r);
    if (a->cursor)
        ls_result_cursor_set(a->cursor, a->q ? a->q->sort : LS_SORT_SCORE_DESC, &r);
    a->n++;
    return a->cb(a->ud, &r, err);
}

int ls_sq_results_page(struct ls_store *base, const struct ls_job *job,
                       const struct ls_results_query *filter, struct ls_result_cursor *cursor,
                       int limit, ls_store_result_fn cb, void *ud, struct ls_err *err)
{
    struct results_args a = {
        .job = job, .q = filter, .limit = limit, .cursor = cursor, .cb = cb, .ud = ud};
    a.after_rank = cursor->has_last ? rank_of(cursor->score, cursor->idx) : -1;
    enum ls_sort sort = filter ? filter->sort : LS_SORT_SCORE_DESC;
    int rc = extras_load((struct sq_store *)base, job->upload_id, &a.ex, err);
    if (rc == LS_OK)
        rc = ls_sq_each_row((struct sq_store *)base, (enum stmt_id)(ST_RESULTS_PAGE + sort),
                            bind_results, &a, result_row, &a, "reading results", err);
    extras_release(&a.ex);
    return rc ? rc : a.n;
}

int ls_sq_results_query(struct ls_store *base, const struct ls_job *job,
                        const struct ls_results_query *q, ls_store_result_fn cb, void *ud,
                        int64_t *total, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct results_args a = {
        .job = job, .q = q, .limit = q->limit, .offset = q->offset, .cb = cb, .ud = ud};
    struct ls_results_query all;
    ls_results_query_default(&all);
    int rc;
    bool unfiltered =
        q->intents == all.intents && q->min_score == 0 && q->max_score == 100 && q->q[0] == '\0';
    if (total == NULL) {
        /* A later piece of a page already streaming: its total was sent. */
    } else if (unfiltered) {
        /* Not counting a million rows to learn what the job knows. */
        *total = job->results_deleted_ms ? 0 : job->n.done;
    } else {
        rc = ls_sq_scalar(s, q->q[0] ? ST_RESULTS_COUNT : ST_RESULTS_COUNT_RULES, bind_results, &a,
                          total, "counting results", err);
        if (rc)
            return rc;
    }
    enum stmt_id page = (enum stmt_id)(ST_RESULTS_SCORE_DESC + q->sort);
    if (q->sort == LS_SORT_SCORE_DESC && q->q[0] != '\0')
        page = ST_RESULTS_SCORE_DESC_TEXT;
    else if (q->sort == LS_SORT_SCORE_DESC && q->offset > 0)
        page = ST_RESULTS_SCORE_DESC_SEEK;
    rc = extras_load(s, job->upload_id, &a.ex, err);
    if (rc == LS_OK)
        rc = ls_sq_each_row(s, page, bind_results, &a, result_row, &a, "reading results", err);
    extras_release(&a.ex);
    return rc;
}

/* ---- summaries (issue #8) ---- */

static void bind_hist(sqlite3_stmt *st, const void *args)
{
    const struct results_args *a = args;
    if (sqlite3_bind_parameter_count(st) < 2)
        sqlite3_bind_int64(st, 1, a->job->id);
    else
        bind_results(st, a); /* ?7 and ?8 are not in the statement: binding them is a no-op */
}

static int hist_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    (void)err;
    ls_score_hist_add(ud, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
                      sqlite3_column_int64(st, 2));
    return LS_OK;
}

int ls_sq_results_hist(struct ls_store *base, const struct ls_job *job,
                       const struct ls_results_query *filter, struct ls_score_hist *out,
                       struct ls_err *err)
{
    struct results_args a = {.job = job, .q = filter};
    struct ls_score_hist h;
    memset(&h, 0, sizeof(h));
    /*
     * Without text the leads are not joined: one pass over the job's own rows,
     * whatever the filter (the histogram answers it). With text the whole
     * filter goes to SQL, so intent and score, cheap to test, spare most rows
     * the text search.
     */
    enum stmt_id id = filter && filter->q[0] ? ST_RESULTS_HIST_Q : ST_RESULTS_HIST;
    int rc = ls_sq_each_row((struct sq_store *)base, id, bind_hist, &a, hist_row, &h,
                            "summarising results", err);
    if (rc == LS_OK)
        *out = h;
    return rc;
}

/* ---- a finished job's text index (issue #8) ---- */

struct texts_args {
    const struct ls_job *job;
    ls_store_text_fn text_cb;
    ls_store_idx_fn idx_cb;
    void *ud;
};

static void bind_job_upload(sqlite3_stmt *st, const void *args)
{
    const struct texts_args *a = args;
    sqlite3_bind_int64(st, 1, a->job->id);
    sqlite3_bind_int64(st, 2, a->job->upload_id);
}

static int text_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct texts_args *a = ud;
    return a->text_cb(a->ud, sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
                      sqlite3_column_int(st, 2), ls_sq_col_text(st, 3),
                      (size_t)sqlite3_column_bytes(st, 3), ls_sq_col_text(st, 4),
                      (size_t)sqlite3_column_bytes(st, 4), ls_sq_col_text(st, 5),
                      (size_t)sqlite3_column_bytes(st, 5), err);
}

int ls_sq_results_texts(struct ls_store *base, const struct ls_job *job, ls_store_text_fn cb,
                        void *ud, struct ls_err *err)
{
    struct texts_args a = {.job = job, .text_cb = cb, .ud = ud};
    return ls_sq_each_row((struct sq_store *)base, ST_RESULTS_TEXTS, bind_job_upload, &a, text_row,
                          &a, "reading results for the text index", err);
}

static void bind_texts_upload(sqlite3_stmt *st, const void *args)
{
    const struct texts_args *a = args;
    sqlite3_bind_int64(st, 1, a->job->upload_id);
}

static int idx_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct texts_args *a = ud;
    return a->idx_cb(a->ud, sqlite3_column_int64(st, 0), err);
}

int ls_sq_leads_order(struct ls_store *base, const struct ls_job *job, enum ls_sort sort,
                      ls_store_idx_fn cb, void *ud, struct ls_err *err)
{
    if (sort != LS_SORT_NAME && sort != LS_SORT_COMPANY)
        return ls_err_set(err, LS_EINVAL, "leads are listed in name or company order only");
    struct texts_args a = {.job = job, .idx_cb = cb, .ud = ud};
    return ls_sq_each_row((struct sq_store *)base,
                          sort == LS_SORT_NAME ? ST_LEADS_BY_NAME : ST_LEADS_BY_COMPANY,
                          bind_texts_upload, &a, idx_row, &a, "reading leads in order", err);
}

int ls_sq_results_get(struct ls_store *base, const struct ls_job *job, const int64_t *idx, size_t n,
                      ls_store_result_fn cb, void *ud, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct extras ex;
    int rc = extras_load(s, job->upload_id, &ex, err); /* before this walk takes a connection */
    if (rc)
        return rc;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL) {
        extras_release(&ex);
        return err ? err->code : LS_EUNAVAILABLE;
    }
    sqlite3_stmt *st = ls_sq_stmt(c, ST_RESULT_GET, err);
    if (st == NULL)
        rc = err ? err->code : LS_EIO;
    for (size_t i = 0; rc == LS_OK && i < n; i++) {
        sqlite3_bind_int64(st, 1, job->id);
        sqlite3_bind_int64(st, 2, job->upload_id);
        sqlite3_bind_int64(st, 3, idx[i]);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            struct ls_result r;
            result_cols(st, &r);
            r.upload_id = job->upload_id;
            extras_row(st, &ex, &r);
            rc = cb(ud, &r, err);
        } else if (step != SQLITE_DONE) {
            rc = ls_sq_fail(c->db, step, "reading results by key", err);
        }
        sqlite3_reset(st);
    }
    ls_sq_release(s, c);
    extras_release(&ex);
    return rc;
}
