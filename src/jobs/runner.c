/*
 * runner.c - the worker thread, the watcher thread and the queue cap.
 *
 * There is no in-memory queue: the store is the queue. The worker claims the
 * oldest claimable job (ls_store_job_claim with id 0), which is what makes
 * several servers on one database share work without running a job twice,
 * and what lets a restarted server find every unfinished job, however many.
 * A submit only wakes the worker early; otherwise it looks again every
 * POLL_MS for jobs queued by other processes or orphaned by dead ones.
 */
#include "runner.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"
#include "job_batch.h"
#include "sys/log.h"
#include "sys/sys.h"

#define POLL_MS  1000  /* the worker looks for claimable jobs at least this often */
#define WATCH_MS 200   /* the watcher checks waited-for jobs this often */
#define SWEEP_MS 60000 /* ... and looks for orphaned batches this often */

struct watcher {
    int64_t job_id;
    ls_runner_done_fn fn;
    void *ud;
    struct watcher *next;
};

struct ls_runner {
    struct ls_job_env env;
    pthread_t worker, watcher;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;  /* wakes the worker */
    pthread_cond_t wcv; /* wakes the watcher */
    bool wake;
    int64_t current; /* the job this process runs, 0 when idle */
    struct watcher *watchers;
    atomic_bool stop;          /* interrupts the current job */
    atomic_bool stop_shutdown; /* ... because the runner is stopping */
    bool stopping;
    bool sweep_due; /* a cancel was written here: look for orphaned batches now */
};

static void deadline_after(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Calls (outside the lock) and frees the watchers of job id, or all when id is 0. */
static void fire(struct ls_runner *r, int64_t id)
{
    struct watcher *fired = NULL;
    pthread_mutex_lock(&r->mu);
    struct watcher **pp = &r->watchers;
    while (*pp) {
        struct watcher *w = *pp;
        if (id == 0 || w->job_id == id) {
            *pp = w->next;
            w->next = fired;
            fired = w;
        } else {
            pp = &w->next;
        }
    }
    pthread_mutex_unlock(&r->mu);
    while (fired) {
        struct watcher *w = fired;
        fired = w->next;
        w->fn(w->ud, w->job_id);
        free(w);
    }
}

static void *worker_main(void *arg)
{
    struct ls_runner *r = arg;
    int64_t last_error_log = 0;
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        r->wake = false;
        pthread_mutex_unlock(&r->mu);
        struct ls_job job;
        struct ls_err err = {0};
        memset(&job, 0, sizeof(job));
        int rc = ls_store_job_claim(r->env.store, 0, ls_now_ms(), &job, &err);
        pthread_mutex_lock(&r->mu);
        if (rc == LS_OK && !r->stopping) {
            r->current = job.id;
            atomic_store(&r->stop, false);
            pthread_mutex_unlock(&r->mu);
            if (job.n.done)
                ls_log(LS_LOG_INFO, "job.resume", "job=%lld done=%lld", (long long)job.id,
                       (long long)job.n.done);
            int jrc = ls_job_run_claimed(&r->env, &job, &err);
            if (jrc != LS_OK)
                ls_log(LS_LOG_ERROR, "job.error", "job=%lld error=%s", (long long)job.id, err.msg);
            pthread_mutex_lock(&r->mu);
            r->current = 0;
            pthread_mutex_unlock(&r->mu);
            /* After an error the job may not have ended in the store: the watcher
             * answers its waiters once it has. */
            if (jrc == LS_OK)
                fire(r, job.id);
            pthread_mutex_lock(&r->mu);
            if (jrc != LS_OK && !r->stopping) { /* a failing store: not in a tight loop */
                struct timespec ts;
                deadline_after(&ts, POLL_MS);
                pthread_cond_timedwait(&r->cv, &r->mu, &ts);
            }
            continue;
        }
        if (rc == LS_OK) { /* claimed while stopping: give it back at once */
            pthread_mutex_unlock(&r->mu);
            ls_store_job_release(r->env.store, job.id, NULL);
            pthread_mutex_lock(&r->mu);
            break;
        }
        if (rc != LS_ENOTFOUND && ls_mono_ms() - last_error_log > 60000) {
            ls_log(LS_LOG_ERROR, "job.claim_error", "error=%s", err.msg);
            last_error_log = ls_mono_ms();
        }
        if (!r->wake && !r->stopping) {
            struct timespec ts;
            deadline_after(&ts, POLL_MS);
            pthread_cond_timedwait(&r->cv, &r->mu, &ts);
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Which watched jobs have stopped (in this process or another), and cancels from elsewhere. */
static void watch_round(struct ls_runner *r)
{
    /* Every watched job, each once (waiters are bounded by the connection cap). */
    size_t n = 0, cap = 0;
    pthread_mutex_lock(&r->mu);
    for (struct watcher *w = r->watchers; w; w = w->next)
        cap++;
    int64_t *ids = ls_xmalloc((cap ? cap : 1) * sizeof(*ids));
    for (struct watcher *w = r->watchers; w; w = w->next) {
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = ids[i] == w->job_id;
        if (!dup)
            ids[n++] = w->job_id;
    }
    int64_t current = r->current;
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < n; i++) {
        bool stopped = false;
        if (ids[i] != current &&
            ls_store_job_stopped(r->env.store, ids[i], &stopped, NULL) == LS_OK && stopped)
            fire(r, ids[i]);
    }
    free(ids);
    if (current) {
        /* A cancel written by another process reaches the running job here at the latest. */
        struct ls_job job = {0};
        if (ls_store_job_get(r->env.store, 0, current, &job, NULL) == LS_ENOTFOUND ||
            (job.id == current && job.status != LS_JOB_RUNNING)) {
            pthread_mutex_lock(&r->mu);
            if (r->current == current)
                atomic_store(&r->stop, true);
            pthread_mutex_unlock(&r->mu);
        }
    }
}

/*
 * Batches still pending at the service for jobs cancelled while no process
 * ran them (issue #10). The watcher sweeps, not housekeeping: the runner
 * holds the provider and batch settings the client needs, and the watcher is
 * already where cancels written by other processes are noticed. It sweeps at
 * start-up (a cancel written while no server ran), right after a cancel
 * written here, and every SWEEP_MS (a cancel written by another process that
 * does not run the job). A job run here is left to its own cancel_all: the
 * store skips jobs a live process owns.
 */
static void sweep(struct ls_runner *r)
{
    struct ls_err err = {0};
    if (ls_job_batch_sweep(&r->env, &err) != LS_OK)
        ls_log(LS_LOG_ERROR, "batch.orphan_error", "error=%s", err.msg);
}

static void *watcher_main(void *arg)
{
    struct ls_runner *r = arg;
    int64_t last_sweep = 0;
    pthread_mutex_lock(&r->mu);
    r->sweep_due = true;
    while (!r->stopping) {
        if (r->sweep_due || ls_mono_ms() - last_sweep >= SWEEP_MS) {
            r->sweep_due = false;
            pthread_mutex_unlock(&r->mu);
            sweep(r);
            last_sweep = ls_mono_ms();
            pthread_mutex_lock(&r->mu);
            if (r->stopping)
                break;
        }
        struct timespec ts;
        deadline_after(&ts, WATCH_MS);
        pthread_cond_timedwait(&r->wcv, &r->mu, &ts);
        if (r->stopping)
            break;
        pthread_mutex_unlock(&r->mu);
        watch_round(r);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

struct ls_runner *ls_runner_new(struct ls_store *store, struct ls_provider *provider,
                                const struct ls_rules *rules)
{
    struct ls_runner *r = ls_xcalloc(1, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_cond_init(&r->wcv, NULL);
    atomic_init(&r->stop, false);
    atomic_init(&r->stop_shutdown, false);
    r->env.store = store;
    r->env.provider = provider;
    r->env.rules = rules;
    r->env.stop = &r->stop;
    r->env.stop_is_shutdown = &r->stop_shutdown;
    return r;
}

int ls_runner_start(struct ls_runner *r, struct ls_err *err)
{
    int64_t queued = 0, running = 0;
    if (ls_store_jobs_counts(r->env.store, &queued, &running, NULL) == LS_OK && (queued || running))
        ls_log(LS_LOG_INFO, "job.recover", "queued=%lld running=%lld", (long long)queued,
               (long long)running);
    if (pthread_create(&r->worker, NULL, worker_main, r) != 0)
        return ls_err_set(err, LS_EINTERNAL, "cannot start the job worker thread");
    if (pthread_create(&r->watcher, NULL, watcher_main, r) != 0) {
        pthread_mutex_lock(&r->mu);
        r->stopping = true;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->worker, NULL);
        return ls_err_set(err, LS_EINTERNAL, "cannot start the job watcher thread");
    }
    r->started = true;
    return LS_OK;
}

void ls_runner_set_batch(struct ls_runner *r, const struct ls_batch_cfg *cfg)
{
    r->env.batch = cfg;
}

int ls_runner_submit(struct ls_runner *r, int64_t ws, int64_t offer_id, int64_t upload_id,
                     const char *mode, struct ls_job *job, struct ls_err *err)
{
    /* LEADSCORE_AI_BUDGET_USD holds for standard jobs: a batch is billed whole once sent. */
    bool batch = mode ? strcmp(mode, "batch") == 0 : ls_runner_batch_default(r);
    double budget = r->env.provider->priced && !batch ? r->env.provider->default_budget_usd : 0;
    return ls_runner_submit_budget(r, ws, offer_id, upload_id, mode, budget, job, err);
}

bool ls_runner_batch_default(struct ls_runner *r)
{
    return r->env.batch && r->env.batch->is_default;
}

void ls_runner_wake(struct ls_runner *r)
{
    pthread_mutex_lock(&r->mu);
    r->wake = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

int ls_runner_submit_budget(struct ls_runner *r, int64_t ws, int64_t offer_id, int64_t upload_id,
                            const char *mode, double budget_usd, struct ls_job *job,
                            struct ls_err *err)
{
    memset(job, 0, sizeof(*job));
    job->budget_usd = budget_usd;
    if (mode == NULL)
        mode = r->env.batch && r->env.batch->is_default ? "batch" : "standard";
    snprintf(job->mode, sizeof(job->mode), "%s", mode);
    job->workspace = ws;
    job->offer_id = offer_id;
    job->upload_id = upload_id;
    job->created_ms = ls_now_ms();
    snprintf(job->provider, sizeof(job->provider), "%s", r->env.provider->name);
    snprintf(job->model, sizeof(job->model), "%s", r->env.provider->model);
    int rc = ls_store_job_create(r->env.store, job, err); /* LS_EBUSY at the queue's cap */
    if (rc)
        return rc;
    pthread_mutex_lock(&r->mu);
    r->wake = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return LS_OK;
}

void ls_runner_watch(struct ls_runner *r, int64_t job_id, ls_runner_done_fn fn, void *ud)
{
    bool stopped = false;
    pthread_mutex_lock(&r->mu);
    bool busy_here = r->current == job_id;
    bool stopping = r->stopping;
    pthread_mutex_unlock(&r->mu);
    if (!stopping && !busy_here &&
        ls_store_job_stopped(r->env.store, job_id, &stopped, NULL) == LS_OK && stopped) {
        fn(ud, job_id);
        return;
    }
    pthread_mutex_lock(&r->mu);
    if (r->stopping) {
        pthread_mutex_unlock(&r->mu);
        fn(ud, job_id);
        return;
    }
    struct watcher *w = ls_xmalloc(sizeof(*w));
    w->job_id = job_id;
    w->fn = fn;
    w->ud = ud;
    w->next = r->watchers;
    r->watchers = w;
    pthread_mutex_unlock(&r->mu);
}

int ls_runner_cancel(struct ls_runner *r, int64_t ws, int64_t job_id, struct ls_err *err)
{
    int rc = ls_store_job_cancel(r->env.store, ws, job_id, ls_now_ms(), err);
    if (rc)
        return rc;
    pthread_mutex_lock(&r->mu);
    if (r->current == job_id) {
        atomic_store(&r->stop_shutdown, false);
        atomic_store(&r->stop, true); /* the in-flight model requests are aborted now */
    }
    r->sweep_due = true; /* a job no process runs leaves its batches to the sweep */
    pthread_cond_signal(&r->wcv);
    pthread_mutex_unlock(&r->mu);
    return LS_OK;
}

int64_t ls_runner_queue_depth(struct ls_runner *r)
{
    int64_t queued = 0, running = 0;
    ls_store_jobs_counts(r->env.store, &queued, &running, NULL);
    return queued;
}

bool ls_runner_stopping(struct ls_runner *r)
{
    pthread_mutex_lock(&r->mu);
    bool s = r->stopping;
    pthread_mutex_unlock(&r->mu);
    return s;
}

void ls_runner_stop(struct ls_runner *r)
{
    pthread_mutex_lock(&r->mu);
    bool was = r->stopping;
    r->stopping = true;
    atomic_store(&r->stop_shutdown, true);
    atomic_store(&r->stop, true);
    pthread_cond_broadcast(&r->cv);
    pthread_cond_broadcast(&r->wcv);
    pthread_mutex_unlock(&r->mu);
    if (!was && r->started) {
        pthread_join(r->worker, NULL);
        pthread_join(r->watcher, NULL);
    }
    fire(r, 0);
}

void ls_runner_free(struct ls_runner *r)
{
    if (r == NULL)
        return;
    ls_runner_stop(r);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    pthread_cond_destroy(&r->wcv);
    free(r);
}
