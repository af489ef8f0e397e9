/*
 * metrics.c - process-wide counters and histograms, and their Prometheus
 * text exposition (format 0.0.4).
 *
 * Recording never locks or allocates: every label value is mapped to a small
 * index into a fixed list (anything else counts as "other"), and each sample
 * is one or two relaxed atomic adds on a fixed array, so the number of series
 * is bounded whatever the traffic. A histogram stores one count per bucket
 * (not cumulative) and its sum in integer nanoseconds; the scrape makes the
 * buckets cumulative and takes _count from the +Inf bucket, so the two always
 * agree even while requests are being recorded.
 */
#include "metrics.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"

typedef _Atomic uint64_t counter;

/* ---- label value lists --------------------------------------------------- */

static const unsigned http_codes[] = {200, 201, 202, 204, 304, 400, 401, 403, 404,
                                      405, 408, 409, 410, 413, 414, 415, 417, 421,
                                      422, 429, 431, 500, 502, 503, 504, 505, 507};
static const char *const http_code_names[] = {"200", "201", "202", "204", "304", "400", "401",
                                              "403", "404", "405", "408", "409", "410", "413",
                                              "414", "415", "417", "421", "422", "429", "431",
                                              "500", "502", "503", "504", "505", "507"};
#define N_HTTP_CODES  LS_ARRAY_LEN(http_codes)
#define N_HTTP_STATUS (N_HTTP_CODES + 1) /* the last is "other" */
_Static_assert(LS_ARRAY_LEN(http_code_names) == N_HTTP_CODES, "one name per HTTP status");

/* Model HTTP statuses: 0 (no response) is "error". */
static const long model_codes[] = {0, 200, 400, 401, 403, 404, 408, 429, 500, 502, 503, 504};
static const char *const model_code_names[] = {"error", "200", "400", "401", "403", "404",
                                               "408",   "429", "500", "502", "503", "504"};
#define N_MODEL_CODES  LS_ARRAY_LEN(model_codes)
#define N_MODEL_STATUS (N_MODEL_CODES + 1)
_Static_assert(LS_ARRAY_LEN(model_code_names) == N_MODEL_CODES, "one name per model status");

/* Each list ends with "other", where every unknown value is counted. */
static const char *const providers[] = {"offline", "gemini", "openai", "other"};
static const char *const ai_statuses[] = {"ok",      "cached",    "fallback",
                                          "blocked", "duplicate", "other"};
static const char *const refuse_reasons[] = {"busy", "per_ip", "other"};
static const char *const job_statuses[] = {"succeeded", "failed", "cancelled", "other"};

/* The operations of struct ls_store_ops (store/store.h), in its order. */
static const char *const store_ops[] = {"instance",       "health",         "workspace_ensure",
                                        "key_create",     "key_lookup",     "keys_list",
                                        "key_revoke",     "keys_active",    "key_touch",
                                        "offer_put",      "offer_get",      "offer_find",
                                        "offers_list",    "offer_delete",   "upload_begin",
                                        "upload_add",     "upload_reject",  "upload_commit",
                                        "upload_abort",   "upload_get",     "upload_find",
                                        "uploads_list",   "upload_errors",  "upload_leads",
                                        "upload_delete",  "current",        "job_create",
                                        "job_get",        "jobs_list",      "job_find_resumable",
                                        "job_claim",      "job_finish",     "job_release",
                                        "job_resume",     "job_warn",       "job_cancel",
                                        "job_stopped",    "jobs_counts",    "job_delete",
                                        "leads_pending",  "results_put",    "verdicts_get",
                                        "results_page",   "results_query",  "results_hist",
                                        "results_texts",  "leads_order",    "results_get",
                                        "batch_create",   "batch_update",   "batches_list",
                                        "batch_items",    "batch_delete",   "batches_orphaned",
                                        "purge",          "cache_trim",     "session_create",
                                        "session_lookup", "session_delete", "sessions_expire",
                                        "learnt_get",     "learnt_put",     "job_ai_set",
                                        "other"};

#define N_PROVIDERS LS_ARRAY_LEN(providers)
#define N_AI_STATUS LS_ARRAY_LEN(ai_statuses)
#define N_REFUSE    LS_ARRAY_LEN(refuse_reasons)
#define N_JOB_FINAL LS_ARRAY_LEN(job_statuses)
#define N_STORE_OPS LS_ARRAY_LEN(store_ops)

/* Index of s in list (n entries, the last "other"); unknown and NULL map to the last. */
static size_t label_index(const char *const *list, size_t n, const char *s)
{
    if (s) {
        for (size_t i = 0; i + 1 < n; i++) {
            if (strcmp(list[i], s) == 0)
                return i;
        }
    }
    return n - 1;
}

static size_t http_status_index(unsigned status)
{
    for (size_t i = 0; i < N_HTTP_CODES; i++) {
        if (http_codes[i] == status)
            return i;
    }
    return N_HTTP_CODES;
}

static size_t model_status_index(long status)
{
    for (size_t i = 0; i < N_MODEL_CODES; i++) {
        if (model_codes[i] == status)
            return i;
    }
    return N_MODEL_CODES;
}

/* ---- histogram buckets --------------------------------------------------- */

/* Upper bounds (le) as numbers for recording and as text for the scrape. */
struct bounds {
    const double *le;
    const char *const *text;
    size_t n; /* finite bounds; a row has n + 1 slots, the last for +Inf */
};

static const double http_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                 0.25,  0.5,    1,     2.5,  5,     10};
static const char *const http_le_text[] = {"0.001", "0.0025", "0.005", "0.01", "0.025",
                                           "0.05",  "0.1",    "0.25",  "0.5",  "1",
                                           "2.5",   "5",      "10"};
static const double model_le[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
static const char *const model_le_text[] = {"0.05", "0.1", "0.25", "0.5", "1",
                                            "2.5",  "5",   "10",   "30",  "60"};
static const double store_le[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                  0.01,   0.025,   0.05,   0.1,   0.5,    1};
static const char *const store_le_text[] = {"0.0001", "0.00025", "0.0005", "0.001",
                                            "0.0025", "0.005",   "0.01",   "0.025",
                                            "0.05",   "0.1",     "0.5",    "1"};

#define HTTP_NB  LS_ARRAY_LEN(http_le)
#define MODEL_NB LS_ARRAY_LEN(model_le)
#define STORE_NB LS_ARRAY_LEN(store_le)
_Static_assert(LS_ARRAY_LEN(http_le_text) == HTTP_NB, "one text per bound");
_Static_assert(LS_ARRAY_LEN(model_le_text) == MODEL_NB, "one text per bound");
_Static_assert(LS_ARRAY_LEN(store_le_text) == STORE_NB, "one text per bound");

static const struct bounds http_bounds = {http_le, http_le_text, HTTP_NB};
static const struct bounds model_bounds = {model_le, model_le_text, MODEL_NB};
static const struct bounds store_bounds = {store_le, store_le_text, STORE_NB};

/*
 * Adds one observation to row (bd->n + 1 bucket counts) and to *sum_ns. The
 * bucket is the first whose bound is >= seconds (Prometheus' le). Negative
 * and NaN durations count as 0; absurd ones are clamped so the nanosecond
 * conversion cannot overflow.
 */
static void hist_observe(counter *row, counter *sum_ns, const struct bounds *bd, double seconds)
{
    if (!(seconds > 0))
        seconds = 0;
    if (seconds > 1e9)
        seconds = 1e9;
    size_t i = 0;
    while (i < bd->n && seconds > bd->le[i])
        i++;
    atomic_fetch_add_explicit(&row[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(sum_ns, (uint64_t)llround(seconds * 1e9), memory_order_relaxed);
}

/* ---- the samples --------------------------------------------------------- */

#define N_ROUTE_SLOTS (LS_METRICS_ROUTES_MAX + 1)
#define UNMATCHED     LS_METRICS_ROUTES_MAX /* slot of requests no route matched */

/* Route table: set once at start, published by the release store of n_routes. */
static const char *const *route_templates;
static const char *const *route_methods;
static _Atomic size_t n_routes;

static counter http_requests[N_ROUTE_SLOTS][N_HTTP_STATUS];
static counter http_hist[N_ROUTE_SLOTS][HTTP_NB + 1];
static counter http_sum_ns[N_ROUTE_SLOTS];
static counter http_bytes_in, http_bytes_out;
static counter http_refused[N_REFUSE];

static counter uploads[2];     /* ok, failed */
static counter upload_rows[2]; /* accepted, rejected */
static counter jobs_finished[N_JOB_FINAL];
static counter leads_scored[N_PROVIDERS][N_AI_STATUS];

static counter model_requests[N_PROVIDERS][N_MODEL_STATUS];
static counter model_hist[N_PROVIDERS][MODEL_NB + 1];
static counter model_sum_ns[N_PROVIDERS];
static counter model_retries[N_PROVIDERS];
static counter model_rate_limited[N_PROVIDERS];
static counter model_tokens[N_PROVIDERS][2]; /* in, out */

static counter cache_lookups[2]; /* hit, miss */

static counter store_hist[N_STORE_OPS][STORE_NB + 1];
static counter store_sum_ns[N_STORE_OPS];
static counter store_errors[N_STORE_OPS];

static void add(counter *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t get(counter *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

/* ---- recording ----------------------------------------------------------- */

void ls_metrics_set_routes(const char *const *templates, const char *const *methods, size_t n)
{
    route_templates = templates;
    route_methods = methods;
    atomic_store_explicit(&n_routes, n < LS_METRICS_ROUTES_MAX ? n : LS_METRICS_ROUTES_MAX,
                          memory_order_release);
}

void ls_metrics_http_request(int route, unsigned status, double seconds, uint64_t bytes_in,
                             uint64_t bytes_out)
{
    /* An index the table does not name (also: no table yet) is unmatched. */
    size_t r = UNMATCHED;
    if (route >= 0 && (size_t)route < atomic_load_explicit(&n_routes, memory_order_relaxed))
        r = (size_t)route;
    add(&http_requests[r][http_status_index(status)], 1);
    hist_observe(http_hist[r], &http_sum_ns[r], &http_bounds, seconds);
    add(&http_bytes_in, bytes_in);
    add(&http_bytes_out, bytes_out);
}

void ls_metrics_http_refused(const char *reason)
{
    add(&http_refused[label_index(refuse_reasons, N_REFUSE, reason)], 1);
}

void ls_metrics_upload(bool ok, uint64_t rows_accepted, uint64_t rows_rejected)
{
    add(&uploads[ok ? 0 : 1], 1);
    add(&upload_rows[0], rows_accepted);
    add(&upload_rows[1], rows_rejected);
}

void ls_metrics_job_finished(const char *status)
{
    add(&jobs_finished[label_index(job_statuses, N_JOB_FINAL, status)], 1);
}

void ls_metrics_leads_scored(const char *provider, const char *ai_status, uint64_t n)
{
    size_t p = label_index(providers, N_PROVIDERS, provider);
    add(&leads_scored[p][label_index(ai_statuses, N_AI_STATUS, ai_status)], n);
}

void ls_metrics_model_request(const char *provider, long http_status, double seconds, bool is_retry)
{
    size_t p = label_index(providers, N_PROVIDERS, provider);
    add(&model_requests[p][model_status_index(http_status)], 1);
    hist_observe(model_hist[p], &model_sum_ns[p], &model_bounds, seconds);
    if (is_retry)
        add(&model_retries[p], 1);
    if (http_status == 429)
        add(&model_rate_limited[p], 1);
}

void ls_metrics_model_tokens(const char *provider, uint64_t tokens_in, uint64_t tokens_out)
{
    size_t p = label_index(providers, N_PROVIDERS, provider);
    add(&model_tokens[p][0], tokens_in);
    add(&model_tokens[p][1], tokens_out);
}

void ls_metrics_cache(uint64_t hits, uint64_t misses)
{
    add(&cache_lookups[0], hits);
    add(&cache_lookups[1], misses);
}

void ls_metrics_store_op(const char *op, double seconds, bool ok)
{
    size_t i = label_index(store_ops, N_STORE_OPS, op);
    hist_observe(store_hist[i], &store_sum_ns[i], &store_bounds, seconds);
    if (!ok)
        add(&store_errors[i], 1);
}

static void zero(counter *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        atomic_store_explicit(&c[i], 0, memory_order_relaxed);
}

#define ZERO(a) zero((counter *)(a), sizeof(a) / sizeof(counter))

void ls_metrics_reset(void)
{
    ZERO(http_requests);
    ZERO(http_hist);
    ZERO(http_sum_ns);
    zero(&http_bytes_in, 1);
    zero(&http_bytes_out, 1);
    ZERO(http_refused);
    ZERO(uploads);
    ZERO(upload_rows);
    ZERO(jobs_finished);
    ZERO(leads_scored);
    ZERO(model_requests);
    ZERO(model_hist);
    ZERO(model_sum_ns);
    ZERO(model_retries);
    ZERO(model_rate_limited);
    ZERO(model_tokens);
    ZERO(cache_lookups);
    ZERO(store_hist);
    ZERO(store_sum_ns);
    ZERO(store_errors);
}

/* ---- text output --------------------------------------------------------- */

/* The exposition being written; after the first failed append nothing more is written. */
struct out {
    struct ls_buf *b;
    int rc;
};

static void put(struct out *o, const char *s, size_t len)
{
    if (o->rc == LS_OK)
        o->rc = ls_buf_add(o->b, s, len);
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/*
 * A label value, escaped as the text format asks (backslash, double quote
 * and line feed); bytes that are not UTF-8 become U+FFFD, since the format
 * requires UTF-8 and a route table is borrowed, not ours.
 */
static void put_label_value(struct out *o, const char *s)
{
    size_t len = strlen(s), start = 0, i = 0;
    while (i < len) {
        const char *esc = NULL;
        size_t n = ls_utf8_seq(s + i, len - i);
        if (n == 0)
            esc = "\xef\xbf\xbd";
        else if (s[i] == '\\')
            esc = "\\\\";
        else if (s[i] == '"')
            esc = "\\\"";
        else if (s[i] == '\n')
            esc = "\\n";
        if (!esc) {
            i += n;
            continue;
        }
        put(o, s + start, i - start);
        puts_(o, esc);
        i += n ? n : 1;
        start = i;
    }
    put(o, s + start, i - start);
}

/* Decimal text of v into buf (at least 21 bytes); returns the start. */
static char *u64_text(uint64_t v, char *buf, size_t cap)
{
    char *p = buf + cap - 1;
    *p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

static const char *i64_text(int64_t v, char *buf, size_t cap)
{
    if (v >= 0)
        return u64_text((uint64_t)v, buf, cap);
    char *p = u64_text(0 - (uint64_t)v, buf, cap);
    *--p = '-';
    return p;
}

/* Nanoseconds as exact decimal seconds ("0.0035", "12"); buf of at least 32 bytes. */
static const char *ns_seconds_text(uint64_t ns, char *buf, size_t cap)
{
    char frac[10];
    uint64_t f = ns % 1000000000u;
    for (int k = 8; k >= 0; k--) {
        frac[k] = (char)('0' + f % 10);
        f /= 10;
    }
    size_t n = 9;
    while (n > 0 && frac[n - 1] == '0')
        n--;
    char *p = u64_text(ns / 1000000000u, buf, cap - 11);
    size_t w = strlen(p);
    if (n) {
        p[w++] = '.';
        memcpy(p + w, frac, n);
        w += n;
    }
    p[w] = '\0';
    return p;
}

struct label {
    const char *key, *value;
};

static void put_family(struct out *o, const char *name, const char *type, const char *help)
{
    puts_(o, "# HELP ");
    puts_(o, name);
    puts_(o, " ");
    puts_(o, help);
    puts_(o, "\n# TYPE ");
    puts_(o, name);
    puts_(o, " ");
    puts_(o, type);
    puts_(o, "\n");
}

/* One sample line: name suffix{labels[,le="le"]} value. */
static void put_sample(struct out *o, const char *name, const char *suffix, const struct label *lb,
                       size_t n_lb, const char *le, const char *value)
{
    puts_(o, name);
    puts_(o, suffix);
    if (n_lb || le) {
        puts_(o, "{");
        for (size_t i = 0; i < n_lb; i++) {
            if (i)
                puts_(o, ",");
            puts_(o, lb[i].key);
            puts_(o, "=\"");
            put_label_value(o, lb[i].value);
            puts_(o, "\"");
        }
        if (le) {
            puts_(o, n_lb ? ",le=\"" : "le=\"");
            puts_(o, le);
            puts_(o, "\"");
        }
        puts_(o, "}");
    }
    puts_(o, " ");
    puts_(o, value);
    puts_(o, "\n");
}

static void put_u64(struct out *o, const char *name, const struct label *lb, size_t n_lb,
                    uint64_t v)
{
    char t[24];
    put_sample(o, name, "", lb, n_lb, NULL, u64_text(v, t, sizeof(t)));
}

static void put_i64(struct out *o, const char *name, const struct label *lb, size_t n_lb, int64_t v)
{
    char t[24];
    put_sample(o, name, "", lb, n_lb, NULL, i64_text(v, t, sizeof(t)));
}

/* Counter and gauge families of one unlabelled sample, always written. */
static void put_counter(struct out *o, const char *name, const char *help, counter *c)
{
    put_family(o, name, "counter", help);
    put_u64(o, name, NULL, 0, get(c));
}

static void put_gauge(struct out *o, const char *name, const char *help, int64_t v)
{
    put_family(o, name, "gauge", help);
    put_i64(o, name, NULL, 0, v);
}

/*
 * One histogram series from its bucket row and sum; nothing when it has no
 * observations. Buckets become cumulative here, and _count is the +Inf bucket.
 */
static void put_hist(struct out *o, const char *name, const struct label *lb, size_t n_lb,
                     counter *row, counter *sum_ns, const struct bounds *bd)
{
    uint64_t cum[32];
    uint64_t total = 0;
    for (size_t i = 0; i <= bd->n; i++) {
        total += get(&row[i]);
        cum[i] = total;
    }
    if (total == 0)
        return;
    char t[32];
    for (size_t i = 0; i < bd->n; i++)
        put_sample(o, name, "_bucket", lb, n_lb, bd->text[i], u64_text(cum[i], t, sizeof(t)));
    const char *count = u64_text(total, t, sizeof(t));
    put_sample(o, name, "_bucket", lb, n_lb, "+Inf", count);
    char s[32];
    put_sample(o, name, "_sum", lb, n_lb, NULL, ns_seconds_text(get(sum_ns), s, sizeof(s)));
    put_sample(o, name, "_count", lb, n_lb, NULL, count);
}
_Static_assert(HTTP_NB < 32 && MODEL_NB < 32 && STORE_NB < 32, "put_hist's cum[] holds a row");

/* A counter family labelled key=values[i], one sample per non-zero slot. */
static void put_by_label(struct out *o, const char *name, const char *help, const char *key,
                         const char *const *values, counter *c, size_t n)
{
    put_family(o, name, "counter", help);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = get(&c[i]);
        struct label lb[] = {{key, values[i]}};
        if (v)
            put_u64(o, name, lb, 1, v);
    }
}

/* ---- the exposition ------------------------------------------------------ */

static void route_labels(size_t r, size_t n, struct label lb[2])
{
    lb[0].key = "route";
    lb[1].key = "method";
    if (r < n) {
        lb[0].value = route_templates && route_templates[r] ? route_templates[r] : "unknown";
        lb[1].value = route_methods && route_methods[r] ? route_methods[r] : "unknown";
    } else {
        lb[0].value = "unmatched";
        lb[1].value = "unknown";
    }
}

static void put_http(struct out *o, const struct ls_metrics_gauges *g)
{
    size_t n = atomic_load_explicit(&n_routes, memory_order_acquire);
    const char *name = "leadscore_http_requests_total";
    put_family(o, name, "counter", "HTTP requests by route template, method and status sent.");
    for (size_t r = 0; r < N_ROUTE_SLOTS; r++) {
        if (r >= n && r != UNMATCHED)
            continue;
        struct label lb[3];
        route_labels(r, n, lb);
        lb[2].key = "status";
        for (size_t s = 0; s < N_HTTP_STATUS; s++) {
            uint64_t v = get(&http_requests[r][s]);
            lb[2].value = s < N_HTTP_CODES ? http_code_names[s] : "other";
            if (v)
                put_u64(o, name, lb, 3, v);
        }
    }
    name = "leadscore_http_request_duration_seconds";
    put_family(o, name, "histogram", "HTTP request duration, by route template and method.");
    for (size_t r = 0; r < N_ROUTE_SLOTS; r++) {
        if (r >= n && r != UNMATCHED)
            continue;
        struct label lb[2];
        route_labels(r, n, lb);
        put_hist(o, name, lb, 2, http_hist[r], &http_sum_ns[r], &http_bounds);
    }
    put_counter(o, "leadscore_http_request_bytes_total", "Request body bytes received.",
                &http_bytes_in);
    put_counter(o, "leadscore_http_response_bytes_total", "Response body bytes sent.",
                &http_bytes_out);
    put_gauge(o, "leadscore_http_connections_open", "Client connections open now.",
              g->connections_open);
    put_by_label(o, "leadscore_http_connections_refused_total",
                 "Connections refused at accept: busy (global cap) or per_ip.", "reason",
                 refuse_reasons, http_refused, N_REFUSE);
}

static void put_work(struct out *o, const struct ls_metrics_gauges *g)
{
    static const char *const ok_failed[] = {"ok", "failed"};
    static const char *const rows[] = {"accepted", "rejected"};
    put_by_label(o, "leadscore_uploads_total", "Lead uploads that ended, by result.", "result",
                 ok_failed, uploads, 2);
    put_by_label(o, "leadscore_upload_rows_total", "CSV rows of uploads, accepted or rejected.",
                 "outcome", rows, upload_rows, 2);
    put_by_label(o, "leadscore_jobs_finished_total", "Scoring jobs that reached a final status.",
                 "status", job_statuses, jobs_finished, N_JOB_FINAL);

    const char *name = "leadscore_jobs";
    put_family(o, name, "gauge", "Unfinished jobs in the store, by status.");
    struct label lb[2] = {{"status", "queued"}};
    put_i64(o, name, lb, 1, g->jobs_queued);
    lb[0].value = "running";
    put_i64(o, name, lb, 1, g->jobs_running);
    put_gauge(o, "leadscore_job_queue_depth", "Jobs waiting for this process's scoring worker.",
              g->queue_depth);

    name = "leadscore_leads_scored_total";
    put_family(o, name, "counter", "Leads scored, by AI provider and AI status.");
    for (size_t p = 0; p < N_PROVIDERS; p++) {
        for (size_t s = 0; s < N_AI_STATUS; s++) {
            uint64_t v = get(&leads_scored[p][s]);
            lb[0] = (struct label){"provider", providers[p]};
            lb[1] = (struct label){"ai_status", ai_statuses[s]};
            if (v)
                put_u64(o, name, lb, 2, v);
        }
    }
}

static void put_model(struct out *o)
{
    struct label lb[2];
    const char *name = "leadscore_model_requests_total";
    put_family(o, name, "counter",
               "Model HTTP requests by provider and HTTP status (error: no response).");
    for (size_t p = 0; p < N_PROVIDERS; p++) {
        for (size_t s = 0; s < N_MODEL_STATUS; s++) {
            uint64_t v = get(&model_requests[p][s]);
            lb[0] = (struct label){"provider", providers[p]};
            lb[1] = (struct label){"status", s < N_MODEL_CODES ? model_code_names[s] : "other"};
            if (v)
                put_u64(o, name, lb, 2, v);
        }
    }
    name = "leadscore_model_request_duration_seconds";
    put_family(o, name, "histogram", "Duration of model HTTP requests, by provider.");
    for (size_t p = 0; p < N_PROVIDERS; p++) {
        lb[0] = (struct label){"provider", providers[p]};
        put_hist(o, name, lb, 1, model_hist[p], &model_sum_ns[p], &model_bounds);
    }
    put_by_label(o, "leadscore_model_retries_total", "Model requests that repeated an earlier one.",
                 "provider", providers, model_retries, N_PROVIDERS);
    put_by_label(o, "leadscore_model_rate_limited_total",
                 "Model requests answered 429 Too Many Requests.", "provider", providers,
                 model_rate_limited, N_PROVIDERS);
    name = "leadscore_model_tokens_total";
    put_family(o, name, "counter", "Tokens the provider reported: in (prompt) and out.");
    for (size_t p = 0; p < N_PROVIDERS; p++) {
        for (size_t d = 0; d < 2; d++) {
            uint64_t v = get(&model_tokens[p][d]);
            lb[0] = (struct label){"provider", providers[p]};
            lb[1] = (struct label){"direction", d == 0 ? "in" : "out"};
            if (v)
                put_u64(o, name, lb, 2, v);
        }
    }
    static const char *const hit_miss[] = {"hit", "miss"};
    put_by_label(o, "leadscore_verdict_cache_lookups_total", "Verdict-cache lookups, by result.",
                 "result", hit_miss, cache_lookups, 2);
}

static void put_store(struct out *o, const struct ls_metrics_gauges *g)
{
    const char *name = "leadscore_store_operation_duration_seconds";
    put_family(o, name, "histogram", "Duration of store operations, by operation.");
    for (size_t i = 0; i < N_STORE_OPS; i++) {
        struct label lb[] = {{"op", store_ops[i]}};
        put_hist(o, name, lb, 1, store_hist[i], &store_sum_ns[i], &store_bounds);
    }
    put_by_label(o, "leadscore_store_errors_total", "Store operations that failed.", "op",
                 store_ops, store_errors, N_STORE_OPS);
    put_gauge(o, "leadscore_store_healthy", "1 when the store was healthy at scrape time, else 0.",
              g->store_healthy ? 1 : 0);
}

int ls_metrics_render(const struct ls_metrics_gauges *g, struct ls_buf *out)
{
    struct out o = {out, LS_OK};
    size_t start = out->len;
    struct label version[] = {{"version", g->version ? g->version : "unknown"}};
    put_family(&o, "leadscore_build_info", "gauge", "Always 1; the version is its label.");
    put_u64(&o, "leadscore_build_info", version, 1, 1);
    put_gauge(&o, "leadscore_uptime_seconds", "Seconds since the process started.", g->uptime_s);
    put_http(&o, g);
    put_work(&o, g);
    put_model(&o);
    put_store(&o, g);
    if (o.rc != LS_OK && out->data) {
        /* All or nothing: a cut exposition would parse as a smaller, wrong one. */
        out->len = start;
        out->data[start] = '\0';
    }
    return o.rc;
}
