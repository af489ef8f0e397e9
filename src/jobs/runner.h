/*
 * runner.h - the server's job queue: one worker thread runs scoring jobs in
 * order, so HTTP threads never block on scoring. At start it resumes the jobs
 * a crash or a shutdown left queued or running. Thread-safe.
 */
#ifndef LS_JOBS_RUNNER_H
#define LS_JOBS_RUNNER_H

#include "jobs/job.h"

struct ls_runner;

/* Called once when job_id has finished or the runner is stopping; from any thread. */
typedef void (*ls_runner_done_fn)(void *ud, int64_t job_id);

/* Owned: ls_runner_free. store, provider and rules are borrowed. */
struct ls_runner *ls_runner_new(struct ls_store *store, struct ls_provider *provider,
                                const struct ls_rules *rules);

/* Starts the worker and queues unfinished jobs found in the store. */
int ls_runner_start(struct ls_runner *r, struct ls_err *err);

/* Creates a queued job for (offer, upload) and wakes the worker; *job is the stored job. */
int ls_runner_submit(struct ls_runner *r, int64_t offer_id, int64_t upload_id, struct ls_job *job,
                     struct ls_err *err);

/*
 * Calls fn(ud, job_id) when the job is no longer queued or running in this
 * runner - at once (from this thread) when that is already so.
 */
void ls_runner_watch(struct ls_runner *r, int64_t job_id, ls_runner_done_fn fn, void *ud);

/*
 * Cancels a queued or running job; results already stored are kept.
 * LS_ECONFLICT when the job already finished, LS_ENOTFOUND when unknown.
 */
int ls_runner_cancel(struct ls_runner *r, int64_t job_id, struct ls_err *err);

/* True while the runner is shutting down. */
bool ls_runner_stopping(struct ls_runner *r);

/*
 * Stops the worker: a running job is interrupted and left to resume at the
 * next start; remaining watchers are called. Idempotent.
 */
void ls_runner_stop(struct ls_runner *r);

/* Stops r if needed and frees it (may be NULL). */
void ls_runner_free(struct ls_runner *r);

#endif
