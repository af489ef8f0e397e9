/*
 * batch_openai.c - OpenAI's Batch API.
 *
 *   POST /v1/files            multipart: purpose=batch, file=<JSONL>; each line
 *                             {"custom_id", "method": "POST",
 *                              "url": "/v1/chat/completions", "body": {...}}
 *   POST /v1/batches          {"input_file_id", "endpoint": "/v1/chat/completions",
 *                              "completion_window": "24h", "metadata"}
 *   GET  /v1/batches/{id}     status (validating, in_progress, finalizing,
 *                             completed, failed, expired, cancelling, cancelled),
 *                             request_counts {total, completed, failed},
 *                             output_file_id, error_file_id
 *   GET  /v1/files/{id}/content  output lines {"id", "custom_id",
 *                             "response": {"status_code", "request_id", "body"},
 *                             "error"}
 *   POST /v1/batches/{id}/cancel
 *
 * The paths hang off the configured base URL, which holds the /v1; the
 * "url" inside each line is the documented absolute one. An input file
 * holds at most 50,000 requests and 200 MB; the client's limits can be set
 * lower (and are, in tests).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_int.h"
#include "core/batch_out.h"
#include "core/jsonx.h"

#define REPLY_MAX (1024 * 1024) /* a batch object or file object */

int ls_batch_openai_add(struct ls_batch_client *c, const char *custom_id,
                        const struct ls_prompt *prompt, struct ls_err *err)
{
    ls_buf_reset(&c->body);
    int rc = ls_buf_adds(&c->body, "{\"custom_id\":");
    if (rc == LS_OK)
        rc = ls_json_cstr(&c->body, custom_id);
    if (rc == LS_OK)
        rc = ls_buf_adds(&c->body,
                         ",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":");
    if (rc == LS_OK)
        rc = ls_provider_http_body(c->provider, prompt, &c->body);
    if (rc == LS_OK)
        rc = ls_buf_adds(&c->body, "}\n");
    if (rc != LS_OK || c->body.len > (size_t)c->cfg.max_bytes)
        return ls_err_set(err, LS_ELIMIT, "one batch request would be over %ld bytes",
                          c->cfg.max_bytes);
    if (c->n_lines > 0 && (c->n_lines + 1 > (size_t)c->cfg.max_requests ||
                           c->file.len + c->body.len > (size_t)c->cfg.max_bytes))
        return LS_BATCH_FULL; /* the caller submits this file and starts the next */
    if (ls_buf_add(&c->file, c->body.data, c->body.len) != LS_OK)
        return ls_err_set(err, LS_ELIMIT, "a batch file would be over %ld bytes", c->cfg.max_bytes);
    c->n_lines++;
    return LS_OK;
}

/* The uploaded file object's id into b->input_file. */
static int upload_id(const char *s, size_t len, struct ls_batch *b, struct ls_err *err)
{
    return ls_batch_out_openai_upload(s, len, b->input_file, sizeof(b->input_file), err);
}

int ls_batch_openai_submit(struct ls_batch_client *c, const char *display, struct ls_batch *b,
                           struct ls_err *err)
{
    char url[1200];
    struct ls_batch_http r = {0};
    char *body = NULL;
    int rc = LS_OK;
    curl_mime *mime = curl_mime_init(NULL);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "purpose");
    curl_mime_data(part, "batch", CURL_ZERO_TERMINATED);
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "file");
    curl_mime_data(part, c->file.data ? c->file.data : "", c->file.len);
    curl_mime_filename(part, "leadscore-batch.jsonl");
    curl_mime_type(part, "application/jsonl");
    snprintf(url, sizeof(url), "%s/files", c->base);
    rc = ls_batch_http(c, "POST", url, NULL, 0, mime, NULL, REPLY_MAX, &r, err);
    if (rc == LS_OK)
        rc = ls_batch_object_reply(c, &r, "openai batch: uploading the input file", upload_id, b,
                                   err);
    if (rc)
        goto out;
    if (b->input_file[0] == '\0') {
        rc = ls_err_set(err, LS_EUPSTREAM, "openai batch: the uploaded file has no id");
        goto out;
    }
    ls_buf_release(&r.body);
    json_t *req = json_pack("{s:s, s:s, s:s, s:{s:s}}", "input_file_id", b->input_file, "endpoint",
                            "/v1/chat/completions", "completion_window", "24h", "metadata",
                            "leadscore", display);
    body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    snprintf(url, sizeof(url), "%s/batches", c->base);
    rc = ls_batch_http(c, "POST", url, body, strlen(body), NULL, NULL, REPLY_MAX, &r, err);
    if (rc == LS_OK)
        rc = ls_batch_object_reply(c, &r, "openai batch: creating the batch",
                                   ls_batch_out_openai_object, b, err);
    if (rc)
        goto out;
    if (b->remote_id[0] == '\0')
        rc = ls_err_set(err, LS_EUPSTREAM, "openai batch: the created batch has no id");
out:
    free(body);
    ls_buf_release(&r.body);
    curl_mime_free(mime);
    return rc;
}

int ls_batch_openai_poll(struct ls_batch_client *c, struct ls_batch *b, bool *ended,
                         struct ls_err *err)
{
    char url[1400];
    struct ls_batch_http r = {0};
    *ended = false;
    snprintf(url, sizeof(url), "%s/batches/%s", c->base, b->remote_id);
    int rc = ls_batch_http(c, "GET", url, NULL, 0, NULL, NULL, REPLY_MAX, &r, err);
    if (rc == LS_OK)
        rc = ls_batch_object_reply(c, &r, "openai batch: reading the batch",
                                   ls_batch_out_openai_object, b, err);
    if (rc == LS_OK)
        *ended = ls_batch_out_openai_ended(b->remote_state);
    ls_buf_release(&r.body);
    return rc;
}

int ls_batch_openai_cancel(struct ls_batch_client *c, struct ls_batch *b, struct ls_err *err)
{
    char url[1400];
    struct ls_batch_http r = {0};
    snprintf(url, sizeof(url), "%s/batches/%s/cancel", c->base, b->remote_id);
    int rc = ls_batch_http(c, "POST", url, NULL, 0, NULL, NULL, REPLY_MAX, &r, err);
    if (rc == LS_OK)
        rc = ls_batch_object_reply(c, &r, "openai batch: cancelling the batch",
                                   ls_batch_out_openai_object, b, err);
    ls_buf_release(&r.body);
    return rc;
}

static int read_file(struct ls_batch_client *c, const char *file_id, ls_batch_result_fn cb,
                     void *ud, struct ls_err *err)
{
    char url[1400];
    struct ls_batch_http r = {0};
    snprintf(url, sizeof(url), "%s/files/%s/content", c->base, file_id);
    int rc =
        ls_batch_http(c, "GET", url, NULL, 0, NULL, NULL, (size_t)c->cfg.max_download, &r, err);
    if (rc == LS_OK && (r.status < 200 || r.status > 299))
        rc = ls_batch_http_fail(c, &r, "openai batch: downloading results", err);
    struct ls_batch_scrub s = {c, cb, ud, false};
    if (rc == LS_OK)
        rc = ls_batch_out_openai_lines(ls_buf_str(&r.body), r.body.len, ls_batch_scrub_and_call, &s,
                                       err);
    ls_buf_release(&r.body);
    return rc;
}

int ls_batch_openai_results(struct ls_batch_client *c, const struct ls_batch *b,
                            ls_batch_result_fn cb, void *ud, struct ls_err *err)
{
    int rc = LS_OK;
    if (b->output_file[0])
        rc = read_file(c, b->output_file, cb, ud, err);
    if (rc == LS_OK && b->error_file[0])
        rc = read_file(c, b->error_file, cb, ud, err);
    return rc;
}
