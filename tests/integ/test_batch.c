/*
 * test_batch.c - batch mode (issue #10) against the fake's OpenAI Batch API:
 * a job across kill -9 while its batch is pending (one result per lead, no
 * second batch), items missing from an ended batch and failed ones re-sent
 * through the normal path (exactly those), an expired batch, cancel
 * cancelling the batch at the fake, splitting by the limits, and
 * `leadscore score --mode batch`; and Gemini's Batch Mode (inline requests)
 * across a restart, with a response missing, and its cancel; and (both) a
 * job cancelled while no server ran it, its batch cancelled at the next start;
 * and (both) kill -9 while the service creates the batch, so that the process
 * never learns its id: the next start finds it by name and polls it, paying
 * once; killed before the service had it, the leads go in one new batch.
 */
#include "ls_test.h"
#include <curl/curl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static const char *const roles[] = {"CEO", "Sales Manager", "Intern"};

/* leadscore on the fake's wire in batch mode's test settings, plus extra (which wins). */
static void start_wire(struct srv *s, const char *name, const char *wire, const char *const *extra)
{
    const char *env[24];
    size_t n = 0;
    for (size_t i = 0; extra && extra[i] && n < 14; i++)
        env[n++] = extra[i]; /* first: getenv finds the first of equal names */
    if (strcmp(wire, "openai") == 0)
        env[n++] = "OPENAI_API_KEY=your-key-here";
    env[n++] = "LEADSCORE_AI_BATCH_POLL_MS=50";
    env[n++] = "LEADSCORE_AI_BATCH_POLL_MAX_MS=200";
    env[n++] = "LEADSCORE_LOG_LEVEL=debug";
    env[n] = NULL;
    assert_int_equal(h_srv_start_wire(s, name, wire, env), 0);
}

static void start_gemini(struct srv *s, const char *name, const char *const *extra)
{
    start_wire(s, name, "gemini", extra);
}

static void start(struct srv *s, const char *name, const char *const *extra)
{
    start_wire(s, name, "openai", extra);
}

/* Writes n leads (roles cycling, bio "marker-<i>-") to a CSV under name; its path in out. */
static void write_leads(int n, const char *name, char *out, size_t cap)
{
    size_t sz = 200 + (size_t)n * 120;
    char *csv = malloc(sz);
    size_t w = (size_t)snprintf(csv, sz, "name,role,company,industry,location,linkedin_bio\n");
    for (int i = 0; i < n; i++)
        w +=
            (size_t)snprintf(csv + w, sz - w, "Lead %d,%s,Co %d,B2B SaaS,Berlin,marker-%d- sells\n",
                             i, roles[i % 3], i, i);
    h_path(out, cap, name);
    h_write_file(out, csv, w);
    free(csv);
}

static void load(struct srv *s, int n)
{
    json_decref(h_call(s, "POST", "/offer", h_example_offer(), 201));
    char p[600];
    struct resp r;
    write_leads(n, "batch-leads.csv", p, sizeof(p));
    assert_int_equal(h_upload(s, "/leads/upload", p, NULL, &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
}

static void nap(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* GET path of the fake (new reference); not through h_http, so not recorded as ours. */
static json_t *fake_get(const char *path)
{
    json_t *j = h_fake_get(&h_fake, path);
    assert_non_null(j);
    return j;
}

static json_t *fake_batches(void)
{
    return fake_get("/_fake/batches");
}

/* Polls the fake until it has created want batches (within 20 s). */
static void wait_created(long want)
{
    for (int i = 0; i < 400; i++) {
        json_t *b = fake_batches();
        json_int_t n = h_num(b, "created");
        json_decref(b);
        if (n >= want)
            return;
        nap(50);
    }
    fail_msg("the fake never got %ld batches", want);
}

/* The synchronous chat/completions requests the fake saw, and the markers their leads carry. */
static size_t sync_requests(unsigned char *marked, int n)
{
    json_t *log = h_fake_requests(&h_fake);
    json_t *reqs = json_object_get(log, "requests");
    size_t count = 0, i;
    json_t *q;
    json_array_foreach(reqs, i, q)
    {
        if (strstr(h_str(q, "path"), "chat/completions") == NULL &&
            strstr(h_str(q, "path"), ":generateContent") == NULL)
            continue;
        count++;
        for (int k = 0; marked && k < n; k++) {
            char m[32];
            snprintf(m, sizeof(m), "marker-%d-", k);
            if (strstr(h_str(q, "body"), m))
                marked[k] = 1;
        }
    }
    json_decref(log);
    return count;
}

/* Results of job 1 in the store: rows, distinct leads, and those the model answered (ok). */
static void stored(const struct srv *s, int *rows, int *distinct, int *ok)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(s->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*), count(DISTINCT idx), sum(status = 0) "
                                        "FROM results WHERE job_id = 1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    *rows = sqlite3_column_int(st, 0);
    *distinct = sqlite3_column_int(st, 1);
    *ok = sqlite3_column_int(st, 2);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void expect_counts(const json_t *job, int n)
{
    const json_t *c = json_object_get(job, "counts");
    assert_int_equal(h_num(c, "High"), (n + 2) / 3);
    assert_int_equal(h_num(c, "Medium"), (n + 1) / 3);
    assert_int_equal(h_num(c, "Low"), n / 3);
}

/*
 * kill -9 while the batch is pending: the restarted server polls the same
 * batch instead of paying again, and the job ends with one result per lead,
 * every one answered by the batch.
 */
static void test_batch__restart_resumes_polling(void **state)
{
    (void)state;
    enum { N = 40 };
    struct srv s;
    h_fake_config(&h_fake, "{\"batch_turnaround_ms\": 4000}");
    const char *env[] = {"LEADSCORE_AI_BATCH=5", NULL};
    start(&s, "restart.db", env);
    load(&s, N);
    json_t *e = h_call(&s, "POST", "/jobs", "{\"mode\": \"fast\"}", 422);
    assert_string_equal(h_str(json_object_get(e, "details"), "field"), "mode");
    json_decref(e);
    json_t *j = h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\"}", 202);
    assert_string_equal(h_str(j, "mode"), "batch");
    json_int_t id = h_num(j, "id");
    json_decref(j);
    wait_created(1);
    /* Stored as pending with the service's id before the job waits. */
    json_t *b = fake_batches();
    const char *remote = h_str(json_array_get(json_object_get(b, "batches"), 0), "id");
    assert_int_equal(json_array_size(json_object_get(
                         json_array_get(json_object_get(b, "batches"), 0), "custom_ids")),
                     N / 5);
    for (int i = 0; i < 100; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/jobs/%lld", (long long)id);
        j = h_call(&s, "GET", path, NULL, 200);
        const json_t *bj = json_object_get(j, "batch");
        bool ok =
            bj && strcmp(h_str(bj, "state"), "pending") == 0 &&
            strcmp(json_string_value(json_array_get(json_object_get(bj, "ids"), 0)), remote) == 0;
        json_decref(j);
        if (ok)
            break;
        assert_true(i < 99);
        nap(20);
    }
    assert_int_equal(h_srv_stop(&s, SIGKILL), 128 + SIGKILL);
    /* Killed while the service still runs the batch. */
    json_t *before = fake_batches();
    const char *st = h_str(json_array_get(json_object_get(before, "batches"), 0), "status");
    assert_true(strcmp(st, "validating") == 0 || strcmp(st, "in_progress") == 0);
    json_decref(before);

    start(&s, "restart.db", env);
    j = h_wait_job(&s, "/jobs/1", 60000);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "done"), N);
    expect_counts(j, N);
    const json_t *bj = json_object_get(j, "batch");
    assert_string_equal(h_str(bj, "state"), "applied");
    assert_string_equal(h_str(bj, "remote_state"), "completed");
    assert_int_equal(h_num(json_object_get(bj, "requests"), "total"), N / 5);
    assert_int_equal(h_num(json_object_get(bj, "requests"), "completed"), N / 5);
    assert_int_equal(h_num(j, "model_calls"), N / 5);
    json_decref(j);
    json_t *after = fake_batches();
    assert_int_equal(h_num(after, "created"), 1); /* no second batch */
    assert_int_equal(h_num(after, "uploads"), 1);
    assert_string_equal(h_str(json_array_get(json_object_get(after, "batches"), 0), "id"), remote);
    json_decref(after);
    json_decref(b);
    assert_int_equal(sync_requests(NULL, 0), 0);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    int rows, distinct, ok;
    stored(&s, &rows, &distinct, &ok);
    assert_int_equal(rows, N);
    assert_int_equal(distinct, N);
    assert_int_equal(ok, N);
}

/*
 * A batch that ends with items missing (counted as completed, but absent from
 * the output) and one failed: exactly those leads are re-sent through the
 * normal path. LEADSCORE_AI_MODE=batch makes a job without a mode a batch job.
 */
static void test_batch__missing_and_failed_items_resent(void **state)
{
    (void)state;
    enum { N = 12 };
    struct srv s;
    h_fake_config(&h_fake,
                  "{\"batch_turnaround_ms\": 200, \"batch_drop\": [2, 7], \"batch_fail\": [4]}");
    const char *env[] = {"LEADSCORE_AI_BATCH=1", "LEADSCORE_AI_MODE=batch", NULL};
    start(&s, "missing.db", env);
    load(&s, N);
    json_decref(h_call(&s, "POST", "/jobs", NULL, 202));
    json_t *j = h_wait_job(&s, "/jobs/1", 60000);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_string_equal(h_str(j, "mode"), "batch");
    assert_int_equal(h_num(j, "done"), N);
    expect_counts(j, N);
    const json_t *rc = json_object_get(json_object_get(j, "batch"), "requests");
    assert_int_equal(h_num(rc, "total"), N);
    assert_int_equal(h_num(rc, "failed"), 1);
    json_decref(j);
    unsigned char marked[N] = {0};
    assert_int_equal(sync_requests(marked, N), 3);
    for (int i = 0; i < N; i++)
        assert_int_equal(marked[i], i == 2 || i == 4 || i == 7);
    json_t *b = fake_batches();
    assert_int_equal(h_num(b, "created"), 1);
    json_decref(b);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    int rows, distinct, ok;
    stored(&s, &rows, &distinct, &ok);
    assert_int_equal(rows, N);
    assert_int_equal(distinct, N);
    assert_int_equal(ok, N);
}

/* An expired batch: what it answered is kept, the rest goes through the normal path. */
static void test_batch__expired_batch(void **state)
{
    (void)state;
    enum { N = 10 };
    struct srv s;
    h_fake_config(&h_fake, "{\"batch_turnaround_ms\": 200, \"batch_expire\": true}");
    const char *env[] = {"LEADSCORE_AI_BATCH=1", NULL};
    start(&s, "expired.db", env);
    load(&s, N);
    json_decref(h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\"}", 202));
    json_t *j = h_wait_job(&s, "/jobs/1", 60000);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "done"), N);
    const json_t *bj = json_object_get(j, "batch");
    assert_string_equal(h_str(bj, "remote_state"), "expired");
    assert_int_equal(h_num(json_object_get(bj, "requests"), "completed"), N / 2);
    assert_int_equal(h_num(json_object_get(bj, "requests"), "failed"), N - N / 2);
    json_decref(j);
    unsigned char marked[N] = {0};
    assert_int_equal(sync_requests(marked, N), N - N / 2);
    for (int i = 0; i < N; i++)
        assert_int_equal(marked[i], i >= N / 2);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Cancelling the job cancels the batch at the service. */
static void test_batch__cancel_cancels_the_batch(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"batch_turnaround_ms\": 600000}");
    start(&s, "cancel.db", NULL);
    load(&s, 20);
    json_decref(h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\"}", 202));
    wait_created(1);
    json_t *j = h_call(&s, "DELETE", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(j, "status"), "cancelled");
    json_decref(j);
    json_t *b = fake_batches();
    assert_int_equal(h_num(b, "cancels"), 1);
    json_decref(b);
    b = fake_get("/v1/batches/batch_000002"); /* file 1, batch 2: the fake's id sequence */
    const char *st = h_str(b, "status");
    assert_true(strcmp(st, "cancelled") == 0 || strcmp(st, "cancelling") == 0);
    json_decref(b);
    j = h_call(&s, "GET", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(json_object_get(j, "batch"), "state"), "cancelled");
    json_decref(j);
    assert_int_equal(sync_requests(NULL, 0), 0);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* The limits on requests and bytes per batch split a job into several batches. */
static void test_batch__split_by_limits(void **state)
{
    (void)state;
    enum { N = 30 };
    struct srv s;
    /* The fake refuses (fails) a file over the same limits. */
    h_fake_config(&h_fake, "{\"batch_turnaround_ms\": 100, \"batch_max_requests\": 4}");
    const char *env[] = {"LEADSCORE_AI_BATCH=2", "LEADSCORE_AI_BATCH_MAX_REQUESTS=4", NULL};
    start(&s, "split.db", env);
    load(&s, N);
    json_decref(h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\"}", 202));
    json_t *j = h_wait_job(&s, "/jobs/1", 60000);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(json_object_get(j, "batch"), "batches"), 4); /* 15 requests: 4+4+4+3 */
    json_decref(j);
    json_t *b = fake_batches();
    assert_int_equal(h_num(b, "created"), 4);
    size_t i;
    json_t *one;
    size_t lines = 0;
    json_array_foreach(json_object_get(b, "batches"), i, one)
    {
        assert_string_equal(h_str(one, "status"), "completed");
        assert_true(json_array_size(json_object_get(one, "custom_ids")) <= 4);
        lines += json_array_size(json_object_get(one, "custom_ids"));
    }
    assert_int_equal(lines, N / 2);
    json_decref(b);
    assert_int_equal(sync_requests(NULL, 0), 0);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* By bytes: a line is a few KB here; 12,000 bytes hold two or three. */
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, "{\"batch_turnaround_ms\": 100, \"batch_max_bytes\": 12000}");
    const char *env2[] = {"LEADSCORE_AI_BATCH=2", "LEADSCORE_AI_BATCH_MAX_BYTES=12000", NULL};
    start(&s, "split-bytes.db", env2);
    load(&s, N);
    json_decref(h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\"}", 202));
    j = h_wait_job(&s, "/jobs/1", 60000);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "done"), N);
    json_int_t nb = h_num(json_object_get(j, "batch"), "batches");
    json_decref(j);
    assert_true(nb >= 3);
    b = fake_batches();
    assert_int_equal(h_num(b, "created"), nb);
    lines = 0;
    json_array_foreach(json_object_get(b, "batches"), i, one)
    {
        assert_string_equal(h_str(one, "status"), "completed");
        assert_true(h_num(one, "input_bytes") <= 12000);
        lines += json_array_size(json_object_get(one, "custom_ids"));
    }
    assert_int_equal(lines, N / 2);
    json_decref(b);
    assert_int_equal(sync_requests(NULL, 0), 0);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* leadscore score --mode batch: the same batch API from the command line. */
static void test_batch__cli_mode_batch(void **state)
{
    (void)state;
    enum { N = 9 };
    h_fake_config(&h_fake, "{\"batch_turnaround_ms\": 200}");
    char leads[600], offer[600], base[128];
    write_leads(N, "cli-leads.csv", leads, sizeof(leads));
    h_path(offer, sizeof(offer), "cli-offer.json");
    h_write_file(offer, h_example_offer(), strlen(h_example_offer()));
    snprintf(base, sizeof(base), "OPENAI_BASE_URL=%s/v1", h_fake.url);
    const char *env[] = {base,
                         "OPENAI_MODEL=fake-model",
                         "OPENAI_API_KEY=your-key-here",
                         "LEADSCORE_AI_PROVIDER=openai",
                         "LEADSCORE_AI_BATCH=3",
                         "LEADSCORE_AI_BATCH_POLL_MS=50",
                         NULL};
    const char *bad[] = {"score", "--offer", offer, "--leads", leads, "--mode", "later", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(h_run_cli(bad, env, &out, &err), 2);
    assert_non_null(strstr(err, "--mode"));
    free(out);
    free(err);
    /* A batch is billed whole once sent: a budget is refused, before anything is sent. */
    const char *budget[] = {"score",  "--offer", offer,          "--leads", leads,
                            "--mode", "batch",   "--budget-usd", "1",       NULL};
    assert_int_equal(h_run_cli(budget, env, &out, &err), 2);
    assert_non_null(strstr(err, "batch mode"));
    free(out);
    free(err);
    const char *argv[] = {"score", "--offer", offer, "--leads", leads, "--mode", "batch", NULL};
    int rc = h_run_cli(argv, env, &out, &err);
    if (rc != 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    json_t *items = json_is_array(j) ? j : json_object_get(j, "items");
    assert_int_equal(json_array_size(items), N);
    json_decref(j);
    free(out);
    free(err);
    json_t *b = fake_batches();
    assert_int_equal(h_num(b, "created"), 1);
    json_decref(b);
    assert_int_equal(sync_requests(NULL, 0), 0);
}

/*
 * Gemini's Batch Mode, inline requests: answers mapped back by their keys, a
 * request left out of the responses re-sent through generateContent (its two
 * leads, exactly), and a restart while pending polls the same batch.
 */
static void test_batch__gemini_inline(void **state)
{
    (void)state;
    enum { N = 20 };
    struct srv s;
    h_fake_config(&h_fake, "{\"batch_turnaround_ms\": 1500, \"batch_drop\": [3]}");
    const char *env[] = {"LEADSCORE_AI_BATCH=2", NULL};
    start_gemini(&s, "gemini.db", env);
    load(&s, N);
    json_decref(h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\"}", 202));
    wait_created(1);
    for (int i = 0;; i++) { /* stored as pending before the kill */
        json_t *j = h_call(&s, "GET", "/jobs/1", NULL, 200);
        bool pending = strcmp(h_str(json_object_get(j, "batch"), "state"), "pending") == 0;
        json_decref(j);
        if (pending)
            break;
        assert_true(i < 200);
        nap(20);
    }
    assert_int_equal(h_srv_stop(&s, SIGKILL), 128 + SIGKILL);
    start_gemini(&s, "gemini.db", env);
    json_t *j = h_wait_job(&s, "/jobs/1", 60000);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "done"), N);
    expect_counts(j, N);
    const json_t *bj = json_object_get(j, "batch");
    assert_string_equal(h_str(bj, "remote_state"), "SUCCEEDED");
    assert_int_equal(h_num(json_object_get(bj, "requests"), "total"), N / 2);
    assert_int_equal(
        strncmp(json_string_value(json_array_get(json_object_get(bj, "ids"), 0)), "batches/", 8),
        0);
    json_decref(j);
    json_t *b = fake_batches();
    assert_int_equal(h_num(b, "created"), 1);
    json_decref(b);
    unsigned char marked[N] = {0};
    assert_int_equal(sync_requests(marked, N), 1); /* request 3: leads 6 and 7, in one request */
    for (int i = 0; i < N; i++)
        assert_int_equal(marked[i], i == 6 || i == 7);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    int rows, distinct, ok;
    stored(&s, &rows, &distinct, &ok);
    assert_int_equal(rows, N);
    assert_int_equal(distinct, N);
    assert_int_equal(ok, N);
}

/*
 * Gemini, a batch over the inline cap: an uploaded JSONL file (the Files
 * API's resumable upload), answers read from its responses file by key (a
 * line missing: exactly its leads re-sent).
 */
static void test_batch__gemini_file(void **state)
{
    (void)state;
    enum { N = 12 };
    struct srv s;
    /* The fake refuses an inline request over 5,000 bytes: only a file gets through. */
    h_fake_config(&h_fake, "{\"batch_turnaround_ms\": 200, \"batch_drop\": [1], "
                           "\"batch_max_inline\": 5000}");
    const char *env[] = {"LEADSCORE_AI_BATCH=2", "LEADSCORE_AI_BATCH_INLINE_MAX=5000", NULL};
    start_gemini(&s, "gemini-file.db", env);
    load(&s, N);
    json_decref(h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\"}", 202));
    json_t *j = h_wait_job(&s, "/jobs/1", 60000);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "done"), N);
    expect_counts(j, N);
    assert_int_equal(h_num(json_object_get(j, "batch"), "batches"), 1);
    json_decref(j);
    json_t *b = fake_batches();
    assert_int_equal(h_num(b, "created"), 1);
    assert_int_equal(h_num(b, "uploads"), 1);
    const json_t *one = json_array_get(json_object_get(b, "batches"), 0);
    assert_non_null(
        strstr(h_str(json_object_get(json_object_get(one, "metadata"), "output"), "responsesFile"),
               "files/"));
    assert_int_equal(json_array_size(json_object_get(one, "custom_ids")), N / 2);
    json_decref(b);
    unsigned char marked[N] = {0};
    assert_int_equal(sync_requests(marked, N), 1);
    for (int i = 0; i < N; i++)
        assert_int_equal(marked[i], i == 2 || i == 3);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Gemini: cancelling the job cancels the batch (POST batches/{id}:cancel). */
static void test_batch__gemini_cancel(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"batch_turnaround_ms\": 600000}");
    start_gemini(&s, "gemini-cancel.db", NULL);
    load(&s, 10);
    json_decref(h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\"}", 202));
    wait_created(1);
    json_t *j = h_call(&s, "DELETE", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(j, "status"), "cancelled");
    json_decref(j);
    json_t *b = fake_batches();
    assert_int_equal(h_num(b, "cancels"), 1);
    json_decref(b);
    assert_int_equal(sync_requests(NULL, 0), 0);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Writes what DELETE /jobs/1 writes (ST_JOB_CANCEL), as a process that runs no job would. */
static void cancel_in_store(const struct srv *s)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(s->db, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            db,
            "UPDATE jobs SET status = 'cancelled', error = 'cancelled on "
            "request', finished_ms = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE id = 1 AND status = 'running'",
            NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_close(db);
}

/* Waits until GET /jobs/1 shows its batch in state want (within 20 s). */
static void wait_batch_state(struct srv *s, const char *want)
{
    for (int i = 0; i < 400; i++) {
        json_t *j = h_call(s, "GET", "/jobs/1", NULL, 200);
        bool ok = strcmp(h_str(json_object_get(j, "batch"), "state"), want) == 0;
        json_decref(j);
        if (ok)
            return;
        nap(50);
    }
    fail_msg("job 1's batch never got to %s", want);
}

/*
 * A job cancelled while no server ran it (killed while its batch was pending,
 * the cancel written to the store meanwhile): the next start cancels the
 * batch at the service once, and marks it cancelled; nothing is sent again.
 */
static void orphan_case(bool gemini, const char *db)
{
    struct srv s;
    h_fake_config(&h_fake, "{\"batch_turnaround_ms\": 600000}");
    if (gemini)
        start_gemini(&s, db, NULL);
    else
        start(&s, db, NULL);
    load(&s, 10);
    json_decref(h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\"}", 202));
    wait_created(1);
    wait_batch_state(&s, "pending");
    assert_int_equal(h_srv_stop(&s, SIGKILL), 128 + SIGKILL);
    cancel_in_store(&s);

    if (gemini)
        start_gemini(&s, db, NULL);
    else
        start(&s, db, NULL);
    wait_batch_state(&s, "cancelled");
    json_t *j = h_call(&s, "GET", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(j, "status"), "cancelled");
    json_decref(j);
    json_t *b = fake_batches();
    assert_int_equal(h_num(b, "cancels"), 1);
    assert_int_equal(h_num(b, "created"), 1); /* no second batch */
    json_decref(b);
    assert_int_equal(sync_requests(NULL, 0), 0);
    char *log = h_srv_log(&s);
    assert_non_null(strstr(log, "event=batch.orphan_cancelled job=1 batch=1"));
    assert_null(strstr(log, "your-key-here"));
    free(log);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* job 1's only batch row in the store: its state and remote id (into caps of 32 and 160). */
static void stored_batch(const struct srv *s, char *state, char *remote)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(s->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT state, remote_id FROM batches WHERE job_id = 1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(state, 32, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(remote, 160, "%s", (const char *)sqlite3_column_text(st, 1));
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

enum crash_then { RESTART, CANCELLED };

/*
 * kill -9 while the service is creating the batch (gemini: batchGenerateContent;
 * OpenAI: POST /batches, or - created false - the file upload before it). The
 * store has the batch as "submitting", with no id. The next start looks for it
 * by its name in the service's list: created, it is polled, never sent again;
 * not created, its leads go in one new batch. Either way one result per lead,
 * every one from a batch, one batch paid for. For Gemini, two batches of
 * someone else come after it and the fake's pages hold one batch each, so it
 * is found on page 3, through page tokens that need escaping. then CANCELLED:
 * the job is cancelled while no server runs, and the start-up sweep cancels the
 * batch it finds (or drops the row of one never created); then it can be purged.
 */
static void crash_in_create_case(bool gemini, bool created, enum crash_then then, const char *db)
{
    enum { N = 20 };
    struct srv s;
    h_fake_config(&h_fake,
                  created ? "{\"batch_turnaround_ms\": 1000, \"batch_create_delay_ms\": 8000}"
                          : "{\"batch_turnaround_ms\": 1000, \"batch_upload_delay_ms\": 8000}");
    const char *env[] = {"LEADSCORE_AI_BATCH=5", NULL};
    if (gemini)
        start_gemini(&s, db, env);
    else
        start(&s, db, env);
    load(&s, N);
    json_decref(h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\"}", 202));
    for (int i = 0;; i++) { /* the service has the batch (or the file), the job no reply yet */
        json_t *b = fake_batches();
        bool there = h_num(b, created ? "created" : "uploads") == 1;
        json_decref(b);
        if (there)
            break;
        assert_true(i < 400);
        nap(50);
    }
    nap(200);
    char state[32], remote[160];
    stored_batch(&s, state, remote);
    assert_string_equal(state, "submitting");
    assert_string_equal(remote, "");
    assert_int_equal(h_srv_stop(&s, SIGKILL), 128 + SIGKILL);
    h_fake_config(&h_fake, "{\"batch_create_delay_ms\": 0, \"batch_upload_delay_ms\": 0}");
    long others = 0;
    if (gemini) {
        h_fake_config(&h_fake, "{\"batch_list_page_max\": 1}");
        for (; others < 2; others++)
            assert_int_equal(
                h_fake_post(
                    &h_fake, "/v1beta/models/other:batchGenerateContent",
                    "{\"batch\": {\"displayName\": \"someone else's\", \"inputConfig\": "
                    "{\"requests\": {\"requests\": [{\"request\": {\"contents\": "
                    "[{\"parts\": [{\"text\": \"hi\"}]}]}, \"metadata\": {\"key\": \"x\"}}]}}}}"),
                200);
    }
    if (then == CANCELLED)
        cancel_in_store(&s);

    if (gemini)
        start_gemini(&s, db, env);
    else
        start(&s, db, env);
    char *log = NULL;
    if (then == CANCELLED) {
        for (int i = 0;; i++) { /* the start-up sweep */
            free(log);
            log = h_srv_log(&s);
            if (strstr(log, created ? "event=batch.orphan_cancelled job=1 batch=1"
                                    : "event=batch.orphan_dropped job=1 batch=1"))
                break;
            assert_true(i < 400);
            nap(50);
        }
        json_t *b = fake_batches();
        assert_int_equal(h_num(b, "created"), (created ? 1 : 0) + others); /* nothing sent again */
        assert_int_equal(h_num(b, "cancels"), created ? 1 : 0);
        json_decref(b);
        struct resp r;
        assert_int_equal(h_http(&s, "DELETE", "/jobs/1?purge=1", NULL, NULL, 0, &r), 0);
        assert_true(r.status == 200 || r.status == 204);
        h_resp_free(&r);
    } else {
        json_t *j = h_wait_job(&s, "/jobs/1", 60000);
        assert_string_equal(h_str(j, "status"), "succeeded");
        assert_int_equal(h_num(j, "done"), N);
        expect_counts(j, N);
        assert_int_equal(
            h_num(json_object_get(json_object_get(j, "batch"), "requests"), "completed"), N / 5);
        json_decref(j);
        json_t *b = fake_batches();
        assert_int_equal(h_num(b, "created"), 1 + others);  /* ours paid once */
        assert_true(h_num(b, "lists") >= (gemini ? 3 : 1)); /* looked for before sending again */
        json_decref(b);
        log = h_srv_log(&s);
        assert_non_null(strstr(log, created ? "event=batch.recovered job=1 batch=1"
                                            : "event=batch.dropped job=1 batch=1"));
    }
    free(log);
    assert_int_equal(sync_requests(NULL, 0), 0);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    if (then == CANCELLED)
        return;
    int rows, distinct, ok;
    stored(&s, &rows, &distinct, &ok);
    assert_int_equal(rows, N);
    assert_int_equal(distinct, N);
    assert_int_equal(ok, N);
}

static void test_batch__killed_while_creating(void **state)
{
    (void)state;
    crash_in_create_case(false, true, RESTART, "create-kill.db");
}

static void test_batch__killed_while_uploading(void **state)
{
    (void)state;
    crash_in_create_case(false, false, RESTART, "upload-kill.db");
}

static void test_batch__gemini_killed_while_creating(void **state)
{
    (void)state;
    crash_in_create_case(true, true, RESTART, "gemini-create-kill.db");
}

static void test_batch__killed_while_creating_then_cancelled(void **state)
{
    (void)state;
    crash_in_create_case(true, true, CANCELLED, "create-kill-cancel.db");
}

static void test_batch__killed_while_uploading_then_cancelled(void **state)
{
    (void)state;
    crash_in_create_case(false, false, CANCELLED, "upload-kill-cancel.db");
}

/*
 * A cancelled job whose batch is still pending at the service cannot be
 * purged (nor its upload deleted): the batch row is how it gets cancelled.
 * A server with another provider (which does not sweep OpenAI's batches)
 * answers 409 naming the batch; once a server of the provider has cancelled
 * it, the purge goes through.
 */
static void test_batch__purge_waits_for_batches(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"batch_turnaround_ms\": 600000}");
    start(&s, "purge.db", NULL);
    load(&s, 10);
    json_decref(h_call(&s, "POST", "/jobs", "{\"mode\": \"batch\"}", 202));
    wait_created(1);
    wait_batch_state(&s, "pending");
    assert_int_equal(h_srv_stop(&s, SIGKILL), 128 + SIGKILL);
    cancel_in_store(&s);

    const char *offline[] = {"LEADSCORE_AI_PROVIDER=offline", NULL};
    char db[600];
    h_path(db, sizeof(db), "purge.db");
    assert_int_equal(h_srv_start(&s, db, offline), 0);
    json_t *e = h_call(&s, "DELETE", "/jobs/1?purge=1", NULL, 409);
    assert_non_null(
        strstr(h_str(e, "error"), "still has 1 batch(es) that may run at the model service"));
    json_decref(e);
    e = h_call(&s, "DELETE", "/uploads/1", NULL, 409); /* its upload is in use too */
    json_decref(e);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    start(&s, "purge.db", NULL); /* OpenAI again: the start-up sweep cancels the batch */
    wait_batch_state(&s, "cancelled");
    json_t *b = fake_batches();
    assert_int_equal(h_num(b, "cancels"), 1);
    json_decref(b);
    struct resp r;
    assert_int_equal(h_http(&s, "DELETE", "/jobs/1?purge=1", NULL, NULL, 0, &r), 0);
    assert_true(r.status == 200 || r.status == 204);
    h_resp_free(&r);
    json_decref(h_call(&s, "GET", "/jobs/1", NULL, 404));
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static void test_batch__orphan_cancelled_at_start(void **state)
{
    (void)state;
    orphan_case(false, "orphan.db");
}

static void test_batch__gemini_orphan_cancelled_at_start(void **state)
{
    (void)state;
    orphan_case(true, "gemini-orphan.db");
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_batch__restart_resumes_polling, h_fake_each),
        cmocka_unit_test_setup(test_batch__missing_and_failed_items_resent, h_fake_each),
        cmocka_unit_test_setup(test_batch__expired_batch, h_fake_each),
        cmocka_unit_test_setup(test_batch__cancel_cancels_the_batch, h_fake_each),
        cmocka_unit_test_setup(test_batch__split_by_limits, h_fake_each),
        cmocka_unit_test_setup(test_batch__cli_mode_batch, h_fake_each),
        cmocka_unit_test_setup(test_batch__gemini_inline, h_fake_each),
        cmocka_unit_test_setup(test_batch__gemini_file, h_fake_each),
        cmocka_unit_test_setup(test_batch__gemini_cancel, h_fake_each),
        cmocka_unit_test_setup(test_batch__orphan_cancelled_at_start, h_fake_each),
        cmocka_unit_test_setup(test_batch__gemini_orphan_cancelled_at_start, h_fake_each),
        cmocka_unit_test_setup(test_batch__purge_waits_for_batches, h_fake_each),
        cmocka_unit_test_setup(test_batch__killed_while_creating, h_fake_each),
        cmocka_unit_test_setup(test_batch__killed_while_uploading, h_fake_each),
        cmocka_unit_test_setup(test_batch__gemini_killed_while_creating, h_fake_each),
        cmocka_unit_test_setup(test_batch__killed_while_creating_then_cancelled, h_fake_each),
        cmocka_unit_test_setup(test_batch__killed_while_uploading_then_cancelled, h_fake_each),
    };
    int rc = cmocka_run_group_tests(tests, h_fake_group_setup, h_fake_group_teardown);
    curl_global_cleanup();
    return rc;
}
