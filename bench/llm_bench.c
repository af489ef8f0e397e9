/*
 * llm_bench.c - issue #3's benchmark: N leads scored through the real server
 * against the fake Gemini (latency and a requests-per-minute quota), three
 * ways in one run:
 *
 *   new     batched, concurrent, paced to the quota   (LEADSCORE_AI_BATCH etc.)
 *   again   the same job once more: every verdict from the cache
 *   old     one lead per request, one request at a time (the seed's way)
 *
 * and the bound the quota and latency set for the batch size:
 *   requests R = ceil(N / batch); the fake's bucket holds B = rpm/60 tokens and
 *   refills rpm/60 per second, so request k > B cannot start before
 *   (k - B) / (rpm/60) s; the last reply comes one latency later.
 *
 *   llm_bench LEADS.csv OFFER.json   (env: LEADSCORE_BIN, FAKE_LLM_BIN, BENCH_*)
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

struct run {
    double seconds;
    long scored, model_calls, retries, fallbacks, cache_hits, prompt_tokens;
    long requests_seen, rejected_by_quota, max_in_flight, results_ok;
};

static void die(const char *what)
{
    fprintf(stderr, "llm_bench: %s\n", what);
    exit(1);
}

/*
 * Offer + leads into a fresh server on the fake Gemini with the settings extra, then one
 * timed POST /score (and optionally a second).
 */
static void run(const char *db_name, const char *csv, const char *offer, const char *const *extra,
                struct run *first, struct run *second)
{
    struct srv s;
    struct resp r;
    if (h_srv_start_wire(&s, db_name, "gemini", extra) != 0 || h_load_files(&s, offer, csv) != 0)
        die("server did not start with the offer and leads");
    for (int pass = 0; pass < (second ? 2 : 1); pass++) {
        struct run *out = pass ? second : first;
        h_fake_reset(&h_fake);
        h_fake_config(&h_fake, "{\"latency_ms\": 0}"); /* set below; reset clears the log */
        char cfg[128];
        snprintf(cfg, sizeof(cfg), "{\"latency_ms\": %ld, \"rpm\": %ld}",
                 h_env_long("BENCH_LATENCY_MS", 300), h_env_long("BENCH_RPM", 600));
        h_fake_config(&h_fake, cfg);
        json_t *j = h_score_timed(&s, &out->seconds);
        if (j == NULL)
            die("POST /score failed");
        out->scored = h_num(j, "scored");
        out->model_calls = h_num(j, "model_calls");
        out->retries = h_num(j, "retries");
        out->fallbacks = h_num(j, "fallbacks");
        out->cache_hits = h_num(j, "cache_hits");
        out->prompt_tokens = h_num(json_object_get(j, "tokens"), "prompt");
        json_decref(j);
        json_t *log = h_fake_requests(&h_fake);
        if (getenv("BENCH_TRACE")) {
            size_t k;
            json_t *q;
            json_array_foreach(json_object_get(log, "requests"), k, q)
                fprintf(stderr, "req %zu t=%ld status=%ld\n", k, (long)h_num(q, "t_ms"),
                        (long)h_num(q, "status"));
        }
        out->requests_seen = h_num(log, "count");
        out->rejected_by_quota = h_num(log, "rejected_by_quota");
        out->max_in_flight = h_num(log, "max_in_flight");
        json_decref(log);
        h_http(&s, "GET", "/results", NULL, NULL, 0, &r);
        json_t *res = h_json(&r);
        size_t i;
        json_t *it;
        out->results_ok = 0;
        json_array_foreach(res, i, it)
        {
            const char *st =
                json_string_value(json_object_get(json_object_get(it, "ai"), "status"));
            out->results_ok += st && strcmp(st, "fallback") != 0;
        }
        json_decref(res);
        h_resp_free(&r);
    }
    h_srv_stop(&s, SIGTERM);
}

static void print(const char *name, const struct run *r)
{
    printf("%-6s %8.2f s  scored=%ld ok=%ld model_calls=%ld retries=%ld fallbacks=%ld "
           "cache_hits=%ld prompt_tokens=%ld seen_by_fake=%ld over_quota=%ld max_in_flight=%ld\n",
           name, r->seconds, r->scored, r->results_ok, r->model_calls, r->retries, r->fallbacks,
           r->cache_hits, r->prompt_tokens, r->requests_seen, r->rejected_by_quota,
           r->max_in_flight);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        die("usage: llm_bench LEADS.csv OFFER.json");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    long batch = h_env_long("BENCH_BATCH", 20);
    long conc = h_env_long("BENCH_CONCURRENCY", 8);
    long rpm = h_env_long("BENCH_RPM", 600);
    long latency = h_env_long("BENCH_LATENCY_MS", 300);
    if (h_fake_start(&h_fake) != 0)
        die("fake did not start");
    static char b_env[64], c_env[64], r_env[64];
    snprintf(b_env, sizeof(b_env), "LEADSCORE_AI_BATCH=%ld", batch);
    snprintf(c_env, sizeof(c_env), "LEADSCORE_AI_CONCURRENCY=%ld", conc);
    snprintf(r_env, sizeof(r_env), "LEADSCORE_AI_RPM=%ld", rpm);
    const char *new_env[] = {b_env, c_env, r_env, NULL};
    const char *old_env[] = {"LEADSCORE_AI_BATCH=1", "LEADSCORE_AI_CONCURRENCY=1", NULL};
    struct run fresh = {0}, again = {0}, old = {0};
    run("bench-new.db", argv[1], argv[2], new_env, &fresh, &again);
    print("new", &fresh);
    print("again", &again);
    fflush(stdout);
    if (h_env_long("BENCH_SKIP_OLD", 0) == 0) {
        run("bench-old.db", argv[1], argv[2], old_env, &old, NULL);
        print("old", &old);
    }
    h_fake_stop(&h_fake);

    long n = fresh.scored;
    double rate = (double)rpm / 60.0, burst = rate < 1 ? 1 : rate;
    double requests = ceil((double)n / (double)batch);
    double bound = (requests > burst ? (requests - burst) / rate : 0) + latency / 1000.0;
    printf("summary: leads=%ld batch=%ld concurrency=%ld quota=%ld rpm latency=%ld ms\n", n, batch,
           conc, rpm, latency);
    printf("  bound (quota+latency, batch %ld): %.2f s; new %.2f s = %.2f x bound (target <= "
           "1.25)\n",
           batch, bound, fresh.seconds, fresh.seconds / bound);
    if (old.seconds > 0)
        printf("  old way %.2f s = %.1f x slower than new (target >= 50)\n", old.seconds,
               old.seconds / fresh.seconds);
    printf("  leads lost: %ld (scored %ld of %ld, %ld with a model verdict, %ld fallbacks)\n",
           n - fresh.results_ok, fresh.scored, n, fresh.results_ok, fresh.fallbacks);
    printf("  requests over the quota: %ld (new), %ld (old)\n", fresh.rejected_by_quota,
           old.rejected_by_quota);
    printf("  second run: %ld model calls, %ld cache hits\n", again.model_calls, again.cache_hits);
    if (old.scored)
        printf("  prompt tokens per lead: %.0f batched vs %.0f one per request (%.1f x fewer)\n",
               (double)fresh.prompt_tokens / (double)n,
               (double)old.prompt_tokens / (double)old.scored,
               ((double)old.prompt_tokens / (double)old.scored) /
                   ((double)fresh.prompt_tokens / (double)n));
    curl_global_cleanup();
    return 0;
}
