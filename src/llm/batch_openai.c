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
#include "core/jsonx.h"
#include "core/scrub.h"

#define REPLY_MAX (1024 * 1024) /* a batch object or file object */

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

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

/* Reads a JSON object reply into *out (owned), or fails with the service's message. */
static int object_reply(struct ls_batch_client *c, struct ls_batch_http *r, const char *what,
                        json_t **out, struct ls_err *err)
{
    if (r->status < 200 || r->status > 299)
        return ls_batch_http_fail(c, r, what, err);
    json_t *j = NULL;
    struct ls_err perr = {0};
    if (ls_json_parse(ls_buf_str(&r->body), r->body.len, &j, &perr) != LS_OK ||
        !json_is_object(j)) {
        json_decref(j);
        return ls_err_set(err, LS_EUPSTREAM, "%s: the reply is not a JSON object", what);
    }
    *out = j;
    return LS_OK;
}

/* Copies what a batch object says into b. */
static void read_batch(const json_t *j, struct ls_batch *b)
{
    if (str(j, "id")[0])
        snprintf(b->remote_id, sizeof(b->remote_id), "%s", str(j, "id"));
    if (str(j, "input_file_id")[0])
        snprintf(b->input_file, sizeof(b->input_file), "%s", str(j, "input_file_id"));
    snprintf(b->output_file, sizeof(b->output_file), "%s", str(j, "output_file_id"));
    snprintf(b->error_file, sizeof(b->error_file), "%s", str(j, "error_file_id"));
    snprintf(b->remote_state, sizeof(b->remote_state), "%s", str(j, "status"));
    const json_t *rc = json_object_get(j, "request_counts");
    b->n_total = json_integer_value(json_object_get(rc, "total"));
    b->n_completed = json_integer_value(json_object_get(rc, "completed"));
    b->n_failed = json_integer_value(json_object_get(rc, "failed"));
}

int ls_batch_openai_submit(struct ls_batch_client *c, const char *display, struct ls_batch *b,
                           struct ls_err *err)
{
    char url[1200];
    struct ls_batch_http r = {0};
    json_t *j = NULL;
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
        rc = object_reply(c, &r, "openai batch: uploading the input file", &j, err);
    if (rc)
        goto out;
    snprintf(b->input_file, sizeof(b->input_file), "%s", str(j, "id"));
    if (b->input_file[0] == '\0') {
        rc = ls_err_set(err, LS_EUPSTREAM, "openai batch: the uploaded file has no id");
        goto out;
    }
    json_decref(j);
    j = NULL;
    ls_buf_release(&r.body);
    json_t *req = json_pack("{s:s, s:s, s:s, s:{s:s}}", "input_file_id", b->input_file, "endpoint",
                            "/v1/chat/completions", "completion_window", "24h", "metadata",
                            "leadscore", display);
    body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    snprintf(url, sizeof(url), "%s/batches", c->base);
    rc = ls_batch_http(c, "POST", url, body, strlen(body), NULL, NULL, REPLY_MAX, &r, err);
    if (rc == LS_OK)
        rc = object_reply(c, &r, "openai batch: creating the batch", &j, err);
    if (rc)
        goto out;
    read_batch(j, b);
    if (b->remote_id[0] == '\0')
        rc = ls_err_set(err, LS_EUPSTREAM, "openai batch: the created batch has no id");
out:
    free(body);
    json_decref(j);
    ls_buf_release(&r.body);
    curl_mime_free(mime);
    return rc;
}

int ls_batch_openai_poll(struct ls_batch_client *c, struct ls_batch *b, bool *ended,
                         struct ls_err *err)
{
    char url[1400];
    struct ls_batch_http r = {0};
    json_t *j = NULL;
    *ended = false;
    snprintf(url, sizeof(url), "%s/batches/%s", c->base, b->remote_id);
    int rc = ls_batch_http(c, "GET", url, NULL, 0, NULL, NULL, REPLY_MAX, &r, err);
    if (rc == LS_OK)
        rc = object_reply(c, &r, "openai batch: reading the batch", &j, err);
    if (rc == LS_OK) {
        read_batch(j, b);
        const char *s = b->remote_state;
        *ended = strcmp(s, "completed") == 0 || strcmp(s, "failed") == 0 ||
                 strcmp(s, "expired") == 0 || strcmp(s, "cancelled") == 0;
    }
    json_decref(j);
    ls_buf_release(&r.body);
    return rc;
}

int ls_batch_openai_cancel(struct ls_batch_client *c, struct ls_batch *b, struct ls_err *err)
{
    char url[1400];
    struct ls_batch_http r = {0};
    json_t *j = NULL;
    snprintf(url, sizeof(url), "%s/batches/%s/cancel", c->base, b->remote_id);
    int rc = ls_batch_http(c, "POST", url, NULL, 0, NULL, NULL, REPLY_MAX, &r, err);
    if (rc == LS_OK)
        rc = object_reply(c, &r, "openai batch: cancelling the batch", &j, err);
    if (rc == LS_OK)
        read_batch(j, b);
    json_decref(j);
    ls_buf_release(&r.body);
    return rc;
}

/* One output or error line: its custom_id and reply envelope to cb. */
static int result_line(struct ls_batch_client *c, const char *line, size_t len,
                       ls_batch_result_fn cb, void *ud, struct ls_err *err)
{
    json_t *j = NULL;
    struct ls_err perr = {0};
    if (ls_json_parse(line, len, &j, &perr) != LS_OK || !json_is_object(j)) {
        json_decref(j);
        return LS_OK; /* a line that cannot be read: its leads count as missing */
    }
    struct ls_llm_reply reply;
    ls_llm_reply_init(&reply, REPLY_MAX);
    const json_t *resp = json_object_get(j, "response");
    const json_t *e = json_object_get(j, "error");
    if (json_is_object(resp) && (e == NULL || json_is_null(e))) {
        char *body = json_dumps(json_object_get(resp, "body"), JSON_COMPACT | JSON_ENCODE_ANY);
        long status = (long)json_integer_value(json_object_get(resp, "status_code"));
        ls_llm_openai_reply(status, body ? body : "", body ? strlen(body) : 0, &reply);
        free(body);
    } else {
        reply.kind = LS_LLM_BAD_ANSWER;
        snprintf(reply.error, sizeof(reply.error), "openai batch: %.60s: %.150s",
                 json_is_object(e) ? str(e, "code") : "error",
                 json_is_object(e) ? str(e, "message") : "the request has no response");
    }
    ls_scrub_cstr(reply.error, sizeof(reply.error), c->secrets, c->n_secrets);
    int rc = cb(ud, str(j, "custom_id"), &reply, err);
    ls_llm_reply_release(&reply);
    json_decref(j);
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
    const char *p = ls_buf_str(&r.body), *end = p + r.body.len;
    while (rc == LS_OK && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (le > p)
            rc = result_line(c, p, (size_t)(le - p), cb, ud, err);
        p = le + 1;
    }
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
