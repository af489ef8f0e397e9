/*
 * h_results.c - results: GET /results and GET /jobs/{id}/results (a filtered,
 * sorted page as a JSON array, the total in X-Total-Count), and their exports
 * (every matching row as CSV or JSON lines, streamed from the store by key in
 * constant memory).
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/query.h"
#include "core/xalloc.h"
#include "jobs/export.h"
#include "sys/log.h"
#include "sys/sys.h"

#define PAGE_MAX (64 * 1024 * 1024) /* 10,000 results are a few MB */

/* ---- the job named by the request ------------------------------------------------- */

/* The latest job of the workspace, or a 409 reply when nothing has been scored yet. */
static bool latest_job(struct ls_req *req, struct ls_job *job, int *r)
{
    struct ls_err err = {0};
    int64_t ws = req->auth.workspace, job_id = 0;
    if (ls_store_current(req->app->store, ws, NULL, NULL, &job_id, &err) != LS_OK) {
        *r = ls_reply_err(req, &err, NULL);
        return false;
    }
    if (job_id == 0) {
        *r = ls_reply_error(req, LS_HTTP_CONFLICT, "conflict",
                            "nothing has been scored yet: POST /score first", NULL);
        return false;
    }
    if (ls_store_job_get(req->app->store, ws, job_id, job, &err) != LS_OK) {
        *r = ls_reply_err(req, &err, NULL);
        return false;
    }
    return true;
}

/* The job named by the path, or a 400/404 reply. */
static bool path_job(struct ls_req *req, struct ls_job *job, int *r)
{
    int64_t id;
    if (!ls_req_id(req, 0, "job id", &id, r))
        return false;
    struct ls_err err = {0};
    if (ls_store_job_get(req->app->store, req->auth.workspace, id, job, &err) != LS_OK) {
        *r = ls_reply_err(req, &err, NULL);
        return false;
    }
    return true;
}

static bool parse_query(struct ls_req *req, struct ls_results_query *q, int *r)
{
    struct ls_query_args a = {
        .intent = ls_req_query(req, "intent"),
        .min_score = ls_req_query(req, "min_score"),
        .max_score = ls_req_query(req, "max_score"),
        .q = ls_req_query(req, "q"),
        .sort = ls_req_query(req, "sort"),
        .limit = ls_req_query(req, "limit"),
        .offset = ls_req_query(req, "offset"),
    };
    struct ls_err err = {0};
    if (ls_results_query_parse(&a, q, &err) == LS_OK)
        return true;
    *r = ls_reply_err(req, &err, NULL);
    return false;
}

static void job_headers(struct ls_resp *resp, const struct ls_job *job)
{
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)job->id);
    ls_resp_header(resp, "X-Job-Id", id);
    ls_resp_header(resp, "X-Job-Status", ls_job_status_name(job->status));
}

/* ---- a page of results -------------------------------------------------------------- */

struct page {
    struct ls_buf out;
    size_t n;
};

static int add_result(void *ud, const struct ls_result *res, struct ls_err *err)
{
    struct page *p = ud;
    if (ls_export_json_item(&p->out, p->n++, res) != LS_OK)
        return ls_err_set(err, LS_ELIMIT, "the page is larger than %d bytes", PAGE_MAX);
    return LS_OK;
}

static int results_page(struct ls_req *req, const struct ls_job *job,
                        const struct ls_results_query *q)
{
    struct page p = {0};
    struct ls_err err = {0};
    int64_t total = 0;
    ls_buf_init(&p.out, PAGE_MAX);
    ls_buf_addc(&p.out, '[');
    if (ls_store_results_query(req->app->store, job, q, add_result, &p, &total, &err) != LS_OK ||
        ls_export_json_close(&p.out, p.n) != LS_OK) {
        ls_buf_release(&p.out);
        if (err.code == LS_OK)
            ls_err_set(&err, LS_ELIMIT, "the page is larger than %d bytes", PAGE_MAX);
        return ls_reply_err(req, &err, NULL);
    }
    size_t len;
    char *body = ls_buf_steal(&p.out, &len);
    struct ls_resp *resp = ls_resp_new(LS_HTTP_OK);
    char t[24];
    snprintf(t, sizeof(t), "%lld", (long long)total);
    ls_resp_header(resp, "X-Total-Count", t);
    job_headers(resp, job);
    ls_resp_body_take(resp, "application/json", body, len);
    return ls_reply(req, resp);
}

/* ---- exports -------------------------------------------------------------------------- */

struct stream {
    struct ls_export *exp;
};

static int export_next(void *ud, struct ls_buf *out, struct ls_err *err)
{
    struct stream *s = ud;
    int rc = ls_export_next(s->exp, out, err);
    if (rc < 0)
        return rc;
    return rc == 0 ? LS_STREAM_END : LS_STREAM_MORE;
}

static void stream_free(void *ud)
{
    struct stream *s = ud;
    ls_export_free(s->exp);
    free(s);
}

/* Streams every matching result; CSV unless ?format=jsonl. */
static int send_export(struct ls_req *req, const struct ls_job *job,
                       const struct ls_results_query *q, enum ls_export_format format)
{
    struct stream *s = ls_xcalloc(1, sizeof(*s));
    s->exp = ls_export_new(req->app->store, job, q, format);
    struct ls_resp *resp = ls_resp_new(LS_HTTP_OK);
    bool csv = format == LS_EXPORT_CSV;
    ls_resp_header(resp, "Content-Disposition",
                   csv ? "attachment; filename=lead_scores.csv"
                       : "attachment; filename=lead_scores.jsonl");
    job_headers(resp, job);
    ls_resp_body_stream(resp, csv ? "text/csv; charset=utf-8" : "application/x-ndjson", export_next,
                        s, stream_free);
    return ls_reply(req, resp);
}

static bool export_format(struct ls_req *req, enum ls_export_format *format, int *r)
{
    const char *f = ls_req_query(req, "format");
    if (f == NULL || strcmp(f, "csv") == 0) {
        *format = LS_EXPORT_CSV;
    } else if (strcmp(f, "jsonl") == 0) {
        *format = LS_EXPORT_JSONL;
    } else {
        char msg[120];
        snprintf(msg, sizeof(msg), "format must be csv or jsonl (got \"%.40s\")", f);
        *r = ls_reply_error(req, LS_HTTP_BAD_REQUEST, "invalid", msg, NULL);
        return false;
    }
    return true;
}

/* ---- routes (parameters are checked before anything is looked up) ---------------------- */

int ls_h_results(struct ls_req *req)
{
    struct ls_job job;
    struct ls_results_query q;
    int r;
    if (!parse_query(req, &q, &r) || !latest_job(req, &job, &r))
        return r;
    return results_page(req, &job, &q);
}

int ls_h_job_results(struct ls_req *req)
{
    struct ls_job job;
    struct ls_results_query q;
    int r;
    if (!parse_query(req, &q, &r) || !path_job(req, &job, &r))
        return r;
    return results_page(req, &job, &q);
}

int ls_h_results_export(struct ls_req *req)
{
    struct ls_job job;
    struct ls_results_query q;
    enum ls_export_format f;
    int r;
    if (!export_format(req, &f, &r) || !parse_query(req, &q, &r) || !latest_job(req, &job, &r))
        return r;
    return send_export(req, &job, &q, f);
}

int ls_h_job_results_export(struct ls_req *req)
{
    struct ls_job job;
    struct ls_results_query q;
    enum ls_export_format f;
    int r;
    if (!export_format(req, &f, &r) || !parse_query(req, &q, &r) || !path_job(req, &job, &r))
        return r;
    return send_export(req, &job, &q, f);
}

int ls_h_job_results_delete(struct ls_req *req)
{
    struct ls_job job;
    int r;
    if (!path_job(req, &job, &r))
        return r;
    struct ls_err err = {0};
    if (ls_store_job_delete(req->app->store, req->auth.workspace, job.id, true, ls_now_ms(),
                            &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    if (ls_store_job_get(req->app->store, req->auth.workspace, job.id, &job, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    return ls_reply_json(req, LS_HTTP_OK, ls_view_job(&job, ls_now_ms()));
}
