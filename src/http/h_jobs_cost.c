/*
 * h_jobs_cost.c - issue #10 on the jobs resource: POST /jobs with
 * "dry_run": true (the estimate, no job), "budget_usd" on a new job, and
 * POST /jobs/{id}/resume for a job stopped at its budget.
 */
#include "http.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/xalloc.h"
#include "jobs/estimate.h"
#include "sys/sys.h"

static int field_error(struct ls_req *req, unsigned status, const char *field, const char *msg)
{
    return ls_reply_error(req, status,
                          status == LS_HTTP_BAD_REQUEST ? "invalid" : "validation_error", msg,
                          json_pack("{s:s}", "field", field));
}

/* A budget the provider can keep: a positive number of dollars, and a known price. */
static bool budget_value(struct ls_req *req, const json_t *v, unsigned status, double *out, int *r)
{
    if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) <= 0 ||
        json_number_value(v) > 1e9) {
        *r = field_error(req, status, "budget_usd",
                         "budget_usd must be a number of US dollars above 0");
        return false;
    }
    if (!req->app->provider->priced) {
        char msg[300];
        snprintf(msg, sizeof(msg),
                 "budget_usd needs the price of %s model %.100s, which is unknown: set "
                 "LEADSCORE_AI_PRICE_IN and LEADSCORE_AI_PRICE_OUT",
                 req->app->provider->name, req->app->provider->model);
        *r = field_error(req, status, "budget_usd", msg);
        return false;
    }
    *out = json_number_value(v);
    return true;
}

bool ls_job_cost_fields(struct ls_req *req, bool *dry_run, double *budget_usd, bool *named, int *r)
{
    *dry_run = false;
    *named = false;
    *budget_usd = req->app->provider->priced ? req->app->provider->default_budget_usd : 0;
    if (req->body.len == 0)
        return true;
    json_t *body = NULL;
    struct ls_err err = {0};
    if (ls_json_parse(req->body.data, req->body.len, &body, &err) != LS_OK) {
        *r = ls_reply_err(req, &err, NULL); /* ls_job_inputs has read it already */
        return false;
    }
    bool ok = true;
    const json_t *v = json_object_get(body, "dry_run");
    if (v && !json_is_null(v)) {
        if (!json_is_boolean(v)) {
            *r = field_error(req, LS_HTTP_UNPROCESSABLE_CONTENT, "dry_run",
                             "dry_run must be true or false");
            ok = false;
        }
        *dry_run = json_is_true(v);
    }
    v = json_object_get(body, "budget_usd");
    if (ok && v && !json_is_null(v)) {
        ok = budget_value(req, v, LS_HTTP_UNPROCESSABLE_CONTENT, budget_usd, r);
        *named = true;
    }
    json_decref(body);
    return ok;
}

static json_t *price_json(const struct ls_provider *p, bool batch)
{
    const struct ls_price_rates *r = batch ? &p->batch_rates : &p->rates;
    if (!p->priced || (batch && !p->batch_priced))
        return json_null();
    return json_pack("{s:f, s:f, s:f}", "input", r->in, "cached_input", r->cached, "output",
                     r->out);
}

/* A dry run, computed off the I/O thread: it reads every lead of the upload (about 10 s for
 * 1,000,000) and builds their request bodies. */
struct estimate_task {
    struct ls_store *store; /* borrowed */
    struct ls_provider *p;  /* borrowed */
    int64_t ws, offer_id, upload_id;
    bool batch;
    struct ls_job_estimate e;
    struct ls_err err;
    int rc;
};

static void estimate_run(void *ud)
{
    struct estimate_task *t = ud;
    t->rc = ls_job_estimate(t->store, t->p, t->ws, t->offer_id, t->upload_id, t->batch,
                            ls_offload_stop_flag(), &t->e, &t->err);
}

int ls_h_job_estimate(struct ls_req *req, int64_t offer_id, int64_t upload_id, const char *mode)
{
    struct ls_provider *p = req->app->provider;
    struct estimate_task *t = ls_xcalloc(1, sizeof(*t));
    t->store = req->app->store;
    t->p = p;
    t->ws = req->auth.workspace;
    t->offer_id = offer_id;
    t->upload_id = upload_id;
    /* A batch-mode job (named, or LEADSCORE_AI_MODE's default) at the batch APIs' rates. */
    t->batch =
        p->pace.batch > 0 && (strcmp(mode, "batch") == 0 ||
                              (mode[0] == '\0' && ls_runner_batch_default(req->app->runner)));
    struct ls_err err = {0};
    if (ls_req_offload(req, estimate_run, t, free, &err) == LS_OK)
        return LS_OK; /* suspended: ls_h_job_estimate_reply answers */
    if (err.code == LS_ECANCELLED)
        return ls_reply_error(req, LS_HTTP_SERVICE_UNAVAILABLE, "shutting_down", err.msg, NULL);
    return ls_reply_err(req, &err, NULL); /* LS_EBUSY: 429 with Retry-After */
}

int ls_h_job_estimate_reply(struct ls_req *req)
{
    const struct estimate_task *t = ls_req_offloaded(req);
    struct ls_provider *p = req->app->provider;
    if (t->rc == LS_ECANCELLED)
        return ls_reply_error(req, LS_HTTP_SERVICE_UNAVAILABLE, "shutting_down",
                              "the server is shutting down", NULL);
    if (t->rc != LS_OK) {
        struct ls_err err = t->err;
        return ls_reply_err(req, &err, NULL);
    }
    const struct ls_job_estimate *e = &t->e;
    bool batch = t->batch;
    json_t *est = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I}, s:o, s:o, s:I}", "provider",
        p->name, "model", p->model, "tier", batch ? "batch" : ls_price_tier_name(p->tier), "leads",
        (json_int_t)e->leads, "duplicates", (json_int_t)e->duplicates, "cache_hits",
        (json_int_t)e->cache_hits, "to_send", (json_int_t)e->to_send, "requests",
        (json_int_t)e->requests, "tokens", "input", (json_int_t)e->input_tokens, "output",
        (json_int_t)e->output_tokens, "cost_usd", e->priced ? json_real(e->cost_usd) : json_null(),
        "price_per_1m", price_json(p, batch), "wall_ms", (json_int_t)e->wall_ms);
    if (est && !e->priced)
        json_object_set_new(est, "price_unknown",
                            json_string("no price is known for this model: set "
                                        "LEADSCORE_AI_PRICE_IN and LEADSCORE_AI_PRICE_OUT"));
    return ls_reply_json(req, LS_HTTP_OK,
                         json_pack("{s:o, s:I, s:I}", "estimate", est, "offer_id",
                                   (json_int_t)t->offer_id, "upload_id", (json_int_t)t->upload_id));
}

int ls_h_job_resume(struct ls_req *req)
{
    int r;
    int64_t id;
    if (!ls_req_id(req, 0, "job id", &id, &r))
        return r;
    struct ls_err err = {0};
    struct ls_job job;
    if (ls_store_job_get(req->app->store, req->auth.workspace, id, &job, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    if (job.status != LS_JOB_STOPPED) {
        char msg[120];
        snprintf(msg, sizeof(msg), "job %lld is %s, not stopped", (long long)id,
                 ls_job_status_name(job.status));
        return ls_reply_error(req, LS_HTTP_CONFLICT, "conflict", msg, NULL);
    }
    double budget = job.budget_usd;
    if (req->body.len) {
        json_t *body = NULL;
        if (ls_json_parse(req->body.data, req->body.len, &body, &err) != LS_OK)
            return ls_reply_err(req, &err, NULL);
        const char *key;
        json_t *v;
        bool ok = json_is_object(body);
        if (!ok)
            r = field_error(req, LS_HTTP_BAD_REQUEST, "budget_usd",
                            "the body must be a JSON object {\"budget_usd\"}");
        json_object_foreach(ok ? body : NULL, key, v)
        {
            if (strcmp(key, "budget_usd") != 0) {
                char msg[160];
                snprintf(msg, sizeof(msg), "unknown field \"%.60s\" (the body takes budget_usd)",
                         key);
                r = field_error(req, LS_HTTP_BAD_REQUEST, key, msg);
                ok = false;
                break;
            }
            if (!json_is_null(v))
                ok = budget_value(req, v, LS_HTTP_BAD_REQUEST, &budget, &r);
        }
        json_decref(body);
        if (!ok)
            return r;
    }
    if (budget > 0 && budget <= job.n.cost_usd) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "budget_usd must be above the %.6f USD job %lld has spent already", job.n.cost_usd,
                 (long long)id);
        return field_error(req, LS_HTTP_BAD_REQUEST, "budget_usd", msg);
    }
    if (ls_store_job_resume(req->app->store, req->auth.workspace, id, budget, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    /* Read before the runner is woken: the reply shows the job as this call left it
     * (queued), not whatever a worker has made of it a moment later. */
    int rc = ls_store_job_get(req->app->store, req->auth.workspace, id, &job, &err);
    ls_runner_wake(req->app->runner);
    if (rc != LS_OK)
        return ls_reply_err(req, &err, NULL);
    return ls_reply_json(req, LS_HTTP_OK, ls_view_job(&job, ls_now_ms()));
}
