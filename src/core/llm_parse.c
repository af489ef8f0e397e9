/* llm_parse.c - model service replies and answers. Pure. */
#include "llm_parse.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "utf8.h"

void ls_llm_reply_init(struct ls_llm_reply *r, size_t max_text)
{
    memset(r, 0, sizeof(*r));
    ls_buf_init(&r->text, max_text);
    r->retry_after_ms = -1;
}

void ls_llm_reply_release(struct ls_llm_reply *r)
{
    ls_buf_release(&r->text);
}

/* ---- wait hints ----------------------------------------------------------------
 *
 * Hints come from the service and are parsed by hand, never with strtod and a
 * cast: a double out of int64_t's range (1e400, inf, nan) converted to an
 * integer is undefined behaviour. Digits are accumulated with saturation at
 * LS_LLM_HINT_CEIL_MS, so no arithmetic on a hint can overflow either.
 */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void trim_ows(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t'))
        (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/*
 * Reads 1*DIGIT [ "." 1*DIGIT ] from s[0..len) as a count of units of unit_ms
 * milliseconds (1000: seconds, 1: milliseconds): the whole of it, or false.
 * The result saturates at LS_LLM_HINT_CEIL_MS; the fraction is rounded to the
 * millisecond.
 */
static bool decimal_ms(const char *s, size_t len, int64_t unit_ms, int64_t *out)
{
    size_t i = 0;
    int64_t whole = 0;
    for (; i < len && is_digit(s[i]); i++) {
        if (whole < LS_LLM_HINT_CEIL_MS) /* past the ceiling the value no longer matters */
            whole = whole * 10 + (s[i] - '0');
    }
    if (i == 0)
        return false;
    /* The fraction in tenths of a millisecond: the first digit is worth unit_ms tenths,
     * each next one a tenth of that, down to nothing. */
    int64_t tenths = 0, weight = unit_ms;
    if (i < len && s[i] == '.') {
        size_t first = ++i;
        for (; i < len && is_digit(s[i]); i++) {
            tenths += (s[i] - '0') * weight;
            weight /= 10;
        }
        if (i == first)
            return false;
    }
    if (i != len)
        return false;
    if (whole >= LS_LLM_HINT_CEIL_MS / unit_ms) {
        *out = LS_LLM_HINT_CEIL_MS;
        return true;
    }
    int64_t ms = whole * unit_ms + (tenths + 5) / 10;
    *out = ms > LS_LLM_HINT_CEIL_MS ? LS_LLM_HINT_CEIL_MS : ms;
    return true;
}

int64_t ls_llm_parse_duration(const char *s)
{
    int64_t ms;
    size_t len = s ? strlen(s) : 0;
    /* A protobuf Duration: seconds with up to nine fraction digits and an "s". A
     * negative one is no wait the service could mean. */
    if (len < 2 || s[len - 1] != 's' || !decimal_ms(s, len - 1, 1000, &ms))
        return -1;
    return ms;
}

int64_t ls_llm_retry_after_ms(const char *s, size_t len)
{
    int64_t ms;
    trim_ows(&s, &len);
    return decimal_ms(s, len, 1, &ms) ? ms : -1;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

struct http_date {
    int day, mon, year, hh, mm, ss;
};

/* A number of exactly n digits, or -1. */
static int fixed_digits(const char *s, size_t len, size_t n)
{
    int v = 0;
    if (len != n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* One token of an HTTP-date: a weekday, a month, "GMT", a time or a number. */
static bool date_token(const char *t, size_t n, struct http_date *d)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const char *const days[] = {"Mon",      "Tue",    "Wed",      "Thu",     "Fri",
                                       "Sat",      "Sun",    "Monday",   "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday", "Sunday",  "GMT"};
    for (size_t i = 0; i < LS_ARRAY_LEN(days); i++) {
        if (strlen(days[i]) == n && strncmp(t, days[i], n) == 0)
            return true;
    }
    for (int m = 0; n == 3 && m < 12; m++) {
        if (strncmp(t, months + 3 * m, 3) == 0 && d->mon == 0) {
            d->mon = m + 1;
            return true;
        }
    }
    if (n == 8 && t[2] == ':' && t[5] == ':' && d->hh < 0) {
        d->hh = fixed_digits(t, 2, 2);
        d->mm = fixed_digits(t + 3, 2, 2);
        d->ss = fixed_digits(t + 6, 2, 2);
        return d->hh >= 0 && d->mm >= 0 && d->ss >= 0;
    }
    int v = n == 4 ? fixed_digits(t, 4, 4) : n <= 2 ? fixed_digits(t, n, n) : -1;
    if (v < 0)
        return false;
    if (n <= 2 && d->day == 0) {
        d->day = v;
    } else if (d->year < 0) {
        /* RFC 9110 5.6.7: a two-digit year (rfc850-date) is the one nearest. */
        d->year = n == 4 ? v : v < 70 ? 2000 + v : 1900 + v;
    } else {
        return false;
    }
    return true;
}

/*
 * An HTTP-date (RFC 9110 5.6.7) in any of its three forms - IMF-fixdate
 * "Sun, 06 Nov 1994 08:49:37 GMT", rfc850 "Sunday, 06-Nov-94 08:49:37 GMT",
 * asctime "Sun Nov  6 08:49:37 1994" - as ms since the epoch; false when s is
 * not one.
 */
static bool parse_http_date(const char *s, size_t len, int64_t *ms)
{
    struct http_date d = {0, 0, -1, -1, -1, -1};
    size_t i = 0;
    while (i < len) {
        if (s[i] == ' ' || s[i] == ',' || s[i] == '-') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && s[i] != ' ' && s[i] != ',' && s[i] != '-')
            i++;
        if (!date_token(s + start, i - start, &d))
            return false;
    }
    if (d.mon == 0 || d.year < 1970 || d.hh < 0 || d.day < 1 ||
        d.day > days_in_month(d.year, d.mon) || d.hh > 23 || d.mm > 59 || d.ss > 60)
        return false;
    int64_t secs = days_from_civil(d.year, d.mon, d.day) * 86400 + d.hh * 3600 + d.mm * 60 + d.ss;
    *ms = secs * 1000; /* year <= 9999: far inside int64_t */
    return true;
}

int64_t ls_llm_retry_after(const char *s, size_t len, int64_t now_ms)
{
    int64_t ms;
    trim_ows(&s, &len);
    bool digits = len > 0;
    for (size_t i = 0; i < len; i++)
        digits = digits && is_digit(s[i]);
    if (digits) /* delay-seconds = 1*DIGIT: no sign, no fraction, no exponent */
        return decimal_ms(s, len, 1000, &ms) ? ms : -1;
    if (!parse_http_date(s, len, &ms))
        return -1;
    if (ms <= now_ms)
        return 0; /* a date in the past: go now */
    return ms - now_ms > LS_LLM_HINT_CEIL_MS ? LS_LLM_HINT_CEIL_MS : ms - now_ms;
}

static void set(struct ls_llm_reply *r, enum ls_llm_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set(struct ls_llm_reply *r, enum ls_llm_kind kind, const char *fmt, ...)
{
    r->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof(r->error), fmt, ap);
    va_end(ap);
    ls_utf8_sanitize(r->error); /* service text cut at a byte limit stays valid UTF-8 */
}

static const char *str_at(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static bool all_digits(const char *s)
{
    if (s[0] == '\0')
        return false;
    for (; *s; s++) {
        if (!is_digit(*s))
            return false;
    }
    return true;
}

/* What the reply is for a caller, from the error's class. */
static enum ls_llm_kind kind_for_class(enum ls_llm_class c)
{
    return c == LS_LLM_CLASS_TRANSIENT ? LS_LLM_RETRY
           : c == LS_LLM_CLASS_CONTENT ? LS_LLM_BLOCKED
                                       : LS_LLM_FATAL;
}

/*
 * An error reply of any shape: the service's message (or the first characters
 * of a text or HTML body), classified. label is the wire's name; the code
 * shown is Gemini's status or error.code.
 */
static void error_reply(const char *label, long status, const char *body, size_t len,
                        struct ls_llm_reply *r)
{
    struct ls_llm_error e;
    bool found = ls_llm_error_read(body, len, &e);
    r->klass = ls_llm_error_classify(status, &e);
    /* response_format is an OpenAI-compatible parameter: only that wire can fall back. */
    r->schema_unsupported = r->klass == LS_LLM_CLASS_SCHEMA && strcmp(label, "openai") == 0;
    if (e.retry_after_ms >= 0)
        r->retry_after_ms = e.retry_after_ms;
    /* Gemini's canonical status says most; Azure's numeric "status" says nothing new. */
    const char *code = e.status[0] && !all_digits(e.status) ? e.status : e.code;
    if (all_digits(code) && strtol(code, NULL, 10) == status)
        code = ""; /* llama.cpp, vLLM, OpenRouter: a code that only repeats the status */
    /* Azure's filtered categories first: the message after them may be cut. */
    set(r, kind_for_class(r->klass), "%s: HTTP %ld%s%s%s%s%s: %s", label, status,
        code[0] ? " " : "", code, e.filtered[0] ? " [filtered: " : "", e.filtered,
        e.filtered[0] ? "]" : "",
        found ? e.message
        : len ? "no error message"
              : "empty reply");
}

/* An error object inside a 2xx reply (OpenRouter and others fail mid-generation so). */
static bool error_in_ok(const char *label, long status, const json_t *root, struct ls_llm_reply *r)
{
    const json_t *err = json_object_get(root, "error");
    if (json_is_array(root) && json_is_object(json_array_get(root, 0)))
        err = json_object_get(json_array_get(root, 0), "error");
    if (err == NULL || json_is_null(err))
        return false;
    struct ls_llm_error e;
    ls_llm_error_from_json(root, &e);
    r->klass = ls_llm_error_classify(status, &e);
    set(r, kind_for_class(r->klass), "%s: HTTP %ld carrying an error%s%s%s%s%s: %s", label, status,
        e.code[0] ? " " : "", e.code, e.filtered[0] ? " [filtered: " : "", e.filtered,
        e.filtered[0] ? "]" : "", e.message[0] ? e.message : "no message");
    return true;
}

/* Adds answer text to r without its reasoning; false (r set) when nothing is left. */
static bool add_answer(const char *label, const char *s, size_t len, struct ls_llm_reply *r)
{
    int rc = ls_llm_strip_think(s, len, &r->text);
    if (rc == LS_ELIMIT) {
        set(r, LS_LLM_BAD_ANSWER, "%s: answer is longer than %zu bytes", label, r->text.max);
        return false;
    }
    if (rc == LS_EPARSE) {
        set(r, LS_LLM_BAD_ANSWER, "%s: the reply is all reasoning (a <think> block never closed)",
            label);
        return false;
    }
    return true;
}

/* ---- Gemini ------------------------------------------------------------- */

static void gemini_usage(const json_t *root, struct ls_llm_reply *r)
{
    const json_t *u = json_object_get(root, "usageMetadata");
    r->prompt_tokens = json_integer_value(json_object_get(u, "promptTokenCount"));
    r->reasoning_tokens = json_integer_value(json_object_get(u, "thoughtsTokenCount"));
    r->cached_tokens = json_integer_value(json_object_get(u, "cachedContentTokenCount"));
    /* candidatesTokenCount leaves the thoughts out; they are billed as output. */
    r->output_tokens =
        json_integer_value(json_object_get(u, "candidatesTokenCount")) + r->reasoning_tokens;
}

/* The finishReasons of Gemini's safety systems: the same prompt is refused again. */
static bool is_safety_finish(const char *finish)
{
    static const char *const safety[] = {"SAFETY", "PROHIBITED_CONTENT", "RECITATION", "BLOCKLIST",
                                         "SPII",   "IMAGE_SAFETY"};
    for (size_t i = 0; i < LS_ARRAY_LEN(safety); i++) {
        if (strcmp(finish, safety[i]) == 0)
            return true;
    }
    return false;
}

/* The safetyRatings that blocked the answer: "HARM_CATEGORY_HARASSMENT (HIGH)", or "". */
static void safety_blocked(const json_t *ratings, char *out, size_t cap)
{
    size_t w = 0, i;
    const json_t *v;
    out[0] = '\0';
    json_array_foreach(ratings, i, v)
    {
        if (!json_is_true(json_object_get(v, "blocked")) || w + 1 >= cap)
            continue;
        int n = snprintf(out + w, cap - w, "%s%.40s (%.16s)", w ? ", " : "", str_at(v, "category"),
                         str_at(v, "probability"));
        w = n < 0 ? w : w + (size_t)n >= cap ? cap - 1 : w + (size_t)n;
    }
    ls_utf8_sanitize(out);
}

void ls_llm_gemini_reply(long status, const char *body, size_t len, struct ls_llm_reply *r)
{
    json_error_t jerr;
    json_t *root = NULL;
    if (status < 200 || status > 299) {
        error_reply("gemini", status, body, len, r);
        goto out;
    }
    root = json_loadb(body, len, 0, &jerr);
    if (root == NULL) {
        set(r, LS_LLM_BAD_ANSWER, "gemini: reply is not JSON (%s)", jerr.text);
        goto out;
    }
    if (error_in_ok("gemini", status, root, r))
        goto out;
    gemini_usage(root, r);
    const json_t *feedback = json_object_get(root, "promptFeedback");
    const char *block = str_at(feedback, "blockReason");
    const char *block_msg = str_at(feedback, "blockReasonMessage");
    const json_t *cand = json_array_get(json_object_get(root, "candidates"), 0);
    if (block[0]) {
        set(r, LS_LLM_BLOCKED, "gemini blocked the prompt: %s%s%s", block, block_msg[0] ? ": " : "",
            block_msg);
        goto out;
    }
    if (cand == NULL) {
        set(r, LS_LLM_BAD_ANSWER, "gemini returned no candidate");
        goto out;
    }
    const char *finish = str_at(cand, "finishReason");
    const char *finish_msg = str_at(cand, "finishMessage");
    if (strcmp(finish, "STOP") != 0) {
        char rated[96];
        safety_blocked(json_object_get(cand, "safetyRatings"), rated, sizeof(rated));
        set(r, is_safety_finish(finish) ? LS_LLM_BLOCKED : LS_LLM_BAD_ANSWER,
            "gemini stopped early: finishReason %s%s%s%s%s%s", finish[0] ? finish : "missing",
            rated[0] ? " [" : "", rated, rated[0] ? "]" : "", finish_msg[0] ? ": " : "",
            finish_msg);
        goto out;
    }
    size_t i;
    const json_t *part;
    json_array_foreach(json_object_get(json_object_get(cand, "content"), "parts"), i, part)
    {
        if (json_is_true(json_object_get(part, "thought")))
            continue; /* thought summaries are not the answer */
        const json_t *t = json_object_get(part, "text");
        if (json_is_string(t) &&
            !add_answer("gemini", json_string_value(t), json_string_length(t), r))
            goto out;
    }
    if (r->text.len == 0)
        set(r, LS_LLM_BAD_ANSWER, "gemini returned no text");
    else
        r->kind = LS_LLM_OK;
out:
    json_decref(root);
}

/* ---- OpenAI-compatible --------------------------------------------------- */

static void openai_usage(const json_t *root, struct ls_llm_reply *r)
{
    const json_t *u = json_object_get(root, "usage");
    r->prompt_tokens = json_integer_value(json_object_get(u, "prompt_tokens"));
    r->output_tokens = json_integer_value(json_object_get(u, "completion_tokens"));
    r->reasoning_tokens = json_integer_value(
        json_object_get(json_object_get(u, "completion_tokens_details"), "reasoning_tokens"));
    r->cached_tokens = json_integer_value(
        json_object_get(json_object_get(u, "prompt_tokens_details"), "cached_tokens"));
    /* OpenAI counts reasoning inside completion_tokens. A server whose completion count
     * is below its reasoning count cannot have, and left them out: add them. */
    if (r->reasoning_tokens > r->output_tokens)
        r->output_tokens += r->reasoning_tokens;
}

void ls_llm_openai_reply(long status, const char *body, size_t len, struct ls_llm_reply *r)
{
    json_error_t jerr;
    json_t *root = NULL;
    if (status < 200 || status > 299) {
        error_reply("openai", status, body, len, r);
        goto out;
    }
    root = json_loadb(body, len, 0, &jerr);
    if (root == NULL) {
        set(r, LS_LLM_BAD_ANSWER, "openai: reply is not JSON (%s)", jerr.text);
        goto out;
    }
    if (error_in_ok("openai", status, root, r))
        goto out;
    openai_usage(root, r);
    const json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
    if (choice == NULL) {
        set(r, LS_LLM_BAD_ANSWER, "openai: reply has no choices");
        goto out;
    }
    const char *finish = str_at(choice, "finish_reason");
    const json_t *msg = json_object_get(choice, "message");
    const char *refusal = str_at(msg, "refusal");
    if (refusal[0]) {
        set(r, LS_LLM_BAD_ANSWER, "openai: the model refused: %s", refusal);
        goto out;
    }
    /* reasoning_content (DeepSeek, vLLM, llama.cpp) and reasoning (Ollama, OpenRouter)
     * hold the model's thinking, never the answer: they are not read. */
    bool reasoned = json_is_string(json_object_get(msg, "reasoning_content")) ||
                    json_is_string(json_object_get(msg, "reasoning")) || r->reasoning_tokens > 0;
    if (strcmp(finish, "content_filter") == 0) {
        /* Azure (and OpenAI) filtered the answer: the categories are in the choice. */
        char cats[96];
        ls_llm_filter_categories(json_object_get(choice, "content_filter_results"), cats,
                                 sizeof(cats));
        set(r, LS_LLM_BLOCKED,
            "openai: the content filter stopped the answer: finish_reason "
            "content_filter%s%s%s",
            cats[0] ? " [filtered: " : "", cats, cats[0] ? "]" : "");
        goto out;
    }
    if (finish[0] && strcmp(finish, "stop") != 0) {
        set(r, LS_LLM_BAD_ANSWER, "openai: stopped early: finish_reason %s%s", finish,
            strcmp(finish, "length") == 0 && reasoned ? " (reasoning used up the tokens)" : "");
        goto out;
    }
    const json_t *content = json_object_get(msg, "content");
    if (!json_is_string(content) || json_string_length(content) == 0) {
        set(r, LS_LLM_BAD_ANSWER, "openai: reply has no content%s",
            reasoned ? " (only reasoning)" : "");
        goto out;
    }
    if (!add_answer("openai", json_string_value(content), json_string_length(content), r))
        goto out;
    if (r->text.len == 0) {
        set(r, LS_LLM_BAD_ANSWER, "openai: reply has no content after its reasoning");
        goto out;
    }
    r->kind = LS_LLM_OK;
out:
    json_decref(root);
}

/* ---- reasoning ------------------------------------------------------------ */

static const char *find(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(s + i, needle, n) == 0)
            return s + i;
    }
    return NULL;
}

int ls_llm_strip_think(const char *text, size_t len, struct ls_buf *out)
{
    static const char open_tag[] = "<think>", close_tag[] = "</think>";
    const char *p = text, *end = text + len;
    const char *first_open = find(p, len, open_tag);
    const char *first_close = find(p, len, close_tag);
    /* Reasoning whose <think> was in the prompt (Qwen3, DeepSeek-R1 templates). */
    if (first_close && (first_open == NULL || first_close < first_open))
        p = first_close + sizeof(close_tag) - 1;
    bool kept = false;
    while (p < end) {
        const char *o = find(p, (size_t)(end - p), open_tag);
        const char *stop = o ? o : end;
        if (ls_buf_add(out, p, (size_t)(stop - p)) != LS_OK)
            return LS_ELIMIT;
        for (const char *q = p; q < stop && !kept; q++)
            kept = !(*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t');
        if (o == NULL)
            break;
        const char *c = find(o, (size_t)(end - o), close_tag);
        if (c == NULL) /* never closed: the rest is reasoning */
            return kept ? LS_OK : LS_EPARSE;
        p = c + sizeof(close_tag) - 1;
    }
    return LS_OK;
}

/* ---- answers ------------------------------------------------------------- */

/* Strips surrounding whitespace and a ```json ... ``` fence. */
static void unfence(const char **s, size_t *len)
{
    ls_text_trim(s, len);
    if (*len < 6 || strncmp(*s, "```", 3) != 0)
        return;
    const char *nl = memchr(*s, '\n', *len);
    const char *end = *s + *len;
    if (nl == NULL || end - nl < 4 || strncmp(end - 3, "```", 3) != 0)
        return;
    *len = (size_t)(end - 3 - (nl + 1));
    *s = nl + 1;
    ls_text_trim(s, len);
}

/* The id an answer entry names: its "id", or for one lead asked with one object, that lead. */
static const char *entry_id(const json_t *it, const char *const *ids, size_t n, bool single)
{
    const char *id = json_string_value(json_object_get(it, "id"));
    if (id == NULL && n == 1 && single)
        id = ids[0]; /* one lead, one object: the id may be left out */
    return id;
}

/* The slot of id among the n ids asked for, or n when it is not one of them. */
static size_t slot_of(const char *id, const char *const *ids, size_t n)
{
    for (size_t i = 0; id && i < n; i++) {
        if (strcmp(id, ids[i]) == 0)
            return i;
    }
    return n;
}

/* Checks one entry for its lead; LS_OK with *out filled, else why is set. */
static int check_entry(const json_t *it, struct ls_verdict *out, char why[128])
{
    const json_t *intent = json_object_get(it, "intent");
    const json_t *reason = json_object_get(it, "reasoning");
    enum ls_intent v = json_is_string(intent)
                           ? ls_intent_parse(json_string_value(intent), json_string_length(intent))
                           : LS_INTENT_NONE;
    if (v == LS_INTENT_NONE) {
        snprintf(why, 128, "unknown intent label \"%.40s\"",
                 json_is_string(intent) ? json_string_value(intent) : "(not a string)");
        ls_utf8_sanitize(why);
        return LS_EINVAL;
    }
    if (!json_is_string(reason) ||
        ls_reasoning_clean(json_string_value(reason), json_string_length(reason), out->reasoning) ==
            0) {
        snprintf(why, 128, "the reasoning is missing or empty");
        return LS_EINVAL;
    }
    out->intent = v;
    why[0] = '\0';
    return LS_OK;
}

int ls_llm_parse_answer(const char *text, size_t len, const char *const *ids, size_t n,
                        struct ls_verdict *out, int *status, char (*why)[128], struct ls_err *err)
{
    int rc = LS_OK;
    size_t count[LS_LLM_ANSWER_MAX] = {0};
    for (size_t i = 0; i < n; i++) {
        status[i] = LS_EINVAL;
        snprintf(why[i], sizeof(why[i]), "the answer has no entry for this lead");
    }
    if (n > LS_LLM_ANSWER_MAX)
        return ls_err_set(err, LS_EINVAL, "%zu ids asked for, at most %d", n, LS_LLM_ANSWER_MAX);
    unfence(&text, &len);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *single = NULL;
    const json_t *items = NULL;
    if (root == NULL) {
        rc = ls_err_set(err, LS_EPARSE, "answer is not valid JSON: %s", jerr.text);
        goto out;
    }
    if (json_is_array(root)) {
        items = root;
    } else if (json_is_array(json_object_get(root, "results"))) {
        items = json_object_get(root, "results");
    } else if (json_is_object(root) && json_object_get(root, "intent")) {
        single = json_array();
        json_array_append(single, root);
        items = single;
    } else {
        rc = ls_err_set(err, LS_EPARSE, "answer is not a list of {id, intent, reasoning}");
        goto out;
    }
    size_t k;
    const json_t *it;
    /* REQ-AI-DUP: count first, so that a duplicated id fails whatever order its entries
     * come in (a valid copy after an invalid one must not win). */
    json_array_foreach(items, k, it)
    {
        size_t slot = slot_of(entry_id(it, ids, n, single != NULL), ids, n);
        if (slot < n)
            count[slot]++;
    }
    json_array_foreach(items, k, it)
    {
        size_t slot = slot_of(entry_id(it, ids, n, single != NULL), ids, n);
        if (slot == n)
            continue; /* not an id we asked for: ignored, never attributed */
        if (count[slot] > 1) {
            snprintf(why[slot], sizeof(why[slot]), "the answer lists this lead %zu times",
                     count[slot]);
            continue;
        }
        status[slot] = check_entry(it, &out[slot], why[slot]);
    }
out:
    json_decref(single);
    json_decref(root);
    return rc;
}
