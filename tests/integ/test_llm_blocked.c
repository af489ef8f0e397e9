/*
 * test_llm_blocked.c - model servers as they really answer (issue #10), part
 * two: a content filter or safety block on one lead flags only that lead
 * (ai.status "blocked", the provider's reason, the offline verdict), found by
 * halving the refused batch; every error shape reaches `leadscore score`;
 * what a server refused (max_tokens, reasoning_effort, json_schema, a
 * thinking budget) is remembered in the store for the next run; a server
 * with no structured output at all is asked in plain text (the job's ai.mode).
 */
#include "ls_test.h"
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "harness.h"

#define KEY    "your-key-here"
#define MARKER "QX-HOSTILE-7"

/* Starts leadscore on the fake: wire "gemini" or "openai", plus extra env entries (which win). */
static void start(struct srv *s, const char *name, const char *wire, const char *const *extra)
{
    assert_int_equal(h_srv_start_wire(s, name, wire, extra), 0);
}

/* n leads tagged tag; the one at hostile (-1: none) carries the filter's marker in its bio. */
static size_t leads_csv(char *csv, size_t cap, int n, int hostile, const char *tag)
{
    static const char *const roles[] = {"CEO", "Marketing Manager", "Analyst", "VP of Sales"};
    size_t w = (size_t)snprintf(csv, cap, "name,role,company,industry,location,linkedin_bio\n");
    for (int i = 0; i < n; i++)
        w += (size_t)snprintf(csv + w, cap - w, "Lead %d,%s,Co %d,B2B SaaS,Berlin,%s (%s)\n", i,
                              roles[i % 4], i, i == hostile ? MARKER : "Building pipeline", tag);
    return w;
}

static void load(struct srv *s, int n, int hostile, const char *tag)
{
    json_decref(h_call(s, "POST", "/offer", h_example_offer(), 201));
    char csv[8192];
    size_t w = leads_csv(csv, sizeof(csv), n, hostile, tag);
    json_decref(h_upload_text(s, "/leads/upload", "blocked-leads.csv", csv, w, 201));
}

/* A request with no body whose reply must be want and JSON (new reference). */
static json_t *request(struct srv *s, const char *method, const char *path, long want,
                       char **location)
{
    json_t *j = h_call_loc(s, method, path, NULL, want, location);
    assert_non_null(j);
    return j;
}

/* How many prospects a logged request body carried ("end" markers in its data block). */
static size_t prospects_in(const json_t *b)
{
    size_t n = 0;
    for (const char *p = h_str(b, "_raw"); (p = strstr(p, "\\\"end\\\":")) != NULL; p++)
        n++;
    return n;
}

/* ---- a filter on one lead -------------------------------------------------------- */

static const struct {
    const char *wire, *form;
    const char *reason; /* what the blocked lead's ai.error says */
} forms[] = {
    {"openai", "azure_400",
     "openai: HTTP 400 content_filter [filtered: violence (medium)]: The response was filtered "
     "due to the prompt triggering Azure OpenAI's content management policy."},
    {"openai", "finish_content_filter",
     "openai: the content filter stopped the answer: finish_reason content_filter [filtered: "
     "violence (medium)]"},
    {"gemini", "block_reason",
     "gemini blocked the prompt: PROHIBITED_CONTENT: The prompt was blocked because it contains "
     "prohibited content."},
    {"gemini", "SAFETY",
     "gemini stopped early: finishReason SAFETY [HARM_CATEGORY_DANGEROUS_CONTENT (HIGH)]"},
    {"gemini", "PROHIBITED_CONTENT", "gemini stopped early: finishReason PROHIBITED_CONTENT"},
    {"gemini", "RECITATION", "gemini stopped early: finishReason RECITATION"},
};

/* Checks one run's results: the hostile lead blocked with reason, the others others_status. */
static void expect_blocked_among(struct srv *s, int hostile, const char *reason,
                                 const char *others_status)
{
    json_t *res = request(s, "GET", "/results?limit=100", 200, NULL);
    size_t i, blocked = 0;
    json_t *it;
    json_array_foreach(res, i, it)
    {
        json_t *ai = json_object_get(it, "ai");
        char want_name[32];
        snprintf(want_name, sizeof(want_name), "Lead %d", hostile);
        if (strcmp(h_str(it, "name"), want_name) == 0) {
            assert_string_equal(h_str(ai, "status"), "blocked");
            h_contains("blocked lead", h_str(ai, "error"), reason);
            assert_true(strlen(h_str(it, "reasoning")) > 0); /* the offline judge's verdict */
            blocked++;
        } else {
            assert_string_equal(h_str(ai, "status"), others_status);
        }
    }
    assert_int_equal(blocked, 1);
    json_decref(res);
}

static void expect_one_blocked(struct srv *s, int hostile, const char *reason)
{
    expect_blocked_among(s, hostile, reason, "ok");
}

/* Asserts the fake saw the refused batch of 8 halved to the lead: 8, 4, 2, 1 refused. */
static void expect_halving(void)
{
    json_t *bodies = h_fake_bodies();
    size_t i, n_marker = 0, singles_with_marker = 0;
    json_t *b;
    size_t want_sizes[] = {8, 4, 2, 1};
    json_array_foreach(bodies, i, b)
    {
        if (strstr(h_str(b, "_raw"), MARKER) == NULL) {
            continue;
        }
        /* Every request carrying the lead is refused; each is half the one before. */
        if (n_marker < 4)
            assert_int_equal(prospects_in(b), want_sizes[n_marker]);
        singles_with_marker += prospects_in(b) == 1;
        n_marker++;
    }
    assert_int_equal(n_marker, 4);                /* the lead was never sent again once alone */
    assert_int_equal(singles_with_marker, 1);     /* and alone exactly once */
    assert_int_equal(json_array_size(bodies), 7); /* 8 -> 4+4 -> 2+2 -> 1+1 */
    json_decref(bodies);
}

static void test_llm_blocked__one_lead_flagged_the_others_scored(void **state)
{
    (void)state;
    const char *env[] = {"LEADSCORE_AI_BATCH=8", "LEADSCORE_AI_CONCURRENCY=2", NULL};
    for (size_t f = 0; f < LS_ARRAY_LEN(forms); f++) {
        struct srv s;
        char db[64], cfg[160];
        snprintf(db, sizeof(db), "blocked-%zu.db", f);
        snprintf(cfg, sizeof(cfg), "{\"filter_marker\": \"%s\", \"filter_form\": \"%s\"}", MARKER,
                 forms[f].form);
        h_fake_reset(&h_fake);
        h_fake_config(&h_fake, cfg);
        start(&s, db, forms[f].wire, env);
        /* POST /score: 200, not 502; one lead blocked, seven scored by the model. */
        load(&s, 8, 5, "score");
        json_t *sc = request(&s, "POST", "/score", 200, NULL);
        if (h_num(sc, "scored") != 8 || h_num(sc, "blocked") != 1 || h_num(sc, "fallbacks") != 1)
            fail_msg("%s: %s", forms[f].form, json_dumps(sc, 0));
        json_decref(sc);
        expect_one_blocked(&s, 5, forms[f].reason);
        expect_halving();
        /* POST /jobs: the job succeeds and counts the lead as blocked. */
        h_fake_reset(&h_fake);
        h_fake_config(&h_fake, cfg);
        load(&s, 8, 2, "job");
        json_t *job = h_run_job(&s, 30000);
        assert_string_equal(h_str(job, "status"), "succeeded");
        assert_int_equal(h_num(job, "blocked"), 1);
        assert_int_equal(h_num(job, "fallbacks"), 1);
        assert_int_equal(h_num(job, "done"), 8);
        assert_null(json_object_get(job, "error"));
        json_decref(job);
        expect_one_blocked(&s, 2, forms[f].reason);
        expect_halving();
        /* The same job again: every verdict, the refusal too, comes from the cache. */
        h_fake_reset(&h_fake);
        h_fake_config(&h_fake, cfg);
        job = h_run_job(&s, 30000);
        assert_string_equal(h_str(job, "status"), "succeeded");
        assert_int_equal(h_num(job, "cache_hits"), 8);
        assert_int_equal(h_num(job, "blocked"), 1);
        assert_int_equal(h_num(job, "fallbacks"), 1);
        assert_int_equal(h_num(job, "model_calls"), 0);
        json_decref(job);
        expect_blocked_among(&s, 2, forms[f].reason, "cached");
        json_t *bodies = h_fake_bodies();
        assert_int_equal(json_array_size(bodies), 0); /* not sent again, not even alone */
        json_decref(bodies);
        assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    }
}

/* The CLI: a blocked lead in its output, and the run ends 0. */
static void test_llm_blocked__cli_flags_the_lead(void **state)
{
    (void)state;
    char offer[600], leads[600], base[128], csv[4096];
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    h_path(leads, sizeof(leads), "blocked-cli.csv");
    size_t w = leads_csv(csv, sizeof(csv), 4, 0, "cli");
    h_write_file(leads, csv, w);
    snprintf(base, sizeof(base), "OPENAI_BASE_URL=%s/v1", h_fake.url);
    const char *env[] = {base, "OPENAI_MODEL=fake-model", "LEADSCORE_AI_PROVIDER=openai", NULL};
    const char *args[] = {"score", "--offer", offer, "--leads", leads, NULL};
    h_fake_config(&h_fake, "{\"filter_marker\": \"" MARKER "\", \"filter_form\": \"azure_400\"}");
    char *out, *err;
    assert_int_equal(h_run_cli(args, env, &out, &err), 0);
    h_contains("cli", err, "fallbacks 1 (blocked 1)");
    json_error_t e;
    json_t *res = json_loads(out, 0, &e);
    assert_non_null(res);
    size_t i, blocked = 0;
    json_t *it;
    json_array_foreach(res, i, it)
    {
        json_t *ai = json_object_get(it, "ai");
        if (strcmp(h_str(ai, "status"), "blocked") == 0) {
            assert_string_equal(h_str(it, "name"), "Lead 0");
            h_contains("cli", h_str(ai, "error"), "content_filter [filtered: violence (medium)]");
            blocked++;
        }
    }
    assert_int_equal(blocked, 1);
    json_decref(res);
    free(out);
    free(err);
}

/* ---- every error shape through the CLI ----------------------------------------------- */

static const struct {
    const char *fixture;
    const char *message;
} shapes[] = {
    {"e_openai", "openai: HTTP 404 model_not_found: The model `fake-model` does not exist or you "
                 "do not have access to it."},
    {"e_gemini_array",
     "openai: HTTP 400 INVALID_ARGUMENT: API key not valid. Please pass a valid API key."},
    {"e_vllm", "openai: HTTP 404: The model `fake-model` does not exist."},
    {"e_mistral", "openai: HTTP 400 1500: Invalid model: fake-model"},
    {"e_fastapi", "openai: HTTP 422: body.model: Field required"},
    {"e_fastapi_str", "openai: HTTP 401: Invalid API key"},
    {"e_ollama", "openai: HTTP 404: model \"fake-model\" not found, try pulling it first"},
    {"e_llamacpp",
     "openai: HTTP 400: the request exceeds the available context size, try increasing it"},
    {"e_llamacpp_content", "openai: HTTP 400: Invalid grammar"},
    {"e_html_403", "openai: HTTP 403: Attention Required! Sorry, you have been blocked You are "
                   "unable to access this API & its models."},
    {"e_text", "openai: HTTP 401: Unauthorized"},
    {"e_200_401", "openai: HTTP 200 carrying an error 401: No auth credentials found"},
};

static void test_llm_blocked__every_error_shape_reaches_the_cli(void **state)
{
    (void)state;
    char offer[600], leads[600], base[128];
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    snprintf(leads, sizeof(leads), "%s/examples/leads.csv", h_repo());
    snprintf(base, sizeof(base), "OPENAI_BASE_URL=%s/v1", h_fake.url);
    const char *env[] = {base, "OPENAI_MODEL=fake-model", "LEADSCORE_AI_PROVIDER=openai", NULL};
    const char *args[] = {"score", "--offer", offer, "--leads", leads, NULL};
    for (size_t i = 0; i < LS_ARRAY_LEN(shapes); i++) {
        char cfg[128], want[400];
        snprintf(cfg, sizeof(cfg), "{\"script\": [\"%s\", \"%s\"]}", shapes[i].fixture,
                 shapes[i].fixture);
        h_fake_reset(&h_fake);
        h_fake_config(&h_fake, cfg);
        char *out, *err;
        int rc = h_run_cli(args, env, &out, &err);
        if (rc != 70)
            fail_msg("%s: exit %d: %s", shapes[i].fixture, rc, err);
        snprintf(want, sizeof(want), "scoring failed: %s", shapes[i].message);
        h_contains(shapes[i].fixture, err, want);
        free(out);
        free(err);
    }
    /* The same extraction on the Gemini wire. */
    char gbase[128];
    snprintf(gbase, sizeof(gbase), "GEMINI_BASE_URL=%s", h_fake.url);
    const char *genv[] = {gbase, "GEMINI_API_KEY=" KEY, "LEADSCORE_AI_PROVIDER=gemini", NULL};
    static const struct {
        const char *fixture, *message;
    } gemini[] = {
        {"e_html_403", "gemini: HTTP 403: Attention Required! Sorry, you have been blocked"},
        {"e_fastapi_str", "gemini: HTTP 401: Invalid API key"},
        {"e_text", "gemini: HTTP 401: Unauthorized"},
    };
    for (size_t i = 0; i < LS_ARRAY_LEN(gemini); i++) {
        char cfg[128];
        snprintf(cfg, sizeof(cfg), "{\"script\": [\"%s\", \"%s\"]}", gemini[i].fixture,
                 gemini[i].fixture);
        h_fake_reset(&h_fake);
        h_fake_config(&h_fake, cfg);
        char *out, *err;
        int rc = h_run_cli(args, genv, &out, &err);
        if (rc != 70)
            fail_msg("%s: exit %d: %s", gemini[i].fixture, rc, err);
        h_contains(gemini[i].fixture, err, gemini[i].message);
        free(out);
        free(err);
    }
}

/* ---- remembered parameters ------------------------------------------------------------ */

static bool has_key(const json_t *body, const char *k)
{
    return json_object_get(body, k) != NULL;
}

/*
 * A server that refuses max_tokens, reasoning_effort "minimal" and every
 * response_format: the first run learns all three; a second process on the
 * same store sends what the server takes from its first request.
 */
static void test_llm_blocked__learnt_parameters_survive_the_process(void **state)
{
    (void)state;
    char offer[600], leads[600], base[128], db[600], csv[4096];
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    snprintf(base, sizeof(base), "OPENAI_BASE_URL=%s/v1", h_fake.url);
    h_path(db, sizeof(db), "learnt-cli.db");
    h_path(leads, sizeof(leads), "learnt-cli.csv");
    const char *env[] = {base, "OPENAI_MODEL=gpt-5-nano", "LEADSCORE_AI_PROVIDER=openai", NULL};
    const char *args[] = {"score", "--offer", offer, "--leads", leads, "--db", db, NULL};
    const char *cfg = "{\"reject_max_tokens\": true, \"reject_response_format\": true, "
                      "\"reasoning_values\": [\"low\", \"medium\", \"high\"]}";
    for (int run = 0; run < 2; run++) {
        h_fake_reset(&h_fake);
        h_fake_config(&h_fake, cfg);
        /* New leads each run: the verdict cache would otherwise answer the second. */
        size_t w = leads_csv(csv, sizeof(csv), 3, -1, run ? "second" : "first");
        h_write_file(leads, csv, w);
        char *out, *err;
        if (h_run_cli(args, env, &out, &err) != 0)
            fail_msg("run %d: %s", run, err);
        h_contains("cli", err, "fallbacks 0");
        free(out);
        free(err);
        json_t *bodies = h_fake_bodies();
        json_t *first = json_array_get(bodies, 0);
        if (run == 0) {
            /* Learnt one refusal at a time: each sent again in the form the server takes. */
            assert_true(has_key(first, "max_tokens"));
            assert_true(json_array_size(bodies) >= 4);
        } else {
            assert_int_equal(json_array_size(bodies), 1);
            assert_int_equal(h_num(first, "_status"), 200);
            assert_false(has_key(first, "max_tokens"));
            assert_true(has_key(first, "max_completion_tokens"));
            assert_false(has_key(first, "response_format"));
            assert_string_equal(h_str(first, "reasoning_effort"), "low");
        }
        json_decref(bodies);
    }
    /* A run pinned to max_tokens does not take the learnt name: it is refused, with the
     * server's words. */
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, cfg);
    size_t w = leads_csv(csv, sizeof(csv), 3, -1, "pinned");
    h_write_file(leads, csv, w);
    const char *pinned[] = {"LEADSCORE_AI_TOKENS_PARAM=max_tokens", base, "OPENAI_MODEL=gpt-5-nano",
                            "LEADSCORE_AI_PROVIDER=openai", NULL};
    char *out, *err;
    assert_int_equal(h_run_cli(args, pinned, &out, &err), 70);
    h_contains("pinned", err, "Unsupported parameter: 'max_tokens'");
    free(out);
    free(err);
}

/* ---- structured output: json_schema, json_object, text ---------------------------------- */

static void test_llm_blocked__no_structured_output_falls_back_to_text(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"reject_response_format\": true}");
    start(&s, "mode-text.db", "openai", NULL);
    load(&s, 3, -1, "mode");
    json_t *job = h_run_job(&s, 30000);
    assert_string_equal(h_str(job, "status"), "succeeded");
    assert_int_equal(h_num(job, "fallbacks"), 0);
    json_t *ai = json_object_get(job, "ai");
    assert_string_equal(h_str(ai, "mode"), "text");
    assert_string_equal(h_str(ai, "tokens_param"), "max_tokens");
    json_decref(job);
    json_t *bodies = h_fake_bodies();
    assert_int_equal(json_array_size(bodies), 3);
    assert_string_equal(
        h_str(json_object_get(json_array_get(bodies, 0), "response_format"), "type"),
        "json_schema");
    assert_string_equal(
        h_str(json_object_get(json_array_get(bodies, 1), "response_format"), "type"),
        "json_object");
    assert_false(has_key(json_array_get(bodies, 2), "response_format"));
    assert_int_equal(h_num(json_array_get(bodies, 2), "_status"), 200);
    json_decref(bodies);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* A restart on the same store asks in text from the first request. */
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, "{\"reject_response_format\": true}");
    start(&s, "mode-text.db", "openai", NULL);
    load(&s, 3, -1, "mode-again");
    job = h_run_job(&s, 30000);
    assert_string_equal(h_str(json_object_get(job, "ai"), "mode"), "text");
    json_decref(job);
    bodies = h_fake_bodies();
    assert_int_equal(json_array_size(bodies), 1);
    assert_false(has_key(json_array_get(bodies, 0), "response_format"));
    json_decref(bodies);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* JSON mode that answers no JSON (a server that ignores response_format): text. */
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, "{\"reject_json_schema\": true, \"script\": [\"ok\", \"truncated\"]}");
    start(&s, "mode-ignored.db", "openai", NULL);
    load(&s, 3, -1, "ignored");
    job = h_run_job(&s, 30000);
    assert_string_equal(h_str(json_object_get(job, "ai"), "mode"), "text");
    assert_int_equal(h_num(job, "fallbacks"), 0);
    json_decref(job);
    bodies = h_fake_bodies();
    assert_int_equal(json_array_size(bodies), 3);
    assert_string_equal(
        h_str(json_object_get(json_array_get(bodies, 1), "response_format"), "type"),
        "json_object");
    assert_false(has_key(json_array_get(bodies, 2), "response_format"));
    json_decref(bodies);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* A server that takes json_schema: the job says so. */
    h_fake_reset(&h_fake);
    start(&s, "mode-schema.db", "openai", NULL);
    load(&s, 2, -1, "schema");
    job = h_run_job(&s, 30000);
    assert_string_equal(h_str(json_object_get(job, "ai"), "mode"), "json_schema");
    json_decref(job);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* ---- Gemini thinking ---------------------------------------------------------------- */

static const json_t *thinking_of(const json_t *bodies, size_t i)
{
    return json_object_get(json_object_get(json_array_get(bodies, i), "generationConfig"),
                           "thinkingConfig");
}

static void test_llm_blocked__gemini_thinks_as_little_as_the_model_allows(void **state)
{
    (void)state;
    struct srv s;
    /* 2.5 Pro cannot turn thinking off: its least budget, 128, from the start. */
    const char *pro[] = {"GEMINI_MODEL=gemini-2.5-pro", NULL};
    h_fake_config(&h_fake, "{\"reject_thinking_budget_0\": true}");
    start(&s, "think-pro.db", "gemini", pro);
    load(&s, 2, -1, "pro");
    json_t *job = h_run_job(&s, 30000);
    assert_string_equal(h_str(job, "status"), "succeeded");
    assert_string_equal(h_str(json_object_get(job, "ai"), "thinking"), "budget:128");
    json_decref(job);
    json_t *bodies = h_fake_bodies();
    assert_int_equal(json_array_size(bodies), 1);
    assert_int_equal(h_num(thinking_of(bodies, 0), "thinkingBudget"), 128);
    json_decref(bodies);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* A model that refuses budget 0 ("only works in thinking mode"): learnt, not fatal, and
     * remembered across a restart. */
    const char *flash[] = {"GEMINI_MODEL=gemini-2.5-flash", NULL};
    for (int run = 0; run < 2; run++) {
        h_fake_reset(&h_fake);
        h_fake_config(&h_fake, "{\"reject_thinking_budget_0\": true}");
        start(&s, "think-flash.db", "gemini", flash);
        load(&s, 2, -1, run ? "flash-again" : "flash");
        job = h_run_job(&s, 30000);
        assert_string_equal(h_str(job, "status"), "succeeded");
        assert_int_equal(h_num(job, "fallbacks"), 0);
        assert_string_equal(h_str(json_object_get(job, "ai"), "thinking"), "budget:128");
        json_decref(job);
        bodies = h_fake_bodies();
        if (run == 0) {
            assert_int_equal(json_array_size(bodies), 2);
            assert_int_equal(h_num(thinking_of(bodies, 0), "thinkingBudget"), 0);
            assert_int_equal(h_num(json_array_get(bodies, 0), "_status"), 400);
            assert_int_equal(h_num(thinking_of(bodies, 1), "thinkingBudget"), 128);
        } else {
            assert_int_equal(json_array_size(bodies), 1);
            assert_int_equal(h_num(thinking_of(bodies, 0), "thinkingBudget"), 128);
        }
        json_decref(bodies);
        assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    }

    /* Gemini 3 takes a thinkingLevel: the lowest, then the next one when it is refused. */
    const char *g3[] = {"GEMINI_MODEL=gemini-3-flash-preview", NULL};
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, "{\"reject_thinking_level\": [\"minimal\"]}");
    start(&s, "think-g3.db", "gemini", g3);
    load(&s, 2, -1, "g3");
    job = h_run_job(&s, 30000);
    assert_string_equal(h_str(job, "status"), "succeeded");
    assert_string_equal(h_str(json_object_get(job, "ai"), "thinking"), "level:low");
    json_decref(job);
    bodies = h_fake_bodies();
    assert_int_equal(json_array_size(bodies), 2);
    assert_string_equal(h_str(thinking_of(bodies, 0), "thinkingLevel"), "minimal");
    assert_null(json_object_get(thinking_of(bodies, 0), "thinkingBudget"));
    assert_string_equal(h_str(thinking_of(bodies, 1), "thinkingLevel"), "low");
    json_decref(bodies);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_llm_blocked__one_lead_flagged_the_others_scored, h_fake_each),
        cmocka_unit_test_setup(test_llm_blocked__cli_flags_the_lead, h_fake_each),
        cmocka_unit_test_setup(test_llm_blocked__every_error_shape_reaches_the_cli, h_fake_each),
        cmocka_unit_test_setup(test_llm_blocked__learnt_parameters_survive_the_process,
                               h_fake_each),
        cmocka_unit_test_setup(test_llm_blocked__no_structured_output_falls_back_to_text,
                               h_fake_each),
        cmocka_unit_test_setup(test_llm_blocked__gemini_thinks_as_little_as_the_model_allows,
                               h_fake_each),
    };
    int rc = cmocka_run_group_tests(tests, h_fake_group_setup, h_fake_group_teardown);
    curl_global_cleanup();
    return rc;
}
