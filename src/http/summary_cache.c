/* summary_cache.c - finished jobs' score histograms, a small LRU table under one mutex. */
#include "summary_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct key {
    int64_t job_id, workspace, finished_ms, results_deleted_ms, done;
};

struct entry {
    struct key key;
    uint64_t used; /* the clock at its last use; 0: empty */
    struct ls_score_hist hist;
};

struct ls_summary_cache {
    pthread_mutex_t mu;
    uint64_t clock;
    struct entry e[LS_SUMMARY_CACHE_ENTRIES];
};

static struct key key_of(const struct ls_job *job)
{
    struct key k = {job->id, job->workspace, job->finished_ms, job->results_deleted_ms,
                    job->n.done};
    return k;
}

static bool key_equal(const struct key *a, const struct key *b)
{
    return a->job_id == b->job_id && a->workspace == b->workspace &&
           a->finished_ms == b->finished_ms && a->results_deleted_ms == b->results_deleted_ms &&
           a->done == b->done;
}

struct ls_summary_cache *ls_summary_cache_new(void)
{
    struct ls_summary_cache *c = ls_xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void ls_summary_cache_free(struct ls_summary_cache *c)
{
    if (c == NULL)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c);
}

bool ls_summary_cache_get(struct ls_summary_cache *c, const struct ls_job *job,
                          struct ls_score_hist *out)
{
    struct key k = key_of(job);
    bool found = false;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < LS_SUMMARY_CACHE_ENTRIES; i++) {
        struct entry *e = &c->e[i];
        if (e->used && key_equal(&e->key, &k)) {
            e->used = ++c->clock;
            *out = e->hist;
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return found;
}

void ls_summary_cache_put(struct ls_summary_cache *c, const struct ls_job *job,
                          const struct ls_score_hist *h)
{
    struct key k = key_of(job);
    pthread_mutex_lock(&c->mu);
    /* The job's own entry (an older key of it is stale), else an empty or the oldest one. */
    struct entry *slot = NULL;
    for (size_t i = 0; i < LS_SUMMARY_CACHE_ENTRIES && slot == NULL; i++) {
        if (c->e[i].used && c->e[i].key.job_id == k.job_id)
            slot = &c->e[i];
    }
    for (size_t i = 0; i < LS_SUMMARY_CACHE_ENTRIES && slot == NULL; i++) {
        if (c->e[i].used == 0)
            slot = &c->e[i];
    }
    if (slot == NULL) {
        slot = &c->e[0];
        for (size_t i = 1; i < LS_SUMMARY_CACHE_ENTRIES; i++) {
            if (c->e[i].used < slot->used)
                slot = &c->e[i];
        }
    }
    slot->key = k;
    slot->hist = *h;
    slot->used = ++c->clock;
    pthread_mutex_unlock(&c->mu);
}

void ls_summary_cache_drop(struct ls_summary_cache *c, int64_t job_id)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < LS_SUMMARY_CACHE_ENTRIES; i++) {
        if (c->e[i].used && c->e[i].key.job_id == job_id)
            memset(&c->e[i], 0, sizeof(c->e[i]));
    }
    pthread_mutex_unlock(&c->mu);
}
