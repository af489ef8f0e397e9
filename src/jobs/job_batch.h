/*
 * job_batch.h - the batch phase of a batch-mode job (issue #10).
 *
 * Before a batch-mode job's normal passes, its pending leads go to the
 * provider's batch API: they are walked once (cache hits and duplicates are
 * settled on the way, as in a normal pass), packed into request lines of up
 * to LEADSCORE_AI_BATCH leads under fresh prompt ids, and sent as one or more
 * batches (split by the service's limits). Each batch and its items (lead
 * idx, custom_id, prompt id) are stored before it is sent, so a restart
 * resumes polling the same batches and never pays for them twice. Polling
 * backs off from poll_ms to poll_max_ms. When a batch has ended, its results
 * are downloaded, every answer is checked against the prompt ids stored for
 * its line, and the verdicts are stored; whatever is missing or failed stays
 * pending, for the normal passes that follow (the synchronous path). A
 * cancel cancels the batches at the service; a shutdown leaves them running.
 */
#ifndef LS_JOBS_JOB_BATCH_H
#define LS_JOBS_JOB_BATCH_H

#include "job.h"

/* How the phase walks the job's pending leads: job.c's own walk. */
struct ls_job_batch_hooks {
    ls_ai_next_fn next; /* as for a provider: dups and cache hits are settled inside */
    ls_ai_done_fn done; /* LS_OK stores the verdict; LS_ECANCELLED leaves the lead pending */
    void (*walk_begin)(void *ud); /* a new walk from the first pending lead */
    void (*walk_end)(void *ud);   /* releases leads not handed out and stores what is done */
    bool (*halted)(void *ud);     /* the store failed or the job was cancelled elsewhere */
    void *ud;
};

/*
 * Runs the phase for job (borrowed, running and claimed here) with offer
 * (borrowed). Adds the answered requests and their tokens to usage. LS_OK:
 * go on with the normal passes; LS_ECANCELLED: env->stop was set; else why
 * the batch API failed, in err (the job fails with it).
 */
int ls_job_batch_phase(const struct ls_job_env *env, const struct ls_job *job,
                       const struct ls_offer *offer, const struct ls_job_batch_hooks *hooks,
                       struct ls_ai_usage *usage, struct ls_err *err);

/*
 * Cancels at the service the batches of env->provider that are still pending
 * although their job was cancelled while no process ran it (after a crash,
 * or by a process that does not run it), and marks each cancelled in the
 * store, so each is cancelled once. A batch whose cancel cannot reach the
 * service stays pending for the next sweep. env and its members: borrowed.
 * LS_OK, or the store's error in err. Blocks on the network per batch.
 */
int ls_job_batch_sweep(const struct ls_job_env *env, struct ls_err *err);

#endif
