/*
 * test_llm_wire.c - model servers as they really answer (issue #10): every
 * error shape reaches the user as the service's own words, in POST /score,
 * a job's error, a result's ai.error and the CLI; reasoning replies yield
 * verdicts; the tokens and reasoning parameters adapt to the server's
 * refusals, as the fake's request log shows.
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

#define KEY "your-key-here"

/* Starts leadscore on the fake: wire "gemini" or "openai", plus extra env entries (which win). */
static void start(struct srv *s, const char *name, const char *wire, const char *const *extra)
{
    assert_int_equal(h_srv_start_wire(s, name, wire, extra), 0);
}

static const char *const roles[] = {"CEO", "Marketing Manager", "Analyst", "VP of Sales"};

/* The fake's intent for a role (its rule, mirrored). */
static const char *expected_intent(const char *role)
{
    if (strstr(role, "CEO") || strstr(role, "VP"))
        return "High";
    if (strstr(role, "Manager"))
        return "Medium";
    return "Low";
}

/* Uploads the example offer and n leads whose bios carry tag (new leads: no cache hits). */
static void load(struct srv *s, int n, const char *tag)
{
    json_decref(h_call(s, "POST", "/offer", h_example_offer(), 201));
    char csv[4096];
    size_t w =
        (size_t)snprintf(csv, sizeof(csv), "name,role,company,industry,location,linkedin_bio\n");
    for (int i = 0; i < n; i++)
        w += (size_t)snprintf(csv + w, sizeof(csv) - w,
                              "Lead %d,%s,Co %d,B2B SaaS,Berlin,Building pipeline (%s)\n", i,
                              roles[i % 4], i, tag);
    json_decref(h_upload_text(s, "/leads/upload", "wire-leads.csv", csv, w, 201));
}

/* A request with no body whose reply must be want and JSON (new reference). */
static json_t *request(struct srv *s, const char *method, const char *path, long want,
                       char **location)
{
    json_t *j = h_call_loc(s, method, path, NULL, want, location);
    assert_non_null(j);
    return j;
}

/* ---- errors that concern the whole request ------------------------------------ */

static const struct {
    const char *fixture;
    const char *message; /* what POST /score and the job say */
} fatal_openai[] = {
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
    /* e_azure_filter concerns content: it flags leads (test_llm_blocked.c). */
};

static void script(const char *behaviour, int times)
{
    char cfg[512];
    size_t w = (size_t)snprintf(cfg, sizeof(cfg), "{\"script\": [");
    for (int i = 0; i < times; i++)
        w += (size_t)snprintf(cfg + w, sizeof(cfg) - w, "%s\"%s\"", i ? ", " : "", behaviour);
    snprintf(cfg + w, sizeof(cfg) - w, "]}");
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, cfg);
}

/* The run stops at once with the service's words, in POST /score and in POST /jobs. */
static void expect_fatal(struct srv *s, const char *fixture, const char *message)
{
    script(fixture, 4);
    json_t *e = request(s, "POST", "/score", 502, NULL);
    assert_string_equal(h_str(e, "code"), "scoring_failed");
    h_contains(fixture, h_str(e, "error"), message);
    json_decref(e);
    json_t *log = h_fake_requests(&h_fake);
    assert_int_equal(json_array_size(json_object_get(log, "requests")), 1); /* no retry */
    json_decref(log);
    script(fixture, 4);
    json_t *job = h_run_job(s, 30000);
    assert_string_equal(h_str(job, "status"), "failed");
    h_contains(fixture, h_str(job, "error"), message);
    json_decref(job);
}

static void test_llm_wire__request_errors_stop_the_run_with_their_message(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "wire-fatal-openai.db", "openai", NULL);
    load(&s, 3, "fatal");
    for (size_t i = 0; i < LS_ARRAY_LEN(fatal_openai); i++)
        expect_fatal(&s, fatal_openai[i].fixture, fatal_openai[i].message);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* The same extraction on the Gemini wire. */
    start(&s, "wire-fatal-gemini.db", "gemini", NULL);
    load(&s, 3, "fatal");
    expect_fatal(&s, "e_html_403", "gemini: HTTP 403: Attention Required! Sorry, you have been");
    expect_fatal(&s, "e_fastapi_str", "gemini: HTTP 401: Invalid API key");
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* And through the CLI. */
    char offer[600], leads[600], base[128];
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    snprintf(leads, sizeof(leads), "%s/examples/leads.csv", h_repo());
    snprintf(base, sizeof(base), "OPENAI_BASE_URL=%s/v1", h_fake.url);
    const char *env[] = {base, "OPENAI_MODEL=fake-model", "LEADSCORE_AI_PROVIDER=openai", NULL};
    const char *args[] = {"score", "--offer", offer, "--leads", leads, NULL};
    char *out, *err;
    script("e_vllm", 2);
    assert_int_equal(h_run_cli(args, env, &out, &err), 70);
    h_contains("cli", err,
               "scoring failed: openai: HTTP 404: The model `fake-model` does not exist.");
    free(out);
    free(err);
}

/* ---- transient errors ------------------------------------------------------------- */

static void test_llm_wire__transient_errors_retried_and_shown_per_lead(void **state)
{
    (void)state;
    struct srv s;
    const char *env[] = {"LEADSCORE_AI_MAX_RETRIES=2", NULL};
    start(&s, "wire-transient.db", "openai", env);
    static const char *const fixtures[] = {"e_html", "e_llamacpp_loading", "error_200"};
    for (size_t i = 0; i < LS_ARRAY_LEN(fixtures); i++) {
        script(fixtures[i], 1);
        load(&s, 3, fixtures[i]);
        json_t *sc = request(&s, "POST", "/score", 200, NULL);
        if (h_num(sc, "scored") != 3 || h_num(sc, "fallbacks") != 0 ||
            h_num(sc, "model_calls") != 2)
            fail_msg("%s: %s", fixtures[i], json_dumps(sc, 0));
        json_decref(sc);
    }
    /* Every attempt fails: the leads get the offline verdict and the service's words. */
    script("e_html", 2);
    load(&s, 2, "exhausted");
    json_t *job = h_run_job(&s, 30000);
    assert_string_equal(h_str(job, "status"), "succeeded");
    assert_int_equal(h_num(job, "fallbacks"), 2);
    json_decref(job);
    json_t *res = request(&s, "GET", "/results", 200, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(res, i, it)
    {
        json_t *ai = json_object_get(it, "ai");
        assert_string_equal(h_str(ai, "status"), "fallback");
        assert_string_equal(h_str(ai, "error"), "openai: HTTP 502: 502 Bad Gateway 502 Bad Gateway "
                                                "nginx/1.25.3 (gave up after 2 attempts)");
    }
    assert_int_equal(json_array_size(res), 2);
    json_decref(res);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* ---- reasoning replies ------------------------------------------------------------ */

static void test_llm_wire__reasoning_replies_yield_verdicts(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "wire-think.db", "openai", NULL);
    static const char *const kinds[] = {"think", "think_open", "reasoning_content"};
    for (size_t k = 0; k < LS_ARRAY_LEN(kinds); k++) {
        script(kinds[k], 1);
        load(&s, 4, kinds[k]);
        json_t *sc = request(&s, "POST", "/score", 200, NULL);
        if (h_num(sc, "scored") != 4 || h_num(sc, "fallbacks") != 0 ||
            h_num(sc, "model_calls") != 1)
            fail_msg("%s: %s", kinds[k], json_dumps(sc, 0));
        /* The fake bills reasoning inside completion_tokens: 500 for reasoning_content. */
        if (strcmp(kinds[k], "reasoning_content") == 0)
            assert_true(h_num(json_object_get(sc, "tokens"), "output") > 500);
        json_decref(sc);
        json_t *res = request(&s, "GET", "/results", 200, NULL);
        size_t i;
        json_t *it;
        json_array_foreach(res, i, it)
        {
            /* The decoy inside the thinking said High for an id that is no lead's. */
            assert_string_equal(h_str(it, "intent"), expected_intent(h_str(it, "role")));
            assert_string_equal(h_str(json_object_get(it, "ai"), "status"), "ok");
        }
        json_decref(res);
    }
    /* A reply that never leaves its <think> block has no answer: asked again, then fallback. */
    script("think_only", 2);
    load(&s, 1, "think-only");
    json_t *sc = request(&s, "POST", "/score", 200, NULL);
    assert_int_equal(h_num(sc, "fallbacks"), 1);
    json_decref(sc);
    json_t *res = request(&s, "GET", "/results", 200, NULL);
    h_contains("think_only", h_str(json_object_get(json_array_get(res, 0), "ai"), "error"),
               "the reply is all reasoning (a <think> block never closed)");
    json_decref(res);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* Gemini: the block and finish messages reach the lead; thoughts count as output. */
    start(&s, "wire-gemini-msgs.db", "gemini", NULL);
    script("block_msg", 2);
    load(&s, 1, "block");
    json_decref(request(&s, "POST", "/score", 200, NULL));
    res = request(&s, "GET", "/results", 200, NULL);
    assert_string_equal(h_str(json_object_get(json_array_get(res, 0), "ai"), "error"),
                        "gemini blocked the prompt: OTHER: The prompt was blocked due to unknown "
                        "reasons.");
    json_decref(res);
    script("finish_msg", 2);
    load(&s, 1, "finish");
    json_decref(request(&s, "POST", "/score", 200, NULL));
    res = request(&s, "GET", "/results", 200, NULL);
    assert_string_equal(h_str(json_object_get(json_array_get(res, 0), "ai"), "error"),
                        "gemini stopped early: finishReason PROHIBITED_CONTENT: Response stopped "
                        "due to prohibited content.");
    json_decref(res);
    script("thoughts", 1);
    load(&s, 2, "thoughts");
    sc = request(&s, "POST", "/score", 200, NULL);
    assert_true(h_num(json_object_get(sc, "tokens"), "output") >= 1000);
    json_decref(sc);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* ---- the tokens parameter ----------------------------------------------------------- */

static bool has_key(const json_t *body, const char *k)
{
    return json_object_get(body, k) != NULL;
}

static void test_llm_wire__tokens_param_switches_once(void **state)
{
    (void)state;
    /* auto: max_tokens, refused with OpenAI's words, then max_completion_tokens for good -
     * also for requests that were in flight with the old name. */
    struct srv s;
    const char *env[] = {"LEADSCORE_AI_BATCH=2", "LEADSCORE_AI_CONCURRENCY=4", NULL};
    h_fake_config(&h_fake, "{\"reject_max_tokens\": true}");
    start(&s, "wire-tokens.db", "openai", env);
    load(&s, 12, "auto");
    json_t *sc = request(&s, "POST", "/score", 200, NULL);
    assert_int_equal(h_num(sc, "scored"), 12);
    assert_int_equal(h_num(sc, "fallbacks"), 0);
    json_decref(sc);
    json_t *bodies = h_fake_bodies();
    size_t i, refused = 0, ok = 0;
    json_t *b;
    json_array_foreach(bodies, i, b)
    {
        if (h_num(b, "_status") == 400) {
            assert_true(has_key(b, "max_tokens"));
            refused++;
        } else {
            assert_int_equal(h_num(b, "_status"), 200);
            assert_false(has_key(b, "max_tokens"));
            assert_true(h_num(b, "max_completion_tokens") > 0);
            ok++;
        }
    }
    assert_true(refused >= 1 && refused <= 4); /* at most the requests in flight at first */
    assert_int_equal(ok, 6);
    assert_true(has_key(json_array_get(bodies, 0), "max_tokens"));
    json_decref(bodies);
    /* The next run on this server starts with the name learnt. */
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, "{\"reject_max_tokens\": true}");
    load(&s, 2, "auto-again");
    json_decref(request(&s, "POST", "/score", 200, NULL));
    bodies = h_fake_bodies();
    assert_int_equal(json_array_size(bodies), 1);
    assert_true(has_key(json_array_get(bodies, 0), "max_completion_tokens"));
    json_decref(bodies);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* max_tokens, pinned: the refusal ends the run with OpenAI's message. */
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, "{\"reject_max_tokens\": true}");
    const char *pinned[] = {"LEADSCORE_AI_TOKENS_PARAM=max_tokens", NULL};
    start(&s, "wire-tokens-pinned.db", "openai", pinned);
    load(&s, 3, "pinned");
    json_t *job = h_run_job(&s, 30000);
    assert_string_equal(h_str(job, "status"), "failed");
    h_contains("pinned", h_str(job, "error"),
               "openai: HTTP 400 unsupported_parameter: Unsupported parameter: 'max_tokens' is not "
               "supported with this model. Use 'max_completion_tokens' instead.");
    json_decref(job);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* max_completion_tokens from the start: never a refusal. */
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, "{\"reject_max_tokens\": true}");
    const char *mct[] = {"LEADSCORE_AI_TOKENS_PARAM=max_completion_tokens", NULL};
    start(&s, "wire-tokens-mct.db", "openai", mct);
    load(&s, 3, "mct");
    json_decref(request(&s, "POST", "/score", 200, NULL));
    bodies = h_fake_bodies();
    assert_int_equal(json_array_size(bodies), 1);
    assert_int_equal(h_num(json_array_get(bodies, 0), "_status"), 200);
    json_decref(bodies);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* ---- reasoning_effort ---------------------------------------------------------------- */

static const char *effort_of(const json_t *bodies, size_t i)
{
    const json_t *v = json_object_get(json_array_get(bodies, i), "reasoning_effort");
    return v ? json_string_value(v) : "(absent)";
}

static void test_llm_wire__reasoning_effort_sent_lowered_and_dropped(void **state)
{
    (void)state;
    /* A model that reasons by default gets the lowest effort; the server lists what it
     * takes instead, and the request goes again with the lowest of those. */
    struct srv s;
    const char *gpt5[] = {"OPENAI_MODEL=gpt-5-nano", NULL};
    h_fake_config(&h_fake, "{\"reasoning_values\": [\"low\", \"medium\", \"high\"]}");
    start(&s, "wire-effort.db", "openai", gpt5);
    load(&s, 3, "effort");
    json_t *sc = request(&s, "POST", "/score", 200, NULL);
    assert_int_equal(h_num(sc, "fallbacks"), 0);
    json_decref(sc);
    json_t *bodies = h_fake_bodies();
    assert_int_equal(json_array_size(bodies), 2);
    assert_string_equal(effort_of(bodies, 0), "minimal");
    assert_int_equal(h_num(json_array_get(bodies, 0), "_status"), 400);
    assert_string_equal(effort_of(bodies, 1), "low");
    assert_int_equal(h_num(json_array_get(bodies, 1), "_status"), 200);
    json_decref(bodies);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* Configured, but the model takes no such parameter: dropped, the run goes on. */
    h_fake_reset(&h_fake);
    h_fake_config(&h_fake, "{\"reasoning_values\": []}");
    const char *low[] = {"LEADSCORE_AI_REASONING=low", NULL};
    start(&s, "wire-effort-drop.db", "openai", low);
    load(&s, 3, "drop");
    json_t *job = h_run_job(&s, 30000);
    assert_string_equal(h_str(job, "status"), "succeeded");
    json_decref(job);
    bodies = h_fake_bodies();
    assert_int_equal(json_array_size(bodies), 2);
    assert_string_equal(effort_of(bodies, 0), "low");
    assert_string_equal(effort_of(bodies, 1), "(absent)");
    json_decref(bodies);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* Not configured and not a model known to reason: not sent at all. */
    h_fake_reset(&h_fake);
    start(&s, "wire-effort-none.db", "openai", NULL);
    load(&s, 3, "none");
    json_decref(request(&s, "POST", "/score", 200, NULL));
    bodies = h_fake_bodies();
    assert_string_equal(effort_of(bodies, 0), "(absent)");
    json_decref(bodies);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Bad values are refused at start-up, naming the variable. */
static void test_llm_wire__bad_parameter_settings_refused_at_startup(void **state)
{
    (void)state;
    char offer[600], leads[600];
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    snprintf(leads, sizeof(leads), "%s/examples/leads.csv", h_repo());
    const char *args[] = {"score", "--offer", offer, "--leads", leads, NULL};
    static const struct {
        const char *env, *want;
    } cases[] = {
        {"LEADSCORE_AI_TOKENS_PARAM=max_output_tokens",
         "LEADSCORE_AI_TOKENS_PARAM must be auto, max_tokens or max_completion_tokens (got "
         "\"max_output_tokens\")"},
        {"LEADSCORE_AI_REASONING=extreme",
         "LEADSCORE_AI_REASONING must be none, minimal, low, medium or high (got \"extreme\")"},
    };
    for (size_t i = 0; i < LS_ARRAY_LEN(cases); i++) {
        const char *env[] = {cases[i].env, NULL};
        char *out, *err;
        assert_int_equal(h_run_cli(args, env, &out, &err), 2);
        h_contains(cases[i].env, err, cases[i].want);
        free(out);
        free(err);
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_llm_wire__request_errors_stop_the_run_with_their_message,
                               h_fake_each),
        cmocka_unit_test_setup(test_llm_wire__transient_errors_retried_and_shown_per_lead,
                               h_fake_each),
        cmocka_unit_test_setup(test_llm_wire__reasoning_replies_yield_verdicts, h_fake_each),
        cmocka_unit_test_setup(test_llm_wire__tokens_param_switches_once, h_fake_each),
        cmocka_unit_test_setup(test_llm_wire__reasoning_effort_sent_lowered_and_dropped,
                               h_fake_each),
        cmocka_unit_test_setup(test_llm_wire__bad_parameter_settings_refused_at_startup,
                               h_fake_each),
    };
    int rc = cmocka_run_group_tests(tests, h_fake_group_setup, h_fake_group_teardown);
    curl_global_cleanup();
    return rc;
}
