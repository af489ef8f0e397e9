/*
 * store_sqlite.c - the embedded SQLite store: connection pool, schema,
 * statements, instances and health.
 *
 * A pool of connections (one per concurrent caller, up to POOL_MAX), each
 * with its own cache of prepared statements. WAL journal, so readers never
 * wait for writers; synchronous=FULL, so a commit is on disk when it returns.
 * Bulk writes (upload batches, result batches) commit with synchronous=NORMAL
 * and the operation that acknowledges them (upload commit, job update) with
 * FULL: its fsync of the WAL persists the earlier batches' frames as well.
 * secure_delete overwrites what is deleted. SQL uses bound parameters only.
 * SQLite result codes stop here: callers see an enum ls_status and a message.
 *
 * Several processes may share the file. Each registers a row in instances
 * and holds a lock on byte <id> of "<path>-lock" for its life (open file
 * description locks, so the kernel drops it the moment the process dies,
 * even by kill -9). ls_alive(id), an SQL function on every connection, tells
 * whether instance id still lives; uploads being loaded and jobs being run
 * carry their owner, so one instance never removes or runs what a live one
 * is working on.
 */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "sqlite_int.h"
#include "sys/sys.h"

#define BUSY_TIMEOUT_MS 10000
#define HEALTH_EVERY_MS 1000

/* ---- schema ---------------------------------------------------------------- */

/*
 * Migrations, applied in order; PRAGMA user_version counts those applied.
 * Append only: never edit a migration that has shipped. They run with
 * foreign keys off (SQLite's procedure for rebuilding tables) and end with
 * a foreign_key_check.
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
    "CREATE TABLE verdicts ("
    "  key BLOB PRIMARY KEY,"
    "  intent INTEGER NOT NULL,"
    "  reasoning TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;",

    /*
     * 2: workspaces, API keys and instances. Every table with an id is
     * rebuilt with AUTOINCREMENT (an id is never reused, even after a
     * delete), gets its workspace, and references its parent with a
     * cascade; what existed goes to the "default" workspace (id 1).
     */
    "CREATE TABLE workspaces ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name TEXT NOT NULL UNIQUE,"
    "  created_ms INTEGER NOT NULL,"
    "  current_offer INTEGER NOT NULL DEFAULT 0,"
    "  current_upload INTEGER NOT NULL DEFAULT 0,"
    "  current_job INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO workspaces(id, name, created_ms, current_offer, current_upload, current_job) "
    "  VALUES (1, 'default', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),"
    "  coalesce((SELECT value FROM state WHERE key = 'offer'), 0),"
    "  coalesce((SELECT value FROM state WHERE key = 'upload'), 0),"
    "  coalesce((SELECT value FROM state WHERE key = 'job'), 0));"
    "CREATE TABLE api_keys ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL CHECK (role IN ('viewer', 'member', 'admin')),"
    "  name TEXT NOT NULL DEFAULT '',"
    "  hash BLOB NOT NULL UNIQUE,"
    "  prefix TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  last_used_ms INTEGER NOT NULL DEFAULT 0,"
    "  revoked_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX api_keys_ws ON api_keys(workspace_id);"
    "CREATE TABLE instances ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  pid INTEGER NOT NULL, started_ms INTEGER NOT NULL);"
    "CREATE TABLE health (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL);",

    /* 3 (of 2): uploads and offers rebuilt (all pending migrations commit together) */
    "CREATE TABLE offers_v2 ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
    "  created_ms INTEGER NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL,"
    "  content_hash BLOB);"
    "INSERT INTO offers_v2 SELECT id, 1, created_ms, name, body, content_hash FROM offers;"
    "CREATE TABLE uploads_v2 ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
    "  created_ms INTEGER NOT NULL,"
    "  filename TEXT NOT NULL DEFAULT '',"
    "  status TEXT NOT NULL CHECK (status IN ('loading', 'ready')),"
    "  accepted INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,"
    "  encoding TEXT NOT NULL DEFAULT 'utf-8', content_hash BLOB,"
    "  owner INTEGER NOT NULL DEFAULT 0, committed_ms INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO uploads_v2 SELECT id, 1, created_ms, filename, status, accepted, rejected,"
    "  encoding, content_hash, 0, created_ms FROM uploads;"
    "CREATE TABLE upload_errors_v2 ("
    "  upload_id INTEGER NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL, line INTEGER NOT NULL, error TEXT NOT NULL,"
    "  PRIMARY KEY (upload_id, seq)) WITHOUT ROWID;"
    "INSERT INTO upload_errors_v2 SELECT upload_id, seq, line, error FROM upload_errors;"
    "CREATE TABLE leads_v2 ("
    "  upload_id INTEGER NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL, line INTEGER NOT NULL,"
    "  name TEXT NOT NULL, role TEXT NOT NULL, company TEXT NOT NULL,"
    "  industry TEXT NOT NULL, location TEXT NOT NULL, bio TEXT NOT NULL,"
    "  PRIMARY KEY (upload_id, idx)) WITHOUT ROWID;"
    "INSERT INTO leads_v2 SELECT upload_id, idx, line, name, role, company, industry, location,"
    "  bio FROM leads;",

    /* 4 (of 2): jobs, results and verdicts rebuilt */
    "CREATE TABLE jobs_v2 ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
    "  offer_id INTEGER REFERENCES offers(id) ON DELETE SET NULL,"
    "  upload_id INTEGER NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,"
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
    "  error TEXT NOT NULL DEFAULT '',"
    "  owner INTEGER NOT NULL DEFAULT 0, results_deleted_ms INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO jobs_v2 SELECT id, 1, offer_id, upload_id, status, created_ms, started_ms,"
    "  finished_ms, total, done, failed, fallbacks, cache_hits, model_calls, retries,"
    "  prompt_tokens, output_tokens, n_high, n_medium, n_low, provider, model, error, 0, 0"
    "  FROM jobs;"
    "CREATE TABLE results_v2 ("
    "  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL, rank INTEGER NOT NULL,"
    "  role_pts INTEGER NOT NULL, industry_pts INTEGER NOT NULL,"
    "  complete_pts INTEGER NOT NULL, rule_score INTEGER NOT NULL,"
    "  intent INTEGER NOT NULL, ai_score INTEGER NOT NULL, score INTEGER NOT NULL,"
    "  reasoning TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,"
    "  status INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (job_id, idx)) WITHOUT ROWID;"
    "INSERT INTO results_v2 SELECT job_id, idx, rank, role_pts, industry_pts, complete_pts,"
    "  rule_score, intent, ai_score, score, reasoning, provider, model, status, error"
    "  FROM results;"
    "CREATE TABLE verdicts_v2 ("
    "  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
    "  key BLOB NOT NULL, intent INTEGER NOT NULL, reasoning TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL, used_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (workspace_id, key)) WITHOUT ROWID;"
    "INSERT INTO verdicts_v2 SELECT 1, key, intent, reasoning, created_ms, created_ms"
    "  FROM verdicts;",

    /* 5 (of 2): the old tables go, the new ones take their names */
    "DROP TABLE results; DROP TABLE jobs; DROP TABLE leads; DROP TABLE upload_errors;"
    "DROP TABLE uploads; DROP TABLE offers; DROP TABLE verdicts; DROP TABLE state;"
    "ALTER TABLE offers_v2 RENAME TO offers;"
    "ALTER TABLE uploads_v2 RENAME TO uploads;"
    "ALTER TABLE upload_errors_v2 RENAME TO upload_errors;"
    "ALTER TABLE leads_v2 RENAME TO leads;"
    "ALTER TABLE jobs_v2 RENAME TO jobs;"
    "ALTER TABLE results_v2 RENAME TO results;"
    "ALTER TABLE verdicts_v2 RENAME TO verdicts;"
    "CREATE INDEX offers_ws ON offers(workspace_id, id);"
    "CREATE INDEX offers_hash ON offers(workspace_id, content_hash);"
    "CREATE INDEX uploads_ws ON uploads(workspace_id, status, id);"
    "CREATE INDEX uploads_hash ON uploads(workspace_id, content_hash);"
    "CREATE INDEX uploads_age ON uploads(status, committed_ms);"
    "CREATE INDEX jobs_ws ON jobs(workspace_id, id);"
    "CREATE INDEX jobs_offer ON jobs(offer_id);"
    "CREATE INDEX jobs_upload ON jobs(upload_id);"
    "CREATE INDEX jobs_status ON jobs(status, id);"
    "CREATE INDEX results_rank ON results(job_id, rank);"
    "CREATE INDEX verdicts_lru ON verdicts(used_ms);",

    /*
     * 6: a cached verdict goes with the result it was first stored with. Its
     * reasoning is text a model wrote about a lead (it may quote the lead),
     * so deleting a job's results, a job or an upload - or retention doing it
     * - must not leave that text in the cache. A result row remembers the
     * cache key of the verdict it stored; the triggers delete that verdict
     * with the row, whichever way the row goes (directly, or by the cascade
     * from its job or upload: the BEFORE trigger on jobs runs while the job,
     * and so its workspace, still exists). Verdicts stored before this
     * migration cannot be traced to their leads: they are dropped (a cache,
     * so this costs at most some model calls again).
     */
    "ALTER TABLE results ADD COLUMN cache_key BLOB;"
    "CREATE TRIGGER results_verdict_gone AFTER DELETE ON results "
    "  WHEN old.cache_key IS NOT NULL BEGIN"
    "  DELETE FROM verdicts WHERE key = old.cache_key AND"
    "    workspace_id = (SELECT workspace_id FROM jobs WHERE id = old.job_id);"
    "END;"
    "CREATE TRIGGER jobs_verdicts_gone BEFORE DELETE ON jobs BEGIN"
    "  DELETE FROM verdicts WHERE workspace_id = old.workspace_id AND key IN"
    "    (SELECT cache_key FROM results WHERE job_id = old.id AND cache_key IS NOT NULL);"
    "END;"
    "DELETE FROM verdicts;",

    /*
     * 7: why a job failed, as an enum ls_status, beside its message: a
     * store that filled up or went away while the job stored results is a
     * storage error for the client that waited (507/503), not a model one.
     */
    "ALTER TABLE jobs ADD COLUMN error_code INTEGER NOT NULL DEFAULT 0;",

    /*
     * 8: dashboard sessions. A browser signs in with a key once and then
     * sends a cookie; only the token's SHA-256 is kept. A session acts as
     * its key (role, workspace) and ends with it: the cascade covers a key
     * that is deleted, and lookups refuse a revoked one.
     */
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  hash BLOB NOT NULL UNIQUE,"
    "  key_id INTEGER NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL);"
    "CREATE INDEX sessions_key ON sessions(key_id);"
    "CREATE INDEX sessions_expiry ON sessions(expires_ms);",

    /*
     * 9: what each rule factor matched (issue #8's "factors"), kept with the
     * result because results outlive their offer: the role term, the ICP or
     * adjacent entry or family name, the kinds (enum ls_role_kind,
     * ls_industry_match, ls_adjacent_via) and the empty fields (bit per enum
     * ls_field). NULL in rows stored before: those read with matched null.
     */
    "ALTER TABLE results ADD COLUMN role_kind INTEGER;"
    "ALTER TABLE results ADD COLUMN role_term TEXT;"
    "ALTER TABLE results ADD COLUMN industry_match INTEGER;"
    "ALTER TABLE results ADD COLUMN adjacent_via INTEGER;"
    "ALTER TABLE results ADD COLUMN industry_term TEXT;"
    "ALTER TABLE results ADD COLUMN missing_fields INTEGER;",

    /*
     * 10: a million results paged from the dashboard (issue #8). The rank
     * index also holds the intent, so counting or skipping rows under an
     * intent and score filter reads the index alone (a score range is a
     * rank range); results by score then upload order (the index appends
     * idx), and leads by name and by company, so a page sorted by one of
     * them reads that page, not every row.
     */
    "DROP INDEX results_rank;"
    "CREATE INDEX results_rank ON results(job_id, rank, intent);"
    "CREATE INDEX leads_name ON leads(upload_id, name COLLATE NOCASE);"
    "CREATE INDEX leads_company ON leads(upload_id, company COLLATE NOCASE);"
    "CREATE INDEX results_score ON results(job_id, score);",

    /*
     * 11: keeping what came in (issue #9). A lead keeps its identity fields
     * (NULL: none), its other columns as a JSON array of strings in the
     * upload's column order (NULL: none), the hash of its duplicate key
     * (ls_lead_dup_hash; NULL: no key) and the idx of the earlier lead it
     * repeats (NULL: none), marked by one sorting pass at commit
     * (ST_LEADS_MARK_DUPS). Not by an index on the key: its random keys
     * rewrite most of the index's pages at every batch commit, which tripled
     * the cost of storing a million leads. An upload keeps how it was read,
     * the names of its extra columns (a JSON array, file order; NULL: none),
     * its duplicates and how many of them were left out (dropped: its idx
     * then has gaps). Rows stored before read as having none of these.
     */
    "ALTER TABLE leads ADD COLUMN email TEXT;"
    "ALTER TABLE leads ADD COLUMN linkedin_url TEXT;"
    "ALTER TABLE leads ADD COLUMN external_id TEXT;"
    "ALTER TABLE leads ADD COLUMN extra TEXT;"
    "ALTER TABLE leads ADD COLUMN dup_key INTEGER;"
    "ALTER TABLE leads ADD COLUMN duplicate_of INTEGER;"
    "ALTER TABLE uploads ADD COLUMN delimiter TEXT NOT NULL DEFAULT ',';"
    "ALTER TABLE uploads ADD COLUMN skipped_lines INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE uploads ADD COLUMN missing_fields INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE uploads ADD COLUMN warning TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE uploads ADD COLUMN extra_columns TEXT;"
    "ALTER TABLE uploads ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE uploads ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;",
    /*
     * 12: issue #10. Leads a content filter refused, counted on the job; how
     * the job's provider asked (its "ai" object); and what providers learnt
     * from a server's refusals, per base URL and model, for the next run.
     */
    "ALTER TABLE jobs ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN ai_mode TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE jobs ADD COLUMN ai_tokens_param TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE jobs ADD COLUMN ai_reasoning TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE jobs ADD COLUMN ai_thinking TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE llm_learnt ("
    "  base_url TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  mode TEXT NOT NULL DEFAULT '',"
    "  tokens_param TEXT NOT NULL DEFAULT '',"
    "  reasoning TEXT NOT NULL DEFAULT '',"
    "  thinking TEXT NOT NULL DEFAULT '',"
    "  updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (base_url, model));",
    /*
     * 13: issue #10 - what a job's answers cost: cached input and thought
     * tokens, the cost (NULL while the price is unknown), a budget and why a
     * job stopped, and a warning (a model's announced shutdown).
     */
    "ALTER TABLE jobs ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN thought_tokens INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN cost_usd REAL;"
    "ALTER TABLE jobs ADD COLUMN budget_usd REAL NOT NULL DEFAULT 0;"
    "ALTER TABLE jobs ADD COLUMN stop_reason TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE jobs ADD COLUMN warning TEXT NOT NULL DEFAULT '';",
    /*
     * 14: batch mode (issue #10). A job's mode ("standard" or "batch"); the
     * provider batches a batch-mode job submitted (remote_id: the service's
     * batch id or name, '' while being submitted; state: ours - submitting,
     * pending, ended, applied, cancelled; remote_state and the counts as the
     * service last reported them), and per request line its custom_id (or
     * key) with the leads it carries and their prompt ids, so that answers
     * map back to leads after a restart without paying for the batch again.
     */
    "ALTER TABLE jobs ADD COLUMN mode TEXT NOT NULL DEFAULT 'standard';"
    "CREATE TABLE batches ("
    "  id INTEGER PRIMARY KEY,"
    "  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
    "  provider TEXT NOT NULL, remote_id TEXT NOT NULL DEFAULT '',"
    "  input_file TEXT NOT NULL DEFAULT '', output_file TEXT NOT NULL DEFAULT '',"
    "  error_file TEXT NOT NULL DEFAULT '', state TEXT NOT NULL,"
    "  remote_state TEXT NOT NULL DEFAULT '', requests INTEGER NOT NULL DEFAULT 0,"
    "  n_total INTEGER NOT NULL DEFAULT 0, n_completed INTEGER NOT NULL DEFAULT 0,"
    "  n_failed INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX batches_job ON batches(job_id, id);"
    "CREATE TABLE batch_items ("
    "  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL, custom_id TEXT NOT NULL, prompt_id TEXT NOT NULL,"
    "  PRIMARY KEY (batch_id, idx)) WITHOUT ROWID;",
};

/* ---- prepared statements ------------------------------------------------ */

#define JOB_COLS                                                                                   \
    "id, workspace_id, coalesce(offer_id, 0), upload_id, status, created_ms, started_ms, "         \
    "finished_ms, total, done, failed, fallbacks, cache_hits, model_calls, retries, "              \
    "prompt_tokens, output_tokens, provider, model, error, n_high, n_medium, n_low, owner, "       \
    "results_deleted_ms, error_code, blocked, ai_mode, ai_tokens_param, ai_reasoning, "            \
    "ai_thinking, cached_tokens, thought_tokens, cost_usd, budget_usd, stop_reason, warning, "     \
    "mode, "                                                                                       \
    "(SELECT count(*) FROM batches b WHERE b.job_id = jobs.id), "                                  \
    "(SELECT coalesce(sum(n_total), 0) FROM batches b WHERE b.job_id = jobs.id), "                 \
    "(SELECT coalesce(sum(n_completed), 0) FROM batches b WHERE b.job_id = jobs.id), "             \
    "(SELECT coalesce(sum(n_failed), 0) FROM batches b WHERE b.job_id = jobs.id), "                \
    "(SELECT state FROM batches b WHERE b.job_id = jobs.id ORDER BY "                              \
    "b.state IN ('applied', 'cancelled'), b.id DESC LIMIT 1), "                                    \
    "(SELECT group_concat(remote_id, ' ') FROM batches b WHERE b.job_id = jobs.id), "              \
    "(SELECT remote_state FROM batches b WHERE b.job_id = jobs.id ORDER BY "                       \
    "b.state IN ('applied', 'cancelled'), b.id DESC LIMIT 1)"

#define KEY_COLS                                                                                   \
    "k.id, k.workspace_id, k.role, k.name, k.prefix, k.created_ms, k.last_used_ms, "               \
    "k.revoked_ms, w.name FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id"

#define FINAL "('succeeded', 'failed', 'cancelled')"

#define UPLOAD_COLS                                                                                \
    "id, created_ms, filename, accepted, rejected, encoding, delimiter, skipped_lines, "           \
    "missing_fields, warning, extra_columns, duplicates"

/*
 * Results joined with their leads, narrowed by the filters of a results
 * query: ?1 job, ?2 upload, ?3 intent bit mask, ?4..?5 score range, ?6
 * lowercased text ('' for any), ?11..?12 the score range as a rank range
 * (rank orders by score, so the range is a seek in the rank index).
 * Filters are bound values with neutral defaults, so one statement serves
 * every combination.
 */
/*
 * The rank range has one lower bound: given two (a BETWEEN and a keyset
 * "rank > ?" or an offset's start), SQLite seeks by one of them and
 * filters by the other, and a page deep in a million rows then reads every
 * row before it. So a keyset page's start is bound into ?11 (bind_results)
 * and an offset's start is the BETWEEN's own lower bound (RULES_WHERE_FROM).
 */
#define RULES_WHERE_FROM(lo)                                                                       \
    "r.job_id = ?1 AND r.rank BETWEEN " lo " AND ?12 AND ((?3 >> r.intent) & 1)"
#define RULES_WHERE RULES_WHERE_FROM("?11")
#define RESULTS_FILTER                                                                             \
    " AND r.score BETWEEN ?4 AND ?5 AND "                                                          \
    "(?6 = '' OR instr(lower(l.name), ?6) > 0 OR instr(lower(l.company), ?6) > 0 OR "              \
    "instr(lower(l.role), ?6) > 0)"
#define RESULTS_FROM                                                                               \
    "FROM results r JOIN leads l ON l.upload_id = ?2 AND l.idx = r.idx WHERE " RULES_WHERE         \
        RESULTS_FILTER
#define RESULT_COLS                                                                                \
    "SELECT r.idx, r.rank, l.name, l.role, l.company, l.industry, l.location, r.role_pts, "        \
    "r.industry_pts, r.complete_pts, r.rule_score, r.intent, r.ai_score, r.score, r.reasoning, "   \
    "r.provider, r.model, r.status, r.error, r.role_kind, r.role_term, r.industry_match, "         \
    "r.adjacent_via, r.industry_term, r.missing_fields, l.line, l.bio, l.email, l.linkedin_url, "  \
    "l.external_id, l.extra, l.duplicate_of "
#define RESULTS_SELECT RESULT_COLS RESULTS_FROM
/*
 * Sorted by a lead's name or company, or searched for text: the leads drive
 * (CROSS JOIN keeps SQLite from starting at the rank range instead), in that
 * index's order, or in upload order for text: one sequential pass over the
 * upload's leads, each result found by its key, instead of a random read of
 * a lead for every result in rank order.
 */
#define RESULTS_FROM_LEADS                                                                         \
    "FROM leads l CROSS JOIN results r ON r.job_id = ?1 AND r.idx = l.idx "                        \
    "WHERE l.upload_id = ?2 AND " RULES_WHERE RESULTS_FILTER
#define RESULTS_SELECT_BY_LEAD RESULT_COLS RESULTS_FROM_LEADS

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SYNC_FULL] = "PRAGMA synchronous=FULL",
    [ST_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
    [ST_HEALTH_PROBE] = "INSERT INTO health(id, at_ms) VALUES (1, ?1) "
                        "ON CONFLICT(id) DO UPDATE SET at_ms = excluded.at_ms",
    [ST_WS_FIND] = "SELECT id FROM workspaces WHERE name = ?1",
    [ST_WS_INSERT] = "INSERT INTO workspaces(name, created_ms) VALUES (?1, ?2)",
    [ST_WS_SET_OFFER] = "UPDATE workspaces SET current_offer = ?2 WHERE id = ?1",
    [ST_WS_SET_UPLOAD] = "UPDATE workspaces SET current_upload = ?2 WHERE id = ?1",
    [ST_WS_SET_JOB] = "UPDATE workspaces SET current_job = ?2 WHERE id = ?1",
    [ST_WS_CURRENT] =
        "SELECT current_offer, current_upload, current_job FROM workspaces WHERE id = ?1",
    /* After a deletion: the current pointers never name something that is gone. */
    [ST_WS_FIX] = "UPDATE workspaces SET "
                  "current_offer = CASE WHEN current_offer IN (SELECT id FROM offers) "
                  "THEN current_offer ELSE 0 END, "
                  "current_upload = CASE WHEN current_upload IN "
                  "(SELECT id FROM uploads WHERE status = 'ready') THEN current_upload ELSE 0 END, "
                  "current_job = coalesce((SELECT max(id) FROM jobs WHERE workspace_id = ?1), 0) "
                  "WHERE id = ?1",
    [ST_INSTANCE_DELETE] = "DELETE FROM instances WHERE id = ?1",
    [ST_KEY_INSERT] = "INSERT INTO api_keys(workspace_id, role, name, hash, prefix, created_ms) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_KEY_LOOKUP] = "SELECT " KEY_COLS " WHERE k.hash = ?1",
    [ST_KEYS_LIST] = "SELECT " KEY_COLS " WHERE ?1 = 0 OR k.workspace_id = ?1 ORDER BY k.id",
    [ST_KEY_GET] =
        "SELECT revoked_ms FROM api_keys WHERE id = ?1 AND (?2 = 0 OR workspace_id = ?2)",
    [ST_KEY_REVOKE] = "UPDATE api_keys SET revoked_ms = ?3 WHERE id = ?1 AND "
                      "(?2 = 0 OR workspace_id = ?2) AND revoked_ms = 0",
    [ST_KEYS_ACTIVE] = "SELECT count(*) FROM api_keys WHERE revoked_ms = 0",
    [ST_KEY_TOUCH] = "UPDATE api_keys SET last_used_ms = ?2 WHERE id = ?1",
    [ST_SESSION_INSERT] = "INSERT INTO sessions(hash, key_id, created_ms, expires_ms) "
                          "VALUES (?1, ?2, ?3, ?4)",
    /* The key's columns first (as KEY_COLS reads them), then the session's expiry. */
    [ST_SESSION_LOOKUP] = "SELECT k.id, k.workspace_id, k.role, k.name, k.prefix, k.created_ms, "
                          "k.last_used_ms, k.revoked_ms, w.name, s.expires_ms FROM sessions s "
                          "JOIN api_keys k ON k.id = s.key_id "
                          "JOIN workspaces w ON w.id = k.workspace_id WHERE s.hash = ?1",
    [ST_SESSION_DELETE] = "DELETE FROM sessions WHERE hash = ?1",
    [ST_SESSIONS_EXPIRE] = "DELETE FROM sessions WHERE expires_ms <= ?1 OR key_id IN "
                           "(SELECT id FROM api_keys WHERE revoked_ms != 0)",
    [ST_OFFER_INSERT] = "INSERT INTO offers(workspace_id, created_ms, name, body, content_hash) "
                        "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_OFFER_FIND] = "SELECT id FROM offers WHERE workspace_id = ?1 AND content_hash = ?2 "
                      "ORDER BY id DESC LIMIT 1",
    [ST_OFFERS_LIST] = "SELECT id, created_ms, name FROM offers WHERE workspace_id = ?1 "
                       "ORDER BY id DESC LIMIT ?2 OFFSET ?3",
    [ST_OFFERS_COUNT] = "SELECT count(*) FROM offers WHERE workspace_id = ?1",
    [ST_OFFER_GET] = "SELECT body FROM offers WHERE id = ?1 AND workspace_id = ?2",
    /*
     * In use: by a job that is queued or running, or that a live worker
     * still owns (cancelled elsewhere, not yet noticed: it is still writing).
     * Only the caller's workspace is asked: another's id must answer 404, not
     * tell by a 409 that it exists and is busy.
     */
    [ST_OFFER_IN_USE] = "SELECT count(*) FROM jobs WHERE offer_id = ?1 AND workspace_id = ?2 "
                        "AND (status IN ('queued', 'running') OR (owner != 0 AND ls_alive(owner)))",
    [ST_OFFER_DELETE] = "DELETE FROM offers WHERE id = ?1 AND workspace_id = ?2",
    [ST_UPLOAD_INSERT] = "INSERT INTO uploads(workspace_id, created_ms, filename, status, "
                         "content_hash, owner) VALUES (?1, ?2, ?3, 'loading', ?4, ?5)",
    [ST_UPLOAD_FIND] = "SELECT id FROM uploads WHERE workspace_id = ?1 AND content_hash = ?2 "
                       "AND status = 'ready' ORDER BY id DESC LIMIT 1",
    [ST_UPLOADS_LIST] =
        "SELECT " UPLOAD_COLS " FROM uploads WHERE workspace_id = ?1 AND status = 'ready' "
        "ORDER BY id DESC LIMIT ?2 OFFSET ?3",
    [ST_UPLOADS_COUNT] = "SELECT count(*) FROM uploads WHERE workspace_id = ?1 AND "
                         "status = 'ready'",
    [ST_UPLOAD_ERRORS] = "SELECT line, error FROM upload_errors WHERE upload_id = ?1 AND "
                         "EXISTS (SELECT 1 FROM uploads WHERE id = ?1 AND workspace_id = ?4) "
                         "ORDER BY seq LIMIT ?2",
    /*
     * idx runs 0..accepted-1 within an upload, so an offset is a key range,
     * not a scan - unless duplicates were left out (dropped > 0): then the
     * offset is counted in the primary key.
     */
    [ST_UPLOAD_LEADS] = "SELECT idx, line, name, role, company, industry, location, bio "
                        "FROM leads WHERE upload_id = ?1 AND idx >= CASE WHEN (SELECT dropped "
                        "FROM uploads WHERE id = ?1) = 0 THEN ?3 ELSE (SELECT idx FROM leads "
                        "WHERE upload_id = ?1 ORDER BY idx LIMIT 1 OFFSET ?3) END AND EXISTS "
                        "(SELECT 1 FROM uploads WHERE id = ?1 AND workspace_id = ?4) ORDER BY "
                        "idx LIMIT ?2",
    [ST_UPLOAD_READY] = "UPDATE uploads SET status = 'ready', accepted = ?2, rejected = ?3, "
                        "encoding = ?4, owner = 0, committed_ms = ?5, delimiter = ?7, "
                        "skipped_lines = ?8, missing_fields = ?9, warning = ?10, "
                        "extra_columns = ?11, duplicates = ?12, dropped = ?13 "
                        "WHERE id = ?1 AND status = 'loading' AND owner = ?6",
    [ST_UPLOAD_GET] = "SELECT " UPLOAD_COLS
                      " FROM uploads WHERE id = ?1 AND workspace_id = ?2 AND status = 'ready'",
    [ST_UPLOAD_ERROR] = "INSERT INTO upload_errors(upload_id, seq, line, error) "
                        "VALUES (?1, ?2, ?3, ?4)",
    [ST_UPLOAD_TOUCH] = "SELECT count(*) FROM uploads WHERE id = ?1 AND owner = ?2 AND "
                        "status = 'loading'",
    [ST_UPLOAD_IN_USE] =
        "SELECT count(*) FROM jobs WHERE upload_id = ?1 AND workspace_id = ?2 "
        "AND (status IN ('queued', 'running') OR (owner != 0 AND ls_alive(owner)) OR "
        "id IN (SELECT job_id FROM batches WHERE state IN " LIVE_BATCH "))",
    [ST_UPLOAD_DELETE] = "DELETE FROM uploads WHERE id = ?1 AND workspace_id = ?2 AND "
                         "status = 'ready'",
    [ST_LEAD_INSERT] = "INSERT INTO leads(upload_id, idx, line, name, role, company, industry, "
                       "location, bio, email, linkedin_url, external_id, extra, dup_key, "
                       "duplicate_of) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                       "?13, ?14, ?15)",
    /*
     * Issue #9, at commit: each lead of upload ?1 whose key an earlier lead
     * has gets that first lead's idx. One pass over the upload in key order
     * (SQLite's sorter spills to temporary files, so memory stays bounded),
     * then a key lookup per duplicate; the changes are the duplicates.
     */
    [ST_LEADS_MARK_DUPS] =
        "UPDATE leads SET duplicate_of = d.first FROM (SELECT idx, first FROM (SELECT idx, "
        "min(idx) OVER (PARTITION BY dup_key) AS first FROM leads WHERE upload_id = ?1 AND "
        "dup_key IS NOT NULL) WHERE first < idx) AS d WHERE leads.upload_id = ?1 AND "
        "leads.idx = d.idx",
    [ST_LEADS_DROP_DUPS] = "DELETE FROM leads WHERE upload_id = ?1 AND duplicate_of IS NOT NULL",
    /* ?7: 0 for a queued job, or this instance for one created already claimed. */
    [ST_JOB_INSERT] =
        "INSERT INTO jobs(workspace_id, offer_id, upload_id, status, created_ms, started_ms, "
        "total, provider, model, owner, budget_usd, mode) SELECT ?1, ?2, ?3, "
        "CASE WHEN ?7 = 0 THEN 'queued' ELSE 'running' END, ?4, CASE WHEN ?7 = 0 THEN 0 ELSE "
        "?4 END, u.accepted, ?5, ?6, ?7, ?8, ?9 FROM uploads u "
        "JOIN offers o ON o.id = ?2 AND o.workspace_id = ?1 "
        "WHERE u.id = ?3 AND u.workspace_id = ?1 AND u.status = 'ready'",
    [ST_JOB_GET] = "SELECT " JOB_COLS " FROM jobs WHERE id = ?1",
    [ST_JOB_GET_WS] = "SELECT " JOB_COLS " FROM jobs WHERE id = ?1 AND workspace_id = ?2",
    [ST_JOBS_LIST] = "SELECT " JOB_COLS " FROM jobs WHERE workspace_id = ?1 ORDER BY id DESC "
                     "LIMIT ?2 OFFSET ?3",
    [ST_JOBS_COUNT] = "SELECT count(*) FROM jobs WHERE workspace_id = ?1",
    [ST_JOB_RESUMABLE] = "SELECT id FROM jobs WHERE workspace_id = ?5 AND offer_id = ?1 AND "
                         "upload_id = ?2 AND provider = ?3 AND model = ?4 AND "
                         "status IN ('queued', 'running', 'stopped') ORDER BY id DESC LIMIT 1",
    /*
     * ?1 is this instance: a running job it owns while its worker looks for
     * work is one whose final write failed (a full or locked store); it is
     * taken up again rather than left running for good.
     */
    [ST_JOB_CLAIMABLE] = "SELECT id FROM jobs WHERE status IN ('queued', 'running') AND "
                         "(owner = 0 OR owner = ?1 OR NOT ls_alive(owner)) ORDER BY id LIMIT 1",
    [ST_JOB_CLAIM] = "UPDATE jobs SET owner = ?2, status = 'running', "
                     "started_ms = CASE WHEN started_ms = 0 THEN ?3 ELSE started_ms END "
                     "WHERE id = ?1 AND status IN ('queued', 'running') AND "
                     "(owner = 0 OR owner = ?2 OR NOT ls_alive(owner))",
    [ST_JOB_PROGRESS] = "UPDATE jobs SET done = done + ?2, failed = failed + ?3, "
                        "fallbacks = fallbacks + ?4, cache_hits = cache_hits + ?5, "
                        "model_calls = model_calls + ?6, retries = retries + ?7, "
                        "prompt_tokens = prompt_tokens + ?8, output_tokens = output_tokens + ?9, "
                        "n_high = n_high + ?10, n_medium = n_medium + ?11, n_low = n_low + ?12, "
                        "blocked = blocked + ?13, cached_tokens = cached_tokens + ?14, "
                        "thought_tokens = thought_tokens + ?15, cost_usd = CASE WHEN ?16 IS NULL "
                        "THEN cost_usd ELSE coalesce(cost_usd, 0) + ?16 END WHERE id = ?1",
    [ST_JOB_STATUS] = "SELECT status FROM jobs WHERE id = ?1",
    /*
     * REQ-JOB-COMPLETE, at the last step: "succeeded" needs a result for
     * every lead, whatever the caller counted; fewer make the job failed.
     */
    [ST_JOB_FINISH] =
        "UPDATE jobs SET (status, error, error_code) = (SELECT CASE WHEN ?2 = 'succeeded' AND "
        "n < total THEN 'failed' ELSE ?2 END, CASE WHEN ?2 = 'succeeded' AND n < total THEN "
        "'only ' || n || ' of ' || total || ' leads have a result; start a new job to score the "
        "rest' ELSE ?4 END, CASE WHEN ?2 = 'succeeded' AND n < total THEN ?7 ELSE ?6 END FROM "
        "(SELECT count(*) AS n FROM results WHERE job_id = ?1)), finished_ms = ?3, owner = 0, "
        "stop_reason = ?8 "
        "WHERE id = ?1 AND owner = ?5 AND status = 'running'",
    [ST_JOB_RELEASE] = "UPDATE jobs SET owner = 0 WHERE id = ?1 AND owner = ?2",
    [ST_JOB_RESUME] = "UPDATE jobs SET status = 'queued', budget_usd = ?3, stop_reason = '', "
                      "finished_ms = 0, owner = 0 WHERE id = ?1 AND workspace_id = ?2 AND "
                      "status = 'stopped'",
    [ST_JOB_WARN] = "UPDATE jobs SET warning = ?2 WHERE id = ?1",
    [ST_JOB_CANCEL] = "UPDATE jobs SET status = 'cancelled', finished_ms = ?3, "
                      "error = 'cancelled on request' WHERE id = ?1 AND workspace_id = ?2 AND "
                      "status IN ('queued', 'running', 'stopped')",
    /* A job that is gone has stopped too. */
    [ST_JOB_STOPPED] = "SELECT coalesce((SELECT status IN ('succeeded', 'failed', 'cancelled', "
                       "'stopped')"
                       " AND (owner = 0 OR NOT ls_alive(owner)) FROM jobs WHERE id = ?1), 1)",
    [ST_JOBS_COUNTS] = "SELECT coalesce(sum(status = 'queued'), 0), "
                       "coalesce(sum(status = 'running'), 0) FROM jobs "
                       "WHERE status IN ('queued', 'running')",
    [ST_JOBS_QUEUED] = "SELECT count(*) FROM jobs WHERE status = 'queued'",
    /* Not while a batch of it may still run (and bill) at the service: its row is how it is
     * cancelled (issue #10); a cancelled job's are cancelled within a minute. */
    [ST_JOB_DELETE] = "DELETE FROM jobs WHERE id = ?1 AND workspace_id = ?2 AND status IN " FINAL
                      " AND (owner = 0 OR NOT ls_alive(owner)) AND NOT EXISTS (SELECT 1 FROM "
                      "batches b WHERE b.job_id = jobs.id AND b.state IN " LIVE_BATCH ")",
    [ST_JOB_LIVE_BATCHES] =
        "SELECT count(*) FROM batches WHERE job_id = ?1 AND state IN " LIVE_BATCH,
    [ST_JOB_RESULTS_DELETE] = "DELETE FROM results WHERE job_id = ?1",
    [ST_JOB_RESULTS_MARK] =
        "UPDATE jobs SET results_deleted_ms = ?3 WHERE id = ?1 AND "
        "workspace_id = ?2 AND status IN " FINAL " AND (owner = 0 OR NOT ls_alive(owner))",
    /*
     * With a duplicate (issue #9): the original's verdict when it has a
     * result already (o.intent NULL otherwise), so that it is reused.
     */
    [ST_LEADS_PENDING] = "SELECT l.idx, l.name, l.role, l.company, l.industry, l.location, l.bio, "
                         "l.duplicate_of, o.intent, o.reasoning "
                         "FROM leads l LEFT JOIN results o ON l.duplicate_of IS NOT NULL AND "
                         "o.job_id = ?3 AND o.idx = l.duplicate_of "
                         "WHERE l.upload_id = ?1 AND l.idx > ?2 AND NOT EXISTS "
                         "(SELECT 1 FROM results r WHERE r.job_id = ?3 AND r.idx = l.idx) "
                         "ORDER BY l.idx LIMIT ?4",
    [ST_UPLOAD_EXTRA] = "SELECT extra_columns FROM uploads WHERE id = ?1",
    [ST_RESULT_INSERT] = "INSERT OR REPLACE INTO results(job_id, idx, rank, role_pts, "
                         "industry_pts, complete_pts, rule_score, intent, ai_score, score, "
                         "reasoning, provider, model, status, error, cache_key, role_kind, "
                         "role_term, industry_match, adjacent_via, industry_term, missing_fields) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                         "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
    [ST_VERDICT_GET] = "SELECT intent, reasoning FROM verdicts WHERE workspace_id = ?1 AND "
                       "key = ?2",
    [ST_VERDICT_PUT] = "INSERT INTO verdicts(workspace_id, key, intent, reasoning, created_ms, "
                       "used_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT(workspace_id, key) "
                       "DO UPDATE SET intent = excluded.intent, reasoning = excluded.reasoning, "
                       "used_ms = excluded.used_ms",
    [ST_VERDICT_USED] = "UPDATE verdicts SET used_ms = ?3 WHERE workspace_id = ?1 AND key = ?2",
    /*
     * Keyset pages: the rows after the cursor (?10 = 0: from the start), ?7
     * the last row's key (rank, score or text), ?9 its idx, ?8 the limit.
     * Rows stored meanwhile before the cursor are not seen, and none is seen
     * twice: a page of a running job read in pieces stays a set of rows.
     */
    [ST_RESULTS_PAGE] = RESULTS_SELECT " AND r.rank > ?7 ORDER BY r.rank LIMIT ?8",
    [ST_RESULTS_PAGE_SCORE_ASC] =
        RESULTS_SELECT " AND (?10 = 0 OR r.score > ?7 OR (r.score = ?7 AND r.idx > ?9)) "
                       "ORDER BY r.score, r.idx LIMIT ?8",
    [ST_RESULTS_PAGE_NAME] = RESULTS_SELECT_BY_LEAD
    " AND (?10 = 0 OR l.name > ?7 COLLATE NOCASE OR (l.name = ?7 COLLATE NOCASE AND "
    "l.idx > ?9)) ORDER BY l.name COLLATE NOCASE, l.idx LIMIT ?8",
    [ST_RESULTS_PAGE_COMPANY] = RESULTS_SELECT_BY_LEAD
    " AND (?10 = 0 OR l.company > ?7 COLLATE NOCASE OR (l.company = ?7 COLLATE NOCASE AND "
    "l.idx > ?9)) ORDER BY l.company COLLATE NOCASE, l.idx LIMIT ?8",
    [ST_RESULTS_SCORE_DESC] = RESULTS_SELECT " ORDER BY r.rank LIMIT ?7 OFFSET ?8",
    [ST_RESULTS_SCORE_ASC] = RESULTS_SELECT " ORDER BY r.score, r.idx LIMIT ?7 OFFSET ?8",
    [ST_RESULTS_NAME] =
        RESULTS_SELECT_BY_LEAD " ORDER BY l.name COLLATE NOCASE, l.idx LIMIT ?7 OFFSET ?8",
    [ST_RESULTS_COMPANY] =
        RESULTS_SELECT_BY_LEAD " ORDER BY l.company COLLATE NOCASE, l.idx LIMIT ?7 OFFSET ?8",
    [ST_RESULTS_COUNT] = "SELECT count(*) " RESULTS_FROM_LEADS, /* with text to find */
    /* Without text to find, the leads are not needed: the rank index alone answers. */
    [ST_RESULTS_COUNT_RULES] = "SELECT count(*) FROM results r WHERE " RULES_WHERE,
    /* By score with text: the matches are found in the leads, then sorted. */
    [ST_RESULTS_SCORE_DESC_TEXT] = RESULTS_SELECT_BY_LEAD " ORDER BY r.rank LIMIT ?7 OFFSET ?8",
    /* By score without text: the offset is skipped in the rank index, then one page is read. */
    [ST_RESULTS_SCORE_DESC_SEEK] = RESULT_COLS
    "FROM results r JOIN leads l ON l.upload_id = ?2 AND l.idx = r.idx WHERE " RULES_WHERE_FROM(
        "(SELECT r.rank FROM results r WHERE " RULES_WHERE " ORDER BY r.rank LIMIT 1 OFFSET ?8)")
        RESULTS_FILTER " ORDER BY r.rank LIMIT ?7",
    /*
     * Result counts by intent and score (issue #8's summary): every row of
     * the job, without touching the leads; or, with ?3..?6, the rows a
     * results query matches.
     */
    [ST_RESULTS_HIST] = "SELECT intent, score, count(*) FROM results WHERE job_id = ?1 "
                        "GROUP BY intent, score",
    [ST_RESULTS_HIST_Q] =
        "SELECT r.intent, r.score, count(*) " RESULTS_FROM_LEADS " GROUP BY r.intent, r.score",
    /*
     * A finished job's text index (issue #8): one pass over the upload's
     * leads in order, each result found by its key; the leads in name and
     * company order (their indexes, walked); and the rows of a page by key.
     */
    [ST_RESULTS_TEXTS] = "SELECT r.idx, r.intent, r.score, l.name, l.company, l.role "
                         "FROM leads l CROSS JOIN results r ON r.job_id = ?1 AND r.idx = l.idx "
                         "WHERE l.upload_id = ?2 ORDER BY l.idx",
    [ST_LEADS_BY_NAME] =
        "SELECT idx FROM leads WHERE upload_id = ?1 ORDER BY name COLLATE NOCASE, idx",
    [ST_LEADS_BY_COMPANY] =
        "SELECT idx FROM leads WHERE upload_id = ?1 ORDER BY company COLLATE NOCASE, idx",
    [ST_RESULT_GET] = RESULT_COLS "FROM results r JOIN leads l ON l.upload_id = ?2 AND "
                                  "l.idx = r.idx WHERE r.job_id = ?1 AND r.idx = ?3",
};

/* ---- errors -------------------------------------------------------------- */

int ls_sq_fail(sqlite3 *db, int rc, const char *what, struct ls_err *err)
{
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int code;
    switch (rc & 0xFF) {
    case SQLITE_FULL:
        code = LS_ENOSPACE;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PROTOCOL:
        code = LS_EUNAVAILABLE;
        break;
    default:
        code = LS_EIO;
        break;
    }
    return ls_err_set(err, code, "database error while %s: %s", what, msg);
}

/* ---- instances: who is alive ------------------------------------------------ */

/* Byte <id> of the lock file is write-locked for as long as instance id lives. */
static bool instance_alive(struct sq_store *s, int64_t id)
{
    if (id <= 0)
        return false;
    if (id == s->instance)
        return true;
    if (s->lock_fd < 0)
        return true; /* cannot tell: never assume another process is dead */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = id, .l_len = 1};
    if (fcntl(s->lock_fd, F_OFD_GETLK, &fl) != 0)
        return true;
    return fl.l_type != F_UNLCK;
}

static void sql_alive(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct sq_store *s = sqlite3_user_data(ctx);
    sqlite3_result_int(ctx, instance_alive(s, sqlite3_value_int64(argv[0])));
}

/* ---- connections ------------------------------------------------------- */

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
        ls_err_set(err, LS_EUNAVAILABLE, "cannot open database \"%s\": %s", s->path,
                   c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        conn_close(c);
        return LS_EUNAVAILABLE;
    }
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_create_function_v2(c->db, "ls_alive", 1, SQLITE_UTF8, s, sql_alive, NULL, NULL, NULL);
    char pragmas[256];
    /* secure_delete: deleted lead text is overwritten, not left in free pages. */
    int n = snprintf(pragmas, sizeof(pragmas),
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                     "PRAGMA secure_delete=ON;");
    if (s->opt.max_bytes > 0)
        snprintf(pragmas + n, sizeof(pragmas) - (size_t)n, " PRAGMA max_page_count=%lld;",
                 (long long)(s->opt.max_bytes / 4096 > 16 ? s->opt.max_bytes / 4096 : 16));
    rc = sqlite3_exec(c->db, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        ls_sq_fail(c->db, rc, "configuring the database", err);
        conn_close(c);
        return err ? err->code : LS_EIO;
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

static int set_sync(struct conn *c, bool normal, struct ls_err *err)
{
    if (c->sync_normal == normal)
        return LS_OK;
    int rc = ls_sq_exec(c, normal ? ST_SYNC_NORMAL : ST_SYNC_FULL, "setting durability", err);
    if (rc == LS_OK)
        c->sync_normal = normal;
    return rc;
}

/* The file behind the path is still the one opened (not deleted, moved or replaced). */
static int same_file(struct sq_store *s, struct ls_err *err)
{
    struct stat sb;
    if (stat(s->path, &sb) != 0 || sb.st_ino != s->ino || sb.st_dev != s->dev)
        return ls_err_set(err, LS_EUNAVAILABLE,
                          "the database file \"%s\" was deleted or replaced while in use", s->path);
    return LS_OK;
}

int ls_sq_begin(struct sq_store *s, struct conn *c, bool bulk, struct ls_err *err)
{
    int rc = same_file(s, err);
    if (rc == LS_OK)
        rc = set_sync(c, bulk, err);
    if (rc == LS_OK)
        rc = ls_sq_exec(c, ST_BEGIN, "starting a transaction", err);
    return rc;
}

int ls_sq_commit(struct conn *c, struct ls_err *err)
{
    int rc = ls_sq_exec(c, ST_COMMIT, "committing", err);
    if (rc != LS_OK)
        ls_sq_rollback(c);
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
        return err ? err->code : LS_EUNAVAILABLE;
    int rc = LS_OK;
    sqlite3_stmt *st = ls_sq_stmt(c, id, err);
    if (st == NULL) {
        rc = err ? err->code : LS_EIO;
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

int ls_sq_write(struct sq_store *s, enum stmt_id id, ls_sq_bind_fn bind, const void *args,
                int *changes, const char *what, struct ls_err *err)
{
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL)
        return err ? err->code : LS_EUNAVAILABLE;
    int rc = ls_sq_begin(s, c, false, err);
    sqlite3_stmt *st = rc ? NULL : ls_sq_stmt(c, id, err);
    if (rc == LS_OK && st == NULL)
        rc = err ? err->code : LS_EIO;
    if (rc == LS_OK) {
        if (bind)
            bind(st, args);
        rc = ls_sq_step_done(c, st, what, err);
    }
    int n = rc ? 0 : sqlite3_changes(c->db);
    if (rc == LS_OK)
        rc = ls_sq_commit(c, err);
    ls_sq_rollback(c);
    ls_sq_release(s, c);
    if (rc == LS_OK && changes)
        *changes = n;
    return rc;
}

/* ---- open, migrate, close ------------------------------------------------------ */

static int exec_all(struct conn *c, const char *sql, const char *what, struct ls_err *err)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? LS_OK : ls_sq_fail(c->db, rc, what, err);
}

/* Applies pending migrations (foreign keys off while tables are rebuilt). */
static int migrate(struct conn *c, struct ls_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = exec_all(c, "PRAGMA foreign_keys=OFF; BEGIN IMMEDIATE", "starting migrations", err);
    if (rc)
        return rc;
    int version = 0;
    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    int n = (int)LS_ARRAY_LEN(migrations);
    if (version > n) {
        sqlite3_exec(c->db, "ROLLBACK; PRAGMA foreign_keys=ON", NULL, NULL, NULL);
        return ls_err_set(err, LS_EIO,
                          "the database schema (version %d) is newer than this leadscore "
                          "understands (%d)",
                          version, n);
    }
    for (int v = version; v < n && rc == LS_OK; v++)
        rc = exec_all(c, migrations[v], "migrating the schema", err);
    if (rc == LS_OK && version < n) {
        /* A rebuild that left a dangling reference must not be committed. */
        rc = sqlite3_prepare_v2(c->db, "PRAGMA foreign_key_check", -1, &st, NULL);
        bool dangling = rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        rc = dangling ? ls_err_set(err, LS_EIO, "migrating the schema left broken references")
                      : LS_OK;
    }
    if (rc == LS_OK) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", n);
        rc = exec_all(c, sql, "migrating the schema", err);
    }
    if (rc == LS_OK)
        rc = exec_all(c, "COMMIT", "migrating the schema", err);
    if (rc)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(c->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    return rc;
}

/* Registers this process and takes its lock byte; removes what dead instances left. */
static int register_instance(struct sq_store *s, struct conn *c, struct ls_err *err)
{
    char lock[1100];
    snprintf(lock, sizeof(lock), "%s-lock", s->path);
    s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0)
        return ls_err_set(err, LS_EUNAVAILABLE, "cannot open the lock file \"%s\": %s", lock,
                          strerror(errno));
    sqlite3_stmt *st = NULL;
    int rc = exec_all(c, "BEGIN IMMEDIATE", "registering this process", err);
    if (rc == LS_OK &&
        sqlite3_prepare_v2(c->db, "INSERT INTO instances(pid, started_ms) VALUES (?1, ?2)", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (int64_t)getpid());
        sqlite3_bind_int64(st, 2, ls_now_ms());
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ls_sq_fail(c->db, sqlite3_errcode(c->db), "registering this process", err);
        s->instance = sqlite3_last_insert_rowid(c->db);
    } else if (rc == LS_OK) {
        rc = ls_sq_fail(c->db, sqlite3_errcode(c->db), "registering this process", err);
    }
    sqlite3_finalize(st);
    if (rc == LS_OK) {
        /* The lock is taken before the commit: nobody can see this row without its lock. */
        struct flock fl = {
            .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = s->instance, .l_len = 1};
        if (fcntl(s->lock_fd, F_OFD_SETLK, &fl) != 0)
            rc = ls_err_set(err, LS_EUNAVAILABLE, "cannot lock \"%s\": %s", lock, strerror(errno));
    }
    /*
     * Uploads that dead instances never committed were never acknowledged:
     * they go. Uploads a live instance is loading stay (REQ-STORE-MULTI).
     */
    if (rc == LS_OK)
        rc = exec_all(c,
                      "DELETE FROM uploads WHERE status = 'loading' AND NOT ls_alive(owner);"
                      "DELETE FROM instances WHERE NOT ls_alive(id);",
                      "cleaning up after stopped processes", err);
    if (rc == LS_OK)
        rc = exec_all(c, "COMMIT", "registering this process", err);
    if (rc)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
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
    if (s->instance && s->n_open > 0) {
        /* Best effort: a clean exit removes its own row (a crash leaves it for others). */
        sqlite3_stmt *st = ls_sq_stmt(&s->conns[0], ST_INSTANCE_DELETE, NULL);
        if (st) {
            sqlite3_bind_int64(st, 1, s->instance);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
    }
    for (int i = 0; i < s->n_open; i++)
        conn_close(&s->conns[i]);
    pthread_mutex_unlock(&s->mu);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* drops the instance lock */
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->health_mu);
    free(s->path);
    free(s);
}

int64_t ls_sq_instance(struct ls_store *base)
{
    return ((struct sq_store *)base)->instance;
}

static void bind_now(sqlite3_stmt *st, const void *args)
{
    sqlite3_bind_int64(st, 1, *(const int64_t *)args);
}

int ls_sq_health(struct ls_store *base, struct ls_err *err)
{
    struct sq_store *s = (struct sq_store *)base;
    int64_t now = ls_mono_ms();
    pthread_mutex_lock(&s->health_mu);
    if (s->health_at == 0 || now - s->health_at >= HEALTH_EVERY_MS) {
        /* At most one probe a second, whatever the rate of GET /healthz. */
        struct ls_err e = {0};
        int64_t wall = ls_now_ms();
        int rc = same_file(s, &e);
        if (rc == LS_OK)
            rc = ls_sq_write(s, ST_HEALTH_PROBE, bind_now, &wall, NULL, "writing a health probe",
                             &e);
        s->health_rc = rc;
        snprintf(s->health_msg, sizeof(s->health_msg), "%s", rc ? e.msg : "");
        s->health_at = now;
    }
    int rc = s->health_rc;
    if (rc)
        ls_err_set(err, rc, "%s", s->health_msg);
    pthread_mutex_unlock(&s->health_mu);
    return rc;
}

/* ---- ops table ------------------------------------------------------------------- */

static const struct ls_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = ls_sq_close,
    .instance = ls_sq_instance,
    .health = ls_sq_health,
    .workspace_ensure = ls_sq_workspace_ensure,
    .key_create = ls_sq_key_create,
    .key_lookup = ls_sq_key_lookup,
    .keys_list = ls_sq_keys_list,
    .key_revoke = ls_sq_key_revoke,
    .keys_active = ls_sq_keys_active,
    .key_touch = ls_sq_key_touch,
    .offer_put = ls_sq_offer_put,
    .offer_get = ls_sq_offer_get,
    .offer_find = ls_sq_offer_find,
    .offers_list = ls_sq_offers_list,
    .offer_delete = ls_sq_offer_delete,
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
    .upload_delete = ls_sq_upload_delete,
    .current = ls_sq_current,
    .batch_create = ls_sq_batch_create,
    .batch_update = ls_sq_batch_update,
    .batches_list = ls_sq_batches_list,
    .batch_items = ls_sq_batch_items,
    .batch_delete = ls_sq_batch_delete,
    .batches_orphaned = ls_sq_batches_orphaned,
    .job_create = ls_sq_job_create,
    .job_get = ls_sq_job_get,
    .jobs_list = ls_sq_jobs_list,
    .job_find_resumable = ls_sq_job_find_resumable,
    .job_claim = ls_sq_job_claim,
    .job_finish = ls_sq_job_finish,
    .job_release = ls_sq_job_release,
    .job_resume = ls_sq_job_resume,
    .job_warn = ls_sq_job_warn,
    .job_cancel = ls_sq_job_cancel,
    .job_stopped = ls_sq_job_stopped,
    .jobs_counts = ls_sq_jobs_counts,
    .job_delete = ls_sq_job_delete,
    .leads_pending = ls_sq_leads_pending,
    .results_put = ls_sq_results_put,
    .verdicts_get = ls_sq_verdicts_get,
    .results_page = ls_sq_results_page,
    .results_query = ls_sq_results_query,
    .results_hist = ls_sq_results_hist,
    .results_texts = ls_sq_results_texts,
    .leads_order = ls_sq_leads_order,
    .results_get = ls_sq_results_get,
    .purge = ls_sq_purge,
    .cache_trim = ls_sq_cache_trim,
    .session_create = ls_sq_session_create,
    .session_lookup = ls_sq_session_lookup,
    .session_delete = ls_sq_session_delete,
    .sessions_expire = ls_sq_sessions_expire,
    .learnt_get = ls_sq_learnt_get,
    .learnt_put = ls_sq_learnt_put,
    .job_ai_set = ls_sq_job_ai_set,
};

struct ls_store *ls_store_open_sqlite(const char *path, const struct ls_store_options *opt,
                                      struct ls_err *err)
{
    struct sq_store *s = ls_xcalloc(1, sizeof(*s));
    s->base.ops = &sqlite_ops;
    s->path = ls_xstrdup(path);
    s->lock_fd = -1;
    if (opt)
        s->opt = *opt;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->health_mu, NULL);
    struct conn *c = ls_sq_acquire(s, err);
    if (c == NULL) {
        ls_sq_close(&s->base);
        return NULL;
    }
    int rc = migrate(c, err);
    struct stat sb;
    if (rc == LS_OK && stat(path, &sb) == 0) {
        s->dev = sb.st_dev;
        s->ino = sb.st_ino;
    }
    if (rc == LS_OK)
        rc = register_instance(s, c, err);
    ls_sq_release(s, c);
    if (rc) {
        ls_sq_close(&s->base);
        return NULL;
    }
    return &s->base;
}
