/*
 * h_upload.c - POST /leads/upload: a CSV as multipart field "file" (curl -F
 * file=@leads.csv) or as the raw body (Content-Type: text/csv). The body is
 * parsed while it arrives - never held whole - and leads go to the store in
 * batches; the upload becomes visible and current only when it is complete.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sys/log.h"
#include "sys/sys.h"

#define PP_BUFFER  (64 * 1024)
#define ERRORS_MAX 100

struct upload {
    struct ls_req *req; /* borrowed */
    struct ls_csv_in *csv;
    struct ls_store_upload *up;
    struct MHD_PostProcessor *pp;
    bool saw_file;
    bool failed; /* a reply is deferred; ignore the rest of the body */
    char filename[256];
    uint64_t bytes;
    json_t *errors; /* the first ERRORS_MAX rejected rows */
};

static void upload_cleanup(void *state)
{
    struct upload *u = state;
    if (u->pp)
        MHD_destroy_post_processor(u->pp);
    ls_csv_in_free(u->csv);
    ls_store_upload_abort(u->up); /* no-op after a commit (up is NULL then) */
    json_decref(u->errors);
    free(u);
}

static void fail(struct upload *u, unsigned status, const char *code, const char *msg,
                 json_t *details)
{
    if (!u->failed)
        ls_reply_defer_error(u->req, status, code, msg, details);
    else
        json_decref(details);
    u->failed = true;
    ls_store_upload_abort(u->up);
    u->up = NULL;
}

static void fail_err(struct upload *u, const struct ls_err *err)
{
    if (err->code == LS_ELIMIT) {
        fail(u, MHD_HTTP_CONTENT_TOO_LARGE, "too_many_rows", err->msg, NULL);
    } else if (err->code == LS_EINVAL) {
        json_t *details = ls_csv_in_details(u->csv);
        const char *code = details                                        ? "missing_columns"
                           : strncmp(err->msg, "no leads found", 14) == 0 ? "no_leads"
                                                                          : "invalid_csv";
        fail(u, MHD_HTTP_BAD_REQUEST, code, err->msg, details);
    } else {
        ls_log(LS_LOG_ERROR, "upload.error", "req=%s error=%s", u->req->id, err->msg);
        fail(u, ls_http_status_for(err->code), ls_status_name(err->code),
             "internal error; see the server log", NULL);
    }
}

static int on_lead(void *ud, const struct ls_lead *lead, uint64_t line, struct ls_err *err)
{
    struct upload *u = ud;
    return ls_store_upload_add(u->up, lead, line, err);
}

static void on_reject(void *ud, uint64_t line, const char *msg)
{
    struct upload *u = ud;
    if (json_array_size(u->errors) < ERRORS_MAX)
        json_array_append_new(u->errors,
                              json_pack("{s:I, s:s}", "line", (json_int_t)line, "error", msg));
    ls_store_upload_reject(u->up, line, msg, NULL);
}

/* Starts the CSV pipeline once the file name is known. */
static int start(struct upload *u)
{
    struct ls_err err = {0};
    u->up = ls_store_upload_begin(u->req->app->store, u->filename, NULL, ls_now_ms(), &err);
    if (u->up == NULL) {
        fail_err(u, &err);
        return err.code;
    }
    u->csv = ls_csv_in_new(&u->req->app->cfg.csv, on_lead, on_reject, u);
    return LS_OK;
}

static void feed(struct upload *u, const char *data, size_t len)
{
    if (u->failed)
        return;
    if (u->csv == NULL && start(u) != LS_OK)
        return;
    struct ls_err err = {0};
    if (ls_csv_in_feed(u->csv, data, len, &err) != LS_OK)
        fail_err(u, &err);
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    (void)off;
    struct upload *u = cls;
    if (key == NULL || strcmp(key, "file") != 0)
        return MHD_YES; /* other form fields are ignored */
    if (!u->saw_file) {
        u->saw_file = true;
        snprintf(u->filename, sizeof(u->filename), "%s", filename ? filename : "");
    }
    if (size)
        feed(u, data, size);
    return u->failed ? MHD_NO : MHD_YES;
}

int ls_h_upload_begin(struct ls_req *req)
{
    struct ls_app *app = req->app;
    struct upload *u = ls_xcalloc(1, sizeof(*u));
    u->req = req;
    u->errors = json_array();
    req->state = u;
    req->cleanup = upload_cleanup;

    int64_t cl = ls_req_content_length(req);
    if (cl > (int64_t)app->cfg.max_upload) {
        char msg[128];
        snprintf(msg, sizeof(msg), "upload is larger than the %zu-byte limit", app->cfg.max_upload);
        ls_reply_error(req, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", msg, NULL);
        return LS_OK;
    }
    if (ls_req_content_type_is(req, "multipart/form-data")) {
        u->pp = MHD_create_post_processor(req->conn, PP_BUFFER, on_part, u);
        if (u->pp == NULL) {
            ls_reply_error(req, MHD_HTTP_BAD_REQUEST, "invalid_multipart",
                           "multipart/form-data body without a boundary", NULL);
        }
        return LS_OK;
    }
    if (ls_req_content_type_is(req, "text/csv") || ls_req_content_type_is(req, "application/csv")) {
        const char *name = ls_req_query(req, "filename");
        snprintf(u->filename, sizeof(u->filename), "%s", name ? name : "");
        u->saw_file = true;
        return LS_OK;
    }
    const char *ct = ls_req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    char msg[256];
    snprintf(msg, sizeof(msg),
             "send the CSV as multipart/form-data field \"file\" or as a text/csv body (got %s)",
             ct ? ct : "no Content-Type");
    ls_reply_error(req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", msg, NULL);
    return LS_OK;
}

int ls_h_upload_chunk(struct ls_req *req, const char *data, size_t len)
{
    struct upload *u = req->state;
    u->bytes += len;
    if (u->bytes > req->app->cfg.max_upload) {
        char msg[128];
        snprintf(msg, sizeof(msg), "upload is larger than the %zu-byte limit",
                 req->app->cfg.max_upload);
        fail(u, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", msg, NULL);
        return LS_OK;
    }
    if (u->pp) {
        if (MHD_post_process(u->pp, data, len) != MHD_YES && !u->failed)
            fail(u, MHD_HTTP_BAD_REQUEST, "invalid_multipart", "malformed multipart/form-data body",
                 NULL);
    } else {
        feed(u, data, len);
    }
    return LS_OK;
}

enum MHD_Result ls_h_upload_end(struct ls_req *req)
{
    struct upload *u = req->state;
    struct ls_err err = {0};
    if (u->pp) {
        MHD_destroy_post_processor(u->pp); /* flushes the last part */
        u->pp = NULL;
    }
    if (!u->failed && !u->saw_file)
        fail(u, MHD_HTTP_BAD_REQUEST, "missing_file",
             "the multipart body has no field named \"file\" (curl -F file=@leads.csv)", NULL);
    if (!u->failed && u->csv == NULL)
        start(u); /* an empty file still gets its "no leads found" */
    if (!u->failed && ls_csv_in_finish(u->csv, &err) != LS_OK)
        fail_err(u, &err);
    if (u->failed)
        return ls_reply_deferred(req);

    struct ls_csv_stats st;
    int64_t id = 0;
    ls_csv_in_stats(u->csv, &st);
    struct ls_store_upload *up = u->up;
    u->up = NULL; /* commit frees it, on success and on failure */
    if (ls_store_upload_commit(up, &st, &id, &err) != LS_OK) {
        ls_log(LS_LOG_ERROR, "upload.error", "req=%s error=%s", req->id, err.msg);
        return ls_reply_err(req, &err, NULL);
    }
    ls_log(LS_LOG_INFO, "upload.stored", "req=%s upload=%lld accepted=%llu rejected=%llu", req->id,
           (long long)id, (unsigned long long)st.accepted, (unsigned long long)st.rejected);
    char msg[160];
    snprintf(msg, sizeof(msg), "%llu leads stored%s; this is now the current lead set",
             (unsigned long long)st.accepted, st.rejected ? ", some rows rejected" : "");
    json_t *body = json_pack("{s:s, s:I, s:I, s:I, s:O, s:s, s:s}", "message", msg, "upload_id",
                             (json_int_t)id, "count", (json_int_t)st.accepted, "rejected",
                             (json_int_t)st.rejected, "errors", u->errors, "encoding",
                             st.is_cp1252 ? "windows-1252" : "utf-8", "filename", u->filename);
    return ls_reply_json(req, MHD_HTTP_CREATED, body);
}
