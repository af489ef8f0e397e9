/*
 * h_results.c - GET /results (JSON array) and GET /results/export (CSV) for
 * the latest job, streamed from the store in constant memory.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "jobs/export.h"
#include "sys/log.h"

#define CHUNK (64 * 1024)

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
            ls_log(LS_LOG_ERROR, "results.error", "req=%s error=\"%s\"", s->req_id, err.msg);
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

static enum MHD_Result stream_results(struct ls_req *req, const struct ls_job *job,
                                      enum ls_export_format format)
{
    struct stream *s = ls_xcalloc(1, sizeof(*s));
    s->exp = ls_export_new(req->app->store, job, format);
    ls_buf_init(&s->buf, SIZE_MAX);
    memcpy(s->req_id, req->id, sizeof(s->req_id));
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, CHUNK, reader, s, stream_free);
    if (format == LS_EXPORT_CSV) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/csv; charset=utf-8");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
                                "attachment; filename=lead_scores.csv");
    } else {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    }
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)job->id);
    MHD_add_response_header(resp, "X-Job-Id", id);
    MHD_add_response_header(resp, "X-Job-Status", ls_job_status_name(job->status));
    return ls_reply_response(req, MHD_HTTP_OK, resp);
}

enum MHD_Result ls_h_results(struct ls_req *req)
{
    struct ls_job job;
    enum MHD_Result r;
    if (!latest_job(req, &job, &r))
        return r;
    return stream_results(req, &job, LS_EXPORT_JSON);
}

enum MHD_Result ls_h_results_export(struct ls_req *req)
{
    struct ls_job job;
    enum MHD_Result r;
    if (!latest_job(req, &job, &r))
        return r;
    return stream_results(req, &job, LS_EXPORT_CSV);
}
