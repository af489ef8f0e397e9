/* llm_error.c - error bodies of model services, every shape, and their classes. Pure. */
#include "llm_error.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "llm_parse.h"
#include "utf8.h"

/* ---- text ------------------------------------------------------------------ */

static bool is_blank(unsigned char c)
{
    return c <= 0x20 || c == 0x7F;
}

/* A small writer: characters counted, bytes capped, blanks collapsed. */
struct out {
    char *p;
    size_t cap, len, chars, max_chars;
    bool pending_space, full;
};

static void out_space(struct out *o)
{
    if (o->len > 0)
        o->pending_space = true;
}

/* Appends one whole UTF-8 character (or a byte replaced by '?'), or marks o full. */
static void out_char(struct out *o, const char *s, size_t n)
{
    if (o->full)
        return;
    size_t need = n + (o->pending_space ? 1 : 0);
    if (o->chars + (o->pending_space ? 1 : 0) + 1 > o->max_chars || o->len + need + 1 > o->cap) {
        o->full = true;
        return;
    }
    if (o->pending_space) {
        o->p[o->len++] = ' ';
        o->chars++;
        o->pending_space = false;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->chars++;
}

/* Appends s[0..len) as text: blanks collapse, invalid bytes become '?'. */
static void out_text(struct out *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len && !o->full;) {
        unsigned char c = (unsigned char)s[i];
        if (is_blank(c)) {
            out_space(o);
            i++;
            continue;
        }
        size_t n = ls_utf8_seq(s + i, len - i);
        if (n == 0) {
            out_char(o, "?", 1);
            i++;
        } else {
            out_char(o, s + i, n);
            i += n;
        }
    }
}

static void out_init(struct out *o, char *buf, size_t cap, size_t max_chars)
{
    memset(o, 0, sizeof(*o));
    o->p = buf;
    o->cap = cap;
    o->max_chars = max_chars;
    buf[0] = '\0';
}

static size_t out_end(struct out *o)
{
    o->p[o->len] = '\0';
    return o->len;
}

static bool starts_ci(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(s, prefix, n) == 0;
}

/* The position after the first case-insensitive match of needle in s[from..len), or len. */
static size_t skip_past_ci(const char *s, size_t len, size_t from, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = from; i + n <= len; i++) {
        if (strncasecmp(s + i, needle, n) == 0)
            return i + n;
    }
    return len;
}

/* An entity at s[0..len) ("&amp;" ...): its text and length, or 0 when it is not one we know. */
static size_t entity(const char *s, size_t len, const char **text)
{
    static const struct {
        const char *name, *text;
    } known[] = {{"&amp;", "&"}, {"&lt;", "<"},   {"&gt;", ">"},   {"&quot;", "\""},
                 {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}, {"&#x27;", "'"}};
    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
        if (starts_ci(s, len, known[k].name)) {
            *text = known[k].text;
            return strlen(known[k].name);
        }
    }
    return 0;
}

size_t ls_llm_error_text(const char *s, size_t len, char *out, size_t cap)
{
    struct out o;
    out_init(&o, out, cap, LS_LLM_ERROR_TEXT_MAX);
    for (size_t i = 0; i < len && !o.full;) {
        if (s[i] == '<') {
            /* What a browser would not show is not the message: scripts, styles, comments. */
            if (starts_ci(s + i, len - i, "<script"))
                i = skip_past_ci(s, len, i, "</script>");
            else if (starts_ci(s + i, len - i, "<style"))
                i = skip_past_ci(s, len, i, "</style>");
            else if (starts_ci(s + i, len - i, "<!--"))
                i = skip_past_ci(s, len, i, "-->");
            else
                i = skip_past_ci(s, len, i, ">");
            out_space(&o); /* a tag separates words: <h1>502</h1><p>Bad */
            continue;
        }
        const char *text;
        size_t n = s[i] == '&' ? entity(s + i, len - i, &text) : 0;
        if (n) {
            out_text(&o, text, strlen(text));
            i += n;
            continue;
        }
        size_t j = i;
        while (j < len && s[j] != '<' && s[j] != '&')
            j++;
        if (j == i)
            j++; /* a lone '&' */
        out_text(&o, s + i, j - i);
        i = j;
    }
    return out_end(&o);
}

/* A message from service JSON: collapsed, capped in bytes, cut on a character boundary. */
static void set_message(struct ls_llm_error *e, const char *s, size_t len)
{
    struct out o;
    out_init(&o, e->message, sizeof(e->message), sizeof(e->message));
    out_text(&o, s, len);
    out_end(&o);
}

/* ---- JSON shapes ----------------------------------------------------------------- */

static void copy_field(char *dst, size_t cap, const json_t *v)
{
    if (json_is_string(v))
        snprintf(dst, cap, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(dst, cap, "%lld", (long long)json_integer_value(v));
    else
        dst[0] = '\0';
    ls_utf8_sanitize(dst);
}

/* Gemini's google.rpc details: RetryInfo's wait, and whether a quota is per day. */
static void rpc_details(const json_t *details, struct ls_llm_error *e)
{
    size_t i;
    const json_t *d;
    json_array_foreach(details, i, d)
    {
        const char *type = json_string_value(json_object_get(d, "@type"));
        if (type == NULL)
            continue;
        if (strstr(type, "google.rpc.RetryInfo")) {
            e->retry_after_ms =
                ls_llm_parse_duration(json_string_value(json_object_get(d, "retryDelay")));
        } else if (strstr(type, "google.rpc.QuotaFailure")) {
            size_t k;
            const json_t *v;
            json_array_foreach(json_object_get(d, "violations"), k, v)
            {
                const char *id = json_string_value(json_object_get(v, "quotaId"));
                if (id && strstr(id, "PerDay"))
                    e->per_day = true;
            }
        }
    }
}

/* FastAPI's validation errors: "body.model: Field required; ..." */
static void fastapi_detail(const json_t *detail, struct ls_llm_error *e)
{
    char text[LS_ERR_MSG_MAX * 2];
    size_t w = 0;
    size_t i;
    const json_t *d;
    json_array_foreach(detail, i, d)
    {
        const char *msg = json_string_value(json_object_get(d, "msg"));
        if (msg == NULL || w + 8 >= sizeof(text))
            continue;
        if (w)
            w += (size_t)snprintf(text + w, sizeof(text) - w, "; ");
        size_t k;
        const json_t *part;
        json_array_foreach(json_object_get(d, "loc"), k, part)
        {
            char p[64];
            copy_field(p, sizeof(p), part);
            if (w < sizeof(text))
                w += (size_t)snprintf(text + w, sizeof(text) - w, "%s%s", k ? "." : "", p);
            if (w < sizeof(text) && k + 1 == json_array_size(json_object_get(d, "loc")))
                w += (size_t)snprintf(text + w, sizeof(text) - w, ": ");
        }
        if (w < sizeof(text))
            w += (size_t)snprintf(text + w, sizeof(text) - w, "%s", msg);
        if (w >= sizeof(text))
            w = sizeof(text) - 1;
    }
    set_message(e, text, w);
}

/* {"message", "code", "status", "type", "param", "details", "metadata"}: one error object. */
static bool error_object(const json_t *o, struct ls_llm_error *e)
{
    const json_t *msg = json_object_get(o, "message");
    if (!json_is_string(msg))
        msg = json_object_get(o, "msg");
    copy_field(e->code, sizeof(e->code), json_object_get(o, "code"));
    copy_field(e->status, sizeof(e->status), json_object_get(o, "status"));
    copy_field(e->type, sizeof(e->type), json_object_get(o, "type"));
    copy_field(e->param, sizeof(e->param), json_object_get(o, "param"));
    /* Azure's content filter says what it is in innererror.code. */
    const json_t *inner = json_object_get(json_object_get(o, "innererror"), "code");
    if (e->code[0] == '\0' && json_is_string(inner))
        copy_field(e->code, sizeof(e->code), inner);
    ls_llm_filter_categories(
        json_object_get(json_object_get(o, "innererror"), "content_filter_result"), e->filtered,
        sizeof(e->filtered));
    rpc_details(json_object_get(o, "details"), e);
    /* OpenRouter: "Provider returned error", with the provider's own words in metadata.raw. */
    const json_t *raw = json_object_get(json_object_get(o, "metadata"), "raw");
    if (json_is_string(msg) && json_is_string(raw)) {
        char both[LS_ERR_MSG_MAX * 2];
        int n =
            snprintf(both, sizeof(both), "%s: %s", json_string_value(msg), json_string_value(raw));
        set_message(e, both, n < 0 ? 0 : (size_t)n >= sizeof(both) ? sizeof(both) - 1 : (size_t)n);
    } else if (json_is_string(msg)) {
        set_message(e, json_string_value(msg), json_string_length(msg));
    }
    return true;
}

bool ls_llm_error_from_json(const struct json_t *root, struct ls_llm_error *e)
{
    memset(e, 0, sizeof(*e));
    e->retry_after_ms = -1;
    /* Gemini's OpenAI-compatible endpoint (and its streams) wrap the error in an array. */
    if (json_is_array(root))
        root = json_array_get(root, 0);
    if (!json_is_object(root))
        return false;
    const json_t *err = json_object_get(root, "error");
    const char *object = json_string_value(json_object_get(root, "object"));
    const json_t *detail = json_object_get(root, "detail");
    const json_t *errors = json_object_get(root, "errors");
    if (json_is_object(err))
        return error_object(err, e);
    if (json_is_string(err)) { /* Ollama, older llama.cpp */
        set_message(e, json_string_value(err), json_string_length(err));
        return true;
    }
    if (object && strcmp(object, "error") == 0) /* vLLM, Mistral */
        return error_object(root, e);
    if (json_is_string(detail)) { /* FastAPI's HTTPException */
        set_message(e, json_string_value(detail), json_string_length(detail));
        return true;
    }
    if (json_is_array(detail)) { /* FastAPI's RequestValidationError */
        fastapi_detail(detail, e);
        return true;
    }
    if (json_is_object(detail))
        return error_object(detail, e);
    if (json_is_object(json_array_get(errors, 0)))
        return error_object(json_array_get(errors, 0), e);
    /* Gateways ({"message": "Forbidden"}) and old llama.cpp ({"content": "slot unavailable"}). */
    const json_t *msg = json_object_get(root, "message");
    if (!json_is_string(msg))
        msg = json_object_get(root, "content");
    if (json_is_string(msg) && json_object_get(root, "choices") == NULL &&
        json_object_get(root, "candidates") == NULL) {
        error_object(root, e);
        set_message(e, json_string_value(msg), json_string_length(msg));
        return true;
    }
    return false;
}

bool ls_llm_error_read(const char *body, size_t len, struct ls_llm_error *e)
{
    json_error_t jerr;
    json_t *root = body && len ? json_loadb(body, len, 0, &jerr) : NULL;
    bool known = root && ls_llm_error_from_json(root, e);
    json_decref(root);
    if (!known) {
        memset(e, 0, sizeof(*e));
        e->retry_after_ms = -1;
        ls_llm_error_text(body ? body : "", body ? len : 0, e->message, sizeof(e->message));
    }
    return e->message[0] != '\0';
}

size_t ls_llm_filter_categories(const struct json_t *results, char *out, size_t cap)
{
    struct out o;
    out_init(&o, out, cap, cap);
    const char *name;
    const json_t *v;
    bool first = true;
    json_object_foreach((json_t *)(uintptr_t)results, name, v)
    {
        if (!json_is_true(json_object_get(v, "filtered")))
            continue;
        const char *sev = json_string_value(json_object_get(v, "severity"));
        char one[96];
        snprintf(one, sizeof(one), "%s%.40s%s%.16s%s", first ? "" : ", ", name, sev ? " (" : "",
                 sev ? sev : "", sev ? ")" : "");
        out_text(&o, one, strlen(one));
        first = false;
    }
    return out_end(&o);
}

/* ---- classes ---------------------------------------------------------------------- */

static bool has(const char *s, const char *needle)
{
    return strstr(s, needle) != NULL;
}

static bool is_content_filter(const struct ls_llm_error *e)
{
    return strcmp(e->code, "content_filter") == 0 ||
           strcmp(e->code, "ResponsibleAIPolicyViolation") == 0 ||
           has(e->message, "content management policy") ||
           has(e->message, "content_policy_violation") || has(e->message, "content filter");
}

/* A 200's error.code that names an HTTP status (OpenRouter's mid-generation errors), or 0. */
static long embedded_status(const struct ls_llm_error *e)
{
    size_t n = strlen(e->code);
    if (n != 3)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (e->code[i] < '0' || e->code[i] > '9')
            return 0;
    }
    long v = (e->code[0] - '0') * 100 + (e->code[1] - '0') * 10 + (e->code[2] - '0');
    return v >= 400 && v <= 599 ? v : 0;
}

enum ls_llm_class ls_llm_error_classify(long status, const struct ls_llm_error *e)
{
    const char *msg = e->message;
    if (is_content_filter(e))
        return LS_LLM_CLASS_CONTENT;
    if (status >= 200 && status <= 299) {
        status = embedded_status(e);
        if (status == 0)
            return LS_LLM_CLASS_TRANSIENT; /* failed while generating: another try may do */
    }
    if (status == 402) /* OpenRouter: no credits left */
        return LS_LLM_CLASS_QUOTA;
    if (status == 429) {
        /* A daily quota, billing, or a model with no quota at all: waiting will not do. */
        if (strcmp(e->code, "insufficient_quota") == 0 ||
            strcmp(e->type, "insufficient_quota") == 0 || e->per_day || has(msg, "limit: 0") ||
            has(msg, "per day"))
            return LS_LLM_CLASS_QUOTA;
        return LS_LLM_CLASS_TRANSIENT;
    }
    if (status == 408 || status >= 500 || status < 100)
        return LS_LLM_CLASS_TRANSIENT;
    /* The exact OpenAI wording: "Unsupported parameter: 'max_tokens' is not supported with
     * this model. Use 'max_completion_tokens' instead." (param max_tokens, code
     * unsupported_parameter); Azure answers the same. */
    if (strcmp(e->param, "max_tokens") == 0 || has(msg, "Unsupported parameter: 'max_tokens'") ||
        (has(msg, "max_tokens") && has(msg, "max_completion_tokens")))
        return LS_LLM_CLASS_TOKENS_PARAM;
    /* "Unsupported value: 'reasoning_effort' does not support 'none' with this model.
     * Supported values are: ...", or the parameter itself unknown to the model. */
    if (strcmp(e->param, "reasoning_effort") == 0 || has(msg, "reasoning_effort"))
        return LS_LLM_CLASS_REASONING;
    /* Gemini: "Budget 0 is invalid. This model only works in thinking mode." (2.5 Pro),
     * "The model does not support setting thinking_budget to 0.", or a thinkingLevel the
     * model does not take. */
    if (status == 400 &&
        (has(msg, "thinking mode") || has(msg, "thinking_budget") || has(msg, "thinkingBudget") ||
         has(msg, "thinking budget") || has(msg, "thinking_level") || has(msg, "thinkingLevel") ||
         has(msg, "thinking level") || has(msg, "Thinking level")))
        return LS_LLM_CLASS_THINKING;
    if (status == 400 && (has(msg, "json_schema") || has(msg, "response_format")))
        return LS_LLM_CLASS_SCHEMA;
    return LS_LLM_CLASS_REQUEST;
}

const char *ls_llm_class_name(enum ls_llm_class c)
{
    static const char *const names[] = {"transient", "quota",  "request", "tokens_param",
                                        "reasoning", "schema", "content", "thinking"};
    return (size_t)c < sizeof(names) / sizeof(names[0]) ? names[c] : "unknown";
}

/* ---- reasoning_effort --------------------------------------------------------------- */

static const char *const efforts[] = {"none", "minimal", "low", "medium", "high", "xhigh"};

static int effort_rank(const char *s, size_t len)
{
    for (int i = 0; i < (int)(sizeof(efforts) / sizeof(efforts[0])); i++) {
        if (strlen(efforts[i]) == len && strncmp(s, efforts[i], len) == 0)
            return i;
    }
    return -1;
}

bool ls_llm_reasoning_fallback(const char *current, const char *message, char *out, size_t cap)
{
    const char *list = strstr(message, "upported values are");
    int best = -1;
    /* The quoted words after "Supported values are": the lowest known one wins. */
    for (const char *q = list ? strchr(list, '\'') : NULL; q; q = strchr(q, '\'')) {
        const char *end = strchr(q + 1, '\'');
        if (end == NULL)
            break;
        int rank = effort_rank(q + 1, (size_t)(end - q - 1));
        if (rank >= 0 && (best < 0 || rank < best))
            best = rank;
        q = end + 1;
    }
    snprintf(out, cap, "%s", best >= 0 ? efforts[best] : "");
    return strcmp(out, current ? current : "") != 0;
}
