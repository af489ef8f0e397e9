/* fake_cost.c - see fake_cost.h. */
#include "fake_cost.h"

#include <stdio.h>
#include <string.h>

#include "core/price.h"

static struct {
    json_t *unknown; /* array of model names */
    bool no_route;
    long metadata_requests, flex_requests;
    json_int_t prompt, output;
    double cost_usd;
} fc;

void fake_cost_reset(void)
{
    json_decref(fc.unknown);
    memset(&fc, 0, sizeof(fc));
    fc.unknown = json_array();
}

void fake_cost_configure(const json_t *c)
{
    const json_t *v;
    if ((v = json_object_get(c, "unknown_models")) && json_is_array(v)) {
        json_decref(fc.unknown);
        fc.unknown = json_copy((json_t *)(uintptr_t)v);
    }
    if ((v = json_object_get(c, "no_models_route")))
        fc.no_route = json_is_true(v);
}

void fake_cost_stats(json_t *out)
{
    json_object_set_new(out, "metadata_requests", json_integer(fc.metadata_requests));
    json_object_set_new(out, "flex_requests", json_integer(fc.flex_requests));
    json_object_set_new(out, "tokens",
                        json_pack("{s:I, s:I}", "prompt", fc.prompt, "output", fc.output));
    json_object_set_new(out, "cost_usd", json_real(fc.cost_usd));
}

static bool is_unknown(const char *model)
{
    size_t i;
    json_t *v;
    json_array_foreach(fc.unknown, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), model) == 0)
            return true;
    }
    return false;
}

static json_t *openai_model(const char *model)
{
    return json_pack("{s:s, s:s, s:i, s:s}", "id", model, "object", "model", "created", 1721172741,
                     "owned_by", "system");
}

static json_t *gemini_model(const char *model)
{
    char name[300];
    snprintf(name, sizeof(name), "models/%s", model);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:[s, s, s, s], s:f, s:f, s:i, s:f, "
                     "s:b}",
                     "name", name, "baseModelId", model, "version", "001", "displayName", model,
                     "description", "A fake of a Gemini model.", "inputTokenLimit", 1048576,
                     "outputTokenLimit", 65536, "supportedGenerationMethods", "generateContent",
                     "countTokens", "createCachedContent", "batchGenerateContent", "temperature",
                     1.0, "topP", 0.95, "topK", 64, "maxTemperature", 2.0, "thinking", 1);
}

bool fake_cost_metadata(const char *url, const char *auth, const char *key, const char *api_key,
                        unsigned *status, json_t **body, const char **raw)
{
    const char *model = NULL;
    bool gemini = false;
    if (strncmp(url, "/v1beta/models/", 15) == 0 && strchr(url + 15, ':') == NULL)
        model = url + 15, gemini = true;
    else if (strncmp(url, "/v1/models/", 11) == 0)
        model = url + 11;
    else if (strncmp(url, "/models/", 8) == 0)
        model = url + 8;
    if (model == NULL || model[0] == '\0' || strchr(model, '/'))
        return false;
    fc.metadata_requests++;
    *body = NULL;
    *raw = NULL;
    if (fc.no_route) {
        *status = 404;
        *raw = "404 page not found"; /* Ollama's (Go's) text for a path it has no route for */
        return true;
    }
    if (api_key[0]) {
        char want[300];
        snprintf(want, sizeof(want), "Bearer %s", api_key);
        if (gemini && (key == NULL || strcmp(key, api_key) != 0)) {
            *status = 400;
            *body = json_pack("{s:{s:i, s:s, s:s}}", "error", "code", 400, "message",
                              "API key not valid. Please pass a valid API key.", "status",
                              "INVALID_ARGUMENT");
            return true;
        }
        if (!gemini && (auth == NULL || strcmp(auth, want) != 0)) {
            *status = 401;
            *body = json_pack("{s:{s:s, s:s, s:n, s:s}}", "error", "message",
                              "Incorrect API key provided: your-ke**here. You can find your API "
                              "key at https://platform.openai.com/account/api-keys.",
                              "type", "invalid_request_error", "param", "code", "invalid_api_key");
            return true;
        }
    }
    if (is_unknown(model)) {
        char msg[400];
        *status = 404;
        if (gemini) {
            snprintf(msg, sizeof(msg),
                     "models/%.100s is not found for API version v1beta, or is not supported for "
                     "generateContent. Call ListModels to see the list of available models and "
                     "their supported methods.",
                     model);
            *body = json_pack("{s:{s:i, s:s, s:s}}", "error", "code", 404, "message", msg, "status",
                              "NOT_FOUND");
        } else {
            snprintf(msg, sizeof(msg),
                     "The model `%.100s` does not exist or you do not have access to it.", model);
            *body = json_pack("{s:{s:s, s:s, s:n, s:s}}", "error", "message", msg, "type",
                              "invalid_request_error", "param", "code", "model_not_found");
        }
        return true;
    }
    *status = 200;
    *body = gemini ? gemini_model(model) : openai_model(model);
    return true;
}

const char *fake_cost_tier(const json_t *req, bool gemini)
{
    const char *t = json_string_value(json_object_get(req, "service_tier"));
    if (t && strcmp(t, gemini ? "FLEX" : "flex") == 0)
        return "flex";
    return "standard";
}

void fake_cost_account(const json_t *req, const json_t *reply, bool gemini, const char *model)
{
    struct ls_price_tokens t = {0, 0, 0};
    if (gemini) {
        const json_t *u = json_object_get(reply, "usageMetadata");
        t.input = json_integer_value(json_object_get(u, "promptTokenCount"));
        t.cached = json_integer_value(json_object_get(u, "cachedContentTokenCount"));
        t.output = json_integer_value(json_object_get(u, "candidatesTokenCount")) +
                   json_integer_value(json_object_get(u, "thoughtsTokenCount"));
    } else {
        const json_t *u = json_object_get(reply, "usage");
        t.input = json_integer_value(json_object_get(u, "prompt_tokens"));
        t.output = json_integer_value(json_object_get(u, "completion_tokens"));
    }
    bool flex = strcmp(fake_cost_tier(req, gemini), "flex") == 0;
    if (flex)
        fc.flex_requests++;
    fc.prompt += t.input;
    fc.output += t.output;
    double usd = 0;
    if (model && ls_price_cost_for(gemini ? "gemini" : "openai", model,
                                   flex ? LS_PRICE_FLEX : LS_PRICE_STANDARD, NULL, &t, &usd))
        fc.cost_usd += usd;
}
