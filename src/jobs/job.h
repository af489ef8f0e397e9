/*
 * job.h - runs one scoring job to the end: reads the job's pending leads from
 * the store page by page, scores each with the rule layer and the AI provider,
 * and stores results in batches together with increments of the job's
 * counters. Resuming a job that was interrupted skips every lead that already
 * has a result. The server runs jobs on its worker thread; `leadscore score`
 * calls it directly. Both first claim the job, so only one process runs it.
 */
#ifndef LS_JOBS_JOB_H
#define LS_JOBS_JOB_H

#include <stdatomic.h>

#include "core/rules.h"
#include "core/sha256.h"
#include "llm/batch.h"
#include "llm/provider.h"
#include "store/store.h"

struct ls_job_env {
    struct ls_store *store;       /* borrowed */
    struct ls_provider *provider; /* borrowed */
    const struct ls_rules *rules; /* borrowed */
    /* Set to stop the job early (finished results are kept). The job sets it
     * itself when it learns that someone cancelled or deleted it. */
    atomic_bool *stop;
    /* When stop is set: true leaves the job to resume later (shutdown, Ctrl-C),
     * false ends it as cancelled. */
    const atomic_bool *stop_is_shutdown;
    /* Called after each stored batch with the job's progress (borrowed). May be NULL. */
    void (*progress)(void *ud, const struct ls_job *job);
    void *progress_ud;
    /* Batch mode's settings (borrowed); NULL: a batch-mode job runs as a standard one. */
    const struct ls_batch_cfg *batch;
};

/*
 * Claims job id for this process and runs it (see ls_job_run_claimed).
 * LS_ECONFLICT when another live process runs it; LS_OK with *out holding the
 * job as stored when it is already finished.
 */
int ls_job_run(const struct ls_job_env *env, int64_t id, struct ls_job *out, struct ls_err *err);

/*
 * Runs a job this process has claimed (*job as ls_store_job_claim gave it),
 * to a final status (succeeded, failed, cancelled) or, after a shutdown stop,
 * released to resume later. On return *job holds the job as stored. An error
 * only when the store could not record the outcome.
 */
int ls_job_run_claimed(const struct ls_job_env *env, struct ls_job *job, struct ls_err *err);

/* The verdict cache key's fixed part for p and offer (a lead's six fields follow). */
void ls_job_key_base(const struct ls_provider *p, const struct ls_offer *offer,
                     struct ls_sha256 *out);

#endif
