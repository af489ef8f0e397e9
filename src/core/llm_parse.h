/*
 * llm_parse.h - reading what a model service answered. Pure.
 *
 * Two steps. The envelope: an HTTP status and body from Gemini or an
 * OpenAI-compatible server become a struct ls_llm_reply that says whether the
 * request worked, should be retried (and after how long, when the service
 * says), or failed for good. The answer: the model's text is checked in C
 * against exactly the ids that were asked for; anything that does not
 * validate is a failed item, never a guessed label.
 */
#ifndef LS_CORE_LLM_PARSE_H
#define LS_CORE_LLM_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "llm_error.h"
#include "verdict.h"

enum ls_llm_kind {
    LS_LLM_OK,         /* text holds the model's answer */
    LS_LLM_RETRY,      /* transient (429, 5xx, ...): try again later */
    LS_LLM_FATAL,      /* no request will succeed (key, model, per-day quota, ...) */
    LS_LLM_BAD_ANSWER, /* this request got no usable answer (truncated, not JSON, ...) */
    /*
     * A content filter or safety system refused what this request carried: an
     * Azure/OpenAI content_filter (HTTP 400, or finish_reason content_filter),
     * Gemini's promptFeedback.blockReason, or a finishReason of SAFETY,
     * PROHIBITED_CONTENT, RECITATION, BLOCKLIST, SPII or IMAGE_SAFETY. Asking
     * again the same way gets the same answer; error holds the reason.
     */
    LS_LLM_BLOCKED,
};

struct ls_llm_reply {
    enum ls_llm_kind kind;
    struct ls_buf text;     /* the answer text for LS_LLM_OK (init by ls_llm_reply_init) */
    int64_t retry_after_ms; /* the service's own wait hint, -1 when it gave none */
    /* Output tokens include reasoning (thought) tokens; reasoning_tokens is their share. */
    int64_t prompt_tokens, output_tokens, reasoning_tokens;
    /* Of prompt_tokens, those the service served from its cache (billed at the cached rate). */
    int64_t cached_tokens;
    bool schema_unsupported;    /* OpenAI-compatible: json_schema was rejected */
    enum ls_llm_class klass;    /* for an error reply (RETRY, FATAL): what kind of failure */
    char error[LS_ERR_MSG_MAX]; /* why, for anything but LS_LLM_OK */
};

void ls_llm_reply_init(struct ls_llm_reply *r, size_t max_text);
void ls_llm_reply_release(struct ls_llm_reply *r);

/*
 * Both readers take the service's message from an error body of any shape
 * (core/llm_error.h), classify it into r->klass and r->kind, and put it in
 * r->error as "<wire>: HTTP <status>[ <code>]: <message>". An answer text
 * has its reasoning removed (ls_llm_strip_think); reasoning fields
 * (reasoning_content, reasoning, Gemini thought parts) are never read as the
 * answer.
 */

/* Gemini generateContent: status and body (borrowed) -> r. */
void ls_llm_gemini_reply(long status, const char *body, size_t len, struct ls_llm_reply *r);

/* OpenAI chat/completions: status and body (borrowed) -> r. */
void ls_llm_openai_reply(long status, const char *body, size_t len, struct ls_llm_reply *r);

/*
 * Appends text[0..len) to out without its reasoning: every <think>...</think>
 * block, and everything up to a first </think> that no <think> opened (chat
 * templates that open the block in the prompt). Returns LS_OK, LS_EPARSE when
 * nothing but reasoning is left (a <think> never closed), or LS_ELIMIT when
 * out is full.
 */
int ls_llm_strip_think(const char *text, size_t len, struct ls_buf *out);

/*
 * Wait hints. Each returns milliseconds in [0, LS_LLM_HINT_CEIL_MS] - a longer
 * wait, however large, reads as the ceiling, so callers can compare it with
 * their own maximum and do arithmetic on it without overflow - or -1 when the
 * value is not of its form (a sign, an exponent, inf, nan, trailing text,
 * nothing at all): a hint that cannot be read is no hint.
 */
#define LS_LLM_HINT_CEIL_MS (24LL * 3600 * 1000)

/* A protobuf Duration, Gemini's RetryInfo.retryDelay ("26s", "53.016342224s"); s may be NULL. */
int64_t ls_llm_parse_duration(const char *s);

/*
 * Retry-After (RFC 9110 10.2.3): delay-seconds (1*DIGIT) or an HTTP-date in
 * any of its three forms, as a wait from now_ms (wall clock, ms since the
 * epoch; a date in the past is 0). s[0..len) is borrowed; surrounding blanks
 * are ignored.
 */
int64_t ls_llm_retry_after(const char *s, size_t len, int64_t now_ms);

/* retry-after-ms (OpenAI): milliseconds as digits with an optional fraction ("850", "12.5"). */
int64_t ls_llm_retry_after_ms(const char *s, size_t len);

#define LS_LLM_ANSWER_MAX 64 /* ids one answer is checked against, at most */

/*
 * Validates a model's answer text against the n ids asked for. Accepts a JSON
 * array of {id, intent, reasoning}, an object {"results": [...]}, or for one
 * id a single object; a ```json fence around it is removed. For each id i,
 * status[i] is LS_OK with out[i] filled (intent normalised, reasoning
 * cleaned), or an error with why[i] set: missing, duplicated, unknown label,
 * empty reasoning. An id listed more than once is failed whatever its copies
 * say and in whatever order they come. Entries for ids not asked for are
 * ignored. ids, text: borrowed; out, status, why: n entries each, written.
 * Returns LS_OK when the text had the right shape (some items may still have
 * failed), LS_EPARSE when it did not (all failed), or LS_EINVAL when n is over
 * LS_LLM_ANSWER_MAX (all failed).
 */
int ls_llm_parse_answer(const char *text, size_t len, const char *const *ids, size_t n,
                        struct ls_verdict *out, int *status, char (*why)[128], struct ls_err *err);

#endif
