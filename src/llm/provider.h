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

#include "core/ai_learnt.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/lead.h"
#include "core/offer.h"
#include "core/price.h"
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
    /* With a failed status: the provider's content filter or safety system refused this
     * lead (error holds its reason); it is not sent again in the run. */
    bool is_blocked;
    struct ls_verdict verdict;
    char error[LS_ERR_MSG_MAX];
};

/* Counters a provider adds to during classify (all cumulative). */
struct ls_ai_usage {
    int64_t model_calls;
    int64_t retries;
    int64_t prompt_tokens;
    int64_t output_tokens;
    int64_t cached_tokens;  /* of prompt_tokens, served from the service's cache */
    int64_t thought_tokens; /* of output_tokens, the model's reasoning */
    /*
     * Cost, set by the caller: when priced, the provider adds what each answer
     * cost at rates to cost_usd. With has_budget, it starts no request that
     * could take the cost past budget_usd: its input (from the body) and its
     * output cap at rates, with cost_usd and the same bound for the requests
     * in flight. A request that does not fit waits for those in flight; when
     * none is left and it still does not fit, every lead not answered is
     * handed back (LS_ECANCELLED), budget_hit is set and classify returns
     * LS_ECANCELLED. The budget needs priced.
     */
    bool priced;
    struct ls_price_rates rates;
    double cost_usd;
    bool has_budget;
    double budget_usd;
    bool budget_hit;
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
    /* Optional (NULL for a provider that learns nothing). Called between classify calls
     * or, for learnt/form, from inside done() (the classify thread). */
    void (*learnt)(struct ls_provider *p, struct ls_ai_learnt *out);
    void (*apply)(struct ls_provider *p, const struct ls_ai_learnt *in);
    void (*form)(struct ls_provider *p, struct ls_ai_form *out);
    /* Issue #10: one cheap call that the model exists and the key works (NULL: nothing
     * to check). LS_OK, possibly with a warning in warning (cap bytes), or the
     * service's error. */
    int (*preflight)(struct ls_provider *p, char *warning, size_t cap, struct ls_err *err);
    /* Issue #10: the bytes of the request body for these n leads, built as classify
     * builds it (the estimate counts tokens from it). NULL: the provider sends none. */
    int (*measure)(struct ls_provider *p, const struct ls_offer *offer,
                   const struct ls_lead *const *leads, size_t n, size_t *body_len);
};

/* How a provider paces its requests (the estimate's wall time). */
struct ls_provider_pace {
    int batch;       /* leads per request; 0: sends none */
    int concurrency; /* in flight at most */
    int rpm;         /* 0: no limit */
    long tpm;        /* 0: no limit */
    long latency_ms; /* what one request is expected to take */
};

struct ls_provider {
    const struct ls_provider_ops *ops;
    const char *name;  /* "offline", "gemini", "openai"; static */
    const char *model; /* borrowed from the provider; "" when it has none */
    bool cacheable;    /* verdicts are worth keeping in the verdict cache */
    /* Issue #10 (last, so that positional initialisers keep their meaning): */
    const char *base_url; /* borrowed from the provider; "" or NULL when it has none */
    /* Bumped each time the provider learns something about its server (a refused
     * parameter): the job then stores ls_provider_learnt for the next run. */
    unsigned learnt_gen;
    /* Issue #10, set by whoever makes it (ls_app_provider): the tier it sends and the
     * rates its answers are billed at, when known (priced). */
    enum ls_price_tier tier;
    bool priced;
    struct ls_price_rates rates;
    /* The batch APIs' rates (batch mode), when known (batch_priced). */
    bool batch_priced;
    struct ls_price_rates batch_rates;
    struct ls_provider_pace pace;
    double default_budget_usd; /* LEADSCORE_AI_BUDGET_USD: a job's budget unless it names one */
};

/*
 * Adds what an answer used to u: its tokens (a service may count nothing,
 * never less than nothing) and, when u is priced, their cost at u's rates.
 * The synchronous engine and the batch phase account the same way.
 */
struct ls_llm_reply;
void ls_ai_usage_account(struct ls_ai_usage *u, const struct ls_llm_reply *reply);

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
    /* LS_PRICE_FLEX: the provider's flex tier (service_tier), with flex_timeout_ms per
     * request; its "resource unavailable" answers are retried without counting as
     * attempts. LS_PRICE_BATCH is not a synchronous tier and is refused here. */
    enum ls_price_tier tier;
    long flex_timeout_ms;
    bool preflight; /* check the model's metadata at the start of each job (llm/preflight.h) */
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
 * configuration (strings borrowed from p; reasoning as in use); its request
 * bodies come from ls_provider_http_body. false for a provider that is not one.
 */
bool ls_provider_http_info(const struct ls_provider *p, struct ls_http_provider_config *cfg);

/*
 * Appends to out the request body p sends for prompt, in the form p asks in now
 * (what it learnt included; no service tier): the batch APIs carry the very
 * bodies of the synchronous path. p must be an HTTP provider.
 */
struct ls_prompt;
int ls_provider_http_body(const struct ls_provider *p, const struct ls_prompt *prompt,
                          struct ls_buf *out);

int ls_provider_classify(struct ls_provider *p, const struct ls_offer *offer, ls_ai_next_fn next,
                         ls_ai_done_fn done, void *ud, const atomic_bool *cancel,
                         struct ls_ai_usage *usage, struct ls_err *err);
/* p may be NULL. */
void ls_provider_free(struct ls_provider *p);
/* The provider's preflight (LS_OK when it has none); warning gets "" or a warning. */
int ls_provider_preflight(struct ls_provider *p, char *warning, size_t cap, struct ls_err *err);

/* What p learnt about its server; every field "" for a provider that learns nothing. */
void ls_provider_learnt(struct ls_provider *p, struct ls_ai_learnt *out);
/* Starts p from what an earlier run learnt (in, borrowed); fields that do not fit p's
 * configuration are ignored. */
void ls_provider_apply(struct ls_provider *p, const struct ls_ai_learnt *in);
/* What p sends now; every field "" for a provider with no such parameters. */
void ls_provider_form(struct ls_provider *p, struct ls_ai_form *out);

#endif
