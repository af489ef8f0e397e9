/*
 * h_jobs.c - POST /jobs, GET /jobs, GET /jobs/{id}, DELETE /jobs/{id}.
 *
 * Jobs run on the runner's worker thread; these handlers only create, read
 * and cancel them. Cancelling a running job waits (with the connection
 * suspended, no thread held) until the worker has stopped it, so the reply
 * shows the final state.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "sys/sys.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000

static enum MHD_Result reply_job(struct ls_req *req, unsigned status, int64_t id)
{
    struct ls_job job;
    struct ls_err err = {0};
    if (ls_store_job_get(req->app->store, id, &job, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    char loc[48];
    snprintf(loc, sizeof(loc), "/jobs/%lld", (long long)id);
    const char *headers[] = {MHD_HTTP_HEADER_LOCATION, loc, NULL};
    return ls_reply_json_hdr(req, status, ls_view_job(&job, ls_now_ms()),
                             status == MHD_HTTP_ACCEPTED ? headers : NULL);
}

/* Reads an optional positive integer field of the body; replies 422 when it is not one. */
static bool body_id(struct ls_req *req, const json_t *body, const char *key, int64_t *out,
                    enum MHD_Result *r)
{
    const json_t *v = json_object_get(body, key);
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_integer(v) || json_integer_value(v) <= 0) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%s must be a positive integer", key);
        *r = ls_reply_error(req, MHD_HTTP_UNPROCESSABLE_CONTENT, "validation_error", msg, NULL);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

enum MHD_Result ls_h_job_create(struct ls_req *req)
{
    struct ls_app *app = req->app;
    struct ls_err err = {0};
    enum MHD_Result r;
    int64_t offer_id = 0, upload_id = 0;
    if (ls_store_current(app->store, &offer_id, &upload_id, NULL, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    if (req->body.len) {
        if (!ls_req_content_type_is(req, "application/json"))
            return ls_reply_error(req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                                  "Content-Type must be application/json", NULL);
        json_t *body = NULL;
        if (ls_json_parse(req->body.data, req->body.len, &body, &err) != LS_OK)
            return ls_reply_err(req, &err, NULL);
        bool ok = json_is_object(body);
        if (!ok)
            r = ls_reply_error(req, MHD_HTTP_UNPROCESSABLE_CONTENT, "validation_error",
                               "the body must be a JSON object {\"offer_id\", \"upload_id\"}",
                               NULL);
        ok = ok && body_id(req, body, "offer_id", &offer_id, &r) &&
             body_id(req, body, "upload_id", &upload_id, &r);
        json_decref(body);
        if (!ok)
            return r;
    }
    if (offer_id == 0 || upload_id == 0)
        return ls_reply_error(req, MHD_HTTP_CONFLICT, "conflict",
                              offer_id == 0
                                  ? "no offer yet: POST /offer first, or give offer_id"
                                  : "no leads yet: POST /uploads first, or give upload_id",
                              NULL);
    struct ls_offer offer = {0};
    struct ls_upload_info up;
    int rc = ls_store_offer_get(app->store, offer_id, &offer, &err);
    ls_offer_release(&offer); /* only its existence matters here */
    if (rc == LS_OK)
        rc = ls_store_upload_get(app->store, upload_id, &up, &err);
    if (rc != LS_OK)
        return ls_reply_err(req, &err, NULL);
    if (ls_runner_stopping(app->runner))
        return ls_reply_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting_down",
                              "the server is shutting down", NULL);
    struct ls_job job;
    if (ls_runner_submit(app->runner, offer_id, upload_id, &job, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    return reply_job(req, MHD_HTTP_ACCEPTED, job.id);
}

static int add_job(void *ud, const struct ls_job *j, struct ls_err *err)
{
    (void)err;
    json_array_append_new(ud, ls_view_job(j, ls_now_ms()));
    return LS_OK;
}

enum MHD_Result ls_h_jobs_list(struct ls_req *req)
{
    enum MHD_Result r;
    int limit, offset;
    if (!ls_req_page(req, PAGE_DEFAULT, PAGE_MAX, &limit, &offset, &r))
        return r;
    struct ls_err err = {0};
    int64_t total = 0;
    json_t *items = json_array();
    if (ls_store_jobs_list(req->app->store, limit, offset, add_job, items, &total, &err)) {
        json_decref(items);
        return ls_reply_err(req, &err, NULL);
    }
    return ls_reply_json(req, MHD_HTTP_OK,
                         json_pack("{s:I, s:o}", "total", (json_int_t)total, "items", items));
}

enum MHD_Result ls_h_job_get(struct ls_req *req)
{
    enum MHD_Result r;
    int64_t id;
    if (!ls_req_id(req, 0, "job id", &id, &r))
        return r;
    return reply_job(req, MHD_HTTP_OK, id);
}

enum MHD_Result ls_h_job_cancel(struct ls_req *req)
{
    int64_t waited = ls_req_waited_job(req);
    if (waited) /* resumed: the worker has stopped the job */
        return reply_job(req, MHD_HTTP_OK, waited);
    enum MHD_Result r;
    int64_t id;
    if (!ls_req_id(req, 0, "job id", &id, &r))
        return r;
    struct ls_err err = {0};
    if (ls_runner_cancel(req->app->runner, id, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    return ls_req_wait_job(req, id);
}
