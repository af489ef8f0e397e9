/*
 * reply.c - building replies, JSON replies and errors, and the one table
 * that maps an enum ls_status to an HTTP status. Every error body is
 * {"error": "...", "code": "...", "details"?}, always valid UTF-8: text that
 * came from the request (a path, a header) is carried with its bad bytes
 * written out as \xNN.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "core/xalloc.h"
#include "resp.h"
#include "sys/log.h"

/* ---- blobs ---------------------------------------------------------------- */

struct ls_blob *ls_blob_new(const char *data, size_t len)
{
    struct ls_blob *b = ls_xmalloc(sizeof(*b) + len + 1);
    atomic_init(&b->refs, 1);
    b->len = len;
    memcpy(b->data, data, len);
    b->data[len] = '\0';
    return b;
}

void ls_blob_ref(struct ls_blob *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

void ls_blob_unref(struct ls_blob *b)
{
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}

/* ---- responses -------------------------------------------------------------- */

struct ls_resp *ls_resp_new(unsigned status)
{
    struct ls_resp *r = ls_xcalloc(1, sizeof(*r));
    r->status = status;
    ls_buf_init(&r->headers, 64 * 1024);
    return r;
}

static bool header_safe(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

void ls_resp_header(struct ls_resp *r, const char *name, const char *value)
{
    if (!header_safe(name) || !header_safe(value))
        return; /* never let a value split the header block */
    ls_buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

static void set_type(struct ls_resp *r, const char *type)
{
    snprintf(r->content_type, sizeof(r->content_type), "%s", type && header_safe(type) ? type : "");
}

void ls_resp_body_take(struct ls_resp *r, const char *type, char *data, size_t len)
{
    set_type(r, type);
    r->kind = LS_RB_MEM;
    r->mem = data;
    r->mem_len = len;
}

void ls_resp_body_static(struct ls_resp *r, const char *type, const void *data, size_t len)
{
    set_type(r, type);
    r->kind = LS_RB_STATIC;
    r->stat = data;
    r->stat_len = len;
}

void ls_resp_body_blob(struct ls_resp *r, const char *type, struct ls_blob *b)
{
    set_type(r, type);
    r->kind = LS_RB_BLOB;
    r->blob = b;
}

void ls_resp_body_stream(struct ls_resp *r, const char *type, ls_stream_fn fn, void *ud,
                         void (*release)(void *ud))
{
    set_type(r, type);
    r->kind = LS_RB_STREAM;
    r->fn = fn;
    r->ud = ud;
    r->release = release;
}

void ls_resp_live(struct ls_resp *r)
{
    r->live = true;
}

void ls_resp_close(struct ls_resp *r)
{
    r->close = true;
}

int64_t ls_resp_length(const struct ls_resp *r)
{
    switch (r->kind) {
    case LS_RB_NONE:
        return 0;
    case LS_RB_MEM:
        return (int64_t)r->mem_len;
    case LS_RB_STATIC:
        return (int64_t)r->stat_len;
    case LS_RB_BLOB:
        return (int64_t)r->blob->len;
    case LS_RB_STREAM:
        break;
    }
    return -1;
}

void ls_resp_free(struct ls_resp *r)
{
    if (r == NULL)
        return;
    ls_buf_release(&r->headers);
    free(r->mem);
    ls_blob_unref(r->blob);
    if (r->release)
        r->release(r->ud);
    free(r);
}

/* ---- text that may not be UTF-8 ------------------------------------------------- */

/* Appends s as UTF-8 text: each byte that is not part of a valid sequence as "\xNN". */
static void utf8_text(struct ls_buf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = ls_utf8_seq(s + i, len - i);
        if (n == 0) {
            ls_buf_printf(b, "\\x%02x", (unsigned char)s[i]);
            i++;
        } else {
            ls_buf_add(b, s + i, n);
            i += n;
        }
    }
}

json_t *ls_json_text(const char *s, size_t len)
{
    if (ls_utf8_valid(s, len))
        return json_stringn(s, len);
    struct ls_buf b;
    ls_buf_init(&b, 4 * len + 16);
    utf8_text(&b, s, len);
    json_t *j = json_stringn(ls_buf_str(&b), b.len);
    ls_buf_release(&b);
    return j;
}

/* A JSON string literal for text (valid UTF-8 after utf8_text). */
static void json_literal(struct ls_buf *out, const char *s)
{
    struct ls_buf t;
    ls_buf_init(&t, 4 * strlen(s) + 16);
    utf8_text(&t, s, strlen(s));
    ls_buf_addc(out, '"');
    for (size_t i = 0; i < t.len; i++) {
        unsigned char c = (unsigned char)t.data[i];
        if (c == '"' || c == '\\')
            ls_buf_printf(out, "\\%c", c);
        else if (c < 0x20)
            ls_buf_printf(out, "\\u%04x", c);
        else
            ls_buf_addc(out, (char)c);
    }
    ls_buf_addc(out, '"');
    ls_buf_release(&t);
}

char *ls_error_body(const char *code, const char *msg, size_t *len)
{
    struct ls_buf b;
    ls_buf_init(&b, SIZE_MAX);
    ls_buf_adds(&b, "{\"error\":");
    json_literal(&b, msg);
    ls_buf_adds(&b, ",\"code\":");
    json_literal(&b, code);
    ls_buf_adds(&b, "}\n");
    return ls_buf_steal(&b, len);
}

/* ---- JSON replies ------------------------------------------------------------ */

static const struct {
    int code;
    unsigned http;
} status_map[] = {
    {LS_OK, LS_HTTP_OK},
    {LS_EINVAL, LS_HTTP_BAD_REQUEST},
    {LS_EPARSE, LS_HTTP_BAD_REQUEST},
    {LS_ESCHEMA, LS_HTTP_UNPROCESSABLE_CONTENT},
    {LS_ENOTFOUND, LS_HTTP_NOT_FOUND},
    {LS_ECONFLICT, LS_HTTP_CONFLICT},
    {LS_ELIMIT, LS_HTTP_CONTENT_TOO_LARGE},
    {LS_EUNSUPPORTED, LS_HTTP_UNSUPPORTED_MEDIA_TYPE},
    {LS_ETIMEOUT, LS_HTTP_GATEWAY_TIMEOUT},
    {LS_EUPSTREAM, LS_HTTP_BAD_GATEWAY},
    {LS_ECANCELLED, LS_HTTP_CONFLICT},
    {LS_EUNAUTHORIZED, LS_HTTP_UNAUTHORIZED},
    {LS_EFORBIDDEN, LS_HTTP_FORBIDDEN},
    {LS_EBUSY, LS_HTTP_TOO_MANY_REQUESTS},
    {LS_ENOSPACE, LS_HTTP_INSUFFICIENT_STORAGE},
    {LS_EUNAVAILABLE, LS_HTTP_SERVICE_UNAVAILABLE},
};

unsigned ls_http_status_for(int code)
{
    for (size_t i = 0; i < LS_ARRAY_LEN(status_map); i++) {
        if (status_map[i].code == code)
            return status_map[i].http;
    }
    return LS_HTTP_INTERNAL_SERVER_ERROR;
}

static int reply_bytes(struct ls_req *req, unsigned status, char *text, size_t len,
                       const char *const *headers)
{
    struct ls_resp *r = ls_resp_new(status);
    for (size_t i = 0; headers && headers[i] && headers[i + 1]; i += 2)
        ls_resp_header(r, headers[i], headers[i + 1]);
    ls_resp_body_take(r, "application/json", text, len);
    return ls_reply(req, r);
}

int ls_reply_json_hdr(struct ls_req *req, unsigned status, json_t *body, const char *const *headers)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL) {
        /* A json_pack that failed (or a string jansson refused): never an empty {}. */
        ls_log(LS_LOG_ERROR, "http.encode_failed", "req=%s status=%u route=%s", req->id, status,
               req->route ? req->route->pattern : "-");
        size_t len;
        char *err = ls_error_body("internal",
                                  "internal error while encoding the reply; see the "
                                  "server log",
                                  &len);
        return reply_bytes(req, LS_HTTP_INTERNAL_SERVER_ERROR, err, len, NULL);
    }
    size_t len = strlen(text);
    /* Replies end with a newline so that curl output reads well in a terminal. */
    text = ls_xrealloc(text, len + 2);
    text[len] = '\n';
    text[len + 1] = '\0';
    return reply_bytes(req, status, text, len + 1, headers);
}

int ls_reply_json(struct ls_req *req, unsigned status, json_t *body)
{
    return ls_reply_json_hdr(req, status, body, NULL);
}

static json_t *error_body(const char *code, const char *msg, json_t *details)
{
    json_t *j = json_object();
    json_object_set_new(j, "error", ls_json_text(msg, strlen(msg)));
    json_object_set_new(j, "code", json_string(code));
    if (details)
        json_object_set_new(j, "details", details);
    return j;
}

int ls_reply_error(struct ls_req *req, unsigned status, const char *code, const char *msg,
                   json_t *details)
{
    const char *hdr[] = {"WWW-Authenticate", "Bearer realm=\"leadscore\"", NULL};
    if (status >= 500) /* REQ-HTTP-5XX: every 5xx is in the log with its request id, once */
        ls_log(LS_LOG_ERROR, "http.error", "req=%s status=%u code=%s error=%s", req->id, status,
               code, msg);
    return ls_reply_json_hdr(req, status, error_body(code, msg, details),
                             status == LS_HTTP_UNAUTHORIZED ? hdr : NULL);
}

int ls_reply_err(struct ls_req *req, const struct ls_err *err, json_t *details)
{
    /* An error that says "success" is a bug of the caller: never send {"error":"success"}. */
    int code = err->code == LS_OK ? LS_EINTERNAL : err->code;
    unsigned status = ls_http_status_for(code);
    const char *msg = err->msg[0] ? err->msg : ls_strerror(code);
    if (status >= 500) {
        /* The cause goes to the log with the request id; the client gets a safe message. */
        ls_log(LS_LOG_ERROR, "http.error", "req=%s status=%u code=%s error=%s", req->id, status,
               ls_status_name(code), msg);
        if (code == LS_ENOSPACE)
            msg = "the database is full (disk space or LEADSCORE_DB_MAX_MB); nothing was stored";
        else if (code == LS_EUNAVAILABLE)
            msg = "the database cannot be written right now; nothing was stored";
        else if (status != LS_HTTP_BAD_GATEWAY && status != LS_HTTP_GATEWAY_TIMEOUT)
            msg = "internal error; see the server log";
    }
    if (code == LS_EBUSY) {
        /* A full queue drains: say when to come back (RFC 9110 section 10.2.3). */
        const char *hdr[] = {"Retry-After", "5", NULL};
        json_t *body = json_object();
        json_object_set_new(body, "error", ls_json_text(msg, strlen(msg)));
        json_object_set_new(body, "code", json_string(ls_status_name(code)));
        if (details)
            json_object_set_new(body, "details", details);
        return ls_reply_json_hdr(req, status, body, hdr);
    }
    if (status >= 500) {
        /* Logged above with the cause; sent without logging the safe message again. */
        json_t *body = error_body(ls_status_name(code), msg, details);
        return ls_reply_json(req, status, body);
    }
    return ls_reply_error(req, status, ls_status_name(code), msg, details);
}
