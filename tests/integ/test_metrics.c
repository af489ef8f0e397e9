/*
 * test_metrics.c - the metrics registry and its Prometheus exposition:
 * exact totals from many threads at once, cumulative histogram buckets whose
 * +Inf bucket is _count, label values bounded to fixed lists and escaped,
 * all-or-nothing rendering, and `promtool check metrics` (Debian package
 * prometheus) accepting what is rendered. A missing promtool fails the test.
 */
#include "ls_test.h"
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "core/err.h"
#include "harness.h"
#include "store/store.h"
#include "sys/metrics.h"

static const char *const route_templates[] = {"/healthz", "/jobs/{id}", "/jobs/{id}"};
static const char *const route_methods[] = {"GET", "GET", "DELETE"};

static int setup(void **state)
{
    (void)state;
    ls_metrics_reset();
    ls_metrics_set_routes(route_templates, route_methods, LS_ARRAY_LEN(route_templates));
    return 0;
}

static const struct ls_metrics_gauges gauges = {
    .jobs_queued = 2,
    .jobs_running = 1,
    .queue_depth = 3,
    .connections_open = 4,
    .uptime_s = 42,
    .version = "0.1.0",
    .store_healthy = true,
};

/* The whole exposition (owned: free). */
static char *render(void)
{
    struct ls_buf b;
    ls_buf_init(&b, LS_METRICS_TEXT_MAX);
    assert_int_equal(ls_metrics_render(&gauges, &b), LS_OK);
    return ls_buf_steal(&b, NULL);
}

/*
 * The value of the sample whose name and labels are exactly series, as text
 * (static per call), or NULL when the exposition has no such line.
 */
static const char *sample(const char *text, const char *series)
{
    static char value[64];
    size_t n = strlen(series);
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > n && strncmp(p, series, n) == 0 && p[n] == ' ' && len - n - 1 < sizeof(value)) {
            memcpy(value, p + n + 1, len - n - 1);
            value[len - n - 1] = '\0';
            return value;
        }
        p += len + (eol ? 1 : 0);
    }
    return NULL;
}

static void assert_sample(const char *text, const char *series, const char *want)
{
    const char *got = sample(text, series);
    if (got == NULL || strcmp(got, want) != 0) {
        print_error("%s: want %s, got %s\n", series, want, got ? got : "(no such sample)");
        fail();
    }
}

/* Sample lines (not comments) that contain needle. */
static size_t count_samples(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char line[1024];
        if (p[0] != '#' && len < sizeof(line)) {
            memcpy(line, p, len);
            line[len] = '\0';
            if (strstr(line, needle))
                n++;
        }
        p += len + (eol ? 1 : 0);
    }
    return n;
}

/*
 * Every histogram series in text: its buckets never decrease, the last is
 * le="+Inf", and _count (two lines on, after _sum) equals it. Returns the
 * number of series checked.
 */
static size_t check_histograms(const char *text)
{
    size_t n_series = 0;
    unsigned long long prev = 0, inf = 0;
    bool in_run = false, want_count = false;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char line[1024];
        assert_true(len < sizeof(line));
        memcpy(line, p, len);
        line[len] = '\0';
        p += len + (eol ? 1 : 0);
        const char *sp = strrchr(line, ' ');
        if (line[0] == '#' || sp == NULL)
            continue;
        unsigned long long v = strtoull(sp + 1, NULL, 10);
        if (strstr(line, "_bucket{")) {
            assert_true(!in_run || v >= prev);
            in_run = true;
            prev = v;
            if (strstr(line, "le=\"+Inf\"")) {
                in_run = false;
                want_count = true;
                inf = v;
                n_series++;
            }
        } else if (want_count && (strstr(line, "_count{") || strstr(line, "_count "))) {
            assert_int_equal(v, inf);
            want_count = false;
        } else {
            assert_false(in_run); /* a run of buckets ended without +Inf */
            assert_true(!want_count || strstr(line, "_sum{") || strstr(line, "_sum "));
        }
    }
    assert_false(in_run);
    assert_false(want_count);
    return n_series;
}

/*
 * Pipes text into `promtool check metrics` and fails the test unless it
 * exits 0 and prints nothing (lint findings are printed and exit non-zero).
 */
static void assert_promtool_accepts(const char *text)
{
    char out_path[600], cmd[700];
    h_path(out_path, sizeof(out_path), "promtool.out");
    snprintf(cmd, sizeof(cmd), "promtool check metrics >'%s' 2>&1", out_path);
    /* If promtool is missing the pipe closes early: a write error, not a SIGPIPE death. */
    signal(SIGPIPE, SIG_IGN);
    FILE *f = popen(cmd, "w");
    assert_non_null(f);
    size_t len = strlen(text);
    bool is_written = fwrite(text, 1, len, f) == len;
    int st = pclose(f);
    size_t out_len = 0;
    char *out = h_read_file(out_path, &out_len);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
        print_error("promtool not found: install the Debian package prometheus "
                    "(scripts/install-deps): %s\n",
                    out ? out : "");
        free(out);
        fail();
    }
    if (!is_written || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || out_len != 0) {
        print_error("promtool check metrics: status %d, output:\n%s\n--- input:\n%s\n",
                    WIFEXITED(st) ? WEXITSTATUS(st) : -1, out ? out : "", text);
        free(out);
        fail();
    }
    free(out);
}

/* ---- exact totals -------------------------------------------------------- */

#define N_THREADS 4
#define N_EACH    100000

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < N_EACH; i++) {
        ls_metrics_http_request(1, 200, 0.003, 10, 20);
        ls_metrics_leads_scored("gemini", "ok", 1);
        ls_metrics_cache(1, 2);
        ls_metrics_model_request("openai", 429, 0.2, true);
        ls_metrics_model_tokens("openai", 3, 5);
        ls_metrics_store_op("results_put", 0.0002, i % 10 != 0);
    }
    return NULL;
}

static void test_metrics__threads_add_up_exactly(void **state)
{
    (void)state;
    pthread_t t[N_THREADS];
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);

    char *text = render();
    assert_sample(
        text, "leadscore_http_requests_total{route=\"/jobs/{id}\",method=\"GET\",status=\"200\"}",
        "400000");
    assert_sample(text, "leadscore_http_request_bytes_total", "4000000");
    assert_sample(text, "leadscore_http_response_bytes_total", "8000000");
    const char *h = "leadscore_http_request_duration_seconds";
    char s[256];
    snprintf(s, sizeof(s), "%s_bucket{route=\"/jobs/{id}\",method=\"GET\",le=\"0.0025\"}", h);
    assert_sample(text, s, "0");
    snprintf(s, sizeof(s), "%s_bucket{route=\"/jobs/{id}\",method=\"GET\",le=\"0.005\"}", h);
    assert_sample(text, s, "400000");
    snprintf(s, sizeof(s), "%s_count{route=\"/jobs/{id}\",method=\"GET\"}", h);
    assert_sample(text, s, "400000");
    snprintf(s, sizeof(s), "%s_sum{route=\"/jobs/{id}\",method=\"GET\"}", h);
    assert_sample(text, s, "1200");
    /* The other routes were not used: no series. */
    assert_int_equal(count_samples(text, "route=\"/healthz\""), 0);
    assert_int_equal(count_samples(text, "method=\"DELETE\""), 0);

    assert_sample(text, "leadscore_leads_scored_total{provider=\"gemini\",ai_status=\"ok\"}",
                  "400000");
    assert_sample(text, "leadscore_verdict_cache_lookups_total{result=\"hit\"}", "400000");
    assert_sample(text, "leadscore_verdict_cache_lookups_total{result=\"miss\"}", "800000");
    assert_sample(text, "leadscore_model_requests_total{provider=\"openai\",status=\"429\"}",
                  "400000");
    assert_sample(text, "leadscore_model_retries_total{provider=\"openai\"}", "400000");
    assert_sample(text, "leadscore_model_rate_limited_total{provider=\"openai\"}", "400000");
    assert_sample(text, "leadscore_model_tokens_total{provider=\"openai\",direction=\"in\"}",
                  "1200000");
    assert_sample(text, "leadscore_model_tokens_total{provider=\"openai\",direction=\"out\"}",
                  "2000000");
    assert_sample(text, "leadscore_model_request_duration_seconds_sum{provider=\"openai\"}",
                  "80000");
    assert_sample(text, "leadscore_store_operation_duration_seconds_count{op=\"results_put\"}",
                  "400000");
    assert_sample(text, "leadscore_store_operation_duration_seconds_sum{op=\"results_put\"}", "80");
    assert_sample(text, "leadscore_store_errors_total{op=\"results_put\"}", "40000");
    assert_int_equal(check_histograms(text), 3);
    assert_promtool_accepts(text);
    free(text);
}

/* ---- histograms ---------------------------------------------------------- */

static void test_metrics__buckets_are_cumulative_and_inf_is_count(void **state)
{
    (void)state;
    /* A value on a bound falls in that bucket (le is "less or equal"). */
    static const double obs[] = {0.001, 0.0011, 0.5, 7, 100, -1, NAN};
    for (size_t i = 0; i < LS_ARRAY_LEN(obs); i++)
        ls_metrics_http_request(0, 200, obs[i], 0, 0);
    static const struct {
        const char *le, *want;
    } cases[] = {
        {"0.001", "3"}, {"0.0025", "4"}, {"0.005", "4"}, {"0.01", "4"}, {"0.025", "4"},
        {"0.05", "4"},  {"0.1", "4"},    {"0.25", "4"},  {"0.5", "5"},  {"1", "5"},
        {"2.5", "5"},   {"5", "5"},      {"10", "6"},    {"+Inf", "7"},
    };
    char *text = render();
    const char *h = "leadscore_http_request_duration_seconds";
    char s[256];
    for (size_t i = 0; i < LS_ARRAY_LEN(cases); i++) {
        snprintf(s, sizeof(s), "%s_bucket{route=\"/healthz\",method=\"GET\",le=\"%s\"}", h,
                 cases[i].le);
        assert_sample(text, s, cases[i].want);
    }
    assert_int_equal(count_samples(text, "_bucket{route=\"/healthz\""), LS_ARRAY_LEN(cases));
    snprintf(s, sizeof(s), "%s_count{route=\"/healthz\",method=\"GET\"}", h);
    assert_sample(text, s, "7");
    snprintf(s, sizeof(s), "%s_sum{route=\"/healthz\",method=\"GET\"}", h);
    assert_sample(text, s, "107.5021"); /* negative and NaN durations add 0 */
    free(text);

    ls_metrics_model_request("gemini", 200, 60, false);
    ls_metrics_model_request("gemini", 0, 61, false);
    ls_metrics_store_op("offer_get", 0.0001, true);
    ls_metrics_store_op("offer_get", 2, true);
    text = render();
    const char *m = "leadscore_model_request_duration_seconds_bucket{provider=\"gemini\",le=";
    snprintf(s, sizeof(s), "%s\"30\"}", m);
    assert_sample(text, s, "0");
    snprintf(s, sizeof(s), "%s\"60\"}", m);
    assert_sample(text, s, "1");
    snprintf(s, sizeof(s), "%s\"+Inf\"}", m);
    assert_sample(text, s, "2");
    assert_sample(text, "leadscore_model_requests_total{provider=\"gemini\",status=\"error\"}",
                  "1");
    assert_sample(text, "leadscore_model_requests_total{provider=\"gemini\",status=\"200\"}", "1");
    const char *st = "leadscore_store_operation_duration_seconds_bucket{op=\"offer_get\",le=";
    snprintf(s, sizeof(s), "%s\"0.0001\"}", st);
    assert_sample(text, s, "1");
    snprintf(s, sizeof(s), "%s\"1\"}", st);
    assert_sample(text, s, "1");
    snprintf(s, sizeof(s), "%s\"+Inf\"}", st);
    assert_sample(text, s, "2");
    assert_sample(text, "leadscore_store_operation_duration_seconds_sum{op=\"offer_get\"}",
                  "2.0001");
    assert_int_equal(count_samples(text, "leadscore_store_errors_total{"), 0);
    assert_int_equal(check_histograms(text), 3);
    free(text);
}

/* ---- bounded labels ------------------------------------------------------ */

static void test_metrics__unknown_values_collapse_to_other(void **state)
{
    (void)state;
    for (int i = 0; i < 10000; i++) {
        char p[32];
        snprintf(p, sizeof(p), "prov-%d", i);
        ls_metrics_leads_scored(p, "ok", 1);
        ls_metrics_model_request(p, 200, 0.1, false);
        ls_metrics_model_tokens(p, 1, 1);
        ls_metrics_store_op(p, 0.001, false);
        ls_metrics_http_refused(p);
        ls_metrics_job_finished(p);
        ls_metrics_leads_scored("offline", p, 1);
        ls_metrics_http_request(1000 + i, 200, 0.01, 0, 0);
        ls_metrics_http_request(0, (unsigned)(600 + i), 0.01, 0, 0);
        ls_metrics_model_request("gemini", 1000 + i, 0.1, false);
    }
    ls_metrics_leads_scored(NULL, NULL, 1);
    ls_metrics_http_request(-1, 299, 0.01, 0, 0);

    char *text = render();
    assert_int_equal(count_samples(text, "prov-"), 0);
    assert_int_equal(count_samples(text, "leadscore_leads_scored_total{"), 3);
    assert_sample(text, "leadscore_leads_scored_total{provider=\"other\",ai_status=\"ok\"}",
                  "10000");
    assert_sample(text, "leadscore_leads_scored_total{provider=\"offline\",ai_status=\"other\"}",
                  "10000");
    assert_sample(text, "leadscore_leads_scored_total{provider=\"other\",ai_status=\"other\"}",
                  "1");
    assert_int_equal(count_samples(text, "leadscore_model_requests_total{"), 2);
    assert_sample(text, "leadscore_model_requests_total{provider=\"other\",status=\"200\"}",
                  "10000");
    assert_sample(text, "leadscore_model_requests_total{provider=\"gemini\",status=\"other\"}",
                  "10000");
    assert_sample(text, "leadscore_model_tokens_total{provider=\"other\",direction=\"in\"}",
                  "10000");
    assert_sample(text, "leadscore_model_request_duration_seconds_count{provider=\"other\"}",
                  "10000");
    assert_sample(text, "leadscore_store_errors_total{op=\"other\"}", "10000");
    assert_sample(text, "leadscore_store_operation_duration_seconds_count{op=\"other\"}", "10000");
    assert_sample(text, "leadscore_http_connections_refused_total{reason=\"other\"}", "10000");
    assert_sample(text, "leadscore_jobs_finished_total{status=\"other\"}", "10000");
    assert_sample(
        text,
        "leadscore_http_requests_total{route=\"unmatched\",method=\"unknown\",status=\"200\"}",
        "10000");
    assert_sample(
        text,
        "leadscore_http_requests_total{route=\"unmatched\",method=\"unknown\",status=\"other\"}",
        "1");
    assert_sample(
        text, "leadscore_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"other\"}",
        "10000");
    /* 40,000 distinct label values in, a few dozen lines out. */
    assert_true(count_samples(text, "leadscore_") < 120);
    assert_promtool_accepts(text);
    free(text);
}

static void test_metrics__known_values_keep_their_labels(void **state)
{
    (void)state;
    ls_metrics_http_refused("busy");
    ls_metrics_http_refused("per_ip");
    ls_metrics_job_finished("succeeded");
    ls_metrics_job_finished("failed");
    ls_metrics_job_finished("cancelled");
    ls_metrics_upload(true, 5, 2);
    ls_metrics_upload(false, 0, 1);
    ls_metrics_store_op("verdicts_get", 0.001, true);
    ls_metrics_store_op("job_find_resumable", 0.001, false);
    ls_metrics_http_request(2, 204, 0.01, 0, 0);
    char *text = render();
    assert_sample(text, "leadscore_http_connections_refused_total{reason=\"busy\"}", "1");
    assert_sample(text, "leadscore_http_connections_refused_total{reason=\"per_ip\"}", "1");
    assert_sample(text, "leadscore_jobs_finished_total{status=\"succeeded\"}", "1");
    assert_sample(text, "leadscore_jobs_finished_total{status=\"failed\"}", "1");
    assert_sample(text, "leadscore_jobs_finished_total{status=\"cancelled\"}", "1");
    assert_sample(text, "leadscore_uploads_total{result=\"ok\"}", "1");
    assert_sample(text, "leadscore_uploads_total{result=\"failed\"}", "1");
    assert_sample(text, "leadscore_upload_rows_total{outcome=\"accepted\"}", "5");
    assert_sample(text, "leadscore_upload_rows_total{outcome=\"rejected\"}", "3");
    assert_sample(text, "leadscore_store_operation_duration_seconds_count{op=\"verdicts_get\"}",
                  "1");
    assert_sample(text, "leadscore_store_errors_total{op=\"job_find_resumable\"}", "1");
    assert_sample(
        text,
        "leadscore_http_requests_total{route=\"/jobs/{id}\",method=\"DELETE\",status=\"204\"}",
        "1");
    free(text);
}

static void test_metrics__label_values_are_escaped(void **state)
{
    (void)state;
    static const char *const tpl[] = {"/a\"b", "/c\\d", "/e\nf", "/bad\xff\xfe", "/caf\xc3\xa9"};
    static const char *const met[] = {"GET", "GET", "GET", "GET", "GET"};
    ls_metrics_set_routes(tpl, met, LS_ARRAY_LEN(tpl));
    for (int r = 0; r < (int)LS_ARRAY_LEN(tpl); r++)
        ls_metrics_http_request(r, 200, 0.01, 0, 0);
    char *text = render();
    static const char *const want[] = {
        "route=\"/a\\\"b\"",      "route=\"/c\\\\d\"",
        "route=\"/e\\nf\"",       "route=\"/bad\xef\xbf\xbd\xef\xbf\xbd\"",
        "route=\"/caf\xc3\xa9\"",
    };
    for (size_t i = 0; i < LS_ARRAY_LEN(want); i++) {
        char s[128];
        snprintf(s, sizeof(s), "leadscore_http_requests_total{%s,method=\"GET\",status=\"200\"}",
                 want[i]);
        assert_sample(text, s, "1");
    }
    assert_promtool_accepts(text);
    free(text);
}

static void test_metrics__routes_past_the_maximum_are_unmatched(void **state)
{
    (void)state;
    static const char *tpl[LS_METRICS_ROUTES_MAX + 2];
    static const char *met[LS_METRICS_ROUTES_MAX + 2];
    static char names[LS_METRICS_ROUTES_MAX + 2][16];
    for (size_t i = 0; i < LS_ARRAY_LEN(tpl); i++) {
        snprintf(names[i], sizeof(names[i]), "/r%zu", i);
        tpl[i] = names[i];
        met[i] = "GET";
    }
    ls_metrics_set_routes(tpl, met, LS_ARRAY_LEN(tpl));
    ls_metrics_http_request(LS_METRICS_ROUTES_MAX - 1, 200, 0.01, 0, 0);
    ls_metrics_http_request(LS_METRICS_ROUTES_MAX, 200, 0.01, 0, 0);
    ls_metrics_http_request(LS_METRICS_ROUTES_MAX + 1, 200, 0.01, 0, 0);
    char *text = render();
    char s[128];
    snprintf(s, sizeof(s),
             "leadscore_http_requests_total{route=\"/r%d\",method=\"GET\",status=\"200\"}",
             LS_METRICS_ROUTES_MAX - 1);
    assert_sample(text, s, "1");
    assert_sample(
        text,
        "leadscore_http_requests_total{route=\"unmatched\",method=\"unknown\",status=\"200\"}",
        "2");
    free(text);
}

/* ---- the exposition as a whole ------------------------------------------- */

static const char *const families[] = {
    "counter leadscore_http_requests_total",
    "histogram leadscore_http_request_duration_seconds",
    "counter leadscore_http_request_bytes_total",
    "counter leadscore_http_response_bytes_total",
    "counter leadscore_http_connections_refused_total",
    "gauge leadscore_http_connections_open",
    "counter leadscore_uploads_total",
    "counter leadscore_upload_rows_total",
    "counter leadscore_jobs_finished_total",
    "gauge leadscore_jobs",
    "gauge leadscore_job_queue_depth",
    "counter leadscore_leads_scored_total",
    "counter leadscore_model_requests_total",
    "histogram leadscore_model_request_duration_seconds",
    "counter leadscore_model_retries_total",
    "counter leadscore_model_rate_limited_total",
    "counter leadscore_model_tokens_total",
    "counter leadscore_verdict_cache_lookups_total",
    "histogram leadscore_store_operation_duration_seconds",
    "counter leadscore_store_errors_total",
    "gauge leadscore_store_healthy",
    "gauge leadscore_uptime_seconds",
    "gauge leadscore_build_info",
};

static void test_metrics__fresh_scrape_has_every_family_and_no_unseen_series(void **state)
{
    (void)state;
    char *text = render();
    for (size_t i = 0; i < LS_ARRAY_LEN(families); i++) {
        char type[32], name[96], line[160];
        assert_int_equal(sscanf(families[i], "%31s %95s", type, name), 2);
        snprintf(line, sizeof(line), "\n# TYPE %s %s\n", name, type);
        if (strstr(text, line) == NULL) {
            print_error("missing %s", line);
            fail();
        }
        snprintf(line, sizeof(line), "# HELP %s ", name);
        assert_non_null(strstr(text, line));
    }
    /* Labelled series only for the gauges read at scrape time. */
    assert_int_equal(count_samples(text, "{"), 3);
    assert_sample(text, "leadscore_build_info{version=\"0.1.0\"}", "1");
    assert_sample(text, "leadscore_jobs{status=\"queued\"}", "2");
    assert_sample(text, "leadscore_jobs{status=\"running\"}", "1");
    assert_sample(text, "leadscore_job_queue_depth", "3");
    assert_sample(text, "leadscore_http_connections_open", "4");
    assert_sample(text, "leadscore_uptime_seconds", "42");
    assert_sample(text, "leadscore_store_healthy", "1");
    assert_sample(text, "leadscore_http_request_bytes_total", "0");
    assert_sample(text, "leadscore_http_response_bytes_total", "0");
    assert_promtool_accepts(text);
    free(text);

    struct ls_metrics_gauges g = {.queue_depth = -1, .version = NULL, .store_healthy = false};
    struct ls_buf b;
    ls_buf_init(&b, LS_METRICS_TEXT_MAX);
    assert_int_equal(ls_metrics_render(&g, &b), LS_OK);
    assert_sample(ls_buf_str(&b), "leadscore_build_info{version=\"unknown\"}", "1");
    assert_sample(ls_buf_str(&b), "leadscore_store_healthy", "0");
    assert_sample(ls_buf_str(&b), "leadscore_job_queue_depth", "-1");
    ls_buf_release(&b);
}

static void test_metrics__reset_zeroes_everything(void **state)
{
    (void)state;
    ls_metrics_http_request(0, 200, 0.01, 1, 1);
    ls_metrics_model_request("gemini", 429, 1, true);
    ls_metrics_store_op("offer_put", 0.01, false);
    ls_metrics_cache(1, 1);
    ls_metrics_reset();
    char *text = render();
    assert_int_equal(count_samples(text, "{"), 3); /* the scrape-time gauges */
    assert_sample(text, "leadscore_http_request_bytes_total", "0");
    free(text);
}

/* Records every known label value of every family, on every route slot. */
static void record_everything(void)
{
    static const unsigned http[] = {200, 201, 202, 204, 304, 400, 401, 403, 404, 405,
                                    408, 409, 410, 413, 414, 415, 417, 421, 422, 429,
                                    431, 500, 502, 503, 504, 505, 507, 599};
    static const long model[] = {0, 200, 400, 401, 403, 404, 408, 429, 500, 502, 503, 504, 418};
    static const char *const prov[] = {"offline", "gemini", "openai", "x"};
    static const char *const ai[] = {"ok", "cached", "fallback", "blocked", "x"};
    static const char *const ops[] = {"instance",
                                      "health",
                                      "workspace_ensure",
                                      "key_create",
                                      "key_lookup",
                                      "keys_list",
                                      "key_revoke",
                                      "keys_active",
                                      "key_touch",
                                      "offer_put",
                                      "offer_get",
                                      "offer_find",
                                      "offers_list",
                                      "offer_delete",
                                      "upload_begin",
                                      "upload_add",
                                      "upload_reject",
                                      "upload_commit",
                                      "upload_abort",
                                      "upload_get",
                                      "upload_find",
                                      "uploads_list",
                                      "upload_errors",
                                      "upload_leads",
                                      "upload_delete",
                                      "current",
                                      "job_create",
                                      "job_get",
                                      "jobs_list",
                                      "job_find_resumable",
                                      "job_claim",
                                      "job_finish",
                                      "job_release",
                                      "job_resume",
                                      "job_warn",
                                      "job_cancel",
                                      "job_stopped",
                                      "jobs_counts",
                                      "job_delete",
                                      "leads_pending",
                                      "results_put",
                                      "verdicts_get",
                                      "results_page",
                                      "results_query",
                                      "results_hist",
                                      "results_texts",
                                      "leads_order",
                                      "results_get",
                                      "purge",
                                      "cache_trim",
                                      "session_create",
                                      "session_lookup",
                                      "session_delete",
                                      "sessions_expire",
                                      "x"};
    for (int r = -1; r < LS_METRICS_ROUTES_MAX; r++) {
        for (size_t s = 0; s < LS_ARRAY_LEN(http); s++)
            ls_metrics_http_request(r, http[s], 1e-4 * (double)s, 100, 1000);
    }
    ls_metrics_http_refused("busy");
    ls_metrics_http_refused("per_ip");
    ls_metrics_http_refused("x");
    ls_metrics_upload(true, 10, 1);
    ls_metrics_upload(false, 0, 0);
    ls_metrics_job_finished("succeeded");
    ls_metrics_job_finished("failed");
    ls_metrics_job_finished("cancelled");
    ls_metrics_job_finished("x");
    for (size_t p = 0; p < LS_ARRAY_LEN(prov); p++) {
        for (size_t a = 0; a < LS_ARRAY_LEN(ai); a++)
            ls_metrics_leads_scored(prov[p], ai[a], 3);
        for (size_t s = 0; s < LS_ARRAY_LEN(model); s++)
            ls_metrics_model_request(prov[p], model[s], 0.7 * (double)s, s % 2 == 1);
        ls_metrics_model_tokens(prov[p], 100, 20);
    }
    ls_metrics_cache(7, 3);
    for (size_t i = 0; i < LS_ARRAY_LEN(ops); i++) {
        ls_metrics_store_op(ops[i], 1e-4 * (double)i, true);
        ls_metrics_store_op(ops[i], 0.3, false);
    }
}

static void test_metrics__every_store_op_has_a_label(void **state)
{
    (void)state;
    /*
     * struct ls_store_ops is name, close and the 63 operations metrics.c
     * names; an operation added there needs its name added there too, or it
     * is counted as op="other".
     */
    assert_int_equal(sizeof(struct ls_store_ops), (2 + 63) * sizeof(void *));
    ls_metrics_store_op("results_query", 0.001, true);
    ls_metrics_store_op("close", 0.001, true);
    char *text = render();
    assert_sample(text, "leadscore_store_operation_duration_seconds_count{op=\"results_query\"}",
                  "1");
    assert_sample(text, "leadscore_store_operation_duration_seconds_count{op=\"other\"}", "1");
    free(text);
}

static void test_metrics__promtool_accepts_a_full_scrape(void **state)
{
    (void)state;
    record_everything();
    char *text = render();
    assert_int_equal(check_histograms(text), 3 + 1 + 4 + 55);
    assert_promtool_accepts(text);
    free(text);
}

static void test_metrics__largest_exposition_fits_the_cap(void **state)
{
    (void)state;
    /* Every route's template and method take 128 bytes, as the cap allows for. */
    static char names[LS_METRICS_ROUTES_MAX][121];
    static const char *tpl[LS_METRICS_ROUTES_MAX], *met[LS_METRICS_ROUTES_MAX];
    for (size_t i = 0; i < LS_METRICS_ROUTES_MAX; i++) {
        memset(names[i], 'x', sizeof(names[i]) - 1);
        names[i][0] = '/';
        names[i][1] = (char)('A' + i % 26);
        names[i][2] = (char)('A' + i / 26);
        tpl[i] = names[i];
        met[i] = "OPTIONS"; /* 7 bytes, + 120 + 1 spare */
    }
    ls_metrics_set_routes(tpl, met, LS_METRICS_ROUTES_MAX);
    record_everything();
    ls_metrics_http_request(0, 200, 0.01, UINT64_MAX / 4, 0); /* long numbers */
    struct ls_buf b;
    ls_buf_init(&b, LS_METRICS_TEXT_MAX);
    assert_int_equal(ls_metrics_render(&gauges, &b), LS_OK);
    print_message("largest exposition: %zu bytes of %d\n", b.len, LS_METRICS_TEXT_MAX);
    assert_true(b.len < LS_METRICS_TEXT_MAX);
    assert_int_equal(check_histograms(ls_buf_str(&b)), LS_METRICS_ROUTES_MAX + 1 + 4 + 55);
    assert_promtool_accepts(ls_buf_str(&b));
    ls_buf_release(&b);
}

static void test_metrics__render_is_all_or_nothing(void **state)
{
    (void)state;
    record_everything();
    struct ls_buf b;
    ls_buf_init(&b, 4096);
    assert_int_equal(ls_buf_adds(&b, "before"), LS_OK);
    assert_int_equal(ls_metrics_render(&gauges, &b), LS_ELIMIT);
    assert_string_equal(ls_buf_str(&b), "before");
    assert_int_equal(b.len, 6);
    ls_buf_release(&b);

    /* An empty buffer with no room at all stays empty. */
    ls_buf_init(&b, 0);
    assert_int_equal(ls_metrics_render(&gauges, &b), LS_ELIMIT);
    assert_string_equal(ls_buf_str(&b), "");
    ls_buf_release(&b);

    /* Appending keeps what was there. */
    ls_buf_init(&b, LS_METRICS_TEXT_MAX);
    assert_int_equal(ls_buf_adds(&b, "x"), LS_OK);
    assert_int_equal(ls_metrics_render(&gauges, &b), LS_OK);
    assert_true(strncmp(ls_buf_str(&b), "x# HELP ", 8) == 0);
    ls_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_metrics__threads_add_up_exactly, setup),
        cmocka_unit_test_setup(test_metrics__buckets_are_cumulative_and_inf_is_count, setup),
        cmocka_unit_test_setup(test_metrics__unknown_values_collapse_to_other, setup),
        cmocka_unit_test_setup(test_metrics__known_values_keep_their_labels, setup),
        cmocka_unit_test_setup(test_metrics__label_values_are_escaped, setup),
        cmocka_unit_test_setup(test_metrics__routes_past_the_maximum_are_unmatched, setup),
        cmocka_unit_test_setup(test_metrics__fresh_scrape_has_every_family_and_no_unseen_series,
                               setup),
        cmocka_unit_test_setup(test_metrics__reset_zeroes_everything, setup),
        cmocka_unit_test_setup(test_metrics__every_store_op_has_a_label, setup),
        cmocka_unit_test_setup(test_metrics__promtool_accepts_a_full_scrape, setup),
        cmocka_unit_test_setup(test_metrics__largest_exposition_fits_the_cap, setup),
        cmocka_unit_test_setup(test_metrics__render_is_all_or_nothing, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
