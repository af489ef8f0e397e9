/*
 * estimate.h - what a run will take, before it starts. Pure.
 *
 * Input tokens are counted from the request bodies the prompt builder makes
 * (the same bytes the provider sends), at 4 bytes a token; output tokens
 * from the answer's expected size: a JSON array of {id, intent, reasoning}
 * with one or two sentences of reasoning, about LS_ESTIMATE_OUT_PER_LEAD
 * tokens a lead. The provider uses the same figures to hold a request back
 * that would go past a budget.
 */
#ifndef LS_CORE_ESTIMATE_H
#define LS_CORE_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#define LS_ESTIMATE_OUT_PER_LEAD 40 /* tokens of one answer item */
#define LS_ESTIMATE_OUT_BASE     8  /* the answer's wrapper */

/* Input tokens of a request body of body_len bytes. */
int64_t ls_estimate_input_tokens(size_t body_len);

/* Output tokens of the answer for n leads. */
int64_t ls_estimate_output_tokens(size_t n);

struct ls_estimate_pace {
    int64_t requests, tokens; /* tokens: input and output, as the TPM quota counts them */
    int rpm;                  /* 0: no limit */
    long tpm;                 /* 0: no limit */
    int concurrency;          /* at least 1 */
    int64_t latency_ms;       /* one request's expected time */
};

/*
 * The wall time of a run: the longest of what the request quota, the token
 * quota (each at the 95 % the provider paces itself to) and the concurrency
 * (requests in flight for latency_ms each) allow.
 */
int64_t ls_estimate_wall_ms(const struct ls_estimate_pace *p);

#endif
