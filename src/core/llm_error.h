/*
 * llm_error.h - what a model service said went wrong, whatever shape it said
 * it in, and what kind of failure that is. Pure.
 *
 * Servers that speak "the OpenAI API" do not agree on their error bodies:
 *
 *   OpenAI, Azure, Ollama /v1   {"error": {"message", "type", "param", "code"}}
 *   Gemini                      {"error": {"code", "message", "status", "details"}}
 *   Gemini OpenAI-compatible    [{"error": {...}}]
 *   vLLM, Mistral               {"object": "error", "message", "type", "param", "code"}
 *   FastAPI proxies             {"detail": "..."} or {"detail": [{"loc", "msg", ...}]}
 *   Ollama native, old llama.cpp {"error": "..."}
 *   llama.cpp server            {"error": {"code": 400, "message", "type"}}
 *   OpenRouter                  {"error": {"code": 400, "message", "metadata": {"raw"}}}
 *   proxies, gateways           {"message": "..."}, plain text, HTML pages
 *
 * ls_llm_error_read finds the message in any of them (a plain-text or HTML
 * body gives its first LS_LLM_ERROR_TEXT_MAX characters, tags stripped,
 * whitespace collapsed), and ls_llm_error_classify says what a caller should
 * do about it.
 */
#ifndef LS_CORE_LLM_ERROR_H
#define LS_CORE_LLM_ERROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct json_t; /* jansson's json_t */

#define LS_LLM_ERROR_TEXT_MAX 200 /* characters of a plain-text or HTML body kept */

struct ls_llm_error {
    /* The service's message: valid UTF-8, control characters and runs of blanks made
     * single spaces, cut on a character boundary; "" when the body had none. */
    char message[LS_ERR_MSG_MAX];
    char code[48];          /* error.code as text (a string or an integer), else "" */
    char status[48];        /* Gemini's canonical status ("INVALID_ARGUMENT"), else "" */
    char type[48];          /* error.type (OpenAI, vLLM, llama.cpp), else "" */
    char param[48];         /* error.param (OpenAI), else "" */
    int64_t retry_after_ms; /* Gemini's google.rpc.RetryInfo, -1 when absent */
    bool per_day;           /* a google.rpc.QuotaFailure names a per-day quota */
    /* Azure's innererror.content_filter_result: the categories it filtered, with their
     * severity ("hate (high), violence (medium)"); "" when it named none. */
    char filtered[96];
};

/*
 * Reads an error body (borrowed). JSON in a known shape fills e from its
 * fields; any other body (JSON of no known shape, text, HTML) gives its text.
 * Returns true when e->message is not empty.
 */
bool ls_llm_error_read(const char *body, size_t len, struct ls_llm_error *e);

/*
 * The same for a parsed JSON document (borrowed). Returns false, with e
 * cleared, when root is in none of the known shapes.
 */
bool ls_llm_error_from_json(const struct json_t *root, struct ls_llm_error *e);

/*
 * Text or HTML s[0..len) as a message of at most LS_LLM_ERROR_TEXT_MAX
 * characters: tags, scripts and styles removed, the common entities decoded,
 * whitespace and control characters collapsed into single spaces, trimmed,
 * invalid UTF-8 replaced. out (cap bytes, cap > 0) is NUL-terminated and cut
 * on a character boundary. Returns its length.
 */
size_t ls_llm_error_text(const char *s, size_t len, char *out, size_t cap);

enum ls_llm_class {
    LS_LLM_CLASS_TRANSIENT,    /* 408, a rate-limit 429, 5xx, overload: retry later */
    LS_LLM_CLASS_QUOTA,        /* a daily quota, billing, no credits: the run stops */
    LS_LLM_CLASS_REQUEST,      /* the request as a whole (key, model, a parameter): the run stops */
    LS_LLM_CLASS_TOKENS_PARAM, /* "Unsupported parameter: 'max_tokens'": send the other name */
    LS_LLM_CLASS_REASONING,    /* reasoning_effort refused, as a parameter or as a value */
    LS_LLM_CLASS_SCHEMA,       /* response_format json_schema refused: use json_object */
    LS_LLM_CLASS_CONTENT,      /* a content filter refused what this request carried */
    /* Gemini refused the thinking configuration ("Budget 0 is invalid. This model only
     * works in thinking mode.", an unsupported thinkingLevel): send the next lowest. */
    LS_LLM_CLASS_THINKING,
};

/*
 * The kind of failure an error reply of HTTP status (borrowed e, from
 * ls_llm_error_read) is. A 200 carrying an error object is classified by the
 * HTTP status its error.code names, when it names one (OpenRouter); with no
 * such code it is TRANSIENT. A content filter is told apart from a bad
 * request whatever its status, so that it can flag the leads concerned
 * instead of the whole run.
 */
enum ls_llm_class ls_llm_error_classify(long status, const struct ls_llm_error *e);

/*
 * The categories an Azure content_filter_result(s) object (borrowed; NULL is
 * none) says it filtered, as "hate (high), violence (medium)" in out (cap
 * bytes, cut on a character boundary). Returns its length; 0 when none.
 */
size_t ls_llm_filter_categories(const struct json_t *results, char *out, size_t cap);

/* "transient", "quota", ...: for logs and tests. Static. */
const char *ls_llm_class_name(enum ls_llm_class c);

/*
 * What to send as reasoning_effort after the server refused current
 * (borrowed; "" when none was sent) with message (borrowed): the lowest of
 * the values the message lists as supported ("Supported values are: 'low',
 * 'medium', and 'high'."), or "" (send none) when it lists none. out has cap
 * bytes. Returns false when that is what was sent already: no retry can help.
 */
bool ls_llm_reasoning_fallback(const char *current, const char *message, char *out, size_t cap);

#endif
