/*
 * store_sqlite.c - the embedded SQLite store: connection pool, schema, statements.
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

#include "core/xalloc.h"
#include "sqlite_int.h"
#include "sys/sys.h"

#define BUSY_TIMEOUT_MS 10000

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
    "  body TEXT NOT NULL,"
    "  content_hash BLOB);"
    "CREATE INDEX offers_hash ON offers(content_hash);"
    "CREATE TABLE uploads ("
    "  id INTEGER PRIMARY KEY,"
    "  created_ms INTEGER NOT NULL,"
    "  filename TEXT NOT NULL DEFAULT '',"
    "  status TEXT NOT NULL CHECK (status IN ('loading', 'ready')),"
    "  accepted INTEGER NOT NULL DEFAULT 0,"
    "  rejected INTEGER NOT NULL DEFAULT 0,"
    "  encoding TEXT NOT NULL DEFAULT 'utf-8',"
    "  content_hash BLOB);"
    "CREATE INDEX uploads_hash ON uploads(content_hash);"
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
    "CREATE INDEX jobs_inputs ON jobs(offer_id, upload_id);"
    "CREATE INDEX results_rank ON results(job_id, rank);"
    /* Verdicts of real models, by SHA-256 of (provider, model, prompt version, offer, lead). */
    "CREATE TABLE verdicts ("
    "  key BLOB PRIMARY KEY,"
    "  intent INTEGER NOT NULL,"
    "  reasoning TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;",
};

/* ---- prepared statements ------------------------------------------------ */

#define JOB_COLS                                                                                   \
    "id, offer_id, upload_id, status, created_ms, started_ms, finished_ms, total, done, "          \
    "failed, fallbacks, cache_hits, model_calls, retries, prompt_tokens, output_tokens, "          \
    "provider, model, error, n_high, n_medium, n_low"

/*
 * Results joined with their leads, narrowed by the filters of a results
 * query: ?1 job, ?2 upload, ?3 intent bit mask, ?4..?5 score range, ?6
 * lowercased text ('' for any). Filters are bound values with neutral
 * defaults, so one statement serves every combination.
 */
#define RESULTS_FROM                                                                               \
    "FROM results r JOIN leads l ON l.upload_id = ?2 AND l.idx = r.idx "                           \
    "WHERE r.job_id = ?1 AND ((?3 >> r.intent) & 1) AND r.score BETWEEN ?4 AND ?5 AND "            \
    "(?6 = '' OR instr(lower(l.name), ?6) > 0 OR instr(lower(l.company), ?6) > 0 OR "              \
    "instr(lower(l.role), ?6) > 0)"
#define RESULTS_SELECT                                                                             \
    "SELECT r.idx, r.rank, l.name, l.role, l.company, l.industry, l.location, r.role_pts, "        \
    "r.industry_pts, r.complete_pts, r.rule_score, r.intent, r.ai_score, r.score, r.reasoning, "   \
    "r.provider, r.model, r.status, r.error " RESULTS_FROM

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SYNC_FULL] = "PRAGMA synchronous=FULL",
    [ST_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
    [ST_OFFER_INSERT] = "INSERT INTO offers(created_ms, name, body, content_hash) "
                        "VALUES (?1, ?2, ?3, ?4)",
    [ST_OFFER_FIND] = "SELECT id FROM offers WHERE content_hash = ?1 ORDER BY id DESC LIMIT 1",
    [ST_OFFERS_LIST] = "SELECT id, created_ms, name FROM offers ORDER BY id DESC "
                       "LIMIT ?1 OFFSET ?2",
    [ST_OFFERS_COUNT] = "SELECT count(*) FROM offers",
    [ST_OFFER_GET] = "SELECT body FROM offers WHERE id = ?1",
    [ST_STATE_SET] = "INSERT INTO state(key, value) VALUES (?1, ?2) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [ST_STATE_GET] = "SELECT key, value FROM state",
    [ST_UPLOAD_INSERT] = "INSERT INTO uploads(created_ms, filename, status, content_hash) "
                         "VALUES (?1, ?2, 'loading', ?3)",
    [ST_UPLOAD_FIND] = "SELECT id FROM uploads WHERE content_hash = ?1 AND status = 'ready' "
                       "ORDER BY id DESC LIMIT 1",
    [ST_UPLOADS_LIST] = "SELECT id, created_ms, filename, accepted, rejected, encoding "
                        "FROM uploads WHERE status = 'ready' ORDER BY id DESC LIMIT ?1 OFFSET ?2",
    [ST_UPLOADS_COUNT] = "SELECT count(*) FROM uploads WHERE status = 'ready'",
    [ST_UPLOAD_ERRORS] = "SELECT line, error FROM upload_errors WHERE upload_id = ?1 "
                         "ORDER BY seq LIMIT ?2",
    /* idx runs 0..accepted-1 within an upload, so an offset is a key range, not a scan. */
    [ST_UPLOAD_LEADS] = "SELECT idx, line, name, role, company, industry, location, bio "
                        "FROM leads WHERE upload_id = ?1 AND idx >= ?3 ORDER BY idx LIMIT ?2",
    [ST_UPLOAD_READY] = "UPDATE uploads SET status = 'ready', accepted = ?2, rejected = ?3, "
                        "encoding = ?4 WHERE id = ?1",
    [ST_UPLOAD_GET] = "SELECT id, created_ms, filename, accepted, rejected, encoding "
                      "FROM uploads WHERE id = ?1 AND status = 'ready'",
    [ST_UPLOAD_ERROR] = "INSERT INTO upload_errors(upload_id, seq, line, error) "
                        "VALUES (?1, ?2, ?3, ?4)",
    [ST_LEAD_INSERT] = "INSERT INTO leads(upload_id, idx, line, name, role, company, industry, "
                       "location, bio) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_JOB_INSERT] = "INSERT INTO jobs(offer_id, upload_id, status, created_ms, total, provider, "
                      "model) SELECT ?1, ?2, 'queued', ?3, accepted, ?4, ?5 FROM uploads "
                      "WHERE id = ?2 AND status = 'ready'",
    [ST_JOB_GET] = "SELECT " JOB_COLS " FROM jobs WHERE id = ?1",
    [ST_JOBS_LIST] = "SELECT " JOB_COLS " FROM jobs ORDER BY id DESC LIMIT ?1 OFFSET ?2",
    [ST_JOBS_COUNT] = "SELECT count(*) FROM jobs",
    [ST_JOB_RESUMABLE] = "SELECT id FROM jobs WHERE offer_id = ?1 AND upload_id = ?2 AND "
                         "provider = ?3 AND model = ?4 AND status IN ('queued', 'running') "
                         "ORDER BY id DESC LIMIT 1",
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
    [ST_RESULTS_PAGE] = RESULTS_SELECT " AND r.rank > ?7 ORDER BY r.rank LIMIT ?8",
    [ST_RESULTS_SCORE_DESC] = RESULTS_SELECT " ORDER BY r.rank LIMIT ?7 OFFSET ?8",
    [ST_RESULTS_SCORE_ASC] = RESULTS_SELECT " ORDER BY r.score, r.idx LIMIT ?7 OFFSET ?8",
    [ST_RESULTS_NAME] = RESULTS_SELECT " ORDER BY l.name COLLATE NOCASE, r.idx LIMIT ?7 OFFSET ?8",
    [ST_RESULTS_COMPANY] =
        RESULTS_SELECT " ORDER BY l.company COLLATE NOCASE, r.idx LIMIT ?7 OFFSET ?8",
    [ST_RESULTS_COUNT] = "SELECT count(*) " RESULTS_FROM,
};

/* ---- connections ------------------------------------------------------- */

int ls_sq_fail(sqlite3 *db, int rc, const char *what, struct ls_err *err)
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
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
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

struct conn *ls_sq_acquire(struct sq_store *s, struct ls_err *err)
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

void ls_sq_release(struct sq_store *s, struct conn *c)
{
    pthread_mutex_lock(&s->mu);
    c->in_use = false;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* The cached statement id, reset and ready for binding. */
sqlite3_stmt *ls_sq_stmt(struct conn *c, enum stmt_id id, struct ls_err *err)
{
    if (c->stmt[id] == NULL) {
        int rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &c->stmt[id], NULL);
        if (rc != SQLITE_OK) {
            ls_sq_fail(c->db, rc, "preparing a statement", err);
            return NULL;
        }
    } else {
        sqlite3_reset(c->stmt[id]);
        sqlite3_clear_bindings(c->stmt[id]);
    }
    return c->stmt[id];
}

/* Runs a statement that returns no rows. */
int ls_sq_exec(struct conn *c, enum stmt_id id, const char *what, struct ls_err *err)
{
    sqlite3_stmt *st = ls_sq_stmt(c, id, err);
    if (st == NULL)
        return err ? err->code : LS_EIO;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return ls_sq_fail(c->db, rc, what, err);
    return LS_OK;
}

int ls_sq_step_done(struct conn *c, sqlite3_stmt *st, const char *what, struct ls_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return ls_sq_fail(c->db, rc, what, err);
    return LS_OK;
}

int ls_sq_set_sync(struct conn *c, bool normal, struct ls_err *err)
{
    if (c->sync_normal == normal)
        return LS_OK;
    int rc = ls_sq_exec(c, normal ? ST_SYNC_NORMAL : ST_SYNC_FULL, "setting durability", err);
    if (rc == LS_OK)
        c->sync_normal = normal;
    return rc;
}

int ls_sq_begin(struct conn *c, bool bulk, struct ls_err *err)
{
    int rc = ls_sq_set_sync(c, bulk, err);
    if (rc == LS_OK)
        rc = ls_sq_exec(c, ST_BEGIN, "starting a transaction", err);
    return rc;
}

int ls_sq_commit(struct conn *c, struct ls_err *err)
{
    int rc = ls_sq_exec(c, ST_COMMIT, "committing", err);
    if (rc != LS_OK)
        ls_sq_exec(c, ST_ROLLBACK, "rolling back", NULL);
    return rc;
}

void ls_sq_rollback(struct conn *c)
{
    if (!sqlite3_get_autocommit(c->db))
        ls_sq_exec(c, ST_ROLLBACK, "rolling back", NULL);
}

void ls_sq_bind_text(sqlite3_stmt *st, int i, const char *s, size_t len)
{
    sqlite3_bind_text64(st, i, s, len, SQLITE_TRANSIENT, SQLITE_UTF8);
}

void ls_sq_bind_cstr(sqlite3_stmt *st, int i, const char *s)
{
    ls_sq_bind_text(st, i, s ? s : "", s ? strlen(s) : 0);
}

const char *ls_sq_col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *p = sqlite3_column_text(st, i);
    return p ? (const char *)p : "";
}

void ls_sq_copy_col(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    snprintf(dst, cap, "%s", ls_sq_col_text(st, i));
}

int ls_sq_each_row(struct sq_store *s, enum stmt_id id, ls_sq_bind_fn bind, const void *args,
                   ls_sq_row_fn row, void *ud, const char *what, struct ls_err *err)
{
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return LS_EIO;
    int rc = LS_OK;
    sqlite3_stmt *st = ls_sq_stmt(c, id, err);
    if (st == NULL) {
        rc = LS_EIO;
        goto out;
    }
    if (bind)
        bind(st, args);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = row(st, ud, err);
        if (rc)
            break;
    }
    if (rc == LS_OK && step != SQLITE_DONE)
        rc = ls_sq_fail(c->db, step, what, err);
    sqlite3_reset(st);
out:
    ls_sq_release(s, c);
    return rc;
}

static int scalar_row(sqlite3_stmt *st, void *ud, struct ls_err *err)
{
    (void)err;
    *(int64_t *)ud = sqlite3_column_int64(st, 0);
    return LS_OK;
}

int ls_sq_scalar(struct sq_store *s, enum stmt_id id, ls_sq_bind_fn bind, const void *args,
                 int64_t *out, const char *what, struct ls_err *err)
{
    int64_t v = 0;
    int rc = ls_sq_each_row(s, id, bind, args, scalar_row, &v, what, err);
    if (rc == LS_OK)
        *out = v;
    return rc;
}

/* ---- open, migrate, close ------------------------------------------------------ */

static int migrate(struct conn *c, struct ls_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return ls_sq_fail(c->db, rc, "starting migrations", err);
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
            int ret = ls_sq_fail(c->db, rc, "migrating the schema", err);
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
        int ret = ls_sq_fail(c->db, rc, "migrating the schema", err);
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return ret;
    }
    return LS_OK;
}

void ls_sq_close(struct ls_store *base)
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

/* ---- ops table ------------------------------------------------------------------- */

static const struct ls_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = ls_sq_close,
    .offer_put = ls_sq_offer_put,
    .offer_get = ls_sq_offer_get,
    .offer_find = ls_sq_offer_find,
    .offers_list = ls_sq_offers_list,
    .upload_begin = ls_sq_upload_begin,
    .upload_add = ls_sq_upload_add,
    .upload_reject = ls_sq_upload_reject,
    .upload_commit = ls_sq_upload_commit,
    .upload_abort = ls_sq_upload_abort,
    .upload_get = ls_sq_upload_get,
    .upload_find = ls_sq_upload_find,
    .uploads_list = ls_sq_uploads_list,
    .upload_errors = ls_sq_upload_errors,
    .upload_leads = ls_sq_upload_leads,
    .current = ls_sq_current,
    .job_create = ls_sq_job_create,
    .job_get = ls_sq_job_get,
    .job_update = ls_sq_job_update,
    .jobs_unfinished = ls_sq_jobs_unfinished,
    .jobs_list = ls_sq_jobs_list,
    .job_find_resumable = ls_sq_job_find_resumable,
    .leads_pending = ls_sq_leads_pending,
    .results_put = ls_sq_results_put,
    .verdicts_get = ls_sq_verdicts_get,
    .results_page = ls_sq_results_page,
    .results_query = ls_sq_results_query,
};

struct ls_store *ls_store_open_sqlite(const char *path, struct ls_err *err)
{
    struct sq_store *s = ls_xcalloc(1, sizeof(*s));
    s->base.ops = &sqlite_ops;
    s->path = ls_xstrdup(path);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL) {
        ls_sq_close(&s->base);
        return NULL;
    }
    int rc = migrate(c, err);
    ls_sq_release(s, c);
    if (rc) {
        ls_sq_close(&s->base);
        return NULL;
    }
    return &s->base;
}
