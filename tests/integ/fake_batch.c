/*
 * fake_batch.c - OpenAI's Batch API in the fake model server, in its
 * documented wire format:
 *
 *   POST /v1/files                multipart/form-data: purpose=batch, file=<JSONL>
 *   GET  /v1/files/{id}/content   the file's bytes
 *   POST /v1/batches              {"input_file_id", "endpoint", "completion_window"}
 *   GET  /v1/batches/{id}         the batch object
 *   GET  /v1/batches?limit=&after=  the batches, newest first: {"object": "list",
 *                                 "data", "first_id", "last_id", "has_more"}
 *   POST /v1/batches/{id}/cancel
 *
 * (also under /files and /batches without /v1). A batch is "validating" for
 * the first quarter of its turnaround, "in_progress" until it is over, then
 * final: every input line answered as /v1/chat/completions answers it, the
 * answers in an output file and failures in an error file, each line
 * {"id", "custom_id", "response": {"status_code", "request_id", "body"},
 * "error"}. Control keys of POST /_fake/config (they hold for batches
 * created after them):
 *
 *   "batch_turnaround_ms": 1000   creation to final
 *   "batch_drop": [1, 4]          input lines (0-based) left out of both files,
 *                                 though counted as completed: items missing
 *   "batch_fail": [2]             input lines answered with a 500 in the error file
 *   "batch_expire": true          the batch ends "expired": the second half of
 *                                 its lines get error "batch_expired"
 *   "batch_max_requests", "batch_max_bytes"   a file over them fails validation
 *                                 (defaults: 50,000 requests, 200 MB)
 *   "batch_max_inline"            Gemini: an inline request over it is refused (20 MB)
 *   "batch_create_delay_ms": 0    the reply to a create comes this long after the
 *                                 batch exists (a client that dies meanwhile never
 *                                 learns its id)
 *   "batch_upload_delay_ms": 0    the same for the reply to an OpenAI file upload
 *   "batch_list_page_max": 100    the most batches one page of a list holds
 *
 * Gemini's Batch Mode: POST /v1beta/models/{model}:batchGenerateContent with
 * inline requests or inputConfig.fileName (a file uploaded by the Files API's
 * resumable protocol: POST /upload/v1beta/files with X-Goog-Upload-Command
 * start, answered with X-Goog-Upload-URL, then "upload, finalize" there),
 * GET /v1beta/batches/{id} (an Operation), GET /v1beta/batches?pageSize=&pageToken=
 * ({"operations": [...], "nextPageToken"}, newest first), POST /v1beta/batches/{id}:cancel,
 * answers inline or (for a file) in output.responsesFile, read from
 * GET /download/v1beta/{file}:download?alt=media.
 *
 *   GET /_fake/batches            {"created", "cancels", "uploads", "polls",
 *                                  "batches": [the batch objects, each with
 *                                  "custom_ids" and "input_bytes"]}
 */
#define _GNU_SOURCE /* memmem */
#include "fake_batch.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct file {
    char id[40];
    char *data; /* owned */
    size_t len;
};

struct batch {
    char id[40], input_file[40], output_file[40], error_file[40];
    char status[16];
    int64_t created_ms;
    bool cancel_requested, final, expire;
    long total, completed, failed;
    json_t *drop, *fail; /* copies of the config at creation */
    json_t *metadata;
    json_t *errors; /* validation errors, or NULL */
    /* Gemini: the inline requests, the model and the answers once final */
    bool gemini, file_input; /* file_input: from an uploaded file, answers to a file */
    json_t *requests, *inlined;
    char model[128], display[128];
};

static pthread_mutex_t bmu = PTHREAD_MUTEX_INITIALIZER;

static struct {
    struct file *files;
    size_t n_files;
    struct batch *batches;
    size_t n_batches;
    long created, cancels, uploads, polls, next_id;
    /* config */
    long turnaround_ms;
    json_t *drop, *fail;
    bool expire;
    long max_requests, max_bytes;
    long max_inline; /* Gemini: bytes of an inline batchGenerateContent request */
    long create_delay_ms, upload_delay_ms;
    long list_page_max;
    long lists;
} B;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long unix_s(void)
{
    return (long)time(NULL);
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static char *error_body(const char *msg, const char *param)
{
    return dump(json_pack("{s:{s:s, s:s, s:s?, s:n}}", "error", "message", msg, "type",
                          "invalid_request_error", "param", param, "code"));
}

void fake_batch_reset(void)
{
    pthread_mutex_lock(&bmu);
    for (size_t i = 0; i < B.n_files; i++)
        free(B.files[i].data);
    free(B.files);
    for (size_t i = 0; i < B.n_batches; i++) {
        json_decref(B.batches[i].drop);
        json_decref(B.batches[i].fail);
        json_decref(B.batches[i].metadata);
        json_decref(B.batches[i].errors);
        json_decref(B.batches[i].requests);
        json_decref(B.batches[i].inlined);
    }
    free(B.batches);
    json_decref(B.drop);
    json_decref(B.fail);
    memset(&B, 0, sizeof(B));
    B.turnaround_ms = 1000;
    B.drop = json_array();
    B.fail = json_array();
    B.max_requests = 50000;
    B.max_bytes = 200L * 1000 * 1000;
    B.max_inline = 20L * 1000 * 1000;
    pthread_mutex_unlock(&bmu);
}

void fake_batch_configure(json_t *c)
{
    json_t *v;
    pthread_mutex_lock(&bmu);
    if ((v = json_object_get(c, "batch_turnaround_ms")))
        B.turnaround_ms = (long)json_integer_value(v);
    if ((v = json_object_get(c, "batch_drop")) && json_is_array(v)) {
        json_decref(B.drop);
        B.drop = json_copy(v);
    }
    if ((v = json_object_get(c, "batch_fail")) && json_is_array(v)) {
        json_decref(B.fail);
        B.fail = json_copy(v);
    }
    if ((v = json_object_get(c, "batch_expire")))
        B.expire = json_is_true(v);
    if ((v = json_object_get(c, "batch_max_requests")))
        B.max_requests = (long)json_integer_value(v);
    if ((v = json_object_get(c, "batch_max_bytes")))
        B.max_bytes = (long)json_integer_value(v);
    if ((v = json_object_get(c, "batch_max_inline")))
        B.max_inline = (long)json_integer_value(v);
    if ((v = json_object_get(c, "batch_create_delay_ms")))
        B.create_delay_ms = (long)json_integer_value(v);
    if ((v = json_object_get(c, "batch_upload_delay_ms")))
        B.upload_delay_ms = (long)json_integer_value(v);
    if ((v = json_object_get(c, "batch_list_page_max")))
        B.list_page_max = (long)json_integer_value(v);
    pthread_mutex_unlock(&bmu);
}

bool fake_batch_match(const char *url)
{
    if (strncmp(url, "/upload/v1beta/files", 20) == 0 || strncmp(url, "/download/v1beta/", 17) == 0)
        return true;
    if (strncmp(url, "/v1beta/batches/", 16) == 0 || strcmp(url, "/v1beta/batches") == 0)
        return true;
    if (strncmp(url, "/v1beta/models/", 15) == 0)
        return strstr(url, ":batchGenerateContent") != NULL;
    if (strncmp(url, "/v1/", 4) == 0)
        url += 3;
    return strcmp(url, "/_fake/batches") == 0 || strncmp(url, "/files", 6) == 0 ||
           strncmp(url, "/batches", 8) == 0;
}

static struct file *file_find(const char *id)
{
    for (size_t i = 0; i < B.n_files; i++)
        if (strcmp(B.files[i].id, id) == 0)
            return &B.files[i];
    return NULL;
}

static struct batch *batch_find(const char *id)
{
    for (size_t i = 0; i < B.n_batches; i++)
        if (strcmp(B.batches[i].id, id) == 0)
            return &B.batches[i];
    return NULL;
}

static struct file *file_add(const char *prefix, char *data, size_t len)
{
    B.files = realloc(B.files, (B.n_files + 1) * sizeof(*B.files));
    struct file *f = &B.files[B.n_files++];
    snprintf(f->id, sizeof(f->id), "%s-%06ld", prefix, ++B.next_id);
    f->data = data;
    f->len = len;
    return f;
}

/* ---- files ------------------------------------------------------------------ */

/* The part named name of a multipart body: its content into *p, *n. */
static bool part(const char *ctype, const char *body, size_t len, const char *name, const char **p,
                 size_t *n)
{
    const char *b = ctype ? strstr(ctype, "boundary=") : NULL;
    if (b == NULL)
        return false;
    char delim[200];
    b += 9;
    size_t bl = strcspn(b, "; ");
    if (*b == '"')
        b++, bl = strcspn(b, "\"");
    snprintf(delim, sizeof(delim), "--%.*s", (int)bl, b);
    char want[120];
    snprintf(want, sizeof(want), "name=\"%s\"", name);
    const char *end = body + len, *at = body;
    for (;;) {
        const char *d = memmem(at, (size_t)(end - at), delim, strlen(delim));
        if (d == NULL)
            return false;
        const char *head = d + strlen(delim);
        if (end - head >= 2 && head[0] == '-' && head[1] == '-')
            return false;
        const char *hend = memmem(head, (size_t)(end - head), "\r\n\r\n", 4);
        if (hend == NULL)
            return false;
        const char *content = hend + 4;
        char close[210];
        snprintf(close, sizeof(close), "\r\n%s", delim);
        const char *cend = memmem(content, (size_t)(end - content), close, strlen(close));
        if (cend == NULL)
            return false;
        if (memmem(head, (size_t)(hend - head), want, strlen(want))) {
            *p = content;
            *n = (size_t)(cend - content);
            return true;
        }
        at = cend + 2;
    }
}

static char *upload(const char *ctype, const char *body, size_t len, unsigned *status)
{
    const char *purpose = NULL, *data = NULL;
    size_t plen = 0, dlen = 0;
    if (!part(ctype, body, len, "purpose", &purpose, &plen) ||
        !part(ctype, body, len, "file", &data, &dlen)) {
        *status = 400;
        return error_body("Missing required parameter: 'file' or 'purpose'.", "file");
    }
    if (plen != 5 || memcmp(purpose, "batch", 5) != 0) {
        *status = 400;
        return error_body("Invalid value for 'purpose'.", "purpose");
    }
    char *copy = malloc(dlen + 1);
    memcpy(copy, data, dlen);
    copy[dlen] = '\0';
    struct file *f = file_add("file", copy, dlen);
    B.uploads++;
    *status = 200;
    return dump(json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:n}", "id", f->id, "object", "file",
                          "bytes", (json_int_t)dlen, "created_at", (json_int_t)unix_s(), "filename",
                          "leadscore-batch.jsonl", "purpose", "batch", "status", "processed",
                          "status_details"));
}

/* ---- batches ------------------------------------------------------------------ */

static bool listed(const json_t *list, long k)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_integer_value(v) == k)
            return true;
    }
    return false;
}

static void append_line(char **buf, size_t *len, json_t *line)
{
    char *s = dump(line);
    size_t n = strlen(s);
    *buf = realloc(*buf, *len + n + 2);
    memcpy(*buf + *len, s, n);
    (*buf)[*len + n] = '\n';
    *len += n + 1;
    (*buf)[*len] = '\0';
    free(s);
}

/* Checks the input file as the service does while validating; the error or NULL. */
static json_t *validate(const struct file *f)
{
    long lines = 0;
    if ((long)f->len > B.max_bytes)
        return json_pack("{s:s, s:s, s:n, s:n}", "code", "max_file_size_exceeded", "message",
                         "The input file is larger than the maximum allowed size.", "param",
                         "line");
    const char *p = f->data, *end = f->data + f->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (le > p) {
            lines++;
            json_t *j = json_loadb(p, (size_t)(le - p), 0, NULL);
            const char *url = json_string_value(json_object_get(j, "url"));
            const char *method = json_string_value(json_object_get(j, "method"));
            bool ok = j && json_is_string(json_object_get(j, "custom_id")) && url &&
                      strcmp(url, "/v1/chat/completions") == 0 && method &&
                      strcmp(method, "POST") == 0 && json_is_object(json_object_get(j, "body"));
            json_decref(j);
            if (!ok)
                return json_pack("{s:s, s:s, s:n, s:I}", "code", "invalid_request", "message",
                                 "This line is not a valid batch request.", "param", "line",
                                 (json_int_t)lines);
        }
        p = le + 1;
    }
    if (lines > B.max_requests)
        return json_pack("{s:s, s:s, s:n, s:n}", "code", "max_requests_per_batch_exceeded",
                         "message", "The batch input file has too many requests.", "param", "line");
    return NULL;
}

/* Runs the batch's requests: the output and error files and the counts. */
static void resolve(struct batch *b)
{
    struct file *in = file_find(b->input_file);
    char *out = NULL, *errs = NULL;
    size_t out_len = 0, err_len = 0;
    long k = 0, n = 0;
    for (const char *p = in->data; p < in->data + in->len;) {
        const char *nl = memchr(p, '\n', (size_t)(in->data + in->len - p));
        n += (nl ? nl : in->data + in->len) > p;
        p = nl ? nl + 1 : in->data + in->len;
    }
    b->total = n;
    const char *p = in->data, *end = in->data + in->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (le == p) {
            p = le + 1;
            continue;
        }
        json_t *j = json_loadb(p, (size_t)(le - p), 0, NULL);
        const char *cid = json_string_value(json_object_get(j, "custom_id"));
        char rid[48];
        snprintf(rid, sizeof(rid), "batch_req_%s_%ld", b->id + 6, k);
        if (listed(b->drop, k)) {
            b->completed++; /* counted, but its line never shows up */
        } else if (b->expire && k >= n / 2) {
            append_line(&errs, &err_len,
                        json_pack("{s:s, s:s, s:n, s:{s:s, s:s}}", "id", rid, "custom_id", cid,
                                  "response", "error", "code", "batch_expired", "message",
                                  "This request could not be executed before the completion "
                                  "window expired."));
            b->failed++;
        } else if (listed(b->fail, k)) {
            append_line(&errs, &err_len,
                        json_pack("{s:s, s:s, s:{s:i, s:s, s:{s:{s:s, s:s, s:n, s:n}}}, s:n}", "id",
                                  rid, "custom_id", cid, "response", "status_code", 500,
                                  "request_id", rid, "body", "error", "message",
                                  "The server had an error processing your request.", "type",
                                  "server_error", "param", "code", "error"));
            b->failed++;
        } else {
            unsigned status = 200;
            json_t *answer = fake_chat_answer(json_object_get(j, "body"), &status);
            json_t *line = json_pack("{s:s, s:s, s:{s:i, s:s, s:o}, s:n}", "id", rid, "custom_id",
                                     cid, "response", "status_code", (int)status, "request_id", rid,
                                     "body", answer, "error");
            if (status == 200) {
                append_line(&out, &out_len, line);
                b->completed++;
            } else {
                append_line(&errs, &err_len, line);
                b->failed++;
            }
        }
        json_decref(j);
        k++;
        p = le + 1;
    }
    if (out)
        snprintf(b->output_file, sizeof(b->output_file), "%s", file_add("file", out, out_len)->id);
    if (errs)
        snprintf(b->error_file, sizeof(b->error_file), "%s", file_add("file", errs, err_len)->id);
    snprintf(b->status, sizeof(b->status), "%s", b->expire ? "expired" : "completed");
    b->final = true;
}

/* Moves the batch along its life as time passes. */
static void advance(struct batch *b)
{
    if (b->final)
        return;
    if (b->cancel_requested) {
        snprintf(b->status, sizeof(b->status), "cancelled");
        b->final = true;
        return;
    }
    int64_t age = mono_ms() - b->created_ms;
    if (age < B.turnaround_ms / 4)
        snprintf(b->status, sizeof(b->status), "validating");
    else if (age < B.turnaround_ms)
        snprintf(b->status, sizeof(b->status), "in_progress");
    else
        resolve(b);
}

static json_t *batch_json(const struct batch *b)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:{s:I, s:I, s:I}}", "id", b->id, "object",
                  "batch", "endpoint", "/v1/chat/completions", "input_file_id", b->input_file,
                  "completion_window", "24h", "status", b->status, "created_at",
                  (json_int_t)unix_s(), "request_counts", "total", (json_int_t)b->total,
                  "completed", (json_int_t)b->completed, "failed", (json_int_t)b->failed);
    json_object_set_new(o, "output_file_id",
                        b->output_file[0] ? json_string(b->output_file) : json_null());
    json_object_set_new(o, "error_file_id",
                        b->error_file[0] ? json_string(b->error_file) : json_null());
    json_object_set_new(o, "errors",
                        b->errors ? json_pack("{s:s, s:[O]}", "object", "list", "data", b->errors)
                                  : json_null());
    json_object_set_new(o, "metadata", b->metadata ? json_incref(b->metadata) : json_null());
    return o;
}

static char *create(const char *body, size_t len, unsigned *status)
{
    json_t *req = json_loadb(body ? body : "", len, 0, NULL);
    const char *fid = json_string_value(json_object_get(req, "input_file_id"));
    const char *endpoint = json_string_value(json_object_get(req, "endpoint"));
    const char *window = json_string_value(json_object_get(req, "completion_window"));
    char *out = NULL;
    *status = 400;
    if (fid == NULL || file_find(fid) == NULL)
        out = error_body("Invalid 'input_file_id': no such file.", "input_file_id");
    else if (endpoint == NULL || strcmp(endpoint, "/v1/chat/completions") != 0)
        out = error_body("Invalid value for 'endpoint'.", "endpoint");
    else if (window == NULL || strcmp(window, "24h") != 0)
        out = error_body("Invalid value for 'completion_window': only '24h' is supported.",
                         "completion_window");
    if (out) {
        json_decref(req);
        return out;
    }
    B.batches = realloc(B.batches, (B.n_batches + 1) * sizeof(*B.batches));
    struct batch *b = &B.batches[B.n_batches++];
    memset(b, 0, sizeof(*b));
    snprintf(b->id, sizeof(b->id), "batch_%06ld", ++B.next_id);
    snprintf(b->input_file, sizeof(b->input_file), "%s", fid);
    snprintf(b->status, sizeof(b->status), "validating");
    b->created_ms = mono_ms();
    b->drop = json_copy(B.drop);
    b->fail = json_copy(B.fail);
    b->expire = B.expire;
    json_t *md = json_object_get(req, "metadata");
    b->metadata = json_is_object(md) ? json_copy(md) : NULL;
    json_t *verr = validate(file_find(fid));
    if (verr) {
        b->errors = verr;
        snprintf(b->status, sizeof(b->status), "failed");
        b->final = true;
    }
    B.created++;
    json_decref(req);
    *status = 200;
    return dump(batch_json(b));
}

static json_t *gemini_op(const struct batch *b);
static void gemini_advance(struct batch *b);

static json_t *custom_ids(const struct batch *b)
{
    json_t *ids = json_array();
    if (b->gemini) {
        size_t i;
        json_t *item;
        json_array_foreach(b->requests, i, item)
        {
            json_array_append(ids, json_object_get(json_object_get(item, "metadata"), "key"));
        }
        return ids;
    }
    const struct file *in = file_find(b->input_file);
    const char *p = in->data, *end = in->data + in->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        json_t *j = le > p ? json_loadb(p, (size_t)(le - p), 0, NULL) : NULL;
        if (j)
            json_array_append(ids, json_object_get(j, "custom_id"));
        json_decref(j);
        p = le + 1;
    }
    return ids;
}

static char *overview(void)
{
    json_t *list = json_array();
    for (size_t i = 0; i < B.n_batches; i++) {
        struct batch *b = &B.batches[i];
        json_t *o = b->gemini ? gemini_op(b) : batch_json(b);
        json_object_set_new(o, "custom_ids", custom_ids(b));
        if (!b->gemini)
            json_object_set_new(o, "input_bytes",
                                json_integer((json_int_t)file_find(b->input_file)->len));
        json_array_append_new(list, o);
    }
    return dump(json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "created", (json_int_t)B.created,
                          "cancels", (json_int_t)B.cancels, "uploads", (json_int_t)B.uploads,
                          "polls", (json_int_t)B.polls, "lists", (json_int_t)B.lists, "batches",
                          list));
}

/* A page size from a query value: 1..100, 20 when absent or out of range; at most list_page_max. */
static long page_size(const char *v)
{
    long n = v ? strtol(v, NULL, 10) : 0;
    n = n >= 1 && n <= 100 ? n : 20;
    return B.list_page_max > 0 && n > B.list_page_max ? B.list_page_max : n;
}

/* GET /v1/batches: the OpenAI batches, newest first, limit at a time after an id. */
static char *openai_list(const struct fake_batch_req *q)
{
    long limit = page_size(q->limit);
    json_t *data = json_array();
    bool started = q->after == NULL, more = false;
    B.lists++;
    for (size_t k = B.n_batches; k-- > 0;) {
        struct batch *b = &B.batches[k];
        if (b->gemini)
            continue;
        if (!started) {
            started = strcmp(b->id, q->after) == 0;
            continue;
        }
        if ((long)json_array_size(data) == limit) {
            more = true;
            break;
        }
        advance(b);
        json_array_append_new(data, batch_json(b));
    }
    size_t n = json_array_size(data);
    json_t *first = n ? json_object_get(json_array_get(data, 0), "id") : NULL;
    json_t *last = n ? json_object_get(json_array_get(data, n - 1), "id") : NULL;
    json_t *o = json_pack("{s:s, s:o, s:O?, s:O?, s:b}", "object", "list", "data", data, "first_id",
                          first, "last_id", last, "has_more", more);
    return dump(o);
}

/* GET /v1beta/batches: the Gemini batches as Operations, newest first; pageToken is an index. */
static char *gemini_list(const struct fake_batch_req *q)
{
    long size = page_size(q->page_size);
    /* Tokens are opaque to clients; these carry '+', '/' and '=' so that one not escaped fails. */
    long from = 0, seen = 0;
    if (q->page_token && sscanf(q->page_token, "p+%ld/==", &from) != 1)
        from = 1L << 30; /* an unknown token: an empty page */
    json_t *ops = json_array();
    char next[32] = ""; /* "p+", a long and "/==": at most 26 bytes with the NUL */
    B.lists++;
    for (size_t k = B.n_batches; k-- > 0;) {
        struct batch *b = &B.batches[k];
        if (!b->gemini)
            continue;
        if (seen++ < from)
            continue;
        if ((long)json_array_size(ops) == size) {
            snprintf(next, sizeof(next), "p+%ld/==", from + size);
            break;
        }
        gemini_advance(b);
        json_t *op = gemini_op(b);
        /* the list leaves out inlined responses (reported of the real service) */
        json_object_del(json_object_get(op, "metadata"), "output");
        json_object_del(op, "response");
        json_array_append_new(ops, op);
    }
    json_t *o = json_pack("{s:o}", "operations", ops);
    if (next[0])
        json_object_set_new(o, "nextPageToken", json_string(next));
    return dump(o);
}

/* ---- Gemini's Batch Mode ---------------------------------------------------- */

static char *gemini_error(int code, const char *status, const char *msg)
{
    return dump(
        json_pack("{s:{s:i, s:s, s:s}}", "error", "code", code, "message", msg, "status", status));
}

static const char *gemini_state(const struct batch *b)
{
    static char st[40];
    snprintf(st, sizeof(st), "BATCH_STATE_%s", b->status);
    return st;
}

/* Runs the inline requests: the inlined responses and the stats. */
static void gemini_resolve(struct batch *b)
{
    b->inlined = json_array();
    size_t k;
    json_t *item;
    long n = (long)json_array_size(b->requests);
    b->total = n;
    json_array_foreach(b->requests, k, item)
    {
        json_t *md = json_object_get(item, "metadata");
        if (b->expire) {
            b->failed++;
            continue; /* an expired batch: nothing comes back */
        }
        if (listed(b->drop, (long)k)) {
            b->completed++; /* counted, but missing from the responses */
            continue;
        }
        json_t *out;
        if (listed(b->fail, (long)k)) {
            out = json_pack("{s:{s:i, s:s, s:s}}", "error", "code", 500, "message",
                            "Internal error encountered.", "status", "INTERNAL");
            b->failed++;
        } else {
            unsigned status = 200;
            json_t *answer =
                fake_gemini_answer(json_object_get(item, "request"), b->model, &status);
            if (status == 200) {
                out = json_pack("{s:o}", "response", answer);
                b->completed++;
            } else {
                out = json_pack("{s:{s:i, s:s, s:s}}", "error", "code", (int)status, "message",
                                "The request failed.", "status", "INTERNAL");
                json_decref(answer);
                b->failed++;
            }
        }
        if (json_is_object(md))
            json_object_set(out, "metadata", md);
        json_array_append_new(b->inlined, out);
    }
    if (b->file_input && !b->expire) {
        /* The answers as a responses file: {"key", "response" | "error"} per line. */
        char *buf = NULL;
        size_t len = 0;
        json_array_foreach(b->inlined, k, item)
        {
            json_t *line = json_object();
            json_object_set(line, "key", json_object_get(json_object_get(item, "metadata"), "key"));
            if (json_object_get(item, "response"))
                json_object_set(line, "response", json_object_get(item, "response"));
            else
                json_object_set(line, "error", json_object_get(item, "error"));
            append_line(&buf, &len, line);
        }
        if (buf == NULL)
            buf = calloc(1, 1);
        snprintf(b->output_file, sizeof(b->output_file), "%s",
                 file_add("files/batch-out", buf, len)->id);
        json_decref(b->inlined);
        b->inlined = NULL;
    }
    snprintf(b->status, sizeof(b->status), "%s", b->expire ? "EXPIRED" : "SUCCEEDED");
    b->final = true;
}

static void gemini_advance(struct batch *b)
{
    if (b->final)
        return;
    if (b->cancel_requested) {
        snprintf(b->status, sizeof(b->status), "CANCELLED");
        b->final = true;
        return;
    }
    int64_t age = mono_ms() - b->created_ms;
    if (age < B.turnaround_ms / 4)
        snprintf(b->status, sizeof(b->status), "PENDING");
    else if (age < B.turnaround_ms)
        snprintf(b->status, sizeof(b->status), "RUNNING");
    else
        gemini_resolve(b);
}

/* The batch as an Operation, the way batches.get and batchGenerateContent answer. */
static json_t *gemini_op(const struct batch *b)
{
    char name[64];
    snprintf(name, sizeof(name), "batches/%s", b->id);
    char n[4][24];
    snprintf(n[0], sizeof(n[0]), "%ld", b->total);
    snprintf(n[1], sizeof(n[1]), "%ld", b->completed);
    snprintf(n[2], sizeof(n[2]), "%ld", b->failed);
    snprintf(n[3], sizeof(n[3]), "%ld", b->final ? 0 : b->total);
    char model[160];
    snprintf(model, sizeof(model), "models/%s", b->model);
    json_t *md = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "@type",
                           "type.googleapis.com/google.ai.generativelanguage.v1beta."
                           "GenerateContentBatch",
                           "model", model, "displayName", b->display, "state", gemini_state(b),
                           "createTime", "2026-12-01T19:00:00.000Z", "batchStats", "requestCount",
                           n[0], "successfulRequestCount", n[1], "failedRequestCount", n[2],
                           "pendingRequestCount", n[3]);
    json_object_set_new(md, "name", json_string(name));
    json_t *op = json_pack("{s:s, s:o, s:b}", "name", name, "metadata", md, "done", b->final);
    if (b->output_file[0]) {
        json_object_set_new(md, "output", json_pack("{s:s}", "responsesFile", b->output_file));
        json_object_set_new(op, "response",
                            json_pack("{s:s, s:{s:s}}", "@type",
                                      "type.googleapis.com/google.ai.generativelanguage.v1beta."
                                      "GenerateContentBatchOutput",
                                      "output", "responsesFile", b->output_file));
    } else if (b->inlined) {
        json_t *output = json_pack("{s:{s:O}}", "inlinedResponses", "inlinedResponses", b->inlined);
        json_object_set(md, "output", output);
        json_object_set_new(op, "response",
                            json_pack("{s:s, s:o}", "@type",
                                      "type.googleapis.com/google.ai.generativelanguage.v1beta."
                                      "GenerateContentBatchOutput",
                                      "output", output));
    }
    return op;
}

static char *gemini_create(const char *url, const char *body, size_t len, unsigned *status)
{
    json_t *req = json_loadb(body ? body : "", len, 0, NULL);
    json_t *batch = json_object_get(req, "batch");
    json_t *requests = json_object_get(
        json_object_get(json_object_get(batch, "inputConfig"), "requests"), "requests");
    const char *display = json_string_value(json_object_get(batch, "displayName"));
    const char *fname =
        json_string_value(json_object_get(json_object_get(batch, "inputConfig"), "fileName"));
    struct file *in = fname ? file_find(fname) : NULL;
    json_t *from_file = NULL;
    if (in) {
        /* {"key", "request"} lines, kept as the inline form {"request", "metadata": {"key"}} */
        from_file = json_array();
        for (const char *p = in->data, *end = in->data + in->len; p < end;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            json_t *line = le > p ? json_loadb(p, (size_t)(le - p), 0, NULL) : NULL;
            if (line)
                json_array_append_new(from_file,
                                      json_pack("{s:O, s:{s:O}}", "request",
                                                json_object_get(line, "request"), "metadata", "key",
                                                json_object_get(line, "key")));
            json_decref(line);
            p = le + 1;
        }
        requests = from_file;
        len = in->len;
    }
    if (!json_is_array(requests) || json_array_size(requests) == 0 || display == NULL) {
        json_decref(from_file);
        json_decref(req);
        *status = 400;
        return gemini_error(400, "INVALID_ARGUMENT",
                            "* BatchGenerateContentRequest.batch.input_config: required field "
                            "is not set, or display_name is missing");
    }
    if ((long)len > (in ? 2000L * 1000 * 1000 : B.max_inline) ||
        (long)json_array_size(requests) > B.max_requests) {
        json_decref(from_file);
        json_decref(req);
        *status = 400;
        return gemini_error(400, "INVALID_ARGUMENT",
                            "Request payload size exceeds the limit for inline requests.");
    }
    B.batches = realloc(B.batches, (B.n_batches + 1) * sizeof(*B.batches));
    struct batch *b = &B.batches[B.n_batches++];
    memset(b, 0, sizeof(*b));
    b->gemini = true;
    snprintf(b->id, sizeof(b->id), "g%06ld", ++B.next_id);
    const char *m = url + strlen("/v1beta/models/");
    snprintf(b->model, sizeof(b->model), "%.*s", (int)(strchr(m, ':') - m), m);
    snprintf(b->display, sizeof(b->display), "%s", display);
    snprintf(b->status, sizeof(b->status), "PENDING");
    b->created_ms = mono_ms();
    b->drop = json_copy(B.drop);
    b->fail = json_copy(B.fail);
    b->expire = B.expire;
    b->requests = json_incref(requests);
    b->file_input = in != NULL;
    if (in)
        snprintf(b->input_file, sizeof(b->input_file), "%s", in->id);
    b->total = (long)json_array_size(requests);
    B.created++;
    json_decref(from_file);
    json_decref(req);
    *status = 200;
    return dump(gemini_op(b));
}

static char *gemini_serve(const char *url, bool get, bool post, const char *body, size_t len,
                          unsigned *status)
{
    if (strncmp(url, "/v1beta/models/", 15) == 0 && post)
        return gemini_create(url, body, len, status);
    char id[64] = "";
    if (strcmp(url, "/v1beta/batches") == 0)
        return NULL; /* the list: fake_batch_serve */
    if (sscanf(url + 16, "%63[^:/]", id) != 1)
        return NULL;
    struct batch *b = batch_find(id);
    const char *rest = url + 16 + strlen(id);
    if (b == NULL || !b->gemini) {
        *status = 404;
        return gemini_error(404, "NOT_FOUND", "Requested entity was not found.");
    }
    if (rest[0] == '\0' && get) {
        B.polls++;
        gemini_advance(b);
        *status = 200;
        return dump(gemini_op(b));
    }
    if (strcmp(rest, ":cancel") == 0 && post) {
        gemini_advance(b);
        if (!b->final)
            b->cancel_requested = true;
        B.cancels++;
        *status = 200;
        return dump(json_object()); /* google.protobuf.Empty */
    }
    return NULL;
}

/* The Files API's resumable upload: a start, then the bytes with "upload, finalize". */
static char *gemini_upload(const struct fake_batch_req *q, unsigned *status, char *hdr_name,
                           char *hdr_value)
{
    const char *cmd = q->upload_cmd ? q->upload_cmd : "";
    if (strstr(cmd, "start")) {
        snprintf(hdr_name, 64, "X-Goog-Upload-URL");
        snprintf(hdr_value, 512,
                 "http://%s/upload/v1beta/files?upload_id=up%06ld&upload_protocol=resumable",
                 q->host ? q->host : "127.0.0.1", ++B.next_id);
        *status = 200;
        return strdup("{}");
    }
    if (strstr(cmd, "upload") && strstr(cmd, "finalize") && q->upload_id) {
        char *copy = malloc(q->len + 1);
        memcpy(copy, q->body ? q->body : "", q->len);
        copy[q->len] = '\0';
        struct file *f = file_add("files/up", copy, q->len);
        B.uploads++;
        char size[24];
        snprintf(size, sizeof(size), "%zu", q->len);
        *status = 200;
        return dump(json_pack("{s:{s:s, s:s, s:s, s:s}}", "file", "name", f->id, "mimeType",
                              "application/jsonl", "sizeBytes", size, "state", "ACTIVE"));
    }
    *status = 400;
    return gemini_error(400, "INVALID_ARGUMENT", "Invalid upload command.");
}

char *fake_batch_serve(const struct fake_batch_req *q, unsigned *status, const char **ctype_out,
                       char *hdr_name, char *hdr_value)
{
    const char *url = q->url, *method = q->method, *ctype = q->ctype, *body = q->body;
    size_t len = q->len;
    hdr_name[0] = hdr_value[0] = '\0';
    *ctype_out = "application/json";
    char *out = NULL;
    long delay = 0;
    pthread_mutex_lock(&bmu);
    if (strncmp(url, "/v1/", 4) == 0)
        url += 3;
    bool post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
    char id[64] = "";
    if (strncmp(url, "/upload/v1beta/files", 20) == 0 && post) {
        out = gemini_upload(q, status, hdr_name, hdr_value);
    } else if (strncmp(url, "/download/v1beta/", 17) == 0 && get) {
        /* files/{id}:download?alt=media */
        char name[80] = "";
        struct file *f = NULL;
        if (sscanf(url + 17, "%79[^:]", name) == 1 &&
            strcmp(url + 17 + strlen(name), ":download") == 0)
            f = file_find(name);
        if (f == NULL) {
            *status = 404;
            out = gemini_error(404, "NOT_FOUND", "Requested entity was not found.");
        } else {
            *status = 200;
            *ctype_out = "application/octet-stream";
            out = malloc(f->len + 1);
            memcpy(out, f->data, f->len);
            out[f->len] = '\0';
        }
    } else if (strcmp(url, "/v1beta/batches") == 0 && get) {
        *status = 200;
        out = gemini_list(q);
    } else if (strncmp(url, "/v1beta/", 8) == 0) {
        long before = B.created;
        out = gemini_serve(url, get, post, body, len, status);
        delay = B.created > before ? B.create_delay_ms : 0;
    } else if (strcmp(url, "/_fake/batches") == 0) {
        *status = 200;
        out = overview();
    } else if (strcmp(url, "/files") == 0 && post) {
        out = upload(ctype, body, len, status);
        delay = B.upload_delay_ms;
    } else if (strncmp(url, "/files/", 7) == 0 && get && sscanf(url + 7, "%63[^/]", id) == 1 &&
               strcmp(url + 7 + strlen(id), "/content") == 0) {
        struct file *f = file_find(id);
        if (f == NULL) {
            *status = 404;
            out = error_body("No such File object.", "id");
        } else {
            *status = 200;
            *ctype_out = "application/octet-stream";
            out = malloc(f->len + 1);
            memcpy(out, f->data, f->len);
            out[f->len] = '\0';
        }
    } else if (strcmp(url, "/batches") == 0 && get) {
        *status = 200;
        out = openai_list(q);
    } else if (strcmp(url, "/batches") == 0 && post) {
        long before = B.created;
        out = create(body, len, status);
        delay = B.created > before ? B.create_delay_ms : 0;
    } else if (strncmp(url, "/batches/", 9) == 0 && sscanf(url + 9, "%63[^/]", id) == 1) {
        struct batch *b = batch_find(id);
        const char *rest = url + 9 + strlen(id);
        if (b == NULL) {
            *status = 404;
            out = error_body("No batch found with that id.", "batch_id");
        } else if (rest[0] == '\0' && get) {
            B.polls++;
            advance(b);
            *status = 200;
            out = dump(batch_json(b));
        } else if (strcmp(rest, "/cancel") == 0 && post) {
            advance(b);
            if (!b->final) {
                b->cancel_requested = true;
                snprintf(b->status, sizeof(b->status), "cancelling");
            }
            B.cancels++;
            *status = 200;
            out = dump(batch_json(b));
        }
    }
    if (out == NULL) {
        *status = 404;
        out = error_body("Unknown request URL.", NULL);
    }
    pthread_mutex_unlock(&bmu);
    if (delay > 0) /* the batch exists (and is listed) before its creator hears of it */
        nanosleep(&(struct timespec){delay / 1000, (delay % 1000) * 1000000L}, NULL);
    return out;
}
