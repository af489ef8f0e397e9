/*
 * h_upload.c - POST /leads/upload and POST /uploads: a CSV as multipart
 * field "file" (curl -F file=@leads.csv) or as the raw body (Content-Type:
 * text/csv). The body is parsed while it arrives - never held whole - and
 * leads go to the store in batches; the upload becomes visible and current
 * only when it is complete. A problem is answered at once (the rest of the
 * body is not read); whatever was stored of a failed upload is deleted.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/decode.h"
#include "core/multipart.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "sys/log.h"
#include "sys/metrics.h"
#include "sys/sys.h"

#define ERRORS_MAX 100

struct upload {
    struct ls_req *req; /* borrowed */
    struct ls_csv_in *csv;
    struct ls_store_upload *up;
    struct ls_multipart *mp;
    bool saw_file;
    bool in_file;         /* the multipart reader is inside the "file" part */
    bool failed;          /* a reply was sent; ignore the rest of the body */
    bool drop_duplicates; /* ?dedupe=drop (issue #9) */
    char filename[256];
    char delimiter;                          /* ?delimiter=, 0 to detect */
    char encoding[LS_ENCODING_NAME_MAX + 1]; /* ?encoding=, "" to detect */
    uint64_t bytes;
    json_t *errors; /* the first ERRORS_MAX rejected rows */
};

static void upload_cleanup(void *state)
{
    struct upload *u = state;
    ls_multipart_free(u->mp);
    ls_csv_in_free(u->csv);
    ls_store_upload_abort(u->up); /* no-op after a commit (up is NULL then) */
    json_decref(u->errors);
    free(u);
}

static void fail(struct upload *u, unsigned status, const char *code, const char *msg,
                 json_t *details)
{
    if (!u->failed) {
        ls_reply_error(u->req, status, code, msg, details);
        ls_metrics_upload(false, 0, 0);
    } else {
        json_decref(details);
    }
    u->failed = true;
    ls_store_upload_abort(u->up); /* REQ-UPLOAD-ABORT: nothing of it stays on disk */
    u->up = NULL;
}

static void fail_err(struct upload *u, const struct ls_err *err)
{
    if (err->code == LS_ELIMIT) {
        fail(u, LS_HTTP_CONTENT_TOO_LARGE, "too_many_rows", err->msg, NULL);
    } else if (err->code == LS_EINVAL) {
        json_t *details = ls_csv_in_details(u->csv);
        bool no_leads = strncmp(err->msg, "no leads found", 14) == 0;
        const char *code = details && json_object_get(details, "ambiguous") ? "ambiguous_columns"
                           : details                                        ? "missing_columns"
                           : no_leads                                       ? "no_leads"
                                                                            : "invalid_csv";
        if (no_leads) {
            /* Every row rejected: say why, row by row (the first ERRORS_MAX). */
            struct ls_csv_stats st;
            ls_csv_in_stats(u->csv, &st);
            details =
                json_pack("{s:I, s:O}", "rejected", (json_int_t)st.rejected, "errors", u->errors);
        }
        fail(u, LS_HTTP_BAD_REQUEST, code, err->msg, details);
    } else {
        ls_reply_err(u->req, err, NULL); /* logs a 5xx with the request id */
        u->failed = true;
        ls_metrics_upload(false, 0, 0);
        ls_store_upload_abort(u->up);
        u->up = NULL;
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
    if (json_array_size(u->errors) < ERRORS_MAX) {
        json_t *e = json_object();
        json_object_set_new(e, "line", json_integer((json_int_t)line));
        json_object_set_new(e, "error", ls_json_text(msg, strlen(msg)));
        json_array_append_new(u->errors, e);
    }
    ls_store_upload_reject(u->up, line, msg, NULL);
}

/* Starts the CSV pipeline once the file name is known. */
static int start(struct upload *u)
{
    struct ls_err err = {0};
    u->up = ls_store_upload_begin(u->req->app->store, u->req->auth.workspace, u->filename, NULL,
                                  ls_now_ms(), &err);
    if (u->up == NULL) {
        fail_err(u, &err);
        return err.code;
    }
    u->up->drop_duplicates = u->drop_duplicates;
    u->csv = ls_csv_in_new(&u->req->app->cfg.csv, on_lead, on_reject, u);
    /* Checked in ls_h_upload_begin already: this cannot fail. */
    if (ls_csv_in_set_dialect(u->csv, u->delimiter, u->encoding, &err) != LS_OK) {
        fail_err(u, &err);
        return err.code;
    }
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

/* A file name as stored and shown: valid UTF-8, no control characters, 255 bytes at most. */
static void set_filename(struct upload *u, const char *name)
{
    struct ls_buf b;
    ls_buf_init(&b, 4 * sizeof(u->filename));
    size_t n = strlen(name);
    if (ls_utf8_valid(name, n))
        ls_buf_add(&b, name, n);
    else
        ls_cp1252_to_utf8(name, n, &b);
    size_t w = 0;
    const char *s = ls_buf_str(&b);
    size_t keep = ls_utf8_clip(s, b.len, sizeof(u->filename) - 1);
    for (size_t i = 0; i < keep; i++)
        u->filename[w++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7F ? '_' : s[i];
    u->filename[w] = '\0';
    ls_buf_release(&b);
}

/* ---- multipart parts --------------------------------------------------------------- */

static int on_part(void *ud, const struct ls_multipart_part *p, struct ls_err *err)
{
    struct upload *u = ud;
    if (strncasecmp(p->content_type, "multipart/", 10) == 0) {
        fail(u, LS_HTTP_BAD_REQUEST, "invalid_multipart",
             "nested multipart bodies are not accepted: send the CSV itself as the \"file\" part",
             NULL);
        return ls_err_set(err, LS_EINVAL, "nested multipart");
    }
    u->in_file = strcmp(p->name, "file") == 0;
    if (!u->in_file)
        return LS_OK; /* other form fields are ignored */
    if (u->saw_file) {
        fail(u, LS_HTTP_BAD_REQUEST, "invalid_multipart",
             "the body has more than one \"file\" part: send one file per upload", NULL);
        return ls_err_set(err, LS_EINVAL, "two files");
    }
    u->saw_file = true;
    set_filename(u, p->filename ? p->filename : "");
    return LS_OK;
}

static int on_part_data(void *ud, const char *data, size_t len, struct ls_err *err)
{
    struct upload *u = ud;
    if (u->in_file)
        feed(u, data, len);
    return u->failed ? ls_err_set(err, LS_EINVAL, "upload failed") : LS_OK;
}

static int on_part_end(void *ud, struct ls_err *err)
{
    (void)err;
    struct upload *u = ud;
    u->in_file = false;
    return LS_OK;
}

/* ---- the reply ------------------------------------------------------------------ */

/*
 * How the file was read (issue #9): delimiter, encoding_confidence,
 * skipped_lines, missing_columns (the scored fields with no column: they read
 * as empty and cost completeness) and warnings (that, and any doubt about the
 * encoding).
 */
static void add_reading(json_t *body, const struct ls_csv_stats *st, bool is_certain)
{
    char delim[2] = {st->delimiter, '\0'};
    json_t *missing = json_array();
    struct ls_buf names;
    ls_buf_init(&names, 256);
    for (int f = 0; f < LS_F_COUNT; f++) {
        if (!(st->missing & (1u << f)))
            continue;
        json_array_append_new(missing, json_string(ls_field_names[f]));
        ls_buf_printf(&names, "%s%s", names.len ? ", " : "", ls_field_names[f]);
    }
    json_t *warnings = json_array();
    if (names.len) {
        char w[320];
        snprintf(w, sizeof(w),
                 "no column for %s: read as empty, so those leads score lower on completeness",
                 ls_buf_str(&names));
        json_array_append_new(warnings, json_string(w));
    }
    if (st->warning[0])
        json_array_append_new(warnings, ls_json_text(st->warning, strlen(st->warning)));
    ls_buf_release(&names);
    json_object_set_new(body, "delimiter", json_string(delim));
    json_object_set_new(body, "encoding_confidence", json_string(is_certain ? "certain" : "guess"));
    json_object_set_new(body, "skipped_lines", json_integer((json_int_t)st->skipped_lines));
    json_object_set_new(body, "missing_columns", missing);
    json_object_set_new(body, "warnings", warnings);
}

/* ---- the route ------------------------------------------------------------------ */

/* ?delimiter= and ?encoding=, checked before any of the body is read; false after a 400. */
static bool dialect_ok(struct upload *u)
{
    struct ls_err err = {0};
    const char *d = ls_req_query(u->req, "delimiter");
    if (d && ls_csv_delimiter_parse(d, &u->delimiter, &err) != LS_OK) {
        fail(u, LS_HTTP_BAD_REQUEST, "invalid", err.msg,
             json_pack("{s:s}", "parameter", "delimiter"));
        return false;
    }
    const char *e = ls_req_query(u->req, "encoding");
    if (e == NULL)
        return true;
    struct ls_decoder *dec = ls_decoder_new(e, &err);
    if (dec == NULL) {
        fail(u, LS_HTTP_BAD_REQUEST, "invalid", err.msg,
             json_pack("{s:s}", "parameter", "encoding"));
        return false;
    }
    ls_decoder_free(dec);
    snprintf(u->encoding, sizeof(u->encoding), "%s", e);
    return true;
}

int ls_h_upload_begin(struct ls_req *req)
{
    struct upload *u = ls_xcalloc(1, sizeof(*u));
    u->req = req;
    u->errors = json_array();
    req->state = u;
    req->cleanup = upload_cleanup;
    struct ls_err err = {0};
    if (!dialect_ok(u))
        return LS_OK;
    const char *dedupe = ls_req_query(req, "dedupe");
    if (dedupe && strcmp(dedupe, "drop") != 0 && strcmp(dedupe, "mark") != 0) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "dedupe must be mark (keep duplicates, marked) or drop (leave them out); got "
                 "\"%.40s\"",
                 dedupe);
        ls_reply_error(req, LS_HTTP_BAD_REQUEST, "invalid", msg,
                       json_pack("{s:s}", "parameter", "dedupe"));
        u->failed = true;
        return LS_OK;
    }
    u->drop_duplicates = dedupe && strcmp(dedupe, "drop") == 0;
    if (ls_req_content_type_is(req, "multipart/form-data")) {
        char boundary[LS_MULTIPART_BOUNDARY_MAX + 1];
        if (ls_multipart_boundary(ls_req_header(req, "Content-Type"), boundary, sizeof(boundary),
                                  &err) != LS_OK) {
            fail(u, LS_HTTP_BAD_REQUEST, "invalid_multipart", err.msg, NULL);
            return LS_OK;
        }
        u->mp = ls_multipart_new(boundary, on_part, on_part_data, on_part_end, u);
        return LS_OK;
    }
    if (ls_req_content_type_is(req, "text/csv") || ls_req_content_type_is(req, "application/csv")) {
        const char *name = ls_req_query(req, "filename");
        set_filename(u, name ? name : "");
        u->saw_file = true;
        return LS_OK;
    }
    const char *ct = ls_req_header(req, "Content-Type");
    char msg[256];
    snprintf(
        msg, sizeof(msg),
        "send the CSV as multipart/form-data field \"file\" or as a text/csv body (got %.100s)",
        ct ? ct : "no Content-Type");
    ls_reply_error(req, LS_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", msg, NULL);
    u->failed = true;
    return LS_OK;
}

int ls_h_upload_chunk(struct ls_req *req, const char *data, size_t len)
{
    struct upload *u = req->state;
    if (u->failed)
        return LS_OK;
    u->bytes += len;
    if (u->bytes > req->app->cfg.max_upload) {
        char msg[128];
        snprintf(msg, sizeof(msg), "the upload is larger than the %zu-byte limit",
                 req->app->cfg.max_upload);
        fail(u, LS_HTTP_CONTENT_TOO_LARGE, "too_large", msg, NULL);
        return LS_OK;
    }
    if (u->mp == NULL) {
        feed(u, data, len);
        return LS_OK;
    }
    struct ls_err err = {0};
    if (ls_multipart_feed(u->mp, data, len, &err) != LS_OK && !u->failed)
        fail(u, LS_HTTP_BAD_REQUEST, "invalid_multipart", err.msg, NULL);
    return LS_OK;
}

int ls_h_upload_end(struct ls_req *req)
{
    struct upload *u = req->state;
    struct ls_err err = {0};
    if (u->failed)
        return LS_OK;
    if (u->mp && ls_multipart_finish(u->mp, &err) != LS_OK) {
        fail(u, LS_HTTP_BAD_REQUEST, "invalid_multipart", err.msg, NULL);
        return LS_OK;
    }
    if (!u->saw_file) {
        fail(u, LS_HTTP_BAD_REQUEST, "missing_file",
             "the multipart body has no field named \"file\" (curl -F file=@leads.csv)", NULL);
        return LS_OK;
    }
    if (u->csv == NULL && start(u) != LS_OK)
        return LS_OK; /* an empty file still gets its "no leads found" below */
    if (ls_csv_in_finish(u->csv, &err) != LS_OK) {
        fail_err(u, &err);
        return LS_OK;
    }
    struct ls_csv_stats st;
    int64_t id = 0;
    ls_csv_in_stats(u->csv, &st);
    struct ls_store_upload *up = u->up;
    u->up = NULL; /* commit frees it, on success and on failure */
    if (ls_store_upload_commit(up, &st, &id, &err) != LS_OK) {
        u->failed = true;
        ls_metrics_upload(false, 0, 0);
        return ls_reply_err(req, &err, NULL);
    }
    /* What was stored: with dedupe=drop, fewer than were accepted (issue #9). */
    struct ls_upload_info info = {.accepted = (int64_t)st.accepted};
    if (ls_store_upload_get(req->app->store, req->auth.workspace, id, &info, &err) != LS_OK)
        info.accepted = (int64_t)st.accepted; /* committed all the same: report what was read */
    ls_upload_info_release(&info);
    st.accepted = (uint64_t)info.accepted;
    ls_metrics_upload(true, st.accepted, st.rejected);
    ls_log(LS_LOG_INFO, "upload.stored", "req=%s upload=%lld accepted=%llu rejected=%llu", req->id,
           (long long)id, (unsigned long long)st.accepted, (unsigned long long)st.rejected);
    char msg[160];
    snprintf(msg, sizeof(msg), "%llu leads stored%s; this is now the current lead set",
             (unsigned long long)st.accepted, st.rejected ? ", some rows rejected" : "");
    json_t *body = json_pack("{s:s, s:I, s:I, s:I, s:O, s:s, s:s}", "message", msg, "upload_id",
                             (json_int_t)id, "count", (json_int_t)st.accepted, "rejected",
                             (json_int_t)st.rejected, "errors", u->errors, "encoding", st.encoding,
                             "filename", u->filename);
    add_reading(body, &st, ls_csv_in_encoding_certain(u->csv));
    json_object_set_new(body, "duplicates", json_integer((json_int_t)info.duplicates));
    char loc[48];
    snprintf(loc, sizeof(loc), "/uploads/%lld", (long long)id);
    const char *headers[] = {"Location", loc, NULL};
    return ls_reply_json_hdr(req, LS_HTTP_CREATED, body, headers);
}
