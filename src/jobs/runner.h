/*
 * runner.h - the server's job worker: one thread claims queued jobs from the
 * store, oldest first, and runs them, so HTTP threads never block on
 * scoring. Jobs another process left unfinished (a crash, a shutdown) are
 * claimed the same way once that process is gone. A second thread watches
 * jobs that requests wait for, and notices cancels written elsewhere.
 * Thread-safe.
 */
#ifndef LS_JOBS_RUNNER_H
#define LS_JOBS_RUNNER_H

#include "jobs/job.h"

struct ls_runner;

/* Called once when job_id has stopped or the runner is stopping; from any thread. */
typedef void (*ls_runner_done_fn)(void *ud, int64_t job_id);

/*
 * Owned: ls_runner_free. store, provider and rules are borrowed. The cap on
 * waiting jobs is the store's (struct ls_store_options.max_queued_jobs): the
 * store counts and inserts in one transaction, so no burst of submits, from
 * this process or others, goes over it.
 */
struct ls_runner *ls_runner_new(struct ls_store *store, struct ls_provider *provider,
                                const struct ls_rules *rules);

/*
 * Batch mode's settings (borrowed; they must outlive r), before start. Without
 * them a job asking for batch mode runs as a standard one.
 */
void ls_runner_set_batch(struct ls_runner *r, const struct ls_batch_cfg *cfg);

/* Starts the worker and watcher threads. */
int ls_runner_start(struct ls_runner *r, struct ls_err *err);

/*
 * Creates a queued job in workspace ws for (offer, upload) in mode
 * ("standard" or "batch"; NULL: LEADSCORE_AI_MODE's) and wakes the worker;
 * *job is the stored job. LS_EBUSY when the store's queue is full.
 */
int ls_runner_submit(struct ls_runner *r, int64_t ws, int64_t offer_id, int64_t upload_id,
                     const char *mode, struct ls_job *job, struct ls_err *err);
/* Issue #10: as ls_runner_submit, with the job's budget (0: none). */
int ls_runner_submit_budget(struct ls_runner *r, int64_t ws, int64_t offer_id, int64_t upload_id,
                            const char *mode, double budget_usd, struct ls_job *job,
                            struct ls_err *err);
/* True when jobs that name no mode run in batch mode (LEADSCORE_AI_MODE=batch). */
bool ls_runner_batch_default(struct ls_runner *r);
/* Has the worker look for work now (a job queued again by another route). */
void ls_runner_wake(struct ls_runner *r);

/*
 * Calls fn(ud, job_id) once the job has stopped (finished, and no process
 * runs it any more) or the runner is stopping - at once, from this thread,
 * when that is already so.
 */
void ls_runner_watch(struct ls_runner *r, int64_t job_id, ls_runner_done_fn fn, void *ud);

/*
 * Cancels a queued or running job of ws; results already stored are kept.
 * LS_ECONFLICT when the job already finished, LS_ENOTFOUND when unknown.
 */
int ls_runner_cancel(struct ls_runner *r, int64_t ws, int64_t job_id, struct ls_err *err);

/* Jobs waiting in the store (all processes). */
int64_t ls_runner_queue_depth(struct ls_runner *r);

/* True while the runner is shutting down. */
bool ls_runner_stopping(struct ls_runner *r);

/*
 * Stops the worker: a running job is interrupted at once and released to
 * resume later; remaining watchers are called. Idempotent.
 */
void ls_runner_stop(struct ls_runner *r);

/* Stops r if needed and frees it (may be NULL). */
void ls_runner_free(struct ls_runner *r);

#endif
