/* runner.c - the worker thread and its queue. */
#include "runner.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sys/log.h"
#include "sys/sys.h"

#define RECOVER_MAX 1024

struct watcher {
    int64_t job_id;
    ls_runner_done_fn fn;
    void *ud;
    struct watcher *next;
};

struct qitem {
    int64_t job_id;
    struct qitem *next;
};

struct ls_runner {
    struct ls_job_env env;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct qitem *head, *tail; /* queued jobs */
    int64_t current;           /* the running job, 0 when idle */
    struct watcher *watchers;
    atomic_bool stop;          /* interrupts the current job */
    atomic_bool stop_shutdown; /* ... because the runner is stopping */
    bool stopping;
};

static void enqueue_locked(struct ls_runner *r, int64_t id)
{
    struct qitem *q = ls_xmalloc(sizeof(*q));
    q->job_id = id;
    q->next = NULL;
    if (r->tail)
        r->tail->next = q;
    else
        r->head = q;
    r->tail = q;
    pthread_cond_signal(&r->cv);
}

static bool queued_locked(struct ls_runner *r, int64_t id)
{
    for (struct qitem *q = r->head; q; q = q->next) {
        if (q->job_id == id)
            return true;
    }
    return false;
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

static void *worker(void *arg)
{
    struct ls_runner *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        if (r->head == NULL) {
            pthread_cond_wait(&r->cv, &r->mu);
            continue;
        }
        struct qitem *q = r->head;
        r->head = q->next;
        if (r->head == NULL)
            r->tail = NULL;
        int64_t id = q->job_id;
        free(q);
        r->current = id;
        atomic_store(&r->stop, false);
        pthread_mutex_unlock(&r->mu);

        struct ls_job job;
        struct ls_err err = {0};
        if (ls_job_run(&r->env, id, &job, &err) != LS_OK)
            ls_log(LS_LOG_ERROR, "job.error", "job=%lld error=%s", (long long)id, err.msg);

        pthread_mutex_lock(&r->mu);
        r->current = 0;
        pthread_mutex_unlock(&r->mu);
        fire(r, id);
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
    int64_t ids[RECOVER_MAX];
    size_t n = 0;
    int rc = ls_store_jobs_unfinished(r->env.store, ids, RECOVER_MAX, &n, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < n; i++) {
        ls_log(LS_LOG_INFO, "job.recover", "job=%lld", (long long)ids[i]);
        enqueue_locked(r, ids[i]);
    }
    pthread_mutex_unlock(&r->mu);
    if (pthread_create(&r->thread, NULL, worker, r) != 0)
        return ls_err_set(err, LS_EINTERNAL, "cannot start the job worker thread");
    r->started = true;
    return LS_OK;
}

int ls_runner_submit(struct ls_runner *r, int64_t offer_id, int64_t upload_id, struct ls_job *job,
                     struct ls_err *err)
{
    memset(job, 0, sizeof(*job));
    job->offer_id = offer_id;
    job->upload_id = upload_id;
    job->created_ms = ls_now_ms();
    snprintf(job->provider, sizeof(job->provider), "%s", r->env.provider->name);
    snprintf(job->model, sizeof(job->model), "%s", r->env.provider->model);
    int rc = ls_store_job_create(r->env.store, job, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&r->mu);
    enqueue_locked(r, job->id);
    pthread_mutex_unlock(&r->mu);
    return LS_OK;
}

void ls_runner_watch(struct ls_runner *r, int64_t job_id, ls_runner_done_fn fn, void *ud)
{
    pthread_mutex_lock(&r->mu);
    bool pending = !r->stopping && (r->current == job_id || queued_locked(r, job_id));
    if (pending) {
        struct watcher *w = ls_xmalloc(sizeof(*w));
        w->job_id = job_id;
        w->fn = fn;
        w->ud = ud;
        w->next = r->watchers;
        r->watchers = w;
    }
    pthread_mutex_unlock(&r->mu);
    if (!pending)
        fn(ud, job_id);
}

int ls_runner_cancel(struct ls_runner *r, int64_t job_id, struct ls_err *err)
{
    struct ls_job job;
    int rc = ls_store_job_get(r->env.store, job_id, &job, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&r->mu);
    if (r->current == job_id) {
        atomic_store(&r->stop_shutdown, false);
        atomic_store(&r->stop, true);
        pthread_mutex_unlock(&r->mu);
        return LS_OK;
    }
    bool removed = false;
    for (struct qitem **pp = &r->head; *pp; pp = &(*pp)->next) {
        if ((*pp)->job_id == job_id) {
            struct qitem *q = *pp;
            *pp = q->next;
            free(q);
            removed = true;
            break;
        }
    }
    r->tail = r->head;
    while (r->tail && r->tail->next)
        r->tail = r->tail->next;
    pthread_mutex_unlock(&r->mu);
    if (!removed)
        return ls_err_set(err, LS_ECONFLICT, "job %lld has already finished (%s)",
                          (long long)job_id, ls_job_status_name(job.status));
    job.status = LS_JOB_CANCELLED;
    job.finished_ms = ls_now_ms();
    snprintf(job.error, sizeof(job.error), "cancelled on request");
    rc = ls_store_job_update(r->env.store, &job, err);
    fire(r, job_id);
    return rc;
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
    pthread_mutex_unlock(&r->mu);
    if (!was && r->started)
        pthread_join(r->thread, NULL);
    fire(r, 0);
}

void ls_runner_free(struct ls_runner *r)
{
    if (r == NULL)
        return;
    ls_runner_stop(r);
    while (r->head) {
        struct qitem *q = r->head;
        r->head = q->next;
        free(q);
    }
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}
