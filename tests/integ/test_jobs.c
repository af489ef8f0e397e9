/*
 * test_jobs.c - a job's failure paths, by fault injection through the store's
 * operation table ("fail the Nth call"), with a provider that keeps many
 * leads in flight the way a network provider does.
 */
#include "ls_test.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "jobs/job.h"
#include "jobs/runner.h"
#include "sys/sys.h"

/* ---- a provider that takes every lead first, then answers them all ---- */

struct burst {
    struct ls_provider base;
    size_t held;
};

static int burst_classify(struct ls_provider *p, const struct ls_offer *offer, ls_ai_next_fn next,
                          ls_ai_done_fn done, void *ud, const atomic_bool *cancel,
                          struct ls_ai_usage *usage, struct ls_err *err)
{
    (void)offer;
    (void)cancel;
    (void)err;
    struct burst *b = (struct burst *)p;
    size_t cap = 4096, n = 0;
    struct ls_ai_item *items = malloc(cap * sizeof(*items));
    size_t got;
    while (n < cap && (got = next(ud, items + n, cap - n < 10 ? cap - n : 10)) > 0) {
        n += got;
        usage->model_calls++;
    }
    b->held = n;
    struct ls_ai_outcome o = {.status = LS_OK};
    o.verdict.intent = LS_INTENT_HIGH;
    snprintf(o.verdict.reasoning, sizeof(o.verdict.reasoning), "held and answered late");
    for (size_t i = 0; i < n; i++)
        done(ud, &items[i], &o);
    free(items);
    return LS_OK;
}

static void burst_free(struct ls_provider *p)
{
    (void)p;
}

static const struct ls_provider_ops burst_ops = {burst_classify, burst_free, NULL, NULL};

/* ---- a store whose results_put fails from the Nth call on ---- */

static const struct ls_store_ops *real_ops;
static struct ls_store_ops faulty_ops;
static int puts_left;

static int failing_put(struct ls_store *st, const struct ls_job *job,
                       const struct ls_job_counts *delta, const struct ls_result *rows, size_t n,
                       enum ls_job_status *after, struct ls_err *err)
{
    if (puts_left-- <= 0)
        return ls_err_set(err, LS_EIO, "injected failure: disk full");
    return real_ops->results_put(st, job, delta, rows, n, after, err);
}

static struct ls_store *store_with_leads(const char *name, int n_leads, int64_t *job_id)
{
    char p[600];
    struct ls_err err = {0};
    h_path(p, sizeof(p), name);
    struct ls_store *st = ls_store_open_sqlite(p, NULL, &err);
    assert_non_null(st);
    struct ls_offer offer = {0};
    const char *o = h_example_offer();
    assert_int_equal(ls_offer_parse(o, strlen(o), &offer, &err), LS_OK);
    int64_t offer_id, upload_id;
    assert_int_equal(ls_store_offer_put(st, 1, &offer, 1, &offer_id, &err), LS_OK);
    ls_offer_release(&offer);
    struct ls_store_upload *up = ls_store_upload_begin(st, 1, "l.csv", NULL, 1, &err);
    for (int i = 0; i < n_leads; i++) {
        struct ls_lead lead;
        ls_lead_clear(&lead);
        ls_lead_set(&lead, LS_F_NAME, "N");
        ls_lead_set(&lead, LS_F_ROLE, "CEO");
        assert_int_equal(ls_store_upload_add(up, &lead, (uint64_t)i + 2, &err), LS_OK);
    }
    struct ls_csv_stats stats = {.accepted = (uint64_t)n_leads};
    assert_int_equal(ls_store_upload_commit(up, &stats, &upload_id, &err), LS_OK);
    struct ls_job job = {
        .workspace = 1, .offer_id = offer_id, .upload_id = upload_id, .created_ms = 1};
    snprintf(job.provider, sizeof(job.provider), "burst");
    assert_int_equal(ls_store_job_create(st, &job, &err), LS_OK);
    *job_id = job.id;
    return st;
}

static void run_with_failure(int fail_after, int n_leads)
{
    int64_t id;
    char name[64];
    snprintf(name, sizeof(name), "fault-%d.db", fail_after);
    struct ls_store *st = store_with_leads(name, n_leads, &id);
    real_ops = st->ops;
    faulty_ops = *real_ops;
    faulty_ops.results_put = failing_put;
    st->ops = &faulty_ops;
    puts_left = fail_after;

    struct ls_rules *rules = ls_rules_new(ls_rules_default_config());
    struct burst b = {.base = {&burst_ops, "burst", "", false}};
    atomic_bool stop = false;
    struct ls_job_env env = {.store = st, .provider = &b.base, .rules = rules, .stop = &stop};
    struct ls_job job;
    struct ls_err err = {0};
    /* Verdicts keep arriving after the store failed: they must be dropped, not overflow. */
    assert_int_equal(ls_job_run(&env, id, &job, &err), LS_OK);
    assert_int_equal(b.held, (size_t)n_leads);
    assert_int_equal(job.status, LS_JOB_FAILED);
    assert_non_null(strstr(job.error, "injected failure: disk full"));

    st->ops = real_ops;
    struct ls_job stored;
    assert_int_equal(ls_store_job_get(st, 1, id, &stored, &err), LS_OK);
    assert_int_equal(stored.status, LS_JOB_FAILED);
    /* Exactly the batches stored before the failure are kept, and counted. */
    assert_int_equal(stored.n.done, 512 * fail_after);
    ls_rules_free(rules);
    ls_store_close(st);
}

static void test_jobs__store_failure_with_leads_in_flight(void **state)
{
    (void)state;
    run_with_failure(0, 3000);
    run_with_failure(2, 3000);
}

static void test_jobs__burst_provider_succeeds_without_faults(void **state)
{
    (void)state;
    int64_t id;
    struct ls_store *st = store_with_leads("nofault.db", 1500, &id);
    struct ls_rules *rules = ls_rules_new(ls_rules_default_config());
    struct burst b = {.base = {&burst_ops, "burst", "", false}};
    atomic_bool stop = false;
    struct ls_job_env env = {.store = st, .provider = &b.base, .rules = rules, .stop = &stop};
    struct ls_job job;
    struct ls_err err = {0};
    assert_int_equal(ls_job_run(&env, id, &job, &err), LS_OK);
    assert_int_equal(job.status, LS_JOB_SUCCEEDED);
    assert_int_equal(job.n.done, 1500);
    assert_int_equal(job.n.intents[LS_INTENT_HIGH], 1500);
    ls_rules_free(rules);
    ls_store_close(st);
}

/* ---- a store whose job_finish and job_release fail the first N times ---- */

static int finish_fails, release_fails, finish_calls, release_calls;

static int failing_finish(struct ls_store *st, const struct ls_job *job, struct ls_err *err)
{
    __atomic_add_fetch(&finish_calls, 1, __ATOMIC_SEQ_CST);
    if (__atomic_fetch_sub(&finish_fails, 1, __ATOMIC_SEQ_CST) > 0)
        return ls_err_set(err, LS_EUNAVAILABLE, "injected failure: database is locked");
    return real_ops->job_finish(st, job, err);
}

static int failing_release(struct ls_store *st, int64_t id, struct ls_err *err)
{
    __atomic_add_fetch(&release_calls, 1, __ATOMIC_SEQ_CST);
    if (__atomic_fetch_sub(&release_fails, 1, __ATOMIC_SEQ_CST) > 0)
        return ls_err_set(err, LS_EUNAVAILABLE, "injected failure: database is locked");
    return real_ops->job_release(st, id, err);
}

struct seen {
    pthread_mutex_t mu;
    struct ls_store *st;
    int fired;
    enum ls_job_status status; /* in the store when the waiter was answered */
};

static void on_done(void *ud, int64_t id)
{
    struct seen *s = ud;
    struct ls_job job = {0};
    ls_store_job_get(s->st, 0, id, &job, NULL);
    pthread_mutex_lock(&s->mu);
    s->fired++;
    s->status = job.status;
    pthread_mutex_unlock(&s->mu);
}

/*
 * The runner, its worker and a waiter, with the job's final write failing
 * finish_n times and the release of its claim release_n times. The waiter
 * is answered once, and only when the job has ended in the store.
 */
static void run_with_end_failures(int finish_n, int release_n, int want_finish_calls,
                                  int want_release_calls)
{
    int64_t id;
    char name[64];
    snprintf(name, sizeof(name), "end-%d-%d.db", finish_n, release_n);
    struct ls_store *st = store_with_leads(name, 700, &id);
    real_ops = st->ops;
    faulty_ops = *real_ops;
    faulty_ops.job_finish = failing_finish;
    faulty_ops.job_release = failing_release;
    st->ops = &faulty_ops;
    finish_fails = finish_n;
    release_fails = release_n;
    finish_calls = release_calls = 0;

    struct ls_rules *rules = ls_rules_new(ls_rules_default_config());
    struct burst b = {.base = {&burst_ops, "burst", "", false}};
    struct ls_runner *r = ls_runner_new(st, &b.base, rules);
    struct seen seen = {.st = st};
    pthread_mutex_init(&seen.mu, NULL);
    ls_runner_watch(r, id, on_done, &seen);
    struct ls_err err = {0};
    assert_int_equal(ls_runner_start(r, &err), LS_OK);
    int fired = 0;
    for (int64_t end = ls_mono_ms() + 15000; ls_mono_ms() < end && fired == 0;) {
        ls_sleep_ms(20);
        pthread_mutex_lock(&seen.mu);
        fired = seen.fired;
        pthread_mutex_unlock(&seen.mu);
    }
    ls_sleep_ms(300); /* a second answer would come within a watcher round */
    ls_runner_stop(r);
    ls_runner_free(r);
    assert_int_equal(seen.fired, 1);
    assert_int_equal(seen.status, LS_JOB_SUCCEEDED);
    assert_int_equal(finish_calls, want_finish_calls);
    assert_int_equal(release_calls, want_release_calls);
    st->ops = real_ops;
    struct ls_job job;
    assert_int_equal(ls_store_job_get(st, 0, id, &job, &err), LS_OK);
    assert_int_equal(job.status, LS_JOB_SUCCEEDED);
    assert_int_equal(job.n.done, 700);
    pthread_mutex_destroy(&seen.mu);
    ls_rules_free(rules);
    ls_store_close(st);
}

/*
 * A job's final write refused by a busy or full store is tried again; if it
 * keeps failing, the claim is given back, and if even that fails the worker
 * takes the job up again: it never stays "running" with its waiters unanswered.
 */
static void test_jobs__failed_final_write_never_leaves_a_job_running(void **state)
{
    (void)state;
    run_with_end_failures(2, 0, 3, 0); /* retried: the third write lands */
    run_with_end_failures(6, 0, 7, 1); /* 5 tries, release, run again, lands */
    run_with_end_failures(6, 1, 7, 1); /* release fails too: claimed again as its owner */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs__store_failure_with_leads_in_flight),
        cmocka_unit_test(test_jobs__failed_final_write_never_leaves_a_job_running),
        cmocka_unit_test(test_jobs__burst_provider_succeeds_without_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
