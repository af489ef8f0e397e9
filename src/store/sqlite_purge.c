/*
 * sqlite_purge.c - retention and the verdict cache's size cap.
 *
 * Deletions are real: secure_delete (set on every connection) overwrites the
 * deleted content in the database file, the freed pages are reused by later
 * writes, and the WAL is checkpointed and truncated afterwards so that no
 * copy of a deleted row stays in it either.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_int.h"

#define FINAL "('succeeded', 'failed', 'cancelled')"

/* A batch of job J may still run (and bill) at the service while this holds. */
#define BATCH_LIVE(J)                                                                              \
    "EXISTS (SELECT 1 FROM batches b WHERE b.job_id = " J " AND b.state IN " LIVE_BATCH ")"

/* Old finished jobs (their results go with them by the cascade), none with a live batch. */
static const char purge_jobs[] =
    "DELETE FROM jobs WHERE created_ms < ?1 AND status IN " FINAL
    " AND (owner = 0 OR NOT ls_alive(owner)) AND NOT " BATCH_LIVE("jobs.id");
static const char count_results[] =
    "SELECT count(*) FROM results WHERE job_id IN (SELECT id FROM jobs WHERE created_ms < ?1 "
    "AND status IN " FINAL
    " AND (owner = 0 OR NOT ls_alive(owner)) AND NOT " BATCH_LIVE("jobs.id") ")";
/*
 * Old uploads that no active or recent job uses (their leads and jobs go with
 * them); a job a live worker still owns is active, whatever its status says.
 */
static const char purge_uploads[] =
    "DELETE FROM uploads WHERE status = 'ready' AND committed_ms < ?1 AND NOT EXISTS "
    "(SELECT 1 FROM jobs j WHERE j.upload_id = uploads.id AND "
    "(j.status IN ('queued', 'running') OR j.created_ms >= ?1 OR "
    "(j.owner != 0 AND ls_alive(j.owner)) OR " BATCH_LIVE("j.id") "))";
static const char fix_current[] =
    "UPDATE workspaces SET "
    "current_offer = CASE WHEN current_offer IN (SELECT id FROM offers) THEN current_offer "
    "ELSE 0 END, "
    "current_upload = CASE WHEN current_upload IN (SELECT id FROM uploads WHERE status = 'ready') "
    "THEN current_upload ELSE 0 END, "
    "current_job = coalesce((SELECT max(id) FROM jobs j WHERE j.workspace_id = workspaces.id), 0)";
static const char trim_cache[] =
    "DELETE FROM verdicts WHERE (workspace_id, key) IN (SELECT workspace_id, key FROM verdicts "
    "ORDER BY used_ms LIMIT max(0, (SELECT count(*) FROM verdicts) - ?1))";

/* Runs sql with ?1 = v in the caller's transaction; *n gets changes, or the count it selects. */
static int run(struct conn *c, const char *sql, int64_t v, int64_t *n, struct ls_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return ls_sq_fail(c->db, rc, "preparing a purge", err);
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, v);
    int step = sqlite3_step(st);
    int64_t got = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : sqlite3_changes(c->db);
    if (step == SQLITE_ROW)
        step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return ls_sq_fail(c->db, step, "purging old data", err);
    if (n)
        *n = got;
    return LS_OK;
}

void ls_sq_checkpoint(struct sq_store *s)
{
    struct conn *c = ls_sq_acquire(s, NULL);
    if (c == NULL)
        return;
    /* Best effort: a reader in the middle of a page keeps the WAL until the next one. */
    sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    ls_sq_release(s, c);
}

int ls_sq_purge(struct ls_store *base, int64_t before_ms, struct ls_purge_stats *out,
                struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    struct ls_purge_stats st = {0};
    int rc = ls_sq_begin(s, c, false, err);
    if (rc == LS_OK)
        rc = run(c, count_results, before_ms, &st.results, err);
    if (rc == LS_OK)
        rc = run(c, purge_jobs, before_ms, &st.jobs, err);
    if (rc == LS_OK)
        rc = run(c, purge_uploads, before_ms, &st.uploads, err);
    if (rc == LS_OK)
        rc = run(c, fix_current, 0, NULL, err);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    if (rc)
        return rc;
    if (st.jobs || st.uploads)
        ls_sq_checkpoint(s);
    if (out)
        *out = st;
    return LS_OK;
}

int ls_sq_cache_trim(struct ls_store *base, int64_t max_rows, int64_t *evicted, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int64_t n = 0;
    int rc = ls_sq_begin(s, c, false, err);
    if (rc == LS_OK)
        rc = run(c, trim_cache, max_rows, &n, err);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    if (rc == LS_OK && evicted)
        *evicted = n;
    return rc;
}
