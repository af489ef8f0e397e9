/*
 * housekeeping.c - retention, the verdict cache's cap and ended sessions, on
 * a thread of their own.
 */
#include "housekeeping.h"

#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "core/xalloc.h"
#include "sys/log.h"
#include "sys/sys.h"

#define HEAP_EVERY_MS  5000    /* heap given back to the system */
#define TRIM_EVERY_MS  60000   /* the verdict cache's cap */
#define PURGE_EVERY_MS 3600000 /* retention */
#define DAY_MS         86400000LL

struct ls_housekeeping {
    struct ls_store *store;
    int retention_days;
    int64_t cache_max_rows;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

static void purge(struct ls_store *store, int retention_days)
{
    struct ls_purge_stats st = {0};
    struct ls_err err = {0};
    int64_t before = ls_now_ms() - (int64_t)retention_days * DAY_MS;
    if (ls_store_purge(store, before, &st, &err) != LS_OK)
        ls_log(LS_LOG_ERROR, "retention.error", "error=%s", err.msg);
    else if (st.uploads || st.jobs)
        ls_log(LS_LOG_INFO, "retention.purged", "days=%d uploads=%lld jobs=%lld results=%lld",
               retention_days, (long long)st.uploads, (long long)st.jobs, (long long)st.results);
}

static void trim(struct ls_store *store, int64_t max_rows)
{
    int64_t evicted = 0;
    struct ls_err err = {0};
    if (ls_store_cache_trim(store, max_rows, &evicted, &err) != LS_OK)
        ls_log(LS_LOG_ERROR, "cache.trim_error", "error=%s", err.msg);
    else if (evicted)
        ls_log(LS_LOG_INFO, "cache.trimmed", "evicted=%lld max_rows=%lld", (long long)evicted,
               (long long)max_rows);
}

/* Sessions that expired, or whose key was revoked, are refused already; this removes them. */
static void sessions_expire(struct ls_store *store)
{
    int64_t n = 0;
    struct ls_err err = {0};
    if (ls_store_sessions_expire(store, ls_now_ms(), &n, &err) != LS_OK)
        ls_log(LS_LOG_ERROR, "sessions.expire_error", "error=%s", err.msg);
    else if (n)
        ls_log(LS_LOG_INFO, "sessions.expired", "removed=%lld", (long long)n);
}

void ls_housekeeping_round(struct ls_store *store, int retention_days, int64_t cache_max_rows)
{
    sessions_expire(store);
    if (retention_days > 0)
        purge(store, retention_days);
    if (cache_max_rows > 0)
        trim(store, cache_max_rows);
}

/*
 * Gives freed heap back to the system. The I/O threads allocate and free
 * replies of every size from their own malloc arenas, and glibc keeps the
 * free pages between live blocks: under bench/load's mixed load RSS climbed
 * by 16 MB a minute with a trim once a minute, and stayed flat with one every
 * 5 s. malloc_trim(0) costs a few milliseconds on this thread, taking each
 * arena's lock in turn.
 */
static void heap_trim(void)
{
    int64_t t0 = ls_mono_ms();
    struct mallinfo2 a = mallinfo2();
    malloc_trim(0);
    struct mallinfo2 b = mallinfo2();
    ls_log(LS_LOG_DEBUG, "heap.trim",
           "ms=%lld in_use=%zu held_before=%zu held_after=%zu mmapped=%zu",
           (long long)(ls_mono_ms() - t0), a.uordblks, a.arena, b.arena, b.hblkhd);
}

static void *main_loop(void *arg)
{
    struct ls_housekeeping *hk = arg;
    int64_t last_purge = ls_mono_ms(), last_trim = last_purge;
    pthread_mutex_lock(&hk->mu);
    while (!hk->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += HEAP_EVERY_MS / 1000;
        pthread_cond_timedwait(&hk->cv, &hk->mu, &ts);
        if (hk->stop)
            break;
        pthread_mutex_unlock(&hk->mu);
        int64_t now = ls_mono_ms();
        if (now - last_trim >= TRIM_EVERY_MS) {
            if (hk->cache_max_rows > 0)
                trim(hk->store, hk->cache_max_rows);
            sessions_expire(hk->store);
            last_trim = now;
        }
        if (hk->retention_days > 0 && now - last_purge >= PURGE_EVERY_MS) {
            purge(hk->store, hk->retention_days);
            last_purge = now;
        }
        heap_trim();
        pthread_mutex_lock(&hk->mu);
    }
    pthread_mutex_unlock(&hk->mu);
    return NULL;
}

struct ls_housekeeping *ls_housekeeping_start(struct ls_store *store, int retention_days,
                                              int64_t cache_max_rows)
{
    ls_housekeeping_round(store, retention_days, cache_max_rows);
    struct ls_housekeeping *hk = ls_xcalloc(1, sizeof(*hk));
    hk->store = store;
    hk->retention_days = retention_days;
    hk->cache_max_rows = cache_max_rows;
    pthread_mutex_init(&hk->mu, NULL);
    pthread_cond_init(&hk->cv, NULL);
    if (pthread_create(&hk->thread, NULL, main_loop, hk) != 0) {
        ls_log(LS_LOG_ERROR, "housekeeping.error", "error=%s", "cannot start its thread");
        pthread_mutex_destroy(&hk->mu);
        pthread_cond_destroy(&hk->cv);
        free(hk);
        return NULL;
    }
    return hk;
}

void ls_housekeeping_stop(struct ls_housekeeping *hk)
{
    if (hk == NULL)
        return;
    pthread_mutex_lock(&hk->mu);
    hk->stop = true;
    pthread_cond_signal(&hk->cv);
    pthread_mutex_unlock(&hk->mu);
    pthread_join(hk->thread, NULL);
    pthread_mutex_destroy(&hk->mu);
    pthread_cond_destroy(&hk->cv);
    free(hk);
}
