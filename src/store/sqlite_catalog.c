/* sqlite_catalog.c - offers, the current state, and uploads with their leads. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/sha256.h"
#include "core/xalloc.h"
#include "sqlite_int.h"
#include "sys/sys.h"

#define UPLOAD_BATCH     4096       /* leads per transaction */
#define UPLOAD_BATCH_MEM (1u << 20) /* or bytes of lead text */
#define UPLOAD_ERRORS    1000       /* rejected rows kept per upload */

/* ---- the current offer, upload and job of a workspace ---------------------- */

int ls_sq_set_current(struct conn *c, enum stmt_id which, int64_t ws, int64_t id,
                      struct ls_err *err)
{
    sqlite3_stmt *st = ls_sq_stmt(c, which, err);
    if (st == NULL)
        return err ? err->code : LS_EIO;
    sqlite3_bind_int64(st, 1, ws);
    sqlite3_bind_int64(st, 2, id);
    return ls_sq_step_done(c, st, "updating the current state", err);
}

struct current {
    int64_t o, u, j;
    bool found;
};

static void bind_one(sqlite3_stmt *st, const void *args)
{
    sqlite3_bind_int64(st, 1, *(const int64_t *)args);
}

static int current_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    (void)err;
    struct current *cur = ud;
    cur->o = sqlite3_column_int64(st, 0);
    cur->u = sqlite3_column_int64(st, 1);
    cur->j = sqlite3_column_int64(st, 2);
    cur->found = true;
    return LS_OK;
}

int ls_sq_current(struct ls_store *base, int64_t ws, int64_t *offer_id, int64_t *upload_id,
                  int64_t *job_id, struct ls_err *err)
{
    struct current cur = {0};
    int rc = ls_sq_each_row((struct sq_store *)base, ST_WS_CURRENT, bind_one, &ws, current_row,
                            &cur, "reading the current state", err);
    if (rc)
        return rc;
    if (offer_id)
        *offer_id = cur.o;
    if (upload_id)
        *upload_id = cur.u;
    if (job_id)
        *job_id = cur.j;
    return LS_OK;
}

/* ---- offers ---------------------------------------------------------------- */

struct ws_hash {
    int64_t ws;
    const unsigned char *hash;
};

static void bind_ws_hash(sqlite3_stmt *st, const void *args)
{
    const struct ws_hash *a = args;
    sqlite3_bind_int64(st, 1, a->ws);
    sqlite3_bind_blob(st, 2, a->hash, LS_SHA256_LEN, SQLITE_STATIC);
}

int ls_sq_offer_find(struct ls_store *base, int64_t ws, const struct ls_offer *offer, int64_t *id,
                     struct ls_err *err)
{
    unsigned char hash[LS_OFFER_DIGEST_LEN];
    ls_offer_digest(offer, hash);
    struct ws_hash a = {ws, hash};
    return ls_sq_scalar((struct sq_store *)base, ST_OFFER_FIND, bind_ws_hash, &a, id,
                        "finding an offer", err);
}

union list_cb {
    ls_store_offer_fn offer;
    ls_store_upload_fn upload;
    ls_store_reject_fn reject;
    ls_store_row_fn row;
};

struct page_args {
    int64_t ws, id;
    int limit, offset;
    union list_cb cb;
    void *ud;
};

/* ?1 workspace, ?2 limit, ?3 offset. */
static void bind_ws_page(sqlite3_stmt *st, const void *args)
{
    const struct page_args *a = args;
    sqlite3_bind_int64(st, 1, a->ws);
    sqlite3_bind_int(st, 2, a->limit);
    sqlite3_bind_int(st, 3, a->offset);
}

static void bind_ws_only(sqlite3_stmt *st, const void *args)
{
    sqlite3_bind_int64(st, 1, ((const struct page_args *)args)->ws);
}

static int offer_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct page_args *a = ud;
    struct ls_offer_info o = {.id = sqlite3_column_int64(st, 0),
                              .created_ms = sqlite3_column_int64(st, 1)};
    ls_sq_copy_col(st, 2, o.name, sizeof(o.name));
    return a->cb.offer(a->ud, &o, err);
}

int ls_sq_offers_list(struct ls_store *base, int64_t ws, int limit, int offset,
                      ls_store_offer_fn cb, void *ud, int64_t *total, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct page_args a = {ws, 0, limit, offset, {.offer = cb}, ud};
    int rc = ls_sq_scalar(s, ST_OFFERS_COUNT, bind_ws_only, &a, total, "counting offers", err);
    return rc ? rc
              : ls_sq_each_row(s, ST_OFFERS_LIST, bind_ws_page, &a, offer_row, &a, "listing offers",
                               err);
}

int ls_sq_offer_put(struct ls_store *base, int64_t ws, const struct ls_offer *offer, int64_t now_ms,
                    int64_t *id, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    unsigned char hash[LS_OFFER_DIGEST_LEN];
    json_t *j = ls_offer_to_json(offer);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    ls_offer_digest(offer, hash);
    struct conn *c = ls_sq_acquire(s, err);
    int rc = c ? LS_OK : (err ? err->code : LS_EUNAVAILABLE);
    if (rc)
        goto out;
    rc = ls_sq_begin(s, c, false, err);
    if (rc)
        goto out;
    sqlite3_stmt *st = ls_sq_stmt(c, ST_OFFER_INSERT, err);
    rc = st ? LS_OK : LS_EIO;
    if (rc == LS_OK) {
        sqlite3_bind_int64(st, 1, ws);
        sqlite3_bind_int64(st, 2, now_ms);
        ls_sq_bind_cstr(st, 3, offer->name);
        ls_sq_bind_cstr(st, 4, body);
        sqlite3_bind_blob(st, 5, hash, LS_SHA256_LEN, SQLITE_STATIC);
        rc = ls_sq_step_done(c, st, "storing the offer", err);
    }
    int64_t new_id = sqlite3_last_insert_rowid(c->db);
    if (rc == LS_OK)
        rc = ls_sq_set_current(c, ST_WS_SET_OFFER, ws, new_id, err);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    if (rc == LS_OK)
        *id = new_id;
out:
    if (c) {
        ls_sq_rollback(c);
        ls_sq_release(s, c);
    }
    free(body);
    return rc;
}

int ls_sq_offer_get(struct ls_store *base, int64_t ws, int64_t id, struct ls_offer *out,
                    struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int rc;
    sqlite3_stmt *st = ls_sq_stmt(c, ST_OFFER_GET, err);
    if (st == NULL) {
        rc = err ? err->code : LS_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, ws);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *body = ls_sq_col_text(st, 0);
        rc = ls_offer_parse(body, strlen(body), out, err);
    } else if (step == SQLITE_DONE) {
        rc = ls_err_set(err, LS_ENOTFOUND, "offer %lld not found", (long long)id);
    } else {
        rc = ls_sq_fail(c->db, step, "reading an offer", err);
    }
    sqlite3_reset(st);
out:
    ls_sq_release(s, c);
    return rc;
}

int ls_sq_in_txn(struct conn *c, enum stmt_id id, int64_t a, int64_t b, bool is_count, int64_t *n,
                 const char *what, struct ls_err *err)
{
    sqlite3_stmt *st = ls_sq_stmt(c, id, err);
    if (st == NULL)
        return err ? err->code : LS_EIO;
    sqlite3_bind_int64(st, 1, a);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, b);
    int step = sqlite3_step(st);
    int64_t v = is_count && step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (is_count && step == SQLITE_ROW)
        step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return ls_sq_fail(c->db, step, what, err);
    if (n)
        *n = is_count ? v : sqlite3_changes(c->db);
    return LS_OK;
}

/*
 * Deletes offer or upload id of ws (what names it, in_use and del are its
 * statements) unless a queued or running job uses it: LS_ECONFLICT then,
 * LS_ENOTFOUND when ws has no such row. One transaction, then a checkpoint so
 * that the deleted text leaves the WAL too.
 */
static int delete_unused(struct ls_store *base, int64_t ws, int64_t id, const char *what,
                         enum stmt_id in_use, enum stmt_id del, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int64_t busy = 0, gone = 0;
    char doing[40];
    int rc = ls_sq_begin(s, c, false, err);
    snprintf(doing, sizeof(doing), "checking an %s", what);
    if (rc == LS_OK)
        rc = ls_sq_in_txn(c, in_use, id, ws, true, &busy, doing, err);
    if (rc == LS_OK && busy)
        rc = ls_err_set(err, LS_ECONFLICT,
                        "%s %lld is used by a queued or running job: cancel it and wait for it "
                        "to stop",
                        what, (long long)id);
    snprintf(doing, sizeof(doing), "deleting an %s", what);
    if (rc == LS_OK) /* an upload's cascade takes its leads, rejected rows, jobs and results */
        rc = ls_sq_in_txn(c, del, id, ws, false, &gone, doing, err);
    if (rc == LS_OK && gone == 0)
        rc = ls_err_set(err, LS_ENOTFOUND, "%s %lld not found", what, (long long)id);
    if (rc == LS_OK)
        rc = ls_sq_in_txn(c, ST_WS_FIX, ws, 0, false, NULL, "updating the current state", err);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    if (rc == LS_OK)
        ls_sq_checkpoint(s);
    return rc;
}

int ls_sq_offer_delete(struct ls_store *base, int64_t ws, int64_t id, struct ls_err *err)
{
    return delete_unused(base, ws, id, "offer", ST_OFFER_IN_USE, ST_OFFER_DELETE, err);
}

/* ---- uploads ------------------------------------------------------------------- */

struct pending_lead {
    int64_t line;
    size_t off[LS_F_ALL];
    size_t len[LS_F_ALL];
    size_t extra_off, extra_len; /* the extra values as a JSON array; extra_len 0: none */
    bool has_key;
    int64_t key; /* ls_lead_dup_hash */
};

struct sq_upload {
    struct ls_store_upload base;
    struct sq_store *s;
    int64_t ws;
    int64_t id;
    int64_t next_idx;
    char *extra_names; /* owned; the extra column names as a JSON array, NULL: none */
    int64_t n_errors;
    struct pending_lead *rows; /* owned; UPLOAD_BATCH entries */
    size_t n_rows;
    struct ls_buf text; /* the rows' field bytes */
    struct pending_err {
        int64_t line;
        char *msg; /* owned */
    } * errs;
    size_t n_errs;
};

/* Fails loudly when the upload row is gone or no longer ours (REQ-STORE-MULTI). */
static int upload_still_ours(struct conn *c, const struct sq_upload *up, struct ls_err *err)
{
    int64_t n = 0;
    int rc = ls_sq_in_txn(c, ST_UPLOAD_TOUCH, up->id, up->s->instance, true, &n,
                          "checking an upload", err);
    if (rc == LS_OK && n == 0)
        rc = ls_err_set(err, LS_ECONFLICT,
                        "upload %lld was removed by another process while it was being stored",
                        (long long)up->id);
    return rc;
}

static int upload_flush(struct sq_upload *up, struct ls_err *err)
{
    if (up->n_rows == 0 && up->n_errs == 0)
        return LS_OK;
    struct conn *c = ls_sq_acquire(up->s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int rc = ls_sq_begin(up->s, c, true, err);
    if (rc == LS_OK)
        rc = upload_still_ours(c, up, err);
    sqlite3_stmt *st = rc ? NULL : ls_sq_stmt(c, ST_LEAD_INSERT, err);
    if (rc == LS_OK && st == NULL)
        rc = err ? err->code : LS_EIO;
    for (size_t i = 0; i < up->n_rows && rc == LS_OK; i++) {
        const struct pending_lead *p = &up->rows[i];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, up->id);
        sqlite3_bind_int64(st, 2, up->next_idx + (int64_t)i);
        sqlite3_bind_int64(st, 3, p->line);
        for (int f = 0; f < LS_F_ALL; f++) {
            if (f >= LS_F_COUNT && p->len[f] == 0)
                sqlite3_bind_null(st, 4 + f); /* an identity field the row lacks */
            else
                sqlite3_bind_text64(st, 4 + f, up->text.data + p->off[f], p->len[f], SQLITE_STATIC,
                                    SQLITE_UTF8); /* text outlives the step */
        }
        if (p->extra_len)
            sqlite3_bind_text64(st, 13, up->text.data + p->extra_off, p->extra_len, SQLITE_STATIC,
                                SQLITE_UTF8);
        else
            sqlite3_bind_null(st, 13);
        if (p->has_key)
            sqlite3_bind_int64(st, 14, p->key);
        else
            sqlite3_bind_null(st, 14);
        sqlite3_bind_null(st, 15); /* duplicate_of: marked at commit */
        int step = sqlite3_step(st);
        if (step != SQLITE_DONE)
            rc = ls_sq_fail(c->db, step, "storing leads", err);
    }
    if (st)
        sqlite3_reset(st);
    sqlite3_stmt *es = rc ? NULL : ls_sq_stmt(c, ST_UPLOAD_ERROR, err);
    if (rc == LS_OK && es == NULL && up->n_errs)
        rc = err && err->code ? err->code : LS_EIO; /* never commit without its rejected rows */
    for (size_t i = 0; i < up->n_errs && es && rc == LS_OK; i++) {
        sqlite3_bind_int64(es, 1, up->id);
        sqlite3_bind_int64(es, 2, up->n_errors - (int64_t)up->n_errs + (int64_t)i);
        sqlite3_bind_int64(es, 3, up->errs[i].line);
        ls_sq_bind_cstr(es, 4, up->errs[i].msg);
        rc = ls_sq_step_done(c, es, "storing rejected rows", err);
    }
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(up->s, c);
    if (rc == LS_OK) {
        up->next_idx += (int64_t)up->n_rows;
        up->n_rows = 0;
        ls_buf_reset(&up->text);
        for (size_t i = 0; i < up->n_errs; i++)
            free(up->errs[i].msg);
        up->n_errs = 0;
    }
    return rc;
}

struct ls_store_upload *ls_sq_upload_begin(struct ls_store *base, int64_t ws, const char *filename,
                                           const unsigned char *hash, int64_t now_ms,
                                           struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return NULL;
    int64_t id = 0;
    int rc = ls_sq_begin(s, c, false, err);
    sqlite3_stmt *st = rc ? NULL : ls_sq_stmt(c, ST_UPLOAD_INSERT, err);
    if (rc == LS_OK && st == NULL)
        rc = err ? err->code : LS_EIO;
    if (rc == LS_OK) {
        sqlite3_bind_int64(st, 1, ws);
        sqlite3_bind_int64(st, 2, now_ms);
        ls_sq_bind_cstr(st, 3, filename);
        if (hash)
            sqlite3_bind_blob(st, 4, hash, LS_SHA256_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, s->instance);
        rc = ls_sq_step_done(c, st, "starting an upload", err);
        id = sqlite3_last_insert_rowid(c->db);
    }
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    if (rc)
        return NULL;
    struct sq_upload *up = ls_xcalloc(1, sizeof(*up));
    up->base.st = base;
    up->s = s;
    up->ws = ws;
    up->id = id;
    up->rows = ls_xmalloc(UPLOAD_BATCH * sizeof(*up->rows));
    up->errs = ls_xmalloc(UPLOAD_ERRORS * sizeof(*up->errs));
    ls_buf_init(&up->text, SIZE_MAX);
    return &up->base;
}

/* The row's extra values as a JSON array of strings, appended to b. */
static void extra_json(struct ls_buf *b, const struct ls_lead *lead)
{
    ls_buf_addc(b, '[');
    for (size_t i = 0; i < lead->n_extra; i++) {
        if (i)
            ls_buf_addc(b, ',');
        ls_json_str(b, lead->extra[i], lead->extra_len[i]);
    }
    ls_buf_addc(b, ']');
}

/* The extra column names (the same for every lead of an upload) as an owned JSON array text. */
static char *names_json(const struct ls_lead *lead)
{
    struct ls_buf b;
    ls_buf_init(&b, SIZE_MAX);
    ls_buf_addc(&b, '[');
    for (size_t i = 0; i < lead->n_extra; i++) {
        if (i)
            ls_buf_addc(&b, ',');
        ls_json_cstr(&b, lead->extra_name[i]);
    }
    ls_buf_addc(&b, ']');
    return ls_buf_steal(&b, NULL);
}

int ls_sq_upload_add(struct ls_store_upload *base, const struct ls_lead *lead, uint64_t line,
                     struct ls_err *err)
{
    struct sq_upload *up = (struct sq_upload *)base;
    struct pending_lead *p = &up->rows[up->n_rows++];
    p->line = (int64_t)line;
    for (int f = 0; f < LS_F_ALL; f++) {
        p->off[f] = up->text.len;
        p->len[f] = lead->len[f];
        ls_buf_add(&up->text, lead->f[f], lead->len[f]);
    }
    p->extra_off = up->text.len;
    if (lead->n_extra)
        extra_json(&up->text, lead);
    p->extra_len = up->text.len - p->extra_off;
    if (lead->n_extra && up->extra_names == NULL)
        up->extra_names = names_json(lead);
    p->has_key = ls_lead_dup_hash(lead, &p->key);
    if (up->n_rows == UPLOAD_BATCH || up->text.len >= UPLOAD_BATCH_MEM)
        return upload_flush(up, err);
    return LS_OK;
}

int ls_sq_upload_reject(struct ls_store_upload *base, uint64_t line, const char *msg,
                        struct ls_err *err)
{
    (void)err;
    struct sq_upload *up = (struct sq_upload *)base;
    if (up->n_errors >= UPLOAD_ERRORS)
        return LS_OK; /* counted by the caller; only the first ones are kept */
    up->errs[up->n_errs].line = (int64_t)line;
    up->errs[up->n_errs].msg = ls_xstrdup(msg);
    up->n_errs++;
    up->n_errors++;
    return LS_OK;
}

static void upload_free(struct sq_upload *up)
{
    for (size_t i = 0; i < up->n_errs; i++)
        free(up->errs[i].msg);
    free(up->errs);
    free(up->rows);
    free(up->extra_names);
    ls_buf_release(&up->text);
    free(up);
}

int ls_sq_upload_commit(struct ls_store_upload *base, const struct ls_csv_stats *stats, int64_t *id,
                        struct ls_err *err)
{
    struct sq_upload *up = (struct sq_upload *)base;
    int rc = upload_flush(up, err);
    struct conn *c = NULL;
    if (rc)
        goto out;
    c = ls_sq_acquire(up->s, err);
    if (c == NULL) {
        rc = err ? err->code : LS_EUNAVAILABLE;
        goto out;
    }
    rc = ls_sq_begin(up->s, c, false, err);
    if (rc)
        goto out;
    /* Issue #9: duplicates, marked (and with drop_duplicates, left out) in the commit. */
    int64_t dups = 0, dropped = 0;
    rc = ls_sq_in_txn(c, ST_LEADS_MARK_DUPS, up->id, 0, false, &dups, "marking duplicates", err);
    if (rc == LS_OK && dups && up->base.drop_duplicates)
        rc = ls_sq_in_txn(c, ST_LEADS_DROP_DUPS, up->id, 0, false, &dropped,
                          "leaving duplicates out", err);
    if (rc)
        goto out;
    sqlite3_stmt *st = ls_sq_stmt(c, ST_UPLOAD_READY, err);
    rc = st ? LS_OK : LS_EIO;
    if (rc == LS_OK) {
        sqlite3_bind_int64(st, 1, up->id);
        sqlite3_bind_int64(st, 2, up->next_idx - dropped); /* the leads stored */
        sqlite3_bind_int64(st, 3, (int64_t)stats->rejected);
        /* A reader that does not say (before issue #9) read UTF-8 or Windows-1252. */
        ls_sq_bind_cstr(st, 4,
                        stats->encoding[0] ? stats->encoding
                        : stats->is_cp1252 ? "windows-1252"
                                           : "utf-8");
        sqlite3_bind_int64(st, 5, ls_now_ms());
        sqlite3_bind_int64(st, 6, up->s->instance);
        char delim[2] = {stats->delimiter ? stats->delimiter : ',', '\0'};
        ls_sq_bind_cstr(st, 7, delim);
        sqlite3_bind_int64(st, 8, (int64_t)stats->skipped_lines);
        sqlite3_bind_int64(st, 9, (int64_t)stats->missing);
        ls_sq_bind_cstr(st, 10, stats->warning);
        if (up->extra_names)
            ls_sq_bind_cstr(st, 11, up->extra_names);
        sqlite3_bind_int64(st, 12, dups);
        sqlite3_bind_int64(st, 13, dropped);
        rc = ls_sq_step_done(c, st, "finishing the upload", err);
    }
    if (rc == LS_OK && sqlite3_changes(c->db) != 1)
        rc = ls_err_set(err, LS_ECONFLICT,
                        "upload %lld was removed by another process while it was being stored",
                        (long long)up->id);
    if (rc == LS_OK)
        rc = ls_sq_set_current(c, ST_WS_SET_UPLOAD, up->ws, up->id, err);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err); /* FULL: also makes the batches above durable */
    if (rc == LS_OK)
        *id = up->id;
out:
    if (c) {
        ls_sq_rollback(c);
        ls_sq_release(up->s, c);
    }
    if (rc) {
        ls_store_upload_abort(base);
        return rc;
    }
    upload_free(up);
    return rc;
}

struct owned_upload {
    int64_t id, owner;
};

static void bind_owned(sqlite3_stmt *st, const void *args)
{
    const struct owned_upload *a = args;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int64(st, 2, a->owner);
}

void ls_sq_upload_abort(struct ls_store_upload *base)
{
    struct sq_upload *up = (struct sq_upload *)base;
    struct sq_store *s = up->s;
    struct conn *c = ls_sq_acquire(s, NULL);
    if (c) {
        /*
         * The cascade removes the leads and rejected rows written so far. Only
         * an upload this instance still owns: never a committed one. If this
         * fails, the rows stay 'loading' under a dead owner once this process
         * ends, and the next start of any instance removes them.
         */
        /*
         * The second statement takes rows whose upload row someone removed
         * without the cascade (the sqlite3 shell has foreign keys off): ids
         * are never reused, so rows under this id can only be this upload's.
         */
        static const char *const sql[] = {
            "DELETE FROM uploads WHERE id = ?1 AND owner = ?2 AND status = 'loading'",
            "DELETE FROM leads WHERE upload_id = ?1 AND NOT EXISTS "
            "(SELECT 1 FROM uploads WHERE id = ?1)",
            "DELETE FROM upload_errors WHERE upload_id = ?1 AND NOT EXISTS "
            "(SELECT 1 FROM uploads WHERE id = ?1)",
        };
        bool ok = ls_sq_begin(s, c, false, NULL) == LS_OK;
        for (size_t i = 0; i < LS_ARRAY_LEN(sql) && ok; i++) {
            sqlite3_stmt *st = NULL;
            ok = sqlite3_prepare_v2(c->db, sql[i], -1, &st, NULL) == SQLITE_OK;
            if (ok) {
                struct owned_upload a = {up->id, s->instance};
                bind_owned(st, &a);
                ok = sqlite3_step(st) == SQLITE_DONE;
            }
            sqlite3_finalize(st);
        }
        if (ok)
            ls_sq_commit(c, NULL);
        ls_sq_rollback(c);
        ls_sq_release(s, c);
    }
    upload_free(up);
}

/* Reads an UPLOAD_COLS row; extra_columns is a new reference (NULL: none). */
static void upload_cols(sqlite3_stmt *st, struct ls_upload_info *u)
{
    memset(u, 0, sizeof(*u));
    u->id = sqlite3_column_int64(st, 0);
    u->created_ms = sqlite3_column_int64(st, 1);
    ls_sq_copy_col(st, 2, u->filename, sizeof(u->filename));
    u->accepted = sqlite3_column_int64(st, 3);
    u->rejected = sqlite3_column_int64(st, 4);
    u->is_cp1252 = strcmp(ls_sq_col_text(st, 5), "windows-1252") == 0;
    ls_sq_copy_col(st, 5, u->encoding, sizeof(u->encoding));
    u->delimiter = ls_sq_col_text(st, 6)[0] ? ls_sq_col_text(st, 6)[0] : ',';
    u->skipped_lines = sqlite3_column_int64(st, 7);
    u->missing = (unsigned)sqlite3_column_int64(st, 8);
    ls_sq_copy_col(st, 9, u->warning, sizeof(u->warning));
    if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
        /* Written by names_json: an array of strings; anything else reads as none. */
        u->extra_columns =
            json_loadb(ls_sq_col_text(st, 10), (size_t)sqlite3_column_bytes(st, 10), 0, NULL);
        if (!json_is_array(u->extra_columns)) {
            json_decref(u->extra_columns);
            u->extra_columns = NULL;
        }
    }
    u->duplicates = sqlite3_column_int64(st, 11);
}

void ls_upload_info_release(struct ls_upload_info *u)
{
    if (u == NULL)
        return;
    json_decref(u->extra_columns);
    u->extra_columns = NULL;
}

struct one_upload {
    int64_t id, ws;
    struct ls_upload_info *out;
    bool found;
};

static void bind_id_ws(sqlite3_stmt *st, const void *args)
{
    const struct one_upload *a = args;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int64(st, 2, a->ws);
}

static int one_upload_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    (void)err;
    struct one_upload *o = ud;
    upload_cols(st, o->out);
    o->found = true;
    return LS_OK;
}

int ls_sq_upload_get(struct ls_store *base, int64_t ws, int64_t id, struct ls_upload_info *out,
                     struct ls_err *err)
{
    struct one_upload o = {id, ws, out, false};
    int rc = ls_sq_each_row((struct sq_store *)base, ST_UPLOAD_GET, bind_id_ws, &o, one_upload_row,
                            &o, "reading an upload", err);
    if (rc == LS_OK && !o.found)
        rc = ls_err_set(err, LS_ENOTFOUND, "upload %lld not found", (long long)id);
    return rc;
}

static int upload_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct page_args *a = ud;
    struct ls_upload_info u;
    upload_cols(st, &u);
    int rc = a->cb.upload(a->ud, &u, err);
    ls_upload_info_release(&u);
    return rc;
}

int ls_sq_uploads_list(struct ls_store *base, int64_t ws, int limit, int offset,
                       ls_store_upload_fn cb, void *ud, int64_t *total, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct page_args a = {ws, 0, limit, offset, {.upload = cb}, ud};
    int rc = ls_sq_scalar(s, ST_UPLOADS_COUNT, bind_ws_only, &a, total, "counting uploads", err);
    return rc ? rc
              : ls_sq_each_row(s, ST_UPLOADS_LIST, bind_ws_page, &a, upload_row, &a,
                               "listing uploads", err);
}

int ls_sq_upload_find(struct ls_store *base, int64_t ws, const unsigned char *hash, int64_t *id,
                      struct ls_err *err)
{
    struct ws_hash a = {ws, hash};
    return ls_sq_scalar((struct sq_store *)base, ST_UPLOAD_FIND, bind_ws_hash, &a, id,
                        "finding an upload", err);
}

/* ?1 id, ?2 limit, ?3 offset, ?4 workspace. */
static void bind_id_page(sqlite3_stmt *st, const void *args)
{
    const struct page_args *a = args;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int(st, 2, a->limit);
    if (sqlite3_bind_parameter_count(st) >= 4) {
        sqlite3_bind_int(st, 3, a->offset);
        sqlite3_bind_int64(st, 4, a->ws);
    }
}

static int reject_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct page_args *a = ud;
    return a->cb.reject(a->ud, sqlite3_column_int64(st, 0), ls_sq_col_text(st, 1), err);
}

int ls_sq_upload_errors(struct ls_store *base, int64_t ws, int64_t id, int limit,
                        ls_store_reject_fn cb, void *ud, struct ls_err *err)
{
    struct page_args a = {ws, id, limit, 0, {.reject = cb}, ud};
    return ls_sq_each_row((struct sq_store *)base, ST_UPLOAD_ERRORS, bind_id_page, &a, reject_row,
                          &a, "reading rejected rows", err);
}

/* Reads a lead from columns first..first+5 (borrowed until the next step). */
void ls_sq_lead_cols(sqlite3_stmt *st, int first, struct ls_lead *lead)
{
    ls_lead_clear(lead);
    for (int f = 0; f < LS_F_COUNT; f++) {
        lead->f[f] = ls_sq_col_text(st, first + f);
        lead->len[f] = (size_t)sqlite3_column_bytes(st, first + f);
    }
}

static int lead_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct page_args *a = ud;
    struct ls_lead lead;
    ls_sq_lead_cols(st, 2, &lead);
    return a->cb.row(a->ud, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), &lead, err);
}

int ls_sq_upload_leads(struct ls_store *base, int64_t ws, int64_t id, int limit, int offset,
                       ls_store_row_fn cb, void *ud, struct ls_err *err)
{
    struct page_args a = {ws, id, limit, offset, {.row = cb}, ud};
    return ls_sq_each_row((struct sq_store *)base, ST_UPLOAD_LEADS, bind_id_page, &a, lead_row, &a,
                          "reading leads", err);
}

int ls_sq_upload_delete(struct ls_store *base, int64_t ws, int64_t id, struct ls_err *err)
{
    return delete_unused(base, ws, id, "upload", ST_UPLOAD_IN_USE, ST_UPLOAD_DELETE, err);
}
