/*
 * h_events.c - GET /jobs/{id}/events: a job's progress as Server-Sent Events
 * (text/event-stream), for a dashboard's EventSource or curl -N.
 *
 * The stream is a streamed reply (ls_resp_body_stream) that answers
 * LS_STREAM_WAIT between events, so no thread waits: the I/O thread asks it
 * again after STREAM_WAIT_MS (server.c, 200 ms), and each ask reads the job
 * row once. The store, not the runner, is the source: the runner publishes
 * progress there with each stored batch, and a job may be run by another
 * process on the same database.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "core/xalloc.h"
#include "sys/sys.h"

/*
 * An unchanged job is sent again once this long has passed, so that a
 * client sees elapsed_ms and eta_ms move at least once a second: the stream
 * is asked every 200-310 ms (the wait plus the I/O thread's 100 ms tick),
 * so the gap stays below 650 + 310 ms.
 */
#define EVENTS_HEARTBEAT_MS 650
#define EVENTS_RETRY_MS     2000 /* how long an EventSource waits before reconnecting */

struct events {
    struct ls_app *app; /* borrowed: outlives every request */
    int64_t workspace, job_id;
    struct ls_auth_cred cred; /* checked again before each event: a sign-out ends the stream */
    struct ls_job last;       /* the job as last sent */
    uint64_t seq;             /* the id: of the last event */
    int64_t sent_ms;          /* monotonic time of the last job event */
    bool started;
};

/* What a client watches: a difference here is progress (elapsed and ETA follow from it). */
static bool job_moved(const struct ls_job *a, const struct ls_job *b)
{
    return a->status != b->status || a->total != b->total ||
           memcmp(&a->n, &b->n, sizeof(a->n)) != 0 || a->started_ms != b->started_ms ||
           a->finished_ms != b->finished_ms || a->results_deleted_ms != b->results_deleted_ms ||
           a->offer_id != b->offer_id || strcmp(a->error, b->error) != 0;
}

/* One "job" event: the same JSON object GET /jobs/{id} answers, on one line. */
static int add_job_event(struct events *ev, const struct ls_job *job, struct ls_buf *out,
                         struct ls_err *err)
{
    json_t *view = ls_view_job(job, ls_now_ms());
    char *text = view ? json_dumps(view, JSON_COMPACT) : NULL;
    json_decref(view);
    if (text == NULL)
        return ls_err_set(err, LS_EINTERNAL, "cannot encode job %lld as JSON", (long long)job->id);
    /* JSON_COMPACT escapes every control character inside strings: the data is one line. */
    ev->seq++;
    ls_buf_printf(out, "event: job\nid: %llu\ndata: %s\n\n", (unsigned long long)ev->seq, text);
    free(text);
    ev->last = *job;
    ev->sent_ms = ls_mono_ms();
    return LS_OK;
}

static int events_next(void *ud, struct ls_buf *out, struct ls_err *err)
{
    struct events *ev = ud;
    struct ls_job job;
    if (!ev->started) {
        /* The handler read the job already (to answer 404 before any stream): no second read. */
        ev->started = true;
        ls_buf_printf(out, "retry: %d\n\n", EVENTS_RETRY_MS);
        job = ev->last;
    } else {
        /* Shutting down: end without an end event, so an EventSource reconnects (after
         * retry) to the next server, where the job resumes. */
        if (atomic_load(&ev->app->stopping))
            return LS_STREAM_END;
        /* Signed out, key revoked, session expired: no more events, and an end event
         * that tells the page so (an EventSource would otherwise reconnect, to a 401). */
        if (!ls_auth_cred_valid(ev->app, &ev->cred)) {
            ls_buf_printf(out, "event: end\ndata: {\"status\":\"unauthorized\"}\n\n");
            return LS_STREAM_END;
        }
        int rc = ls_store_job_get(ev->app->store, ev->workspace, ev->job_id, &job, err);
        if (rc != LS_OK)
            return rc; /* cut off: the client sees a broken stream and reconnects */
        bool final = ls_job_status_at_rest(job.status);
        if (!final && !job_moved(&job, &ev->last) &&
            ls_mono_ms() - ev->sent_ms < EVENTS_HEARTBEAT_MS)
            return LS_STREAM_WAIT;
    }
    int rc = add_job_event(ev, &job, out, err);
    if (rc != LS_OK)
        return rc;
    if (!ls_job_status_at_rest(job.status)) /* a stopped job ends the stream too */
        return LS_STREAM_WAIT;
    ls_buf_printf(out, "event: end\ndata: {\"status\":\"%s\"}\n\n", ls_job_status_name(job.status));
    return LS_STREAM_END;
}

static void events_free(void *ud)
{
    free(ud);
}

int ls_h_job_events(struct ls_req *req)
{
    int r;
    int64_t id;
    if (!ls_req_id(req, 0, "job id", &id, &r))
        return r;
    struct events *ev = ls_xcalloc(1, sizeof(*ev));
    ev->app = req->app;
    ev->workspace = req->auth.workspace;
    ev->job_id = id;
    ls_auth_cred_of(req, &ev->cred);
    struct ls_err err = {0};
    /* Another workspace's job is not found either: 404 before the stream starts. */
    if (ls_store_job_get(req->app->store, ev->workspace, id, &ev->last, &err) != LS_OK) {
        free(ev);
        return ls_reply_err(req, &err, NULL);
    }
    struct ls_resp *resp = ls_resp_new(LS_HTTP_OK);
    ls_resp_header(resp, "Cache-Control", "no-cache");
    /* nginx buffers proxied replies by default, which would hold events back. */
    ls_resp_header(resp, "X-Accel-Buffering", "no");
    ls_resp_body_stream(resp, "text/event-stream", events_next, ev, events_free);
    ls_resp_live(resp);
    return ls_reply(req, resp);
}
