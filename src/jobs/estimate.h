/*
 * estimate.h - issue #10: what a job would send, use and cost, and how long
 * it would take, without calling the model. It walks the upload's leads as a
 * job does: duplicates of an earlier lead and verdicts already in the cache
 * are not sent; the rest are batched as the provider batches them, and each
 * request body is built by the provider itself (ls_provider_ops.measure), so
 * that input tokens are counted from the bytes that would go out.
 */
#ifndef LS_JOBS_ESTIMATE_H
#define LS_JOBS_ESTIMATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "llm/provider.h"
#include "store/store.h"

struct ls_job_estimate {
    int64_t leads;      /* in the upload */
    int64_t duplicates; /* repeats of an earlier lead: scored once */
    int64_t cache_hits; /* verdicts already paid for */
    int64_t to_send;    /* leads the model would see */
    int64_t requests;
    int64_t input_tokens, output_tokens;
    bool priced; /* cost_usd is known */
    double cost_usd;
    int64_t wall_ms;
};

/* A batch-mode job's wall time: the batch APIs' completion window (24 h), an upper bound. */
#define LS_ESTIMATE_BATCH_WINDOW_MS (24LL * 3600 * 1000)

/*
 * Estimates a job of ws for offer_id and upload_id with provider p (all
 * borrowed); batch: in batch mode (the batch rates, and the completion
 * window as the wall time). stop (may be NULL) is looked at between pages
 * of leads: once set, LS_ECANCELLED.
 */
int ls_job_estimate(struct ls_store *store, struct ls_provider *p, int64_t ws, int64_t offer_id,
                    int64_t upload_id, bool batch, const atomic_bool *stop,
                    struct ls_job_estimate *out, struct ls_err *err);

#endif
