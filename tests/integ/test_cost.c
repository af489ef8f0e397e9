/*
 * test_cost.c - issue #10 against the fake model server, through HTTP: the
 * dry-run estimate (no job, no model call), a budget stop and its resume
 * (no request past the budget; exactly one result per lead in the end), the
 * model preflight (an unknown model fails the job at once; a server without
 * the metadata route is skipped; an announced shutdown is a warning on the
 * job and on /healthz), and the flex tier (service_tier sent, "resource
 * unavailable" retried without ending the run); and a long dry run, which
 * must not hold up the other requests of its I/O thread.
 */
#include "ls_test.h"
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define KEY "your-key-here"

/* Starts leadscore on the fake with wire ("gemini"/"openai") and model, plus extra env. */
static void start(struct srv *s, const char *name, const char *wire, const char *model,
                  const char *const *extra)
{
    static char mdl[160];
    const char *env[20];
    size_t n = 0;
    bool gemini = strcmp(wire, "gemini") == 0;
    for (size_t i = 0; extra && extra[i] && n < 12; i++)
        env[n++] = extra[i];
    snprintf(mdl, sizeof(mdl), "%s_MODEL=%s", gemini ? "GEMINI" : "OPENAI", model);
    env[n++] = mdl; /* before the harness's OPENAI_MODEL=fake-model, so it wins */
    if (!gemini)
        env[n++] = "OPENAI_API_KEY=" KEY;
    env[n] = NULL;
    assert_int_equal(h_srv_start_wire(s, name, wire, env), 0);
}

/* The offer and n leads whose roles cycle; each lead is unique. */
static void load(struct srv *s, int n)
{
    static const char *const roles[] = {"CEO", "Sales Manager", "Engineer", "VP Sales"};
    json_decref(h_call(s, "POST", "/offer", h_example_offer(), 201));
    size_t cap = 4096 + (size_t)n * 300;
    char *csv = malloc(cap);
    size_t w = (size_t)snprintf(csv, cap, "name,role,company,industry,location,linkedin_bio\n");
    for (int i = 0; i < n; i++)
        w += (size_t)snprintf(csv + w, cap - w,
                              "Lead %d,%s,Co %d,B2B SaaS,Berlin,Building pipeline for team %d.\n",
                              i, roles[i % 4], i, i);
    json_decref(h_upload_text(s, "/uploads", "cost-leads.csv", csv, w, 201));
    free(csv);
}

/* Polls GET /jobs/{id} until the job is at rest (succeeded, failed, cancelled, stopped). */
static json_t *wait_job(struct srv *s, json_int_t id)
{
    char path[64];
    snprintf(path, sizeof(path), "/jobs/%lld", (long long)id);
    return h_wait_job(s, path, 30000);
}

static json_t *fake_stats(void)
{
    json_t *j = h_fake_requests(&h_fake);
    assert_non_null(j);
    return j;
}

/* The dry run answers from the prompt builder: no job, no model call. */
static void test_cost__dry_run_estimates_without_calling(void **state)
{
    (void)state;
    struct srv s;
    const char *env[] = {"LEADSCORE_AI_BATCH=5", NULL};
    start(&s, "dry.db", "openai", "gpt-4o-mini", env);
    load(&s, 40);
    json_t *e = h_call(&s, "POST", "/jobs", "{\"dry_run\": true}", 200);
    json_t *est = json_object_get(e, "estimate");
    assert_int_equal(h_num(est, "leads"), 40);
    assert_int_equal(h_num(est, "to_send"), 40);
    assert_int_equal(h_num(est, "requests"), 8);
    assert_true(h_num(json_object_get(est, "tokens"), "input") > 8 * 200);
    assert_int_equal(h_num(json_object_get(est, "tokens"), "output"), 8 * (8 + 5 * 40));
    assert_true(json_real_value(json_object_get(est, "cost_usd")) > 0);
    assert_string_equal(h_str(est, "tier"), "standard");
    double standard_usd = json_real_value(json_object_get(est, "cost_usd"));
    json_decref(e);
    /* In batch mode: the same requests and tokens at the batch rates (half), within a day. */
    e = h_call(&s, "POST", "/jobs", "{\"dry_run\": true, \"mode\": \"batch\"}", 200);
    est = json_object_get(e, "estimate");
    assert_string_equal(h_str(est, "tier"), "batch");
    assert_int_equal(h_num(est, "requests"), 8);
    double batch_usd = json_real_value(json_object_get(est, "cost_usd"));
    assert_true(batch_usd > 0.49 * standard_usd && batch_usd < 0.51 * standard_usd);
    assert_int_equal(h_num(est, "wall_ms"), 24LL * 3600 * 1000);
    json_decref(e);
    /* A budget cannot be kept by a batch, billed whole once sent: refused, naming it. */
    json_t *nb = h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\", \"budget_usd\": 1}", 422);
    assert_string_equal(h_str(json_object_get(nb, "details"), "field"), "budget_usd");
    assert_non_null(strstr(h_str(nb, "error"), "batch mode"));
    json_decref(nb);
    json_t *st = fake_stats();
    assert_int_equal(h_num(st, "count"), 0);
    assert_int_equal(h_num(st, "metadata_requests"), 0);
    json_decref(st);
    json_t *jobs = h_call(&s, "GET", "/jobs", NULL, 200);
    assert_int_equal(h_num(jobs, "total"), 0);
    json_decref(jobs);
    /* A bad dry_run names itself. */
    json_t *bad = h_call(&s, "POST", "/jobs", "{\"dry_run\": 1}", 422);
    assert_string_equal(h_str(json_object_get(bad, "details"), "field"), "dry_run");
    json_decref(bad);
    /* An unknown model: tokens, and the price is unknown. */
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    start(&s, "dry.db", "openai", "llama3.1", NULL);
    e = h_call(&s, "POST", "/jobs", "{\"dry_run\": true}", 200);
    est = json_object_get(e, "estimate");
    assert_true(h_num(json_object_get(est, "tokens"), "input") > 0);
    assert_true(json_is_null(json_object_get(est, "cost_usd")));
    assert_non_null(strstr(h_str(est, "price_unknown"), "LEADSCORE_AI_PRICE_IN"));
    json_decref(e);
    /* ... and a budget cannot be kept without a price. */
    bad = h_call(&s, "POST", "/jobs", "{\"budget_usd\": 1}", 422);
    assert_string_equal(h_str(json_object_get(bad, "details"), "field"), "budget_usd");
    json_decref(bad);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* The harness's monotonic clock, in ms. */
static int64_t mono_ms(void)
{
    return (int64_t)(h_now_s() * 1000.0);
}

struct dry {
    struct srv *s;
    long status;
    int64_t done_ms;
};

static void *dry_run_thread(void *arg)
{
    struct dry *d = arg;
    struct resp r;
    const char *hdr[] = {"Content-Type: application/json", NULL};
    const char *body = "{\"dry_run\": true}";
    if (h_http(d->s, "POST", "/jobs", hdr, body, strlen(body), &r) == 0) {
        d->status = r.status;
        h_resp_free(&r);
    }
    d->done_ms = mono_ms();
    return NULL;
}

/*
 * The dry run of a big upload takes seconds (it reads every lead and builds
 * their request bodies): with one I/O thread (LEADSCORE_THREADS=1), GET
 * /healthz asked meanwhile answers before it, not after.
 */
static void test_cost__dry_run_off_the_io_thread(void **state)
{
    (void)state;
    struct srv s;
    const char *env[] = {"LEADSCORE_THREADS=1", "LEADSCORE_AI_BATCH=10", NULL};
    start(&s, "dry-big.db", "openai", "gpt-4o-mini", env);
    load(&s, 60000);
    /* How long the dry run takes here, alone. */
    int64_t t0 = mono_ms();
    json_decref(h_call(&s, "POST", "/jobs", "{\"dry_run\": true}", 200));
    int64_t alone = mono_ms() - t0;
    print_message("dry run of 60,000 leads alone: %lld ms\n", (long long)alone);

    struct dry d = {.s = &s};
    pthread_t t;
    t0 = mono_ms();
    assert_int_equal(pthread_create(&t, NULL, dry_run_thread, &d), 0);
    struct timespec nap = {0, (long)(alone / 4) * 1000000L};
    nanosleep(&nap, NULL); /* the dry run is under way */
    json_decref(h_call(&s, "GET", "/healthz", NULL, 200));
    int64_t health_ms = mono_ms();
    pthread_join(t, NULL);
    assert_int_equal(d.status, 200);
    print_message("healthz answered at %lld ms, the dry run at %lld ms\n",
                  (long long)(health_ms - t0), (long long)(d.done_ms - t0));
    assert_true(health_ms < d.done_ms);

    /* Two at a time: a third while two run is told to come back (429, Retry-After). */
    struct dry d1 = {.s = &s}, d2 = {.s = &s};
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, dry_run_thread, &d1), 0);
    assert_int_equal(pthread_create(&t2, NULL, dry_run_thread, &d2), 0);
    nanosleep(&nap, NULL);
    struct resp r;
    const char *hdr[] = {"Content-Type: application/json", NULL};
    assert_int_equal(h_http(&s, "POST", "/jobs", hdr, "{\"dry_run\": true}", 17, &r), 0);
    int64_t third_ms = mono_ms();
    assert_int_equal(r.status, 429);
    assert_non_null(strstr(r.body, "\"queue_full\""));
    assert_non_null(strstr(r.body, "dry runs are being computed"));
    h_resp_free(&r);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_int_equal(d1.status, 200);
    assert_int_equal(d2.status, 200);
    assert_true(third_ms < d1.done_ms && third_ms < d2.done_ms); /* refused while they ran */
    json_t *st = fake_stats();
    assert_int_equal(h_num(st, "count"), 0); /* still no model call */
    json_decref(st);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* A budget stops the job before a request would pass it; resuming finishes the rest. */
static void test_cost__budget_stop_and_resume(void **state)
{
    (void)state;
    struct srv s;
    const char *env[] = {"LEADSCORE_AI_BATCH=5", "LEADSCORE_AI_CONCURRENCY=2", NULL};
    start(&s, "budget.db", "openai", "gpt-4o-mini", env);
    load(&s, 60);
    json_t *e = h_call(&s, "POST", "/jobs", "{\"dry_run\": true}", 200);
    double full = json_real_value(json_object_get(json_object_get(e, "estimate"), "cost_usd"));
    json_decref(e);
    double budget = full * 0.4;
    char body[96];
    snprintf(body, sizeof(body), "{\"budget_usd\": %.9f}", budget);
    json_t *j = h_call(&s, "POST", "/jobs", body, 202);
    json_int_t id = h_num(j, "id");
    json_decref(j);
    j = wait_job(&s, id);
    assert_string_equal(h_str(j, "status"), "stopped");
    assert_string_equal(h_str(j, "stop_reason"), "budget");
    json_int_t done = h_num(j, "done");
    assert_true(done > 0 && done < 60);
    double spent = json_real_value(json_object_get(j, "cost_usd"));
    assert_true(spent > 0 && spent <= budget);
    /* What the fake billed is what the job counted, and never past the budget. */
    json_t *st = fake_stats();
    double billed = json_real_value(json_object_get(st, "cost_usd"));
    assert_true(billed <= budget);
    assert_true(billed > spent * 0.999 && billed < spent * 1.001);
    assert_int_equal(h_num(json_object_get(j, "tokens"), "prompt"),
                     h_num(json_object_get(st, "tokens"), "prompt"));
    json_int_t sent = h_num(st, "count");
    assert_int_equal(sent, h_num(j, "model_calls"));
    json_decref(st);
    json_decref(j);
    char path[64];
    snprintf(path, sizeof(path), "/jobs/%lld/resume", (long long)id);
    /* Not above what was spent: 400 naming budget_usd. */
    snprintf(body, sizeof(body), "{\"budget_usd\": %.9f}", spent);
    j = h_call(&s, "POST", path, body, 400);
    assert_string_equal(h_str(json_object_get(j, "details"), "field"), "budget_usd");
    json_decref(j);
    j = h_call(&s, "POST", path, "{\"budget_usd\": 10}", 200);
    assert_string_equal(h_str(j, "status"), "queued");
    json_decref(j);
    j = wait_job(&s, id);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "done"), 60);
    json_decref(j);
    /* Exactly one result per lead, the first run's kept. */
    snprintf(path, sizeof(path), "/jobs/%lld/results?limit=1000", (long long)id);
    j = h_call(&s, "GET", path, NULL, 200);
    json_t *items = json_is_array(j) ? j : json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 60);
    char seen[60] = {0};
    size_t i;
    json_t *row;
    json_array_foreach(items, i, row)
    {
        json_int_t idx = h_num(row, "line") - 2; /* the header is line 1 */
        assert_true(idx >= 0 && idx < 60 && !seen[idx]);
        seen[idx] = 1;
    }
    json_decref(j);
    st = fake_stats();
    assert_true(h_num(st, "count") > sent);
    assert_true(h_num(st, "count") <= 12 + 1); /* 60 leads in 5s, no lead asked twice */
    json_decref(st);
    /* Resuming anything but a stopped job: 409. */
    snprintf(path, sizeof(path), "/jobs/%lld/resume", (long long)id);
    json_decref(h_call(&s, "POST", path, NULL, 409));
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* The preflight: unknown model fails fast; no metadata route is skipped; shutdowns warn. */
static void test_cost__preflight(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "pre.db", "openai", "gpt-4o-mini", NULL);
    load(&s, 8);
    h_fake_config(&h_fake, "{\"unknown_models\": [\"gpt-4o-mini\"]}");
    json_t *j = h_call(&s, "POST", "/jobs", "{}", 202);
    json_int_t id = h_num(j, "id");
    json_decref(j);
    j = wait_job(&s, id);
    assert_string_equal(h_str(j, "status"), "failed");
    assert_non_null(strstr(h_str(j, "error"), "does not exist"));
    assert_non_null(strstr(h_str(j, "warning"), "2027-01-14"));
    json_decref(j);
    json_t *st = fake_stats();
    assert_int_equal(h_num(st, "count"), 0);
    assert_int_equal(h_num(st, "metadata_requests"), 1);
    json_decref(st);
    /* A server without the route (a plain 404): skipped, the job runs. */
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, "{\"no_models_route\": true}");
    j = h_call(&s, "POST", "/jobs", "{}", 202);
    id = h_num(j, "id");
    json_decref(j);
    j = wait_job(&s, id);
    assert_string_equal(h_str(j, "status"), "succeeded");
    json_decref(j);
    /* /healthz carries the shutdown warning too. */
    j = h_call(&s, "GET", "/healthz", NULL, 200);
    assert_non_null(strstr(h_str(json_object_get(j, "ai"), "warning"), "gpt-4o-mini"));
    json_decref(j);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    /* Gemini: a bad key fails the job with the service's message, before any generation. */
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, "{\"api_key\": \"the-right-one\"}");
    start(&s, "pre.db", "gemini", "gemini-2.5-flash-lite", NULL);
    j = h_call(&s, "POST", "/jobs", "{}", 202);
    id = h_num(j, "id");
    json_decref(j);
    j = wait_job(&s, id);
    assert_string_equal(h_str(j, "status"), "failed");
    assert_non_null(strstr(h_str(j, "error"), "API key not valid"));
    json_decref(j);
    st = fake_stats();
    assert_int_equal(h_num(st, "count"), 0);
    json_decref(st);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Flex: service_tier on the wire, "resource unavailable" waited out, never ending the run. */
static void flex(const char *wire, const char *model, const char *marker)
{
    struct srv s;
    const char *env[] = {"LEADSCORE_AI_SERVICE_TIER=flex", "LEADSCORE_AI_MAX_RETRIES=1",
                         "LEADSCORE_AI_BATCH=4", NULL};
    char db[32];
    snprintf(db, sizeof(db), "flex-%s.db", wire);
    start(&s, db, wire, model, env);
    load(&s, 8);
    h_fake_config(&h_fake, "{\"script\": [\"unavailable\", \"unavailable\", \"unavailable\"]}");
    json_t *j = h_call(&s, "POST", "/jobs", "{}", 202);
    json_int_t id = h_num(j, "id");
    json_decref(j);
    j = wait_job(&s, id);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "fallbacks"), 0); /* with one attempt allowed, none gave up */
    assert_true(h_num(j, "retries") >= 3);
    json_decref(j);
    json_t *log = fake_stats();
    assert_int_equal(h_num(log, "flex_requests"), 2);
    json_t *reqs = json_object_get(log, "requests");
    size_t i;
    json_t *r;
    json_array_foreach(reqs, i, r) assert_non_null(strstr(h_str(r, "body"), marker));
    json_decref(log);
    j = h_call(&s, "GET", "/healthz", NULL, 200);
    assert_string_equal(h_str(json_object_get(j, "ai"), "tier"), "flex");
    json_decref(j);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static void test_cost__flex_openai(void **state)
{
    (void)state;
    flex("openai", "gpt-5-nano", "\"service_tier\":\"flex\"");
}

static void test_cost__flex_gemini(void **state)
{
    (void)state;
    flex("gemini", "gemini-2.5-flash-lite", "\"service_tier\":\"FLEX\"");
}

/* The CLI: --estimate prints the figures and calls nothing; --budget-usd stops and goes on. */
static void test_cost__cli_estimate_and_budget(void **state)
{
    (void)state;
    char db[600], offer[600], leads[600], base[128];
    h_path(db, sizeof(db), "cli-budget.db");
    h_path(leads, sizeof(leads), "cli-leads.csv");
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    char csv[8192];
    size_t w = (size_t)snprintf(csv, sizeof(csv), "name,role,company,industry\n");
    for (int i = 0; i < 30; i++)
        w += (size_t)snprintf(csv + w, sizeof(csv) - w, "Lead %d,CEO,Co %d,SaaS\n", i, i);
    h_write_file(leads, csv, w);
    snprintf(base, sizeof(base), "OPENAI_BASE_URL=%s/v1", h_fake.url);
    const char *env[] = {base,
                         "OPENAI_MODEL=gpt-4o-mini",
                         "OPENAI_API_KEY=" KEY,
                         "LEADSCORE_AI_PROVIDER=openai",
                         "LEADSCORE_AI_BATCH=5",
                         "LEADSCORE_AI_CONCURRENCY=1",
                         NULL};
    const char *est[] = {"score", "--offer", offer, "--leads", leads, "--estimate", NULL};
    char *out, *err;
    assert_int_equal(h_run_cli(est, env, &out, &err), 0);
    json_t *e = json_loads(out, 0, NULL);
    assert_non_null(e);
    assert_int_equal(h_num(e, "requests"), 6);
    double full = json_real_value(json_object_get(e, "cost_usd"));
    assert_true(full > 0);
    json_decref(e);
    free(out);
    free(err);
    json_t *st = fake_stats();
    assert_int_equal(h_num(st, "count"), 0);
    json_decref(st);
    char budget[32];
    snprintf(budget, sizeof(budget), "%.9f", full / 2);
    const char *run[] = {"score", "--offer", offer,          "--leads", leads,
                         "--db",  db,        "--budget-usd", budget,    NULL};
    assert_int_equal(h_run_cli(run, env, &out, &err), 70);
    assert_non_null(strstr(err, "stopped at the budget"));
    free(out);
    free(err);
    /* The same budget again: refused, naming what to do. */
    assert_int_equal(h_run_cli(run, env, &out, &err), 2);
    assert_non_null(strstr(err, "give --budget-usd above"));
    free(out);
    free(err);
    snprintf(budget, sizeof(budget), "%.9f", full * 3);
    assert_int_equal(h_run_cli(run, env, &out, &err), 0);
    json_t *res = json_loads(out, 0, NULL);
    assert_int_equal(json_array_size(res), 30);
    json_decref(res);
    free(out);
    free(err);
    st = fake_stats();
    assert_int_equal(h_num(st, "count"), 6); /* no lead was asked twice */
    json_decref(st);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_cost__dry_run_estimates_without_calling, h_fake_each),
        cmocka_unit_test_setup(test_cost__dry_run_off_the_io_thread, h_fake_each),
        cmocka_unit_test_setup(test_cost__budget_stop_and_resume, h_fake_each),
        cmocka_unit_test_setup(test_cost__preflight, h_fake_each),
        cmocka_unit_test_setup(test_cost__flex_openai, h_fake_each),
        cmocka_unit_test_setup(test_cost__flex_gemini, h_fake_each),
        cmocka_unit_test_setup(test_cost__cli_estimate_and_budget, h_fake_each),
    };
    int rc = cmocka_run_group_tests(tests, h_fake_group_setup, h_fake_group_teardown);
    curl_global_cleanup();
    return rc;
}
