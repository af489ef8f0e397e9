/*
 * test_llm_error.c - the error bodies model servers really send, one per
 * shape, and what each is classified as; text and HTML bodies; the
 * reasoning_effort fallback.
 */
#include "ls_test.h"
#include <stdio.h>
#include <string.h>

#include "core/llm_error.h"
#include "core/utf8.h"

#define C_TRANSIENT LS_LLM_CLASS_TRANSIENT
#define C_QUOTA     LS_LLM_CLASS_QUOTA
#define C_REQUEST   LS_LLM_CLASS_REQUEST
#define C_TOKENS    LS_LLM_CLASS_TOKENS_PARAM
#define C_REASONING LS_LLM_CLASS_REASONING
#define C_SCHEMA    LS_LLM_CLASS_SCHEMA
#define C_CONTENT   LS_LLM_CLASS_CONTENT

static const struct {
    const char *what;
    long status;
    const char *body;
    const char *message; /* exactly */
    const char *code;    /* e.code, or e.status when it has one */
    enum ls_llm_class klass;
} shapes[] = {
    {"openai", 404,
     "{\"error\":{\"message\":\"The model `gpt-9` does not exist or you do not have access to "
     "it.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}",
     "The model `gpt-9` does not exist or you do not have access to it.", "model_not_found",
     C_REQUEST},
    {"openai max_tokens", 400,
     "{\"error\":{\"message\":\"Unsupported parameter: 'max_tokens' is not supported with this "
     "model. Use 'max_completion_tokens' instead.\",\"type\":\"invalid_request_error\",\"param\":"
     "\"max_tokens\",\"code\":\"unsupported_parameter\"}}",
     "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
     "'max_completion_tokens' instead.",
     "unsupported_parameter", C_TOKENS},
    {"copilot-style max_tokens, no param", 400,
     "{\"error\":{\"message\":\"Unsupported parameter: 'max_tokens' is not supported with this "
     "model. Use 'max_completion_tokens' instead.\",\"code\":\"invalid_request_body\"}}",
     NULL, "invalid_request_body", C_TOKENS},
    {"openai reasoning value", 400,
     "{\"error\":{\"message\":\"Unsupported value: 'reasoning_effort' does not support 'none' "
     "with this model. Supported values are: 'minimal', 'low', 'medium', and 'high'.\",\"type\":"
     "\"invalid_request_error\",\"param\":\"reasoning_effort\",\"code\":\"unsupported_value\"}}",
     NULL, "unsupported_value", C_REASONING},
    {"reasoning_effort unknown to the model", 400,
     "{\"error\":{\"message\":\"Unrecognized request argument supplied: reasoning_effort\","
     "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}",
     "Unrecognized request argument supplied: reasoning_effort", "", C_REASONING},
    {"json_schema refused", 400,
     "{\"error\":{\"message\":\"Invalid parameter: 'response_format' of type 'json_schema' is "
     "not supported with this model.\",\"type\":\"invalid_request_error\",\"param\":"
     "\"response_format\",\"code\":null}}",
     NULL, "", C_SCHEMA},
    {"openai rate limit", 429,
     "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini on requests per min (RPM)."
     "\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
     NULL, "rate_limit_exceeded", C_TRANSIENT},
    {"openai quota", 429,
     "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and "
     "billing details.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":"
     "\"insufficient_quota\"}}",
     NULL, "insufficient_quota", C_QUOTA},
    {"azure content filter", 400,
     "{\"error\":{\"message\":\"The response was filtered due to the prompt triggering Azure "
     "OpenAI's content management policy. Please modify your prompt and retry.\",\"type\":null,"
     "\"param\":\"prompt\",\"code\":\"content_filter\",\"status\":400,\"innererror\":{\"code\":"
     "\"ResponsibleAIPolicyViolation\",\"content_filter_result\":{\"hate\":{\"filtered\":true,"
     "\"severity\":\"high\"}}}}}",
     NULL, "400", C_CONTENT},
    {"gemini", 400,
     "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\","
     "\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/"
     "google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\",\"domain\":\"googleapis.com\"}]}}",
     "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", C_REQUEST},
    {"gemini compat array", 400,
     "[{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\","
     "\"status\":\"INVALID_ARGUMENT\"}}]",
     "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", C_REQUEST},
    {"gemini per-day quota", 429,
     "{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota.\",\"status\":"
     "\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/"
     "google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":"
     "\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]},{\"@type\":"
     "\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"26s\"}]}}",
     "You exceeded your current quota.", "RESOURCE_EXHAUSTED", C_QUOTA},
    {"gemini overloaded", 503,
     "{\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\","
     "\"status\":\"UNAVAILABLE\"}}",
     NULL, "UNAVAILABLE", C_TRANSIENT},
    {"vllm", 404,
     "{\"object\":\"error\",\"message\":\"The model `llama-9` does not exist.\",\"type\":"
     "\"NotFoundError\",\"param\":null,\"code\":404}",
     "The model `llama-9` does not exist.", "404", C_REQUEST},
    {"mistral", 400,
     "{\"object\":\"error\",\"message\":\"Invalid model: mistral-huge\",\"type\":"
     "\"invalid_model\",\"param\":null,\"code\":\"1500\"}",
     "Invalid model: mistral-huge", "1500", C_REQUEST},
    {"fastapi string", 401, "{\"detail\":\"Invalid API key\"}", "Invalid API key", "", C_REQUEST},
    {"fastapi validation", 422,
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"model\"],\"msg\":\"Field "
     "required\",\"input\":{}},{\"loc\":[\"body\",\"messages\",0],\"msg\":\"Input should be a "
     "valid dictionary\"}]}",
     "body.model: Field required; body.messages.0: Input should be a valid dictionary", "",
     C_REQUEST},
    {"ollama native", 404, "{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}",
     "model \"llama9\" not found, try pulling it first", "", C_REQUEST},
    {"ollama busy", 503,
     "{\"error\":\"server busy, please try again.  maximum pending requests exceeded\"}",
     "server busy, please try again. maximum pending requests exceeded", "", C_TRANSIENT},
    {"llama.cpp", 400,
     "{\"error\":{\"code\":400,\"message\":\"the request exceeds the available context size, "
     "try increasing it\",\"type\":\"exceed_context_size_error\",\"n_prompt_tokens\":9000,"
     "\"n_ctx\":4096}}",
     "the request exceeds the available context size, try increasing it", "400", C_REQUEST},
    {"llama.cpp loading", 503,
     "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}",
     "Loading model", "503", C_TRANSIENT},
    {"llama.cpp old string", 500, "{\"error\":\"slot unavailable\"}", "slot unavailable", "",
     C_TRANSIENT},
    {"llama.cpp old content", 400, "{\"content\":\"Invalid grammar\"}", "Invalid grammar", "",
     C_REQUEST},
    {"openrouter raw", 400,
     "{\"error\":{\"code\":400,\"message\":\"Provider returned error\",\"metadata\":{\"raw\":"
     "\"max_tokens must be at least 1\",\"provider_name\":\"Fireworks\"}}}",
     "Provider returned error: max_tokens must be at least 1", "400", C_REQUEST},
    {"openrouter credits", 402, "{\"error\":{\"code\":402,\"message\":\"Insufficient credits\"}}",
     "Insufficient credits", "402", C_QUOTA},
    {"200 with an error", 200,
     "{\"error\":{\"code\":502,\"message\":\"The upstream provider is down.\"}}",
     "The upstream provider is down.", "502", C_TRANSIENT},
    {"200 with a bad-key error", 200,
     "{\"error\":{\"code\":401,\"message\":\"No auth credentials found\"}}",
     "No auth credentials found", "401", C_REQUEST},
    {"gateway json", 403, "{\"message\":\"Forbidden\"}", "Forbidden", "", C_REQUEST},
    {"errors array", 400, "{\"errors\":[{\"message\":\"model is required\"}]}", "model is required",
     "", C_REQUEST},
    {"json of no known shape", 500, "{\"oops\": true}", "{\"oops\": true}", "", C_TRANSIENT},
    {"html", 502,
     "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
     "Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n",
     "502 Bad Gateway 502 Bad Gateway nginx/1.25.3", "", C_TRANSIENT},
    {"html with script and entities", 403,
     "<!DOCTYPE html><html><head><style>body{color:red}</style><script>var x = '<b>';"
     "</script></head><body><!-- waf --><h1>Access denied</h1><p>You don&#39;t have "
     "permission &amp; that&apos;s&nbsp;final.</p></body></html>",
     "Access denied You don't have permission & that's final.", "", C_REQUEST},
    {"plain text", 401, "Unauthorized\n", "Unauthorized", "", C_REQUEST},
    {"empty", 502, "", "", "", C_TRANSIENT},
};

static void test_llm_error__every_shape(void **state)
{
    (void)state;
    bool ok = true;
    for (size_t i = 0; i < LS_ARRAY_LEN(shapes); i++) {
        struct ls_llm_error e;
        bool found = ls_llm_error_read(shapes[i].body, strlen(shapes[i].body), &e);
        enum ls_llm_class c = ls_llm_error_classify(shapes[i].status, &e);
        const char *code = e.status[0] ? e.status : e.code;
        const char *want = shapes[i].message;
        if ((want && strcmp(e.message, want) != 0) || found != (e.message[0] != '\0') ||
            (!want && e.message[0] == '\0') || strcmp(code, shapes[i].code) != 0 ||
            c != shapes[i].klass || !ls_utf8_valid(e.message, strlen(e.message))) {
            print_error("%s: \"%s\" code \"%s\" class %s\n", shapes[i].what, e.message, code,
                        ls_llm_class_name(c));
            ok = false;
        }
    }
    assert_true(ok);
}

static void test_llm_error__gemini_details(void **state)
{
    (void)state;
    struct ls_llm_error e;
    const char *b = "{\"error\":{\"code\":429,\"message\":\"m\",\"status\":\"RESOURCE_EXHAUSTED\","
                    "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
                    "\"retryDelay\":\"53.016342224s\"}]}}";
    assert_true(ls_llm_error_read(b, strlen(b), &e));
    assert_int_equal(e.retry_after_ms, 53016);
    assert_false(e.per_day);
    assert_int_equal(ls_llm_error_classify(429, &e), LS_LLM_CLASS_TRANSIENT);
    /* A model without any free quota says so only in its message. */
    b = "{\"error\":{\"code\":429,\"message\":\"Quota exceeded for metric: x, limit: 0, model: "
        "y\",\"status\":\"RESOURCE_EXHAUSTED\"}}";
    assert_true(ls_llm_error_read(b, strlen(b), &e));
    assert_int_equal(e.retry_after_ms, -1);
    assert_int_equal(ls_llm_error_classify(429, &e), LS_LLM_CLASS_QUOTA);
}

/* Text bodies: 200 characters at most, on a character boundary, never past the buffer. */
static void test_llm_error__text_is_capped_on_characters(void **state)
{
    (void)state;
    char body[2000], out[LS_ERR_MSG_MAX];
    size_t w = 0;
    for (int i = 0; i < 300; i++)
        w += (size_t)snprintf(body + w, sizeof(body) - w, "é"); /* 2 bytes each */
    size_t n = ls_llm_error_text(body, w, out, sizeof(out));
    assert_true(n < sizeof(out));
    assert_true(ls_utf8_valid(out, n));
    assert_int_equal(n % 2, 0); /* whole characters */
    memset(body, 'a', 500);
    n = ls_llm_error_text(body, 500, out, sizeof(out));
    assert_int_equal(n, LS_LLM_ERROR_TEXT_MAX);
    n = ls_llm_error_text(body, 500, out, 8);
    assert_int_equal(n, 7);
    /* Invalid bytes are replaced, control characters are blanks, blanks collapse. */
    const char bad[] = "a\xff\xfe\tb\x01\x02  c\x7f";
    n = ls_llm_error_text(bad, sizeof(bad) - 1, out, sizeof(out));
    assert_string_equal(out, "a?? b c");
    /* An unterminated tag swallows the rest, as a browser would. */
    n = ls_llm_error_text("Bad <b class=", 13, out, sizeof(out));
    assert_string_equal(out, "Bad");
    /* A long JSON message is cut on a character boundary too. */
    char json[1200];
    w = (size_t)snprintf(json, sizeof(json), "{\"error\":{\"message\":\"");
    for (int i = 0; i < 300; i++)
        w += (size_t)snprintf(json + w, sizeof(json) - w, "€"); /* 3 bytes each */
    w += (size_t)snprintf(json + w, sizeof(json) - w, "\"}}");
    struct ls_llm_error e;
    assert_true(ls_llm_error_read(json, w, &e));
    assert_true(ls_utf8_valid(e.message, strlen(e.message)));
    assert_int_equal(strlen(e.message) % 3, 0);
    assert_true(strlen(e.message) >= sizeof(e.message) - 3);
}

static void test_llm_error__reasoning_fallback(void **state)
{
    (void)state;
    char out[16];
    static const char listed[] = "Unsupported value: 'reasoning_effort' does not support 'none' "
                                 "with this model. Supported values are: 'minimal', 'low', "
                                 "'medium', and 'high'.";
    assert_true(ls_llm_reasoning_fallback("none", listed, out, sizeof(out)));
    assert_string_equal(out, "minimal");
    static const char high_only[] = "Unsupported value: 'reasoning_effort' does not support "
                                    "'minimal' with this model. Supported values are: 'high'.";
    assert_true(ls_llm_reasoning_fallback("minimal", high_only, out, sizeof(out)));
    assert_string_equal(out, "high");
    /* The listed value is the one sent: nothing else to try. */
    assert_false(ls_llm_reasoning_fallback("high", high_only, out, sizeof(out)));
    /* Unknown to the model: drop it. */
    assert_true(ls_llm_reasoning_fallback(
        "low", "Unrecognized request argument supplied: reasoning_effort", out, sizeof(out)));
    assert_string_equal(out, "");
    assert_false(
        ls_llm_reasoning_fallback("", "reasoning_effort is not supported", out, sizeof(out)));
    /* Words the list holds that are no effort are ignored; a quote never closed ends it. */
    assert_true(ls_llm_reasoning_fallback("none", "Supported values are: 'fast', 'medium', 'lo",
                                          out, sizeof(out)));
    assert_string_equal(out, "medium");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llm_error__every_shape),
        cmocka_unit_test(test_llm_error__gemini_details),
        cmocka_unit_test(test_llm_error__text_is_capped_on_characters),
        cmocka_unit_test(test_llm_error__reasoning_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
