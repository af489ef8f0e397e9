/*
 * store_sqlite.c - the embedded SQLite store.
 *
 * A pool of connections (one per concurrent caller, up to POOL_MAX), each
 * with its own cache of prepared statements. WAL journal, so readers never
 * wait for writers; synchronous=FULL, so a commit is on disk when it returns.
 * Bulk writes (upload batches, result batches) commit with synchronous=NORMAL
 * and the operation that acknowledges them (upload commit, job update) with
 * FULL: its fsync of the WAL persists the earlier batches' frames as well.
 * SQL uses bound parameters only. SQLite result codes stop here: callers see
 * an enum ls_status and a message.
 */
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "sys/sys.h"

#define POOL_MAX         8
#define BUSY_TIMEOUT_MS  10000
#define UPLOAD_BATCH     4096       /* leads per transaction */
#define UPLOAD_BATCH_MEM (1u << 20) /* or bytes of lead text */
#define UPLOAD_ERRORS    1000       /* rejected rows kept per upload */

/* ---- schema ---------------------------------------------------------------- */

/*
 * Migrations, applied in order; PRAGMA user_version counts those applied.
 * Append only: never edit a migration that has shipped.
 */
static const char *const migrations[] = {
    /* 1: initial schema */
    "CREATE TABLE offers ("
    "  id INTEGER PRIMARY KEY,"
    "  created_ms INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  body TEXT NOT NULL);"
    "CREATE TABLE uploads ("
    "  id INTEGER PRIMARY KEY,"
    "  created_ms INTEGER NOT NULL,"
    "  filename TEXT NOT NULL DEFAULT '',"
    "  status TEXT NOT NULL CHECK (status IN ('loading', 'ready')),"
    "  accepted INTEGER NOT NULL DEFAULT 0,"
    "  rejected INTEGER NOT NULL DEFAULT 0,"
    "  encoding TEXT NOT NULL DEFAULT 'utf-8');"
    "CREATE TABLE upload_errors ("
    "  upload_id INTEGER NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  line INTEGER NOT NULL,"
    "  error TEXT NOT NULL,"
    "  PRIMARY KEY (upload_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE leads ("
    "  upload_id INTEGER NOT NULL,"
    "  idx INTEGER NOT NULL,"
    "  line INTEGER NOT NULL,"
    "  name TEXT NOT NULL, role TEXT NOT NULL, company TEXT NOT NULL,"
    "  industry TEXT NOT NULL, location TEXT NOT NULL, bio TEXT NOT NULL,"
    "  PRIMARY KEY (upload_id, idx)) WITHOUT ROWID;"
    "CREATE TABLE jobs ("
    "  id INTEGER PRIMARY KEY,"
    "  offer_id INTEGER NOT NULL REFERENCES offers(id),"
    "  upload_id INTEGER NOT NULL REFERENCES uploads(id),"
    "  status TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL, started_ms INTEGER NOT NULL DEFAULT 0,"
    "  finished_ms INTEGER NOT NULL DEFAULT 0,"
    "  total INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0,"
    "  failed INTEGER NOT NULL DEFAULT 0, fallbacks INTEGER NOT NULL DEFAULT 0,"
    "  cache_hits INTEGER NOT NULL DEFAULT 0, model_calls INTEGER NOT NULL DEFAULT 0,"
    "  retries INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0,"
    "  output_tokens INTEGER NOT NULL DEFAULT 0,"
    "  n_high INTEGER NOT NULL DEFAULT 0, n_medium INTEGER NOT NULL DEFAULT 0,"
    "  n_low INTEGER NOT NULL DEFAULT 0,"
    "  provider TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '',"
    "  error TEXT NOT NULL DEFAULT '');"
    /* rank orders results by score descending, then upload order, in one key. */
    "CREATE TABLE results ("
    "  job_id INTEGER NOT NULL REFERENCES jobs(id),"
    "  idx INTEGER NOT NULL,"
    "  rank INTEGER NOT NULL,"
    "  role_pts INTEGER NOT NULL, industry_pts INTEGER NOT NULL,"
    "  complete_pts INTEGER NOT NULL, rule_score INTEGER NOT NULL,"
    "  intent INTEGER NOT NULL, ai_score INTEGER NOT NULL, score INTEGER NOT NULL,"
    "  reasoning TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,"
    "  status INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (job_id, idx)) WITHOUT ROWID;"
    "CREATE INDEX results_rank ON results(job_id, rank);"
    /* Verdicts of real models, by SHA-256 of (provider, model, prompt version, offer, lead). */
    "CREATE TABLE verdicts ("
    "  key BLOB PRIMARY KEY,"
    "  intent INTEGER NOT NULL,"
    "  reasoning TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;",
};

/* ---- prepared statements ---------------------------------------------------- */

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SYNC_FULL,
    ST_SYNC_NORMAL,
    ST_OFFER_INSERT,
    ST_OFFER_GET,
    ST_STATE_SET,
    ST_STATE_GET,
    ST_UPLOAD_INSERT,
    ST_UPLOAD_READY,
    ST_UPLOAD_GET,
    ST_UPLOAD_ERROR,
    ST_LEAD_INSERT,
    ST_JOB_INSERT,
    ST_JOB_GET,
    ST_JOB_UPDATE,
    ST_JOBS_UNFINISHED,
    ST_LEADS_PENDING,
    ST_RESULT_INSERT,
    ST_RESULTS_PAGE,
    ST_VERDICT_GET,
    ST_VERDICT_PUT,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SYNC_FULL] = "PRAGMA synchronous=FULL",
    [ST_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
    [ST_OFFER_INSERT] = "INSERT INTO offers(created_ms, name, body) VALUES (?1, ?2, ?3)",
    [ST_OFFER_GET] = "SELECT body FROM offers WHERE id = ?1",
    [ST_STATE_SET] = "INSERT INTO state(key, value) VALUES (?1, ?2) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [ST_STATE_GET] = "SELECT key, value FROM state",
    [ST_UPLOAD_INSERT] = "INSERT INTO uploads(created_ms, filename, status) "
                         "VALUES (?1, ?2, 'loading')",
    [ST_UPLOAD_READY] = "UPDATE uploads SET status = 'ready', accepted = ?2, rejected = ?3, "
                        "encoding = ?4 WHERE id = ?1",
    [ST_UPLOAD_GET] = "SELECT created_ms, filename, accepted, rejected, encoding FROM uploads "
                      "WHERE id = ?1 AND status = 'ready'",
    [ST_UPLOAD_ERROR] = "INSERT INTO upload_errors(upload_id, seq, line, error) "
                        "VALUES (?1, ?2, ?3, ?4)",
    [ST_LEAD_INSERT] = "INSERT INTO leads(upload_id, idx, line, name, role, company, industry, "
                       "location, bio) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_JOB_INSERT] = "INSERT INTO jobs(offer_id, upload_id, status, created_ms, total, provider, "
                      "model) SELECT ?1, ?2, 'queued', ?3, accepted, ?4, ?5 FROM uploads "
                      "WHERE id = ?2 AND status = 'ready'",
    [ST_JOB_GET] = "SELECT offer_id, upload_id, status, created_ms, started_ms, finished_ms, "
                   "total, done, failed, fallbacks, cache_hits, model_calls, retries, "
                   "prompt_tokens, output_tokens, provider, model, error, n_high, n_medium, n_low "
                   "FROM jobs WHERE id = ?1",
    [ST_JOB_UPDATE] = "UPDATE jobs SET status = ?2, started_ms = ?3, finished_ms = ?4, "
                      "done = ?5, failed = ?6, fallbacks = ?7, cache_hits = ?8, "
                      "model_calls = ?9, retries = ?10, prompt_tokens = ?11, "
                      "output_tokens = ?12, error = ?13, provider = ?14, model = ?15, "
                      "n_high = ?16, n_medium = ?17, n_low = ?18 WHERE id = ?1",
    [ST_JOBS_UNFINISHED] = "SELECT id FROM jobs WHERE status IN ('queued', 'running') "
                           "ORDER BY id LIMIT ?1",
    [ST_LEADS_PENDING] = "SELECT l.idx, l.name, l.role, l.company, l.industry, l.location, l.bio "
                         "FROM leads l WHERE l.upload_id = ?1 AND l.idx > ?2 AND NOT EXISTS "
                         "(SELECT 1 FROM results r WHERE r.job_id = ?3 AND r.idx = l.idx) "
                         "ORDER BY l.idx LIMIT ?4",
    [ST_RESULT_INSERT] = "INSERT OR REPLACE INTO results(job_id, idx, rank, role_pts, "
                         "industry_pts, complete_pts, rule_score, intent, ai_score, score, "
                         "reasoning, provider, model, status, error) VALUES (?1, ?2, ?3, ?4, "
                         "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [ST_VERDICT_GET] = "SELECT intent, reasoning FROM verdicts WHERE key = ?1",
    [ST_VERDICT_PUT] = "INSERT OR REPLACE INTO verdicts(key, intent, reasoning, created_ms) "
                       "VALUES (?1, ?2, ?3, ?4)",
    [ST_RESULTS_PAGE] = "SELECT r.idx, r.rank, l.name, l.role, l.company, l.industry, "
                        "l.location, r.role_pts, r.industry_pts, r.complete_pts, r.rule_score, "
                        "r.intent, r.ai_score, r.score, r.reasoning, r.provider, r.model, "
                        "r.status, r.error FROM results r JOIN leads l ON l.upload_id = ?2 AND "
                        "l.idx = r.idx WHERE r.job_id = ?1 AND r.rank > ?3 ORDER BY r.rank "
                        "LIMIT ?4",
};

/* ---- connections ------------------------------------------------------------- */

struct conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
    bool in_use;
    bool sync_normal;
};

struct sq_store {
    struct ls_store base;
    char *path; /* owned */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct conn conns[POOL_MAX];
    int n_open;
};

static int sq_fail(sqlite3 *db, int rc, const char *what, struct ls_err *err)
{
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? LS_ETIMEOUT : LS_EIO;
    return ls_err_set(err, code, "database error while %s: %s", what, msg);
}

static void conn_close(struct conn *c)
{
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(c->stmt[i]);
        c->stmt[i] = NULL;
    }
    sqlite3_close_v2(c->db);
    c->db = NULL;
}

static int conn_open(struct sq_store *s, struct conn *c, struct ls_err *err)
{
    int rc = sqlite3_open_v2(
        s->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ls_err_set(err, LS_EIO, "cannot open database \"%s\": %s", s->path,
                   c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        conn_close(c);
        return LS_EIO;
    }
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(c->db, 1);
    rc = sqlite3_exec(c->db,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      "PRAGMA temp_store=MEMORY;",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        ls_err_set(err, LS_EIO, "cannot configure database \"%s\": %s", s->path,
                   sqlite3_errmsg(c->db));
        conn_close(c);
        return LS_EIO;
    }
    c->sync_normal = false;
    return LS_OK;
}

static struct conn *acquire(struct sq_store *s, struct ls_err *err)
{
    struct conn *c = NULL;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        for (int i = 0; i < s->n_open; i++) {
            if (!s->conns[i].in_use) {
                c = &s->conns[i];
                break;
            }
        }
        if (c == NULL && s->n_open < POOL_MAX) {
            struct conn *fresh = &s->conns[s->n_open];
            if (conn_open(s, fresh, err) != LS_OK) {
                pthread_mutex_unlock(&s->mu);
                return NULL;
            }
            s->n_open++;
            c = fresh;
        }
        if (c)
            break;
        pthread_cond_wait(&s->cv, &s->mu);
    }
    c->in_use = true;
    pthread_mutex_unlock(&s->mu);
    return c;
}

static void release(struct sq_store *s, struct conn *c)
{
    pthread_mutex_lock(&s->mu);
    c->in_use = false;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* The cached statement id, reset and ready for binding. */
static sqlite3_stmt *stmt(struct conn *c, enum stmt_id id, struct ls_err *err)
{
    if (c->stmt[id] == NULL) {
        int rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &c->stmt[id], NULL);
        if (rc != SQLITE_OK) {
            sq_fail(c->db, rc, "preparing a statement", err);
            return NULL;
        }
    } else {
        sqlite3_reset(c->stmt[id]);
        sqlite3_clear_bindings(c->stmt[id]);
    }
    return c->stmt[id];
}

/* Runs a statement that returns no rows. */
static int exec_id(struct conn *c, enum stmt_id id, const char *what, struct ls_err *err)
{
    sqlite3_stmt *st = stmt(c, id, err);
    if (st == NULL)
        return err ? err->code : LS_EIO;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_fail(c->db, rc, what, err);
    return LS_OK;
}

static int step_done(struct conn *c, sqlite3_stmt *st, const char *what, struct ls_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_fail(c->db, rc, what, err);
    return LS_OK;
}

static int set_sync(struct conn *c, bool normal, struct ls_err *err)
{
    if (c->sync_normal == normal)
        return LS_OK;
    int rc = exec_id(c, normal ? ST_SYNC_NORMAL : ST_SYNC_FULL, "setting durability", err);
    if (rc == LS_OK)
        c->sync_normal = normal;
    return rc;
}

static int begin(struct conn *c, bool bulk, struct ls_err *err)
{
    int rc = set_sync(c, bulk, err);
    if (rc == LS_OK)
        rc = exec_id(c, ST_BEGIN, "starting a transaction", err);
    return rc;
}

static int commit(struct conn *c, struct ls_err *err)
{
    int rc = exec_id(c, ST_COMMIT, "committing", err);
    if (rc != LS_OK)
        exec_id(c, ST_ROLLBACK, "rolling back", NULL);
    return rc;
}

static void rollback(struct conn *c)
{
    if (!sqlite3_get_autocommit(c->db))
        exec_id(c, ST_ROLLBACK, "rolling back", NULL);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s, size_t len)
{
    sqlite3_bind_text64(st, i, s, len, SQLITE_TRANSIENT, SQLITE_UTF8);
}

static void bind_cstr(sqlite3_stmt *st, int i, const char *s)
{
    bind_text(st, i, s ? s : "", s ? strlen(s) : 0);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *p = sqlite3_column_text(st, i);
    return p ? (const char *)p : "";
}

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    snprintf(dst, cap, "%s", col_text(st, i));
}

/* ---- open, migrate, close ------------------------------------------------------ */

static int migrate(struct conn *c, struct ls_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(c->db, rc, "starting migrations", err);
    rc = sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL);
    int version = 0;
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    int n = (int)LS_ARRAY_LEN(migrations);
    if (version > n) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return ls_err_set(err, LS_EIO,
                          "the database schema (version %d) is newer than this leadscore "
                          "understands (%d)",
                          version, n);
    }
    for (int v = version; v < n; v++) {
        rc = sqlite3_exec(c->db, migrations[v], NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            int ret = sq_fail(c->db, rc, "migrating the schema", err);
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
            return ret;
        }
    }
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", n);
    /* Uploads never committed were never acknowledged: a crash mid-upload leaves nothing. */
    rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db,
                          "DELETE FROM leads WHERE upload_id IN "
                          "(SELECT id FROM uploads WHERE status = 'loading');"
                          "DELETE FROM uploads WHERE status = 'loading';",
                          NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        int ret = sq_fail(c->db, rc, "migrating the schema", err);
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return ret;
    }
    return LS_OK;
}

static void sq_close(struct ls_store *base)
{
    struct sq_store *s = (struct sq_store *)base;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        bool busy = false;
        for (int i = 0; i < s->n_open; i++)
            busy = busy || s->conns[i].in_use;
        if (!busy)
            break;
        pthread_cond_wait(&s->cv, &s->mu);
    }
    for (int i = 0; i < s->n_open; i++)
        conn_close(&s->conns[i]);
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->path);
    free(s);
}

/* ---- offers and state ---------------------------------------------------------- */

static int state_set(struct conn *c, const char *key, int64_t value, struct ls_err *err)
{
    sqlite3_stmt *st = stmt(c, ST_STATE_SET, err);
    if (st == NULL)
        return LS_EIO;
    bind_cstr(st, 1, key);
    sqlite3_bind_int64(st, 2, value);
    return step_done(c, st, "updating the current state", err);
}

static int sq_offer_put(struct ls_store *base, const struct ls_offer *offer, int64_t now_ms,
                        int64_t *id, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    char *body = NULL;
    json_t *j = ls_offer_to_json(offer);
    body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    struct conn *c = acquire(s, err);
    int rc = c ? LS_OK : LS_EIO;
    if (rc)
        goto out;
    rc = begin(c, false, err);
    if (rc)
        goto out;
    sqlite3_stmt *st = stmt(c, ST_OFFER_INSERT, err);
    rc = st ? LS_OK : LS_EIO;
    if (rc == LS_OK) {
        sqlite3_bind_int64(st, 1, now_ms);
        bind_cstr(st, 2, offer->name);
        bind_cstr(st, 3, body);
        rc = step_done(c, st, "storing the offer", err);
    }
    int64_t new_id = sqlite3_last_insert_rowid(c->db);
    if (rc == LS_OK)
        rc = state_set(c, "offer", new_id, err);
    if (rc == LS_OK)
        rc = commit(c, err);
    if (rc == LS_OK)
        *id = new_id;
out:
    if (c) {
        rollback(c);
        release(s, c);
    }
    free(body);
    return rc;
}

static int sq_offer_get(struct ls_store *base, int64_t id, struct ls_offer *out, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc;
    sqlite3_stmt *st = stmt(c, ST_OFFER_GET, err);
    if (st == NULL) {
        rc = LS_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *body = col_text(st, 0);
        rc = ls_offer_parse(body, strlen(body), out, err);
    } else if (step == SQLITE_DONE) {
        rc = ls_err_set(err, LS_ENOTFOUND, "offer %lld not found", (long long)id);
    } else {
        rc = sq_fail(c->db, step, "reading an offer", err);
    }
    sqlite3_reset(st);
out:
    release(s, c);
    return rc;
}

static int sq_current(struct ls_store *base, int64_t *offer_id, int64_t *upload_id, int64_t *job_id,
                      struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int64_t o = 0, u = 0, j = 0;
    int rc = LS_OK;
    sqlite3_stmt *st = stmt(c, ST_STATE_GET, err);
    if (st == NULL) {
        rc = LS_EIO;
        goto out;
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = col_text(st, 0);
        int64_t v = sqlite3_column_int64(st, 1);
        if (strcmp(k, "offer") == 0)
            o = v;
        else if (strcmp(k, "upload") == 0)
            u = v;
        else if (strcmp(k, "job") == 0)
            j = v;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        rc = sq_fail(c->db, step, "reading the current state", err);
out:
    release(s, c);
    if (rc == LS_OK) {
        if (offer_id)
            *offer_id = o;
        if (upload_id)
            *upload_id = u;
        if (job_id)
            *job_id = j;
    }
    return rc;
}

/* ---- uploads ------------------------------------------------------------------- */

struct pending_lead {
    int64_t line;
    size_t off[LS_F_COUNT];
    size_t len[LS_F_COUNT];
};

struct sq_upload {
    struct ls_store_upload base;
    struct sq_store *s;
    int64_t id;
    int64_t next_idx;
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

static int upload_flush(struct sq_upload *up, struct ls_err *err)
{
    if (up->n_rows == 0 && up->n_errs == 0)
        return LS_OK;
    struct conn *c = acquire(up->s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = begin(c, true, err);
    sqlite3_stmt *st = rc ? NULL : stmt(c, ST_LEAD_INSERT, err);
    if (rc == LS_OK && st == NULL)
        rc = LS_EIO;
    for (size_t i = 0; i < up->n_rows && rc == LS_OK; i++) {
        const struct pending_lead *p = &up->rows[i];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, up->id);
        sqlite3_bind_int64(st, 2, up->next_idx + (int64_t)i);
        sqlite3_bind_int64(st, 3, p->line);
        for (int f = 0; f < LS_F_COUNT; f++)
            sqlite3_bind_text64(st, 4 + f, up->text.data + p->off[f], p->len[f], SQLITE_STATIC,
                                SQLITE_UTF8); /* text outlives the step */
        int step = sqlite3_step(st);
        if (step != SQLITE_DONE)
            rc = sq_fail(c->db, step, "storing leads", err);
    }
    if (st)
        sqlite3_reset(st);
    sqlite3_stmt *es = rc ? NULL : stmt(c, ST_UPLOAD_ERROR, err);
    for (size_t i = 0; i < up->n_errs && es && rc == LS_OK; i++) {
        sqlite3_bind_int64(es, 1, up->id);
        sqlite3_bind_int64(es, 2, up->n_errors - (int64_t)up->n_errs + (int64_t)i);
        sqlite3_bind_int64(es, 3, up->errs[i].line);
        bind_cstr(es, 4, up->errs[i].msg);
        rc = step_done(c, es, "storing rejected rows", err);
    }
    if (rc == LS_OK)
        rc = commit(c, err);
    rollback(c);
    release(up->s, c);
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

static struct ls_store_upload *sq_upload_begin(struct ls_store *base, const char *filename,
                                               int64_t now_ms, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return NULL;
    int64_t id = 0;
    sqlite3_stmt *st = stmt(c, ST_UPLOAD_INSERT, err);
    int rc = st ? LS_OK : LS_EIO;
    if (rc == LS_OK) {
        sqlite3_bind_int64(st, 1, now_ms);
        bind_cstr(st, 2, filename);
        rc = step_done(c, st, "starting an upload", err);
        id = sqlite3_last_insert_rowid(c->db);
    }
    release(s, c);
    if (rc)
        return NULL;
    struct sq_upload *up = ls_xcalloc(1, sizeof(*up));
    up->base.st = base;
    up->s = s;
    up->id = id;
    up->rows = ls_xmalloc(UPLOAD_BATCH * sizeof(*up->rows));
    up->errs = ls_xmalloc(UPLOAD_ERRORS * sizeof(*up->errs));
    ls_buf_init(&up->text, SIZE_MAX);
    return &up->base;
}

static int sq_upload_add(struct ls_store_upload *base, const struct ls_lead *lead, uint64_t line,
                         struct ls_err *err)
{
    struct sq_upload *up = (struct sq_upload *)base;
    struct pending_lead *p = &up->rows[up->n_rows++];
    p->line = (int64_t)line;
    for (int f = 0; f < LS_F_COUNT; f++) {
        p->off[f] = up->text.len;
        p->len[f] = lead->len[f];
        ls_buf_add(&up->text, lead->f[f], lead->len[f]);
    }
    if (up->n_rows == UPLOAD_BATCH || up->text.len >= UPLOAD_BATCH_MEM)
        return upload_flush(up, err);
    return LS_OK;
}

static int sq_upload_reject(struct ls_store_upload *base, uint64_t line, const char *msg,
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
    ls_buf_release(&up->text);
    free(up);
}

static int sq_upload_commit(struct ls_store_upload *base, const struct ls_csv_stats *stats,
                            int64_t *id, struct ls_err *err)
{
    struct sq_upload *up = (struct sq_upload *)base;
    int rc = upload_flush(up, err);
    struct conn *c = NULL;
    if (rc)
        goto out;
    c = acquire(up->s, err);
    if (c == NULL) {
        rc = LS_EIO;
        goto out;
    }
    rc = begin(c, false, err);
    if (rc)
        goto out;
    sqlite3_stmt *st = stmt(c, ST_UPLOAD_READY, err);
    rc = st ? LS_OK : LS_EIO;
    if (rc == LS_OK) {
        sqlite3_bind_int64(st, 1, up->id);
        sqlite3_bind_int64(st, 2, (int64_t)stats->accepted);
        sqlite3_bind_int64(st, 3, (int64_t)stats->rejected);
        bind_cstr(st, 4, stats->is_cp1252 ? "windows-1252" : "utf-8");
        rc = step_done(c, st, "finishing the upload", err);
    }
    if (rc == LS_OK)
        rc = state_set(c, "upload", up->id, err);
    if (rc == LS_OK)
        rc = commit(c, err); /* FULL: also makes the batches above durable */
    if (rc == LS_OK)
        *id = up->id;
out:
    if (c) {
        rollback(c);
        release(up->s, c);
    }
    if (rc) {
        ls_store_upload_abort(base);
        return rc;
    }
    upload_free(up);
    return rc;
}

static void sq_upload_abort(struct ls_store_upload *base)
{
    struct sq_upload *up = (struct sq_upload *)base;
    struct conn *c = acquire(up->s, NULL);
    if (c) {
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "DELETE FROM leads WHERE upload_id = %lld; DELETE FROM uploads WHERE id = %lld",
                 (long long)up->id, (long long)up->id);
        /* Best effort: what is left is 'loading' and is removed at the next start. */
        sqlite3_exec(c->db, sql, NULL, NULL, NULL);
        release(up->s, c);
    }
    upload_free(up);
}

static int sq_upload_get(struct ls_store *base, int64_t id, struct ls_upload_info *out,
                         struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc;
    sqlite3_stmt *st = stmt(c, ST_UPLOAD_GET, err);
    if (st == NULL) {
        rc = LS_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = id;
        out->created_ms = sqlite3_column_int64(st, 0);
        copy_col(st, 1, out->filename, sizeof(out->filename));
        out->accepted = sqlite3_column_int64(st, 2);
        out->rejected = sqlite3_column_int64(st, 3);
        out->is_cp1252 = strcmp(col_text(st, 4), "windows-1252") == 0;
        rc = LS_OK;
    } else if (step == SQLITE_DONE) {
        rc = ls_err_set(err, LS_ENOTFOUND, "upload %lld not found", (long long)id);
    } else {
        rc = sq_fail(c->db, step, "reading an upload", err);
    }
    sqlite3_reset(st);
out:
    release(s, c);
    return rc;
}

/* ---- jobs ---------------------------------------------------------------------- */

static int sq_job_create(struct ls_store *base, struct ls_job *job, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = begin(c, false, err);
    sqlite3_stmt *st = rc ? NULL : stmt(c, ST_JOB_INSERT, err);
    if (rc == LS_OK && st == NULL)
        rc = LS_EIO;
    if (rc == LS_OK) {
        sqlite3_bind_int64(st, 1, job->offer_id);
        sqlite3_bind_int64(st, 2, job->upload_id);
        sqlite3_bind_int64(st, 3, job->created_ms);
        bind_cstr(st, 4, job->provider);
        bind_cstr(st, 5, job->model);
        rc = step_done(c, st, "creating a job", err);
    }
    if (rc == LS_OK && sqlite3_changes(c->db) == 0)
        rc = ls_err_set(err, LS_ENOTFOUND, "upload %lld not found", (long long)job->upload_id);
    int64_t id = rc ? 0 : sqlite3_last_insert_rowid(c->db);
    if (rc == LS_OK)
        rc = state_set(c, "job", id, err);
    if (rc == LS_OK)
        rc = commit(c, err);
    rollback(c);
    release(s, c);
    if (rc == LS_OK) {
        job->id = id;
        job->status = LS_JOB_QUEUED;
        rc = ls_store_job_get(base, id, job, err);
    }
    return rc;
}

static int sq_job_get(struct ls_store *base, int64_t id, struct ls_job *out, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc;
    sqlite3_stmt *st = stmt(c, ST_JOB_GET, err);
    if (st == NULL) {
        rc = LS_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = id;
        out->offer_id = sqlite3_column_int64(st, 0);
        out->upload_id = sqlite3_column_int64(st, 1);
        int status = ls_job_status_parse(col_text(st, 2));
        out->status = status < 0 ? LS_JOB_FAILED : (enum ls_job_status)status;
        out->created_ms = sqlite3_column_int64(st, 3);
        out->started_ms = sqlite3_column_int64(st, 4);
        out->finished_ms = sqlite3_column_int64(st, 5);
        out->total = sqlite3_column_int64(st, 6);
        out->done = sqlite3_column_int64(st, 7);
        out->failed = sqlite3_column_int64(st, 8);
        out->fallbacks = sqlite3_column_int64(st, 9);
        out->cache_hits = sqlite3_column_int64(st, 10);
        out->model_calls = sqlite3_column_int64(st, 11);
        out->retries = sqlite3_column_int64(st, 12);
        out->prompt_tokens = sqlite3_column_int64(st, 13);
        out->output_tokens = sqlite3_column_int64(st, 14);
        copy_col(st, 15, out->provider, sizeof(out->provider));
        copy_col(st, 16, out->model, sizeof(out->model));
        copy_col(st, 17, out->error, sizeof(out->error));
        /* Kept with the job, in the same transaction as each result batch. */
        out->counts[LS_INTENT_HIGH] = sqlite3_column_int64(st, 18);
        out->counts[LS_INTENT_MEDIUM] = sqlite3_column_int64(st, 19);
        out->counts[LS_INTENT_LOW] = sqlite3_column_int64(st, 20);
        sqlite3_reset(st);
        rc = LS_OK;
    } else if (step == SQLITE_DONE) {
        sqlite3_reset(st);
        rc = ls_err_set(err, LS_ENOTFOUND, "job %lld not found", (long long)id);
    } else {
        sqlite3_reset(st);
        rc = sq_fail(c->db, step, "reading a job", err);
    }
out:
    release(s, c);
    return rc;
}

static int job_update(struct conn *c, const struct ls_job *j, struct ls_err *err)
{
    sqlite3_stmt *st = stmt(c, ST_JOB_UPDATE, err);
    if (st == NULL)
        return LS_EIO;
    sqlite3_bind_int64(st, 1, j->id);
    bind_cstr(st, 2, ls_job_status_name(j->status));
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
    bind_cstr(st, 13, j->error);
    bind_cstr(st, 14, j->provider);
    bind_cstr(st, 15, j->model);
    sqlite3_bind_int64(st, 16, j->counts[LS_INTENT_HIGH]);
    sqlite3_bind_int64(st, 17, j->counts[LS_INTENT_MEDIUM]);
    sqlite3_bind_int64(st, 18, j->counts[LS_INTENT_LOW]);
    return step_done(c, st, "updating a job", err);
}

static int sq_job_update(struct ls_store *base, const struct ls_job *job, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = set_sync(c, false, err);
    if (rc == LS_OK)
        rc = job_update(c, job, err);
    release(s, c);
    return rc;
}

static int sq_jobs_unfinished(struct ls_store *base, int64_t *ids, size_t max, size_t *n,
                              struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = LS_OK;
    size_t k = 0;
    sqlite3_stmt *st = stmt(c, ST_JOBS_UNFINISHED, err);
    if (st == NULL) {
        rc = LS_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, (int64_t)max);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && k < max)
        ids[k++] = sqlite3_column_int64(st, 0);
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        rc = sq_fail(c->db, step, "listing unfinished jobs", err);
    sqlite3_reset(st);
out:
    release(s, c);
    if (rc == LS_OK)
        *n = k;
    return rc;
}

static int sq_leads_pending(struct ls_store *base, int64_t job_id, int64_t upload_id,
                            int64_t after_idx, int limit, ls_store_lead_fn cb, void *ud,
                            struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = LS_OK;
    sqlite3_stmt *st = stmt(c, ST_LEADS_PENDING, err);
    if (st == NULL) {
        rc = LS_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, upload_id);
    sqlite3_bind_int64(st, 2, after_idx);
    sqlite3_bind_int64(st, 3, job_id);
    sqlite3_bind_int(st, 4, limit);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct ls_lead lead;
        for (int f = 0; f < LS_F_COUNT; f++) {
            lead.f[f] = col_text(st, 1 + f);
            lead.len[f] = (size_t)sqlite3_column_bytes(st, 1 + f);
        }
        rc = cb(ud, sqlite3_column_int64(st, 0), &lead, err);
        if (rc)
            break;
    }
    if (rc == LS_OK && step != SQLITE_DONE)
        rc = sq_fail(c->db, step, "reading leads", err);
    sqlite3_reset(st);
out:
    release(s, c);
    return rc;
}

/* Score descending, then upload order, as one ascending integer. */
static int64_t rank_of(int score, int64_t idx)
{
    return ((int64_t)(100 - score) << 40) | idx;
}

static int verdict_put(struct conn *c, const struct ls_result *r, struct ls_err *err)
{
    sqlite3_stmt *st = stmt(c, ST_VERDICT_PUT, err);
    if (st == NULL)
        return LS_EIO;
    sqlite3_bind_blob(st, 1, r->cache_key, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, (int)r->intent);
    bind_cstr(st, 3, r->reasoning);
    sqlite3_bind_int64(st, 4, ls_now_ms());
    return step_done(c, st, "storing a cached verdict", err);
}

static int sq_verdicts_get(struct ls_store *base, const unsigned char (*keys)[32], size_t n,
                           struct ls_verdict *out, bool *found, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = LS_OK;
    for (size_t i = 0; i < n && rc == LS_OK; i++) {
        sqlite3_stmt *st = stmt(c, ST_VERDICT_GET, err);
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
            copy_col(st, 1, out[i].reasoning, sizeof(out[i].reasoning));
            found[i] = out[i].intent != LS_INTENT_NONE;
        } else if (step != SQLITE_DONE) {
            rc = sq_fail(c->db, step, "reading the verdict cache", err);
        }
        sqlite3_reset(st);
    }
    release(s, c);
    return rc;
}

static int sq_results_put(struct ls_store *base, const struct ls_job *job,
                          const struct ls_result *rows, size_t n, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = begin(c, true, err);
    sqlite3_stmt *st = rc ? NULL : stmt(c, ST_RESULT_INSERT, err);
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
        bind_cstr(st, 11, r->reasoning);
        bind_cstr(st, 12, r->provider);
        bind_cstr(st, 13, r->model);
        sqlite3_bind_int(st, 14, (int)r->status);
        bind_cstr(st, 15, r->ai_error);
        int step = sqlite3_step(st);
        if (step != SQLITE_DONE)
            rc = sq_fail(c->db, step, "storing results", err);
        if (rc == LS_OK && r->cache_key)
            rc = verdict_put(c, r, err);
    }
    if (st)
        sqlite3_reset(st);
    if (rc == LS_OK)
        rc = job_update(c, job, err);
    if (rc == LS_OK)
        rc = commit(c, err);
    rollback(c);
    release(s, c);
    return rc;
}

static int sq_results_page(struct ls_store *base, const struct ls_job *job,
                           struct ls_result_cursor *cursor, int limit, ls_store_result_fn cb,
                           void *ud, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = LS_OK, n = 0;
    sqlite3_stmt *st = stmt(c, ST_RESULTS_PAGE, err);
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
            r.lead.f[f] = col_text(st, 2 + f);
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
        r.reasoning = col_text(st, 14);
        r.provider = col_text(st, 15);
        r.model = col_text(st, 16);
        r.status = (enum ls_ai_status)sqlite3_column_int(st, 17);
        r.ai_error = col_text(st, 18);
        cursor->has_last = true;
        cursor->score = r.score;
        cursor->idx = r.idx;
        n++;
        rc = cb(ud, &r, err);
        if (rc)
            break;
    }
    if (rc == LS_OK && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = sq_fail(c->db, step, "reading results", err);
    sqlite3_reset(st);
out:
    release(s, c);
    return rc ? rc : n;
}

/* ---- ops table ------------------------------------------------------------------- */

static const struct ls_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .offer_put = sq_offer_put,
    .offer_get = sq_offer_get,
    .upload_begin = sq_upload_begin,
    .upload_add = sq_upload_add,
    .upload_reject = sq_upload_reject,
    .upload_commit = sq_upload_commit,
    .upload_abort = sq_upload_abort,
    .upload_get = sq_upload_get,
    .current = sq_current,
    .job_create = sq_job_create,
    .job_get = sq_job_get,
    .job_update = sq_job_update,
    .jobs_unfinished = sq_jobs_unfinished,
    .leads_pending = sq_leads_pending,
    .results_put = sq_results_put,
    .verdicts_get = sq_verdicts_get,
    .results_page = sq_results_page,
};

struct ls_store *ls_store_open_sqlite(const char *path, struct ls_err *err)
{
    struct sq_store *s = ls_xcalloc(1, sizeof(*s));
    s->base.ops = &sqlite_ops;
    s->path = ls_xstrdup(path);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    struct conn *c = acquire(s, err);
    if (c == NULL) {
        sq_close(&s->base);
        return NULL;
    }
    int rc = migrate(c, err);
    release(s, c);
    if (rc) {
        sq_close(&s->base);
        return NULL;
    }
    return &s->base;
}
