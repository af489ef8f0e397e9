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
    struct ls_store *st = ls_store_open_sqlite(p, &err);
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
    struct ls_store_upload *up = ls_store_upload_begin(st, "a.csv", 1, &err);
    assert_non_null(up);
    add_leads(up, 5000); /* more than one batch */
    assert_int_equal(ls_store_current(st, &offer, &upload, &job, &err), LS_OK);
    assert_int_equal(upload, 0);
    ls_store_upload_abort(up);
    assert_int_equal(ls_store_current(st, &offer, &upload, &job, &err), LS_OK);
    assert_int_equal(upload, 0);

    up = ls_store_upload_begin(st, "b.csv", 2, &err);
    add_leads(up, 10);
    struct ls_csv_stats stats = {.accepted = 10, .rejected = 1, .is_cp1252 = true};
    int64_t id = 0;
    assert_int_equal(ls_store_upload_commit(up, &stats, &id, &err), LS_OK);
    assert_int_equal(ls_store_current(st, &offer, &upload, &job, &err), LS_OK);
    assert_int_equal(upload, id);
    struct ls_upload_info info;
    assert_int_equal(ls_store_upload_get(st, id, &info, &err), LS_OK);
    assert_int_equal(info.accepted, 10);
    assert_int_equal(info.rejected, 1);
    assert_true(info.is_cp1252);
    assert_string_equal(info.filename, "b.csv");
    assert_int_equal(ls_store_upload_get(st, id + 100, &info, &err), LS_ENOTFOUND);
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
        struct ls_store_upload *up = ls_store_upload_begin(st, "c.csv", 1, &err);
        add_leads(up, 9000); /* two batches reach the database */
        _exit(0);            /* no commit, no close */
    }
    int status;
    waitpid(pid, &status, 0);
    assert_int_equal(WEXITSTATUS(status), 0);
    struct ls_store *st = open_store("crash.db");
    struct ls_err err = {0};
    int64_t offer, upload, job;
    assert_int_equal(ls_store_current(st, &offer, &upload, &job, &err), LS_OK);
    assert_int_equal(upload, 0);
    struct ls_upload_info info;
    assert_int_equal(ls_store_upload_get(st, 1, &info, &err), LS_ENOTFOUND);
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
    assert_int_equal(ls_store_offer_put(st, &offer, 1, &offer_id, &err), LS_OK);
    struct ls_store_upload *up = ls_store_upload_begin(st, "r.csv", 1, &err);
    add_leads(up, 7);
    struct ls_csv_stats stats = {.accepted = 7};
    assert_int_equal(ls_store_upload_commit(up, &stats, &upload_id, &err), LS_OK);
    struct ls_job job = {.offer_id = offer_id, .upload_id = upload_id, .created_ms = 1};
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
    job.done = 7;
    job.counts[LS_INTENT_LOW] = 7;
    assert_int_equal(ls_store_results_put(st, &job, rows, 7, &err), LS_OK);
    struct ls_result_cursor cur = {0};
    struct collect c = {0};
    int n;
    while ((n = ls_store_results_page(st, &job, &cur, 3, collect, &c, &err)) > 0)
        ;
    assert_int_equal(n, 0);
    assert_int_equal(c.n, 7);
    int want_idx[7] = {3, 1, 5, 0, 2, 6, 4};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(c.idx[i], want_idx[i]);
        assert_int_equal(c.score[i], scores[want_idx[i]]);
    }
    struct ls_job back;
    assert_int_equal(ls_store_job_get(st, job.id, &back, &err), LS_OK);
    assert_int_equal(back.done, 7);
    assert_int_equal(back.counts[LS_INTENT_LOW], 7);
    assert_int_equal(ls_store_job_get(st, 999, &back, &err), LS_ENOTFOUND);
    ls_offer_release(&offer);
    ls_store_close(st);
}

static void test_store__unopenable_path_is_an_error(void **state)
{
    (void)state;
    struct ls_err err = {0};
    assert_null(ls_store_open_sqlite("/nonexistent-dir/x.db", &err));
    assert_int_equal(err.code, LS_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/x.db"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__upload_visible_only_after_commit),
        cmocka_unit_test(test_store__crash_mid_upload_leaves_nothing),
        cmocka_unit_test(test_store__results_page_in_rank_order),
        cmocka_unit_test(test_store__unopenable_path_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
