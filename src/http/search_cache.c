/*
 * search_cache.c - finished jobs' text indexes: a short list under one mutex,
 * each entry built once by whoever needs it first while the others wait.
 */
#include "search_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/textidx.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "sys/log.h"
#include "sys/sys.h"

#define MAX_ENTRIES 16
#define ROW_BYTES   72 /* a row's share of an index, to tell in advance whether it fits */

struct key {
    int64_t job_id, workspace, finished_ms, results_deleted_ms, done;
};

enum state { EMPTY, BUILDING, READY, TOO_BIG };

struct entry {
    struct key key;
    enum state state;
    struct ls_textidx *x; /* owned; READY only */
    size_t bytes;
    int refs;      /* queries using x: it is freed only at 0 */
    bool dropped;  /* stale: freed when the last query ends */
    uint64_t used; /* the clock at its last use */
};

struct ls_search_cache {
    struct ls_store *store; /* borrowed */
    size_t max_bytes;
    pthread_mutex_t mu;
    pthread_cond_t built;
    uint64_t clock;
    struct entry e[MAX_ENTRIES];
    atomic_bool stopping;
    /* the background build */
    bool warm_started, warm_running;
    pthread_t warm_tid;
    struct ls_job warm_job;
};

static struct key key_of(const struct ls_job *job)
{
    struct key k = {job->id, job->workspace, job->finished_ms, job->results_deleted_ms,
                    job->n.done};
    return k;
}

static bool key_equal(const struct key *a, const struct key *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

struct ls_search_cache *ls_search_cache_new(struct ls_store *store, size_t max_bytes)
{
    struct ls_search_cache *c = ls_xcalloc(1, sizeof(*c));
    c->store = store;
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->built, NULL);
    atomic_init(&c->stopping, false);
    return c;
}

static void entry_clear(struct entry *e)
{
    ls_textidx_free(e->x);
    memset(e, 0, sizeof(*e));
}

void ls_search_cache_free(struct ls_search_cache *c)
{
    if (c == NULL)
        return;
    atomic_store(&c->stopping, true);
    pthread_mutex_lock(&c->mu);
    bool join = c->warm_started;
    pthread_mutex_unlock(&c->mu);
    if (join)
        pthread_join(c->warm_tid, NULL);
    for (size_t i = 0; i < MAX_ENTRIES; i++)
        entry_clear(&c->e[i]);
    pthread_cond_destroy(&c->built);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* ---- building -------------------------------------------------------------- */

struct build {
    struct ls_search_cache *c;
    struct ls_textidx *x;
    enum ls_sort sort;
};

static int add_text(void *ud, int64_t idx, int intent, int score, const char *name, size_t name_len,
                    const char *company, size_t company_len, const char *role, size_t role_len,
                    struct ls_err *err)
{
    struct build *b = ud;
    if (atomic_load(&b->c->stopping))
        return ls_err_set(err, LS_ECANCELLED, "the server is stopping");
    int rc = ls_textidx_add(b->x, idx, intent, score, name, name_len, company, company_len, role,
                            role_len);
    if (rc == LS_OK && ls_textidx_bytes(b->x) > b->c->max_bytes)
        rc = LS_ELIMIT;
    return rc ? ls_err_set(err, rc, "the text index does not fit") : LS_OK;
}

static int add_order(void *ud, int64_t idx, struct ls_err *err)
{
    struct build *b = ud;
    if (atomic_load(&b->c->stopping))
        return ls_err_set(err, LS_ECANCELLED, "the server is stopping");
    ls_textidx_order_add(b->x, b->sort, idx);
    return LS_OK;
}

/* Reads job's index from the store; NULL (with err) when it fails or does not fit. */
static struct ls_textidx *build(struct ls_search_cache *c, const struct ls_job *job,
                                struct ls_err *err)
{
    struct build b = {c, ls_textidx_new((size_t)(job->n.done > 0 ? job->n.done : 0)), LS_SORT_NAME};
    int rc = ls_store_results_texts(c->store, job, add_text, &b, err);
    if (rc == LS_OK)
        rc = ls_store_leads_order(c->store, job, LS_SORT_NAME, add_order, &b, err);
    b.sort = LS_SORT_COMPANY;
    if (rc == LS_OK)
        rc = ls_store_leads_order(c->store, job, LS_SORT_COMPANY, add_order, &b, err);
    if (rc == LS_OK)
        rc = ls_textidx_finish(b.x);
    if (rc == LS_OK && ls_textidx_bytes(b.x) > c->max_bytes)
        rc = ls_err_set(err, LS_ELIMIT, "the text index does not fit");
    if (rc) {
        ls_textidx_free(b.x);
        return NULL;
    }
    return b.x;
}

static size_t held_bytes(const struct ls_search_cache *c, size_t *entries)
{
    size_t sum = 0, n = 0;
    for (size_t i = 0; i < MAX_ENTRIES; i++) {
        if (c->e[i].state == READY) {
            sum += c->e[i].bytes;
            n++;
        }
    }
    if (entries)
        *entries = n;
    return sum;
}

/* Frees the least recently used unused indexes until the cap holds. Under mu. */
static void evict_locked(struct ls_search_cache *c)
{
    while (held_bytes(c, NULL) > c->max_bytes) {
        struct entry *old = NULL;
        for (size_t i = 0; i < MAX_ENTRIES; i++) {
            struct entry *e = &c->e[i];
            if (e->state == READY && e->refs == 0 && (old == NULL || e->used < old->used))
                old = e;
        }
        if (old == NULL)
            return; /* all in use: they go when their queries end */
        entry_clear(old);
    }
}

/*
 * The entry for k, claimed for building (*mine) when there was none: a free
 * slot, else the least recently used one not in use. Stale entries of the
 * same job are dropped. NULL when every slot is busy. Under mu.
 */
static struct entry *slot_locked(struct ls_search_cache *c, const struct key *k, bool *mine)
{
    *mine = false;
    for (size_t i = 0; i < MAX_ENTRIES; i++) {
        struct entry *e = &c->e[i];
        if (e->state == EMPTY || e->dropped)
            continue;
        if (key_equal(&e->key, k))
            return e;
        if (e->key.job_id == k->job_id && e->state != BUILDING) {
            /* The same job as it was: its results were deleted since, or more came. */
            if (e->refs)
                e->dropped = true;
            else
                entry_clear(e);
        }
    }
    struct entry *spare = NULL;
    for (size_t i = 0; i < MAX_ENTRIES && (spare == NULL || spare->state != EMPTY); i++) {
        struct entry *e = &c->e[i];
        if (e->state == EMPTY)
            spare = e;
        else if (e->state != BUILDING && e->refs == 0 && (spare == NULL || e->used < spare->used))
            spare = e;
    }
    if (spare == NULL)
        return NULL;
    entry_clear(spare);
    spare->key = *k;
    spare->state = BUILDING;
    *mine = true;
    return spare;
}

/* Builds e (claimed by this thread) and publishes it. Takes and leaves mu unlocked. */
static void fill(struct ls_search_cache *c, struct entry *e, const struct ls_job *job)
{
    struct ls_err err = {0};
    struct ls_textidx *x = build(c, job, &err);
    if (x == NULL && err.code != LS_ECANCELLED && err.code != LS_ELIMIT)
        ls_log(LS_LOG_WARN, "search.index_failed", "job=%lld error=%s", (long long)job->id,
               err.msg);
    pthread_mutex_lock(&c->mu);
    if (x) {
        e->x = x;
        e->bytes = ls_textidx_bytes(x);
        e->state = READY;
        e->used = ++c->clock;
    } else if (err.code == LS_ELIMIT) {
        e->state = TOO_BIG; /* remembered: not read again for every search */
    } else {
        entry_clear(e); /* tried again next time */
    }
    pthread_cond_broadcast(&c->built);
    evict_locked(c);
    pthread_mutex_unlock(&c->mu);
}

static bool fits(const struct ls_search_cache *c, const struct ls_job *job)
{
    return c->max_bytes > 0 && job->n.done >= 0 &&
           (uint64_t)job->n.done <= c->max_bytes / ROW_BYTES;
}

static bool usable(const struct ls_search_cache *c, const struct ls_job *job)
{
    return c && ls_job_status_final(job->status) && job->results_deleted_ms == 0 && fits(c, job);
}

/* ---- queries ----------------------------------------------------------------- */

int ls_search_cache_query(struct ls_search_cache *c, const struct ls_job *job,
                          const struct ls_results_query *q, bool build, int64_t *total,
                          struct ls_score_hist *hist, int64_t *page, size_t cap, size_t *n)
{
    *n = 0;
    if (!usable(c, job) || !ls_utf8_valid(q->q, strlen(q->q)))
        return LS_ENOTFOUND;
    struct key k = key_of(job);
    pthread_mutex_lock(&c->mu);
    if (!build) {
        struct entry *r = NULL;
        for (size_t i = 0; i < MAX_ENTRIES && r == NULL; i++) {
            if (c->e[i].state == READY && !c->e[i].dropped && key_equal(&c->e[i].key, &k))
                r = &c->e[i];
        }
        if (r == NULL) {
            pthread_mutex_unlock(&c->mu);
            return LS_ENOTFOUND;
        }
    }
    bool mine;
    struct entry *e = slot_locked(c, &k, &mine);
    if (e && mine) {
        pthread_mutex_unlock(&c->mu);
        fill(c, e, job);
        pthread_mutex_lock(&c->mu);
        e = slot_locked(c, &k, &mine);
        if (e && mine) { /* it failed and was cleared: leave it to the store */
            entry_clear(e);
            e = NULL;
        }
    }
    while (e && e->state == BUILDING) {
        pthread_cond_wait(&c->built, &c->mu);
        e = slot_locked(c, &k, &mine);
        if (e && mine) {
            entry_clear(e);
            e = NULL;
        }
    }
    if (e == NULL || e->state != READY) {
        pthread_mutex_unlock(&c->mu);
        return LS_ENOTFOUND;
    }
    e->refs++;
    e->used = ++c->clock;
    struct ls_textidx *x = e->x;
    pthread_mutex_unlock(&c->mu);

    int rc = ls_textidx_query(x, q, total, hist, page, cap, n);

    pthread_mutex_lock(&c->mu);
    if (--e->refs == 0 && e->dropped)
        entry_clear(e);
    evict_locked(c);
    pthread_mutex_unlock(&c->mu);
    return rc == LS_OK ? LS_OK : LS_ENOTFOUND;
}

/* ---- the background build ------------------------------------------------------ */

static void *warm_main(void *arg)
{
    struct ls_search_cache *c = arg;
    /* 3-4 s of a core for a 1M job: pages being served (and, on a laptop, the
     * browser showing them) go first. A search that needs the index meanwhile
     * waits for it, sleeping, so it takes nothing from the build. */
    ls_thread_background();
    struct ls_job job = c->warm_job; /* set before the thread started; not changed while it runs */
    struct key k = key_of(&job);
    pthread_mutex_lock(&c->mu);
    bool mine;
    struct entry *e = slot_locked(c, &k, &mine);
    pthread_mutex_unlock(&c->mu);
    if (e && mine)
        fill(c, e, &job);
    pthread_mutex_lock(&c->mu);
    c->warm_running = false;
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

void ls_search_cache_warm(struct ls_search_cache *c, const struct ls_job *job)
{
    if (!usable(c, job) || job->n.done < LS_SEARCH_WARM_MIN || atomic_load(&c->stopping))
        return;
    struct key k = key_of(job);
    pthread_mutex_lock(&c->mu);
    bool held = false;
    for (size_t i = 0; i < MAX_ENTRIES; i++)
        held = held || (c->e[i].state != EMPTY && key_equal(&c->e[i].key, &k));
    if (held || c->warm_running) {
        pthread_mutex_unlock(&c->mu);
        return;
    }
    if (c->warm_started)
        pthread_join(c->warm_tid, NULL); /* the last one has ended: warm_running is false */
    c->warm_started = false;
    c->warm_job = *job;
    c->warm_running = true;
    if (pthread_create(&c->warm_tid, NULL, warm_main, c) == 0)
        c->warm_started = true;
    else
        c->warm_running = false;
    pthread_mutex_unlock(&c->mu);
}

void ls_search_cache_drop(struct ls_search_cache *c, int64_t job_id)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < MAX_ENTRIES; i++) {
        struct entry *e = &c->e[i];
        if (e->state == EMPTY || e->key.job_id != job_id || e->state == BUILDING)
            continue;
        if (e->refs)
            e->dropped = true;
        else
            entry_clear(e);
    }
    pthread_mutex_unlock(&c->mu);
}

size_t ls_search_cache_bytes(struct ls_search_cache *c, size_t *entries)
{
    pthread_mutex_lock(&c->mu);
    size_t b = held_bytes(c, entries);
    pthread_mutex_unlock(&c->mu);
    return b;
}
