/*
 * provider.h - the AI layer's interface: something that reads an offer and
 * leads and answers, per lead, High / Medium / Low with a reasoning.
 *
 * A provider pulls work and pushes answers: it calls next() for leads as it
 * has room for them and done() for each lead as its verdict (or failure)
 * arrives, in any order. The offline provider answers each lead at once; a
 * network provider keeps many batched requests in flight on one thread.
 * classify() returns when next() has no more leads and every lead it handed
 * out has had its done() call. Every item handed out gets exactly one done()
 * call, even when the run is cancelled or ends in a fatal error (status
 * LS_ECANCELLED then), so that the caller can always release it.
 */
#ifndef LS_LLM_PROVIDER_H
#define LS_LLM_PROVIDER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/lead.h"
#include "core/offer.h"
#include "core/rules.h"
#include "core/verdict.h"

struct ls_ai_item {
    int64_t id;                 /* opaque to the provider; identifies the lead to done() */
    const struct ls_lead *lead; /* borrowed until done() is called for this item */
    void *ctx;                  /* the caller's, passed back untouched */
};

struct ls_ai_outcome {
    /* LS_OK: verdict is valid; LS_ECANCELLED: the run stopped before this lead was
     * judged (no verdict, not a failure of this lead); else why the model failed on it. */
    int status;
    struct ls_verdict verdict;
    char error[LS_ERR_MSG_MAX];
};

/* Counters a provider adds to during classify (all cumulative). */
struct ls_ai_usage {
    int64_t model_calls;
    int64_t retries;
    int64_t prompt_tokens;
    int64_t output_tokens;
};

/* Fills up to max items; returns how many (0: there is no more work). */
typedef size_t (*ls_ai_next_fn)(void *ud, struct ls_ai_item *items, size_t max);
/* Reports one item's outcome; item and outcome are borrowed for the call. */
typedef void (*ls_ai_done_fn)(void *ud, const struct ls_ai_item *item,
                              const struct ls_ai_outcome *outcome);

struct ls_provider;

struct ls_provider_ops {
    /*
     * Classifies every lead next() yields against offer (borrowed). Returns
     * LS_OK when all are reported, LS_ECANCELLED when cancel became true, or
     * a fatal error (such as a rejected API key) that makes further calls
     * pointless, with the provider's message in err.
     */
    int (*classify)(struct ls_provider *p, const struct ls_offer *offer, ls_ai_next_fn next,
                    ls_ai_done_fn done, void *ud, const atomic_bool *cancel,
                    struct ls_ai_usage *usage, struct ls_err *err);
    void (*free)(struct ls_provider *p);
};

struct ls_provider {
    const struct ls_provider_ops *ops;
    const char *name;  /* "offline", "gemini", "openai"; static */
    const char *model; /* borrowed from the provider; "" when it has none */
    bool cacheable;    /* verdicts are worth keeping in the verdict cache */
};

/* The offline provider (core/offline.h behind this interface). rules is borrowed. */
struct ls_provider *ls_provider_offline_new(const struct ls_rules *rules);

enum ls_wire { LS_WIRE_GEMINI, LS_WIRE_OPENAI };

/* OpenAI-compatible: the name the output cap is sent under (LEADSCORE_AI_TOKENS_PARAM). */
enum ls_tokens_param {
    LS_TOKENS_AUTO,           /* max_tokens; max_completion_tokens once the server refuses it */
    LS_TOKENS_MAX_TOKENS,     /* always max_tokens (Ollama, llama.cpp, vLLM, older models) */
    LS_TOKENS_MAX_COMPLETION, /* always max_completion_tokens (OpenAI's reasoning models) */
};

struct ls_http_provider_config {
    enum ls_wire wire;
    const char
        *base_url; /* e.g. https://generativelanguage.googleapis.com, http://localhost:11434/v1 */
    const char *model;
    const char *api_key; /* "" or NULL: none (local servers) */
    int batch;           /* leads per request, 1..LS_PROMPT_BATCH_MAX */
    int concurrency;     /* requests in flight at most */
    int rpm;             /* requests per minute the client allows itself; 0: no limit */
    long tpm;            /* estimated tokens per minute; 0: no limit */
    int max_attempts;    /* tries per request, the first included */
    long timeout_ms;     /* per request */
    long connect_timeout_ms;
    size_t max_body; /* bytes of one request body; 0: 4 MiB. A batch over it is halved. */
    enum ls_tokens_param tokens_param; /* OpenAI-compatible only */
    /* OpenAI-compatible reasoning_effort (none|minimal|low|medium|high); NULL or "": the
     * lowest for a model known to reason by default (ls_prompt_default_reasoning), else
     * not sent. A value the server refuses is lowered to the lowest it lists, or dropped. */
    const char *reasoning;
};

/*
 * A Gemini or OpenAI-compatible provider. The strings of cfg are copied.
 * Owned: ls_provider_free. NULL with LS_EINVAL when cfg is unusable.
 * classify must be called from one thread at a time (it owns a curl multi
 * handle for its duration); curl_global_init must have run.
 */
struct ls_provider *ls_provider_http_new(const struct ls_http_provider_config *cfg,
                                         struct ls_err *err);

/*
 * What the batch clients (llm/batch.h) need of an HTTP provider: its
 * configuration (strings borrowed from p; reasoning as in use) and the
 * request form it has learnt. false for a provider that is not one.
 */
bool ls_provider_http_info(const struct ls_provider *p, struct ls_http_provider_config *cfg,
                           bool *json_object, bool *max_completion_tokens, bool *thinking_off);

int ls_provider_classify(struct ls_provider *p, const struct ls_offer *offer, ls_ai_next_fn next,
                         ls_ai_done_fn done, void *ud, const atomic_bool *cancel,
                         struct ls_ai_usage *usage, struct ls_err *err);
/* p may be NULL. */
void ls_provider_free(struct ls_provider *p);

#endif
