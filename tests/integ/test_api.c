/*
 * test_api.c - the resource API of issue #4 on the real server: offers,
 * uploads, jobs and results with their 400s and 404s, the OpenAPI document
 * against the routes really served, cancellation, a job running while 50
 * parallel GETs are answered, and recovery after kill -9.
 */
#include "ls_test.h"
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"


/* A server on the fake Gemini (so jobs take as long as the fake's latency says). */
static void start(struct srv *s, const char *name, const char *const *extra)
{
    assert_int_equal(h_srv_start_fake(s, name, extra), 0);
}

/* Uploads n leads named "Lead i" at company "Co i" (i = upload position). */
static void upload_n(struct srv *s, int n, const char *file)
{
    size_t cap = 200 + (size_t)n * 120;
    char *csv = malloc(cap);
    size_t w = (size_t)snprintf(csv, cap, "name,role,company,industry,location,linkedin_bio\n");
    static const char *const roles[] = {"CEO", "Marketing Manager", "Analyst", "VP of Sales"};
    for (int i = 0; i < n; i++)
        w += (size_t)snprintf(csv + w, cap - w, "Lead %d,%s,Co %d,B2B SaaS,Berlin,Bio %d\n", i,
                              roles[i % 4], i, i);
    json_decref(h_upload_text(s, "/uploads", file, csv, w, 201));
    free(csv);
}

static void test_api__offers_and_uploads(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "resources.db", NULL);
    json_t *j = h_call(&s, "POST", "/offers", h_example_offer(), 201);
    assert_int_equal(h_num(j, "offer_id"), 1);
    json_decref(j);
    j = h_call(&s, "POST", "/offer", h_example_offer(), 201);
    json_decref(j);
    j = h_call(&s, "GET", "/offers", NULL, 200);
    assert_int_equal(h_num(j, "total"), 2);
    assert_int_equal(h_num(j, "current"), 2);
    assert_int_equal(h_num(json_array_get(json_object_get(j, "items"), 0), "id"), 2);
    assert_string_equal(h_str(json_array_get(json_object_get(j, "items"), 0), "name"),
                        "AI Outreach Automation");
    assert_non_null(h_str(json_array_get(json_object_get(j, "items"), 0), "created_at")[0] ? "x"
                                                                                           : NULL);
    json_decref(j);
    j = h_call(&s, "GET", "/offers?limit=1&offset=1", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    assert_int_equal(h_num(json_array_get(json_object_get(j, "items"), 0), "id"), 1);
    json_decref(j);
    j = h_call(&s, "GET", "/offers/1", NULL, 200);
    assert_string_equal(h_str(json_object_get(j, "offer"), "name"), "AI Outreach Automation");
    json_decref(j);
    json_decref(h_call(&s, "GET", "/offers/99", NULL, 404));
    j = h_call(&s, "GET", "/offers/abc", NULL, 400);
    assert_non_null(strstr(h_str(j, "error"), "offer id must be a positive integer"));
    json_decref(j);
    j = h_call(&s, "GET", "/offers?limit=0", NULL, 400);
    assert_non_null(strstr(h_str(j, "error"), "limit must be"));
    json_decref(j);

    upload_n(&s, 30, "thirty.csv");
    const char *bad =
        "name,role,company,industry,location,linkedin_bio\nA,B,C,D,E,F,G\nX,Y,Z,W,V,U\n";
    char p[600];
    h_path(p, sizeof(p), "one-bad.csv");
    h_write_file(p, bad, strlen(bad));
    struct resp r;
    assert_int_equal(h_upload(&s, "/leads/upload", p, NULL, &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    j = h_call(&s, "GET", "/uploads", NULL, 200);
    assert_int_equal(h_num(j, "total"), 2);
    assert_int_equal(h_num(j, "current"), 2);
    json_decref(j);
    j = h_call(&s, "GET", "/uploads/2", NULL, 200);
    assert_int_equal(h_num(j, "count"), 1);
    assert_int_equal(h_num(j, "rejected"), 1);
    assert_string_equal(h_str(j, "filename"), "one-bad.csv");
    assert_int_equal(h_num(json_array_get(json_object_get(j, "errors"), 0), "line"), 2);
    assert_non_null(h_str(j, "created_at")[0] ? "x" : NULL);
    json_decref(j);
    j = h_call(&s, "GET", "/uploads/1/leads?limit=5&offset=10", NULL, 200);
    assert_int_equal(h_num(j, "total"), 30);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 5);
    assert_int_equal(h_num(json_array_get(items, 0), "idx"), 10);
    assert_int_equal(h_num(json_array_get(items, 0), "line"), 12);
    assert_string_equal(h_str(json_array_get(items, 0), "company"), "Co 10");
    assert_string_equal(h_str(json_array_get(items, 4), "linkedin_bio"), "Bio 14");
    json_decref(j);
    json_decref(h_call(&s, "GET", "/uploads/7", NULL, 404));
    json_decref(h_call(&s, "GET", "/uploads/7/leads", NULL, 404));
    json_decref(h_call(&s, "GET", "/uploads/x/leads", NULL, 400));
    json_decref(h_call(&s, "GET", "/uploads/1/leads?offset=-1", NULL, 400));
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static void test_api__jobs_and_results(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "jobs.db", NULL);
    json_t *j = h_call(&s, "POST", "/jobs", NULL, 409);
    assert_non_null(strstr(h_str(j, "error"), "no offer yet"));
    json_decref(j);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    upload_n(&s, 40, "forty.csv");
    char *loc = NULL;
    j = h_call_loc(&s, "POST", "/jobs", NULL, 202,
                   &loc); /* defaults: the current offer and upload */
    assert_string_equal(loc, "/jobs/1");
    assert_int_equal(h_num(j, "total"), 40);
    assert_int_equal(h_num(j, "offer_id"), 1);
    json_decref(j);
    j = h_wait_job(&s, loc, 30000);
    free(loc);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "done"), 40);
    assert_int_equal(h_num(j, "model_calls"), 4);
    assert_true(h_num(j, "elapsed_ms") >= 0);
    assert_true(json_is_null(json_object_get(j, "eta_ms")));
    assert_non_null(h_str(j, "finished_at")[0] ? "x" : NULL);
    json_t *counts = json_object_get(j, "counts");
    assert_int_equal(h_num(counts, "High") + h_num(counts, "Medium") + h_num(counts, "Low"), 40);
    json_decref(j);
    /* Explicit ids, and their errors. */
    j = h_call(&s, "POST", "/jobs", "{\"offer_id\": 1, \"upload_id\": 1}", 202);
    json_decref(j);
    json_decref(h_call(&s, "POST", "/jobs", "{\"offer_id\": 9}", 404));
    json_decref(h_call(&s, "POST", "/jobs", "{\"upload_id\": 9}", 404));
    j = h_call(&s, "POST", "/jobs", "{\"offer_id\": \"one\"}", 422);
    assert_non_null(strstr(h_str(j, "error"), "offer_id must be a positive integer"));
    json_decref(j);
    json_decref(h_call(&s, "POST", "/jobs", "{\"offer_id\": ", 400));
    json_decref(h_call(&s, "POST", "/jobs", "[1]", 422));
    j = h_wait_job(&s, "/jobs/2", 30000);
    assert_int_equal(h_num(j, "cache_hits"), 40); /* same leads and offer: no model call */
    json_decref(j);
    j = h_call(&s, "GET", "/jobs", NULL, 200);
    assert_int_equal(h_num(j, "total"), 2);
    assert_int_equal(h_num(json_array_get(json_object_get(j, "items"), 0), "id"), 2);
    json_decref(j);
    json_decref(h_call(&s, "GET", "/jobs/3", NULL, 404));
    json_decref(h_call(&s, "GET", "/jobs/0", NULL, 400));
    json_decref(h_call(&s, "DELETE", "/jobs/1", NULL, 409)); /* already finished */
    json_decref(h_call(&s, "DELETE", "/jobs/77", NULL, 404));

    /* Results: filters, sorts, paging, the total. */
    struct resp r;
    assert_int_equal(
        h_http(&s, "GET", "/jobs/1/results?intent=High&sort=name&limit=3", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    char *total = h_header(&r, "X-Total-Count");
    assert_string_equal(total, "20"); /* CEO and VP of Sales: every other lead */
    free(total);
    j = h_json(&r);
    assert_int_equal(json_array_size(j), 3);
    assert_string_equal(h_str(json_array_get(j, 0), "name"), "Lead 0");
    assert_string_equal(h_str(json_array_get(j, 1), "name"), "Lead 11");
    json_decref(j);
    h_resp_free(&r);
    j = h_call(&s, "GET", "/jobs/1/results?q=co%2017&limit=10", NULL, 200);
    assert_int_equal(json_array_size(j), 1);
    assert_string_equal(h_str(json_array_get(j, 0), "company"), "Co 17");
    json_decref(j);
    j = h_call(&s, "GET", "/results?min_score=95", NULL, 200);
    for (size_t i = 0; i < json_array_size(j); i++)
        assert_true(h_num(json_array_get(j, i), "score") >= 95);
    json_decref(j);
    j = h_call(&s, "GET", "/results?sort=score&limit=1", NULL, 200);
    json_t *low = json_array_get(j, 0);
    json_t *high = h_call(&s, "GET", "/results?limit=1", NULL, 200);
    assert_true(h_num(low, "score") <= h_num(json_array_get(high, 0), "score"));
    json_decref(j);
    json_decref(high);
    static const char *const bad[] = {
        "/results?intent=Hot",     "/results?min_score=x",
        "/results?max_score=101",  "/results?sort=rank",
        "/results?limit=10001",    "/results?offset=-1",
        "/jobs/1/results?limit=0", "/jobs/1/results/export?format=xml",
    };
    static const char *const param[] = {"intent", "min_score", "max_score", "sort",
                                        "limit",  "offset",    "limit",     "format"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        j = h_call(&s, "GET", bad[i], NULL, 400);
        assert_non_null(strstr(h_str(j, "error"), param[i]));
        json_decref(j);
    }
    json_decref(h_call(&s, "GET", "/jobs/9/results", NULL, 404));
    json_decref(h_call(&s, "GET", "/jobs/9/results/export", NULL, 404));

    /* Exports: CSV and JSON lines, every row, filters honoured. */
    assert_int_equal(h_http(&s, "GET", "/jobs/1/results/export?format=jsonl", NULL, NULL, 0, &r),
                     0);
    char *ct = h_header(&r, "Content-Type");
    assert_string_equal(ct, "application/x-ndjson");
    free(ct);
    int lines = 0;
    for (char *line = r.body; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        json_error_t e;
        json_t *row = json_loadb(line, (size_t)(nl - line), 0, &e);
        assert_non_null(row);
        json_decref(row);
        lines++;
        line = nl + 1;
    }
    assert_int_equal(lines, 40);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/jobs/1/results/export?intent=Low", NULL, NULL, 0, &r), 0);
    int rows = -1; /* the header line */
    for (char *p = r.body; (p = strstr(p, "\r\n")) != NULL; p += 2)
        rows++;
    if (rows != 10) { /* the Analysts */
        print_error("rows %d, body %zu bytes: %.600s\n", rows, r.len, r.body);
        fail();
    }
    h_resp_free(&r);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Clients that always send Content-Type: application/json send it with no body too:
 * that is an empty object, the defaults (the current offer and upload). */
static void test_api__json_type_without_body(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "nobody.db", NULL);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    upload_n(&s, 5, "five.csv");
    const char *json_ct[] = {"Content-Type: application/json", NULL};
    json_t *j = h_call_with(&s, "POST", "/jobs", json_ct, NULL, 202, NULL);
    assert_int_equal(h_num(j, "total"), 5);
    json_decref(j);
    json_decref(h_wait_job(&s, "/jobs/1", 30000));
    j = h_call_with(&s, "POST", "/score", json_ct, NULL, 200, NULL);
    assert_int_equal(h_num(j, "scored"), 5);
    json_decref(j);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Every operation GET /openapi.json documents is routed; every route is documented. */
static void test_api__openapi_matches_routes(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "openapi.db", NULL);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    upload_n(&s, 4, "four.csv");
    json_t *job = h_call(&s, "POST", "/jobs", NULL, 202);
    json_decref(job);
    json_decref(h_wait_job(&s, "/jobs/1", 30000));
    json_t *doc = h_call(&s, "GET", "/openapi.json", NULL, 200);
    assert_string_equal(h_str(doc, "openapi"), "3.1.0");
    json_t *paths = json_object_get(doc, "paths");
    const char *path;
    json_t *item;
    int ops = 0;
    json_object_foreach(paths, path, item)
    {
        const char *method;
        json_t *op;
        json_object_foreach(item, method, op)
        {
            if (strcmp(method, "parameters") == 0)
                continue;
            ops++;
            assert_non_null(json_object_get(op, "summary"));
            assert_non_null(json_object_get(json_object_get(op, "responses"), "default"));
            char url[256], m[16];
            size_t w = 0;
            for (const char *p = path; *p && w < sizeof(url) - 2; p++) {
                if (*p == '{') {
                    url[w++] = '1'; /* every resource has an id 1 by now */
                    p = strchr(p, '}');
                } else {
                    url[w++] = *p;
                }
            }
            url[w] = '\0';
            for (w = 0; method[w] && w < sizeof(m) - 1; w++)
                m[w] = (char)(method[w] - 'a' + 'A');
            m[w] = '\0';
            if (strcmp(m, "DELETE") == 0)
                continue; /* deletions run last, below: they would take id 1 away */
            struct resp r;
            /* Bodiless POSTs (400/415/409) still prove the route exists: only a routing 404
             * and a 405 would not. */
            assert_int_equal(h_http(&s, m, url, NULL, NULL, 0, &r), 0);
            if ((r.status == 404 && strstr(r.body, "no such endpoint")) || r.status == 405) {
                char *allow = h_header(&r, "Allow");
                print_error("%s %s is documented but answers %ld\n", m, url, r.status);
                free(allow);
                fail();
            }
            h_resp_free(&r);
        }
    }
    static const char *const deletions[] = {"/jobs/1/results", "/jobs/1", "/offers/1",
                                            "/uploads/1",      "/keys/1", "/session"};
    for (size_t i = 0; i < sizeof(deletions) / sizeof(deletions[0]); i++) {
        struct resp r;
        assert_int_equal(h_http(&s, "DELETE", deletions[i], NULL, NULL, 0, &r), 0);
        if ((r.status == 404 && strstr(r.body, "no such endpoint")) || r.status == 405) {
            print_error("DELETE %s is documented but answers %ld\n", deletions[i], r.status);
            fail();
        }
        h_resp_free(&r);
    }
    assert_int_equal(ops, 37);
    /* The reverse: an undocumented path is not served. */
    json_decref(h_call(&s, "GET", "/jobs/1/secret", NULL, 404));
    json_decref(doc);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static void test_api__cancel_a_running_job(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"latency_ms\": 300}");
    const char *env[] = {"LEADSCORE_AI_CONCURRENCY=2", NULL};
    start(&s, "cancel.db", env);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    upload_n(&s, 400, "cancel.csv");
    json_decref(h_call(&s, "POST", "/jobs", NULL, 202));
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL);
    json_t *j = h_call(&s, "DELETE", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(j, "status"), "cancelled");
    json_int_t done = h_num(j, "done");
    assert_true(done > 0 && done < 400);
    assert_non_null(h_str(j, "finished_at")[0] ? "x" : NULL);
    json_decref(j);
    /* Finished results are kept, exactly as many as the job says. */
    struct resp r;
    assert_int_equal(h_http(&s, "GET", "/jobs/1/results?limit=1", NULL, NULL, 0, &r), 0);
    char *total = h_header(&r, "X-Total-Count");
    assert_int_equal(atoll(total), done);
    free(total);
    h_resp_free(&r);
    /* Cancelled is final: it neither resumes nor cancels twice. */
    json_decref(h_call(&s, "DELETE", "/jobs/1", NULL, 409));
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    start(&s, "cancel.db", env);
    j = h_call(&s, "GET", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(j, "status"), "cancelled");
    assert_int_equal(h_num(j, "done"), done);
    json_decref(j);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

struct hammer {
    struct srv *s;
    int ok, bad;
};

static void *hammer(void *arg)
{
    struct hammer *h = arg;
    static const char *const paths[] = {"/jobs/1", "/healthz", "/results?limit=5", "/jobs",
                                        "/uploads/1"};
    for (int i = 0; i < 5; i++) {
        struct resp r;
        if (h_http(h->s, "GET", paths[i], NULL, NULL, 0, &r) == 0 && r.status == 200) {
            json_t *j = h_json(&r);
            if (j)
                h->ok++;
            else
                h->bad++;
            json_decref(j);
        } else {
            h->bad++;
        }
        h_resp_free(&r);
    }
    return NULL;
}

struct scorer {
    struct srv *s;
    struct resp r;
};

static void *post_score(void *arg)
{
    struct scorer *sc = arg;
    h_http(sc->s, "POST", "/score", NULL, NULL, 0, &sc->r);
    return NULL;
}

/* While POST /score waits for its job, 50 clients' GETs are answered, correctly. */
static void test_api__gets_answered_while_a_job_runs(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"latency_ms\": 200}");
    start(&s, "busy.db", NULL);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    upload_n(&s, 1000, "busy.csv");
    struct scorer sc = {&s, {0}};
    pthread_t scoring;
    pthread_create(&scoring, NULL, post_score, &sc);
    for (int i = 0; i < 100; i++) { /* until its job exists */
        struct resp r;
        h_http(&s, "GET", "/jobs/1", NULL, NULL, 0, &r);
        long st = r.status;
        h_resp_free(&r);
        if (st == 200)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    pthread_t t[50];
    struct hammer h[50];
    for (int i = 0; i < 50; i++) {
        h[i] = (struct hammer){&s, 0, 0};
        pthread_create(&t[i], NULL, hammer, &h[i]);
    }
    int ok = 0, bad = 0;
    for (int i = 0; i < 50; i++) {
        pthread_join(t[i], NULL);
        ok += h[i].ok;
        bad += h[i].bad;
    }
    assert_int_equal(bad, 0);
    assert_int_equal(ok, 250);
    json_t *j = h_call(&s, "GET", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(j, "status"), "running"); /* the answers did not wait for it */
    assert_true(json_is_integer(json_object_get(j, "eta_ms")) || h_num(j, "done") == 0);
    json_decref(j);
    /* POST /score itself answers when its job is done. */
    pthread_join(scoring, NULL);
    if (sc.r.status != 200)
        print_error("POST /score: %ld %s\n", sc.r.status, sc.r.body ? sc.r.body : "");
    assert_int_equal(sc.r.status, 200);
    j = h_json(&sc.r);
    assert_int_equal(h_num(j, "scored"), 1000);
    json_decref(j);
    h_resp_free(&sc.r);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* A new offer or upload while a job runs leaves that job alone. */
static void test_api__inputs_can_change_under_a_running_job(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"latency_ms\": 200}");
    start(&s, "undisturbed.db", NULL);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    upload_n(&s, 200, "first.csv");
    json_decref(h_call(&s, "POST", "/jobs", NULL, 202));
    const char *other = "{\"name\": \"Other\", \"value_props\": [\"x\"], \"ideal_use_cases\": "
                        "[\"Retail\"]}";
    json_decref(h_call(&s, "POST", "/offers", other, 201));
    upload_n(&s, 7, "second.csv");
    json_t *j = h_wait_job(&s, "/jobs/1", 60000);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "total"), 200);
    assert_int_equal(h_num(j, "done"), 200);
    assert_int_equal(h_num(j, "offer_id"), 1);
    assert_int_equal(h_num(j, "upload_id"), 1);
    json_decref(j);
    j = h_call(&s, "GET", "/jobs/1/results?limit=1&sort=company", NULL, 200);
    assert_string_equal(h_str(json_array_get(j, 0), "company"), "Co 0");
    json_decref(j);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static int collect_idx(void *ud, int n, char **vals, char **cols)
{
    (void)n;
    (void)cols;
    unsigned char *seen = ud;
    seen[atoi(vals[0])] = 1;
    return 0;
}

/*
 * kill -9 in the middle of a 5,000-lead job; on restart it finishes with one
 * result per lead, and no lead whose result was stored is sent to the model again.
 */
static void test_api__crash_recovery(void **state)
{
    (void)state;
    enum { N = 5000 };
    struct srv s;
    h_fake_config(&h_fake, "{\"latency_ms\": 100}");
    const char *env[] = {"LEADSCORE_AI_CONCURRENCY=4", NULL};
    start(&s, "crash.db", env);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    upload_n(&s, N, "crash.csv");
    json_decref(h_call(&s, "POST", "/jobs", NULL, 202));
    for (int i = 0; i < 200; i++) { /* until some results are stored, but not all */
        json_t *j = h_call(&s, "GET", "/jobs/1", NULL, 200);
        json_int_t done = h_num(j, "done");
        json_decref(j);
        if (done >= 1000)
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(h_srv_stop(&s, SIGKILL), 128 + SIGKILL);
    /* Let the fake finish the requests the dead server had in flight before clearing its log. */
    struct timespec drain = {0, 500 * 1000 * 1000};
    nanosleep(&drain, NULL);

    /* What the store holds after the crash. */
    static unsigned char stored[N];
    memset(stored, 0, sizeof(stored));
    sqlite3 *db;
    assert_int_equal(sqlite3_open(s.db, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "SELECT idx FROM results WHERE job_id = 1", collect_idx, stored, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    int n_stored = 0;
    for (int i = 0; i < N; i++)
        n_stored += stored[i];
    assert_true(n_stored > 0 && n_stored < N);

    h_fake_reset(&h_fake); /* from here the log shows only what the restarted server sends */
    h_fake_config(&h_fake, "{\"latency_ms\": 20}");
    start(&s, "crash.db", env);
    json_t *j = h_wait_job(&s, "/jobs/1", 120000);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "done"), N);
    json_decref(j);
    struct resp r;
    assert_int_equal(h_http(&s, "GET", "/jobs/1/results?limit=1", NULL, NULL, 0, &r), 0);
    char *total = h_header(&r, "X-Total-Count");
    assert_string_equal(total, "5000");
    free(total);
    h_resp_free(&r);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    /* Exactly one result per lead: none lost, none duplicated. */
    assert_int_equal(sqlite3_open(s.db, &db), SQLITE_OK);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
                       "SELECT count(*), count(DISTINCT idx), min(idx), max(idx) FROM results "
                       "WHERE job_id = 1",
                       -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), N);
    assert_int_equal(sqlite3_column_int(st, 1), N);
    assert_int_equal(sqlite3_column_int(st, 2), 0);
    assert_int_equal(sqlite3_column_int(st, 3), N - 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* The restarted server asked the model only about leads without a stored result. */
    json_t *log = h_fake_requests(&h_fake);
    size_t i, sent = 0;
    json_t *req;
    json_array_foreach(json_object_get(log, "requests"), i, req)
    {
        json_error_t e;
        json_t *body = json_loads(h_str(req, "body"), 0, &e);
        const char *text = h_str(
            json_array_get(
                json_object_get(json_array_get(json_object_get(body, "contents"), 0), "parts"), 0),
            "text");
        for (const char *p = text; (p = strstr(p, "\"company\":\"Co ")) != NULL; p++) {
            int idx = atoi(p + 14);
            if (stored[idx]) {
                print_error("lead %d was sent again after its result was stored\n", idx);
                fail();
            }
            sent++;
        }
        json_decref(body);
    }
    assert_int_equal(sent, (size_t)(N - n_stored)); /* and each of the others exactly once */
    json_decref(log);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_api__offers_and_uploads, h_fake_each),
        cmocka_unit_test_setup(test_api__jobs_and_results, h_fake_each),
        cmocka_unit_test_setup(test_api__json_type_without_body, h_fake_each),
        cmocka_unit_test_setup(test_api__openapi_matches_routes, h_fake_each),
        cmocka_unit_test_setup(test_api__cancel_a_running_job, h_fake_each),
        cmocka_unit_test_setup(test_api__gets_answered_while_a_job_runs, h_fake_each),
        cmocka_unit_test_setup(test_api__inputs_can_change_under_a_running_job, h_fake_each),
        cmocka_unit_test_setup(test_api__crash_recovery, h_fake_each),
    };
    int rc = cmocka_run_group_tests(tests, h_fake_group_setup, h_fake_group_teardown);
    curl_global_cleanup();
    return rc;
}
