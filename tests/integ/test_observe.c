/*
 * test_observe.c - what the service tells its operators (issue #7: metrics,
 * logfmt, request ids): a live GET /metrics after real traffic (model calls
 * against the fake Gemini included) passes Debian's promtool, counts by
 * route template and never by raw path, and stays bounded; every log line is
 * one line whatever the request held; a client's X-Request-Id is kept only
 * when it is 1-64 safe characters.
 */
#include "ls_test.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define KEY "test-observe-key-placeholder"

static void start(struct srv *s, const char *name, bool gemini)
{
    static char base[128], db[600];
    const char *env[8];
    size_t n = 0;
    if (gemini) {
        snprintf(base, sizeof(base), "GEMINI_BASE_URL=%s", h_fake.url);
        env[n++] = base;
        env[n++] = "GEMINI_API_KEY=" KEY;
        env[n++] = "LEADSCORE_AI_PROVIDER=gemini";
    }
    env[n] = NULL;
    h_path(db, sizeof(db), name);
    assert_int_equal(h_srv_start(s, db, env), 0);
}

static void call(const struct srv *s, const char *method, const char *path, long want)
{
    struct resp r;
    assert_int_equal(h_http(s, method, path, NULL, NULL, 0, &r), 0);
    if (r.status != want) {
        print_error("%s %s: %ld, want %ld: %.200s\n", method, path, r.status, want, r.body);
        fail();
    }
    h_resp_free(&r);
}

static char *scrape(const struct srv *s)
{
    struct resp r;
    assert_int_equal(h_http(s, "GET", "/metrics", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    char *ct = h_header(&r, "Content-Type");
    assert_non_null(strstr(ct, "text/plain; version=0.0.4"));
    free(ct);
    char *text = r.body;
    r.body = NULL;
    h_resp_free(&r);
    return text;
}

/* promtool check metrics must exit 0 and print nothing. */
static void promtool_accepts(const char *text)
{
    char out[600];
    h_path(out, sizeof(out), "promtool.out");
    char cmd[800];
    snprintf(cmd, sizeof(cmd), "promtool check metrics >'%s' 2>&1", out);
    FILE *p = popen(cmd, "w");
    assert_non_null(p);
    fputs(text, p);
    int st = pclose(p);
    char *said = h_read_file(out, NULL);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || (said && said[0])) {
        print_error("promtool (exit %d): %s\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                    said ? said : "");
        fail();
    }
    free(said);
}

static void has_sample(const char *text, const char *prefix)
{
    if (strstr(text, prefix) == NULL) {
        print_error("no sample starting with %s\n", prefix);
        fail();
    }
}

static void test_observe__live_scrape_after_real_traffic(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "metrics.db", true);
    struct resp r;
    assert_int_equal(h_post_json(&s, "/offers", h_example_offer(), &r), 0);
    h_resp_free(&r);
    char csv[600];
    h_path(csv, sizeof(csv), "m.csv");
    const char *text = "name,role,company,industry,location,linkedin_bio\n"
                       "Ava,CEO,F,B2B SaaS,NY,Growth\nBo,Analyst,G,Retail,LA,Data\n"
                       "bad,row,with,too,many,fields,here\n";
    h_write_file(csv, text, strlen(text));
    assert_int_equal(h_upload(&s, "/uploads", csv, NULL, &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    call(&s, "POST", "/score", 200);
    call(&s, "GET", "/jobs/1", 200);
    call(&s, "GET", "/jobs/2", 404);
    call(&s, "GET", "/results?limit=1", 200);
    /* 200 distinct raw paths: they must fold into one unmatched series. */
    for (int i = 0; i < 200; i++) {
        char p[64];
        snprintf(p, sizeof(p), "/no/such/path/%d", i);
        call(&s, "GET", p, 404);
    }
    char *m = scrape(&s);
    promtool_accepts(m);
    has_sample(
        m, "leadscore_http_requests_total{route=\"/jobs/{id}\",method=\"GET\",status=\"200\"} 1");
    has_sample(
        m, "leadscore_http_requests_total{route=\"/jobs/{id}\",method=\"GET\",status=\"404\"} 1");
    has_sample(m, "leadscore_http_requests_total{route=\"unmatched\"");
    has_sample(m, "leadscore_http_request_duration_seconds_bucket{route=\"/score\"");
    has_sample(m, "leadscore_uploads_total{result=\"ok\"} 1");
    has_sample(m, "leadscore_upload_rows_total{outcome=\"accepted\"} 2");
    has_sample(m, "leadscore_upload_rows_total{outcome=\"rejected\"} 1");
    has_sample(m, "leadscore_jobs_finished_total{status=\"succeeded\"} 1");
    has_sample(m, "leadscore_leads_scored_total{provider=\"gemini\",ai_status=\"ok\"} 2");
    has_sample(m, "leadscore_model_requests_total{provider=\"gemini\",status=\"200\"}");
    has_sample(m, "leadscore_model_request_duration_seconds_count{provider=\"gemini\"}");
    has_sample(m, "leadscore_model_tokens_total{provider=\"gemini\",direction=\"in\"}");
    has_sample(m, "leadscore_verdict_cache_lookups_total{result=\"miss\"} 2");
    has_sample(m, "leadscore_store_operation_duration_seconds_count{op=\"results_put\"}");
    has_sample(m, "leadscore_store_healthy 1");
    has_sample(m, "leadscore_jobs{status=\"queued\"} 0");
    /* No raw path and no id is ever a label value. */
    assert_null(strstr(m, "/no/such/path"));
    assert_null(strstr(m, "route=\"/jobs/1\""));
    size_t lines = 0;
    for (const char *p = m; (p = strchr(p, '\n')) != NULL; p++)
        lines++;
    assert_true(lines < 1500);
    free(m);
    /* A second scoring run of the same leads: cache hits, no new model call. */
    call(&s, "POST", "/score", 200);
    m = scrape(&s);
    has_sample(m, "leadscore_verdict_cache_lookups_total{result=\"hit\"} 2");
    has_sample(m, "leadscore_leads_scored_total{provider=\"gemini\",ai_status=\"cached\"} 2");
    promtool_accepts(m);
    free(m);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static void test_observe__request_ids(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "ids.db", false);
    static const struct {
        const char *sent;
        bool kept;
    } cases[] = {
        {"abc-123_X.9", true},
        {"a", true},
        {"0123456789012345678901234567890123456789012345678901234567890123", true}, /* 64 */
        {"01234567890123456789012345678901234567890123456789012345678901234", false},
        {"has space", false},
        {"quote\"d", false},
        {"semi;colon", false},
        {"caf\xc3\xa9", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char h[200];
        snprintf(h, sizeof(h), "X-Request-Id: %s", cases[i].sent);
        const char *hdr[] = {h, NULL};
        struct resp r;
        assert_int_equal(h_http(&s, "GET", "/healthz", hdr, NULL, 0, &r), 0);
        char *id = h_header(&r, "X-Request-Id");
        assert_non_null(id);
        if (cases[i].kept) {
            assert_string_equal(id, cases[i].sent);
        } else {
            assert_int_equal(strlen(id), 16);
            assert_true(strspn(id, "0123456789abcdef") == 16);
        }
        free(id);
        h_resp_free(&r);
    }
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Every line of the log is one logfmt line: ts=... level=... event=..., quotes balanced. */
static void test_observe__log_lines_cannot_be_forged(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "log.db", false);
    /* A path with a quote, an escaped newline and a fake key; a hostile method. */
    call(&s, "GET", "/a%22b%0Alevel=error%20event=forged", 404);
    call(&s, "BREW", "/healthz", 405);
    const char *hdr[] = {"X-Request-Id: ok-1", NULL};
    struct resp r;
    assert_int_equal(h_http(&s, "GET", "/x\"y", hdr, NULL, 0, &r), 0);
    h_resp_free(&r);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    char *log = h_srv_log(&s);
    assert_non_null(log);
    int forged = 0, requests = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "ts=", 3) != 0 || strstr(line, " level=") == NULL ||
            strstr(line, " event=") == NULL) {
            if (strncmp(line, "==", 2) == 0)
                continue; /* sanitizer chatter, if any */
            print_error("not a logfmt line: %s\n", line);
            fail();
        }
        /* Quotes pair up once escaped ones are skipped. */
        int quotes = 0;
        for (const char *p = line; *p; p++) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                quotes++;
        }
        assert_int_equal(quotes % 2, 0);
        if (strstr(line, "event=forged") && !strstr(line, "\\nlevel=error event=forged"))
            forged++;
        requests += strstr(line, "event=http.request") != NULL;
    }
    assert_int_equal(forged, 0);
    assert_true(requests >= 3);
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_observe__live_scrape_after_real_traffic, h_fake_each),
        cmocka_unit_test(test_observe__request_ids),
        cmocka_unit_test(test_observe__log_lines_cannot_be_forged),
    };
    return cmocka_run_group_tests(tests, h_fake_group_setup, h_fake_group_teardown);
}
