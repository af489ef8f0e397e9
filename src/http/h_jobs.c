/*
 * h_jobs.c - POST /jobs, GET /jobs, GET /jobs/{id}, DELETE /jobs/{id}.
 *
 * Jobs run on the runner's worker thread; these handlers only create, read,
 * cancel and delete them. Cancelling a running job waits (with the
 * connection suspended, no thread held) until the worker has stopped it, so
 * the reply shows the final state.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "search_cache.h"
#include "summary_cache.h"
#include "sys/sys.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000

static int reply_job(struct ls_req *req, unsigned status, int64_t id)
{
    struct ls_job job;
    struct ls_err err = {0};
    if (ls_store_job_get(req->app->store, req->auth.workspace, id, &job, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    char loc[48];
    snprintf(loc, sizeof(loc), "/jobs/%lld", (long long)id);
    const char *headers[] = {"Location", loc, NULL};
    return ls_reply_json_hdr(req, status, ls_view_job(&job, ls_now_ms()),
                             status == LS_HTTP_ACCEPTED ? headers : NULL);
}

/* Reads an optional positive integer field of the body; replies 422 when it is not one. */
static bool body_id(struct ls_req *req, const json_t *body, const char *key, int64_t *out, int *r)
{
    const json_t *v = json_object_get(body, key);
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_integer(v) || json_integer_value(v) <= 0) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%s must be a positive integer", key);
        *r = ls_reply_error(req, LS_HTTP_UNPROCESSABLE_CONTENT, "validation_error", msg,
                            json_pack("{s:s}", "field", key));
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

/* Only the documented fields: a typo must not silently score the wrong thing. */
static bool known_fields(struct ls_req *req, json_t *body, int *r)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        (void)v;
        /* POST /jobs also takes issue #10's dry_run and budget_usd (h_jobs_cost.c). */
        bool cost = strcmp(req->route->pattern, "/jobs") == 0 &&
                    (strcmp(key, "dry_run") == 0 || strcmp(key, "budget_usd") == 0);
        if (!cost && strcmp(key, "offer_id") != 0 && strcmp(key, "upload_id") != 0 &&
            strcmp(key, "mode") != 0) {
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "unknown field \"%.60s\" (the body takes offer_id, upload_id and mode)", key);
            *r = ls_reply_error(req, LS_HTTP_UNPROCESSABLE_CONTENT, "validation_error", msg,
                                json_pack("{s:s}", "field", key));
            return false;
        }
    }
    return true;
}

/* Issue #10: "mode" is "standard" or "batch"; absent or null: LEADSCORE_AI_MODE's. */
static bool body_mode(struct ls_req *req, const json_t *body, char *mode, int *r)
{
    const json_t *v = json_object_get(body, "mode");
    if (v == NULL || json_is_null(v))
        return true;
    const char *s = json_string_value(v);
    if (s == NULL || (strcmp(s, "standard") != 0 && strcmp(s, "batch") != 0)) {
        *r = ls_reply_error(req, LS_HTTP_UNPROCESSABLE_CONTENT, "validation_error",
                            "mode must be \"standard\" or \"batch\"",
                            json_pack("{s:s}", "field", "mode"));
        return false;
    }
    snprintf(mode, LS_JOB_MODE_MAX, "%s", s);
    return true;
}

bool ls_job_inputs(struct ls_req *req, int64_t *offer_id, int64_t *upload_id, char *mode, int *r)
{
    mode[0] = '\0';
    struct ls_err err = {0};
    if (ls_store_current(req->app->store, req->auth.workspace, offer_id, upload_id, NULL, &err) !=
        LS_OK) {
        *r = ls_reply_err(req, &err, NULL);
        return false;
    }
    if (req->body.len == 0)
        return true;
    json_t *body = NULL;
    if (ls_json_parse(req->body.data, req->body.len, &body, &err) != LS_OK) {
        *r = ls_reply_err(req, &err, NULL);
        return false;
    }
    bool ok = json_is_object(body);
    if (!ok)
        *r = ls_reply_error(req, LS_HTTP_UNPROCESSABLE_CONTENT, "validation_error",
                            "the body must be a JSON object {\"offer_id\", \"upload_id\"}", NULL);
    ok = ok && known_fields(req, body, r) && body_id(req, body, "offer_id", offer_id, r) &&
         body_id(req, body, "upload_id", upload_id, r) && body_mode(req, body, mode, r);
    json_decref(body);
    return ok;
}

int ls_h_job_create(struct ls_req *req)
{
    if (ls_req_offloaded(req)) /* resumed: the dry run is done (h_jobs_cost.c) */
        return ls_h_job_estimate_reply(req);
    struct ls_app *app = req->app;
    struct ls_err err = {0};
    int r;
    int64_t offer_id = 0, upload_id = 0;
    char mode[LS_JOB_MODE_MAX];
    if (!ls_job_inputs(req, &offer_id, &upload_id, mode, &r))
        return r;
    if (offer_id == 0 || upload_id == 0)
        return ls_reply_error(req, LS_HTTP_CONFLICT, "conflict",
                              offer_id == 0
                                  ? "no offer yet: POST /offer first, or give offer_id"
                                  : "no leads yet: POST /uploads first, or give upload_id",
                              NULL);
    bool dry_run = false, named = false;
    double budget = 0;
    if (!ls_job_cost_fields(req, &dry_run, &budget, &named, &r))
        return r;
    bool batch =
        app->provider->pace.batch > 0 &&
        (strcmp(mode, "batch") == 0 || (mode[0] == '\0' && ls_runner_batch_default(app->runner)));
    if (batch && named && budget > 0)
        return ls_reply_error(
            req, LS_HTTP_UNPROCESSABLE_CONTENT, "validation_error",
            "budget_usd cannot be kept in batch mode: a batch is billed whole once it is sent. "
            "Use \"mode\": \"standard\" for a budget, or the dry run for the cost",
            json_pack("{s:s}", "field", "budget_usd"));
    if (batch)
        budget = 0; /* LEADSCORE_AI_BUDGET_USD holds for standard jobs */
    if (ls_runner_stopping(app->runner) || atomic_load(&app->stopping))
        return ls_reply_error(req, LS_HTTP_SERVICE_UNAVAILABLE, "shutting_down",
                              "the server is shutting down", NULL);
    if (dry_run) /* issue #10: no job, no model call */
        return ls_h_job_estimate(req, offer_id, upload_id, mode);
    struct ls_job job;
    if (ls_runner_submit_budget(app->runner, req->auth.workspace, offer_id, upload_id,
                                mode[0] ? mode : NULL, budget, &job, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    return reply_job(req, LS_HTTP_ACCEPTED, job.id);
}

static int add_job(void *ud, const struct ls_job *j, struct ls_err *err)
{
    (void)err;
    json_array_append_new(ud, ls_view_job(j, ls_now_ms()));
    return LS_OK;
}

int ls_h_jobs_list(struct ls_req *req)
{
    int r;
    int limit, offset;
    if (!ls_req_page(req, PAGE_DEFAULT, PAGE_MAX, &limit, &offset, &r))
        return r;
    struct ls_err err = {0};
    int64_t total = 0;
    json_t *items = json_array();
    if (ls_store_jobs_list(req->app->store, req->auth.workspace, limit, offset, add_job, items,
                           &total, &err)) {
        json_decref(items);
        return ls_reply_err(req, &err, NULL);
    }
    return ls_reply_json(req, LS_HTTP_OK,
                         json_pack("{s:I, s:o}", "total", (json_int_t)total, "items", items));
}

int ls_h_job_get(struct ls_req *req)
{
    int r;
    int64_t id;
    if (!ls_req_id(req, 0, "job id", &id, &r))
        return r;
    return reply_job(req, LS_HTTP_OK, id);
}

static bool purge_param(struct ls_req *req, bool *purge, int *r)
{
    const char *p = ls_req_query(req, "purge");
    *purge = false;
    if (p == NULL || strcmp(p, "0") == 0)
        return true;
    if (strcmp(p, "1") == 0) {
        *purge = true;
        return true;
    }
    *r = ls_reply_error(req, LS_HTTP_BAD_REQUEST, "invalid", "purge must be 0 or 1",
                        json_pack("{s:s}", "parameter", "purge"));
    return false;
}

int ls_h_job_cancel(struct ls_req *req)
{
    int64_t waited = req->waited_job;
    if (waited) /* resumed: the worker has stopped the job */
        return reply_job(req, LS_HTTP_OK, waited);
    int r;
    int64_t id;
    bool purge;
    if (!purge_param(req, &purge, &r) || !ls_req_id(req, 0, "job id", &id, &r))
        return r;
    struct ls_err err = {0};
    if (purge) {
        /* DELETE /jobs/{id}?purge=1: the job and its results are gone for good. */
        if (ls_store_job_delete(req->app->store, req->auth.workspace, id, false, ls_now_ms(),
                                &err) != LS_OK)
            return ls_reply_err(req, &err, NULL);
        ls_summary_cache_drop(req->app->summaries, id);
        ls_search_cache_drop(req->app->search, id);
        return ls_reply_json(
            req, LS_HTTP_OK,
            json_pack("{s:s, s:I}", "message", "job and results deleted", "id", (json_int_t)id));
    }
    if (ls_runner_cancel(req->app->runner, req->auth.workspace, id, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    return ls_req_wait_job(req, id);
}
