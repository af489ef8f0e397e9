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

/* n leads (one in every `every` hostile) into a fresh server on the fake's OpenAI wire. */
static void run(const char *db_name, const char *offer, long n, long every,
                const char *const *extra, struct run *out)
{
    struct srv s;
    char p[600];
    size_t len;
    char *csv = leads(n, every, db_name, &len);
    h_path(p, sizeof(p), "bench-blocked.csv");
    h_write_file(p, csv, len);
    free(csv);
    if (h_srv_start_wire(&s, db_name, "openai", extra) != 0 || h_load_files(&s, offer, p) != 0)
        die("server did not start with the offer and leads");
    h_fake_reset(&h_fake);
    char cfg[200];
    snprintf(cfg, sizeof(cfg),
             "{\"latency_ms\": %ld, \"filter_marker\": \"" MARKER
             "\", \"filter_form\": \"azure_400\"}",
             h_env_long("BENCH_LATENCY_MS", 300));
    h_fake_config(&h_fake, cfg);
    json_t *j = h_score_timed(&s, &out->seconds);
    if (j == NULL)
        die("POST /score failed");
    out->scored = h_num(j, "scored");
    out->blocked = h_num(j, "blocked");
    out->fallbacks = h_num(j, "fallbacks");
    out->model_calls = h_num(j, "model_calls");
    out->ok = out->scored - out->fallbacks;
    json_decref(j);
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
    long n = h_env_long("BENCH_LEADS", 2000), every = h_env_long("BENCH_EVERY", 100);
    long batch = h_env_long("BENCH_BATCH", 20), conc = h_env_long("BENCH_CONCURRENCY", 8);
    if (h_fake_start(&h_fake) != 0)
        die("fake did not start");
    static char b_env[64], c_env[64];
    snprintf(b_env, sizeof(b_env), "LEADSCORE_AI_BATCH=%ld", batch);
    snprintf(c_env, sizeof(c_env), "LEADSCORE_AI_CONCURRENCY=%ld", conc);
    const char *env[] = {b_env, c_env, NULL};
    struct run clean = {0}, hostile = {0};
    run("bench-clean.db", argv[1], n, 0, env, &clean);
    print("clean", &clean);
    run("bench-hostile.db", argv[1], n, every, env, &hostile);
    print("hostile", &hostile);
    h_fake_stop(&h_fake);
    long n_hostile = every ? (n + every - 1 - every / 2) / every : 0;
    double lo = 1 + 2 * floor(log2((double)batch)), hi = 1 + 2 * ceil(log2((double)batch));
    long reqs = (n + batch - 1) / batch;
    printf("summary: leads=%ld hostile=%ld (1 in %ld) batch=%ld concurrency=%ld latency=%ld ms\n",
           n, n_hostile, every, batch, conc, h_env_long("BENCH_LATENCY_MS", 300));
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
