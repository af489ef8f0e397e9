/*
 * batch_rec.h - the record of one provider batch (issue #10), shared by the
 * store that keeps it and the batch clients (llm/batch.h) that fill it.
 * Plain data.
 */
#ifndef LS_CORE_BATCH_REC_H
#define LS_CORE_BATCH_REC_H

#include <stdint.h>

/*
 * One provider batch of a batch-mode job (issue #10). state is leadscore's:
 * "submitting" (stored before it is sent; no remote_id yet), "pending" (the
 * service has it), "ended" (its results can be read), "applied" (they are
 * stored), "cancelled". remote_state and the counts are the service's.
 */
struct ls_batch {
    int64_t id, job_id;
    char provider[16];
    char remote_id[160], input_file[160], output_file[160], error_file[160];
    char state[16];
    char remote_state[40];
    int64_t requests; /* request lines sent */
    int64_t n_total, n_completed, n_failed;
    int64_t created_ms, updated_ms;
};

/* A lead in a batch: the request line (custom_id or key) it went in, and its prompt id. */
struct ls_batch_item {
    int64_t idx;
    char custom_id[64];
    char prompt_id[16];
};

#endif
