/*
 * offload.c - a request's slow work on a thread of its own (see http.h):
 * the I/O thread that received it serves its other connections meanwhile.
 *
 * The request is suspended first (the thread may finish at once), and the
 * thread resumes it when done; the handler is then called again and takes
 * the result with ls_req_offloaded. The task is shared by the thread and
 * the request (two references), so a client that went away never frees it
 * under the running thread. At most OFFLOAD_MAX run at once (each holds a
 * store connection for seconds; the pool is small). ls_offload_close, when
 * the server stops, refuses new ones, raises the flag the work watches
 * (ls_offload_stop_flag) and waits for every thread to have resumed its
 * request: a resume goes through the I/O thread, which must still exist.
 */
#include "http.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "core/xalloc.h"
#include "sys/log.h"

struct offload {
    struct ls_conn *conn; /* borrowed: alive until resumed */
    void (*run)(void *ud);
    void *ud; /* owned: free_ud */
    void (*free_ud)(void *ud);
    atomic_int refs; /* the thread's and the request's */
    atomic_bool done;
};

#define OFFLOAD_MAX 2

static atomic_int running;
static atomic_bool closed;

static void release(struct offload *o)
{
    if (atomic_fetch_sub(&o->refs, 1) != 1)
        return;
    if (o->free_ud)
        o->free_ud(o->ud);
    free(o);
}

static void cleanup(void *state)
{
    release(state);
}

static void *offload_main(void *arg)
{
    struct offload *o = arg;
    o->run(o->ud);
    atomic_store(&o->done, true);
    ls_conn_resume(o->conn);
    atomic_fetch_sub(&running, 1); /* after the resume: ls_offload_drain waits for it */
    release(o);
    return NULL;
}

int ls_req_offload(struct ls_req *req, void (*run)(void *ud), void *ud, void (*free_ud)(void *ud),
                   struct ls_err *err)
{
    if (atomic_fetch_add(&running, 1) >= OFFLOAD_MAX || atomic_load(&closed)) {
        atomic_fetch_sub(&running, 1);
        if (free_ud)
            free_ud(ud);
        if (atomic_load(&closed))
            return ls_err_set(err, LS_ECANCELLED, "the server is shutting down");
        return ls_err_set(err, LS_EBUSY,
                          "%d dry runs are being computed already; try again in a few seconds",
                          OFFLOAD_MAX);
    }
    struct offload *o = ls_xcalloc(1, sizeof(*o));
    o->conn = req->conn;
    o->run = run;
    o->ud = ud;
    o->free_ud = free_ud;
    atomic_init(&o->refs, 2);
    atomic_init(&o->done, false);
    req->state = o;
    req->cleanup = cleanup;
    ls_conn_suspend(req->conn); /* first: the thread may resume it at once */
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, offload_main, o);
    pthread_attr_destroy(&attr);
    if (rc != 0) { /* no thread to be had: the work here, then the same way back */
        ls_log(LS_LOG_WARN, "http.offload_inline", "req=%s: no thread (%d)", req->id, rc);
        run(ud);
        atomic_store(&o->done, true);
        atomic_fetch_sub(&o->refs, 1);
        ls_conn_resume(req->conn);
        atomic_fetch_sub(&running, 1);
    }
    return LS_OK;
}

void *ls_req_offloaded(const struct ls_req *req)
{
    if (req->cleanup != cleanup)
        return NULL;
    struct offload *o = req->state;
    return atomic_load(&o->done) ? o->ud : NULL;
}

const atomic_bool *ls_offload_stop_flag(void)
{
    return &closed;
}

void ls_offload_open(void)
{
    atomic_store(&closed, false);
}

bool ls_offload_close(void)
{
    atomic_store(&closed, true);
    bool waited = atomic_load(&running) > 0;
    while (atomic_load(&running) > 0) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return waited;
}
