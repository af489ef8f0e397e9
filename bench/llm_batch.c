/*
 * llm_batch.c - issue #10's batch-mode benchmark: N leads scored through the
 * real server in batch mode against the fake's batch APIs (Gemini's Batch
 * Mode, inline, and OpenAI's Batch API), the fake's batch turnaround set to a
 * few seconds (BENCH_TURNAROUND_MS, default 3000). For each wire: wall time
 * from POST /jobs to the job's end, the batches and batch API calls, the
 * synchronous requests (re-sends; 0 when nothing is missing), the request
 * lines and the tokens the job counted. Cost is left to the price table
 * (src/core/price.h): batch requests bill at half the standard rate.
 *
 *   llm_batch LEADS.csv OFFER.json   (env: LEADSCORE_BIN, FAKE_LLM_BIN, BENCH_*)
 * Only loopback is contacted.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/integ/harness.h"

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
    fprintf(stderr, "llm_batch: %s\n", what);
    exit(1);
}

static json_t *get(const struct srv *s, const char *path)
{
    struct resp r;
    if (h_http(s, "GET", path, NULL, NULL, 0, &r) != 0)
        die(path);
    json_t *j = h_json(&r);
    h_resp_free(&r);
    return j;
}

static void run(const struct fake *fk, const char *wire, const char *csv, const char *offer)
{
    static char base[160], b_env[64], db[600];
    bool gemini = strcmp(wire, "gemini") == 0;
    snprintf(base, sizeof(base), "%s_BASE_URL=%s%s", gemini ? "GEMINI" : "OPENAI", fk->url,
             gemini ? "" : "/v1");
    snprintf(b_env, sizeof(b_env), "LEADSCORE_AI_BATCH=%ld", env_long("BENCH_BATCH", 20));
    const char *env[] = {base,
                         gemini ? "GEMINI_API_KEY=your-key-here" : "OPENAI_API_KEY=your-key-here",
                         gemini ? "LEADSCORE_AI_PROVIDER=gemini" : "LEADSCORE_AI_PROVIDER=openai",
                         gemini ? "GEMINI_MODEL=gemini-2.5-flash-lite" : "OPENAI_MODEL=gpt-5-mini",
                         b_env,
                         "LEADSCORE_AI_MODE=batch",
                         "LEADSCORE_AI_BATCH_POLL_MS=500",
                         "LEADSCORE_AI_BATCH_POLL_MAX_MS=2000",
                         NULL};
    h_fake_reset(fk);
    char cfg[96];
    snprintf(cfg, sizeof(cfg), "{\"batch_turnaround_ms\": %ld}",
             env_long("BENCH_TURNAROUND_MS", 3000));
    h_fake_config(fk, cfg);
    struct srv s;
    struct resp r;
    snprintf(db, sizeof(db), "bench-batch-%s.db", wire);
    char path[700];
    h_path(path, sizeof(path), db);
    if (h_srv_start(&s, path, env) != 0)
        die("server did not start");
    char *o = h_read_file(offer, NULL);
    h_post_json(&s, "/offer", o, &r);
    free(o);
    h_resp_free(&r);
    if (h_upload(&s, "/leads/upload", csv, NULL, &r) != 0 || r.status != 201)
        die("upload failed");
    h_resp_free(&r);
    double t0 = now_s();
    if (h_post_json(&s, "/jobs", "{}", &r) != 0 || r.status != 202)
        die("POST /jobs failed");
    h_resp_free(&r);
    json_t *job = NULL;
    for (;;) {
        job = get(&s, "/jobs/1");
        const char *st = json_string_value(json_object_get(job, "status"));
        if (st && (strcmp(st, "succeeded") == 0 || strcmp(st, "failed") == 0 ||
                   strcmp(st, "cancelled") == 0))
            break;
        json_decref(job);
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    double secs = now_s() - t0;
    struct srv f = {.port = fk->port};
    json_t *b = get(&f, "/_fake/batches");
    json_t *log = h_fake_requests(fk);
    long sync = 0;
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(log, "requests"), i, q)
    {
        const char *p = json_string_value(json_object_get(q, "path"));
        sync += p && (strstr(p, "chat/completions") || strstr(p, ":generateContent"));
    }
    const json_t *bj = json_object_get(job, "batch");
    long lines = num(json_object_get(bj, "requests"), "total");
    long n = num(job, "done");
    long calls = num(b, "created") + num(b, "uploads") + num(b, "polls") + num(b, "cancels");
    printf("%-6s %7.2f s  status=%s leads=%ld batches=%ld request_lines=%ld batch_api_calls=%ld "
           "sync_requests=%ld model_calls=%ld prompt_tokens=%ld output_tokens=%ld "
           "tokens_per_lead=%.0f\n",
           wire, secs, json_string_value(json_object_get(job, "status")), n, num(b, "created"),
           lines, calls, sync, num(job, "model_calls"),
           num(json_object_get(job, "tokens"), "prompt"),
           num(json_object_get(job, "tokens"), "output"),
           n ? (double)(num(json_object_get(job, "tokens"), "prompt") +
                        num(json_object_get(job, "tokens"), "output")) /
                   (double)n
             : 0.0);
    fflush(stdout);
    json_decref(log);
    json_decref(b);
    json_decref(job);
    h_srv_stop(&s, SIGTERM);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        die("usage: llm_batch LEADS.csv OFFER.json");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct fake fk;
    if (h_fake_start(&fk) != 0)
        die("fake did not start");
    const char *wires = getenv("BENCH_WIRES");
    if (wires == NULL || strstr(wires, "gemini"))
        run(&fk, "gemini", argv[1], argv[2]);
    if (wires == NULL || strstr(wires, "openai"))
        run(&fk, "openai", argv[1], argv[2]);
    h_fake_stop(&fk);
    curl_global_cleanup();
    return 0;
}
