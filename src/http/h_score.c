/*
 * h_score.c - POST /score: score the current leads against the current offer.
 *
 * The job runs on the worker thread. By default the reply waits for it: the
 * connection is suspended (no HTTP thread is held) and resumed by the
 * runner's completion callback. With "Prefer: respond-async" the reply is 202
 * at once, with the job's Location.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/log.h"

static json_t *counts_json(const struct ls_job *job)
{
    return json_pack("{s:I, s:I, s:I}", "High", (json_int_t)job->n.intents[LS_INTENT_HIGH],
                     "Medium", (json_int_t)job->n.intents[LS_INTENT_MEDIUM], "Low",
                     (json_int_t)job->n.intents[LS_INTENT_LOW]);
}

/* The job's statistics as the reply and the CLI summary show them. */
static json_t *stats_json(const struct ls_job *job)
{
    const struct ls_job_counts *n = &job->n;
    return json_pack("{s:I, s:I, s:I, s:I, s:{s:I, s:I}, s:I}", "fallbacks",
                     (json_int_t)n->fallbacks, "cache_hits", (json_int_t)n->cache_hits,
                     "model_calls", (json_int_t)n->model_calls, "retries", (json_int_t)n->retries,
                     "tokens", "prompt", (json_int_t)n->prompt_tokens, "output",
                     (json_int_t)n->output_tokens, "blocked", (json_int_t)n->blocked);
}

/*
 * The job stopped because the store filled up or could not be written: that
 * is the store's 507/503 storage_unavailable, not the model's 502. The
 * results stored until then are kept (GET /jobs/{id} shows how many).
 */
static int storage_failed(struct ls_req *req, const struct ls_job *job)
{
    unsigned status = ls_http_status_for(job->error_code);
    /* REQ-HTTP-5XX: the cause goes to the log with the request id. */
    ls_log(LS_LOG_ERROR, "http.error", "req=%s status=%u code=%s job=%lld error=%s", req->id,
           status, ls_status_name(job->error_code), (long long)job->id, job->error);
    char msg[300];
    snprintf(msg, sizeof(msg), "scoring stopped: %s; the %lld leads scored until then are kept",
             job->error_code == LS_ENOSPACE
                 ? "the database is full (disk space or LEADSCORE_DB_MAX_MB)"
                 : "the database cannot be written right now",
             (long long)job->n.done);
    return ls_reply_error(
        req, status, ls_status_name(job->error_code), msg,
        json_pack("{s:I, s:I}", "job_id", (json_int_t)job->id, "scored", (json_int_t)job->n.done));
}

static int finished(struct ls_req *req, int64_t job_id)
{
    struct ls_job job;
    struct ls_err err = {0};
    if (ls_store_job_get(req->app->store, req->auth.workspace, job_id, &job, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    char msg[300];
    switch (job.status) {
    case LS_JOB_SUCCEEDED: {
        snprintf(msg, sizeof(msg), "scored %lld leads", (long long)job.n.done);
        json_t *body = json_pack("{s:s, s:I, s:I, s:o, s:s, s:s}", "message", msg, "job_id",
                                 (json_int_t)job.id, "scored", (json_int_t)job.n.done, "counts",
                                 counts_json(&job), "provider", job.provider, "model", job.model);
        json_object_update_new(body, stats_json(&job));
        return ls_reply_json(req, LS_HTTP_OK, body);
    }
    case LS_JOB_FAILED:
        if (job.error_code == LS_ENOSPACE || job.error_code == LS_EUNAVAILABLE)
            return storage_failed(req, &job);
        snprintf(msg, sizeof(msg), "scoring failed: %.250s", job.error);
        return ls_reply_error(req, LS_HTTP_BAD_GATEWAY, "scoring_failed", msg,
                              json_pack("{s:I, s:I}", "job_id", (json_int_t)job.id, "scored",
                                        (json_int_t)job.n.done));
    case LS_JOB_CANCELLED:
        snprintf(msg, sizeof(msg), "job %lld was cancelled after %lld leads", (long long)job.id,
                 (long long)job.n.done);
        return ls_reply_error(req, LS_HTTP_CONFLICT, "cancelled", msg,
                              json_pack("{s:I}", "job_id", (json_int_t)job.id));
    case LS_JOB_STOPPED:
        snprintf(msg, sizeof(msg),
                 "job %lld stopped at its budget after %lld leads; POST /jobs/%lld/resume with "
                 "a higher budget_usd to go on",
                 (long long)job.id, (long long)job.n.done, (long long)job.id);
        return ls_reply_error(req, LS_HTTP_CONFLICT, "conflict", msg,
                              json_pack("{s:I}", "job_id", (json_int_t)job.id));
    case LS_JOB_QUEUED:
    case LS_JOB_RUNNING:
        break;
    }
    snprintf(msg, sizeof(msg),
             "the server is shutting down; job %lld is saved and resumes when it restarts",
             (long long)job.id);
    return ls_reply_error(req, LS_HTTP_SERVICE_UNAVAILABLE, "shutting_down", msg,
                          json_pack("{s:I}", "job_id", (json_int_t)job.id));
}

int ls_h_score(struct ls_req *req)
{
    struct ls_app *app = req->app;
    int64_t waited = req->waited_job;
    if (waited) /* resumed: the job is done (or the server is stopping) */
        return finished(req, waited);

    struct ls_err err = {0};
    int r;
    int64_t offer_id = 0, upload_id = 0;
    char mode[LS_JOB_MODE_MAX];
    if (!ls_job_inputs(req, &offer_id, &upload_id, mode, &r))
        return r;
    if (offer_id == 0 || upload_id == 0) {
        const char *msg = offer_id == 0 && upload_id == 0
                              ? "nothing to score yet: POST /offer and POST /leads/upload first"
                          : offer_id == 0 ? "no offer yet: POST /offer first"
                                          : "no leads yet: POST /leads/upload first";
        return ls_reply_error(req, LS_HTTP_CONFLICT, "conflict", msg, NULL);
    }
    if (ls_runner_stopping(app->runner) || atomic_load(&app->stopping))
        return ls_reply_error(req, LS_HTTP_SERVICE_UNAVAILABLE, "shutting_down",
                              "the server is shutting down", NULL);
    struct ls_job job;
    if (ls_runner_submit(app->runner, req->auth.workspace, offer_id, upload_id,
                         mode[0] ? mode : NULL, &job, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);

    const char *prefer = ls_req_header(req, "Prefer");
    if (prefer && strstr(prefer, "respond-async")) {
        char loc[64];
        snprintf(loc, sizeof(loc), "/jobs/%lld", (long long)job.id);
        json_t *body =
            json_pack("{s:s, s:I, s:s, s:I}", "message", "scoring started", "job_id",
                      (json_int_t)job.id, "status", "queued", "total", (json_int_t)job.total);
        const char *headers[] = {"Location", loc, "Preference-Applied", "respond-async", NULL};
        return ls_reply_json_hdr(req, LS_HTTP_ACCEPTED, body, headers);
    }

    return ls_req_wait_job(req, job.id);
}
