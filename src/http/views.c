/* views.c - JSON views of stored things, and request helpers shared by handlers. */
#include "http.h"

#include <stdio.h>
#include <string.h>

#include "core/query.h"
#include "sys/sys.h"

json_t *ls_view_time(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char t[40];
    ls_format_time(ms, t, sizeof(t));
    return json_string(t);
}

/* The job's "ai" object: how its provider asks; null for none (offline, not started). */
static json_t *view_job_ai(const struct ls_ai_form *f)
{
    if (f->mode[0] == '\0')
        return json_null();
    json_t *o = json_pack("{s:s}", "mode", f->mode);
    if (f->tokens_param[0])
        json_object_set_new(o, "tokens_param", json_string(f->tokens_param));
    if (f->reasoning[0])
        json_object_set_new(o, "reasoning", json_string(f->reasoning));
    if (f->thinking[0])
        json_object_set_new(o, "thinking", json_string(f->thinking));
    return o;
}

/* Issue #10: a batch-mode job's provider batches, as the service last reported them. */
json_t *ls_view_job_batch(const struct ls_job *j)
{
    json_t *ids = json_array();
    const char *p = j->batch.ids;
    while (*p) {
        const char *sp = strchr(p, ' ');
        size_t len = sp ? (size_t)(sp - p) : strlen(p);
        if (len)
            json_array_append_new(ids, ls_json_text(p, len));
        p += len + (sp != NULL);
    }
    return json_pack("{s:s, s:s, s:I, s:o, s:{s:I, s:I, s:I}}", "state",
                     j->batch.state[0] ? j->batch.state : "submitting", "remote_state",
                     j->batch.remote_state, "batches", (json_int_t)j->batch.n_batches, "ids", ids,
                     "requests", "total", (json_int_t)j->batch.total, "completed",
                     (json_int_t)j->batch.completed, "failed", (json_int_t)j->batch.failed);
}

json_t *ls_view_job(const struct ls_job *j, int64_t now_ms)
{
    const struct ls_job_counts *n = &j->n;
    int64_t end = j->finished_ms ? j->finished_ms : now_ms;
    bool running = j->status == LS_JOB_RUNNING;
    /* Never negative: the start and the end may come from two machines' clocks. */
    json_t *elapsed =
        j->started_ms ? json_integer(end > j->started_ms ? end - j->started_ms : 0) : json_null();
    json_t *eta = json_null();
    if (running && n->done > 0 && n->done < j->total && j->started_ms) {
        /* The rate so far (cache hits included) applied to what is left. */
        double per_lead = (double)(end - j->started_ms) / (double)n->done;
        json_decref(eta);
        eta = json_integer((json_int_t)(per_lead * (double)(j->total - n->done)));
    } else if (running && n->done >= j->total) {
        json_decref(eta);
        eta = json_integer(0);
    }
    json_t *o = json_pack(
        "{s:I, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I}, s:{s:I, s:I, s:I},"
        " s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
        "id", (json_int_t)j->id, "status", ls_job_status_name(j->status), "offer_id",
        j->offer_id ? json_integer((json_int_t)j->offer_id) : json_null(), "upload_id",
        (json_int_t)j->upload_id, "total", (json_int_t)j->total, "done", (json_int_t)n->done,
        "failed", (json_int_t)n->failed, "fallbacks", (json_int_t)n->fallbacks, "cache_hits",
        (json_int_t)n->cache_hits, "model_calls", (json_int_t)n->model_calls, "retries",
        (json_int_t)n->retries, "tokens", "prompt", (json_int_t)n->prompt_tokens, "output",
        (json_int_t)n->output_tokens, "counts", "High", (json_int_t)n->intents[LS_INTENT_HIGH],
        "Medium", (json_int_t)n->intents[LS_INTENT_MEDIUM], "Low",
        (json_int_t)n->intents[LS_INTENT_LOW], "provider", j->provider, "model", j->model,
        "created_at", ls_view_time(j->created_ms), "started_at", ls_view_time(j->started_ms),
        "finished_at", ls_view_time(j->finished_ms), "elapsed_ms", elapsed, "eta_ms", eta);
    if (o)
        ls_view_job_cost(o, j);
    if (o && j->error[0])
        json_object_set_new(o, "error", ls_json_text(j->error, strlen(j->error)));
    if (o)
        json_object_set_new(o, "mode",
                            json_string(strcmp(j->mode, "batch") == 0 ? "batch" : "standard"));
    if (o && j->batch.n_batches)
        json_object_set_new(o, "batch", ls_view_job_batch(j));
    if (o && j->results_deleted_ms)
        json_object_set_new(o, "results_deleted_at", ls_view_time(j->results_deleted_ms));
    if (o) {
        json_object_set_new(o, "blocked", json_integer((json_int_t)n->blocked));
        json_object_set_new(o, "ai", view_job_ai(&j->ai));
    }
    return o;
}

/* Issue #10: what the job's answers used and cost, its budget and why it stopped. */
void ls_view_job_cost(json_t *o, const struct ls_job *j)
{
    json_t *tokens = json_object_get(o, "tokens");
    json_object_set_new(tokens, "cached", json_integer((json_int_t)j->n.cached_tokens));
    json_object_set_new(tokens, "thought", json_integer((json_int_t)j->n.thought_tokens));
    json_object_set_new(o, "cost_usd",
                        j->n.has_cost ? json_real(j->n.cost_usd < 0 ? 0 : j->n.cost_usd)
                                      : json_null());
    json_object_set_new(o, "budget_usd",
                        j->budget_usd > 0 ? json_real(j->budget_usd) : json_null());
    if (j->status == LS_JOB_STOPPED && j->stop_reason[0])
        json_object_set_new(o, "stop_reason", json_string(j->stop_reason));
    if (j->warning[0])
        json_object_set_new(o, "warning", ls_json_text(j->warning, strlen(j->warning)));
}

bool ls_req_id(struct ls_req *req, int i, const char *what, int64_t *id, int *r)
{
    long long v;
    if (ls_id_parse(req->param[i], &v)) {
        *id = v;
        return true;
    }
    char msg[200];
    snprintf(msg, sizeof(msg), "%s must be a positive integer (got \"%.40s\")", what,
             req->param[i]);
    *r = ls_reply_error(req, LS_HTTP_BAD_REQUEST, "invalid", msg, NULL);
    return false;
}

bool ls_req_page(struct ls_req *req, int dflt, int max, int *limit, int *offset, int *r)
{
    struct ls_err err = {0};
    if (ls_page_parse(ls_req_query(req, "limit"), ls_req_query(req, "offset"), dflt, max, limit,
                      offset, &err) == LS_OK)
        return true;
    *r = ls_reply_err(req, &err, NULL);
    return false;
}
