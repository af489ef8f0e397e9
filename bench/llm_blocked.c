/*
 * llm_blocked.c - issue #10's benchmark: what a content filter costs. N leads
 * scored through the real server (POST /score) against the fake on the
 * OpenAI wire (latency, no quota), twice: with no hostile lead, and with one
 * lead in every BENCH_EVERY carrying the text the fake's filter refuses
 * (Azure's HTTP 400 content_filter), so that every batch holding one is
 * refused and halved down to that lead.
 *
 * The model calls a refused batch of b costs: the refused request, then two
 * requests per halving until the lead is alone, 1 + 2 d in all, where d is
 * floor(log2 b) or ceil(log2 b) by where the lead sits (a batch of 20: 9 or
 * 11, instead of 1).
 *
 *   llm_blocked OFFER.json   (env: LEADSCORE_BIN, FAKE_LLM_BIN, BENCH_LEADS,
 *                             BENCH_EVERY, BENCH_BATCH, BENCH_CONCURRENCY,
 *                             BENCH_LATENCY_MS)
 * Only loopback is contacted.
 */
#include <curl/curl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/integ/harness.h"

#define MARKER "QX-HOSTILE-7"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    return v && *v ? atol(v) : dflt;
}

static long num(const json_t *j, const char *k)
{
    return (long)json_integer_value(json_object_get(j, k));
}

static void die(const char *what)
{
    fprintf(stderr, "llm_blocked: %s\n", what);
    exit(1);
}

struct run {
    double seconds;
    long scored, blocked, fallbacks, model_calls, ok;
};

/* A leads CSV of n rows, one in every `every` (0: none) hostile; owned by the caller. */
static char *leads(long n, long every, const char *tag, size_t *len)
{
    static const char *const roles[] = {"CEO", "Marketing Manager", "Analyst", "VP of Sales"};
    size_t cap = (size_t)n * 160 + 128, w = 0;
    char *csv = malloc(cap);
    if (csv == NULL)
        die("out of memory");
    w += (size_t)snprintf(csv, cap, "name,role,company,industry,location,linkedin_bio\n");
    for (long i = 0; i < n; i++)
        w += (size_t)snprintf(
            csv + w, cap - w, "Lead %ld,%s,Co %ld,B2B SaaS,Berlin,%s %s %ld\n", i, roles[i % 4], i,
            every && i % every == every / 2 ? MARKER : "Building pipeline", tag, i);
    *len = w;
    return csv;
}

static void run(const struct fake *fk, const char *db_name, const char *offer, long n, long every,
                const char *const *env, struct run *out)
{
    struct srv s;
    struct resp r;
    char db[600], p[600];
    h_path(db, sizeof(db), db_name);
    if (h_srv_start(&s, db, env) != 0)
        die("server did not start");
    char *o = h_read_file(offer, NULL);
    h_post_json(&s, "/offer", o, &r);
    free(o);
    h_resp_free(&r);
    size_t len;
    char *csv = leads(n, every, db_name, &len);
    h_path(p, sizeof(p), "bench-blocked.csv");
    h_write_file(p, csv, len);
    free(csv);
    if (h_upload(&s, "/leads/upload", p, NULL, &r) != 0 || r.status != 201)
        die("upload failed");
    h_resp_free(&r);
    h_fake_reset(fk);
    char cfg[200];
    snprintf(cfg, sizeof(cfg),
             "{\"latency_ms\": %ld, \"filter_marker\": \"" MARKER
             "\", \"filter_form\": \"azure_400\"}",
             env_long("BENCH_LATENCY_MS", 300));
    h_fake_config(fk, cfg);
    double t0 = now_s();
    if (h_http(&s, "POST", "/score", NULL, NULL, 0, &r) != 0 || r.status != 200) {
        fprintf(stderr, "%s\n", r.body);
        die("POST /score failed");
    }
    out->seconds = now_s() - t0;
    json_t *j = h_json(&r);
    out->scored = num(j, "scored");
    out->blocked = num(j, "blocked");
    out->fallbacks = num(j, "fallbacks");
    out->model_calls = num(j, "model_calls");
    out->ok = out->scored - out->fallbacks;
    json_decref(j);
    h_resp_free(&r);
    h_srv_stop(&s, SIGTERM);
}

static void print(const char *name, const struct run *r)
{
    printf("%-8s %7.2f s  scored=%ld with_model_verdict=%ld blocked=%ld fallbacks=%ld "
           "model_calls=%ld\n",
           name, r->seconds, r->scored, r->ok, r->blocked, r->fallbacks, r->model_calls);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        die("usage: llm_blocked OFFER.json");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    long n = env_long("BENCH_LEADS", 2000), every = env_long("BENCH_EVERY", 100);
    long batch = env_long("BENCH_BATCH", 20), conc = env_long("BENCH_CONCURRENCY", 8);
    struct fake fk;
    if (h_fake_start(&fk) != 0)
        die("fake did not start");
    static char base[128], b_env[64], c_env[64];
    snprintf(base, sizeof(base), "OPENAI_BASE_URL=%s/v1", fk.url);
    snprintf(b_env, sizeof(b_env), "LEADSCORE_AI_BATCH=%ld", batch);
    snprintf(c_env, sizeof(c_env), "LEADSCORE_AI_CONCURRENCY=%ld", conc);
    const char *env[] = {
        base, "OPENAI_MODEL=fake-model", "LEADSCORE_AI_PROVIDER=openai", b_env, c_env, NULL};
    struct run clean = {0}, hostile = {0};
    run(&fk, "bench-clean.db", argv[1], n, 0, env, &clean);
    print("clean", &clean);
    run(&fk, "bench-hostile.db", argv[1], n, every, env, &hostile);
    print("hostile", &hostile);
    h_fake_stop(&fk);
    long n_hostile = every ? (n + every - 1 - every / 2) / every : 0;
    double lo = 1 + 2 * floor(log2((double)batch)), hi = 1 + 2 * ceil(log2((double)batch));
    long reqs = (n + batch - 1) / batch;
    printf("summary: leads=%ld hostile=%ld (1 in %ld) batch=%ld concurrency=%ld latency=%ld ms\n",
           n, n_hostile, every, batch, conc, env_long("BENCH_LATENCY_MS", 300));
    printf("  expected model calls: %ld clean; %.0f to %.0f with the hostile leads (each refused "
           "batch %.0f to %.0f calls instead of 1); measured %ld\n",
           reqs, (double)reqs + (double)n_hostile * (lo - 1),
           (double)reqs + (double)n_hostile * (hi - 1), lo, hi, hostile.model_calls);
    printf("  extra wall time: %.2f s (%.0f%%); leads without a model verdict: %ld (blocked %ld)\n",
           hostile.seconds - clean.seconds, 100.0 * (hostile.seconds / clean.seconds - 1),
           hostile.scored - hostile.ok, hostile.blocked);
    curl_global_cleanup();
    return 0;
}
