/*
 * ai_learnt.h - what an AI provider learnt about its server from the
 * server's refusals (issue #10), in a form the store keeps per (base URL,
 * model) so that the next run, in this process or another, starts with it.
 * Plain values; no I/O.
 *
 * Each field is "" when nothing was learnt about it. A change of a
 * parameter the configuration chose is kept as "was>now", and applies only
 * to a run that starts from the same "was": a run configured otherwise
 * starts from its own configuration.
 */
#ifndef LS_CORE_AI_LEARNT_H
#define LS_CORE_AI_LEARNT_H

#define LS_AI_LEARNT_MAX 48

struct ls_ai_learnt {
    char mode[LS_AI_LEARNT_MAX];         /* OpenAI: "json_object" or "text" (json_schema refused) */
    char tokens_param[LS_AI_LEARNT_MAX]; /* OpenAI: "max_completion_tokens" (max_tokens refused) */
    char reasoning[LS_AI_LEARNT_MAX];    /* OpenAI reasoning_effort "was>now"; "-": none sent */
    char thinking[LS_AI_LEARNT_MAX];     /* Gemini "budget:0>budget:128", "level:minimal>-" */
};

/* What a provider sends now, for the job's "ai" object. Each "" when it does not apply. */
struct ls_ai_form {
    char mode[16];         /* "json_schema", "json_object", "text" */
    char tokens_param[24]; /* OpenAI: "max_tokens" or "max_completion_tokens" */
    char reasoning[16];    /* OpenAI reasoning_effort sent; "" none */
    char thinking[24];     /* Gemini: "budget:N", "level:X"; "" none */
};

#endif
