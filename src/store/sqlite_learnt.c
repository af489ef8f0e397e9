/*
 * sqlite_learnt.c - what AI providers learnt from their servers' refusals,
 * per (base URL, model), and how each job's provider asked (issue #10).
 *
 * Rare statements (one read when a job starts, one write when a refusal
 * teaches something), so they are prepared per call rather than kept in the
 * statement table.
 */
#include <stdio.h>
#include <string.h>

#include "sqlite_int.h"

/* Runs sql with bind(args), stepping once; a row (if any) goes to row. */
static int run(struct sq_store *s, const char *sql, bool write,
               void (*bind)(sqlite3_stmt *, const void *), const void *args,
               void (*row)(sqlite3_stmt *, void *), void *ud, const char *what, struct ls_err *err)
{
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int rc = write ? ls_sq_begin(s, c, false, err) : LS_OK;
    sqlite3_stmt *st = NULL;
    if (rc == LS_OK) {
        int prc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
        if (prc != SQLITE_OK)
            rc = ls_sq_fail(c->db, prc, what, err);
    }
    if (rc == LS_OK) {
        bind(st, args);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW && row)
            row(st, ud);
        else if (step != SQLITE_DONE && step != SQLITE_ROW)
            rc = ls_sq_fail(c->db, step, what, err);
    }
    sqlite3_finalize(st);
    if (write && rc == LS_OK)
        rc = ls_sq_commit(c, err);
    if (write)
        ls_sq_rollback(c);
    ls_sq_release(s, c);
    return rc;
}

struct key {
    const char *base_url, *model;
    const struct ls_ai_learnt *in;
    int64_t now_ms;
};

static void bind_key(sqlite3_stmt *st, const void *args)
{
    const struct key *k = args;
    ls_sq_bind_cstr(st, 1, k->base_url);
    ls_sq_bind_cstr(st, 2, k->model);
    if (k->in) {
        ls_sq_bind_cstr(st, 3, k->in->mode);
        ls_sq_bind_cstr(st, 4, k->in->tokens_param);
        ls_sq_bind_cstr(st, 5, k->in->reasoning);
        ls_sq_bind_cstr(st, 6, k->in->thinking);
        sqlite3_bind_int64(st, 7, k->now_ms);
    }
}

static void learnt_row(sqlite3_stmt *st, void *ud)
{
    struct ls_ai_learnt *out = ud;
    ls_sq_copy_col(st, 0, out->mode, sizeof(out->mode));
    ls_sq_copy_col(st, 1, out->tokens_param, sizeof(out->tokens_param));
    ls_sq_copy_col(st, 2, out->reasoning, sizeof(out->reasoning));
    ls_sq_copy_col(st, 3, out->thinking, sizeof(out->thinking));
}

int ls_sq_learnt_get(struct ls_store *base, const char *base_url, const char *model,
                     struct ls_ai_learnt *out, struct ls_err *err)
{
    memset(out, 0, sizeof(*out));
    struct key k = {base_url, model, NULL, 0};
    return run((struct sq_store *)base,
               "SELECT mode, tokens_param, reasoning, thinking FROM llm_learnt WHERE base_url = ?1 "
               "AND model = ?2",
               false, bind_key, &k, learnt_row, out, "reading what the provider learnt", err);
}

int ls_sq_learnt_put(struct ls_store *base, const char *base_url, const char *model,
                     const struct ls_ai_learnt *in, int64_t now_ms, struct ls_err *err)
{
    struct key k = {base_url, model, in, now_ms};
    return run((struct sq_store *)base,
               "INSERT INTO llm_learnt (base_url, model, mode, tokens_param, reasoning, thinking, "
               "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (base_url, model) DO "
               "UPDATE SET mode = ?3, tokens_param = ?4, reasoning = ?5, thinking = ?6, "
               "updated_ms = ?7",
               true, bind_key, &k, NULL, NULL, "storing what the provider learnt", err);
}

struct ai_args {
    int64_t job_id;
    const struct ls_ai_form *form;
};

static void bind_ai(sqlite3_stmt *st, const void *args)
{
    const struct ai_args *a = args;
    sqlite3_bind_int64(st, 1, a->job_id);
    ls_sq_bind_cstr(st, 2, a->form->mode);
    ls_sq_bind_cstr(st, 3, a->form->tokens_param);
    ls_sq_bind_cstr(st, 4, a->form->reasoning);
    ls_sq_bind_cstr(st, 5, a->form->thinking);
}

int ls_sq_job_ai_set(struct ls_store *base, int64_t job_id, const struct ls_ai_form *form,
                     struct ls_err *err)
{
    struct ai_args a = {job_id, form};
    return run((struct sq_store *)base,
               "UPDATE jobs SET ai_mode = ?2, ai_tokens_param = ?3, ai_reasoning = ?4, "
               "ai_thinking = ?5 WHERE id = ?1",
               true, bind_ai, &a, NULL, NULL, "recording how the provider asks", err);
}
