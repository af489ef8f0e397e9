/*
 * prompt.h - the request a language model gets for a batch of leads. Pure.
 *
 * The instructions are fixed text in the system part. The offer and the leads
 * travel as one JSON document inside a data block in the user part:
 *
 *   <data nonce="3f9c...">
 *   {"offer": {...}, "prospects": [
 *   {"id": "k3v9q1ab", "role": ..., "bio": ..., "end": "k3v9q1ab"},
 *   {"id": "x8d2p0bb", ..., "end": "x8d2p0bb"}
 *   ]}
 *   </data nonce="3f9c...">
 *
 * The nonce is random per request, so lead text cannot forge the closing
 * marker; inside the JSON every '<' and '>' is written as \u003c / \u003e,
 * so lead text cannot even contain a tag. Each prospect is a record of its
 * own line that opens with its id and closes with the same id: a lead's text
 * is bracketed by its own id on both sides and cannot run into the next
 * record (lead text holds no raw newline or quote, both are escaped). Leads
 * are named by random opaque ids, never by name (the name is not sent at
 * all), and every field is clipped before it enters the prompt.
 */
#ifndef LS_CORE_PROMPT_H
#define LS_CORE_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "lead.h"
#include "offer.h"

/* Changes whenever the prompt's wording or shape changes (part of the cache key). */
#define LS_PROMPT_VERSION "2026-12-01.1"

#define LS_PROMPT_ID_LEN          8    /* characters of an opaque lead id */
#define LS_PROMPT_BIO_MAX         1500 /* bytes of a bio that are sent */
#define LS_PROMPT_FIELD_MAX       200  /* bytes of any other lead field */
#define LS_PROMPT_OFFER_STR_MAX   300  /* bytes of each offer string sent */
#define LS_PROMPT_OFFER_ITEMS_MAX 10   /* items of each offer list sent */
#define LS_PROMPT_BATCH_MAX       50

/* Bytes a field of n bytes may take once JSON-escaped, quotes included (6 per control byte). */
#define LS_PROMPT_ESCAPED_MAX(n) (6 * (size_t)(n) + 2)

/* The fixed system instruction. Static. */
extern const char ls_prompt_system[];

struct ls_prompt_lead {
    const struct ls_lead *lead;    /* borrowed */
    char id[LS_PROMPT_ID_LEN + 1]; /* [a-z0-9], as ls_prompt_make_id writes them */
};

struct ls_prompt {
    const struct ls_offer *offer;       /* borrowed */
    const struct ls_prompt_lead *leads; /* borrowed, n entries */
    size_t n;
    const char *nonce; /* borrowed; [0-9a-f]+ */
};

/* The user part: the task line, the data block and the ids to answer for. */
int ls_prompt_user_text(const struct ls_prompt *p, struct ls_buf *out);

/* How much a Gemini model thinks before it answers (learnt from its refusals). */
struct ls_prompt_gemini_opts {
    int thinking_budget;        /* thinkingConfig.thinkingBudget (2.5 models); -1: not sent */
    const char *thinking_level; /* thinkingConfig.thinkingLevel (Gemini 3); NULL or "": not sent */
};

/*
 * A Gemini generateContent body: systemInstruction, contents, and
 * generationConfig with temperature 0, a bounded maxOutputTokens, JSON output
 * with a responseSchema (an array of {id, intent, reasoning}) and, when opts
 * says so, a thinkingConfig with thinkingBudget or thinkingLevel (never both:
 * Gemini refuses that). opts may be NULL (no thinkingConfig).
 */
int ls_prompt_gemini_body(const struct ls_prompt *p, const struct ls_prompt_gemini_opts *opts,
                          struct ls_buf *out);

/*
 * The least thinking Gemini model (borrowed) allows, for a classifier that
 * gains nothing from it: Gemini 3 models take a thinkingLevel ("minimal" for
 * the Flash models, "low" for the others: 3 Pro has only low and high); 2.5
 * Pro cannot turn thinking off, and its lowest budget is 128; the other 2.5
 * models (Flash, Flash-Lite) take a budget of 0; older models do not think
 * (nothing sent). Fills opts (thinking_level static).
 */
void ls_prompt_gemini_thinking(const char *model, struct ls_prompt_gemini_opts *opts);

/* How the answer's shape is asked for on the OpenAI wire, strictest first. */
enum ls_prompt_mode {
    LS_PROMPT_JSON_SCHEMA, /* response_format json_schema (strict) */
    LS_PROMPT_JSON_OBJECT, /* response_format json_object, the shape spelled out in the prompt */
    LS_PROMPT_TEXT,        /* no response_format: the shape as a plain-text instruction */
};

/* "json_schema", "json_object", "text". Static. */
const char *ls_prompt_mode_name(enum ls_prompt_mode m);
/* Inverse of ls_prompt_mode_name; -1 for anything else. */
int ls_prompt_mode_parse(const char *s);

/* How an OpenAI-compatible server wants its parameters (learnt from its refusals). */
struct ls_prompt_openai_opts {
    enum ls_prompt_mode mode;   /* how the answer's shape is asked for */
    bool max_completion_tokens; /* the output cap as max_completion_tokens, not max_tokens */
    const char *reasoning;      /* borrowed: reasoning_effort to send; NULL or "": none */
};

/*
 * An OpenAI chat/completions body: system and user messages, temperature 0,
 * the output cap (max_tokens or max_completion_tokens), reasoning_effort when
 * opts says so, and by opts->mode response_format json_schema (strict; an
 * object with a "results" array), {"type": "json_object"}, or none at all
 * (LS_PROMPT_TEXT; the shape is then asked for in words, as for json_object).
 */
int ls_prompt_openai_body(const struct ls_prompt *p, const char *model,
                          const struct ls_prompt_openai_opts *opts, struct ls_buf *out);

/*
 * The reasoning_effort to send when none is configured: the lowest a model
 * that reasons by default accepts (OpenAI's o1/o3/o4 families: "low"; gpt-5,
 * gpt-5-mini, gpt-5-nano: "minimal"), else NULL (not sent: gpt-5.1 and later
 * default to none, other models do not reason or take no such parameter).
 * model is borrowed; the result is static.
 */
const char *ls_prompt_default_reasoning(const char *model);

/* Output tokens to allow for n leads. */
int ls_prompt_max_tokens(size_t n);

/* A rough token estimate of a request body (bytes / 4 plus the output allowance). */
long ls_prompt_estimate_tokens(size_t body_len, size_t n);

/*
 * Turns len random bytes into an id of LS_PROMPT_ID_LEN characters from
 * [a-z0-9] (out has LS_PROMPT_ID_LEN + 1 bytes). The caller supplies the
 * randomness; core has none.
 */
void ls_prompt_make_id(const unsigned char *rnd, size_t len, char *out);

#endif
