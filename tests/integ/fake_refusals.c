/* fake_refusals.c - content filters and parameter refusals of the fake model server. */
#include "fake_refusals.h"

#include <stdio.h>
#include <string.h>

static struct {
    char marker[64];
    char form[32];
    bool reject_response_format;
    bool reject_thinking_budget_0;
    json_t *reject_levels; /* array of strings, or NULL */
} rf;

void fake_refusals_reset(void)
{
    rf.marker[0] = '\0';
    snprintf(rf.form, sizeof(rf.form), "azure_400");
    rf.reject_response_format = false;
    rf.reject_thinking_budget_0 = false;
    json_decref(rf.reject_levels);
    rf.reject_levels = NULL;
}

void fake_refusals_configure(const json_t *c)
{
    const json_t *v;
    if ((v = json_object_get(c, "filter_marker")))
        snprintf(rf.marker, sizeof(rf.marker), "%s",
                 json_string_value(v) ? json_string_value(v) : "");
    if ((v = json_object_get(c, "filter_form")) && json_is_string(v))
        snprintf(rf.form, sizeof(rf.form), "%s", json_string_value(v));
    if ((v = json_object_get(c, "reject_response_format")))
        rf.reject_response_format = json_is_true(v);
    if ((v = json_object_get(c, "reject_thinking_budget_0")))
        rf.reject_thinking_budget_0 = json_is_true(v);
    if ((v = json_object_get(c, "reject_thinking_level"))) {
        json_decref(rf.reject_levels);
        rf.reject_levels = json_is_array(v) ? json_deep_copy(v) : NULL;
    }
}

static json_t *gemini_400(const char *msg)
{
    return json_pack("{s:{s:i, s:s, s:s}}", "error", "code", 400, "message", msg, "status",
                     "INVALID_ARGUMENT");
}

/* Azure's filter result: one category filtered, the others rated safe. */
static json_t *azure_results(void)
{
    return json_pack("{s:{s:b, s:s}, s:{s:b, s:s}, s:{s:b, s:s}, s:{s:b, s:s}}", "hate", "filtered",
                     0, "severity", "safe", "self_harm", "filtered", 0, "severity", "safe",
                     "sexual", "filtered", 0, "severity", "safe", "violence", "filtered", 1,
                     "severity", "medium");
}

static bool content_filter(bool is_gemini, unsigned *status, json_t **out)
{
    *status = 200;
    if (!is_gemini && strcmp(rf.form, "azure_400") == 0) {
        *status = 400;
        *out = json_pack(
            "{s:{s:s, s:n, s:s, s:s, s:i, s:{s:s, s:o}}}", "error", "message",
            "The response was filtered due to the prompt triggering Azure OpenAI's content "
            "management policy. Please modify your prompt and retry. To learn more about our "
            "content filtering policies please read our documentation: "
            "https://go.microsoft.com/fwlink/?linkid=2198766",
            "type", "param", "prompt", "code", "content_filter", "status", 400, "innererror",
            "code", "ResponsibleAIPolicyViolation", "content_filter_result", azure_results());
        return true;
    }
    if (!is_gemini && strcmp(rf.form, "finish_content_filter") == 0) {
        *out = json_pack("{s:s, s:s, s:i, s:s, s:[{s:i, s:{s:s, s:n}, s:s, s:o}], s:{s:i, s:i, "
                         "s:i}}",
                         "id", "chatcmpl-fake", "object", "chat.completion", "created", 1795935600,
                         "model", "fake-model", "choices", "index", 0, "message", "role",
                         "assistant", "content", "finish_reason", "content_filter",
                         "content_filter_results", azure_results(), "usage", "prompt_tokens", 50,
                         "completion_tokens", 0, "total_tokens", 50);
        return true;
    }
    if (is_gemini && strcmp(rf.form, "block_reason") == 0) {
        *out = json_pack("{s:{s:s, s:s}, s:{s:i, s:i}}", "promptFeedback", "blockReason",
                         "PROHIBITED_CONTENT", "blockReasonMessage",
                         "The prompt was blocked because it contains prohibited content.",
                         "usageMetadata", "promptTokenCount", 50, "totalTokenCount", 50);
        return true;
    }
    if (is_gemini) {
        /* SAFETY, PROHIBITED_CONTENT or RECITATION: a candidate stopped with that reason. */
        json_t *cand = json_pack("{s:s, s:i}", "finishReason", rf.form, "index", 0);
        if (strcmp(rf.form, "SAFETY") == 0)
            json_object_set_new(cand, "safetyRatings",
                                json_pack("[{s:s, s:s}, {s:s, s:s, s:b}]", "category",
                                          "HARM_CATEGORY_HATE_SPEECH", "probability", "NEGLIGIBLE",
                                          "category", "HARM_CATEGORY_DANGEROUS_CONTENT",
                                          "probability", "HIGH", "blocked", 1));
        *out = json_pack("{s:[o], s:{s:i, s:i}}", "candidates", cand, "usageMetadata",
                         "promptTokenCount", 50, "totalTokenCount", 50);
        return true;
    }
    return false;
}

bool fake_refusals_check(const char *body, const json_t *req, bool is_gemini, unsigned *status,
                         json_t **out)
{
    if (!is_gemini && rf.reject_response_format && json_object_get(req, "response_format")) {
        const char *type =
            json_string_value(json_object_get(json_object_get(req, "response_format"), "type"));
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "Invalid parameter: 'response_format' of type '%.40s' is not supported with "
                 "this model.",
                 type ? type : "");
        *status = 400;
        *out = json_pack("{s:{s:s, s:s, s:s, s:n}}", "error", "message", msg, "type",
                         "invalid_request_error", "param", "response_format", "code");
        return true;
    }
    const json_t *tc = json_object_get(json_object_get(req, "generationConfig"), "thinkingConfig");
    if (is_gemini && rf.reject_thinking_budget_0 &&
        json_integer_value(json_object_get(tc, "thinkingBudget")) == 0 &&
        json_is_integer(json_object_get(tc, "thinkingBudget"))) {
        *status = 400;
        *out = gemini_400("Budget 0 is invalid. This model only works in thinking mode.");
        return true;
    }
    const char *level = json_string_value(json_object_get(tc, "thinkingLevel"));
    size_t i;
    const json_t *v;
    json_array_foreach(rf.reject_levels, i, v)
    {
        if (is_gemini && level && json_string_value(v) &&
            strcmp(level, json_string_value(v)) == 0) {
            char msg[160];
            snprintf(msg, sizeof(msg), "Thinking level %.20s is not supported for this model.",
                     level);
            *status = 400;
            *out = gemini_400(msg);
            return true;
        }
    }
    if (rf.marker[0] && body && strstr(body, rf.marker))
        return content_filter(is_gemini, status, out);
    return false;
}
