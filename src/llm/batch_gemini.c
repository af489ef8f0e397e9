/*
 * batch_gemini.c - Gemini's Batch Mode, inline requests.
 *
 *   POST /v1beta/models/{model}:batchGenerateContent
 *        {"batch": {"displayName", "inputConfig": {"requests": {"requests": [
 *            {"request": <GenerateContentRequest>, "metadata": {"key": ...}}, ...]}}}}
 *        -> an Operation {"name": "batches/...", "metadata": {"state", ...}}
 *   GET  /v1beta/batches/{id}   the Operation: metadata {state BATCH_STATE_PENDING |
 *        RUNNING | SUCCEEDED | FAILED | CANCELLED | EXPIRED, batchStats {requestCount,
 *        successfulRequestCount, failedRequestCount, pendingRequestCount} (int64 as
 *        strings), output}, done, response {output {inlinedResponses {inlinedResponses:
 *        [{"response": <GenerateContentResponse>, "metadata": {"key"}} | {"error": Status}]}}}
 *   POST /v1beta/batches/{id}:cancel
 *
 * Inline requests are for batches under 20 MB in all (inline_max); a bigger
 * one goes as a JSONL file ({"key", "request"} per line) through the Files
 * API's resumable upload (POST /upload/v1beta/files with X-Goog-Upload-*
 * start, then upload and finalize at the X-Goog-Upload-URL it returns),
 * named in inputConfig.fileName; its answers come back in
 * output.responsesFile, read from /download/v1beta/{file}:download?alt=media.
 * An answer is mapped by its key; answers come in request order, and one
 * without a key (a reply that did not echo it) takes the key of its
 * position.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_int.h"
#include "core/batch_out.h"
#include "core/jsonx.h"

#define REPLY_MAX (1024 * 1024)

/*
 * The file being built holds one JSONL line per request, the form of an
 * uploaded input file: {"key": K, "request": {...}}. Sent inline, each line
 * becomes {"metadata": {"key": K}, "request": {...}} (keys are [a-z0-9-]:
 * no escaping to undo).
 */
int ls_batch_gemini_add(struct ls_batch_client *c, const char *custom_id,
                        const struct ls_prompt *prompt, struct ls_err *err)
{
    ls_buf_reset(&c->body);
    int rc = ls_buf_adds(&c->body, "{\"key\":");
    if (rc == LS_OK)
        rc = ls_json_cstr(&c->body, custom_id);
    if (rc == LS_OK)
        rc = ls_buf_adds(&c->body, ",\"request\":");
    if (rc == LS_OK)
        rc = ls_provider_http_body(c->provider, prompt, &c->body);
    if (rc == LS_OK)
        rc = ls_buf_adds(&c->body, "}\n");
    if (rc != LS_OK || c->body.len > (size_t)c->cfg.max_bytes)
        return ls_err_set(err, LS_ELIMIT, "one batch request would be over %ld bytes",
                          c->cfg.max_bytes);
    if (c->n_lines > 0 && (c->n_lines + 1 > (size_t)c->cfg.max_requests ||
                           c->file.len + c->body.len > (size_t)c->cfg.max_bytes))
        return LS_BATCH_FULL;
    if (ls_buf_add(&c->file, c->body.data, c->body.len) != LS_OK)
        return ls_err_set(err, LS_ELIMIT, "a batch would be over %ld bytes", c->cfg.max_bytes);
    c->n_lines++;
    return LS_OK;
}

/* The inline requests array's elements, from the JSONL lines. */
static int inline_requests(const struct ls_buf *file, struct ls_buf *out)
{
    static const char key_open[] = "{\"key\":\"", key_close[] = "\",\"request\":";
    const char *p = file->data ? file->data : "", *end = p + file->len;
    int rc = LS_OK;
    bool first = true;
    while (rc == LS_OK && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *k = p + sizeof(key_open) - 1;
        const char *kc = strstr(k, key_close);
        if (le - p < (long)sizeof(key_open) || kc == NULL || kc > le)
            return LS_EINTERNAL;
        rc |= ls_buf_adds(out, first ? "{\"metadata\":{\"key\":\"" : ",{\"metadata\":{\"key\":\"");
        rc |= ls_buf_add(out, k, (size_t)(kc - k));
        rc |= ls_buf_adds(out, "\"},\"request\":");
        const char *body = kc + sizeof(key_close) - 1;
        rc |= ls_buf_add(out, body, (size_t)(le - body));
        first = false;
        p = le + 1;
    }
    return rc;
}

/* The uploaded file's name into b->input_file. */
static int upload_name(const char *s, size_t len, struct ls_batch *b, struct ls_err *err)
{
    return ls_batch_out_gemini_upload(s, len, b->input_file, sizeof(b->input_file), err);
}

/* The Files API's resumable upload: start, then upload and finalize; the file's name. */
static int upload_file(struct ls_batch_client *c, const char *display, struct ls_batch *b,
                       struct ls_err *err)
{
    char url[1400], len_hdr[96];
    struct ls_batch_http r = {0};
    char *meta = NULL;
    snprintf(url, sizeof(url), "%s/upload/v1beta/files", c->base);
    snprintf(len_hdr, sizeof(len_hdr), "X-Goog-Upload-Header-Content-Length: %zu", c->file.len);
    const char *start[] = {"X-Goog-Upload-Protocol: resumable", "X-Goog-Upload-Command: start",
                           len_hdr, "X-Goog-Upload-Header-Content-Type: application/jsonl", NULL};
    json_t *m = json_pack("{s:{s:s}}", "file", "display_name", display);
    meta = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    int rc = ls_batch_http(c, "POST", url, meta, strlen(meta), NULL, start, REPLY_MAX, &r, err);
    if (rc == LS_OK && (r.status < 200 || r.status > 299))
        rc = ls_batch_http_fail(c, &r, "gemini batch: starting the upload", err);
    if (rc == LS_OK && r.upload_url[0] == '\0')
        rc = ls_err_set(err, LS_EUPSTREAM, "gemini batch: the upload start gave no upload URL");
    if (rc)
        goto out;
    char target[sizeof(r.upload_url)];
    snprintf(target, sizeof(target), "%s", r.upload_url);
    ls_buf_release(&r.body);
    const char *put[] = {"X-Goog-Upload-Command: upload, finalize", "X-Goog-Upload-Offset: 0",
                         "Content-Type: application/jsonl", NULL};
    rc = ls_batch_http(c, "POST", target, c->file.data ? c->file.data : "", c->file.len, NULL, put,
                       REPLY_MAX, &r, err);
    if (rc == LS_OK)
        rc = ls_batch_object_reply(c, &r, "gemini batch: uploading the input file", upload_name, b,
                                   err);
    if (rc == LS_OK && b->input_file[0] == '\0')
        rc = ls_err_set(err, LS_EUPSTREAM, "gemini batch: the uploaded file has no name");
out:
    free(meta);
    ls_buf_release(&r.body);
    return rc;
}

int ls_batch_gemini_submit(struct ls_batch_client *c, const char *display, struct ls_batch *b,
                           struct ls_err *err)
{
    char url[1400];
    struct ls_batch_http r = {0};
    struct ls_buf body;
    /* Inline while the requests stay under the inline cap, else an uploaded file. */
    bool as_file = c->file.len + 4096 > (size_t)c->cfg.inline_max;
    int rc = as_file ? upload_file(c, display, b, err) : LS_OK;
    if (rc)
        return rc;
    ls_buf_init(&body, c->file.len * 2 + 8192);
    rc = ls_buf_adds(&body, "{\"batch\":{\"displayName\":");
    rc |= ls_json_cstr(&body, display);
    if (as_file) {
        rc |= ls_buf_adds(&body, ",\"inputConfig\":{\"fileName\":");
        rc |= ls_json_cstr(&body, b->input_file);
        rc |= ls_buf_adds(&body, "}}}");
    } else {
        rc |= ls_buf_adds(&body, ",\"inputConfig\":{\"requests\":{\"requests\":[");
        rc |= inline_requests(&c->file, &body);
        rc |= ls_buf_adds(&body, "]}}}}");
    }
    if (rc != LS_OK) {
        ls_buf_release(&body);
        return ls_err_set(err, LS_ELIMIT, "gemini batch: the request is too large");
    }
    snprintf(url, sizeof(url), "%s/v1beta/models/%s:batchGenerateContent", c->base, c->pc.model);
    rc = ls_batch_http(c, "POST", url, body.data, body.len, NULL, NULL, REPLY_MAX, &r, err);
    if (rc == LS_OK)
        rc = ls_batch_object_reply(c, &r, "gemini batch: creating the batch",
                                   ls_batch_out_gemini_op, b, err);
    if (rc == LS_OK && b->remote_id[0] == '\0')
        rc = ls_err_set(err, LS_EUPSTREAM, "gemini batch: the created batch has no name");
    ls_buf_release(&r.body);
    ls_buf_release(&body);
    return rc;
}

/* GET of the batch (its Operation): out->body (owned; ls_buf_release) holds a 2xx reply. */
static int get(struct ls_batch_client *c, const struct ls_batch *b, size_t cap,
               struct ls_batch_http *out, struct ls_err *err)
{
    char url[1400];
    snprintf(url, sizeof(url), "%s/v1beta/%s", c->base, b->remote_id);
    int rc = ls_batch_http(c, "GET", url, NULL, 0, NULL, NULL, cap, out, err);
    if (rc == LS_OK && (out->status < 200 || out->status > 299))
        rc = ls_batch_http_fail(c, out, "gemini batch: reading the batch", err);
    return rc;
}

#define NOT_OBJECT "gemini batch: reading the batch: the reply is not a JSON object"

int ls_batch_gemini_poll(struct ls_batch_client *c, struct ls_batch *b, bool *ended,
                         struct ls_err *err)
{
    struct ls_batch_http r = {0};
    struct ls_err perr = {0};
    *ended = false;
    int rc = get(c, b, REPLY_MAX * 64, &r, err);
    if (rc == LS_OK && ls_batch_out_gemini_op(ls_buf_str(&r.body), r.body.len, b, &perr) != LS_OK)
        rc = ls_err_set(err, LS_EUPSTREAM, NOT_OBJECT);
    if (rc == LS_OK)
        *ended = ls_batch_out_gemini_ended(b->remote_state);
    ls_buf_release(&r.body);
    return rc;
}

int ls_batch_gemini_cancel(struct ls_batch_client *c, struct ls_batch *b, struct ls_err *err)
{
    char url[1400];
    struct ls_batch_http r = {0};
    snprintf(url, sizeof(url), "%s/v1beta/%s:cancel", c->base, b->remote_id);
    int rc = ls_batch_http(c, "POST", url, NULL, 0, NULL, NULL, REPLY_MAX, &r, err);
    if (rc == LS_OK && (r.status < 200 || r.status > 299))
        rc = ls_batch_http_fail(c, &r, "gemini batch: cancelling the batch", err);
    ls_buf_release(&r.body);
    return rc;
}

/* The responses file of a batch sent as a file: JSONL, one answer per line, in order. */
static int read_responses_file(struct ls_batch_client *c, const char *name, const char *const *keys,
                               size_t n_keys, struct ls_batch_scrub *s, struct ls_err *err)
{
    char url[2100]; /* base (1023) + name (1023, ls_batch_gemini_results) + the path */
    struct ls_batch_http r = {0};
    snprintf(url, sizeof(url), "%s/download/v1beta/%s:download?alt=media", c->base, name);
    int rc =
        ls_batch_http(c, "GET", url, NULL, 0, NULL, NULL, (size_t)c->cfg.max_download, &r, err);
    if (rc == LS_OK && (r.status < 200 || r.status > 299))
        rc = ls_batch_http_fail(c, &r, "gemini batch: downloading results", err);
    if (rc == LS_OK)
        rc = ls_batch_out_gemini_lines(ls_buf_str(&r.body), r.body.len, keys, n_keys,
                                       ls_batch_scrub_and_call, s, err);
    ls_buf_release(&r.body);
    return rc;
}

int ls_batch_gemini_results(struct ls_batch_client *c, const struct ls_batch *b,
                            ls_batch_result_fn cb, void *ud, const char *const *keys, size_t n_keys,
                            struct ls_err *err)
{
    struct ls_batch_http r = {0};
    struct ls_batch_scrub s = {c, cb, ud, false};
    char file[1024];
    int rc = get(c, b, (size_t)c->cfg.max_download, &r, err);
    if (rc == LS_OK) {
        rc = ls_batch_out_gemini_results(ls_buf_str(&r.body), r.body.len, keys, n_keys,
                                         ls_batch_scrub_and_call, &s, file, sizeof(file), err);
        if (rc != LS_OK && !s.has_failed) {
            char why[LS_ERR_MSG_MAX];
            snprintf(why, sizeof(why), "%s", err ? err->msg : "");
            rc = rc == LS_EPARSE ? ls_err_set(err, LS_EUPSTREAM, NOT_OBJECT)
                                 : ls_err_set(err, rc, "gemini batch: reading the batch: %s", why);
        }
    }
    /* The Operation can be large: freed before the responses file comes in. */
    ls_buf_release(&r.body);
    if (rc == LS_OK && file[0])
        rc = read_responses_file(c, file, keys, n_keys, &s, err);
    return rc;
}
