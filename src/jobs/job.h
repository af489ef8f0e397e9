/*
 * job.h - runs one scoring job to the end: reads the job's pending leads from
 * the store page by page, scores each with the rule layer and the AI provider,
 * and stores results in batches together with the job's progress. Resuming a
 * job that was interrupted skips every lead that already has a result.
 * The server runs jobs on its worker thread; `leadscore score` calls it
 * directly.
 */
#ifndef LS_JOBS_JOB_H
#define LS_JOBS_JOB_H

#include <stdatomic.h>

#include "core/rules.h"
#include "llm/provider.h"
#include "store/store.h"

struct ls_job_env {
    struct ls_store *store;       /* borrowed */
    struct ls_provider *provider; /* borrowed */
    const struct ls_rules *rules; /* borrowed */
    /* Set to stop the job early; finished results are kept. May be NULL. */
    const atomic_bool *stop;
    /* When stop is set: true leaves the job "running" so that it resumes at the
     * next start (shutdown), false marks it "cancelled". */
    const atomic_bool *stop_is_shutdown;
    /* Called after each stored batch with the job's progress (borrowed). May be NULL. */
    void (*progress)(void *ud, const struct ls_job *job);
    void *progress_ud;
};

/*
 * Runs job id. On return *out holds the job as stored. Returns LS_OK when the
 * job reached a terminal status (succeeded, failed or cancelled; see
 * out->status and out->error) or was left to resume; an error when the job
 * could not be run at all (unknown id, store failure).
 */
int ls_job_run(const struct ls_job_env *env, int64_t id, struct ls_job *out, struct ls_err *err);

#endif
