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

static void run(const char *wire, const char *csv, const char *offer)
{
    static char b_env[64], db[600];
    bool gemini = strcmp(wire, "gemini") == 0;
    snprintf(b_env, sizeof(b_env), "LEADSCORE_AI_BATCH=%ld", h_env_long("BENCH_BATCH", 20));
    /* First, so that they win over the harness's (OPENAI_MODEL=fake-model). */
    const char *env[] = {gemini ? "GEMINI_API_KEY=your-key-here" : "OPENAI_API_KEY=your-key-here",
                         gemini ? "GEMINI_MODEL=gemini-2.5-flash-lite" : "OPENAI_MODEL=gpt-5-mini",
                         b_env,
                         "LEADSCORE_AI_MODE=batch",
                         "LEADSCORE_AI_BATCH_POLL_MS=500",
                         "LEADSCORE_AI_BATCH_POLL_MAX_MS=2000",
                         NULL};
    h_fake_reset(&h_fake);
    char cfg[96];
    snprintf(cfg, sizeof(cfg), "{\"batch_turnaround_ms\": %ld}",
             h_env_long("BENCH_TURNAROUND_MS", 3000));
    h_fake_config(&h_fake, cfg);
    struct srv s;
    struct resp r;
    snprintf(db, sizeof(db), "bench-batch-%s.db", wire);
    if (h_srv_start_wire(&s, db, wire, env) != 0 || h_load_files(&s, offer, csv) != 0)
        die("server did not start with the offer and leads");
    double t0 = h_now_s();
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
    double secs = h_now_s() - t0;
    json_t *b = h_fake_get(&h_fake, "/_fake/batches");
    json_t *log = h_fake_requests(&h_fake);
    long sync = 0;
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(log, "requests"), i, q)
    {
        const char *p = json_string_value(json_object_get(q, "path"));
        sync += p && (strstr(p, "chat/completions") || strstr(p, ":generateContent"));
    }
    const json_t *tokens = json_object_get(job, "tokens");
    long lines = (long)h_num(json_object_get(json_object_get(job, "batch"), "requests"), "total");
    long n = (long)h_num(job, "done"), created = (long)h_num(b, "created");
    long calls =
        (long)(h_num(b, "created") + h_num(b, "uploads") + h_num(b, "polls") + h_num(b, "cancels"));
    long prompt = (long)h_num(tokens, "prompt"), output = (long)h_num(tokens, "output");
    printf("%-6s %7.2f s  status=%s leads=%ld batches=%ld request_lines=%ld batch_api_calls=%ld "
           "sync_requests=%ld model_calls=%ld prompt_tokens=%ld output_tokens=%ld "
           "tokens_per_lead=%.0f\n",
           wire, secs, json_string_value(json_object_get(job, "status")), n, created, lines, calls,
           sync, (long)h_num(job, "model_calls"), prompt, output,
           n ? (double)(prompt + output) / (double)n : 0.0);
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
    if (h_fake_start(&h_fake) != 0)
        die("fake did not start");
    const char *wires = getenv("BENCH_WIRES");
    if (wires == NULL || strstr(wires, "gemini"))
        run("gemini", argv[1], argv[2]);
    if (wires == NULL || strstr(wires, "openai"))
        run("openai", argv[1], argv[2]);
    h_fake_stop(&h_fake);
    curl_global_cleanup();
    return 0;
}
