/*
 * batch_out.c - reading the batch APIs' answers (see batch_out.h). Pure.
 *
 * Moved out of llm/batch_openai.c and llm/batch_gemini.c unchanged in what
 * it accepts: a reply is read for what it carries and anything missing reads
 * as "" or 0, so a service that adds or drops a field does not stop a job.
 */
#include "batch_out.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "utf8.h"

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/*
 * s into dst (cap > 0 bytes), cut when it does not fit on a character boundary: these
 * fields go back out as JSON strings (the input file's id in the batch request, the state
 * in GET /jobs/{id}), and jansson's json_pack returns NULL for text that is not UTF-8 - for
 * the batch request, a NULL that json_dumps and strlen then met.
 */
static void copy_text(char *dst, size_t cap, const char *s)
{
    size_t n = ls_utf8_clip(s, strlen(s), cap - 1);
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* An int64 of a proto message: a string on the wire, or a number. */
static int64_t i64(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    if (json_is_integer(v))
        return json_integer_value(v);
    return json_is_string(v) ? strtoll(json_string_value(v), NULL, 10) : 0;
}

/* s[0..len) as a JSON object into *out (a new reference), or LS_EPARSE. */
static int object(const char *s, size_t len, json_t **out, struct ls_err *err)
{
    json_t *j = NULL;
    struct ls_err perr = {0};
    if (ls_json_parse(s, len, &j, &perr) != LS_OK || !json_is_object(j)) {
        json_decref(j);
        return ls_err_set(err, LS_EPARSE, "the reply is not a JSON object");
    }
    *out = j;
    return LS_OK;
}

/* Where the line starting at p ends: its '\n', or end. */
static const char *line_end(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/* ---- OpenAI ------------------------------------------------------------ */

/* A batch object's fields into b (see ls_batch_out_openai_object). */
static void openai_fill(const json_t *j, struct ls_batch *b)
{
    if (str(j, "id")[0])
        copy_text(b->remote_id, sizeof(b->remote_id), str(j, "id"));
    if (str(j, "input_file_id")[0])
        copy_text(b->input_file, sizeof(b->input_file), str(j, "input_file_id"));
    copy_text(b->output_file, sizeof(b->output_file), str(j, "output_file_id"));
    copy_text(b->error_file, sizeof(b->error_file), str(j, "error_file_id"));
    copy_text(b->remote_state, sizeof(b->remote_state), str(j, "status"));
    const json_t *rcs = json_object_get(j, "request_counts");
    b->n_total = json_integer_value(json_object_get(rcs, "total"));
    b->n_completed = json_integer_value(json_object_get(rcs, "completed"));
    b->n_failed = json_integer_value(json_object_get(rcs, "failed"));
}

int ls_batch_out_openai_object(const char *s, size_t len, struct ls_batch *b, struct ls_err *err)
{
    json_t *j = NULL;
    int rc = object(s, len, &j, err);
    if (rc)
        return rc;
    openai_fill(j, b);
    json_decref(j);
    return LS_OK;
}

int ls_batch_out_openai_find(const char *s, size_t len, const char *display, struct ls_batch *b,
                             bool *found, char *next, size_t cap, struct ls_err *err)
{
    json_t *j = NULL;
    int rc = object(s, len, &j, err);
    if (rc)
        return rc;
    *found = false;
    const json_t *data = json_object_get(j, "data");
    size_t i;
    const json_t *item;
    json_array_foreach(data, i, item)
    {
        if (json_is_object(item) && str(item, "id")[0] &&
            strcmp(str(json_object_get(item, "metadata"), "leadscore"), display) == 0) {
            openai_fill(item, b);
            *found = true;
            break;
        }
    }
    /* The next page starts after this one's last batch; none when has_more is not true. */
    const char *last = str(j, "last_id");
    if (last[0] == '\0' && json_array_size(data) > 0)
        last = str(json_array_get(data, json_array_size(data) - 1), "id");
    if (cap > 0)
        snprintf(next, cap, "%s", json_is_true(json_object_get(j, "has_more")) ? last : "");
    json_decref(j);
    return LS_OK;
}

int ls_batch_out_openai_upload(const char *s, size_t len, char *id, size_t cap, struct ls_err *err)
{
    json_t *j = NULL;
    int rc = object(s, len, &j, err);
    if (rc)
        return rc;
    if (cap > 0)
        copy_text(id, cap, str(j, "id"));
    json_decref(j);
    return LS_OK;
}

bool ls_batch_out_openai_ended(const char *s)
{
    return strcmp(s, "completed") == 0 || strcmp(s, "failed") == 0 || strcmp(s, "expired") == 0 ||
           strcmp(s, "cancelled") == 0;
}

int ls_batch_out_openai_line(const char *line, size_t len, ls_batch_out_fn cb, void *ud,
                             struct ls_err *err)
{
    json_t *j = NULL;
    struct ls_err perr = {0};
    if (ls_json_parse(line, len, &j, &perr) != LS_OK || !json_is_object(j)) {
        json_decref(j);
        return LS_OK; /* a line that cannot be read: its leads count as missing */
    }
    struct ls_llm_reply reply;
    ls_llm_reply_init(&reply, LS_BATCH_OUT_TEXT_MAX);
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
    int rc = cb(ud, str(j, "custom_id"), &reply, err);
    ls_llm_reply_release(&reply);
    json_decref(j);
    return rc;
}

int ls_batch_out_openai_lines(const char *s, size_t len, ls_batch_out_fn cb, void *ud,
                              struct ls_err *err)
{
    int rc = LS_OK;
    for (const char *p = s, *end = s + len, *le = NULL; rc == LS_OK && p < end; p = le + 1) {
        le = line_end(p, end);
        if (le > p)
            rc = ls_batch_out_openai_line(p, (size_t)(le - p), cb, ud, err);
    }
    return rc;
}

/* ---- Gemini ------------------------------------------------------------ */

/* The batch resource inside an Operation (its metadata), or the object itself. */
static const json_t *batch_of(const json_t *op)
{
    const json_t *m = json_object_get(op, "metadata");
    return json_is_object(m) && json_object_get(m, "state") ? m : op;
}

/* An Operation's (or a bare batch's) fields into b (see ls_batch_out_gemini_op). */
static void gemini_fill(const json_t *op, struct ls_batch *b)
{
    const json_t *m = batch_of(op);
    const char *name = str(op, "name")[0] ? str(op, "name") : str(m, "name");
    if (name[0])
        copy_text(b->remote_id, sizeof(b->remote_id), name);
    const char *state = str(m, "state");
    /* Shown without the enum's prefix, as the service's own console does. */
    if (strncmp(state, "BATCH_STATE_", 12) == 0)
        state += 12;
    copy_text(b->remote_state, sizeof(b->remote_state), state);
    const char *rf = str(json_object_get(m, "output"), "responsesFile");
    if (rf[0])
        copy_text(b->output_file, sizeof(b->output_file), rf);
    const json_t *st = json_object_get(m, "batchStats");
    b->n_total = i64(st, "requestCount");
    b->n_completed = i64(st, "successfulRequestCount");
    b->n_failed = i64(st, "failedRequestCount");
}

int ls_batch_out_gemini_op(const char *s, size_t len, struct ls_batch *b, struct ls_err *err)
{
    json_t *op = NULL;
    int rc = object(s, len, &op, err);
    if (rc)
        return rc;
    gemini_fill(op, b);
    json_decref(op);
    return LS_OK;
}

int ls_batch_out_gemini_find(const char *s, size_t len, const char *display, struct ls_batch *b,
                             bool *found, char *next, size_t cap, struct ls_err *err)
{
    json_t *j = NULL;
    int rc = object(s, len, &j, err);
    if (rc)
        return rc;
    *found = false;
    size_t i;
    const json_t *op;
    json_array_foreach(json_object_get(j, "operations"), i, op)
    {
        const json_t *m = batch_of(op);
        const char *name = str(op, "name")[0] ? str(op, "name") : str(m, "name");
        if (json_is_object(op) && name[0] && strcmp(str(m, "displayName"), display) == 0) {
            gemini_fill(op, b);
            *found = true;
            break;
        }
    }
    if (cap > 0)
        snprintf(next, cap, "%s", str(j, "nextPageToken"));
    json_decref(j);
    return LS_OK;
}

int ls_batch_out_gemini_upload(const char *s, size_t len, char *name, size_t cap,
                               struct ls_err *err)
{
    json_t *j = NULL;
    int rc = object(s, len, &j, err);
    if (rc)
        return rc;
    if (cap > 0)
        copy_text(name, cap, str(json_object_get(j, "file"), "name"));
    json_decref(j);
    return LS_OK;
}

bool ls_batch_out_gemini_ended(const char *s)
{
    return strcmp(s, "SUCCEEDED") == 0 || strcmp(s, "FAILED") == 0 || strcmp(s, "CANCELLED") == 0 ||
           strcmp(s, "EXPIRED") == 0;
}

/* The inlined responses, wherever the Operation carries them. */
static const json_t *inlined(const json_t *op)
{
    const json_t *outs[] = {json_object_get(json_object_get(op, "response"), "output"),
                            json_object_get(op, "response"),
                            json_object_get(batch_of(op), "output")};
    for (size_t i = 0; i < LS_ARRAY_LEN(outs); i++) {
        const json_t *v =
            json_object_get(json_object_get(outs[i], "inlinedResponses"), "inlinedResponses");
        if (json_is_array(v))
            return v;
    }
    return NULL;
}

/* One answer: its key (from the answer, else by position) and envelope to cb. */
static int one_result(const json_t *item, size_t i, const char *const *keys, size_t n_keys,
                      ls_batch_out_fn cb, void *ud, struct ls_err *err)
{
    const char *key = str(json_object_get(item, "metadata"), "key");
    if (key[0] == '\0')
        key = str(item, "key"); /* a responses file's line */
    if (key[0] == '\0' && i < n_keys)
        key = keys[i]; /* in request order */
    if (key == NULL || key[0] == '\0')
        return LS_OK;
    struct ls_llm_reply reply;
    ls_llm_reply_init(&reply, LS_BATCH_OUT_TEXT_MAX);
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
    int rc = cb(ud, key, &reply, err);
    ls_llm_reply_release(&reply);
    return rc;
}

int ls_batch_out_gemini_results(const char *s, size_t len, const char *const *keys, size_t n_keys,
                                ls_batch_out_fn cb, void *ud, char *file, size_t cap,
                                struct ls_err *err)
{
    json_t *op = NULL;
    int rc = object(s, len, &op, err);
    if (rc)
        return rc;
    const char *rf = str(json_object_get(batch_of(op), "output"), "responsesFile");
    if (strlen(rf) >= cap) {
        rc = ls_err_set(err, LS_ELIMIT, "the responses file name is over %zu bytes",
                        cap ? cap - 1 : 0);
        goto out;
    }
    snprintf(file, cap, "%s", rf);
    if (rf[0] == '\0') {
        const json_t *list = inlined(op);
        size_t i;
        const json_t *item;
        json_array_foreach(list, i, item)
        {
            rc = one_result(item, i, keys, n_keys, cb, ud, err);
            if (rc)
                break;
        }
    }
out:
    json_decref(op);
    return rc;
}

int ls_batch_out_gemini_lines(const char *s, size_t len, const char *const *keys, size_t n_keys,
                              ls_batch_out_fn cb, void *ud, struct ls_err *err)
{
    int rc = LS_OK;
    size_t i = 0;
    for (const char *p = s, *end = s + len, *le = NULL; rc == LS_OK && p < end; p = le + 1) {
        le = line_end(p, end);
        json_t *line = NULL;
        struct ls_err perr = {0};
        if (le > p && ls_json_parse(p, (size_t)(le - p), &line, &perr) == LS_OK)
            rc = one_result(line, i, keys, n_keys, cb, ud, err);
        json_decref(line);
        i += le > p;
    }
    return rc;
}
