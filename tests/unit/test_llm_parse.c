/*
 * test_llm_parse.c - every reply the two wire formats document, and every way
 * an answer can fail validation.
 */
#include "ls_test.h"
#include <stdio.h>
#include <string.h>

#include "core/llm_parse.h"
#include "core/utf8.h"

static struct ls_llm_reply gemini(long status, const char *body)
{
    struct ls_llm_reply r;
    ls_llm_reply_init(&r, 65536);
    ls_llm_gemini_reply(status, body, strlen(body), &r);
    return r;
}

static struct ls_llm_reply openai(long status, const char *body)
{
    struct ls_llm_reply r;
    ls_llm_reply_init(&r, 65536);
    ls_llm_openai_reply(status, body, strlen(body), &r);
    return r;
}

static void test_llm_parse__gemini_success_skips_thoughts(void **state)
{
    (void)state;
    struct ls_llm_reply r = gemini(
        200, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"thinking\","
             "\"thought\":true},{\"text\":\"[{\\\"id\\\":\"},{\"text\":\"\\\"a\\\"}]\"}]},"
             "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":171,"
             "\"candidatesTokenCount\":38,\"totalTokenCount\":209}}");
    assert_int_equal(r.kind, LS_LLM_OK);
    assert_string_equal(ls_buf_str(&r.text), "[{\"id\":\"a\"}]");
    assert_int_equal(r.prompt_tokens, 171);
    assert_int_equal(r.output_tokens, 38);
    ls_llm_reply_release(&r);
}

static void test_llm_parse__gemini_failures_at_200(void **state)
{
    (void)state;
    struct {
        const char *body;
        const char *why;
        enum ls_llm_kind kind; /* a safety system's refusal is BLOCKED: not worth asking again */
    } cases[] = {
        {"{\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"},\"usageMetadata\":{}}",
         "blocked the prompt: PROHIBITED_CONTENT", LS_LLM_BLOCKED},
        {"{\"candidates\":[{\"content\":{\"role\":\"model\"},\"finishReason\":\"MAX_TOKENS\"}]}",
         "finishReason MAX_TOKENS", LS_LLM_BAD_ANSWER},
        {"{\"candidates\":[{\"finishReason\":\"SAFETY\",\"safetyRatings\":[{\"category\":"
         "\"HARM_CATEGORY_HARASSMENT\",\"probability\":\"HIGH\",\"blocked\":true}]}]}",
         "finishReason SAFETY [HARM_CATEGORY_HARASSMENT (HIGH)]", LS_LLM_BLOCKED},
        {"{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":"
         "\"RECITATION\"}]}",
         "finishReason RECITATION", LS_LLM_BLOCKED},
        {"{\"candidates\":[{\"finishReason\":\"OTHER\"}]}", "finishReason OTHER",
         LS_LLM_BAD_ANSWER},
        {"{\"candidates\":[]}", "no candidate", LS_LLM_BAD_ANSWER},
        {"{\"candidates\":[{\"content\":{\"parts\":[]},\"finishReason\":\"STOP\"}]}", "no text",
         LS_LLM_BAD_ANSWER},
        {"not json", "not JSON", LS_LLM_BAD_ANSWER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ls_llm_reply r = gemini(200, cases[i].body);
        assert_int_equal(r.kind, cases[i].kind);
        if (strstr(r.error, cases[i].why) == NULL) {
            print_error("case %zu: %s\n", i, r.error);
            fail();
        }
        ls_llm_reply_release(&r);
    }
}

static void test_llm_parse__gemini_errors(void **state)
{
    (void)state;
    struct ls_llm_reply r = gemini(
        429, "{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota\","
             "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/"
             "google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":"
             "\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\"}]},{\"@type\":\"type."
             "googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"53.016342224s\"}]}}");
    assert_int_equal(r.kind, LS_LLM_RETRY);
    assert_int_equal(r.retry_after_ms, 53016);
    assert_non_null(strstr(r.error, "HTTP 429 RESOURCE_EXHAUSTED"));
    ls_llm_reply_release(&r);

    r = gemini(429, "{\"error\":{\"code\":429,\"message\":\"quota\",\"status\":"
                    "\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/"
                    "google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":"
                    "\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]},{\"@type\":"
                    "\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"15s\"}]}}");
    assert_int_equal(r.kind, LS_LLM_FATAL); /* a daily quota does not come back in 15 s */
    ls_llm_reply_release(&r);

    struct {
        long status;
        const char *body;
        enum ls_llm_kind kind;
        const char *msg;
    } cases[] = {
        {400,
         "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API "
         "key.\",\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/"
         "google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\"}]}}",
         LS_LLM_FATAL, "API key not valid"},
        {403,
         "{\"error\":{\"code\":403,\"message\":\"Method doesn't allow unregistered callers\","
         "\"status\":\"PERMISSION_DENIED\"}}",
         LS_LLM_FATAL, "PERMISSION_DENIED"},
        {404,
         "{\"error\":{\"code\":404,\"message\":\"models/gemini-2.0-flash is not found\","
         "\"status\":\"NOT_FOUND\"}}",
         LS_LLM_FATAL, "is not found"},
        {500,
         "{\"error\":{\"code\":500,\"message\":\"An internal error\",\"status\":\"INTERNAL\"}}",
         LS_LLM_RETRY, "INTERNAL"},
        {503,
         "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":"
         "\"UNAVAILABLE\"}}",
         LS_LLM_RETRY, "overloaded"},
        {504,
         "[{\"error\":{\"code\":504,\"message\":\"deadline\",\"status\":"
         "\"DEADLINE_EXCEEDED\"}}]",
         LS_LLM_RETRY, "DEADLINE_EXCEEDED"},
        {502, "<html>bad gateway</html>", LS_LLM_RETRY, "gemini: HTTP 502: bad gateway"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        r = gemini(cases[i].status, cases[i].body);
        assert_int_equal(r.kind, cases[i].kind);
        assert_non_null(strstr(r.error, cases[i].msg));
        assert_int_equal(r.retry_after_ms, -1);
        ls_llm_reply_release(&r);
    }
}

static void test_llm_parse__openai(void **state)
{
    (void)state;
    struct ls_llm_reply r =
        openai(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                    "\"message\":{\"role\":\"assistant\",\"content\":\"{\\\"results\\\":[]}\","
                    "\"refusal\":null},\"finish_reason\":\"stop\"}],\"usage\":{"
                    "\"prompt_tokens\":148,\"completion_tokens\":29,\"total_tokens\":177}}");
    assert_int_equal(r.kind, LS_LLM_OK);
    assert_string_equal(ls_buf_str(&r.text), "{\"results\":[]}");
    assert_int_equal(r.prompt_tokens, 148);
    assert_int_equal(r.output_tokens, 29);
    ls_llm_reply_release(&r);

    struct {
        long status;
        const char *body;
        enum ls_llm_kind kind;
        const char *msg;
    } cases[] = {
        {200, "{\"error\":{\"code\":502,\"message\":\"upstream down\"}}", LS_LLM_RETRY,
         "HTTP 200 carrying an error 502: upstream down"},
        {200, "{\"error\":{\"code\":401,\"message\":\"No auth credentials found\"}}", LS_LLM_FATAL,
         "HTTP 200 carrying an error 401: No auth credentials found"},
        {200,
         "{\"choices\":[{\"message\":{\"content\":\"{\\\"res\"},\"finish_reason\":\"length\"}]}",
         LS_LLM_BAD_ANSWER, "finish_reason length"},
        {200, "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"I can't\"}}]}",
         LS_LLM_BAD_ANSWER, "refused"},
        {200,
         "{\"choices\":[{\"message\":{\"content\":null},\"finish_reason\":\"content_filter\"}]}",
         LS_LLM_BLOCKED, "finish_reason content_filter"},
        {200,
         "{\"choices\":[{\"message\":{\"content\":null},\"finish_reason\":\"content_filter\","
         "\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"},"
         "\"violence\":{\"filtered\":true,\"severity\":\"medium\"}}}]}",
         LS_LLM_BLOCKED, "content_filter [filtered: violence (medium)]"},
        {400,
         "{\"error\":{\"message\":\"The response was filtered\",\"type\":null,\"param\":"
         "\"prompt\",\"code\":\"content_filter\",\"status\":400,\"innererror\":{\"code\":"
         "\"ResponsibleAIPolicyViolation\",\"content_filter_result\":{\"sexual\":{\"filtered\":"
         "true,\"severity\":\"high\"},\"hate\":{\"filtered\":false,\"severity\":\"safe\"}}}}}",
         LS_LLM_BLOCKED,
         "openai: HTTP 400 content_filter [filtered: sexual (high)]: The response was filtered"},
        {429,
         "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini\",\"type\":\"requests\","
         "\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
         LS_LLM_RETRY, "rate_limit_exceeded"},
        {429,
         "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":"
         "\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}",
         LS_LLM_FATAL, "insufficient_quota"},
        {401,
         "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":"
         "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}",
         LS_LLM_FATAL, "Incorrect API key"},
        {400, "{\"error\":{\"code\":400,\"message\":\"bad\",\"type\":\"invalid_request_error\"}}",
         LS_LLM_FATAL, "openai: HTTP 400: bad"},
        {404, "{\"error\":\"model \\\"x\\\" not found, try pulling it first\"}", LS_LLM_FATAL,
         "try pulling it first"},
        {503, "{\"error\":{\"message\":\"server busy\",\"type\":\"api_error\",\"code\":null}}",
         LS_LLM_RETRY, "server busy"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        r = openai(cases[i].status, cases[i].body);
        if (r.kind != cases[i].kind || strstr(r.error, cases[i].msg) == NULL) {
            print_error("case %zu: kind %d: %s\n", i, r.kind, r.error);
            fail();
        }
        ls_llm_reply_release(&r);
    }
    r = openai(400, "{\"error\":{\"message\":\"Invalid parameter: 'response_format' of type "
                    "'json_schema' is not supported with this model.\",\"type\":"
                    "\"invalid_request_error\",\"param\":\"response_format\",\"code\":null}}");
    assert_true(r.schema_unsupported);
    ls_llm_reply_release(&r);
    /* Gemini refusing a thinking configuration is learnt from, not the end of the run. */
    static const char *const thinking[] = {
        "Budget 0 is invalid. This model only works in thinking mode.",
        "The model does not support setting thinking_budget to 0.",
        "Thinking level MINIMAL is not supported for this model."};
    for (size_t i = 0; i < sizeof(thinking) / sizeof(thinking[0]); i++) {
        char body[300];
        snprintf(body, sizeof(body),
                 "{\"error\":{\"code\":400,\"message\":\"%s\",\"status\":\"INVALID_ARGUMENT\"}}",
                 thinking[i]);
        r = gemini(400, body);
        assert_int_equal(r.kind, LS_LLM_FATAL);
        assert_int_equal(r.klass, LS_LLM_CLASS_THINKING);
        ls_llm_reply_release(&r);
    }
}

#define CEIL LS_LLM_HINT_CEIL_MS
#define NOW  1796115600000LL /* Tue, 01 Dec 2026 09:00:00 GMT */

/* The values a hostile or broken service may send, for each of the three hints. */
static const struct {
    const char *v;
    int64_t duration, retry_after, retry_after_ms; /* expected; -1: ignored */
} hints[] = {
    {"26s", 26000, -1, -1},
    {"0.5s", 500, -1, -1},
    {"53.016342224s", 53016, -1, -1},
    {"0s", 0, -1, -1},
    {"5m", -1, -1, -1},
    {"-1s", -1, -1, -1},
    {"1e400s", -1, -1, -1},
    {"infs", -1, -1, -1},
    {"9223372036854775807s", CEIL, -1, -1},
    {"99999999999999999999999999999999s", CEIL, -1, -1},
    {"86400s", CEIL, -1, -1},
    {"86399.9999s", CEIL, -1, -1}, /* rounds up to the ceiling, not past it */
    {"1.s", -1, -1, -1},
    {".5s", -1, -1, -1},
    {"s", -1, -1, -1},
    {"0", -1, 0, 0},
    {"1", -1, 1000, 1},
    {"120", -1, 120000, 120},
    {"  7\t", -1, 7000, 7},
    {"850.5", -1, -1, 851},
    {"0.25", -1, -1, 0},
    {"1e400", -1, -1, -1},
    {"1e3", -1, -1, -1},
    {"-5", -1, -1, -1},
    {"+5", -1, -1, -1},
    {"inf", -1, -1, -1},
    {"-inf", -1, -1, -1},
    {"Infinity", -1, -1, -1},
    {"nan", -1, -1, -1},
    {"NaN", -1, -1, -1},
    {"0x10", -1, -1, -1},
    {"9223372036854775807", -1, CEIL, CEIL},
    {"9223372036854775808", -1, CEIL, CEIL},
    {"18446744073709551616000", -1, CEIL, CEIL},
    {"86400", -1, CEIL, 86400},
    {"86401", -1, CEIL, 86401},
    {"86399", -1, 86399000, 86399},
    {"abc", -1, -1, -1},
    {"12abc", -1, -1, -1},
    {"12 34", -1, -1, -1},
    {"", -1, -1, -1},
    {"   ", -1, -1, -1},
    {"1.", -1, -1, -1},
    {".", -1, -1, -1},
    /* HTTP-dates, against NOW; the three forms RFC 9110 5.6.7 names. */
    {"Tue, 01 Dec 2026 09:00:30 GMT", -1, 30000, -1},
    {"Tuesday, 01-Dec-26 09:00:30 GMT", -1, 30000, -1},
    {"Tue Dec  1 09:00:30 2026", -1, 30000, -1},
    {"Sun, 06 Nov 1994 08:49:37 GMT", -1, 0, -1}, /* past: go now */
    {"Fri, 31 Dec 9999 23:59:59 GMT", -1, CEIL, -1},
    {"Thu, 29 Feb 2024 00:00:00 GMT", -1, 0, -1},
    {"Wed, 29 Feb 2023 00:00:00 GMT", -1, -1, -1}, /* no such day */
    {"Tue, 01 Dec 2026 24:00:00 GMT", -1, -1, -1},
    {"Tue, 01 Foo 2026 09:00:30 GMT", -1, -1, -1},
    {"Tue, 01 Dec 2026 09:00 GMT", -1, -1, -1},
    {"Tue, 01 Dec 2026 09:00:30 GMT extra", -1, -1, -1},
    {"Tue, 01 Dec 99999999999999999999 09:00:30 GMT", -1, -1, -1},
    {"Tue, 01 Dec 1969 09:00:30 GMT", -1, -1, -1},
    {"Dec Dec 01 2026 09:00:30", -1, -1, -1},
};

static void test_llm_parse__wait_hints_hostile_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < LS_ARRAY_LEN(hints); i++) {
        const char *v = hints[i].v;
        int64_t d = ls_llm_parse_duration(v);
        int64_t ra = ls_llm_retry_after(v, strlen(v), NOW);
        int64_t ms = ls_llm_retry_after_ms(v, strlen(v));
        if (d != hints[i].duration || ra != hints[i].retry_after || ms != hints[i].retry_after_ms) {
            print_error("\"%s\": duration %lld, Retry-After %lld, retry-after-ms %lld\n", v,
                        (long long)d, (long long)ra, (long long)ms);
            fail();
        }
        /* Whatever came in, a hint is either ignored or a wait a caller can add to. */
        assert_true(d >= -1 && d <= CEIL && ra >= -1 && ra <= CEIL && ms >= -1 && ms <= CEIL);
    }
    assert_int_equal(ls_llm_parse_duration(NULL), -1);
    /* Lengths are honoured: no reading past len, a NUL inside is text. */
    assert_int_equal(ls_llm_retry_after("12abc", 2, NOW), 12000);
    assert_int_equal(ls_llm_retry_after_ms("12\0003", 4), -1);
}

/* A RetryInfo in a Gemini body goes through the same clamp. */
static void test_llm_parse__gemini_retry_delay_clamped(void **state)
{
    (void)state;
    static const struct {
        const char *delay;
        int64_t want;
    } cases[] = {
        {"\"1e400s\"", -1}, {"\"9223372036854775807s\"", CEIL}, {"\"-5s\"", -1},   {"\"nan\"", -1},
        {"12", -1},         {"{\"seconds\": 3}", -1},           {"\"2.5s\"", 2500}};
    for (size_t i = 0; i < LS_ARRAY_LEN(cases); i++) {
        char body[600];
        snprintf(body, sizeof(body),
                 "{\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\","
                 "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
                 "\"retryDelay\":%s}]}}",
                 cases[i].delay);
        struct ls_llm_reply r = gemini(429, body);
        assert_int_equal(r.kind, LS_LLM_RETRY);
        if (r.retry_after_ms != cases[i].want) {
            print_error("retryDelay %s: %lld\n", cases[i].delay, (long long)r.retry_after_ms);
            fail();
        }
        ls_llm_reply_release(&r);
    }
}

#define N 3
static const char *const ids[N] = {"k3v9q1aa", "x8d2p0bb", "m1n2o3cc"};

static int answer(const char *text, struct ls_verdict *v, int *st, char (*why)[128])
{
    struct ls_err err = {0};
    return ls_llm_parse_answer(text, strlen(text), ids, N, v, st, why, &err);
}

static void test_llm_parse__answer_valid_forms(void **state)
{
    (void)state;
    struct ls_verdict v[N];
    int st[N];
    char why[N][128];
    const char *forms[] = {
        "[{\"id\":\"k3v9q1aa\",\"intent\":\"High\",\"reasoning\":\"a\"},"
        "{\"id\":\"x8d2p0bb\",\"intent\":\"medium\",\"reasoning\":\"b\"},"
        "{\"id\":\"m1n2o3cc\",\"intent\":\" LOW \",\"reasoning\":\"c\"}]",
        "{\"results\":[{\"id\":\"m1n2o3cc\",\"intent\":\"Low\",\"reasoning\":\"c\"},"
        "{\"id\":\"k3v9q1aa\",\"intent\":\"High\",\"reasoning\":\"a\"},"
        "{\"id\":\"x8d2p0bb\",\"intent\":\"Medium\",\"reasoning\":\"b\"}]}",
        "```json\n[{\"id\":\"k3v9q1aa\",\"intent\":\"High\",\"reasoning\":\"a\"},"
        "{\"id\":\"x8d2p0bb\",\"intent\":\"Medium\",\"reasoning\":\"b\"},"
        "{\"id\":\"m1n2o3cc\",\"intent\":\"Low\",\"reasoning\":\"c\\u0007\\n\"}]\n```",
    };
    for (size_t f = 0; f < 3; f++) {
        assert_int_equal(answer(forms[f], v, st, why), LS_OK);
        for (int i = 0; i < N; i++)
            assert_int_equal(st[i], LS_OK);
        assert_int_equal(v[0].intent, LS_INTENT_HIGH);
        assert_int_equal(v[1].intent, LS_INTENT_MEDIUM);
        assert_int_equal(v[2].intent, LS_INTENT_LOW);
        assert_string_equal(v[2].reasoning, "c");
    }
    /* One lead: a bare object is accepted. */
    struct ls_err err = {0};
    const char *one = "{\"intent\":\"High\",\"reasoning\":\"fits\"}";
    assert_int_equal(ls_llm_parse_answer(one, strlen(one), ids, 1, v, st, why, &err), LS_OK);
    assert_int_equal(st[0], LS_OK);
}

static void test_llm_parse__answer_invalid_items(void **state)
{
    (void)state;
    struct ls_verdict v[N];
    int st[N];
    char why[N][128];
    /* Unknown label, empty reasoning, unknown id, missing id. */
    assert_int_equal(answer("[{\"id\":\"k3v9q1aa\",\"intent\":\"Hot\",\"reasoning\":\"a\"},"
                            "{\"id\":\"x8d2p0bb\",\"intent\":\"Low\",\"reasoning\":\"  \"},"
                            "{\"id\":\"zzzzzzzz\",\"intent\":\"High\",\"reasoning\":\"c\"}]",
                            v, st, why),
                     LS_OK);
    assert_int_not_equal(st[0], LS_OK);
    assert_non_null(strstr(why[0], "unknown intent label \"Hot\""));
    assert_int_not_equal(st[1], LS_OK);
    assert_non_null(strstr(why[1], "reasoning"));
    assert_int_not_equal(st[2], LS_OK);
    assert_non_null(strstr(why[2], "no entry"));
    /* Truncated JSON and the wrong shape fail as a whole. */
    assert_int_equal(answer("[{\"id\":\"k3v9q1aa\",\"intent\":\"Hi", v, st, why), LS_EPARSE);
    for (int i = 0; i < N; i++)
        assert_int_not_equal(st[i], LS_OK);
    assert_int_equal(answer("{\"verdict\":\"High\"}", v, st, why), LS_EPARSE);
    assert_int_equal(answer("The lead is High intent.", v, st, why), LS_EPARSE);
    /* A long reasoning is clipped to the cap. */
    char longr[2048];
    int w = snprintf(longr, sizeof(longr),
                     "[{\"id\":\"k3v9q1aa\",\"intent\":\"High\",\"reasoning\":\"");
    memset(longr + w, 'r', 1500);
    strcpy(longr + w + 1500, "\"}]");
    assert_int_equal(answer(longr, v, st, why), LS_OK);
    assert_int_equal(st[0], LS_OK);
    assert_int_equal(strlen(v[0].reasoning), LS_REASON_MAX);
}

/* REQ-AI-DUP: an id listed more than once is invalid for that id, whatever the order. */
static void test_llm_parse__answer_duplicate_ids(void **state)
{
    (void)state;
#define VALID_A  "{\"id\":\"k3v9q1aa\",\"intent\":\"High\",\"reasoning\":\"a\"}"
#define VALID_A2 "{\"id\":\"k3v9q1aa\",\"intent\":\"Low\",\"reasoning\":\"b\"}"
#define BAD_A    "{\"id\":\"k3v9q1aa\",\"intent\":\"Hot\",\"reasoning\":\"a\"}"
#define VALID_B  "{\"id\":\"x8d2p0bb\",\"intent\":\"Medium\",\"reasoning\":\"b\"}"
    static const struct {
        const char *text;
        const char *why; /* for k3v9q1aa */
    } cases[] = {
        {"[" VALID_A "," VALID_A2 "," VALID_B "]", "lists this lead 2 times"}, /* both valid */
        {"[" BAD_A "," VALID_A "," VALID_B "]", "lists this lead 2 times"},    /* invalid first */
        {"[" VALID_A "," BAD_A "," VALID_B "]", "lists this lead 2 times"},    /* invalid second */
        {"[" VALID_B "," VALID_A "," VALID_A "]", "lists this lead 2 times"},  /* identical */
        {"[" VALID_A "," VALID_A "," VALID_A "," VALID_B "]", "3 times"},      /* three copies */
        {"[" BAD_A "," VALID_A "," VALID_A2 "," VALID_B "]", "3 times"},       /* mixed three */
        {"{\"results\":[" VALID_B "," BAD_A "," VALID_A "]}", "2 times"},      /* OpenAI shape */
    };
    for (size_t c = 0; c < LS_ARRAY_LEN(cases); c++) {
        struct ls_verdict v[N];
        int st[N];
        char why[N][128];
        assert_int_equal(answer(cases[c].text, v, st, why), LS_OK);
        if (st[0] == LS_OK || strstr(why[0], cases[c].why) == NULL) {
            print_error("case %zu: status %d, why \"%s\"\n", c, st[0], why[0]);
            fail();
        }
        /* The other ids are judged on their own single entries. */
        assert_int_equal(st[1], LS_OK);
        assert_int_equal(v[1].intent, LS_INTENT_MEDIUM);
        assert_int_not_equal(st[2], LS_OK);
        assert_non_null(strstr(why[2], "no entry"));
    }
    /* A single lead asked for, listed twice. */
    struct ls_verdict v[1];
    int st[1];
    char why[1][128];
    struct ls_err err = {0};
    const char *two = "[" VALID_A "," VALID_A "]";
    assert_int_equal(ls_llm_parse_answer(two, strlen(two), ids, 1, v, st, why, &err), LS_OK);
    assert_int_not_equal(st[0], LS_OK);
#undef VALID_A
#undef VALID_A2
#undef BAD_A
#undef VALID_B
}

static bool utf8_msg(const char *what, const char *msg)
{
    if (ls_utf8_valid(msg, strlen(msg)))
        return true;
    print_error("%s: message is not valid UTF-8: %s\n", what, msg);
    return false;
}

#define E20 "éééééééééééééééééééé" /* 40 bytes */

/*
 * Reproducers found by tests/fuzz/fuzz_llm_parse.c (TODO(issue#7), not fixed:
 * llm_parse.c is being changed elsewhere). Every input is valid UTF-8, yet the
 * message cuts a character: jansson's error text ends inside one ("invalid
 * escape near '\"\u0\xc3'"), "%.40s" cuts a label, and the 256-byte error
 * buffer cuts a long service message. The messages reach the results'
 * ai.error, the jobs' error and the logs.
 */
static void test_llm_parse__messages_are_utf8(void **state)
{
    (void)state;
    bool ok = true;
    const char *one_id[] = {"a"};
    struct ls_verdict v[1];
    int st[1];
    char why[1][128];
    struct ls_err err = {0};
    const char *bad_json = "\"\\u0é\"";
    ls_llm_parse_answer(bad_json, strlen(bad_json), one_id, 1, v, st, why, &err);
    ok &= utf8_msg("answer: invalid JSON", err.msg);

    const char *label = "[{\"id\":\"a\",\"intent\":\"x" E20 "\",\"reasoning\":\"r\"}]";
    ls_llm_parse_answer(label, strlen(label), one_id, 1, v, st, why, &err);
    assert_int_not_equal(st[0], LS_OK);
    ok &= utf8_msg("answer: unknown label", why[0]);

    struct ls_llm_reply r = gemini(200, bad_json);
    ok &= utf8_msg("gemini: not JSON", r.error);
    ls_llm_reply_release(&r);
    r = openai(200, bad_json);
    ok &= utf8_msg("openai: not JSON", r.error);
    ls_llm_reply_release(&r);

    const char *long_msg = "{\"error\":{\"message\":\"" E20 E20 E20 E20 E20 E20 E20 "\"}}";
    r = gemini(400, long_msg);
    ok &= utf8_msg("gemini: long error", r.error);
    ls_llm_reply_release(&r);
    r = openai(400, long_msg);
    ok &= utf8_msg("openai: long error", r.error);
    ls_llm_reply_release(&r);
    assert_true(ok);
}

/* <think> blocks: removed wherever they are; a reply that is only reasoning has no answer. */
static void test_llm_parse__think_blocks_stripped(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
        const char *out;
    } cases[] = {
        {"<think>The lead is a CEO, {\"intent\":\"Low\"}?</think>\n{\"results\":[]}", LS_OK,
         "\n{\"results\":[]}"},
        {"Okay, the user wants JSON.\n</think>\n\n{\"results\":[]}", LS_OK, "\n\n{\"results\":[]}"},
        {"<think>a</think>[1,<think>b</think>2]", LS_OK, "[1,2]"},
        {"[1,2]<think>trailing thoughts never closed", LS_OK, "[1,2]"},
        {"  <think>never closed {\"results\":[]}", LS_EPARSE, "  "},
        {"<think></think>", LS_OK, ""},
        {"no reasoning at all", LS_OK, "no reasoning at all"},
        {"</think>", LS_OK, ""},
        {"a</think>b</think>c", LS_OK, "b</think>c"}, /* only the first stray close opens it */
        {"<think>x</thin", LS_EPARSE, ""},
    };
    for (size_t i = 0; i < LS_ARRAY_LEN(cases); i++) {
        struct ls_buf b;
        ls_buf_init(&b, 4096);
        int rc = ls_llm_strip_think(cases[i].in, strlen(cases[i].in), &b);
        if (rc != cases[i].rc || strcmp(ls_buf_str(&b), cases[i].out) != 0) {
            print_error("case %zu: rc %d, \"%s\"\n", i, rc, ls_buf_str(&b));
            fail();
        }
        ls_buf_release(&b);
    }
    struct ls_buf small;
    ls_buf_init(&small, 4);
    assert_int_equal(ls_llm_strip_think("<think>x</think>12345", 21, &small), LS_ELIMIT);
    ls_buf_release(&small);
}

#define ANSWER "{\\\"results\\\":[{\\\"id\\\":\\\"a\\\",\\\"intent\\\":\\\"High\\\"}]}"

/*
 * Reasoning replies as DeepSeek-R1 / Qwen3 behind llama.cpp, Ollama and vLLM
 * send them: the thinking in <think> inside content, or in reasoning_content /
 * reasoning beside it. Only the answer is read; reasoning tokens count as output.
 */
static void test_llm_parse__openai_reasoning_replies(void **state)
{
    (void)state;
    struct ls_llm_reply r =
        openai(200, "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"<think>Maybe "
                    "{\\\"results\\\":[]}.</think>" ANSWER "\"},\"finish_reason\":\"stop\"}],"
                    "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":250}}");
    assert_int_equal(r.kind, LS_LLM_OK);
    assert_string_equal(ls_buf_str(&r.text), "{\"results\":[{\"id\":\"a\",\"intent\":\"High\"}]}");
    ls_llm_reply_release(&r);

    r = openai(200, "{\"choices\":[{\"message\":{\"content\":\"" ANSWER
                    "\",\"reasoning_content\":\"{\\\"results\\\":[\\\"decoy\\\"]}\"},"
                    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":100,"
                    "\"completion_tokens\":240,\"completion_tokens_details\":{"
                    "\"reasoning_tokens\":200}}}");
    assert_int_equal(r.kind, LS_LLM_OK);
    assert_null(strstr(ls_buf_str(&r.text), "decoy"));
    assert_int_equal(r.output_tokens, 240); /* OpenAI: reasoning is inside completion_tokens */
    assert_int_equal(r.reasoning_tokens, 200);
    ls_llm_reply_release(&r);

    /* A server that counts reasoning apart: completion below reasoning cannot include it. */
    r = openai(200, "{\"choices\":[{\"message\":{\"content\":\"" ANSWER "\"},"
                    "\"finish_reason\":\"stop\"}],\"usage\":{\"completion_tokens\":40,"
                    "\"completion_tokens_details\":{\"reasoning_tokens\":200}}}");
    assert_int_equal(r.output_tokens, 240);
    ls_llm_reply_release(&r);

    r = openai(200, "{\"choices\":[{\"message\":{\"content\":\"\",\"reasoning\":\"thinking\"},"
                    "\"finish_reason\":\"stop\"}]}");
    assert_int_equal(r.kind, LS_LLM_BAD_ANSWER);
    assert_non_null(strstr(r.error, "no content (only reasoning)"));
    ls_llm_reply_release(&r);

    r = openai(200, "{\"choices\":[{\"message\":{\"content\":null,\"reasoning_content\":\"t\"},"
                    "\"finish_reason\":\"length\"}],\"usage\":{\"completion_tokens\":256,"
                    "\"completion_tokens_details\":{\"reasoning_tokens\":256}}}");
    assert_int_equal(r.kind, LS_LLM_BAD_ANSWER);
    assert_non_null(strstr(r.error, "finish_reason length (reasoning used up the tokens)"));
    assert_int_equal(r.output_tokens, 256);
    ls_llm_reply_release(&r);

    r = openai(200, "{\"choices\":[{\"message\":{\"content\":\"<think>the answer would be "
                    "High\"},\"finish_reason\":\"stop\"}]}");
    assert_int_equal(r.kind, LS_LLM_BAD_ANSWER);
    assert_non_null(strstr(r.error, "all reasoning"));
    ls_llm_reply_release(&r);

    /* Gemini: thought tokens are billed as output. */
    r = gemini(200, "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"[]\"}]},"
                    "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":10,"
                    "\"candidatesTokenCount\":5,\"thoughtsTokenCount\":300}}");
    assert_int_equal(r.output_tokens, 305);
    assert_int_equal(r.reasoning_tokens, 300);
    ls_llm_reply_release(&r);
}
#undef ANSWER

/* Gemini's own words for a block or an early stop reach the error. */
static void test_llm_parse__gemini_block_and_finish_messages(void **state)
{
    (void)state;
    struct ls_llm_reply r =
        gemini(200, "{\"promptFeedback\":{\"blockReason\":\"OTHER\",\"blockReasonMessage\":"
                    "\"The prompt was blocked due to unknown reasons.\"}}");
    assert_int_equal(r.kind, LS_LLM_BLOCKED);
    assert_string_equal(r.error, "gemini blocked the prompt: OTHER: The prompt was blocked due to "
                                 "unknown reasons.");
    ls_llm_reply_release(&r);
    r = gemini(200, "{\"candidates\":[{\"finishReason\":\"PROHIBITED_CONTENT\",\"finishMessage\":"
                    "\"Response stopped due to prohibited content.\",\"index\":0}]}");
    assert_string_equal(r.error, "gemini stopped early: finishReason PROHIBITED_CONTENT: Response "
                                 "stopped due to prohibited content.");
    ls_llm_reply_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llm_parse__gemini_success_skips_thoughts),
        cmocka_unit_test(test_llm_parse__gemini_failures_at_200),
        cmocka_unit_test(test_llm_parse__gemini_errors),
        cmocka_unit_test(test_llm_parse__openai),
        cmocka_unit_test(test_llm_parse__wait_hints_hostile_values),
        cmocka_unit_test(test_llm_parse__gemini_retry_delay_clamped),
        cmocka_unit_test(test_llm_parse__answer_valid_forms),
        cmocka_unit_test(test_llm_parse__answer_invalid_items),
        cmocka_unit_test(test_llm_parse__answer_duplicate_ids),
        cmocka_unit_test(test_llm_parse__messages_are_utf8),
        cmocka_unit_test(test_llm_parse__think_blocks_stripped),
        cmocka_unit_test(test_llm_parse__openai_reasoning_replies),
        cmocka_unit_test(test_llm_parse__gemini_block_and_finish_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
