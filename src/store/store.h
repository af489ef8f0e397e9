/*
 * store.h - durable storage of workspaces, API keys, sessions, offers, uploads,
 * leads, jobs, results and the verdict cache.
 *
 * The store is a table of operations (struct ls_store_ops, like SQLite's
 * VFS) behind an opaque handle; store_sqlite.c is the embedded
 * implementation. All functions are thread-safe. Everything a function
 * reports as stored is durable when it returns.
 *
 * Workspaces: every offer, upload, lead, job, result and verdict belongs to
 * one; every operation a request can reach takes the workspace id and treats
 * another workspace's rows as absent (LS_ENOTFOUND), so ids reveal nothing.
 *
 * Several processes may use one store at once (a server and `leadscore
 * score --db` on the same file, or two servers). Each open store is an
 * instance with an id; an upload being loaded and a job being run are owned
 * by the instance doing it, and nothing owned by a live instance is touched
 * by another: start-up only removes what dead instances left, and a job is
 * claimed by exactly one instance. Ids are never reused.
 */
#ifndef LS_STORE_STORE_H
#define LS_STORE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ai_learnt.h"
#include "core/batch_rec.h"
#include "core/csv_in.h"
#include "core/err.h"
#include "core/lead.h"
#include "core/offer.h"
#include "core/query.h"
#include "core/result.h"
#include "core/summary.h"
#include "core/verdict.h"

struct ls_store;

enum ls_job_status {
    LS_JOB_QUEUED,
    LS_JOB_RUNNING,
    LS_JOB_SUCCEEDED,
    LS_JOB_FAILED,
    LS_JOB_CANCELLED,
    /* Issue #10: held at its budget (stop_reason "budget"); POST /jobs/{id}/resume
     * with a higher budget queues it again. Not final: it can go on. */
    LS_JOB_STOPPED,
};

/* "queued", "running", ... Static. */
const char *ls_job_status_name(enum ls_job_status s);
/* Inverse of ls_job_status_name; -1 when unknown. */
int ls_job_status_parse(const char *s);
/* True for succeeded, failed and cancelled. */
bool ls_job_status_final(enum ls_job_status s);
/* Final, or stopped: no worker runs it, and nothing changes until someone acts. */
bool ls_job_status_at_rest(enum ls_job_status s);

/* Counters a job adds to as it runs; written as increments, never as totals. */
struct ls_job_counts {
    int64_t done;        /* results stored */
    int64_t failed;      /* leads the model failed on (fallback used) */
    int64_t fallbacks;   /* = failed: verdicts that came from the offline judge */
    int64_t cache_hits;  /* verdicts reused from the cache */
    int64_t model_calls; /* HTTP requests to the model */
    int64_t retries;     /* of those, repeats after an error */
    int64_t prompt_tokens, output_tokens;
    int64_t intents[4]; /* results by enum ls_intent */
    int64_t blocked;    /* of the failed, leads a content filter or safety block refused */
    int64_t cached_tokens, thought_tokens; /* of prompt_tokens, of output_tokens */
    /* USD the model's answers cost; has_cost false: the price is unknown (in an
     * increment: add nothing, and leave an unknown total unknown). */
    double cost_usd;
    bool has_cost;
};

struct ls_job {
    int64_t id, workspace, offer_id, upload_id; /* offer_id 0 once its offer was deleted */
    enum ls_job_status status;
    int64_t created_ms, started_ms, finished_ms; /* 0 when not yet */
    int64_t results_deleted_ms;                  /* 0 unless DELETE /jobs/{id}/results */
    int64_t total;                               /* leads in the upload */
    struct ls_job_counts n;
    int64_t owner; /* the instance running it, 0 when none */
    char provider[32];
    char model[128];
    char error[LS_ERR_MSG_MAX];
    int error_code; /* why it failed (enum ls_status, e.g. LS_ENOSPACE), LS_OK unless failed */
    struct ls_ai_form ai; /* how the provider asked (issue #10); "" fields before it ran */
    double budget_usd;    /* 0: none; else the job stops before a request would go past it */
    char stop_reason[16]; /* "budget" when stopped, else "" */
    char warning[256];    /* e.g. the model's announced shutdown (from the preflight) */
    char mode[16];        /* "standard" or "batch" (issue #10); "" at creation means standard */
    /* Batch mode: its provider batches, summed as the service last reported them (read only). */
    struct ls_job_batch {
        int64_t n_batches;
        int64_t total, completed, failed; /* requests, as the service counts them */
        char state[16];                   /* the newest unfinished batch's (struct ls_batch) ... */
        char remote_state[40];            /* ... and its state as the service reported it */
        char ids[512];                    /* the services' batch ids, space-separated */
    } batch;
};

/* Called per batch or item; borrowed for the call. */
typedef int (*ls_store_batch_fn)(void *ud, const struct ls_batch *b, struct ls_err *err);
typedef int (*ls_store_batch_item_fn)(void *ud, const struct ls_batch_item *it, struct ls_err *err);

struct ls_offer_info {
    int64_t id;
    int64_t created_ms;
    char name[256];
};

struct ls_upload_info {
    int64_t id;
    int64_t created_ms;
    int64_t accepted, rejected; /* accepted: leads stored (dropped duplicates not among them) */
    bool is_cp1252;
    char filename[256];
    /* How the file was read (issue #9; an upload stored before: ',', "utf-8" or
     * "windows-1252", and none of the rest). */
    char delimiter;
    char encoding[32];
    int64_t skipped_lines;
    unsigned missing; /* bit (1 << enum ls_field) per field the file had no column for */
    char warning[256];
    int64_t duplicates; /* rows that repeat an earlier one: marked, or left out (dedupe drop) */
    /*
     * The upload's extra column names, in file order: a JSON array of
     * strings, or NULL when none. From ls_store_upload_get: owned (a new
     * reference), release with ls_upload_info_release. In a listing callback:
     * borrowed for the call.
     */
    json_t *extra_columns;
};

/* Drops what an ls_upload_info from ls_store_upload_get owns; u may be NULL. */
void ls_upload_info_release(struct ls_upload_info *u);

enum ls_key_role { LS_KEY_VIEWER = 1, LS_KEY_MEMBER = 2, LS_KEY_ADMIN = 3 };

struct ls_key_info {
    int64_t id, workspace;
    int role; /* enum ls_key_role */
    char name[128];
    char prefix[16]; /* the key's first characters, to tell keys apart; not a secret */
    char workspace_name[128];
    int64_t created_ms, last_used_ms, revoked_ms; /* 0 when not */
};

/* What a retention purge removed. */
struct ls_purge_stats {
    int64_t uploads, jobs, results;
};

/*
 * A pending lead that repeats an earlier one of its upload (issue #9): the
 * original's idx, and its verdict when it already has a result in the job.
 */
struct ls_store_dup {
    int64_t original_idx;
    bool has_verdict;
    struct ls_verdict verdict;
};

/*
 * Called once per lead; lead strings are borrowed for the call only. dup
 * (borrowed for the call) is NULL unless the lead is a duplicate.
 */
typedef int (*ls_store_lead_fn)(void *ud, int64_t idx, const struct ls_lead *lead,
                                const struct ls_store_dup *dup, struct ls_err *err);
/* List callbacks: the item is borrowed for the call only; non-zero stops the listing. */
typedef int (*ls_store_offer_fn)(void *ud, const struct ls_offer_info *o, struct ls_err *err);
typedef int (*ls_store_upload_fn)(void *ud, const struct ls_upload_info *u, struct ls_err *err);
typedef int (*ls_store_job_fn)(void *ud, const struct ls_job *j, struct ls_err *err);
typedef int (*ls_store_key_fn)(void *ud, const struct ls_key_info *k, struct ls_err *err);
typedef int (*ls_store_reject_fn)(void *ud, int64_t line, const char *msg, struct ls_err *err);
typedef int (*ls_store_row_fn)(void *ud, int64_t idx, int64_t line, const struct ls_lead *lead,
                               struct ls_err *err);

/* Called once per result row; r and its strings are borrowed for the call only. */
typedef int (*ls_store_result_fn)(void *ud, const struct ls_result *r, struct ls_err *err);

/*
 * Called once per result with its lead's searchable text (issue #8's text
 * index): the strings are borrowed for the call only.
 */
typedef int (*ls_store_text_fn)(void *ud, int64_t idx, int intent, int score, const char *name,
                                size_t name_len, const char *company, size_t company_len,
                                const char *role, size_t role_len, struct ls_err *err);
/* Called once per lead idx, in the order asked for. */
typedef int (*ls_store_idx_fn)(void *ud, int64_t idx, struct ls_err *err);

/* Where a keyset page of results starts: after (score, idx), or at the top. */
/* Where a keyset walk over results stands: the last row it delivered. */
struct ls_result_cursor {
    bool has_last;
    int score;
    int64_t idx;
    char *text; /* owned (ls_result_cursor_clear): its name or company, for those sorts */
};

/* Moves the cursor to r, a row of a walk in sort's order (r is borrowed). */
void ls_result_cursor_set(struct ls_result_cursor *c, enum ls_sort sort, const struct ls_result *r);

/* Frees what the cursor holds and empties it. */
void ls_result_cursor_clear(struct ls_result_cursor *c);

struct ls_store_options {
    int64_t max_bytes; /* database size cap (LS_ENOSPACE above it); 0: none */
    /* Jobs that may wait queued, counted over every process on the store
     * (ls_store_job_create answers LS_EBUSY at the cap); 0: no cap. */
    int64_t max_queued_jobs;
};

struct ls_store_upload;

struct ls_store_ops {
    const char *name;
    void (*close)(struct ls_store *st);
    int64_t (*instance)(struct ls_store *st);
    int (*health)(struct ls_store *st, struct ls_err *err);

    int (*workspace_ensure)(struct ls_store *st, const char *name, int64_t now_ms, int64_t *id,
                            struct ls_err *err);
    int (*key_create)(struct ls_store *st, const struct ls_key_info *k, const unsigned char *hash,
                      int64_t *id, struct ls_err *err);
    int (*key_lookup)(struct ls_store *st, const unsigned char *hash, struct ls_key_info *out,
                      struct ls_err *err);
    int (*keys_list)(struct ls_store *st, int64_t workspace, ls_store_key_fn cb, void *ud,
                     struct ls_err *err);
    int (*key_revoke)(struct ls_store *st, int64_t workspace, int64_t id, int64_t now_ms,
                      struct ls_err *err);
    int (*keys_active)(struct ls_store *st, int64_t *n, struct ls_err *err);
    int (*key_touch)(struct ls_store *st, int64_t id, int64_t now_ms, struct ls_err *err);

    int (*offer_put)(struct ls_store *st, int64_t ws, const struct ls_offer *offer, int64_t now_ms,
                     int64_t *id, struct ls_err *err);
    int (*offer_get)(struct ls_store *st, int64_t ws, int64_t id, struct ls_offer *out,
                     struct ls_err *err);
    int (*offer_find)(struct ls_store *st, int64_t ws, const struct ls_offer *offer, int64_t *id,
                      struct ls_err *err);
    int (*offers_list)(struct ls_store *st, int64_t ws, int limit, int offset, ls_store_offer_fn cb,
                       void *ud, int64_t *total, struct ls_err *err);
    int (*offer_delete)(struct ls_store *st, int64_t ws, int64_t id, struct ls_err *err);

    struct ls_store_upload *(*upload_begin)(struct ls_store *st, int64_t ws, const char *filename,
                                            const unsigned char *hash, int64_t now_ms,
                                            struct ls_err *err);
    int (*upload_add)(struct ls_store_upload *up, const struct ls_lead *lead, uint64_t line,
                      struct ls_err *err);
    int (*upload_reject)(struct ls_store_upload *up, uint64_t line, const char *msg,
                         struct ls_err *err);
    int (*upload_commit)(struct ls_store_upload *up, const struct ls_csv_stats *stats, int64_t *id,
                         struct ls_err *err);
    void (*upload_abort)(struct ls_store_upload *up);
    int (*upload_get)(struct ls_store *st, int64_t ws, int64_t id, struct ls_upload_info *out,
                      struct ls_err *err);
    int (*upload_find)(struct ls_store *st, int64_t ws, const unsigned char *hash, int64_t *id,
                       struct ls_err *err);
    int (*uploads_list)(struct ls_store *st, int64_t ws, int limit, int offset,
                        ls_store_upload_fn cb, void *ud, int64_t *total, struct ls_err *err);
    int (*upload_errors)(struct ls_store *st, int64_t ws, int64_t id, int limit,
                         ls_store_reject_fn cb, void *ud, struct ls_err *err);
    int (*upload_leads)(struct ls_store *st, int64_t ws, int64_t id, int limit, int offset,
                        ls_store_row_fn cb, void *ud, struct ls_err *err);
    int (*upload_delete)(struct ls_store *st, int64_t ws, int64_t id, struct ls_err *err);

    int (*current)(struct ls_store *st, int64_t ws, int64_t *offer_id, int64_t *upload_id,
                   int64_t *job_id, struct ls_err *err);

    int (*job_create)(struct ls_store *st, struct ls_job *job, struct ls_err *err);
    int (*job_get)(struct ls_store *st, int64_t ws, int64_t id, struct ls_job *out,
                   struct ls_err *err);
    int (*jobs_list)(struct ls_store *st, int64_t ws, int limit, int offset, ls_store_job_fn cb,
                     void *ud, int64_t *total, struct ls_err *err);
    int (*job_find_resumable)(struct ls_store *st, const struct ls_job *like, int64_t *id,
                              struct ls_err *err);
    int (*job_claim)(struct ls_store *st, int64_t id, int64_t now_ms, struct ls_job *out,
                     struct ls_err *err);
    int (*job_finish)(struct ls_store *st, const struct ls_job *job, struct ls_err *err);
    int (*job_release)(struct ls_store *st, int64_t id, struct ls_err *err);
    int (*job_resume)(struct ls_store *st, int64_t ws, int64_t id, double budget_usd,
                      struct ls_err *err);
    int (*job_warn)(struct ls_store *st, int64_t id, const char *warning, struct ls_err *err);
    int (*job_cancel)(struct ls_store *st, int64_t ws, int64_t id, int64_t now_ms,
                      struct ls_err *err);
    int (*job_stopped)(struct ls_store *st, int64_t id, bool *stopped, struct ls_err *err);
    int (*jobs_counts)(struct ls_store *st, int64_t *queued, int64_t *running, struct ls_err *err);
    int (*job_delete)(struct ls_store *st, int64_t ws, int64_t id, bool results_only,
                      int64_t now_ms, struct ls_err *err);

    int (*leads_pending)(struct ls_store *st, int64_t job_id, int64_t upload_id, int64_t after_idx,
                         int limit, ls_store_lead_fn cb, void *ud, struct ls_err *err);
    int (*results_put)(struct ls_store *st, const struct ls_job *job,
                       const struct ls_job_counts *delta, const struct ls_result *rows, size_t n,
                       enum ls_job_status *status_after, struct ls_err *err);
    int (*verdicts_get)(struct ls_store *st, int64_t ws, const unsigned char (*keys)[32], size_t n,
                        struct ls_verdict *out, bool *found, struct ls_err *err);
    int (*results_page)(struct ls_store *st, const struct ls_job *job,
                        const struct ls_results_query *filter, struct ls_result_cursor *cursor,
                        int limit, ls_store_result_fn cb, void *ud, struct ls_err *err);
    int (*results_query)(struct ls_store *st, const struct ls_job *job,
                         const struct ls_results_query *q, ls_store_result_fn cb, void *ud,
                         int64_t *total, struct ls_err *err);
    int (*results_hist)(struct ls_store *st, const struct ls_job *job,
                        const struct ls_results_query *filter, struct ls_score_hist *out,
                        struct ls_err *err);
    int (*results_texts)(struct ls_store *st, const struct ls_job *job, ls_store_text_fn cb,
                         void *ud, struct ls_err *err);
    int (*leads_order)(struct ls_store *st, const struct ls_job *job, enum ls_sort sort,
                       ls_store_idx_fn cb, void *ud, struct ls_err *err);
    int (*results_get)(struct ls_store *st, const struct ls_job *job, const int64_t *idx, size_t n,
                       ls_store_result_fn cb, void *ud, struct ls_err *err);

    int (*batch_create)(struct ls_store *st, struct ls_batch *b, const struct ls_batch_item *items,
                        size_t n, struct ls_err *err);
    int (*batch_update)(struct ls_store *st, const struct ls_batch *b, struct ls_err *err);
    int (*batches_list)(struct ls_store *st, int64_t job_id, ls_store_batch_fn cb, void *ud,
                        struct ls_err *err);
    int (*batch_items)(struct ls_store *st, int64_t batch_id, ls_store_batch_item_fn cb, void *ud,
                       struct ls_err *err);
    int (*batch_delete)(struct ls_store *st, int64_t batch_id, struct ls_err *err);
    int (*batches_orphaned)(struct ls_store *st, const char *provider, ls_store_batch_fn cb,
                            void *ud, struct ls_err *err);

    int (*purge)(struct ls_store *st, int64_t before_ms, struct ls_purge_stats *out,
                 struct ls_err *err);
    int (*cache_trim)(struct ls_store *st, int64_t max_rows, int64_t *evicted, struct ls_err *err);

    int (*session_create)(struct ls_store *st, const unsigned char *hash, int64_t key_id,
                          int64_t now_ms, int64_t expires_ms, struct ls_err *err);
    int (*session_lookup)(struct ls_store *st, const unsigned char *hash, struct ls_key_info *key,
                          int64_t *expires_ms, struct ls_err *err);
    int (*session_delete)(struct ls_store *st, const unsigned char *hash, struct ls_err *err);
    int (*sessions_expire)(struct ls_store *st, int64_t now_ms, int64_t *n, struct ls_err *err);

    int (*learnt_get)(struct ls_store *st, const char *base_url, const char *model,
                      struct ls_ai_learnt *out, struct ls_err *err);
    int (*learnt_put)(struct ls_store *st, const char *base_url, const char *model,
                      const struct ls_ai_learnt *in, int64_t now_ms, struct ls_err *err);
    int (*job_ai_set)(struct ls_store *st, int64_t job_id, const struct ls_ai_form *form,
                      struct ls_err *err);
};

/* Every store handle starts with its ops table ... */
struct ls_store {
    const struct ls_store_ops *ops;
};

/* ... and every upload handle with its store. */
struct ls_store_upload {
    struct ls_store *st; /* borrowed */
    /*
     * Set by the caller before the commit (issue #9, ?dedupe=drop): a row
     * that repeats an earlier one is left out instead of being kept with
     * duplicate_of. Either way it is counted in the upload's duplicates.
     * The other leads keep their idx (and lead_id), so the upload's idx then
     * has gaps; accepted counts the leads kept.
     */
    bool drop_duplicates;
};

/*
 * Opens (creating and migrating as needed) the SQLite store at path, and
 * registers this process as an instance of it. Owned: ls_store_close.
 * opt may be NULL. LS_EIO with the file name when it cannot be opened.
 */
struct ls_store *ls_store_open_sqlite(const char *path, const struct ls_store_options *opt,
                                      struct ls_err *err);

/* Closes the store; st may be NULL. Waits for connections in use. */
void ls_store_close(struct ls_store *st);

/* This process's instance id. */
int64_t ls_store_instance(struct ls_store *st);

/*
 * LS_OK when the store can be written now: its file is still the one that
 * was opened (not deleted or replaced) and a write goes through. Otherwise
 * LS_EUNAVAILABLE or LS_ENOSPACE with why.
 */
int ls_store_health(struct ls_store *st, struct ls_err *err);

/* ---- workspaces and API keys ---- */

/* The id of the workspace called name, creating it when new. */
int ls_store_workspace_ensure(struct ls_store *st, const char *name, int64_t now_ms, int64_t *id,
                              struct ls_err *err);
/* Stores a key (k: workspace, role, name, prefix, created_ms; hash: 32 bytes). */
int ls_store_key_create(struct ls_store *st, const struct ls_key_info *k, const unsigned char *hash,
                        int64_t *id, struct ls_err *err);
/* The key with this hash (32 bytes), revoked or not; LS_ENOTFOUND when none. */
int ls_store_key_lookup(struct ls_store *st, const unsigned char *hash, struct ls_key_info *out,
                        struct ls_err *err);
/* Keys of a workspace (0: all), oldest first. */
int ls_store_keys_list(struct ls_store *st, int64_t workspace, ls_store_key_fn cb, void *ud,
                       struct ls_err *err);
/* Revokes key id (of workspace, or any when 0). LS_ENOTFOUND, LS_ECONFLICT when already revoked. */
int ls_store_key_revoke(struct ls_store *st, int64_t workspace, int64_t id, int64_t now_ms,
                        struct ls_err *err);
/* How many keys are not revoked. */
int ls_store_keys_active(struct ls_store *st, int64_t *n, struct ls_err *err);
/* Records that key id was used at now_ms. */
int ls_store_key_touch(struct ls_store *st, int64_t id, int64_t now_ms, struct ls_err *err);

/* ---- sessions (a signed-in browser; see auth/sessions.h) ---- */

/* Stores a session of key_id (hash: the token's SHA-256, 32 bytes) that ends at expires_ms. */
int ls_store_session_create(struct ls_store *st, const unsigned char *hash, int64_t key_id,
                            int64_t now_ms, int64_t expires_ms, struct ls_err *err);
/*
 * The session with this hash: its key (revoked or not) in *key and its end
 * in *expires_ms. LS_ENOTFOUND when none (signed out, expired and removed,
 * or never issued).
 */
int ls_store_session_lookup(struct ls_store *st, const unsigned char *hash, struct ls_key_info *key,
                            int64_t *expires_ms, struct ls_err *err);
/* Deletes the session with this hash; LS_OK also when there is none. */
int ls_store_session_delete(struct ls_store *st, const unsigned char *hash, struct ls_err *err);
/* Deletes sessions that ended by now_ms or whose key is revoked; *n (may be NULL) how many. */
int ls_store_sessions_expire(struct ls_store *st, int64_t now_ms, int64_t *n, struct ls_err *err);

/* ---- what the AI provider learnt (issue #10) ---- */

/*
 * What a provider learnt about the server at base_url for model (both
 * borrowed, NUL-terminated): every field "" when nothing is kept. LS_OK
 * either way.
 */
int ls_store_learnt_get(struct ls_store *st, const char *base_url, const char *model,
                        struct ls_ai_learnt *out, struct ls_err *err);
/* Keeps in (borrowed) for base_url and model, in place of what was kept. */
int ls_store_learnt_put(struct ls_store *st, const char *base_url, const char *model,
                        const struct ls_ai_learnt *in, int64_t now_ms, struct ls_err *err);
/* Records on the job how its provider asks (GET /jobs/{id} "ai"). */
int ls_store_job_ai_set(struct ls_store *st, int64_t job_id, const struct ls_ai_form *form,
                        struct ls_err *err);

/* ---- offers ---- */

/* Stores an offer in workspace ws and makes it the current one; *id is its new id. */
int ls_store_offer_put(struct ls_store *st, int64_t ws, const struct ls_offer *offer,
                       int64_t now_ms, int64_t *id, struct ls_err *err);
/* Loads an offer (release with ls_offer_release). LS_ENOTFOUND when unknown in ws. */
int ls_store_offer_get(struct ls_store *st, int64_t ws, int64_t id, struct ls_offer *out,
                       struct ls_err *err);
/* The newest offer of ws with the same content as offer (by hash); *id 0 when none. */
int ls_store_offer_find(struct ls_store *st, int64_t ws, const struct ls_offer *offer, int64_t *id,
                        struct ls_err *err);
/* Offers of ws, newest first: limit from offset; *total counts them all. */
int ls_store_offers_list(struct ls_store *st, int64_t ws, int limit, int offset,
                         ls_store_offer_fn cb, void *ud, int64_t *total, struct ls_err *err);
/*
 * Deletes an offer. Finished jobs that used it keep their results (their
 * offer_id becomes 0). LS_ECONFLICT when a queued or running job uses it, or
 * one a live process still runs (cancelled, but not yet stopped).
 */
int ls_store_offer_delete(struct ls_store *st, int64_t ws, int64_t id, struct ls_err *err);

/* ---- uploads ---- */

/*
 * Starts an upload in ws. Leads are written in batches as they arrive;
 * nothing is visible until ls_store_upload_commit, which also makes the
 * upload the current one. A crash leaves rows that the next start (of any
 * instance) removes; an abort removes them at once. Exactly one of commit or
 * abort must be called; both free up. filename is copied. hash (32 bytes, or
 * NULL) is a digest of the source file, for ls_store_upload_find. A commit
 * whose upload row was removed meanwhile fails (LS_ECONFLICT), never
 * reports success.
 */
struct ls_store_upload *ls_store_upload_begin(struct ls_store *st, int64_t ws, const char *filename,
                                              const unsigned char *hash, int64_t now_ms,
                                              struct ls_err *err);
int ls_store_upload_add(struct ls_store_upload *up, const struct ls_lead *lead, uint64_t line,
                        struct ls_err *err);
int ls_store_upload_reject(struct ls_store_upload *up, uint64_t line, const char *msg,
                           struct ls_err *err);
int ls_store_upload_commit(struct ls_store_upload *up, const struct ls_csv_stats *stats,
                           int64_t *id, struct ls_err *err);
/* up may be NULL. */
void ls_store_upload_abort(struct ls_store_upload *up);
int ls_store_upload_get(struct ls_store *st, int64_t ws, int64_t id, struct ls_upload_info *out,
                        struct ls_err *err);
/* The newest complete upload of ws of a file with this digest (32 bytes); *id 0 when none. */
int ls_store_upload_find(struct ls_store *st, int64_t ws, const unsigned char *hash, int64_t *id,
                         struct ls_err *err);
/* Uploads of ws, newest first. */
int ls_store_uploads_list(struct ls_store *st, int64_t ws, int limit, int offset,
                          ls_store_upload_fn cb, void *ud, int64_t *total, struct ls_err *err);
/* The first limit rejected rows of an upload, in file order. */
int ls_store_upload_errors(struct ls_store *st, int64_t ws, int64_t id, int limit,
                           ls_store_reject_fn cb, void *ud, struct ls_err *err);
/* An upload's leads in upload order, limit from offset. */
int ls_store_upload_leads(struct ls_store *st, int64_t ws, int64_t id, int limit, int offset,
                          ls_store_row_fn cb, void *ud, struct ls_err *err);
/*
 * Deletes an upload with its leads and rejected rows, and every finished job
 * on it with its results. LS_ECONFLICT when a queued or running job uses it,
 * or one a live process still runs (cancelled, but not yet stopped).
 */
int ls_store_upload_delete(struct ls_store *st, int64_t ws, int64_t id, struct ls_err *err);

/* The current offer and upload and the latest job of ws; 0 for each that does not exist. */
int ls_store_current(struct ls_store *st, int64_t ws, int64_t *offer_id, int64_t *upload_id,
                     int64_t *job_id, struct ls_err *err);

/* ---- jobs ---- */

/*
 * Creates a queued job from job->workspace/offer_id/upload_id/provider/model/
 * created_ms and makes it the workspace's latest; fills the rest. With
 * job->owner set to ls_store_instance(st) the job is created already claimed
 * (running, owned by this instance, started at created_ms), so that no other
 * process can take it before this one runs it (`leadscore score` beside a
 * server). LS_ENOTFOUND when the offer or upload is not in the workspace,
 * LS_EINVAL when owner names another instance, LS_EBUSY when a queued job
 * would go over the store's max_queued_jobs (the count and the insert are
 * one transaction, so concurrent creators never overshoot it).
 */
int ls_store_job_create(struct ls_store *st, struct ls_job *job, struct ls_err *err);
/* A job of ws (0: of any workspace, for the runner). LS_ENOTFOUND when unknown. */
int ls_store_job_get(struct ls_store *st, int64_t ws, int64_t id, struct ls_job *out,
                     struct ls_err *err);
/* Jobs of ws, newest first. */
int ls_store_jobs_list(struct ls_store *st, int64_t ws, int limit, int offset, ls_store_job_fn cb,
                       void *ud, int64_t *total, struct ls_err *err);
/*
 * The newest queued or running job with like's workspace, offer, upload,
 * provider and model: the run a repeated `leadscore score --db` resumes.
 * *id 0 when none.
 */
int ls_store_job_find_resumable(struct ls_store *st, const struct ls_job *like, int64_t *id,
                                struct ls_err *err);
/*
 * Claims a job for this instance: job id, or when id is 0 the oldest queued
 * job, or running job whose owner is dead or is this instance (its final
 * write failed; call with id 0 only from the one worker that runs jobs, while
 * it runs none). The claimed job becomes running,
 * owned by this instance, and *out holds it. LS_ENOTFOUND when there is
 * nothing to claim (id 0) or the job is finished, LS_ECONFLICT when a live
 * instance owns it.
 */
int ls_store_job_claim(struct ls_store *st, int64_t id, int64_t now_ms, struct ls_job *out,
                       struct ls_err *err);
/*
 * Ends a job this instance owns with job->status, finished_ms, error and
 * error_code (kept for a failed job only), and releases it. Only a running job changes: a cancel
 * written meanwhile by anyone stays. A job with fewer results than leads never becomes succeeded:
 * asked to, it ends failed (LS_EINTERNAL), saying how many have one. LS_OK either way (read the job
 * back for the status stored).
 */
int ls_store_job_finish(struct ls_store *st, const struct ls_job *job, struct ls_err *err);
/* Releases a job this instance owns without ending it (shutdown): another may resume it. */
int ls_store_job_release(struct ls_store *st, int64_t id, struct ls_err *err);
/*
 * Queues a stopped job again with budget_usd (0: none). LS_ENOTFOUND when ws
 * has no such job, LS_ECONFLICT unless it is stopped.
 */
int ls_store_job_resume(struct ls_store *st, int64_t ws, int64_t id, double budget_usd,
                        struct ls_err *err);
/* Sets a job's warning (borrowed, "" clears it). */
int ls_store_job_warn(struct ls_store *st, int64_t id, const char *warning, struct ls_err *err);
/*
 * Cancels a queued or running job of ws. Results already stored are kept.
 * LS_ENOTFOUND, LS_ECONFLICT when the job has already finished.
 */
int ls_store_job_cancel(struct ls_store *st, int64_t ws, int64_t id, int64_t now_ms,
                        struct ls_err *err);
/* *stopped: the job is finished and no live instance still owns it. */
int ls_store_job_stopped(struct ls_store *st, int64_t id, bool *stopped, struct ls_err *err);
/* Jobs queued and running, in all workspaces. */
int ls_store_jobs_counts(struct ls_store *st, int64_t *queued, int64_t *running,
                         struct ls_err *err);
/*
 * Deletes a finished job with its results, or only its results
 * (results_only: the job stays, with results_deleted_ms set).
 * LS_ECONFLICT while it is queued or running.
 *
 * Whenever a result goes (here, with its upload, or by retention), the
 * verdict it put in the cache goes with it: the cache keeps no model text
 * about leads whose results were deleted.
 */
int ls_store_job_delete(struct ls_store *st, int64_t ws, int64_t id, bool results_only,
                        int64_t now_ms, struct ls_err *err);

/*
 * Calls cb for up to limit leads of the upload with idx > after_idx that have
 * no result in the job yet, in upload order. A non-zero cb return stops it.
 */
int ls_store_leads_pending(struct ls_store *st, int64_t job_id, int64_t upload_id,
                           int64_t after_idx, int limit, ls_store_lead_fn cb, void *ud,
                           struct ls_err *err);

/*
 * Stores n results of job, adds delta to its counters and keeps the new
 * model verdicts (rows with a cache_key) in the workspace's verdict cache
 * (a row of status LS_AI_BLOCKED as the provider's refusal: intent
 * LS_INTENT_NONE with its ai_error as the reasoning),
 * in one transaction; *status_after is the job's status after it (a cancel
 * may have come). A cached verdict lives no longer than the result row that
 * stored it (see ls_store_job_delete).
 */
int ls_store_results_put(struct ls_store *st, const struct ls_job *job,
                         const struct ls_job_counts *delta, const struct ls_result *rows, size_t n,
                         enum ls_job_status *status_after, struct ls_err *err);

/*
 * Looks up n verdict-cache keys (32 bytes each) of ws: found[i] says whether
 * key i is cached, and out[i] then holds its verdict - or, with intent
 * LS_INTENT_NONE, the provider's refusal of that lead (reasoning: why).
 * Marks them used.
 */
int ls_store_verdicts_get(struct ls_store *st, int64_t ws, const unsigned char (*keys)[32],
                          size_t n, struct ls_verdict *out, bool *found, struct ls_err *err);

/*
 * Calls cb for up to limit results of the job after *cursor, in the order of
 * filter's sort (score descending when filter is NULL; ties in upload
 * order), and advances *cursor: a keyset walk that costs the same at any
 * depth and never delivers a row twice, even while the job adds rows.
 * filter (may be NULL) narrows the rows by intent, score and text; its limit
 * and offset are ignored. Returns the number of rows delivered (>= 0) or an
 * error.
 */
int ls_store_results_page(struct ls_store *st, const struct ls_job *job,
                          const struct ls_results_query *filter, struct ls_result_cursor *cursor,
                          int limit, ls_store_result_fn cb, void *ud, struct ls_err *err);

/*
 * One page of a job's results as q asks (filters, sort, limit, offset), with
 * *total the number of rows matching the filters (total may be NULL: not
 * counted).
 */
int ls_store_results_query(struct ls_store *st, const struct ls_job *job,
                           const struct ls_results_query *q, ls_store_result_fn cb, void *ud,
                           int64_t *total, struct ls_err *err);

/*
 * The job's results counted by intent and score into *out (which it
 * overwrites). When filter (may be NULL) has text (q), only the rows the
 * whole filter matches - text, intents and score range, as a results query
 * - are counted; otherwise every result is, and narrowing by intent and
 * score is the caller's (ls_summary_of, which applied again to a filtered
 * histogram changes nothing). One aggregate query; without text the leads
 * are not read. Sort, limit and offset are ignored.
 */
int ls_store_results_hist(struct ls_store *st, const struct ls_job *job,
                          const struct ls_results_query *filter, struct ls_score_hist *out,
                          struct ls_err *err);

/*
 * Every result of the job with its lead's name, company and role, in upload
 * order (idx ascending): what a text index of a finished job is built from.
 */
int ls_store_results_texts(struct ls_store *st, const struct ls_job *job, ls_store_text_fn cb,
                           void *ud, struct ls_err *err);

/*
 * The idx of every lead of the job's upload in the order of sort
 * (LS_SORT_NAME or LS_SORT_COMPANY: the text case-insensitively, as results
 * queries sort, then idx). Leads without a result are listed too.
 */
int ls_store_leads_order(struct ls_store *st, const struct ls_job *job, enum ls_sort sort,
                         ls_store_idx_fn cb, void *ud, struct ls_err *err);

/* The job's results with these idx (n of them), in that order; an idx with none is skipped. */
int ls_store_results_get(struct ls_store *st, const struct ls_job *job, const int64_t *idx,
                         size_t n, ls_store_result_fn cb, void *ud, struct ls_err *err);

/* ---- batch mode (issue #10) ---- */

/*
 * Stores batch b of job b->job_id with its n items in one transaction;
 * b->id, created_ms and updated_ms are set. items: borrowed.
 */
int ls_store_batch_create(struct ls_store *st, struct ls_batch *b,
                          const struct ls_batch_item *items, size_t n, struct ls_err *err);
/* Writes b's remote ids, states and counts (updated_ms is now). LS_ENOTFOUND when gone. */
int ls_store_batch_update(struct ls_store *st, const struct ls_batch *b, struct ls_err *err);
/* The job's batches, oldest first. */
int ls_store_batches_list(struct ls_store *st, int64_t job_id, ls_store_batch_fn cb, void *ud,
                          struct ls_err *err);
/* A batch's items, by custom_id then idx. */
int ls_store_batch_items(struct ls_store *st, int64_t batch_id, ls_store_batch_item_fn cb, void *ud,
                         struct ls_err *err);
/* Deletes a batch and its items (one never sent). */
int ls_store_batch_delete(struct ls_store *st, int64_t batch_id, struct ls_err *err);
/*
 * Batches of provider (NUL-terminated, borrowed) that may still run at the
 * service (state submitting or pending) whose job has finished (succeeded,
 * failed or cancelled) and is run by no live process (owner 0 or dead),
 * oldest first: nobody else will cancel them (issue #10).
 */
int ls_store_batches_orphaned(struct ls_store *st, const char *provider, ls_store_batch_fn cb,
                              void *ud, struct ls_err *err);

/* ---- retention ---- */

/*
 * Deletes uploads committed before before_ms with their leads, and finished
 * jobs created before it with their results (a queued or running job, or
 * one a live process still runs, keeps what it uses). Deleted rows are
 * overwritten and their space reused.
 */
int ls_store_purge(struct ls_store *st, int64_t before_ms, struct ls_purge_stats *out,
                   struct ls_err *err);
/* Evicts the least recently used verdicts beyond max_rows. */
int ls_store_cache_trim(struct ls_store *st, int64_t max_rows, int64_t *evicted,
                        struct ls_err *err);

#endif
