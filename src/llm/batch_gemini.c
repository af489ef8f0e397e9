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
 * Inline requests are for batches under 20 MB in all; a bigger job is split
 * into several inline batches (the byte limit), so every size is served. An
 * answer is mapped by its metadata key; the responses come in request order,
 * and one without a key (a reply that did not echo it) takes the key of its
 * position. The uploaded-file form (Files API, responsesFile) is not built.
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

int ls_batch_gemini_add(struct ls_batch_client *c, const char *custom_id,
                        const struct ls_prompt *prompt, struct ls_err *err)
{
    ls_buf_reset(&c->body);
    int rc = ls_buf_adds(&c->body, c->n_lines ? ",{\"request\":" : "{\"request\":");
    if (rc == LS_OK)
        rc = ls_prompt_gemini_body(prompt, c->thinking_off, &c->body);
    if (rc == LS_OK)
        rc = ls_buf_adds(&c->body, ",\"metadata\":{\"key\":");
    if (rc == LS_OK)
        rc = ls_json_cstr(&c->body, custom_id);
    if (rc == LS_OK)
        rc = ls_buf_adds(&c->body, "}}");
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
    const json_t *s = json_object_get(m, "batchStats");
    b->n_total = i64(s, "requestCount");
    b->n_completed = i64(s, "successfulRequestCount");
    b->n_failed = i64(s, "failedRequestCount");
}

int ls_batch_gemini_submit(struct ls_batch_client *c, const char *display, struct ls_batch *b,
                           struct ls_err *err)
{
    char url[1400];
    struct ls_batch_http r = {0};
    json_t *j = NULL;
    struct ls_buf body;
    ls_buf_init(&body, c->file.len + 4096);
    int rc = ls_buf_adds(&body, "{\"batch\":{\"displayName\":");
    rc |= ls_json_cstr(&body, display);
    rc |= ls_buf_adds(&body, ",\"inputConfig\":{\"requests\":{\"requests\":[");
    rc |= ls_buf_add(&body, c->file.data ? c->file.data : "", c->file.len);
    rc |= ls_buf_adds(&body, "]}}}}");
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

int ls_batch_gemini_results(struct ls_batch_client *c, const struct ls_batch *b,
                            ls_batch_result_fn cb, void *ud, const char *const *keys, size_t n_keys,
                            struct ls_err *err)
{
    json_t *j = NULL;
    int rc = get(c, b, (size_t)c->cfg.max_download, &j, err);
    if (rc)
        return rc;
    const json_t *list = inlined(j);
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *key = str(json_object_get(item, "metadata"), "key");
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
        rc = key[0] ? cb(ud, key, &reply, err) : LS_OK;
        ls_llm_reply_release(&reply);
        if (rc)
            break;
    }
    json_decref(j);
    return rc;
}
