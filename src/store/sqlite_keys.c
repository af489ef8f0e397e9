/*
 * sqlite_keys.c - workspaces, API keys and the sessions signed in with them
 * (keys and session tokens are stored as SHA-256 hashes, never in clear).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/sha256.h"
#include "sqlite_int.h"

static const char *const role_names[] = {NULL, "viewer", "member", "admin"};

static int role_parse(const char *s)
{
    for (int i = 1; i < 4; i++) {
        if (strcmp(s, role_names[i]) == 0)
            return i;
    }
    return 0;
}

static void bind_name(sqlite3_stmt *st, const void *args)
{
    ls_sq_bind_cstr(st, 1, args);
}

int ls_sq_workspace_ensure(struct ls_store *base, const char *name, int64_t now_ms, int64_t *id,
                           struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int64_t found = 0;
    int rc = ls_sq_begin(s, c, false, err);
    sqlite3_stmt *st = rc ? NULL : ls_sq_stmt(c, ST_WS_FIND, err);
    if (rc == LS_OK && st) {
        bind_name(st, name);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            found = sqlite3_column_int64(st, 0);
        else if (step != SQLITE_DONE)
            rc = ls_sq_fail(c->db, step, "finding a workspace", err);
        sqlite3_reset(st);
    } else if (rc == LS_OK) {
        rc = err ? err->code : LS_EIO;
    }
    if (rc == LS_OK && found == 0) {
        st = ls_sq_stmt(c, ST_WS_INSERT, err);
        rc = st ? LS_OK : LS_EIO;
        if (rc == LS_OK) {
            ls_sq_bind_cstr(st, 1, name);
            sqlite3_bind_int64(st, 2, now_ms);
            rc = ls_sq_step_done(c, st, "creating a workspace", err);
            found = sqlite3_last_insert_rowid(c->db);
        }
    }
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    if (rc == LS_OK)
        *id = found;
    return rc;
}

struct key_args {
    const struct ls_key_info *k;
    const unsigned char *hash;
};

static void bind_key(sqlite3_stmt *st, const void *args)
{
    const struct key_args *a = args;
    sqlite3_bind_int64(st, 1, a->k->workspace);
    ls_sq_bind_cstr(st, 2, role_names[a->k->role >= 1 && a->k->role <= 3 ? a->k->role : 1]);
    ls_sq_bind_cstr(st, 3, a->k->name);
    sqlite3_bind_blob(st, 4, a->hash, LS_SHA256_LEN, SQLITE_STATIC);
    ls_sq_bind_cstr(st, 5, a->k->prefix);
    sqlite3_bind_int64(st, 6, a->k->created_ms);
}

int ls_sq_key_create(struct ls_store *base, const struct ls_key_info *k, const unsigned char *hash,
                     int64_t *id, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    struct key_args a = {k, hash};
    int rc = ls_sq_begin(s, c, false, err);
    sqlite3_stmt *st = rc ? NULL : ls_sq_stmt(c, ST_KEY_INSERT, err);
    if (rc == LS_OK && st == NULL)
        rc = err ? err->code : LS_EIO;
    if (rc == LS_OK) {
        bind_key(st, &a);
        rc = ls_sq_step_done(c, st, "storing a key", err);
    }
    int64_t new_id = rc ? 0 : sqlite3_last_insert_rowid(c->db);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    if (rc == LS_OK)
        *id = new_id;
    return rc;
}

static void key_cols(sqlite3_stmt *st, struct ls_key_info *k)
{
    memset(k, 0, sizeof(*k));
    k->id = sqlite3_column_int64(st, 0);
    k->workspace = sqlite3_column_int64(st, 1);
    k->role = role_parse(ls_sq_col_text(st, 2));
    ls_sq_copy_col(st, 3, k->name, sizeof(k->name));
    ls_sq_copy_col(st, 4, k->prefix, sizeof(k->prefix));
    k->created_ms = sqlite3_column_int64(st, 5);
    k->last_used_ms = sqlite3_column_int64(st, 6);
    k->revoked_ms = sqlite3_column_int64(st, 7);
    ls_sq_copy_col(st, 8, k->workspace_name, sizeof(k->workspace_name));
}

struct one_key {
    struct ls_key_info *out;
    bool found;
};

static void bind_hash(sqlite3_stmt *st, const void *args)
{
    sqlite3_bind_blob(st, 1, args, LS_SHA256_LEN, SQLITE_STATIC);
}

static int one_key_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    (void)err;
    struct one_key *o = ud;
    key_cols(st, o->out);
    o->found = true;
    return LS_OK;
}

int ls_sq_key_lookup(struct ls_store *base, const unsigned char *hash, struct ls_key_info *out,
                     struct ls_err *err)
{
    struct one_key o = {out, false};
    int rc = ls_sq_each_row((struct sq_store *)base, ST_KEY_LOOKUP, bind_hash, hash, one_key_row,
                            &o, "looking up a key", err);
    if (rc == LS_OK && !o.found)
        rc = ls_err_set(err, LS_ENOTFOUND, "no such key");
    return rc;
}

struct list_args {
    int64_t ws;
    ls_store_key_fn cb;
    void *ud;
};

static void bind_ws(sqlite3_stmt *st, const void *args)
{
    sqlite3_bind_int64(st, 1, ((const struct list_args *)args)->ws);
}

static int key_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    const struct list_args *a = ud;
    struct ls_key_info k;
    key_cols(st, &k);
    return a->cb(a->ud, &k, err);
}

int ls_sq_keys_list(struct ls_store *base, int64_t workspace, ls_store_key_fn cb, void *ud,
                    struct ls_err *err)
{
    struct list_args a = {workspace, cb, ud};
    return ls_sq_each_row((struct sq_store *)base, ST_KEYS_LIST, bind_ws, &a, key_row, &a,
                          "listing keys", err);
}

struct revoke_args {
    int64_t id, ws, now;
};

static void bind_revoke(sqlite3_stmt *st, const void *args)
{
    const struct revoke_args *a = args;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int64(st, 2, a->ws);
    sqlite3_bind_int64(st, 3, a->now);
}

int ls_sq_key_revoke(struct ls_store *base, int64_t workspace, int64_t id, int64_t now_ms,
                     struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct revoke_args a = {id, workspace, now_ms};
    int changes = 0;
    int rc = ls_sq_write(s, ST_KEY_REVOKE, bind_revoke, &a, &changes, "revoking a key", err);
    if (rc || changes)
        return rc;
    int64_t revoked = -1;
    rc = ls_sq_scalar(s, ST_KEY_GET, bind_revoke, &a, &revoked, "reading a key", err);
    if (rc)
        return rc;
    /* ls_sq_scalar leaves 0 when no row matched; a revoked key has revoked_ms > 0. */
    if (revoked > 0)
        return ls_err_set(err, LS_ECONFLICT, "key %lld is already revoked", (long long)id);
    return ls_err_set(err, LS_ENOTFOUND, "key %lld not found", (long long)id);
}

int ls_sq_keys_active(struct ls_store *base, int64_t *n, struct ls_err *err)
{
    return ls_sq_scalar((struct sq_store *)base, ST_KEYS_ACTIVE, NULL, NULL, n, "counting keys",
                        err);
}

struct touch_args {
    int64_t id, now;
};

static void bind_touch(sqlite3_stmt *st, const void *args)
{
    const struct touch_args *a = args;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int64(st, 2, a->now);
}

int ls_sq_key_touch(struct ls_store *base, int64_t id, int64_t now_ms, struct ls_err *err)
{
    struct touch_args a = {id, now_ms};
    return ls_sq_write((struct sq_store *)base, ST_KEY_TOUCH, bind_touch, &a, NULL,
                       "recording a key's use", err);
}

/* ---- sessions ---------------------------------------------------------------------------- */

struct session_args {
    const unsigned char *hash;
    int64_t key_id, now, expires;
};

static void bind_session(sqlite3_stmt *st, const void *args)
{
    const struct session_args *a = args;
    sqlite3_bind_blob(st, 1, a->hash, LS_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->key_id);
    sqlite3_bind_int64(st, 3, a->now);
    sqlite3_bind_int64(st, 4, a->expires);
}

int ls_sq_session_create(struct ls_store *base, const unsigned char *hash, int64_t key_id,
                         int64_t now_ms, int64_t expires_ms, struct ls_err *err)
{
    struct session_args a = {hash, key_id, now_ms, expires_ms};
    return ls_sq_write((struct sq_store *)base, ST_SESSION_INSERT, bind_session, &a, NULL,
                       "storing a session", err);
}

struct one_session {
    struct ls_key_info *key;
    int64_t expires_ms;
    bool found;
};

static int one_session_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    (void)err;
    struct one_session *o = ud;
    key_cols(st, o->key);
    o->expires_ms = sqlite3_column_int64(st, 9);
    o->found = true;
    return LS_OK;
}

int ls_sq_session_lookup(struct ls_store *base, const unsigned char *hash, struct ls_key_info *key,
                         int64_t *expires_ms, struct ls_err *err)
{
    struct ls_key_info k;
    struct one_session o = {&k, 0, false};
    int rc = ls_sq_each_row((struct sq_store *)base, ST_SESSION_LOOKUP, bind_hash, hash,
                            one_session_row, &o, "looking up a session", err);
    if (rc == LS_OK && !o.found)
        return ls_err_set(err, LS_ENOTFOUND, "no such session");
    if (rc == LS_OK) {
        *key = k;
        *expires_ms = o.expires_ms;
    }
    return rc;
}

int ls_sq_session_delete(struct ls_store *base, const unsigned char *hash, struct ls_err *err)
{
    return ls_sq_write((struct sq_store *)base, ST_SESSION_DELETE, bind_hash, hash, NULL,
                       "deleting a session", err);
}

static void bind_now(sqlite3_stmt *st, const void *args)
{
    sqlite3_bind_int64(st, 1, *(const int64_t *)args);
}

int ls_sq_sessions_expire(struct ls_store *base, int64_t now_ms, int64_t *n, struct ls_err *err)
{
    int changes = 0;
    int rc = ls_sq_write((struct sq_store *)base, ST_SESSIONS_EXPIRE, bind_now, &now_ms, &changes,
                         "deleting ended sessions", err);
    if (rc == LS_OK && n)
        *n = changes;
    return rc;
}
