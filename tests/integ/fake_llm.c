/*
 * fake_llm.c - a stand-in for the model services, speaking both wire formats
 * the way their documentation shows them, errors included:
 *
 *   POST /v1beta/models/{model}:generateContent   Gemini (key in x-goog-api-key)
 *   POST /v1/chat/completions                     OpenAI-compatible (Bearer key)
 *   /v1/files, /v1/batches, /v1beta/models/{model}:batchGenerateContent,
 *   /v1beta/batches/{id}                          the batch APIs (fake_batch.c)
 *
 * It answers like a model that reads the data block: each prospect's intent
 * follows its role (chief/founder/VP/head/director/owner: High; manager/lead/
 * senior: Medium; else Low), so an answer can be checked against the input.
 * It finds prospects record by record ({"id":"X", ..., "end":"X"}) and, like
 * a gullible model, believes "role: ..." text inside a record's own fields -
 * but never lets one record's text speak for another.
 * Control, for tests:
 *
 *   POST /_fake/config    {"latency_ms", "rpm", "fault_rate", "seed", "api_key",
 *                          "retry_delay", "reject_json_schema", "bad_marker",
 *                          "headers": {"Retry-After": "1e400", ...}, "echo_key",
 *                          "script": ["429", "block", ...]}  (merged into the config)
 *
 * "default_thinking_tokens": N - Gemini models that think by default pay N thought
 * tokens per request that does not turn thinking off (default_thoughts()).
 * "reject_max_tokens": OpenAI's reasoning models - a request with max_tokens gets
 * the 400 "Unsupported parameter: 'max_tokens' ..." (max_completion_tokens is
 * taken). "reasoning_values": ["low", ...] - a request whose reasoning_effort is
 * not listed gets the 400 "Unsupported value: 'reasoning_effort' ... Supported
 * values are: ..."; [] - any reasoning_effort gets "Unsupported parameter";
 * null (the default) - anything goes.
 *
 * Script entries beyond the plain statuses: the error bodies of the servers
 * that speak these wire formats ("e_openai", "e_gemini_array", "e_vllm",
 * "e_mistral", "e_fastapi", "e_fastapi_str", "e_ollama", "e_llamacpp",
 * "e_llamacpp_content", "e_llamacpp_loading", "e_html", "e_html_403",
 * "e_text", "e_200_401", "e_azure_filter": see fixtures[]), reasoning
 * replies on the OpenAI wire ("think", "think_open", "think_only",
 * "reasoning_content"), and Gemini's "block_msg", "finish_msg", "thoughts".
 *
 * Content filters ("filter_marker", "filter_form") and servers that refuse
 * response_format or a thinking configuration ("reject_response_format",
 * "reject_thinking_budget_0", "reject_thinking_level"): fake_refusals.h.
 *
 * "headers" are sent verbatim on every error reply in place of the fake's own
 * (so tests can send hostile wait hints); "retry_delay" is Gemini's RetryInfo.
 * "echo_key" makes it a careless service: the request's key (x-goog-api-key or
 * Authorization), whole and in part, goes into every error message and every
 * reasoning it writes.
 *   POST /_fake/reset     defaults, empty log
 *   GET  /_fake/requests  every request seen, with headers, body and reply status
 *   GET  /_fake/stats     counts only
 *
 * The quota (rpm) is a token bucket refilling rpm/60 per second and holding
 * one second's worth; a request that finds it empty gets a 429 (Gemini: with
 * google.rpc.RetryInfo in the body and no Retry-After header; OpenAI: with
 * retry-after / retry-after-ms headers).
 *
 *   fake_llm [PORT]   prints "fake_llm port=N" on stdout once listening
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fake_batch.h"
#include "fake_cost.h"
#include "fake_refusals.h"

#define BODY_MAX (256 * 1024 * 1024) /* batch input files are large */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static struct {
    long latency_ms;
    double rpm;
    double fault_rate;
    uint64_t seed;
    char api_key[256];
    char retry_delay[32]; /* Gemini RetryInfo for scripted 429s */
    bool reject_json_schema;
    bool reject_max_tokens; /* the model takes max_completion_tokens only */
    /* Gemini models that think by default (2.5 Flash and Pro, Gemini 3): the thought
     * tokens a request pays when it does not turn thinking off; 0: none (the default). */
    long default_thinking_tokens;
    json_t *reasoning_values; /* reasoning_effort values taken; NULL: any */
    bool echo_key;            /* put the request's key into error messages and reasonings */
    char bad_marker[64];      /* prospects whose role holds this get the label "Hot" */
    json_t *script;           /* array of behaviours for the next requests */
    json_t *headers;          /* object: sent verbatim on every error reply, instead of our own */
} cfg;

static struct {
    json_t *log; /* array */
    long requests, rejected_by_quota, in_flight, max_in_flight;
    double tokens;
    int64_t refilled_at;
    int64_t started_at;
    long generation; /* bumped by each reset: late replies to older requests are not logged */
} st;

static const char * or (const char *s, const char *dflt)
{
    return s ? s : dflt;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void reset_locked(void)
{
    cfg.latency_ms = 0;
    cfg.rpm = 0;
    cfg.fault_rate = 0;
    cfg.seed = 12345;
    cfg.api_key[0] = '\0';
    snprintf(cfg.retry_delay, sizeof(cfg.retry_delay), "0.2s");
    cfg.reject_json_schema = false;
    cfg.reject_max_tokens = false;
    cfg.default_thinking_tokens = 0;
    json_decref(cfg.reasoning_values);
    cfg.reasoning_values = NULL;
    cfg.echo_key = false;
    cfg.bad_marker[0] = '\0';
    json_decref(cfg.script);
    cfg.script = json_array();
    json_decref(cfg.headers);
    cfg.headers = json_object();
    json_decref(st.log);
    st.log = json_array();
    fake_batch_reset();
    st.requests = st.rejected_by_quota = st.max_in_flight = 0;
    st.tokens = -1;
    st.refilled_at = now_ms();
    st.started_at = now_ms();
    st.generation++;
    st.in_flight = 0;
    fake_refusals_reset();
    fake_cost_reset();
}

static double frand(void)
{
    cfg.seed ^= cfg.seed >> 12;
    cfg.seed ^= cfg.seed << 25;
    cfg.seed ^= cfg.seed >> 27;
    return (double)((cfg.seed * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Takes a quota token; on failure *wait_ms is how long until the next one. */
static bool take_token_locked(int64_t *wait_ms)
{
    if (cfg.rpm <= 0)
        return true;
    double cap = cfg.rpm / 60.0 < 1 ? 1 : cfg.rpm / 60.0;
    int64_t now = now_ms();
    if (st.tokens < 0)
        st.tokens = cap;
    st.tokens += (double)(now - st.refilled_at) * cfg.rpm / 60000.0;
    if (st.tokens > cap)
        st.tokens = cap;
    st.refilled_at = now;
    if (st.tokens >= 1.0) {
        st.tokens -= 1.0;
        return true;
    }
    *wait_ms = (int64_t)((1.0 - st.tokens) * 60000.0 / cfg.rpm) + 1;
    return false;
}

/* ---- replies -------------------------------------------------------------- */

#define REPLY_HEADERS 4

struct reply {
    unsigned status;
    json_t *body;      /* owned */
    const char *raw;   /* static: sent as it is instead of body (text, HTML, arrays) */
    const char *ctype; /* static: raw's Content-Type */
    char hdr_name[REPLY_HEADERS][32];
    char hdr_value[REPLY_HEADERS][128];
    bool hang_up; /* close the connection without a reply */
};

/* Replaces the reply's headers with the configured ones (hostile wait hints, say). */
static void reply_headers(struct reply *r, json_t *headers)
{
    const char *name;
    json_t *v;
    int i = 0;
    memset(r->hdr_name, 0, sizeof(r->hdr_name));
    json_object_foreach(headers, name, v)
    {
        if (i == REPLY_HEADERS || !json_is_string(v))
            break;
        snprintf(r->hdr_name[i], sizeof(r->hdr_name[i]), "%s", name);
        snprintf(r->hdr_value[i], sizeof(r->hdr_value[i]), "%s", json_string_value(v));
        i++;
    }
}

static void reply_set(struct reply *r, unsigned status, json_t *body)
{
    r->status = status;
    json_decref(r->body);
    r->body = body;
}

static json_t *gemini_error(int code, const char *status, const char *msg)
{
    return json_pack("{s:{s:i, s:s, s:s}}", "error", "code", code, "message", msg, "status",
                     status);
}

static json_t *openai_error(const char *msg, const char *type, const char *code)
{
    return json_pack("{s:{s:s, s:s, s:n, s:s?}}", "error", "message", msg, "type", type, "param",
                     "code", code);
}

/*
 * Error bodies as the servers send them (messages from their docs and from
 * replies quoted in public bug reports; the shapes are the point).
 */
static const struct {
    const char *name;
    unsigned status;
    const char *ctype;
    const char *body;
} fixtures[] = {
    {"e_openai", 404, "application/json",
     "{\"error\":{\"message\":\"The model `fake-model` does not exist or you do not have access "
     "to it.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}"},
    /* Gemini's OpenAI-compatible endpoint wraps its errors in an array. */
    {"e_gemini_array", 400, "application/json",
     "[{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\","
     "\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/"
     "google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\",\"domain\":\"googleapis.com\"}]}}]"},
    {"e_vllm", 404, "application/json",
     "{\"object\":\"error\",\"message\":\"The model `fake-model` does not exist.\",\"type\":"
     "\"NotFoundError\",\"param\":null,\"code\":404}"},
    {"e_mistral", 400, "application/json",
     "{\"object\":\"error\",\"message\":\"Invalid model: fake-model\",\"type\":"
     "\"invalid_model\",\"param\":null,\"code\":\"1500\"}"},
    {"e_fastapi", 422, "application/json",
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"model\"],\"msg\":\"Field "
     "required\",\"input\":{}}]}"},
    {"e_fastapi_str", 401, "application/json", "{\"detail\":\"Invalid API key\"}"},
    {"e_ollama", 404, "application/json",
     "{\"error\":\"model \\\"fake-model\\\" not found, try pulling it first\"}"},
    {"e_llamacpp", 400, "application/json",
     "{\"error\":{\"code\":400,\"message\":\"the request exceeds the available context size, "
     "try increasing it\",\"type\":\"exceed_context_size_error\",\"n_prompt_tokens\":9000,"
     "\"n_ctx\":4096}}"},
    {"e_llamacpp_content", 400, "application/json", "{\"content\":\"Invalid grammar\"}"},
    {"e_llamacpp_loading", 503, "application/json",
     "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}"},
    {"e_html", 502, "text/html",
     "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
     "Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n"},
    {"e_html_403", 403, "text/html; charset=UTF-8",
     "<!DOCTYPE html><html><head><title>Attention Required!</title><style>body{margin:0}"
     "</style><script>window.x='<b>';</script></head><body><h1>Sorry, you have been "
     "blocked</h1><p>You are unable to access this API &amp; its models.</p></body></html>"},
    {"e_text", 401, "text/plain", "Unauthorized\n"},
    /* OpenRouter fails inside a 200, with the status in error.code. */
    {"e_200_401", 200, "application/json",
     "{\"error\":{\"code\":401,\"message\":\"No auth credentials found\"}}"},
    {"e_azure_filter", 400, "application/json",
     "{\"error\":{\"message\":\"The response was filtered due to the prompt triggering Azure "
     "OpenAI's content management policy. Please modify your prompt and retry.\",\"type\":null,"
     "\"param\":\"prompt\",\"code\":\"content_filter\",\"status\":400,\"innererror\":{\"code\":"
     "\"ResponsibleAIPolicyViolation\",\"content_filter_result\":{\"hate\":{\"filtered\":true,"
     "\"severity\":\"high\"}}}}}"},
};

/* The fixture named behaviour, as the reply; false when there is none. */
static bool fixture_reply(const char *behaviour, struct reply *r)
{
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        if (strcmp(behaviour, fixtures[i].name) == 0) {
            r->status = fixtures[i].status;
            r->raw = fixtures[i].body;
            r->ctype = fixtures[i].ctype;
            return true;
        }
    }
    return false;
}

/* ---- reading the data block --------------------------------------------- */

/*
 * The fake reads the prompt the way its layout intends, and the way a
 * gullible model might: it finds each record by its markers, {"id":"X" and
 * "end":"X"} with the same X, decodes only that record's text, and then also
 * believes any "key: value" text it finds inside that record's own fields
 * (role: CEO in a bio makes that prospect a CEO). What it never does is let
 * one record's text count for another record.
 */

/* The text between the data block's markers, or NULL; *len gets its length. */
static const char *data_block(const char *text, size_t *len)
{
    const char *open = strstr(text, "<data nonce=\"");
    if (open == NULL)
        return NULL;
    const char *q = strchr(open + 13, '"');
    if (q == NULL)
        return NULL;
    char close[128];
    snprintf(close, sizeof(close), "</data nonce=\"%.*s\">", (int)(q - open - 13), open + 13);
    const char *start = strchr(q, '\n');
    const char *end = strstr(q, close);
    if (start == NULL || end == NULL || end < start)
        return NULL;
    *len = (size_t)(end - start - 1);
    return start + 1;
}

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Overrides rec's field key when text says "key: value" (or "key": "value"). */
static void believe(json_t *rec, const char *text)
{
    static const char *const keys[] = {"role", "company", "industry", "location"};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        size_t kl = strlen(keys[k]);
        for (const char *q = text; (q = strcasestr(q, keys[k])) != NULL; q += kl) {
            if (q > text && ((q[-1] >= 'a' && q[-1] <= 'z') || (q[-1] >= 'A' && q[-1] <= 'Z')))
                continue;
            const char *v = q + kl;
            v += *v == '"';
            v += strspn(v, " ");
            if (*v != ':')
                continue;
            v++;
            v += strspn(v, " \"");
            size_t n = strcspn(v, ",;\n\"}");
            while (n && v[n - 1] == ' ')
                n--;
            if (n == 0 || n > 200)
                continue;
            char value[201];
            snprintf(value, sizeof(value), "%.*s", (int)n, v);
            json_object_set_new(rec, keys[k], json_string(value));
        }
    }
}

/* The record opening at p ({"id":"X",...,"end":"X"}), decoded, or NULL; *next is past it. */
static json_t *record_at(const char *p, const char *end, const char **next)
{
    const char *id = p + 7; /* after {"id":" */
    size_t n = 0;
    while (id + n < end && id_char(id[n]))
        n++;
    if (n == 0 || n > 32 || id + n >= end || id[n] != '"')
        return NULL;
    char tail[64];
    snprintf(tail, sizeof(tail), ",\"end\":\"%.*s\"}", (int)n, id);
    const char *t = strstr(id + n, tail);
    if (t == NULL || t >= end)
        return NULL;
    *next = t + strlen(tail);
    json_error_t e;
    json_t *rec = json_loadb(p, (size_t)(*next - p), 0, &e);
    if (!json_is_object(rec)) {
        json_decref(rec);
        return NULL; /* a record it cannot read goes unanswered */
    }
    /* Gullible: what a record's own fields say about it counts, in field order. */
    json_t *fields = json_deep_copy(rec);
    const char *key;
    json_t *v;
    json_object_foreach(fields, key, v)
    {
        if (json_is_string(v) && strcmp(key, "id") != 0 && strcmp(key, "end") != 0)
            believe(rec, json_string_value(v));
    }
    json_decref(fields);
    return rec;
}

/* The prospects in the request's data block, record by record, or NULL. */
static json_t *prospects_of(const char *text)
{
    size_t len;
    const char *block = data_block(text, &len);
    if (block == NULL)
        return NULL;
    const char *end = block + len;
    json_t *out = json_array();
    for (const char *p = block; p < end;) {
        const char *open = strstr(p, "{\"id\":\"");
        if (open == NULL || open >= end)
            break;
        const char *next = open + 7;
        json_t *rec = record_at(open, end, &next);
        if (rec)
            json_array_append_new(out, rec);
        p = next;
    }
    if (json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static const char *intent_for(const char *role)
{
    static const char *const high[] = {"ceo",  "cto",      "chief", "founder",  "vp",
                                       "head", "director", "owner", "president"};
    static const char *const medium[] = {"manager", "lead", "senior"};
    char lower[256];
    size_t n = 0;
    for (; role[n] && n < sizeof(lower) - 1; n++)
        lower[n] = (char)((role[n] >= 'A' && role[n] <= 'Z') ? role[n] + 32 : role[n]);
    lower[n] = '\0';
    for (size_t i = 0; i < sizeof(high) / sizeof(high[0]); i++)
        if (strstr(lower, high[i]))
            return "High";
    for (size_t i = 0; i < sizeof(medium) / sizeof(medium[0]); i++)
        if (strstr(lower, medium[i]))
            return "Medium";
    return "Low";
}

/*
 * What a careless service says about the key it was sent (echo_key): the key
 * whole, and a piece of it glued to other text, the way partial keys come back.
 */
static void echo_text(const char *key, char *out, size_t cap)
{
    size_t n = strlen(key);
    snprintf(out, cap, "key %s, or x%.*sy for short", key, (int)(n > 20 ? 16 : n),
             key + (n > 20 ? 4 : 0));
}

/* Appends the echo to the error message of body, whatever shape its "error" has. */
static void echo_into_error(json_t *body, const char *key)
{
    json_t *e = json_object_get(body, "error");
    json_t *msg = json_is_object(e) ? json_object_get(e, "message") : e;
    char echo[300], text[1200];
    echo_text(key, echo, sizeof(echo));
    snprintf(text, sizeof(text), "%s (%s)", json_is_string(msg) ? json_string_value(msg) : "",
             echo);
    if (json_is_object(e))
        json_object_set_new(e, "message", json_string(text));
    else if (e)
        json_object_set_new(body, "error", json_string(text));
}

/* The answer a model would give: [{id, intent, reasoning}], shaped by behaviour. */
static json_t *answer_items(json_t *prospects, const char *behaviour, const char *echo)
{
    json_t *items = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(prospects, i, p)
    {
        const char *id = json_string_value(json_object_get(p, "id"));
        const char *role = json_string_value(json_object_get(p, "role"));
        role = role ? role : "";
        char reason[600], said[300] = "";
        if (echo)
            echo_text(echo, said, sizeof(said));
        /* Two sentences, as the prompt asks: an answer the size of a real model's. */
        snprintf(reason, sizeof(reason),
                 "Judged on the role \"%.100s\" against the offer. The role decides the intent; "
                 "the rest of the profile only confirms it.%s%s",
                 role, said[0] ? " Your " : "", said);
        const char *intent = intent_for(role);
        if (cfg.bad_marker[0] && strstr(role, cfg.bad_marker))
            intent = "Hot";
        if (strcmp(behaviour, "unknown_label") == 0 && i == 0)
            intent = "Hot";
        char wrong[32];
        if (strcmp(behaviour, "wrong_ids") == 0) {
            snprintf(wrong, sizeof(wrong), "zz%06zu", i);
            id = wrong;
        }
        if (strcmp(behaviour, "missing_one") == 0 && i + 1 == json_array_size(prospects) && i > 0)
            continue;
        json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "id", id ? id : "", "intent",
                                               intent, "reasoning", reason));
    }
    return items;
}

static char *answer_text(json_t *items, bool openai, const char *behaviour)
{
    json_t *doc = openai ? json_pack("{s:O}", "results", items) : json_incref(items);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (strcmp(behaviour, "truncated") == 0 || strcmp(behaviour, "max_tokens") == 0) {
        text[strlen(text) / 2] = '\0';
    } else if (strcmp(behaviour, "fenced") == 0) {
        char *f = malloc(strlen(text) + 16);
        sprintf(f, "```json\n%s\n```", text);
        free(text);
        text = f;
    }
    return text;
}

/*
 * The thoughts a default-thinking Gemini model pays for a request (cfg's
 * default_thinking_tokens): none with thinkingBudget 0, at most a positive
 * budget, and at most 128 at a thinkingLevel. 2.5 Flash-Lite does not think
 * unless asked; 2.0 models cannot. The size of a model's own thinking is the
 * fake's assumption, set by whoever configures it.
 */
static long default_thoughts(const json_t *req, const char *model)
{
    long n = cfg.default_thinking_tokens;
    bool thinks = (strstr(model, "2.5-") && !strstr(model, "lite")) || strstr(model, "gemini-3");
    if (n <= 0 || !thinks)
        return 0;
    const json_t *tc = json_object_get(json_object_get(req, "generationConfig"), "thinkingConfig");
    const json_t *budget = json_object_get(tc, "thinkingBudget");
    if (json_is_integer(budget) && json_integer_value(budget) >= 0)
        return json_integer_value(budget) < n ? (long)json_integer_value(budget) : n;
    if (json_object_get(tc, "thinkingLevel"))
        return n < 128 ? n : 128;
    return n;
}

static void gemini(json_t *req, const char *model, const char *key, const char *echo,
                   const char *behaviour, int64_t quota_wait, size_t req_len, struct reply *r)
{
    if (cfg.api_key[0] && key == NULL) {
        reply_set(r, 403,
                  gemini_error(403, "PERMISSION_DENIED",
                               "Method doesn't allow unregistered callers (callers without "
                               "established identity). Please use API Key or other form of API "
                               "consumer identity to call this API."));
        return;
    }
    if ((cfg.api_key[0] && strcmp(key, cfg.api_key) != 0) || strcmp(behaviour, "400") == 0) {
        json_t *e = gemini_error(400, "INVALID_ARGUMENT",
                                 "API key not valid. Please pass a valid API key.");
        json_object_set_new(json_object_get(e, "error"), "details",
                            json_pack("[{s:s, s:s, s:s}]", "@type",
                                      "type.googleapis.com/google.rpc.ErrorInfo", "reason",
                                      "API_KEY_INVALID", "domain", "googleapis.com"));
        reply_set(r, 400, e);
        return;
    }
    if (strcmp(model, "gemini-retired") == 0 || strcmp(behaviour, "404") == 0) {
        char msg[400];
        snprintf(msg, sizeof(msg),
                 "models/%.100s is not found for API version v1beta, or is not supported for "
                 "generateContent. Call ListModels to see the list of available models and their "
                 "supported methods.",
                 model);
        reply_set(r, 404, gemini_error(404, "NOT_FOUND", msg));
        return;
    }
    if (quota_wait >= 0 || strcmp(behaviour, "429") == 0 || strcmp(behaviour, "429_day") == 0) {
        bool day = strcmp(behaviour, "429_day") == 0;
        char delay[32];
        if (quota_wait >= 0)
            snprintf(delay, sizeof(delay), "%.3fs", (double)quota_wait / 1000.0);
        else
            snprintf(delay, sizeof(delay), "%s", cfg.retry_delay);
        json_t *e = gemini_error(429, "RESOURCE_EXHAUSTED",
                                 "You exceeded your current quota, please check your plan and "
                                 "billing details. For more information on this error, head to: "
                                 "https://ai.google.dev/gemini-api/docs/rate-limits.");
        json_object_set_new(
            json_object_get(e, "error"), "details",
            json_pack("[{s:s, s:[{s:s, s:s, s:s}]}, {s:s, s:s}]", "@type",
                      "type.googleapis.com/google.rpc.QuotaFailure", "violations", "quotaMetric",
                      "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                      "quotaId",
                      day ? "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
                          : "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                      "quotaValue", "600", "@type", "type.googleapis.com/google.rpc.RetryInfo",
                      "retryDelay", delay));
        reply_set(r, 429, e); /* Gemini sends no Retry-After header */
        return;
    }
    if (strcmp(behaviour, "500") == 0) {
        reply_set(r, 500, gemini_error(500, "INTERNAL", "An internal error has occurred."));
        return;
    }
    if (strcmp(behaviour, "503") == 0) {
        reply_set(
            r, 503,
            gemini_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later."));
        return;
    }
    if (strcmp(behaviour, "504") == 0) {
        reply_set(r, 504,
                  gemini_error(504, "DEADLINE_EXCEEDED",
                               "The service is unable to finish processing within the "
                               "deadline."));
        return;
    }
    json_t *gc = json_object_get(req, "generationConfig");
    if (json_object_get(gc, "responseSchema") &&
        strcmp(or (json_string_value(json_object_get(gc, "responseMimeType")), ""),
               "application/json") != 0) {
        reply_set(r, 400,
                  gemini_error(400, "INVALID_ARGUMENT",
                               "responseSchema requires responseMimeType application/json"));
        return;
    }
    json_t *usage = json_pack("{s:I, s:I}", "promptTokenCount", (json_int_t)(req_len / 4),
                              "totalTokenCount", (json_int_t)(req_len / 4));
    if (strcmp(behaviour, "block") == 0) {
        reply_set(r, 200,
                  json_pack("{s:{s:s}, s:o, s:s}", "promptFeedback", "blockReason",
                            "PROHIBITED_CONTENT", "usageMetadata", usage, "modelVersion", model));
        return;
    }
    if (strcmp(behaviour, "block_msg") == 0) {
        reply_set(r, 200,
                  json_pack("{s:{s:s, s:s}, s:o, s:s}", "promptFeedback", "blockReason", "OTHER",
                            "blockReasonMessage", "The prompt was blocked due to unknown reasons.",
                            "usageMetadata", usage, "modelVersion", model));
        return;
    }
    if (strcmp(behaviour, "finish_msg") == 0) {
        reply_set(r, 200,
                  json_pack("{s:[{s:s, s:s, s:i}], s:o}", "candidates", "finishReason",
                            "PROHIBITED_CONTENT", "finishMessage",
                            "Response stopped due to prohibited content.", "index", 0,
                            "usageMetadata", usage));
        return;
    }
    if (strcmp(behaviour, "safety") == 0) {
        reply_set(r, 200,
                  json_pack("{s:[{s:s, s:i, s:[{s:s, s:s, s:b}]}], s:o}", "candidates",
                            "finishReason", "SAFETY", "index", 0, "safetyRatings", "category",
                            "HARM_CATEGORY_HARASSMENT", "probability", "HIGH", "blocked", 1,
                            "usageMetadata", usage));
        return;
    }
    const char *text = json_string_value(json_object_get(
        json_array_get(
            json_object_get(json_array_get(json_object_get(req, "contents"), 0), "parts"), 0),
        "text"));
    json_t *prospects = prospects_of(text ? text : "");
    if (prospects == NULL) {
        json_decref(usage);
        reply_set(r, 400, gemini_error(400, "INVALID_ARGUMENT", "The request body is malformed."));
        return;
    }
    json_t *items = answer_items(prospects, behaviour, echo);
    char *answer = answer_text(items, false, behaviour);
    json_object_set_new(usage, "candidatesTokenCount",
                        json_integer((json_int_t)strlen(answer) / 4));
    long thoughts = strcmp(behaviour, "thoughts") == 0 ? 1000 : default_thoughts(req, model);
    if (thoughts > 0) /* a thinking model: thoughts billed as output */
        json_object_set_new(usage, "thoughtsTokenCount", json_integer(thoughts));
    const char *finish = strcmp(behaviour, "max_tokens") == 0 ? "MAX_TOKENS" : "STOP";
    reply_set(r, 200,
              json_pack("{s:[{s:{s:s, s:[{s:s}]}, s:s, s:i}], s:o, s:s, s:s}", "candidates",
                        "content", "role", "model", "parts", "text", answer, "finishReason", finish,
                        "index", 0, "usageMetadata", usage, "modelVersion", model, "responseId",
                        "fake-response"));
    free(answer);
    json_decref(items);
    json_decref(prospects);
}

static void openai(json_t *req, const char *auth, const char *echo, const char *behaviour,
                   int64_t quota_wait, size_t req_len, struct reply *r)
{
    if (cfg.api_key[0]) {
        char want[300];
        snprintf(want, sizeof(want), "Bearer %s", cfg.api_key);
        if (auth == NULL || strcmp(auth, want) != 0) {
            reply_set(r, 401,
                      openai_error("Incorrect API key provided: your-ke**here. You can "
                                   "find your API key at "
                                   "https://platform.openai.com/account/api-keys.",
                                   "invalid_request_error", "invalid_api_key"));
            return;
        }
    }
    if (strcmp(behaviour, "401") == 0) {
        reply_set(r, 401,
                  openai_error("Incorrect API key provided.", "invalid_request_error",
                               "invalid_api_key"));
        return;
    }
    if (quota_wait >= 0 || strcmp(behaviour, "429") == 0) {
        long ms = quota_wait >= 0 ? (long)quota_wait : 200;
        reply_set(r, 429,
                  openai_error("Rate limit reached for fake-model on requests per min "
                               "(RPM). Please try again in 200ms.",
                               "requests", "rate_limit_exceeded"));
        snprintf(r->hdr_name[0], sizeof(r->hdr_name[0]), "retry-after");
        snprintf(r->hdr_value[0], sizeof(r->hdr_value[0]), "%ld", (ms + 999) / 1000);
        snprintf(r->hdr_name[1], sizeof(r->hdr_name[1]), "retry-after-ms");
        snprintf(r->hdr_value[1], sizeof(r->hdr_value[1]), "%ld", ms);
        return;
    }
    if (strcmp(behaviour, "429_day") == 0) {
        reply_set(r, 429,
                  openai_error("You exceeded your current quota, please check your plan "
                               "and billing details.",
                               "insufficient_quota", "insufficient_quota"));
        return;
    }
    if (strcmp(behaviour, "500") == 0 || strcmp(behaviour, "503") == 0) {
        reply_set(r, (unsigned)atoi(behaviour),
                  openai_error("The server is overloaded.", "server_error", NULL));
        return;
    }
    const char *rf =
        json_string_value(json_object_get(json_object_get(req, "response_format"), "type"));
    if (cfg.reject_json_schema && rf && strcmp(rf, "json_schema") == 0) {
        reply_set(r, 400,
                  openai_error("Invalid parameter: 'response_format' of type "
                               "'json_schema' is not supported with this model.",
                               "invalid_request_error", NULL));
        return;
    }
    if (cfg.reject_max_tokens && json_object_get(req, "max_tokens")) {
        /* The exact refusal of OpenAI's reasoning models. */
        json_t *e = openai_error("Unsupported parameter: 'max_tokens' is not supported with this "
                                 "model. Use 'max_completion_tokens' instead.",
                                 "invalid_request_error", "unsupported_parameter");
        json_object_set_new(json_object_get(e, "error"), "param", json_string("max_tokens"));
        reply_set(r, 400, e);
        return;
    }
    const char *effort = json_string_value(json_object_get(req, "reasoning_effort"));
    if (cfg.reasoning_values && json_object_get(req, "reasoning_effort")) {
        bool taken = false;
        char list[200] = "";
        size_t i, n = json_array_size(cfg.reasoning_values);
        json_t *v;
        json_array_foreach(cfg.reasoning_values, i, v)
        {
            const char *name = or (json_string_value(v), "");
            taken = taken || (effort && strcmp(effort, name) == 0);
            size_t w = strlen(list);
            snprintf(list + w, sizeof(list) - w, "%s'%s'",
                     i == 0       ? ""
                     : i + 1 == n ? ", and "
                                  : ", ",
                     name);
        }
        if (!taken) {
            char msg[400];
            if (n == 0)
                snprintf(msg, sizeof(msg),
                         "Unsupported parameter: 'reasoning_effort' is not supported with this "
                         "model.");
            else
                snprintf(msg, sizeof(msg),
                         "Unsupported value: 'reasoning_effort' does not support '%.40s' with "
                         "this model. Supported values are: %s.",
                         effort ? effort : "", list);
            json_t *e = openai_error(msg, "invalid_request_error",
                                     n == 0 ? "unsupported_parameter" : "unsupported_value");
            json_object_set_new(json_object_get(e, "error"), "param",
                                json_string("reasoning_effort"));
            reply_set(r, 400, e);
            return;
        }
    }
    if (strcmp(behaviour, "error_200") == 0) {
        reply_set(r, 200,
                  json_pack("{s:{s:i, s:s}}", "error", "code", 502, "message",
                            "The upstream provider is down."));
        return;
    }
    const char *model = json_string_value(json_object_get(req, "model"));
    json_t *msgs = json_object_get(req, "messages");
    const char *user = json_string_value(json_object_get(json_array_get(msgs, 1), "content"));
    json_t *prospects = prospects_of(user ? user : "");
    if (model == NULL || prospects == NULL) {
        reply_set(
            r, 400,
            openai_error("'messages' must contain the data block", "invalid_request_error", NULL));
        return;
    }
    json_t *items = answer_items(prospects, behaviour, echo);
    char *answer = answer_text(items, true, behaviour);
    json_int_t reasoning_tokens = 0;
    if (strncmp(behaviour, "think", 5) == 0) {
        /* DeepSeek-R1 / Qwen3 behind llama.cpp or Ollama: the thinking inside content, with
         * a decoy answer in it. think_open: the template opened the block in the prompt;
         * think_only: the model ran out before closing it. */
        char *with = malloc(strlen(answer) + 300);
        const char *thought = "The prospect may be {\"results\":[{\"id\":\"zz\",\"intent\":"
                              "\"High\"}]}; let me check the role.";
        if (strcmp(behaviour, "think_open") == 0)
            sprintf(with, "%s\n</think>\n\n%s", thought, answer);
        else if (strcmp(behaviour, "think_only") == 0)
            sprintf(with, "<think>%s", thought);
        else
            sprintf(with, "<think>\n%s\n</think>\n\n%s", thought, answer);
        free(answer);
        answer = with;
        reasoning_tokens = 30;
    }
    json_t *message =
        json_pack("{s:s, s:s, s:n}", "role", "assistant", "content", answer, "refusal");
    if (strcmp(behaviour, "reasoning_content") == 0) {
        /* vLLM / DeepSeek: the thinking beside the answer, never the answer. */
        json_object_set_new(message, "reasoning_content",
                            json_string("{\"results\":[]} would be wrong; the role decides."));
        reasoning_tokens = 500;
    }
    const char *finish = strcmp(behaviour, "max_tokens") == 0 ? "length" : "stop";
    if (strcmp(behaviour, "refusal") == 0) {
        json_object_set_new(message, "content", json_null());
        json_object_set_new(message, "refusal", json_string("I can't help with that."));
    }
    /* OpenAI counts reasoning inside completion_tokens and breaks it out in the details. */
    json_int_t completion = (json_int_t)(strlen(answer) / 4) + reasoning_tokens;
    json_t *usage = json_pack("{s:I, s:I, s:I}", "prompt_tokens", (json_int_t)(req_len / 4),
                              "completion_tokens", completion, "total_tokens",
                              (json_int_t)(req_len / 4) + completion);
    if (reasoning_tokens)
        json_object_set_new(usage, "completion_tokens_details",
                            json_pack("{s:I}", "reasoning_tokens", reasoning_tokens));
    reply_set(r, 200,
              json_pack("{s:s, s:s, s:i, s:s, s:[{s:i, s:o, s:n, s:s}], s:o}", "id",
                        "chatcmpl-fake", "object", "chat.completion", "created", 1795935600,
                        "model", model, "choices", "index", 0, "message", message, "logprobs",
                        "finish_reason", finish, "usage", usage));
    free(answer);
    json_decref(items);
    json_decref(prospects);
}

json_t *fake_chat_answer(json_t *req, unsigned *status)
{
    char auth[300];
    /* Not under mu: the batch code calls this holding its own lock, taken after mu elsewhere
     * (reset, config); openai() reads cfg unlocked like every request does. */
    snprintf(auth, sizeof(auth), "Bearer %s", cfg.api_key); /* the batch request carried it */
    char *text = json_dumps(req, JSON_COMPACT); /* its size: the prompt tokens it reports */
    size_t len = text ? strlen(text) : 0;
    free(text);
    struct reply r = {0};
    openai(req, auth, NULL, "ok", -1, len, &r);
    *status = r.status;
    return r.body ? r.body : json_object();
}

json_t *fake_gemini_answer(json_t *req, const char *model, unsigned *status)
{
    char *text = json_dumps(req, JSON_COMPACT);
    size_t len = text ? strlen(text) : 0;
    free(text);
    struct reply r = {0};
    gemini(req, model, cfg.api_key, NULL, "ok", -1, len,
           &r); /* the batch request carried the key */
    *status = r.status;
    return r.body ? r.body : json_object();
}

/* ---- control --------------------------------------------------------------- */

static void configure(json_t *c)
{
    json_t *v;
    fake_batch_configure(c);
    if ((v = json_object_get(c, "latency_ms")))
        cfg.latency_ms = (long)json_integer_value(v);
    if ((v = json_object_get(c, "rpm")))
        cfg.rpm = json_number_value(v), st.tokens = -1;
    if ((v = json_object_get(c, "fault_rate")))
        cfg.fault_rate = json_number_value(v);
    if ((v = json_object_get(c, "seed")))
        cfg.seed = (uint64_t)json_integer_value(v) | 1;
    if ((v = json_object_get(c, "api_key")))
        snprintf(cfg.api_key, sizeof(cfg.api_key), "%s", or (json_string_value(v), ""));
    if ((v = json_object_get(c, "retry_delay")))
        snprintf(cfg.retry_delay, sizeof(cfg.retry_delay), "%s", or (json_string_value(v), ""));
    if ((v = json_object_get(c, "reject_json_schema")))
        cfg.reject_json_schema = json_is_true(v);
    if ((v = json_object_get(c, "reject_max_tokens")))
        cfg.reject_max_tokens = json_is_true(v);
    if ((v = json_object_get(c, "default_thinking_tokens")))
        cfg.default_thinking_tokens = (long)json_integer_value(v);
    if ((v = json_object_get(c, "reasoning_values"))) {
        json_decref(cfg.reasoning_values);
        cfg.reasoning_values = json_is_array(v) ? json_copy(v) : NULL;
    }
    if ((v = json_object_get(c, "echo_key")))
        cfg.echo_key = json_is_true(v);
    if ((v = json_object_get(c, "bad_marker")))
        snprintf(cfg.bad_marker, sizeof(cfg.bad_marker), "%s", or (json_string_value(v), ""));
    if ((v = json_object_get(c, "headers")) && json_is_object(v)) {
        json_decref(cfg.headers);
        cfg.headers = json_copy(v);
    }
    fake_refusals_configure(c); /* filter_marker, reject_response_format, ... */
    if ((v = json_object_get(c, "script")) && json_is_array(v)) {
        json_decref(cfg.script);
        cfg.script = json_copy(v);
    }
    fake_cost_configure(c);
}

/* ---- HTTP ------------------------------------------------------------------ */

struct conn_state {
    char *body;
    size_t len;
    bool too_big;
};

/* fake_refusals.c's verdict on the request, under the lock its state needs. */
static bool refused(const char *body, const json_t *req, bool is_gemini, struct reply *r)
{
    unsigned status = 0;
    json_t *out = NULL;
    pthread_mutex_lock(&mu);
    bool yes = fake_refusals_check(body, req, is_gemini, &status, &out);
    pthread_mutex_unlock(&mu);
    if (yes)
        reply_set(r, status, out);
    return yes;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *body,
                                 const struct reply *r)
{
    struct MHD_Response *resp;
    if (r && r->raw) {
        resp = MHD_create_response_from_buffer(strlen(r->raw), (void *)(uintptr_t)r->raw,
                                               MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Content-Type", r->ctype);
    } else {
        char *text = json_dumps(body, JSON_COMPACT);
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(resp, "Content-Type", "application/json; charset=UTF-8");
    }
    for (int i = 0; r && i < REPLY_HEADERS; i++)
        if (r->hdr_name[i][0])
            MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result handle(struct MHD_Connection *c, const char *url, const char *method,
                              struct conn_state *cs)
{
    if (strcmp(url, "/_fake/reset") == 0) {
        pthread_mutex_lock(&mu);
        reset_locked();
        pthread_mutex_unlock(&mu);
        json_t *ok = json_pack("{s:b}", "ok", 1);
        enum MHD_Result ret = send_json(c, 200, ok, NULL);
        json_decref(ok);
        return ret;
    }
    if (strcmp(url, "/_fake/config") == 0) {
        json_error_t e;
        json_t *j = json_loadb(cs->body ? cs->body : "", cs->len, 0, &e);
        pthread_mutex_lock(&mu);
        if (j)
            configure(j);
        pthread_mutex_unlock(&mu);
        json_decref(j);
        json_t *ok = json_pack("{s:b}", "ok", j != NULL);
        enum MHD_Result ret = send_json(c, j ? 200 : 400, ok, NULL);
        json_decref(ok);
        return ret;
    }
    if (strcmp(url, "/_fake/requests") == 0 || strcmp(url, "/_fake/stats") == 0) {
        pthread_mutex_lock(&mu);
        json_t *out = json_pack("{s:I, s:I, s:I}", "count", (json_int_t)st.requests,
                                "rejected_by_quota", (json_int_t)st.rejected_by_quota,
                                "max_in_flight", (json_int_t)st.max_in_flight);
        fake_cost_stats(out);
        if (strcmp(url, "/_fake/requests") == 0)
            json_object_set(out, "requests", st.log);
        pthread_mutex_unlock(&mu);
        enum MHD_Result ret = send_json(c, 200, out, NULL);
        json_decref(out);
        return ret;
    }

    if (fake_batch_match(url)) {
        unsigned status = 0;
        const char *ctype = NULL;
        char hname[64] = "", hvalue[512] = "";
        struct fake_batch_req q = {
            .url = url,
            .method = method,
            .ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
            .auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
            .host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"),
            .upload_cmd = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Goog-Upload-Command"),
            .upload_id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "upload_id"),
            .limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit"),
            .after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after"),
            .page_size = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "pageSize"),
            .page_token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "pageToken"),
            .body = cs->body,
            .len = cs->len};
        char *out = fake_batch_serve(&q, &status, &ctype, hname, hvalue);
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(strlen(out), out, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(resp, "Content-Type", ctype);
        if (hname[0])
            MHD_add_response_header(resp, hname, hvalue);
        enum MHD_Result ret = MHD_queue_response(c, status, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    if (strcmp(method, "GET") == 0) {
        /* Issue #10: the model metadata routes (fake_cost.c). */
        unsigned mstatus = 0;
        json_t *mbody = NULL;
        const char *mraw = NULL;
        pthread_mutex_lock(&mu);
        bool is_meta = fake_cost_metadata(
            url, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-goog-api-key"), cfg.api_key,
            &mstatus, &mbody, &mraw);
        pthread_mutex_unlock(&mu);
        if (is_meta && mbody && mstatus != 200 && cfg.echo_key) {
            /* The careless service echoes the key here too. */
            const char *k = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-goog-api-key");
            const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
            const char *echo = k ? k : a && strncmp(a, "Bearer ", 7) == 0 ? a + 7 : NULL;
            if (echo)
                echo_into_error(mbody, echo);
        }
        if (is_meta) {
            struct reply mr = {
                .status = mstatus, .raw = mraw, .ctype = "text/plain; charset=utf-8"};
            enum MHD_Result ret = send_json(c, mstatus, mbody, &mr);
            json_decref(mbody);
            return ret;
        }
    }
    bool is_gemini = strncmp(url, "/v1beta/models/", 15) == 0 && strstr(url, ":generateContent");
    bool is_openai =
        strcmp(url, "/v1/chat/completions") == 0 || strcmp(url, "/chat/completions") == 0;
    if (!is_gemini && !is_openai) {
        json_t *e = gemini_error(404, "NOT_FOUND", "unknown path");
        enum MHD_Result ret = send_json(c, 404, e, NULL);
        json_decref(e);
        return ret;
    }
    if (strcmp(method, "POST") != 0) {
        json_t *e = gemini_error(405, "METHOD_NOT_ALLOWED", "POST only");
        enum MHD_Result ret = send_json(c, 405, e, NULL);
        json_decref(e);
        return ret;
    }

    const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-goog-api-key");
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *qkey = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "key");

    pthread_mutex_lock(&mu);
    long generation = st.generation;
    int64_t t = now_ms() - st.started_at;
    st.requests++;
    st.in_flight++;
    long in_flight_at_arrival = st.in_flight;
    if (st.in_flight > st.max_in_flight)
        st.max_in_flight = st.in_flight;
    int64_t wait = -1;
    bool quota_ok = take_token_locked(&wait);
    if (!quota_ok)
        st.rejected_by_quota++;
    else
        wait = -1;
    char behaviour[32] = "ok";
    if (quota_ok && json_array_size(cfg.script) > 0) {
        snprintf(behaviour, sizeof(behaviour), "%s",
                 or (json_string_value(json_array_get(cfg.script, 0)), "ok"));
        json_array_remove(cfg.script, 0);
    } else if (quota_ok && cfg.fault_rate > 0 && frand() < cfg.fault_rate) {
        snprintf(behaviour, sizeof(behaviour), "503");
    }
    long latency = cfg.latency_ms;
    json_t *headers = json_object_size(cfg.headers) ? json_copy(cfg.headers) : NULL;
    const char *echo = NULL;
    if (cfg.echo_key) /* the key as the request carried it */
        echo = key ? key : auth && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : qkey;
    pthread_mutex_unlock(&mu);

    if (strcmp(behaviour, "slow") == 0) {
        /* Longer than any test's client timeout; the client gives up on it, so it is
         * not counted in flight (it would skew the next test's max_in_flight). */
        latency = 5000;
        pthread_mutex_lock(&mu);
        if (generation == st.generation)
            st.in_flight--;
        pthread_mutex_unlock(&mu);
    }
    if (latency > 0 && quota_ok) {
        struct timespec ts = {latency / 1000, (latency % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }

    json_error_t e;
    json_t *req = json_loadb(cs->body ? cs->body : "", cs->len, 0, &e);
    struct reply r = {0};
    if (req == NULL) {
        reply_set(&r, 400,
                  is_gemini
                      ? gemini_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
                      : openai_error("We could not parse the JSON body of your "
                                     "request.",
                                     "invalid_request_error", NULL));
    } else if (strcmp(behaviour, "close") == 0) {
        r.hang_up = true;
    } else if (fixture_reply(behaviour, &r)) {
        /* a server's error body, whichever wire asked */
    } else if (strcmp(behaviour, "unavailable") == 0) {
        /* The flex tier without capacity: OpenAI's 429 "Resource Unavailable"; Gemini's 503. */
        if (is_gemini)
            reply_set(&r, 503,
                      gemini_error(503, "UNAVAILABLE",
                                   "The model is overloaded. Please try again later."));
        else
            reply_set(&r, 429,
                      openai_error("Resource Unavailable", "invalid_request_error",
                                   "resource_unavailable"));
    } else if (refused(cs->body, req, is_gemini, &r)) {
        /* a content filter, or a parameter this server does not take */
    } else if (is_gemini) {
        char model[200];
        const char *m = url + 15;
        const char *colon = strchr(m, ':');
        snprintf(model, sizeof(model), "%.*s", (int)(colon - m), m);
        gemini(req, model, key ? key : qkey, echo, behaviour, wait, cs->len, &r);
    } else {
        openai(req, auth, echo, behaviour, wait, cs->len, &r);
    }
    if (echo && r.body)
        echo_into_error(r.body, echo);

    pthread_mutex_lock(&mu);
    bool current = generation == st.generation;
    if (current && strcmp(behaviour, "slow") != 0)
        st.in_flight--;
    if (current && r.status == 200 && r.body && req) {
        char model[200] = "";
        if (is_gemini)
            snprintf(model, sizeof(model), "%.*s", (int)strcspn(url + 15, ":"), url + 15);
        else
            snprintf(model, sizeof(model), "%s",
                     or (json_string_value(json_object_get(req, "model")), ""));
        fake_cost_account(req, r.body, is_gemini, model);
    }
    if (current)
        json_array_append_new(
            st.log, json_pack("{s:I, s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:i, s:s}", "t_ms",
                              (json_int_t)t, "in_flight", (json_int_t)in_flight_at_arrival, "path",
                              url, "method", method, "x_goog_api_key", key, "authorization", auth,
                              "query_key", qkey, "body", cs->body ? cs->body : "", "status",
                              (int)r.status, "behaviour", behaviour));
    pthread_mutex_unlock(&mu);
    json_decref(req);
    if (headers && r.status != 200)
        reply_headers(&r, headers);
    json_decref(headers);
    if (r.hang_up)
        return MHD_NO;
    enum MHD_Result ret = send_json(c, r.status, r.body, &r);
    json_decref(r.body);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct conn_state *cs = *con_cls;
    if (cs == NULL) {
        *con_cls = calloc(1, sizeof(struct conn_state));
        return MHD_YES;
    }
    if (*size) {
        if (cs->len + *size > BODY_MAX) {
            cs->too_big = true;
        } else {
            cs->body = realloc(cs->body, cs->len + *size + 1);
            memcpy(cs->body + cs->len, data, *size);
            cs->len += *size;
            cs->body[cs->len] = '\0';
        }
        *size = 0;
        return MHD_YES;
    }
    return handle(c, url, method, cs);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct conn_state *cs = *con_cls;
    if (cs) {
        free(cs->body);
        free(cs);
    }
    *con_cls = NULL;
}

int main(int argc, char **argv)
{
    uint16_t port = argc > 1 ? (uint16_t)atoi(argv[1]) : 0;
    pthread_mutex_lock(&mu);
    reset_locked();
    pthread_mutex_unlock(&mu);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only */
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, port,
        NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED,
        on_done, NULL, MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
        MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "fake_llm: cannot listen\n");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("fake_llm port=%u\n", info->port);
    fflush(stdout);
    pause(); /* until killed */
    MHD_stop_daemon(d);
    return 0;
}
