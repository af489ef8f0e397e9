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
#include "core/jsonx.h"
#include "core/scrub.h"

#define REPLY_MAX (1024 * 1024)

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* An int64 of a proto message: a string on the wire, or a number. */
static int64_t i64(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    if (json_is_integer(v))
        return json_integer_value(v);
    return json_is_string(v) ? strtoll(json_string_value(v), NULL, 10) : 0;
}

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

/* The batch resource inside an Operation (its metadata), or the object itself. */
static const json_t *batch_of(const json_t *op)
{
    const json_t *m = json_object_get(op, "metadata");
    return json_is_object(m) && json_object_get(m, "state") ? m : op;
}

static void read_batch(const json_t *op, struct ls_batch *b)
{
    const json_t *m = batch_of(op);
    const char *name = str(op, "name")[0] ? str(op, "name") : str(m, "name");
    if (name[0])
        snprintf(b->remote_id, sizeof(b->remote_id), "%s", name);
    const char *state = str(m, "state");
    /* Shown without the enum's prefix, as the service's own console does. */
    if (strncmp(state, "BATCH_STATE_", 12) == 0)
        state += 12;
    snprintf(b->remote_state, sizeof(b->remote_state), "%s", state);
    const char *rf = str(json_object_get(m, "output"), "responsesFile");
    if (rf[0])
        snprintf(b->output_file, sizeof(b->output_file), "%s", rf);
    const json_t *s = json_object_get(m, "batchStats");
    b->n_total = i64(s, "requestCount");
    b->n_completed = i64(s, "successfulRequestCount");
    b->n_failed = i64(s, "failedRequestCount");
}

/* The Files API's resumable upload: start, then upload and finalize; the file's name. */
static int upload_file(struct ls_batch_client *c, const char *display, struct ls_batch *b,
                       struct ls_err *err)
{
    char url[1400], len_hdr[96];
    struct ls_batch_http r = {0};
    json_t *j = NULL;
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
        rc = object_reply(c, &r, "gemini batch: uploading the input file", &j, err);
    if (rc)
        goto out;
    const char *name = str(json_object_get(j, "file"), "name");
    if (name[0] == '\0') {
        rc = ls_err_set(err, LS_EUPSTREAM, "gemini batch: the uploaded file has no name");
        goto out;
    }
    snprintf(b->input_file, sizeof(b->input_file), "%s", name);
out:
    free(meta);
    json_decref(j);
    ls_buf_release(&r.body);
    return rc;
}

int ls_batch_gemini_submit(struct ls_batch_client *c, const char *display, struct ls_batch *b,
                           struct ls_err *err)
{
    char url[1400];
    struct ls_batch_http r = {0};
    json_t *j = NULL;
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
        rc = object_reply(c, &r, "gemini batch: creating the batch", &j, err);
    if (rc == LS_OK) {
        read_batch(j, b);
        if (b->remote_id[0] == '\0')
            rc = ls_err_set(err, LS_EUPSTREAM, "gemini batch: the created batch has no name");
    }
    json_decref(j);
    ls_buf_release(&r.body);
    ls_buf_release(&body);
    return rc;
}

/* GET of the batch (its Operation) into *out. */
static int get(struct ls_batch_client *c, const struct ls_batch *b, size_t cap, json_t **out,
               struct ls_err *err)
{
    char url[1400];
    struct ls_batch_http r = {0};
    snprintf(url, sizeof(url), "%s/v1beta/%s", c->base, b->remote_id);
    int rc = ls_batch_http(c, "GET", url, NULL, 0, NULL, NULL, cap, &r, err);
    if (rc == LS_OK)
        rc = object_reply(c, &r, "gemini batch: reading the batch", out, err);
    ls_buf_release(&r.body);
    return rc;
}

int ls_batch_gemini_poll(struct ls_batch_client *c, struct ls_batch *b, bool *ended,
                         struct ls_err *err)
{
    json_t *j = NULL;
    *ended = false;
    int rc = get(c, b, REPLY_MAX * 64, &j, err);
    if (rc == LS_OK) {
        read_batch(j, b);
        const char *s = b->remote_state;
        *ended = strcmp(s, "SUCCEEDED") == 0 || strcmp(s, "FAILED") == 0 ||
                 strcmp(s, "CANCELLED") == 0 || strcmp(s, "EXPIRED") == 0;
    }
    json_decref(j);
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

/* The inlined responses, wherever the Operation carries them. */
static const json_t *inlined(const json_t *op)
{
    const json_t *outs[] = {json_object_get(json_object_get(op, "response"), "output"),
                            json_object_get(op, "response"),
                            json_object_get(batch_of(op), "output")};
    for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
        const json_t *v =
            json_object_get(json_object_get(outs[i], "inlinedResponses"), "inlinedResponses");
        if (json_is_array(v))
            return v;
    }
    return NULL;
}

/* One answer: its key (from the answer, else by position) and envelope to cb. */
static int one_result(struct ls_batch_client *c, const json_t *item, size_t i,
                      const char *const *keys, size_t n_keys, ls_batch_result_fn cb, void *ud,
                      struct ls_err *err)
{
    const char *key = str(json_object_get(item, "metadata"), "key");
    if (key[0] == '\0')
        key = str(item, "key"); /* a responses file's line */
    if (key[0] == '\0' && i < n_keys)
        key = keys[i]; /* in request order */
    struct ls_llm_reply reply;
    ls_llm_reply_init(&reply, REPLY_MAX);
    const json_t *resp = json_object_get(item, "response");
    if (json_is_object(resp)) {
        char *body = json_dumps(resp, JSON_COMPACT);
        ls_llm_gemini_reply(200, body ? body : "", body ? strlen(body) : 0, &reply);
        free(body);
    } else {
        const json_t *e = json_object_get(item, "error");
        reply.kind = LS_LLM_BAD_ANSWER;
        snprintf(reply.error, sizeof(reply.error), "gemini batch: %.60s: %.150s",
                 str(e, "status")[0] ? str(e, "status") : "error",
                 str(e, "message")[0] ? str(e, "message") : "the request has no response");
    }
    ls_scrub_cstr(reply.error, sizeof(reply.error), c->secrets, c->n_secrets);
    int rc = key[0] ? cb(ud, key, &reply, err) : LS_OK;
    ls_llm_reply_release(&reply);
    return rc;
}

/* The responses file of a batch sent as a file: JSONL, one answer per line, in order. */
static int read_responses_file(struct ls_batch_client *c, const char *name, const char *const *keys,
                               size_t n_keys, ls_batch_result_fn cb, void *ud, struct ls_err *err)
{
    char url[1400];
    struct ls_batch_http r = {0};
    snprintf(url, sizeof(url), "%s/download/v1beta/%s:download?alt=media", c->base, name);
    int rc =
        ls_batch_http(c, "GET", url, NULL, 0, NULL, NULL, (size_t)c->cfg.max_download, &r, err);
    if (rc == LS_OK && (r.status < 200 || r.status > 299))
        rc = ls_batch_http_fail(c, &r, "gemini batch: downloading results", err);
    const char *p = ls_buf_str(&r.body), *end = p + r.body.len;
    size_t i = 0;
    while (rc == LS_OK && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        json_t *line = NULL;
        struct ls_err perr = {0};
        if (le > p && ls_json_parse(p, (size_t)(le - p), &line, &perr) == LS_OK)
            rc = one_result(c, line, i, keys, n_keys, cb, ud, err);
        json_decref(line);
        i += le > p;
        p = le + 1;
    }
    ls_buf_release(&r.body);
    return rc;
}

int ls_batch_gemini_results(struct ls_batch_client *c, const struct ls_batch *b,
                            ls_batch_result_fn cb, void *ud, const char *const *keys, size_t n_keys,
                            struct ls_err *err)
{
    json_t *j = NULL;
    int rc = get(c, b, (size_t)c->cfg.max_download, &j, err);
    if (rc)
        return rc;
    const char *file = str(json_object_get(batch_of(j), "output"), "responsesFile");
    if (file[0]) {
        rc = read_responses_file(c, file, keys, n_keys, cb, ud, err);
    } else {
        const json_t *list = inlined(j);
        size_t i;
        const json_t *item;
        json_array_foreach(list, i, item)
        {
            rc = one_result(c, item, i, keys, n_keys, cb, ud, err);
            if (rc)
                break;
        }
    }
    json_decref(j);
    return rc;
}
