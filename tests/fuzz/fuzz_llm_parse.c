/*
 * fuzz_llm_parse.c - model replies: the Gemini and OpenAI envelopes with an
 * HTTP status picked by the input, and the answer validator, both on the text
 * an envelope yields and on the raw bytes. Invariants: a known kind, an error
 * message that is NUL-terminated UTF-8 whenever something failed, text only
 * for a 2xx, and verdicts with a known label and a clean, non-empty reasoning.
 *
 * The error reader on the same bytes: a NUL-terminated UTF-8 message of at
 * most its buffer, a plain-text excerpt of at most LS_LLM_ERROR_TEXT_MAX
 * characters, a known class; and the <think> stripper: never longer than
 * its input.
 *
 * Input: [status] [text cap] [ids] body...
 */
#include <stdbool.h>
#include <string.h>

#include "core/llm_parse.h"
#include "core/utf8.h"
#include "fuzz/fuzz.h"

#define MAX_IDS 8

static const long statuses[] = {200, 200, 200, 200, 201, 204, 299, 0,   100, 302, 400,
                                401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503,
                                504, 529, 599, 600, -1,  199, 300, 429, 400, 200};

static const char *const ids[MAX_IDS] = {"a", "b", "c", "d", "lead-1", "lead-2", "7", "8"};

/* A message: NUL-terminated within its array, non-empty; is it also UTF-8? */
static bool message_is_utf8(const char *s, size_t cap)
{
    const char *z = memchr(s, '\0', cap);
    FUZZ_CHECK(z != NULL && z > s);
    return ls_utf8_valid(s, (size_t)(z - s));
}

/* What ls_reasoning_clean promises: no control characters, single spaces, trimmed. */
static void check_reasoning(const char *s)
{
    size_t len = strlen(s);
    FUZZ_CHECK(len > 0 && len <= LS_REASON_MAX && ls_utf8_valid(s, len));
    FUZZ_CHECK(s[0] != ' ' && s[len - 1] != ' ' && strstr(s, "  ") == NULL);
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7F);
}

static void check_answer(const char *text, size_t len, size_t n)
{
    struct ls_verdict out[MAX_IDS];
    int status[MAX_IDS];
    char why[MAX_IDS][128];
    struct ls_err err = {0};
    memset(out, 0, sizeof(out));
    int rc = ls_llm_parse_answer(text, len, ids, n, out, status, why, &err);
    FUZZ_CHECK(rc == LS_OK || rc == LS_EPARSE);
    if (rc != LS_OK) {
        FUZZ_CHECK(err.code == rc);
        /* TODO(issue#7): jansson's error text can end inside a UTF-8 sequence;
         * test_llm_parse__messages_are_utf8 reproduces it. */
        bool utf8 = message_is_utf8(err.msg, sizeof(err.msg));
        FUZZ_CHECK_KNOWN(utf8);
    }
    for (size_t i = 0; i < n; i++) {
        if (status[i] == LS_OK) {
            FUZZ_CHECK(rc == LS_OK);
            FUZZ_CHECK(out[i].intent == LS_INTENT_LOW || out[i].intent == LS_INTENT_MEDIUM ||
                       out[i].intent == LS_INTENT_HIGH);
            FUZZ_CHECK(memchr(out[i].reasoning, '\0', sizeof(out[i].reasoning)) != NULL);
            check_reasoning(out[i].reasoning);
            FUZZ_CHECK(why[i][0] == '\0');
        } else {
            FUZZ_CHECK(status[i] == LS_EINVAL);
            /* TODO(issue#7): "%.40s" can cut a character; test_llm_parse__messages_are_utf8. */
            bool utf8 = message_is_utf8(why[i], sizeof(why[i]));
            FUZZ_CHECK_KNOWN(utf8);
        }
    }
}

typedef void (*envelope_fn)(long status, const char *body, size_t len, struct ls_llm_reply *r);

static void check_envelope(envelope_fn fn, bool is_openai, long status, size_t max_text,
                           const char *body, size_t len, size_t n)
{
    struct ls_llm_reply r;
    ls_llm_reply_init(&r, max_text);
    fn(status, body, len, &r);
    FUZZ_CHECK(r.kind == LS_LLM_OK || r.kind == LS_LLM_RETRY || r.kind == LS_LLM_FATAL ||
               r.kind == LS_LLM_BAD_ANSWER || r.kind == LS_LLM_BLOCKED);
    if (r.kind == LS_LLM_BLOCKED) /* a refusal always says why */
        FUZZ_CHECK(r.error[0] != '\0');
    FUZZ_CHECK(memchr(r.error, '\0', sizeof(r.error)) != NULL);
    FUZZ_CHECK(r.retry_after_ms >= -1 && r.retry_after_ms <= 7LL * 86400 * 1000);
    bool ok_status = status >= 200 && status <= 299;
    if (!ok_status) /* a 400 content_filter refuses the request's content: blocked */
        FUZZ_CHECK(r.kind == LS_LLM_RETRY || r.kind == LS_LLM_FATAL || r.kind == LS_LLM_BLOCKED);
    if (r.schema_unsupported)
        FUZZ_CHECK(is_openai && status == 400);
    if (r.kind == LS_LLM_OK) {
        FUZZ_CHECK(ok_status);
        FUZZ_CHECK(r.text.len > 0 && r.text.len <= max_text);
        FUZZ_CHECK(strlen(ls_buf_str(&r.text)) == r.text.len);
        FUZZ_CHECK(ls_utf8_valid(r.text.data, r.text.len));
        check_answer(r.text.data, r.text.len, n);
    } else {
        FUZZ_CHECK(r.text.len == 0 || r.kind == LS_LLM_BAD_ANSWER);
        /* TODO(issue#7): jansson's text, or the 256-byte cut, can end inside a
         * character; test_llm_parse__messages_are_utf8 reproduces it. */
        bool utf8 = message_is_utf8(r.error, sizeof(r.error));
        FUZZ_CHECK_KNOWN(utf8);
    }
    ls_llm_reply_release(&r);
}

static void check_error(long status, const char *body, size_t len)
{
    struct ls_llm_error e;
    bool found = ls_llm_error_read(body, len, &e);
    FUZZ_CHECK(memchr(e.message, '\0', sizeof(e.message)) != NULL);
    FUZZ_CHECK(found == (e.message[0] != '\0'));
    FUZZ_CHECK(ls_utf8_valid(e.message, strlen(e.message)));
    FUZZ_CHECK(e.retry_after_ms >= -1 && e.retry_after_ms <= LS_LLM_HINT_CEIL_MS);
    const char *fields[] = {e.code, e.status, e.type, e.param};
    for (size_t i = 0; i < LS_ARRAY_LEN(fields); i++)
        FUZZ_CHECK(ls_utf8_valid(fields[i], strlen(fields[i])));
    enum ls_llm_class c = ls_llm_error_classify(status, &e);
    FUZZ_CHECK(c >= LS_LLM_CLASS_TRANSIENT && c <= LS_LLM_CLASS_THINKING);
    FUZZ_CHECK(strcmp(ls_llm_class_name(c), "unknown") != 0);

    char text[LS_ERR_MSG_MAX];
    size_t n = ls_llm_error_text(body, len, text, sizeof(text));
    FUZZ_CHECK(n < sizeof(text) && strlen(text) == n && ls_utf8_valid(text, n));
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)text[i] & 0xC0) != 0x80;
    FUZZ_CHECK(chars <= LS_LLM_ERROR_TEXT_MAX);
    FUZZ_CHECK(n == 0 || (text[0] != ' ' && text[n - 1] != ' '));

    char next[16];
    ls_llm_reasoning_fallback(e.message, e.message, next, sizeof(next));
    FUZZ_CHECK(memchr(next, '\0', sizeof(next)) != NULL);

    struct ls_buf b;
    ls_buf_init(&b, len + 1);
    int rc = ls_llm_strip_think(body, len, &b);
    FUZZ_CHECK(rc == LS_OK || rc == LS_EPARSE);
    FUZZ_CHECK(b.len <= len);
    ls_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    long status = statuses[data[0] % LS_ARRAY_LEN(statuses)];
    size_t max_text = data[1] == 0xFF ? 1u << 20 : (size_t)data[1] * 16;
    size_t n = 1 + (data[2] & 7);
    const char *body = (const char *)data + 3;
    size_t len = size - 3;

    check_envelope(ls_llm_gemini_reply, false, status, max_text, body, len, n);
    check_envelope(ls_llm_openai_reply, true, status, max_text, body, len, n);
    check_answer(body, len, n);
    check_error(status, body, len);
    return 0;
}
