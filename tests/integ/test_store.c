/*
 * test_store.c - the store contract on real SQLite files: uploads are
 * invisible until committed, a crash mid-upload leaves nothing, results page
 * in rank order with stable ties, jobs keep their counters.
 */
#include "ls_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "store/store.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__upload_visible_only_after_commit),
        cmocka_unit_test(test_store__crash_mid_upload_leaves_nothing),
        cmocka_unit_test(test_store__results_page_in_rank_order),
        cmocka_unit_test(test_store__results_query),
        cmocka_unit_test(test_store__unopenable_path_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
