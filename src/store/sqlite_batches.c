/*
 * sqlite_batches.c - the provider batches of batch-mode jobs and the leads
 * each request line carries (issue #10).
 *
 * These run a few times per batch (create, a state change, a restart), never
 * per lead in a hot loop, so their statements are prepared per call and stay
 * out of the connection's statement cache.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_int.h"
#include "sys/sys.h"

#define BATCH_COLS                                                                                 \
    "id, job_id, provider, remote_id, input_file, output_file, error_file, state, remote_state, "  \
    "requests, n_total, n_completed, n_failed, created_ms, updated_ms"

/* Prepares sql on c; NULL with err set. Owned: sqlite3_finalize. */
static sqlite3_stmt *prep(struct conn *c, const char *sql, struct ls_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        ls_sq_fail(c->db, rc, "preparing a batch statement", err);
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

static int step_done(struct conn *c, sqlite3_stmt *st, const char *what, struct ls_err *err)
{
    int rc = sqlite3_step(st);
    return rc == SQLITE_DONE ? LS_OK : ls_sq_fail(c->db, rc, what, err);
}

int ls_sq_batch_create(struct ls_store *base, struct ls_batch *b, const struct ls_batch_item *items,
                       size_t n, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    sqlite3_stmt *st = NULL, *it = NULL;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int64_t now = ls_now_ms();
    int rc = ls_sq_begin(s, c, false, err);
    if (rc)
        goto out;
    st = prep(c,
              "INSERT INTO batches(job_id, provider, remote_id, input_file, state, remote_state, "
              "requests, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
              err);
    it = prep(
        c, "INSERT INTO batch_items(batch_id, idx, custom_id, prompt_id) VALUES (?1, ?2, ?3, ?4)",
        err);
    if (st == NULL || it == NULL) {
        rc = err ? err->code : LS_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, b->job_id);
    ls_sq_bind_cstr(st, 2, b->provider);
    ls_sq_bind_cstr(st, 3, b->remote_id);
    ls_sq_bind_cstr(st, 4, b->input_file);
    ls_sq_bind_cstr(st, 5, b->state);
    ls_sq_bind_cstr(st, 6, b->remote_state);
    sqlite3_bind_int64(st, 7, b->requests);
    sqlite3_bind_int64(st, 8, now);
    rc = step_done(c, st, "storing a batch", err);
    if (rc)
        goto out;
    int64_t id = sqlite3_last_insert_rowid(c->db);
    for (size_t i = 0; i < n && rc == LS_OK; i++) {
        sqlite3_reset(it);
        sqlite3_bind_int64(it, 1, id);
        sqlite3_bind_int64(it, 2, items[i].idx);
        ls_sq_bind_cstr(it, 3, items[i].custom_id);
        ls_sq_bind_cstr(it, 4, items[i].prompt_id);
        rc = step_done(c, it, "storing a batch's leads", err);
    }
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    if (rc == LS_OK) {
        b->id = id;
        b->created_ms = b->updated_ms = now;
    }
out:
    sqlite3_finalize(st);
    sqlite3_finalize(it);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    return rc;
}

int ls_sq_batch_update(struct ls_store *base, const struct ls_batch *b, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    sqlite3_stmt *st = NULL;
    int rc = ls_sq_begin(s, c, false, err);
    if (rc)
        goto out;
    st = prep(c,
              "UPDATE batches SET remote_id = ?2, input_file = ?3, output_file = ?4, "
              "error_file = ?5, state = ?6, remote_state = ?7, n_total = ?8, n_completed = ?9, "
              "n_failed = ?10, updated_ms = ?11 WHERE id = ?1",
              err);
    if (st == NULL) {
        rc = err ? err->code : LS_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, b->id);
    ls_sq_bind_cstr(st, 2, b->remote_id);
    ls_sq_bind_cstr(st, 3, b->input_file);
    ls_sq_bind_cstr(st, 4, b->output_file);
    ls_sq_bind_cstr(st, 5, b->error_file);
    ls_sq_bind_cstr(st, 6, b->state);
    ls_sq_bind_cstr(st, 7, b->remote_state);
    sqlite3_bind_int64(st, 8, b->n_total);
    sqlite3_bind_int64(st, 9, b->n_completed);
    sqlite3_bind_int64(st, 10, b->n_failed);
    sqlite3_bind_int64(st, 11, ls_now_ms());
    rc = step_done(c, st, "updating a batch", err);
    if (rc == LS_OK && sqlite3_changes(c->db) == 0)
        rc = ls_err_set(err, LS_ENOTFOUND, "batch %lld not found", (long long)b->id);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
out:
    sqlite3_finalize(st);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    return rc;
}

/* Runs a read of sql with ?1 = text (when not NULL) or id, calling row per row. */
static int each(struct sq_store *s, const char *sql, int64_t id, const char *text,
                int (*row)(sqlite3_stmt *st, void *ud, struct ls_err *err), void *ud,
                const char *what, struct ls_err *err)
{
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int rc = LS_OK;
    sqlite3_stmt *st = prep(c, sql, err);
    if (st == NULL) {
        rc = err ? err->code : LS_EIO;
        goto out;
    }
    if (text)
        ls_sq_bind_cstr(st, 1, text);
    else
        sqlite3_bind_int64(st, 1, id);
    for (;;) {
        int src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = ls_sq_fail(c->db, src, what, err);
            break;
        }
        rc = row(st, ud, err);
        if (rc)
            break;
    }
out:
    sqlite3_finalize(st);
    ls_sq_release(s, c);
    return rc;
}

struct cb_args {
    ls_store_batch_fn batch;
    ls_store_batch_item_fn item;
    void *ud;
};

static int batch_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct cb_args *a = ud;
    struct ls_batch b;
    memset(&b, 0, sizeof(b));
    b.id = sqlite3_column_int64(st, 0);
    b.job_id = sqlite3_column_int64(st, 1);
    ls_sq_copy_col(st, 2, b.provider, sizeof(b.provider));
    ls_sq_copy_col(st, 3, b.remote_id, sizeof(b.remote_id));
    ls_sq_copy_col(st, 4, b.input_file, sizeof(b.input_file));
    ls_sq_copy_col(st, 5, b.output_file, sizeof(b.output_file));
    ls_sq_copy_col(st, 6, b.error_file, sizeof(b.error_file));
    ls_sq_copy_col(st, 7, b.state, sizeof(b.state));
    ls_sq_copy_col(st, 8, b.remote_state, sizeof(b.remote_state));
    b.requests = sqlite3_column_int64(st, 9);
    b.n_total = sqlite3_column_int64(st, 10);
    b.n_completed = sqlite3_column_int64(st, 11);
    b.n_failed = sqlite3_column_int64(st, 12);
    b.created_ms = sqlite3_column_int64(st, 13);
    b.updated_ms = sqlite3_column_int64(st, 14);
    return a->batch(a->ud, &b, err);
}

int ls_sq_batches_list(struct ls_store *base, int64_t job_id, ls_store_batch_fn cb, void *ud,
                       struct ls_err *err)
{
    struct cb_args a = {.batch = cb, .ud = ud};
    return each((struct sq_store *)base,
                "SELECT " BATCH_COLS " FROM batches WHERE job_id = ?1 ORDER BY id", job_id, NULL,
                batch_row, &a, "listing a job's batches", err);
}

static int item_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct cb_args *a = ud;
    struct ls_batch_item it;
    memset(&it, 0, sizeof(it));
    it.idx = sqlite3_column_int64(st, 0);
    ls_sq_copy_col(st, 1, it.custom_id, sizeof(it.custom_id));
    ls_sq_copy_col(st, 2, it.prompt_id, sizeof(it.prompt_id));
    return a->item(a->ud, &it, err);
}

int ls_sq_batch_items(struct ls_store *base, int64_t batch_id, ls_store_batch_item_fn cb, void *ud,
                      struct ls_err *err)
{
    struct cb_args a = {.item = cb, .ud = ud};
    return each((struct sq_store *)base,
                "SELECT idx, custom_id, prompt_id FROM batch_items WHERE batch_id = ?1 "
                "ORDER BY custom_id, idx",
                batch_id, NULL, item_row, &a, "reading a batch's leads", err);
}

int ls_sq_batch_delete(struct ls_store *base, int64_t batch_id, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    sqlite3_stmt *st = NULL;
    int rc = ls_sq_begin(s, c, false, err);
    if (rc)
        goto out;
    st = prep(c, "DELETE FROM batches WHERE id = ?1", err);
    if (st == NULL) {
        rc = err ? err->code : LS_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, batch_id);
    rc = step_done(c, st, "deleting a batch", err);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
out:
    sqlite3_finalize(st);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    return rc;
}

/*
 * A finished job whose owner is alive is still in ls_job_batch_phase
 * there, whose own cancel_all cancels its batches: leaving those out is what
 * keeps a batch from being cancelled twice. Any finished job counts: one
 * cancelled, one failed on its polls, or one a server of another provider
 * finished has nobody left to read its batches.
 */
int ls_sq_batches_orphaned(struct ls_store *base, const char *provider, ls_store_batch_fn cb,
                           void *ud, struct ls_err *err)
{
    struct cb_args a = {.batch = cb, .ud = ud};
    return each((struct sq_store *)base,
                "SELECT " BATCH_COLS " FROM batches WHERE state IN " LIVE_BATCH
                " AND provider = ?1 AND job_id IN (SELECT id FROM jobs WHERE status IN "
                "('succeeded', 'failed', 'cancelled') AND (owner = 0 OR NOT ls_alive(owner))) "
                "ORDER BY id",
                0, provider, batch_row, &a, "listing orphaned batches", err);
}
