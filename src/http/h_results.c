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

#define CHUNK    (64 * 1024)
#define PAGE_MAX (64 * 1024 * 1024) /* 10,000 results are a few MB */

struct stream {
    struct ls_export *exp;
    struct ls_buf buf;
    size_t pos;
    bool done;
    char req_id[17];
};

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct stream *s = cls;
    while (s->pos == s->buf.len) {
        if (s->done)
            return MHD_CONTENT_READER_END_OF_STREAM;
        ls_buf_reset(&s->buf);
        s->pos = 0;
        struct ls_err err = {0};
        int rc = ls_export_next(s->exp, &s->buf, &err);
        if (rc < 0) {
            ls_log(LS_LOG_ERROR, "results.error", "req=%s error=%s", s->req_id, err.msg);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (rc == 0)
            s->done = true;
    }
    size_t n = s->buf.len - s->pos;
    if (n > max)
        n = max;
    memcpy(out, s->buf.data + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *s = cls;
    ls_export_free(s->exp);
    ls_buf_release(&s->buf);
    free(s);
}

static void job_headers(struct MHD_Response *resp, const struct ls_job *job)
{
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)job->id);
    MHD_add_response_header(resp, "X-Job-Id", id);
    MHD_add_response_header(resp, "X-Job-Status", ls_job_status_name(job->status));
}

/* The latest job, or a 409 reply when nothing has been scored yet. */
static bool latest_job(struct ls_req *req, struct ls_job *job, enum MHD_Result *r)
{
    struct ls_err err = {0};
    int64_t job_id = 0;
    if (ls_store_current(req->app->store, NULL, NULL, &job_id, &err) != LS_OK) {
        *r = ls_reply_err(req, &err, NULL);
        return false;
    }
    if (job_id == 0) {
        *r = ls_reply_error(req, MHD_HTTP_CONFLICT, "conflict",
                            "nothing has been scored yet: POST /score first", NULL);
        return false;
    }
    if (ls_store_job_get(req->app->store, job_id, job, &err) != LS_OK) {
        *r = ls_reply_err(req, &err, NULL);
        return false;
    }
    return true;
}

/* The job named by the path, or a 400/404 reply. */
static bool path_job(struct ls_req *req, struct ls_job *job, enum MHD_Result *r)
{
    int64_t id;
    if (!ls_req_id(req, 0, "job id", &id, r))
        return false;
    struct ls_err err = {0};
    if (ls_store_job_get(req->app->store, id, job, &err) != LS_OK) {
        *r = ls_reply_err(req, &err, NULL);
        return false;
    }
    return true;
}

static bool parse_query(struct ls_req *req, struct ls_results_query *q, enum MHD_Result *r)
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

struct page {
    struct ls_buf out;
    size_t n;
};

static int add_result(void *ud, const struct ls_result *res, struct ls_err *err)
{
    (void)err;
    struct page *p = ud;
    return ls_export_json_item(&p->out, p->n++, res);
}

static enum MHD_Result results_page(struct ls_req *req, const struct ls_job *job)
{
    enum MHD_Result r;
    struct ls_results_query q;
    if (!parse_query(req, &q, &r))
        return r;
    struct page p = {0};
    struct ls_err err = {0};
    int64_t total = 0;
    ls_buf_init(&p.out, PAGE_MAX);
    ls_buf_addc(&p.out, '[');
    if (ls_store_results_query(req->app->store, job, &q, add_result, &p, &total, &err) != LS_OK) {
        ls_buf_release(&p.out);
        return ls_reply_err(req, &err, NULL);
    }
    ls_export_json_close(&p.out, p.n);
    size_t len;
    char *body = ls_buf_steal(&p.out, &len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    char t[24];
    snprintf(t, sizeof(t), "%lld", (long long)total);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, "X-Total-Count", t);
    job_headers(resp, job);
    return ls_reply_response(req, MHD_HTTP_OK, resp);
}

/* Streams every matching result; CSV unless ?format=jsonl. */
static enum MHD_Result send_export(struct ls_req *req, const struct ls_job *job)
{
    enum MHD_Result r;
    enum ls_export_format format = LS_EXPORT_CSV;
    const char *f = ls_req_query(req, "format");
    if (f && strcmp(f, "csv") == 0) {
        format = LS_EXPORT_CSV;
    } else if (f && strcmp(f, "jsonl") == 0) {
        format = LS_EXPORT_JSONL;
    } else if (f) {
        char msg[120];
        snprintf(msg, sizeof(msg), "format must be csv or jsonl (got \"%.40s\")", f);
        return ls_reply_error(req, MHD_HTTP_BAD_REQUEST, "invalid", msg, NULL);
    }
    struct ls_results_query q;
    if (!parse_query(req, &q, &r))
        return r;
    struct stream *s = ls_xcalloc(1, sizeof(*s));
    s->exp = ls_export_new(req->app->store, job, &q, format);
    ls_buf_init(&s->buf, SIZE_MAX);
    memcpy(s->req_id, req->id, sizeof(s->req_id));
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, CHUNK, reader, s, stream_free);
    if (format == LS_EXPORT_CSV) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/csv; charset=utf-8");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
                                "attachment; filename=lead_scores.csv");
    } else {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
                                "attachment; filename=lead_scores.jsonl");
    }
    job_headers(resp, job);
    return ls_reply_response(req, MHD_HTTP_OK, resp);
}

enum MHD_Result ls_h_results(struct ls_req *req)
{
    struct ls_job job;
    enum MHD_Result r;
    return latest_job(req, &job, &r) ? results_page(req, &job) : r;
}

enum MHD_Result ls_h_results_export(struct ls_req *req)
{
    struct ls_job job;
    enum MHD_Result r;
    return latest_job(req, &job, &r) ? send_export(req, &job) : r;
}

enum MHD_Result ls_h_job_results(struct ls_req *req)
{
    struct ls_job job;
    enum MHD_Result r;
    return path_job(req, &job, &r) ? results_page(req, &job) : r;
}

enum MHD_Result ls_h_job_results_export(struct ls_req *req)
{
    struct ls_job job;
    enum MHD_Result r;
    return path_job(req, &job, &r) ? send_export(req, &job) : r;
}
