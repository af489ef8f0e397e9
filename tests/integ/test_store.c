/*
 * test_store.c - the store contract on real SQLite files: uploads are
 * invisible until committed, a crash mid-upload leaves nothing, results page
 * in rank order with stable ties, jobs keep their counters. Several
 * processes on one file (issue #7): a live upload survives another's start,
 * a commit whose row is gone fails, ids are never reused, rows reference
 * their upload, a job is claimed by one process, a cancel is never
 * overwritten, counters are increments, retention and the cache cap, and a
 * job with leads left unanswered never succeeds.
 */
#include "ls_test.h"
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "jobs/job.h"
#include "store/store.h"
#include "sys/sys.h"

static struct ls_store *open_store(const char *name)
{
    char p[600];
    struct ls_err err = {0};
    h_path(p, sizeof(p), name);
    struct ls_store *st = ls_store_open_sqlite(p, NULL, &err);
    if (st == NULL)
        print_error("%s\n", err.msg);
    assert_non_null(st);
    return st;
}

static void add_leads(struct ls_store_upload *up, int n)
{
    struct ls_err err = {0};
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof(name), "Lead %d", i);
        struct ls_lead lead;
        ls_lead_clear(&lead);
        ls_lead_set(&lead, LS_F_NAME, name);
        ls_lead_set(&lead, LS_F_ROLE, "CEO");
        assert_int_equal(ls_store_upload_add(up, &lead, (uint64_t)i + 2, &err), LS_OK);
    }
}

static void test_store__upload_visible_only_after_commit(void **state)
{
    (void)state;
    struct ls_store *st = open_store("visible.db");
    struct ls_err err = {0};
    int64_t offer, upload, job;
    struct ls_store_upload *up = ls_store_upload_begin(st, 1, "a.csv", NULL, 1, &err);
    assert_non_null(up);
    add_leads(up, 5000); /* more than one batch */
    assert_int_equal(ls_store_current(st, 1, &offer, &upload, &job, &err), LS_OK);
    assert_int_equal(upload, 0);
    ls_store_upload_abort(up);
    assert_int_equal(ls_store_current(st, 1, &offer, &upload, &job, &err), LS_OK);
    assert_int_equal(upload, 0);

    up = ls_store_upload_begin(st, 1, "b.csv", NULL, 2, &err);
    add_leads(up, 10);
    struct ls_csv_stats stats = {.accepted = 10, .rejected = 1, .is_cp1252 = true};
    int64_t id = 0;
    assert_int_equal(ls_store_upload_commit(up, &stats, &id, &err), LS_OK);
    assert_int_equal(ls_store_current(st, 1, &offer, &upload, &job, &err), LS_OK);
    assert_int_equal(upload, id);
    struct ls_upload_info info;
    assert_int_equal(ls_store_upload_get(st, 1, id, &info, &err), LS_OK);
    assert_int_equal(info.accepted, 10);
    assert_int_equal(info.rejected, 1);
    assert_true(info.is_cp1252);
    assert_string_equal(info.filename, "b.csv");
    assert_int_equal(ls_store_upload_get(st, 1, id + 100, &info, &err), LS_ENOTFOUND);
    ls_store_close(st);
}

/* A process that dies mid-upload (batches written, no commit) leaves nothing behind. */
static void test_store__crash_mid_upload_leaves_nothing(void **state)
{
    (void)state;
    pid_t pid = fork();
    if (pid == 0) {
        struct ls_store *st = open_store("crash.db");
        struct ls_err err = {0};
        struct ls_store_upload *up = ls_store_upload_begin(st, 1, "c.csv", NULL, 1, &err);
        add_leads(up, 9000); /* two batches reach the database */
        _exit(0);            /* no commit, no close */
    }
    int status;
    waitpid(pid, &status, 0);
    assert_int_equal(WEXITSTATUS(status), 0);
    struct ls_store *st = open_store("crash.db");
    struct ls_err err = {0};
    int64_t offer, upload, job;
    assert_int_equal(ls_store_current(st, 1, &offer, &upload, &job, &err), LS_OK);
    assert_int_equal(upload, 0);
    struct ls_upload_info info;
    assert_int_equal(ls_store_upload_get(st, 1, 1, &info, &err), LS_ENOTFOUND);
    ls_store_close(st);
    /* The rows themselves are gone too. */
    char p[600], cmd[800];
    h_path(p, sizeof(p), "crash.db");
    snprintf(cmd, sizeof(cmd), "test \"$(sqlite3 '%s' 'SELECT count(*) FROM leads')\" = 0", p);
    assert_int_equal(system(cmd), 0);
}

struct collect {
    int n;
    int score[16];
    int64_t idx[16];
};

static int collect(void *ud, const struct ls_result *r, struct ls_err *err)
{
    (void)err;
    struct collect *c = ud;
    c->score[c->n] = r->score;
    c->idx[c->n] = r->idx;
    c->n++;
    return LS_OK;
}

static void test_store__results_page_in_rank_order(void **state)
{
    (void)state;
    struct ls_store *st = open_store("rank.db");
    struct ls_err err = {0};
    struct ls_offer offer = {0};
    const char *o = "{\"name\":\"o\",\"value_props\":[\"v\"],\"ideal_use_cases\":[\"u\"]}";
    assert_int_equal(ls_offer_parse(o, strlen(o), &offer, &err), LS_OK);
    int64_t offer_id, upload_id;
    assert_int_equal(ls_store_offer_put(st, 1, &offer, 1, &offer_id, &err), LS_OK);
    struct ls_store_upload *up = ls_store_upload_begin(st, 1, "r.csv", NULL, 1, &err);
    add_leads(up, 7);
    struct ls_csv_stats stats = {.accepted = 7};
    assert_int_equal(ls_store_upload_commit(up, &stats, &upload_id, &err), LS_OK);
    struct ls_job job = {
        .workspace = 1, .offer_id = offer_id, .upload_id = upload_id, .created_ms = 1};
    assert_int_equal(ls_store_job_create(st, &job, &err), LS_OK);
    assert_int_equal(job.total, 7);
    assert_int_equal(job.status, LS_JOB_QUEUED);

    /* Scores with ties; stored out of order. */
    int scores[7] = {30, 90, 30, 100, 0, 90, 30};
    struct ls_result rows[7];
    memset(rows, 0, sizeof(rows));
    for (int i = 6; i >= 0; i--) {
        struct ls_result *r = &rows[6 - i];
        r->idx = i;
        r->score = scores[i];
        r->intent = LS_INTENT_LOW;
        r->reasoning = "why";
        r->provider = "offline";
        r->model = "";
    }
    struct ls_job_counts delta = {.done = 7, .intents[LS_INTENT_LOW] = 7};
    assert_int_equal(ls_store_results_put(st, &job, &delta, rows, 7, NULL, &err), LS_OK);
    job.n = delta;
    struct ls_result_cursor cur = {0};
    struct collect c = {0};
    int n;
    while ((n = ls_store_results_page(st, &job, NULL, &cur, 3, collect, &c, &err)) > 0)
        ;
    assert_int_equal(n, 0);
    assert_int_equal(c.n, 7);
    int want_idx[7] = {3, 1, 5, 0, 2, 6, 4};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(c.idx[i], want_idx[i]);
        assert_int_equal(c.score[i], scores[want_idx[i]]);
    }
    struct ls_job back;
    assert_int_equal(ls_store_job_get(st, 1, job.id, &back, &err), LS_OK);
    assert_int_equal(back.n.done, 7);
    assert_int_equal(back.n.intents[LS_INTENT_LOW], 7);
    assert_int_equal(ls_store_job_get(st, 1, 999, &back, &err), LS_ENOTFOUND);
    ls_offer_release(&offer);
    ls_store_close(st);
}

struct names {
    int n;
    char name[16][32];
    int score[16];
};

static int collect_names(void *ud, const struct ls_result *r, struct ls_err *err)
{
    (void)err;
    struct names *c = ud;
    snprintf(c->name[c->n], 32, "%s", r->lead.f[LS_F_NAME]);
    c->score[c->n++] = r->score;
    return LS_OK;
}

static int count_offer(void *ud, const struct ls_offer_info *o, struct ls_err *err)
{
    (void)o;
    (void)err;
    (*(int *)ud)++;
    return LS_OK;
}

/* Filters, every sort, totals, and the keyset walk with a filter. */
static void test_store__results_query(void **state)
{
    (void)state;
    struct ls_store *st = open_store("query.db");
    struct ls_err err = {0};
    struct ls_offer offer = {0};
    const char *o = "{\"name\":\"o\",\"value_props\":[\"v\"],\"ideal_use_cases\":[\"u\"]}";
    assert_int_equal(ls_offer_parse(o, strlen(o), &offer, &err), LS_OK);
    int64_t offer_id, again, upload_id;
    assert_int_equal(ls_store_offer_put(st, 1, &offer, 1, &offer_id, &err), LS_OK);
    assert_int_equal(ls_store_offer_find(st, 1, &offer, &again, &err), LS_OK);
    assert_int_equal(again, offer_id);
    unsigned char hash[32];
    memset(hash, 7, sizeof(hash));
    struct ls_store_upload *up = ls_store_upload_begin(st, 1, "q.csv", hash, 1, &err);
    const char *names[] = {"delta", "Alpha", "charlie", "Bravo", "echo"};
    const char *companies[] = {"Zeta", "acme", "Yak", "Beta", "FlowMetrics"};
    int scores[] = {90, 30, 60, 90, 10};
    enum ls_intent intents[] = {LS_INTENT_HIGH, LS_INTENT_LOW, LS_INTENT_MEDIUM, LS_INTENT_HIGH,
                                LS_INTENT_LOW};
    for (int i = 0; i < 5; i++) {
        struct ls_lead lead;
        ls_lead_clear(&lead);
        ls_lead_set(&lead, LS_F_NAME, names[i]);
        ls_lead_set(&lead, LS_F_COMPANY, companies[i]);
        ls_lead_set(&lead, LS_F_ROLE, i == 2 ? "Head of FLOW" : "CEO");
        assert_int_equal(ls_store_upload_add(up, &lead, (uint64_t)i + 2, &err), LS_OK);
    }
    struct ls_csv_stats stats = {.accepted = 5};
    assert_int_equal(ls_store_upload_commit(up, &stats, &upload_id, &err), LS_OK);
    int64_t found = 0;
    assert_int_equal(ls_store_upload_find(st, 1, hash, &found, &err), LS_OK);
    assert_int_equal(found, upload_id);
    struct ls_job job = {
        .workspace = 1, .offer_id = offer_id, .upload_id = upload_id, .created_ms = 1};
    snprintf(job.provider, sizeof(job.provider), "offline");
    assert_int_equal(ls_store_job_create(st, &job, &err), LS_OK);
    int64_t resumable = 0;
    assert_int_equal(ls_store_job_find_resumable(st, &job, &resumable, &err), LS_OK);
    assert_int_equal(resumable, job.id);
    struct ls_result rows[5];
    memset(rows, 0, sizeof(rows));
    for (int i = 0; i < 5; i++) {
        rows[i].idx = i;
        rows[i].score = scores[i];
        rows[i].intent = intents[i];
        rows[i].reasoning = "r";
        rows[i].provider = "offline";
        rows[i].model = "";
    }
    struct ls_job_counts five = {.done = 5};
    assert_int_equal(ls_store_results_put(st, &job, &five, rows, 5, NULL, &err), LS_OK);
    assert_int_equal(ls_store_job_claim(st, job.id, 2, &job, &err), LS_OK);
    job.status = LS_JOB_SUCCEEDED;
    job.finished_ms = 3;
    assert_int_equal(ls_store_job_finish(st, &job, &err), LS_OK);
    assert_int_equal(ls_store_job_find_resumable(st, &job, &resumable, &err), LS_OK);
    assert_int_equal(resumable, 0); /* finished jobs are not resumed */

    struct {
        struct ls_query_args a;
        int64_t total;
        const char *first, *last;
        int n;
    } cases[] = {
        {{0}, 5, "delta", "echo", 5},
        {{.sort = "score"}, 5, "echo", "Bravo", 5},
        {{.sort = "name"}, 5, "Alpha", "echo", 5},
        {{.sort = "company"}, 5, "Alpha", "delta", 5},
        {{.intent = "High"}, 2, "delta", "Bravo", 2},
        {{.intent = "low,medium", .sort = "name"}, 3, "Alpha", "echo", 3},
        {{.min_score = "30", .max_score = "60"}, 2, "charlie", "Alpha", 2},
        {{.q = "flow"}, 2, "charlie", "echo", 2}, /* role "Head of FLOW", company FlowMetrics */
        {{.limit = "2", .offset = "1"}, 5, "Bravo", "charlie", 2},
        {{.q = "nobody"}, 0, NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ls_results_query q;
        assert_int_equal(ls_results_query_parse(&cases[i].a, &q, &err), LS_OK);
        struct names c = {0};
        int64_t total = -1;
        assert_int_equal(ls_store_results_query(st, &job, &q, collect_names, &c, &total, &err),
                         LS_OK);
        if (total != cases[i].total || c.n != cases[i].n ||
            (c.n &&
             (strcmp(c.name[0], cases[i].first) || strcmp(c.name[c.n - 1], cases[i].last)))) {
            print_error("case %zu: total %lld n %d first %s last %s\n", i, (long long)total, c.n,
                        c.n ? c.name[0] : "-", c.n ? c.name[c.n - 1] : "-");
            fail();
        }
    }
    /* The keyset walk honours filters too. */
    struct ls_query_args fa = {.intent = "High,Low"};
    struct ls_results_query filter;
    assert_int_equal(ls_results_query_parse(&fa, &filter, &err), LS_OK);
    struct ls_result_cursor cur = {0};
    struct names c = {0};
    while (ls_store_results_page(st, &job, &filter, &cur, 2, collect_names, &c, &err) > 0)
        ;
    assert_int_equal(c.n, 4);
    assert_string_equal(c.name[0], "delta");
    assert_string_equal(c.name[3], "echo");
    int n_offers = 0;
    int64_t total = 0;
    assert_int_equal(ls_store_offers_list(st, 1, 10, 0, count_offer, &n_offers, &total, &err),
                     LS_OK);
    assert_int_equal(total, 1);
    assert_int_equal(n_offers, 1);
    ls_offer_release(&offer);
    ls_store_close(st);
}

static void test_store__unopenable_path_is_an_error(void **state)
{
    (void)state;
    struct ls_err err = {0};
    assert_null(ls_store_open_sqlite("/nonexistent-dir/x.db", NULL, &err));
    assert_int_equal(err.code, LS_EUNAVAILABLE);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/x.db"));
}

/* ==== several processes on one file (issue #7) ==================================== */

static void db_path(char *out, size_t cap, const char *name)
{
    h_path(out, cap, name);
}

/* One integer from sql on the file, through a connection of its own (not the store's). */
static int64_t sql_int(const char *name, const char *sql)
{
    char p[600];
    db_path(p, sizeof(p), name);
    return h_sql_int(p, "%s", sql);
}

/* Undoing migrations, for the tests that take a store back to an older schema. */
/* Migration 13 (issue #10: what a job costs), undone. */
#define UNDO_13                                                                                    \
    "ALTER TABLE jobs DROP COLUMN cached_tokens; ALTER TABLE jobs DROP COLUMN thought_tokens;"     \
    "ALTER TABLE jobs DROP COLUMN cost_usd; ALTER TABLE jobs DROP COLUMN budget_usd;"              \
    "ALTER TABLE jobs DROP COLUMN stop_reason; ALTER TABLE jobs DROP COLUMN warning;"

/* Migration 12 (issue #10: blocked leads, how the provider asked), undone after 13. */
#define UNDO_12                                                                                    \
    UNDO_13                                                                                        \
    "ALTER TABLE jobs DROP COLUMN blocked; ALTER TABLE jobs DROP COLUMN ai_mode;"                  \
    "ALTER TABLE jobs DROP COLUMN ai_tokens_param; ALTER TABLE jobs DROP COLUMN ai_reasoning;"     \
    "ALTER TABLE jobs DROP COLUMN ai_thinking; DROP TABLE llm_learnt;"

/* Migration 11 (issue #9), undone after 12 and 13. */
#define UNDO_11                                                                                    \
    UNDO_12                                                                                        \
    "ALTER TABLE leads DROP COLUMN email; ALTER TABLE leads DROP COLUMN linkedin_url;"             \
    "ALTER TABLE leads DROP COLUMN external_id; ALTER TABLE leads DROP COLUMN extra;"              \
    "ALTER TABLE leads DROP COLUMN dup_key; ALTER TABLE leads DROP COLUMN duplicate_of;"           \
    "ALTER TABLE uploads DROP COLUMN delimiter; ALTER TABLE uploads DROP COLUMN skipped_lines;"    \
    "ALTER TABLE uploads DROP COLUMN missing_fields; ALTER TABLE uploads DROP COLUMN warning;"     \
    "ALTER TABLE uploads DROP COLUMN extra_columns; ALTER TABLE uploads DROP COLUMN duplicates;"   \
    "ALTER TABLE uploads DROP COLUMN dropped;"

/* Migration 14 (issue #10: batch mode) undone, in a statement of its own, before the rest. */
#define UNDO_14 "DROP TABLE batch_items; DROP TABLE batches; ALTER TABLE jobs DROP COLUMN mode;"

/* Runs sql on the file through a connection of its own; the SQLite result code. */
static int sql_exec(const char *name, const char *sql)
{
    char p[600];
    db_path(p, sizeof(p), name);
    return h_sql_exec(p, sql);
}

static const char offer_json[] =
    "{\"name\":\"o\",\"value_props\":[\"v\"],\"ideal_use_cases\":[\"u\"]}";

/* An offer and a committed upload of n_leads in workspace 1. */
static void fixture(struct ls_store *st, int n_leads, int64_t *offer_id, int64_t *upload_id)
{
    struct ls_err err = {0};
    struct ls_offer offer = {0};
    assert_int_equal(ls_offer_parse(offer_json, strlen(offer_json), &offer, &err), LS_OK);
    assert_int_equal(ls_store_offer_put(st, 1, &offer, 1, offer_id, &err), LS_OK);
    ls_offer_release(&offer);
    struct ls_store_upload *up = ls_store_upload_begin(st, 1, "f.csv", NULL, 1, &err);
    assert_non_null(up);
    add_leads(up, n_leads);
    assert_int_equal(ls_store_upload_reject(up, 99, "a rejected row", &err), LS_OK);
    struct ls_csv_stats stats = {.accepted = (uint64_t)n_leads, .rejected = 1};
    assert_int_equal(ls_store_upload_commit(up, &stats, upload_id, &err), LS_OK);
}

static struct ls_job new_job(struct ls_store *st, int64_t offer_id, int64_t upload_id)
{
    struct ls_err err = {0};
    struct ls_job job = {
        .workspace = 1, .offer_id = offer_id, .upload_id = upload_id, .created_ms = ls_now_ms()};
    snprintf(job.provider, sizeof(job.provider), "test");
    assert_int_equal(ls_store_job_create(st, &job, &err), LS_OK);
    return job;
}

/* n results (idx first..first+n-1), each with a cache key when keys is not NULL. */
static int put_results(struct ls_store *st, const struct ls_job *job, int64_t first, int n,
                       const unsigned char (*keys)[32], const struct ls_job_counts *delta,
                       enum ls_job_status *after)
{
    struct ls_err err = {0};
    struct ls_result rows[64];
    assert_true(n <= 64);
    memset(rows, 0, sizeof(rows));
    for (int i = 0; i < n; i++) {
        rows[i].idx = first + i;
        rows[i].score = 50;
        rows[i].intent = LS_INTENT_HIGH;
        rows[i].reasoning = "reasoning about a lead";
        rows[i].provider = "test";
        rows[i].model = "";
        rows[i].cache_key = keys ? keys[i] : NULL;
    }
    struct ls_job_counts d = {.done = n, .intents[LS_INTENT_HIGH] = n};
    return ls_store_results_put(st, job, delta ? delta : &d, rows, (size_t)n, after, &err);
}

/* n results from idx first, with scores spread over 0..100 and ties. */
static void put_scored(struct ls_store *st, const struct ls_job *job, int64_t first, int n)
{
    struct ls_err err = {0};
    struct ls_result rows[16];
    assert_true(n <= 16);
    memset(rows, 0, sizeof(rows));
    for (int i = 0; i < n; i++) {
        rows[i].idx = first + i;
        rows[i].score = (int)((first + i) * 37 % 11) * 10;
        rows[i].intent = LS_INTENT_MEDIUM;
        rows[i].reasoning = "r";
        rows[i].provider = "test";
        rows[i].model = "";
    }
    struct ls_job_counts d = {.done = n, .intents[LS_INTENT_MEDIUM] = n};
    assert_int_equal(ls_store_results_put(st, job, &d, rows, (size_t)n, NULL, &err), LS_OK);
}

struct walked {
    int n;
    int64_t idx[128];
    int score[128];
    char name[128][16];
};

static int walk_row(void *ud, const struct ls_result *r, struct ls_err *err)
{
    (void)err;
    struct walked *w = ud;
    assert_true(w->n < 128);
    w->idx[w->n] = r->idx;
    w->score[w->n] = r->score;
    snprintf(w->name[w->n], sizeof(w->name[0]), "%.*s", (int)r->lead.len[LS_F_NAME],
             r->lead.f[LS_F_NAME]);
    w->n++;
    return LS_OK;
}

/* Whether row i comes strictly before row j in sort's order. */
static bool walk_before(const struct walked *w, int i, int j, enum ls_sort sort)
{
    int c = 0;
    if (sort == LS_SORT_SCORE_DESC)
        c = w->score[j] - w->score[i];
    else if (sort == LS_SORT_SCORE_ASC)
        c = w->score[i] - w->score[j];
    else if (sort == LS_SORT_NAME)
        c = strcasecmp(w->name[i], w->name[j]);
    return c < 0 || (c == 0 && w->idx[i] < w->idx[j]);
}

/*
 * The keyset walk in every sort, with results stored between its pages (a
 * running job read page by page): no row twice, every row that was there
 * before the walk began, and the order kept.
 */
static void test_store__keyset_walk_while_rows_arrive(void **state)
{
    (void)state;
    struct ls_store *st = open_store("walk.db");
    int64_t offer_id, upload_id;
    fixture(st, 60, &offer_id, &upload_id);
    for (int sort = LS_SORT_SCORE_DESC; sort <= LS_SORT_COMPANY; sort++) {
        struct ls_job job = new_job(st, offer_id, upload_id);
        put_scored(st, &job, 0, 10);
        struct ls_results_query q;
        ls_results_query_default(&q);
        q.sort = (enum ls_sort)sort;
        struct ls_result_cursor cur = {0};
        struct walked w = {0};
        struct ls_err err = {0};
        int next = 10, n;
        while ((n = ls_store_results_page(st, &job, &q, &cur, 7, walk_row, &w, &err)) > 0 ||
               next < 60) {
            assert_true(n >= 0);
            if (next < 60) {
                put_scored(st, &job, next, 10);
                next += 10;
            }
        }
        ls_result_cursor_clear(&cur);
        bool seen[60] = {false};
        for (int i = 0; i < w.n; i++) {
            assert_true(w.idx[i] >= 0 && w.idx[i] < 60);
            if (seen[w.idx[i]])
                fail_msg("sort %d: row %lld delivered twice", sort, (long long)w.idx[i]);
            seen[w.idx[i]] = true;
            if (i && !walk_before(&w, i - 1, i, (enum ls_sort)sort))
                fail_msg("sort %d: rows %d and %d out of order", sort, i - 1, i);
        }
        for (int i = 0; i < 10; i++)
            assert_true(seen[i]);
    }
    ls_store_close(st);
}

/* ---- a child process, started before the parent opens anything ---- */

struct child {
    pid_t pid;
    int to;   /* parent writes here */
    int from; /* parent reads here */
};

typedef int (*child_fn)(int in, int out);

/*
 * Forks a child that runs fn(in, out) and exits with its return. Fork first,
 * open later: an SQLite connection must never cross a fork, so the parent
 * opens its store only after its children exist.
 */
static void child_start(struct child *c, child_fn fn)
{
    int down[2], up[2];
    assert_int_equal(pipe(down), 0);
    assert_int_equal(pipe(up), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        _exit(fn(down[0], up[1]));
    }
    close(down[0]);
    close(up[1]);
    c->pid = pid;
    c->to = down[1];
    c->from = up[0];
}

static void send_i64(int fd, int64_t v)
{
    assert_int_equal(write(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
}

/* Reads one int64 (-1 when the other side is gone). */
static int64_t recv_i64(int fd)
{
    int64_t v = -1;
    size_t got = 0;
    while (got < sizeof(v)) {
        ssize_t n = read(fd, (char *)&v + got, sizeof(v) - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return v;
}

static int child_wait(struct child *c)
{
    int status = 0;
    close(c->to);
    close(c->from);
    waitpid(c->pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static struct ls_store *child_open(const char *name)
{
    char p[600];
    struct ls_err err = {0};
    db_path(p, sizeof(p), name);
    return ls_store_open_sqlite(p, NULL, &err);
}

/* Child: an upload loaded in two parts around a signal; reports its id, then commits. */
static int slow_upload_child(int in, int out)
{
    struct ls_store *st = child_open("live-upload.db");
    struct ls_err err = {0};
    struct ls_store_upload *up = st ? ls_store_upload_begin(st, 1, "a.csv", NULL, 1, &err) : NULL;
    if (up == NULL)
        return 10;
    add_leads(up, 5000); /* one batch of 4,096 reaches the file */
    send_i64(out, 1);
    if (recv_i64(in) != 1)
        return 11;
    add_leads(up, 1000);
    struct ls_csv_stats stats = {.accepted = 6000};
    int64_t id = 0;
    int rc = ls_store_upload_commit(up, &stats, &id, &err);
    send_i64(out, rc == LS_OK ? id : rc);
    ls_store_close(st);
    return 0;
}

/*
 * REQ-STORE-MULTI: an upload that a live process is loading is not removed
 * by another process's start-up clean-up, and it commits afterwards.
 */
static void test_store__live_upload_survives_another_open(void **state)
{
    (void)state;
    struct child c;
    child_start(&c, slow_upload_child);
    assert_int_equal(recv_i64(c.from), 1);
    int64_t loading = sql_int("live-upload.db", "SELECT id FROM uploads WHERE status = 'loading'");
    assert_true(loading > 0);
    assert_int_equal(sql_int("live-upload.db", "SELECT count(*) FROM leads"), 4096);

    struct ls_store *st = open_store("live-upload.db"); /* start-up clean-up runs here */
    assert_int_equal(sql_int("live-upload.db", "SELECT count(*) FROM leads"), 4096);
    assert_int_equal(sql_int("live-upload.db", "SELECT count(*) FROM uploads"), 1);
    send_i64(c.to, 1);
    int64_t id = recv_i64(c.from);
    assert_int_equal(id, loading);
    assert_int_equal(child_wait(&c), 0);
    struct ls_upload_info info;
    struct ls_err err = {0};
    assert_int_equal(ls_store_upload_get(st, 1, id, &info, &err), LS_OK);
    assert_int_equal(info.accepted, 6000);
    assert_int_equal(sql_int("live-upload.db", "SELECT count(*) FROM leads"), 6000);
    ls_store_close(st);
}

/* Child: an upload that never ends (the parent kills it with -9). */
static int stuck_upload_child(int in, int out)
{
    (void)in;
    struct ls_store *st = child_open("killed-upload.db");
    struct ls_err err = {0};
    struct ls_store_upload *up = st ? ls_store_upload_begin(st, 1, "k.csv", NULL, 1, &err) : NULL;
    if (up == NULL)
        return 10;
    add_leads(up, 5000);
    assert_int_equal(ls_store_upload_reject(up, 7, "bad row", &err), LS_OK);
    add_leads(up, 4000); /* the second batch carries the rejected row */
    send_i64(out, 1);
    pause();
    return 0;
}

/* kill -9 mid-upload: the next process to open the file removes what was written. */
static void test_store__killed_upload_removed_by_next_open(void **state)
{
    (void)state;
    struct child c;
    child_start(&c, stuck_upload_child);
    assert_int_equal(recv_i64(c.from), 1);
    assert_int_equal(sql_int("killed-upload.db", "SELECT count(*) FROM leads"), 8192);
    assert_int_equal(sql_int("killed-upload.db", "SELECT count(*) FROM upload_errors"), 1);
    kill(c.pid, SIGKILL);
    assert_int_equal(child_wait(&c), 128 + SIGKILL);
    struct ls_store *st = open_store("killed-upload.db");
    assert_int_equal(sql_int("killed-upload.db", "SELECT count(*) FROM leads"), 0);
    assert_int_equal(sql_int("killed-upload.db", "SELECT count(*) FROM upload_errors"), 0);
    assert_int_equal(sql_int("killed-upload.db", "SELECT count(*) FROM uploads"), 0);
    ls_store_close(st);
}

/*
 * A commit that finds its upload row gone fails with LS_ECONFLICT and leaves
 * nothing, whether rows were still pending, everything was already written,
 * or the row was removed without the cascade (foreign keys off).
 */
static void test_store__commit_after_upload_row_removed_conflicts(void **state)
{
    (void)state;
    static const struct {
        int before, after; /* leads added before and after the row is removed */
        const char *remove;
    } cases[] = {
        {5000, 10, "PRAGMA foreign_keys=ON; DELETE FROM uploads"},
        {4096, 0, "PRAGMA foreign_keys=ON; DELETE FROM uploads"}, /* nothing pending */
        {5000, 0, "PRAGMA foreign_keys=OFF; DELETE FROM uploads"},
    };
    struct ls_store *st = open_store("removed.db");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ls_err err = {0};
        struct ls_store_upload *up = ls_store_upload_begin(st, 1, "r.csv", NULL, 1, &err);
        assert_non_null(up);
        add_leads(up, cases[i].before);
        assert_true(sql_int("removed.db", "SELECT count(*) FROM leads") >= 4096);
        assert_int_equal(sql_exec("removed.db", cases[i].remove), SQLITE_OK);
        add_leads(up, cases[i].after);
        struct ls_csv_stats stats = {.accepted = (uint64_t)(cases[i].before + cases[i].after)};
        int64_t id = 0;
        int rc = ls_store_upload_commit(up, &stats, &id, &err);
        if (rc != LS_ECONFLICT || strstr(err.msg, "removed by another process") == NULL) {
            print_error("case %zu: rc %d (%s)\n", i, rc, err.msg);
            fail();
        }
        assert_int_equal(id, 0);
        int64_t offer, upload, job;
        assert_int_equal(ls_store_current(st, 1, &offer, &upload, &job, &err), LS_OK);
        assert_int_equal(upload, 0);
        if (sql_int("removed.db", "SELECT count(*) FROM leads") != 0) {
            print_error("case %zu: leads left behind\n", i);
            fail();
        }
    }
    ls_store_close(st);
}

/* Ids are never reused (AUTOINCREMENT), even after the newest was deleted and a restart. */
static void test_store__ids_never_reused(void **state)
{
    (void)state;
    struct ls_store *st = open_store("ids.db");
    struct ls_err err = {0};
    int64_t o1, u1, o2, u2;
    fixture(st, 3, &o1, &u1);
    fixture(st, 3, &o2, &u2);
    struct ls_job j1 = new_job(st, o2, u2);
    struct ls_job j2 = new_job(st, o2, u2);
    assert_int_equal(ls_store_job_cancel(st, 1, j2.id, 1, &err), LS_OK);
    assert_int_equal(ls_store_job_delete(st, 1, j2.id, false, 2, &err), LS_OK);
    assert_int_equal(ls_store_job_cancel(st, 1, j1.id, 1, &err), LS_OK);
    assert_int_equal(ls_store_upload_delete(st, 1, u2, &err), LS_OK); /* takes j1 with it */
    assert_int_equal(ls_store_offer_delete(st, 1, o2, &err), LS_OK);
    int64_t instance = ls_store_instance(st);
    ls_store_close(st);

    st = open_store("ids.db");
    assert_true(ls_store_instance(st) > instance);
    int64_t o3, u3;
    fixture(st, 3, &o3, &u3);
    struct ls_job j3 = new_job(st, o3, u3);
    assert_true(o3 > o2);
    assert_true(u3 > u2);
    assert_true(j3.id > j2.id);
    ls_store_close(st);
}

/* Leads, rejected rows, jobs and results reference their parents, and go with them. */
static void test_store__rows_reference_their_upload(void **state)
{
    (void)state;
    struct ls_store *st = open_store("fk.db");
    struct ls_err err = {0};
    int64_t o, u, o2, u2;
    fixture(st, 10, &o, &u);
    fixture(st, 4, &o2, &u2); /* a neighbour that must stay whole */
    struct ls_job job = new_job(st, o, u);
    assert_int_equal(put_results(st, &job, 0, 10, NULL, NULL, NULL), LS_OK);
    assert_int_equal(ls_store_job_cancel(st, 1, job.id, 2, &err), LS_OK);
    struct ls_job other = new_job(st, o2, u2);
    assert_int_equal(put_results(st, &other, 0, 4, NULL, NULL, NULL), LS_OK);
    assert_int_equal(ls_store_job_cancel(st, 1, other.id, 2, &err), LS_OK);

    /* The database refuses rows that name a parent that does not exist. */
    static const char *const orphans[] = {
        "INSERT INTO leads(upload_id, idx, line, name, role, company, industry, location, bio) "
        "VALUES (999, 0, 2, 'n', 'r', 'c', 'i', 'l', 'b')",
        "INSERT INTO upload_errors(upload_id, seq, line, error) VALUES (999, 0, 2, 'e')",
        "INSERT INTO jobs(workspace_id, offer_id, upload_id, status, created_ms) "
        "VALUES (1, 1, 999, 'queued', 1)",
        "INSERT INTO results(job_id, idx, rank, role_pts, industry_pts, complete_pts, "
        "rule_score, intent, ai_score, score, reasoning, provider, model, status) "
        "VALUES (999, 0, 0, 0, 0, 0, 0, 0, 0, 0, '', '', '', 0)",
    };
    for (size_t i = 0; i < sizeof(orphans) / sizeof(orphans[0]); i++) {
        char sql[600];
        snprintf(sql, sizeof(sql), "PRAGMA foreign_keys=ON; %s", orphans[i]);
        assert_int_equal(sql_exec("fk.db", sql) & 0xFF, SQLITE_CONSTRAINT);
    }
    assert_int_equal(sql_int("fk.db", "SELECT count(*) FROM pragma_foreign_key_check"), 0);

    assert_int_equal(ls_store_upload_delete(st, 1, u, &err), LS_OK);
    char q[200];
    snprintf(q, sizeof(q), "SELECT count(*) FROM leads WHERE upload_id = %lld", (long long)u);
    assert_int_equal(sql_int("fk.db", q), 0);
    snprintf(q, sizeof(q), "SELECT count(*) FROM upload_errors WHERE upload_id = %lld",
             (long long)u);
    assert_int_equal(sql_int("fk.db", q), 0);
    snprintf(q, sizeof(q), "SELECT count(*) FROM jobs WHERE upload_id = %lld", (long long)u);
    assert_int_equal(sql_int("fk.db", q), 0);
    snprintf(q, sizeof(q), "SELECT count(*) FROM results WHERE job_id = %lld", (long long)job.id);
    assert_int_equal(sql_int("fk.db", q), 0);
    /* The neighbour is untouched. */
    assert_int_equal(sql_int("fk.db", "SELECT count(*) FROM leads"), 4);
    assert_int_equal(sql_int("fk.db", "SELECT count(*) FROM upload_errors"), 1);
    assert_int_equal(sql_int("fk.db", "SELECT count(*) FROM results"), 4);
    assert_int_equal(sql_int("fk.db", "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    ls_store_close(st);
}

enum { CLAIM_JOBS = 240, CLAIMERS = 4 };

/* Child: claims jobs until none is left, reporting each id, and ends each one. */
static int claimer_child(int in, int out)
{
    if (recv_i64(in) != 1)
        return 10;
    struct ls_store *st = child_open("claims.db");
    if (st == NULL)
        return 11;
    for (;;) {
        struct ls_job job;
        struct ls_err err = {0};
        int rc = ls_store_job_claim(st, 0, ls_now_ms(), &job, &err);
        if (rc == LS_ENOTFOUND)
            break;
        if (rc != LS_OK)
            return 12;
        send_i64(out, job.id);
        job.status = LS_JOB_FAILED;
        job.finished_ms = ls_now_ms();
        if (ls_store_job_finish(st, &job, &err) != LS_OK)
            return 13;
    }
    send_i64(out, 0);
    ls_store_close(st);
    return 0;
}

/* Four processes claim from one queue: every job is claimed exactly once. */
static void test_store__each_job_claimed_by_one_process(void **state)
{
    (void)state;
    struct child c[CLAIMERS];
    for (int i = 0; i < CLAIMERS; i++)
        child_start(&c[i], claimer_child);
    struct ls_store *st = open_store("claims.db");
    int64_t o, u;
    fixture(st, 1, &o, &u);
    char sql[400];
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO jobs(workspace_id, offer_id, upload_id, status, created_ms, total) "
             "SELECT 1, %lld, %lld, 'queued', i, 1 FROM n",
             CLAIM_JOBS, (long long)o, (long long)u);
    assert_int_equal(sql_exec("claims.db", sql), SQLITE_OK);
    int64_t first = sql_int("claims.db", "SELECT min(id) FROM jobs");
    for (int i = 0; i < CLAIMERS; i++)
        send_i64(c[i].to, 1);
    static int seen[CLAIM_JOBS];
    memset(seen, 0, sizeof(seen));
    int per_child[CLAIMERS] = {0};
    for (int i = 0; i < CLAIMERS; i++) {
        int64_t id;
        while ((id = recv_i64(c[i].from)) > 0) {
            assert_true(id >= first && id < first + CLAIM_JOBS);
            seen[id - first]++;
            per_child[i]++;
        }
        assert_int_equal(id, 0);
        assert_int_equal(child_wait(&c[i]), 0);
    }
    for (int i = 0; i < CLAIM_JOBS; i++) {
        if (seen[i] != 1) {
            print_error("job %lld claimed %d times\n", (long long)(first + i), seen[i]);
            fail();
        }
    }
    int64_t queued = -1, running = -1;
    struct ls_err err = {0};
    assert_int_equal(ls_store_jobs_counts(st, &queued, &running, &err), LS_OK);
    assert_int_equal(queued + running, 0);
    ls_store_close(st);
}

enum { CAP = 5, CAP_TRIES = 6 };

/* Child: tries CAP_TRIES queued jobs on a store capped at CAP; reports how many it got. */
static int cap_child(int in, int out)
{
    int64_t offer = recv_i64(in), upload = recv_i64(in);
    char p[600];
    struct ls_err err = {0};
    db_path(p, sizeof(p), "cap.db");
    struct ls_store_options opt = {.max_queued_jobs = CAP};
    struct ls_store *st = ls_store_open_sqlite(p, &opt, &err);
    if (st == NULL)
        return 10;
    int64_t got = 0;
    for (int i = 0; i < CAP_TRIES; i++) {
        struct ls_job job = {
            .workspace = 1, .offer_id = offer, .upload_id = upload, .created_ms = 1};
        int rc = ls_store_job_create(st, &job, &err);
        if (rc == LS_OK)
            got++;
        else if (rc != LS_EBUSY || strstr(err.msg, "queue is full") == NULL)
            return 11;
    }
    send_i64(out, got);
    ls_store_close(st);
    return 0;
}

/*
 * The queue's cap holds across processes: four of them creating jobs at
 * once on a store capped at 5 get 5 in all; a job created claimed (running
 * at once) is not queued and not capped.
 */
static void test_store__queue_cap_holds_across_processes(void **state)
{
    (void)state;
    struct child c[4];
    for (int i = 0; i < 4; i++)
        child_start(&c[i], cap_child);
    struct ls_store *st = open_store("cap.db");
    int64_t o, u;
    fixture(st, 2, &o, &u);
    for (int i = 0; i < 4; i++) {
        send_i64(c[i].to, o);
        send_i64(c[i].to, u);
    }
    int64_t total = 0;
    for (int i = 0; i < 4; i++) {
        total += recv_i64(c[i].from);
        assert_int_equal(child_wait(&c[i]), 0);
    }
    assert_int_equal(total, CAP);
    assert_int_equal(sql_int("cap.db", "SELECT count(*) FROM jobs WHERE status = 'queued'"), CAP);
    ls_store_close(st);
    char p[600];
    struct ls_err err = {0};
    db_path(p, sizeof(p), "cap.db");
    struct ls_store_options opt = {.max_queued_jobs = CAP};
    st = ls_store_open_sqlite(p, &opt, &err);
    assert_non_null(st);
    struct ls_job job = {.workspace = 1, .offer_id = o, .upload_id = u, .created_ms = 1};
    assert_int_equal(ls_store_job_create(st, &job, &err), LS_EBUSY);
    job = (struct ls_job){.workspace = 1, .offer_id = o, .upload_id = u, .created_ms = 1};
    job.owner = ls_store_instance(st);
    assert_int_equal(ls_store_job_create(st, &job, &err), LS_OK);
    ls_store_close(st);
}

/* A job created claimed (`leadscore score`) can never be taken by another process first. */
static void test_store__job_created_claimed_is_not_claimable(void **state)
{
    (void)state;
    struct ls_store *a = open_store("created-claimed.db");
    struct ls_store *b = open_store("created-claimed.db"); /* another instance */
    struct ls_err err = {0};
    int64_t o, u;
    fixture(a, 3, &o, &u);
    struct ls_job job = {.workspace = 1, .offer_id = o, .upload_id = u, .created_ms = 5};
    job.owner = ls_store_instance(b); /* not a's to give away */
    assert_int_equal(ls_store_job_create(a, &job, &err), LS_EINVAL);
    memset(&job, 0, sizeof(job));
    job = (struct ls_job){.workspace = 1, .offer_id = o, .upload_id = u, .created_ms = 5};
    job.owner = ls_store_instance(a);
    assert_int_equal(ls_store_job_create(a, &job, &err), LS_OK);
    assert_int_equal(job.status, LS_JOB_RUNNING);
    assert_int_equal(job.owner, ls_store_instance(a));
    assert_int_equal(job.started_ms, 5);
    struct ls_job got;
    assert_int_equal(ls_store_job_claim(b, 0, 6, &got, &err), LS_ENOTFOUND);
    assert_int_equal(ls_store_job_claim(b, job.id, 6, &got, &err), LS_ECONFLICT);
    assert_non_null(strstr(err.msg, "being run by another process"));
    assert_int_equal(ls_store_job_claim(a, job.id, 6, &got, &err), LS_OK);
    /* Once a is gone, its job is b's to resume. */
    ls_store_close(a);
    assert_int_equal(ls_store_job_claim(b, 0, 7, &got, &err), LS_OK);
    assert_int_equal(got.id, job.id);
    ls_store_close(b);
}

/* Child: cancels the job it is told, from a process of its own. */
static int cancel_child(int in, int out)
{
    int64_t id = recv_i64(in);
    struct ls_store *st = child_open("cancel.db");
    struct ls_err err = {0};
    int rc = st ? ls_store_job_cancel(st, 1, id, ls_now_ms(), &err) : LS_EIO;
    send_i64(out, rc);
    ls_store_close(st);
    return 0;
}

/*
 * A cancel written by another process while this one runs the job: the
 * worker's next batch learns of it, its own final status does not
 * overwrite it, and the job stays cancelled.
 */
static void test_store__cancel_from_another_process_is_kept(void **state)
{
    (void)state;
    struct child c;
    child_start(&c, cancel_child);
    struct ls_store *st = open_store("cancel.db");
    struct ls_err err = {0};
    int64_t o, u;
    fixture(st, 10, &o, &u);
    struct ls_job job = new_job(st, o, u);
    assert_int_equal(ls_store_job_claim(st, job.id, 1, &job, &err), LS_OK);
    enum ls_job_status after = LS_JOB_QUEUED;
    assert_int_equal(put_results(st, &job, 0, 4, NULL, NULL, &after), LS_OK);
    assert_int_equal(after, LS_JOB_RUNNING);
    send_i64(c.to, job.id);
    assert_int_equal(recv_i64(c.from), LS_OK);
    assert_int_equal(child_wait(&c), 0);
    assert_int_equal(put_results(st, &job, 4, 6, NULL, NULL, &after), LS_OK);
    assert_int_equal(after, LS_JOB_CANCELLED);
    bool stopped = true;
    assert_int_equal(ls_store_job_stopped(st, job.id, &stopped, &err), LS_OK);
    assert_false(stopped); /* this instance still owns it */
    job.status = LS_JOB_SUCCEEDED;
    job.finished_ms = 99;
    snprintf(job.error, sizeof(job.error), "%s", "");
    assert_int_equal(ls_store_job_finish(st, &job, &err), LS_OK);
    struct ls_job back;
    assert_int_equal(ls_store_job_get(st, 1, job.id, &back, &err), LS_OK);
    assert_int_equal(back.status, LS_JOB_CANCELLED);
    assert_string_equal(back.error, "cancelled on request");
    assert_int_equal(back.owner, 0);
    assert_int_equal(back.n.done, 10); /* what was stored is kept, and counted */
    assert_int_equal(ls_store_job_stopped(st, job.id, &stopped, &err), LS_OK);
    assert_true(stopped);
    assert_int_equal(ls_store_job_claim(st, job.id, 3, &back, &err), LS_ENOTFOUND);
    assert_int_equal(ls_store_job_cancel(st, 1, job.id, 4, &err), LS_ECONFLICT);
    ls_store_close(st);
}

/*
 * A job cancelled by another process is final at once, but its worker may
 * still be writing until it notices: until it lets go, the job's upload and
 * offer stay, whether asked for by a delete or by retention - the worker's
 * next batch must not find its job gone.
 */
static void test_store__inputs_of_a_stopping_job_stay(void **state)
{
    (void)state;
    struct ls_store *a = open_store("stopping.db"); /* runs the job */
    struct ls_store *b = open_store("stopping.db"); /* another process */
    struct ls_err err = {0};
    int64_t o, u;
    fixture(a, 6, &o, &u);
    struct ls_job job = new_job(a, o, u);
    assert_int_equal(ls_store_job_claim(a, job.id, 1, &job, &err), LS_OK);
    assert_int_equal(ls_store_job_cancel(b, 1, job.id, 2, &err), LS_OK);
    assert_int_equal(ls_store_upload_delete(b, 1, u, &err), LS_ECONFLICT);
    assert_int_equal(ls_store_offer_delete(b, 1, o, &err), LS_ECONFLICT);
    struct ls_purge_stats ps = {0};
    assert_int_equal(ls_store_purge(b, ls_now_ms() + 60000, &ps, &err), LS_OK);
    assert_int_equal(ps.uploads + ps.jobs, 0);
    enum ls_job_status after = LS_JOB_RUNNING;
    assert_int_equal(put_results(a, &job, 0, 6, NULL, NULL, &after), LS_OK); /* its last batch */
    assert_int_equal(after, LS_JOB_CANCELLED);
    job.status = LS_JOB_CANCELLED;
    assert_int_equal(ls_store_job_finish(a, &job, &err), LS_OK); /* lets go */
    assert_int_equal(ls_store_offer_delete(b, 1, o, &err), LS_OK);
    assert_int_equal(ls_store_upload_delete(b, 1, u, &err), LS_OK);
    assert_int_equal(sql_int("stopping.db", "SELECT count(*) FROM results"), 0);
    ls_store_close(a);
    ls_store_close(b);
}

enum { COUNT_PUTS = 40 };

/* Child: COUNT_PUTS one-row batches for idx base.. of the job it is told. */
static int counter_child(int in, int out)
{
    int64_t id = recv_i64(in), base = recv_i64(in);
    struct ls_store *st = child_open("counters.db");
    struct ls_job job;
    struct ls_err err = {0};
    if (st == NULL || ls_store_job_get(st, 1, id, &job, &err) != LS_OK)
        return 10;
    for (int i = 0; i < COUNT_PUTS; i++) {
        struct ls_job_counts d = {
            .done = 1, .model_calls = 2, .prompt_tokens = 7, .intents[LS_INTENT_HIGH] = 1};
        if (put_results(st, &job, base + i, 1, NULL, &d, NULL) != LS_OK)
            return 11;
    }
    send_i64(out, 1);
    ls_store_close(st);
    return 0;
}

/* Counters are written as increments: concurrent writers lose nothing. */
static void test_store__counters_add_up_across_processes(void **state)
{
    (void)state;
    struct child c[3];
    for (int i = 0; i < 3; i++)
        child_start(&c[i], counter_child);
    struct ls_store *st = open_store("counters.db");
    struct ls_err err = {0};
    int64_t o, u;
    fixture(st, 3 * COUNT_PUTS, &o, &u);
    struct ls_job job = new_job(st, o, u);
    assert_int_equal(ls_store_job_claim(st, job.id, 1, &job, &err), LS_OK);
    for (int i = 0; i < 3; i++) {
        send_i64(c[i].to, job.id);
        send_i64(c[i].to, (int64_t)i * COUNT_PUTS);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(recv_i64(c[i].from), 1);
        assert_int_equal(child_wait(&c[i]), 0);
    }
    struct ls_job back;
    assert_int_equal(ls_store_job_get(st, 1, job.id, &back, &err), LS_OK);
    assert_int_equal(back.n.done, 3 * COUNT_PUTS);
    assert_int_equal(back.n.model_calls, 6 * COUNT_PUTS);
    assert_int_equal(back.n.prompt_tokens, 21 * COUNT_PUTS);
    assert_int_equal(back.n.intents[LS_INTENT_HIGH], 3 * COUNT_PUTS);
    assert_int_equal(sql_int("counters.db", "SELECT count(*) FROM results"), 3 * COUNT_PUTS);
    job.status = LS_JOB_SUCCEEDED;
    assert_int_equal(ls_store_job_finish(st, &job, &err), LS_OK);
    assert_int_equal(ls_store_job_get(st, 1, job.id, &back, &err), LS_OK);
    assert_int_equal(back.status, LS_JOB_SUCCEEDED);
    ls_store_close(st);
}

/* REQ-JOB-COMPLETE in the store: fewer results than leads can never end "succeeded". */
static void test_store__succeeded_needs_every_result(void **state)
{
    (void)state;
    struct ls_store *st = open_store("complete.db");
    struct ls_err err = {0};
    int64_t o, u;
    fixture(st, 5, &o, &u);
    struct ls_job job = new_job(st, o, u);
    assert_int_equal(ls_store_job_claim(st, job.id, 1, &job, &err), LS_OK);
    struct ls_job_counts lie = {.done = 5}; /* a counter that says more than was stored */
    assert_int_equal(put_results(st, &job, 0, 3, NULL, &lie, NULL), LS_OK);
    job.status = LS_JOB_SUCCEEDED;
    job.finished_ms = 2;
    assert_int_equal(ls_store_job_finish(st, &job, &err), LS_OK);
    struct ls_job back;
    assert_int_equal(ls_store_job_get(st, 1, job.id, &back, &err), LS_OK);
    assert_int_equal(back.status, LS_JOB_FAILED);
    assert_non_null(strstr(back.error, "only 3 of 5 leads have a result"));
    assert_int_equal(back.error_code, LS_EINTERNAL);
    assert_int_equal(back.owner, 0);

    struct ls_job whole = new_job(st, o, u);
    assert_int_equal(ls_store_job_claim(st, whole.id, 1, &whole, &err), LS_OK);
    assert_int_equal(put_results(st, &whole, 0, 5, NULL, NULL, NULL), LS_OK);
    whole.status = LS_JOB_SUCCEEDED;
    assert_int_equal(ls_store_job_finish(st, &whole, &err), LS_OK);
    assert_int_equal(ls_store_job_get(st, 1, whole.id, &back, &err), LS_OK);
    assert_int_equal(back.status, LS_JOB_SUCCEEDED);
    assert_string_equal(back.error, "");
    assert_int_equal(back.error_code, LS_OK);
    ls_store_close(st);
}

static void make_keys(unsigned char (*keys)[32], int n, unsigned char salt)
{
    for (int i = 0; i < n; i++) {
        memset(keys[i], salt, 32);
        keys[i][0] = (unsigned char)i;
    }
}

/* The verdict cache's cap evicts the least recently used first (a lookup counts as a use). */
static void test_store__cache_trim_evicts_least_recently_used(void **state)
{
    (void)state;
    struct ls_store *st = open_store("lru.db");
    struct ls_err err = {0};
    int64_t o, u;
    fixture(st, 4, &o, &u);
    struct ls_job job = new_job(st, o, u);
    unsigned char keys[4][32];
    make_keys(keys, 4, 0xA5);
    for (int i = 0; i < 4; i++) { /* stored in order 0, 1, 2, 3 */
        assert_int_equal(
            put_results(st, &job, i, 1, (const unsigned char(*)[32])keys[i], NULL, NULL), LS_OK);
        ls_sleep_ms(3);
    }
    struct ls_verdict v[4];
    bool found[4];
    assert_int_equal(
        ls_store_verdicts_get(st, 1, (const unsigned char(*)[32])keys, 1, v, found, &err),
        LS_OK); /* key 0 is used again: now the most recent */
    assert_true(found[0]);
    int64_t evicted = -1;
    assert_int_equal(ls_store_cache_trim(st, 2, &evicted, &err), LS_OK);
    assert_int_equal(evicted, 2);
    assert_int_equal(
        ls_store_verdicts_get(st, 1, (const unsigned char(*)[32])keys, 4, v, found, &err), LS_OK);
    assert_true(found[0]);
    assert_false(found[1]);
    assert_false(found[2]);
    assert_true(found[3]);
    assert_int_equal(ls_store_cache_trim(st, 2, &evicted, &err), LS_OK);
    assert_int_equal(evicted, 0);
    assert_int_equal(ls_store_cache_trim(st, 0, &evicted, &err), LS_OK);
    assert_int_equal(evicted, 2);
    ls_store_close(st);
}

/* Retention: old finished jobs and uploads go; what active or recent jobs use stays. */
static void test_store__purge_keeps_what_active_jobs_use(void **state)
{
    (void)state;
    struct ls_store *st = open_store("purge.db");
    struct ls_err err = {0};
    int64_t o, u_old, u_active, u_recent, o2;
    fixture(st, 6, &o, &u_old);
    fixture(st, 2, &o2, &u_active);
    fixture(st, 3, &o2, &u_recent);
    struct ls_job old = new_job(st, o, u_old);
    assert_int_equal(put_results(st, &old, 0, 6, NULL, NULL, NULL), LS_OK);
    assert_int_equal(ls_store_job_cancel(st, 1, old.id, 2, &err), LS_OK);
    struct ls_job active = new_job(st, o2, u_active);
    assert_int_equal(ls_store_job_claim(st, active.id, 2, &active, &err), LS_OK);
    int64_t cutoff = ls_now_ms() + 60000; /* everything above is "old" ... */
    struct ls_job recent = {.workspace = 1,
                            .offer_id = o2,
                            .upload_id = u_recent,
                            .created_ms = cutoff + 1}; /* ... but this job */
    assert_int_equal(ls_store_job_create(st, &recent, &err), LS_OK);
    assert_int_equal(ls_store_job_cancel(st, 1, recent.id, 2, &err), LS_OK);

    struct ls_purge_stats ps = {0};
    assert_int_equal(ls_store_purge(st, cutoff, &ps, &err), LS_OK);
    assert_int_equal(ps.jobs, 1);
    assert_int_equal(ps.results, 6);
    assert_int_equal(ps.uploads, 1);
    struct ls_upload_info info;
    struct ls_job back;
    assert_int_equal(ls_store_upload_get(st, 1, u_old, &info, &err), LS_ENOTFOUND);
    assert_int_equal(ls_store_job_get(st, 1, old.id, &back, &err), LS_ENOTFOUND);
    assert_int_equal(ls_store_upload_get(st, 1, u_active, &info, &err), LS_OK);
    assert_int_equal(ls_store_job_get(st, 1, active.id, &back, &err), LS_OK);
    assert_int_equal(ls_store_upload_get(st, 1, u_recent, &info, &err), LS_OK);
    assert_int_equal(ls_store_job_get(st, 1, recent.id, &back, &err), LS_OK);
    assert_int_equal(sql_int("purge.db", "SELECT count(*) FROM leads"), 5);
    int64_t cur_upload = -1;
    assert_int_equal(ls_store_current(st, 1, NULL, &cur_upload, NULL, &err), LS_OK);
    assert_int_equal(cur_upload, u_recent);
    ls_store_close(st);
}

/*
 * Deleting results - alone, with their job or with their upload - takes the
 * cached verdicts they stored (model text about the leads), in their
 * workspace only; a verdict another job merely reused stays with its maker.
 */
static void test_store__deleted_results_take_their_verdicts(void **state)
{
    (void)state;
    struct ls_store *st = open_store("verdicts.db");
    struct ls_err err = {0};
    int64_t ws2 = 0;
    assert_int_equal(ls_store_workspace_ensure(st, "other", 1, &ws2, &err), LS_OK);
    int64_t o, u;
    fixture(st, 3, &o, &u);
    unsigned char keys[3][32];
    make_keys(keys, 3, 0x3C);
    const unsigned char(*k)[32] = (const unsigned char(*)[32])keys;

    /* The same keys in another workspace, which must keep them. */
    struct ls_offer offer = {0};
    assert_int_equal(ls_offer_parse(offer_json, strlen(offer_json), &offer, &err), LS_OK);
    int64_t o_b, u_b;
    assert_int_equal(ls_store_offer_put(st, ws2, &offer, 1, &o_b, &err), LS_OK);
    ls_offer_release(&offer);
    struct ls_store_upload *up = ls_store_upload_begin(st, ws2, "b.csv", NULL, 1, &err);
    add_leads(up, 3);
    struct ls_csv_stats stats = {.accepted = 3};
    assert_int_equal(ls_store_upload_commit(up, &stats, &u_b, &err), LS_OK);
    struct ls_job jb = {.workspace = ws2, .offer_id = o_b, .upload_id = u_b, .created_ms = 1};
    assert_int_equal(ls_store_job_create(st, &jb, &err), LS_OK);
    assert_int_equal(put_results(st, &jb, 0, 3, k, NULL, NULL), LS_OK);

    struct ls_verdict v[3];
    bool found[3];
    static const struct {
        const char *how;
    } ways[] = {{"results"}, {"job"}, {"upload"}};
    for (size_t w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
        if (w == 2)
            fixture(st, 3, &o, &u);
        struct ls_job maker = new_job(st, o, u);
        assert_int_equal(put_results(st, &maker, 0, 3, k, NULL, NULL), LS_OK);
        assert_int_equal(ls_store_job_cancel(st, 1, maker.id, 2, &err), LS_OK);
        struct ls_job reuser = new_job(st, o, u); /* cache hits: rows without a key */
        assert_int_equal(put_results(st, &reuser, 0, 3, NULL, NULL, NULL), LS_OK);
        assert_int_equal(ls_store_job_cancel(st, 1, reuser.id, 2, &err), LS_OK);
        assert_int_equal(ls_store_job_delete(st, 1, reuser.id, false, 3, &err), LS_OK);
        assert_int_equal(ls_store_verdicts_get(st, 1, k, 3, v, found, &err), LS_OK);
        assert_true(found[0] && found[1] && found[2]);

        if (w == 0)
            assert_int_equal(ls_store_job_delete(st, 1, maker.id, true, 4, &err), LS_OK);
        else if (w == 1)
            assert_int_equal(ls_store_job_delete(st, 1, maker.id, false, 4, &err), LS_OK);
        else
            assert_int_equal(ls_store_upload_delete(st, 1, u, &err), LS_OK);
        assert_int_equal(ls_store_verdicts_get(st, 1, k, 3, v, found, &err), LS_OK);
        if (found[0] || found[1] || found[2]) {
            print_error("deleting the %s left its verdicts in the cache\n", ways[w].how);
            fail();
        }
        assert_int_equal(ls_store_verdicts_get(st, ws2, k, 3, v, found, &err), LS_OK);
        assert_true(found[0] && found[1] && found[2]);
    }
    /* In one batch, a row without a key never takes the key of the row before it. */
    struct ls_job mixed = {.workspace = ws2, .offer_id = o_b, .upload_id = u_b, .created_ms = 1};
    assert_int_equal(ls_store_job_create(st, &mixed, &err), LS_OK);
    struct ls_result rows[3];
    memset(rows, 0, sizeof(rows));
    for (int i = 0; i < 3; i++) {
        rows[i].idx = i;
        rows[i].reasoning = rows[i].provider = rows[i].model = "";
        rows[i].cache_key = i == 0 ? keys[0] : NULL;
    }
    struct ls_job_counts d = {.done = 3};
    assert_int_equal(ls_store_results_put(st, &mixed, &d, rows, 3, NULL, &err), LS_OK);
    char q[160];
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM results WHERE job_id = %lld AND cache_key IS "
             "NOT NULL",
             (long long)mixed.id);
    assert_int_equal(sql_int("verdicts.db", q), 1);
    ls_store_close(st);
}

/*
 * Upgrading a database of schema 5: verdicts cached before results knew
 * their keys cannot be traced to their leads, so they go; the results keep
 * their rows and learn to take their verdicts with them; jobs get an
 * error code.
 */
static void test_store__upgrade_forgets_untraceable_verdicts(void **state)
{
    (void)state;
    struct ls_store *st = open_store("upgrade.db");
    int64_t o, u;
    fixture(st, 2, &o, &u);
    struct ls_job job = new_job(st, o, u);
    unsigned char keys[2][32];
    make_keys(keys, 2, 0x77);
    assert_int_equal(put_results(st, &job, 0, 2, (const unsigned char(*)[32])keys, NULL, NULL),
                     LS_OK);
    ls_store_close(st);
    /* Back to schema 5 as an older leadscore left it (migration 12 first: its tables refer
     * to jobs, whose columns the later steps drop). */
    assert_int_equal(sql_exec("upgrade.db", UNDO_14), SQLITE_OK);
    assert_int_equal(sql_exec("upgrade.db",
                              UNDO_11 "DROP TABLE sessions;"
                                      "DROP INDEX leads_name; DROP INDEX leads_company;"
                                      "DROP INDEX results_score; DROP INDEX results_rank;"
                                      "CREATE INDEX results_rank ON results(job_id, rank);"
                                      "DROP TRIGGER results_verdict_gone;"
                                      "DROP TRIGGER jobs_verdicts_gone;"
                                      "ALTER TABLE results DROP COLUMN cache_key;"
                                      "ALTER TABLE jobs DROP COLUMN error_code;"
                                      "ALTER TABLE results DROP COLUMN role_kind;"
                                      "ALTER TABLE results DROP COLUMN role_term;"
                                      "ALTER TABLE results DROP COLUMN industry_match;"
                                      "ALTER TABLE results DROP COLUMN adjacent_via;"
                                      "ALTER TABLE results DROP COLUMN industry_term;"
                                      "ALTER TABLE results DROP COLUMN missing_fields;"
                                      "PRAGMA user_version = 5"),
                     SQLITE_OK);
    assert_int_equal(sql_int("upgrade.db", "SELECT count(*) FROM verdicts"), 2);
    st = open_store("upgrade.db");
    assert_int_equal(sql_int("upgrade.db", "PRAGMA user_version"), 14);
    assert_int_equal(sql_int("upgrade.db", "SELECT count(*) FROM sessions"), 0);
    assert_int_equal(sql_int("upgrade.db", "SELECT count(*) FROM sqlite_master WHERE name IN "
                                           "('leads_name', 'leads_company', 'results_score') OR "
                                           "sql LIKE '%results(job_id, rank, intent)%'"),
                     4);
    assert_int_equal(sql_int("upgrade.db", "SELECT count(*) FROM jobs WHERE error_code = 0"), 1);
    assert_int_equal(sql_int("upgrade.db", "SELECT count(*) FROM verdicts"), 0);
    assert_int_equal(sql_int("upgrade.db", "SELECT count(*) FROM results"), 2);
    assert_int_equal(sql_int("upgrade.db", "SELECT count(*) FROM sqlite_master WHERE type = "
                                           "'trigger'"),
                     2);
    ls_store_close(st);
}

struct one_result {
    int n;
    struct ls_result r;
    char role_term[32], industry_term[64];
    bool role_term_null, industry_term_null;
};

static int keep_first(void *ud, const struct ls_result *r, struct ls_err *err)
{
    (void)err;
    struct one_result *o = ud;
    if (o->n++ == 0) {
        o->r = *r;
        o->role_term_null = r->role_term == NULL;
        o->industry_term_null = r->industry_term == NULL;
        snprintf(o->role_term, sizeof(o->role_term), "%s", r->role_term ? r->role_term : "");
        snprintf(o->industry_term, sizeof(o->industry_term), "%s",
                 r->industry_term ? r->industry_term : "");
    }
    return LS_OK;
}

static void read_first(struct ls_store *st, const struct ls_job *job, struct one_result *o)
{
    struct ls_err err = {0};
    struct ls_results_query q;
    ls_results_query_default(&q);
    memset(o, 0, sizeof(*o));
    assert_int_equal(ls_store_results_query(st, job, &q, keep_first, o, NULL, &err), LS_OK);
    assert_int_equal(o->n, 1);
}

/*
 * Issue #8: what the rule factors matched is stored with the result and
 * read back as it was (a NULL term stays NULL); a result stored before
 * schema 8 reads without factors (has_factors false), its missing fields
 * told from its lead and points.
 */
static void test_store__results_keep_their_factors_and_old_rows_still_read(void **state)
{
    (void)state;
    struct ls_store *st = open_store("factors.db");
    int64_t o, u;
    fixture(st, 2, &o, &u);
    struct ls_job job = new_job(st, o, u);
    struct ls_result row = {.idx = 0,
                            .role_points = 20,
                            .industry_points = 10,
                            .completeness_points = 0,
                            .rule_score = 30,
                            .intent = LS_INTENT_LOW,
                            .ai_score = 10,
                            .score = 40,
                            .reasoning = "r",
                            .provider = "test",
                            .model = "",
                            .has_factors = true,
                            .role_kind = LS_ROLE_DECISION,
                            .industry_match = LS_IND_ADJACENT,
                            .adjacent_via = LS_ADJ_FAMILY,
                            .missing = 1u << LS_F_BIO,
                            .role_term = "head",
                            .industry_term = NULL};
    struct ls_job_counts d = {.done = 1, .intents[LS_INTENT_LOW] = 1};
    struct ls_err err = {0};
    assert_int_equal(ls_store_results_put(st, &job, &d, &row, 1, NULL, &err), LS_OK);
    struct one_result got;
    read_first(st, &job, &got);
    assert_true(got.r.has_factors);
    assert_int_equal(got.r.role_kind, LS_ROLE_DECISION);
    assert_int_equal(got.r.industry_match, LS_IND_ADJACENT);
    assert_int_equal(got.r.adjacent_via, LS_ADJ_FAMILY);
    assert_int_equal(got.r.missing, 1u << LS_F_BIO);
    assert_string_equal(got.role_term, "head");
    assert_false(got.role_term_null);
    assert_true(got.industry_term_null);
    ls_store_close(st);

    /* Back to schema 7, as leadscore left it before issue #8 (the row keeps its points). */
    assert_int_equal(sql_exec("factors.db", UNDO_14), SQLITE_OK);
    assert_int_equal(sql_exec("factors.db",
                              UNDO_11 "DROP TABLE sessions;"
                                      "DROP INDEX leads_name; DROP INDEX leads_company;"
                                      "DROP INDEX results_score; DROP INDEX results_rank;"
                                      "CREATE INDEX results_rank ON results(job_id, rank);"
                                      "ALTER TABLE results DROP COLUMN role_kind;"
                                      "ALTER TABLE results DROP COLUMN role_term;"
                                      "ALTER TABLE results DROP COLUMN industry_match;"
                                      "ALTER TABLE results DROP COLUMN adjacent_via;"
                                      "ALTER TABLE results DROP COLUMN industry_term;"
                                      "ALTER TABLE results DROP COLUMN missing_fields;"
                                      "PRAGMA user_version = 7"),
                     SQLITE_OK);
    st = open_store("factors.db");
    assert_int_equal(sql_int("factors.db", "PRAGMA user_version"), 14);
    read_first(st, &job, &got);
    assert_false(got.r.has_factors);
    assert_true(got.role_term_null);
    assert_true(got.industry_term_null);
    assert_int_equal(got.r.role_points, 20);
    /* The fixture's leads have a name and a role only: the rest are missing. */
    assert_int_equal(got.r.missing,
                     (1u << LS_F_COMPANY) | (1u << LS_F_INDUSTRY) | (1u << LS_F_LOCATION));
    ls_store_close(st);
}

/* Issue #8: the histogram by intent and score, of every result or of those q's text matches. */
static void test_store__results_hist(void **state)
{
    (void)state;
    struct ls_store *st = open_store("hist.db");
    int64_t o, u;
    fixture(st, 16, &o, &u);
    struct ls_job job = new_job(st, o, u);
    put_scored(st, &job, 0, 16);
    struct ls_err err = {0};
    assert_int_equal(ls_store_job_get(st, 1, job.id, &job, &err), LS_OK); /* its counts now */
    struct ls_score_hist h;
    memset(&h, 0xff, sizeof(h)); /* overwritten, not added to */
    assert_int_equal(ls_store_results_hist(st, &job, NULL, &h, &err), LS_OK);
    /* Without text the filter does not narrow the histogram: ls_summary_of does. */
    struct ls_score_hist h2;
    struct ls_results_query high;
    ls_results_query_default(&high);
    high.intents = 1u << LS_INTENT_HIGH;
    assert_int_equal(ls_store_results_hist(st, &job, &high, &h2, &err), LS_OK);
    assert_memory_equal(&h, &h2, sizeof(h));
    struct ls_results_query all;
    ls_results_query_default(&all);
    struct ls_summary s;
    ls_summary_of(&h, &all, &s);
    assert_int_equal(s.total, 16);
    /* Against the rows themselves, filter by filter. */
    static const struct ls_query_args cases[] = {
        {0}, {.intent = "High"}, {.min_score = "30", .max_score = "69"}, {.intent = "Low,Medium"}};
    for (size_t i = 0; i < LS_ARRAY_LEN(cases); i++) {
        struct ls_results_query q;
        assert_int_equal(ls_results_query_parse(&cases[i], &q, &err), LS_OK);
        struct names c = {0};
        int64_t total = -1;
        q.limit = 100;
        assert_int_equal(ls_store_results_query(st, &job, &q, collect_names, &c, &total, &err),
                         LS_OK);
        ls_summary_of(&h, &q, &s);
        assert_int_equal(s.total, total);
        int64_t in_bins = 0;
        for (int b = 0; b < LS_SUMMARY_BINS; b++)
            in_bins += s.bins[b].count;
        assert_int_equal(in_bins, total);
    }
    /* With text: only the rows the whole filter matches ("lead 1": Lead 1, Lead 10..15). */
    struct ls_results_query text = all;
    snprintf(text.q, sizeof(text.q), "lead 1");
    assert_int_equal(ls_store_results_hist(st, &job, &text, &h, &err), LS_OK);
    ls_summary_of(&h, &all, &s);
    assert_int_equal(s.total, 7);
    text.min_score = 50;
    assert_int_equal(ls_store_results_hist(st, &job, &text, &h, &err), LS_OK);
    ls_summary_of(&h, &all, &s); /* the store narrowed it already */
    int64_t want = 0;
    for (int i = 0; i < 16; i++) {
        bool has = i == 1 || i >= 10;
        want += has && (i * 37 % 11) * 10 >= 50; /* put_scored's scores */
    }
    assert_int_equal(s.total, want);
    ls_store_close(st);
}

/* ---- a job whose provider leaves leads unanswered ---- */

struct holey {
    struct ls_provider base;
    int passes;      /* classify calls so far */
    int drop_passes; /* the first this many calls leave every 4th lead unanswered */
};

static int holey_classify(struct ls_provider *p, const struct ls_offer *offer, ls_ai_next_fn next,
                          ls_ai_done_fn done, void *ud, const atomic_bool *cancel,
                          struct ls_ai_usage *usage, struct ls_err *err)
{
    (void)offer;
    (void)cancel;
    (void)err;
    struct holey *h = (struct holey *)p;
    bool drop = h->passes++ < h->drop_passes;
    struct ls_ai_item items[8];
    size_t n;
    while ((n = next(ud, items, 8)) > 0) {
        usage->model_calls++;
        for (size_t i = 0; i < n; i++) {
            struct ls_ai_outcome o = {.status = LS_OK};
            if (drop && items[i].id % 4 == 0) {
                o.status = LS_ECANCELLED; /* never judged: no verdict, no failure */
            } else {
                o.verdict.intent = LS_INTENT_MEDIUM;
                snprintf(o.verdict.reasoning, sizeof(o.verdict.reasoning), "fine");
            }
            done(ud, &items[i], &o);
        }
    }
    return LS_OK; /* and says all is well */
}

static void holey_free(struct ls_provider *p)
{
    (void)p;
}

static const struct ls_provider_ops holey_ops = {.classify = holey_classify, .free = holey_free};

/*
 * REQ-JOB-COMPLETE: a provider that reports success but leaves leads without
 * an outcome (LS_ECANCELLED) cannot make a job succeed; when a later pass
 * answers them, it can.
 */
/* Issue #10: what providers learnt, per (base URL, model), and how a job's provider asked. */
static void test_store__learnt_parameters_kept_per_server_and_model(void **state)
{
    (void)state;
    struct ls_store *st = open_store("learnt.db");
    struct ls_err err = {0};
    struct ls_ai_learnt got, in = {0};
    assert_int_equal(ls_store_learnt_get(st, "http://a/v1", "m", &got, &err), LS_OK);
    assert_string_equal(got.mode, ""); /* nothing kept: every field empty */
    snprintf(in.mode, sizeof(in.mode), "text");
    snprintf(in.reasoning, sizeof(in.reasoning), "minimal>low");
    assert_int_equal(ls_store_learnt_put(st, "http://a/v1", "m", &in, 1, &err), LS_OK);
    snprintf(in.tokens_param, sizeof(in.tokens_param), "max_completion_tokens");
    assert_int_equal(ls_store_learnt_put(st, "http://a/v1", "m", &in, 2, &err), LS_OK);
    assert_int_equal(ls_store_learnt_get(st, "http://a/v1", "m", &got, &err), LS_OK);
    assert_string_equal(got.mode, "text");
    assert_string_equal(got.reasoning, "minimal>low");
    assert_string_equal(got.tokens_param, "max_completion_tokens");
    /* Another model on the same server, or the same model elsewhere, knows nothing. */
    assert_int_equal(ls_store_learnt_get(st, "http://a/v1", "m2", &got, &err), LS_OK);
    assert_string_equal(got.mode, "");
    assert_int_equal(ls_store_learnt_get(st, "http://b/v1", "m", &got, &err), LS_OK);
    assert_string_equal(got.tokens_param, "");
    /* The job's "ai" and its blocked counter are kept with it. */
    int64_t o, u;
    fixture(st, 3, &o, &u);
    struct ls_job job = new_job(st, o, u);
    struct ls_ai_form f = {.mode = "json_object", .tokens_param = "max_tokens", .reasoning = "low"};
    assert_int_equal(ls_store_job_ai_set(st, job.id, &f, &err), LS_OK);
    struct ls_job back;
    assert_int_equal(ls_store_job_get(st, 1, job.id, &back, &err), LS_OK);
    assert_string_equal(back.ai.mode, "json_object");
    assert_string_equal(back.ai.tokens_param, "max_tokens");
    assert_string_equal(back.ai.reasoning, "low");
    assert_string_equal(back.ai.thinking, "");
    assert_int_equal(back.n.blocked, 0);
    ls_store_close(st);
}

static void test_store__job_with_unanswered_leads_never_succeeds(void **state)
{
    (void)state;
    struct ls_store *st = open_store("holey.db");
    struct ls_rules *rules = ls_rules_new(ls_rules_default_config());
    struct ls_err err = {0};
    int64_t o, u;
    fixture(st, 40, &o, &u);
    static const struct {
        int drop_passes;
        enum ls_job_status want;
        int64_t done;
    } cases[] = {
        {99, LS_JOB_FAILED, 30},   /* leads 0, 4, 8, ... never answered */
        {1, LS_JOB_SUCCEEDED, 40}, /* answered by the second pass */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct holey h = {.base = {&holey_ops, "holey", "", false},
                          .drop_passes = cases[i].drop_passes};
        atomic_bool stop = false;
        struct ls_job_env env = {.store = st, .provider = &h.base, .rules = rules, .stop = &stop};
        struct ls_job job = new_job(st, o, u);
        assert_int_equal(ls_job_run(&env, job.id, &job, &err), LS_OK);
        assert_int_equal(job.status, cases[i].want);
        assert_int_equal(job.n.done, cases[i].done);
        char q[160];
        snprintf(q, sizeof(q), "SELECT count(*) FROM results WHERE job_id = %lld",
                 (long long)job.id);
        assert_int_equal(sql_int("holey.db", q), cases[i].done);
        if (cases[i].want == LS_JOB_FAILED) {
            assert_non_null(strstr(job.error, "only 30 of 40 leads have a result"));
            assert_int_equal(job.error_code, LS_EUPSTREAM); /* the model left them unanswered */
        } else {
            assert_int_equal(job.error_code, LS_OK);
        }
    }
    ls_rules_free(rules);
    ls_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__upload_visible_only_after_commit),
        cmocka_unit_test(test_store__crash_mid_upload_leaves_nothing),
        cmocka_unit_test(test_store__results_page_in_rank_order),
        cmocka_unit_test(test_store__keyset_walk_while_rows_arrive),
        cmocka_unit_test(test_store__results_query),
        cmocka_unit_test(test_store__results_keep_their_factors_and_old_rows_still_read),
        cmocka_unit_test(test_store__results_hist),
        cmocka_unit_test(test_store__unopenable_path_is_an_error),
        cmocka_unit_test(test_store__live_upload_survives_another_open),
        cmocka_unit_test(test_store__killed_upload_removed_by_next_open),
        cmocka_unit_test(test_store__commit_after_upload_row_removed_conflicts),
        cmocka_unit_test(test_store__ids_never_reused),
        cmocka_unit_test(test_store__rows_reference_their_upload),
        cmocka_unit_test(test_store__each_job_claimed_by_one_process),
        cmocka_unit_test(test_store__job_created_claimed_is_not_claimable),
        cmocka_unit_test(test_store__queue_cap_holds_across_processes),
        cmocka_unit_test(test_store__cancel_from_another_process_is_kept),
        cmocka_unit_test(test_store__inputs_of_a_stopping_job_stay),
        cmocka_unit_test(test_store__counters_add_up_across_processes),
        cmocka_unit_test(test_store__succeeded_needs_every_result),
        cmocka_unit_test(test_store__cache_trim_evicts_least_recently_used),
        cmocka_unit_test(test_store__purge_keeps_what_active_jobs_use),
        cmocka_unit_test(test_store__deleted_results_take_their_verdicts),
        cmocka_unit_test(test_store__upgrade_forgets_untraceable_verdicts),
        cmocka_unit_test(test_store__job_with_unanswered_leads_never_succeeds),
        cmocka_unit_test(test_store__learnt_parameters_kept_per_server_and_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
