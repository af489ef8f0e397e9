/*
 * batch.c - the batch client's shared part: construction from an HTTP
 * provider, blocking libcurl calls with capped replies, and the dispatch to
 * the wire (batch_openai.c, batch_gemini.c).
 */
#include "batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "batch_int.h"
#include "core/batch_out.h"
#include "core/scrub.h"
#include "core/xalloc.h"

#define BODY_SCRATCH   (8 * 1024 * 1024) /* one request body, at most */
#define FIND_PAGES_MAX 20                /* pages of the service's batch list read, at most */
#define FIND_PAGE_SIZE 100
#define FIND_REPLY_MAX (16L * 1024 * 1024) /* one page of it */

struct ls_batch_client *ls_batch_client_new(const struct ls_provider *p,
                                            const struct ls_batch_cfg *cfg, struct ls_err *err)
{
    struct ls_http_provider_config pc;
    if (!ls_provider_http_info(p, &pc)) {
        ls_err_set(err, LS_EINVAL, "the %s provider has no batch API", p ? p->name : "offline");
        return NULL;
    }
    struct ls_batch_client *c = ls_xcalloc(1, sizeof(*c));
    c->cfg = *cfg;
    /* The service's limits, or lower ones from the configuration. */
    long max_bytes =
        pc.wire == LS_WIRE_GEMINI ? LS_BATCH_GEMINI_FILE_MAX : LS_BATCH_OPENAI_MAX_BYTES;
    if (c->cfg.inline_max <= 0 || c->cfg.inline_max > LS_BATCH_GEMINI_INLINE_MAX)
        c->cfg.inline_max = LS_BATCH_GEMINI_INLINE_MAX;
    if (c->cfg.max_requests <= 0 || c->cfg.max_requests > LS_BATCH_OPENAI_MAX_REQUESTS)
        c->cfg.max_requests = LS_BATCH_OPENAI_MAX_REQUESTS;
    if (c->cfg.max_bytes <= 0 || c->cfg.max_bytes > max_bytes)
        c->cfg.max_bytes = max_bytes;
    if (c->cfg.max_download <= 0)
        c->cfg.max_download = 1024L * 1024 * 1024;
    c->pc = pc;
    c->provider = p;
    size_t bl = strlen(pc.base_url);
    while (bl && pc.base_url[bl - 1] == '/')
        bl--;
    snprintf(c->base, sizeof(c->base), "%.*s", (int)bl, pc.base_url);
    ls_buf_init(&c->file, (size_t)c->cfg.max_bytes + 1);
    ls_buf_init(&c->body, BODY_SCRATCH);
    c->secrets[0] = pc.api_key ? pc.api_key : "";
    c->n_secrets = c->secrets[0][0] ? 1 : 0;
    return c;
}

void ls_batch_client_free(struct ls_batch_client *c)
{
    if (c == NULL)
        return;
    ls_buf_release(&c->file);
    ls_buf_release(&c->body);
    free(c);
}

size_t ls_batch_size(const struct ls_batch_client *c)
{
    return c->n_lines;
}

size_t ls_batch_leads(const struct ls_batch_client *c)
{
    return c->pc.batch < 1 ? 1 : (size_t)c->pc.batch;
}

int ls_batch_add(struct ls_batch_client *c, const char *custom_id, const struct ls_prompt *prompt,
                 struct ls_err *err)
{
    return c->pc.wire == LS_WIRE_GEMINI ? ls_batch_gemini_add(c, custom_id, prompt, err)
                                        : ls_batch_openai_add(c, custom_id, prompt, err);
}

int ls_batch_submit(struct ls_batch_client *c, const char *display, struct ls_batch *b,
                    struct ls_err *err)
{
    if (c->n_lines == 0)
        return ls_err_set(err, LS_EINVAL, "an empty batch is not sent");
    int rc = c->pc.wire == LS_WIRE_GEMINI ? ls_batch_gemini_submit(c, display, b, err)
                                          : ls_batch_openai_submit(c, display, b, err);
    if (rc == LS_OK) {
        ls_buf_reset(&c->file);
        c->n_lines = 0;
    }
    return rc;
}

int ls_batch_poll(struct ls_batch_client *c, struct ls_batch *b, bool *ended, struct ls_err *err)
{
    return c->pc.wire == LS_WIRE_GEMINI ? ls_batch_gemini_poll(c, b, ended, err)
                                        : ls_batch_openai_poll(c, b, ended, err);
}

int ls_batch_cancel(struct ls_batch_client *c, struct ls_batch *b, struct ls_err *err)
{
    return c->pc.wire == LS_WIRE_GEMINI ? ls_batch_gemini_cancel(c, b, err)
                                        : ls_batch_openai_cancel(c, b, err);
}

int ls_batch_find(struct ls_batch_client *c, const char *display, struct ls_batch *b, bool *found,
                  struct ls_err *err)
{
    bool gemini = c->pc.wire == LS_WIRE_GEMINI;
    const char *what = gemini ? "gemini batch: listing batches" : "openai batch: listing batches";
    char next[512] = "";
    *found = false;
    for (int page = 0; page < FIND_PAGES_MAX; page++) {
        char url[4096];
        char *esc = next[0] ? curl_easy_escape(NULL, next, 0) : NULL;
        if (next[0] && esc == NULL)
            return ls_err_set(err, LS_EUPSTREAM, "%s: cannot encode the page token", what);
        int n = gemini ? snprintf(url, sizeof(url), "%s/v1beta/batches?pageSize=%d%s%s", c->base,
                                  FIND_PAGE_SIZE, esc ? "&pageToken=" : "", esc ? esc : "")
                       : snprintf(url, sizeof(url), "%s/batches?limit=%d%s%s", c->base,
                                  FIND_PAGE_SIZE, esc ? "&after=" : "", esc ? esc : "");
        curl_free(esc);
        if (n < 0 || (size_t)n >= sizeof(url))
            return ls_err_set(err, LS_EUPSTREAM, "%s: the page token is too long", what);
        struct ls_batch_http r = {0};
        int rc = ls_batch_http(c, "GET", url, NULL, 0, NULL, NULL, FIND_REPLY_MAX, &r, err);
        if (rc == LS_OK && (r.status < 200 || r.status > 299))
            rc = ls_batch_http_fail(c, &r, what, err);
        if (rc == LS_OK) {
            struct ls_err perr = {0};
            const char *body = ls_buf_str(&r.body);
            int prc = gemini ? ls_batch_out_gemini_find(body, r.body.len, display, b, found, next,
                                                        sizeof(next), &perr)
                             : ls_batch_out_openai_find(body, r.body.len, display, b, found, next,
                                                        sizeof(next), &perr);
            if (prc != LS_OK)
                rc = ls_err_set(err, LS_EUPSTREAM, "%s: the reply is not a JSON object", what);
            else if (strlen(next) + 1 >= sizeof(next)) /* cut: the next page cannot be asked */
                rc = ls_err_set(err, LS_EUPSTREAM, "%s: the page token is too long", what);
        }
        ls_buf_release(&r.body);
        if (rc != LS_OK || *found || next[0] == '\0')
            return rc;
    }
    return LS_OK; /* not in the newest FIND_PAGES_MAX pages */
}

int ls_batch_results(struct ls_batch_client *c, const struct ls_batch *b, ls_batch_result_fn cb,
                     void *ud, const char *const *keys, size_t n_keys, struct ls_err *err)
{
    if (c->pc.wire == LS_WIRE_GEMINI)
        return ls_batch_gemini_results(c, b, cb, ud, keys, n_keys, err);
    return ls_batch_openai_results(c, b, cb, ud, err);
}

int ls_batch_scrub_and_call(void *ud, const char *custom_id, struct ls_llm_reply *reply,
                            struct ls_err *err)
{
    struct ls_batch_scrub *s = ud;
    ls_scrub_cstr(reply->error, sizeof(reply->error), s->c->secrets, s->c->n_secrets);
    int rc = s->cb(s->ud, custom_id, reply, err);
    s->has_failed = rc != LS_OK;
    return rc;
}

/* ---- HTTP ------------------------------------------------------------------ */

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    struct ls_buf *b = ud;
    if (ls_buf_add(b, p, size * n) != LS_OK)
        return CURL_WRITEFUNC_ERROR; /* over the cap */
    return size * n;
}

/* Keeps the X-Goog-Upload-URL header (the Files API's resumable upload target). */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct ls_batch_http *out = ud;
    size_t len = size * n;
    static const char name[] = "x-goog-upload-url:";
    if (len > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        const char *v = p + sizeof(name) - 1;
        size_t vl = len - (sizeof(name) - 1);
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl < sizeof(out->upload_url)) {
            memcpy(out->upload_url, v, vl);
            out->upload_url[vl] = '\0';
        }
    }
    return len;
}

#define SETOPT(h, opt, val)                                                                        \
    do {                                                                                           \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK)                                       \
            goto setup;                                                                            \
    } while (0)

int ls_batch_http(struct ls_batch_client *c, const char *method, const char *url, const char *body,
                  size_t len, curl_mime *mime, const char *const *extra, size_t cap,
                  struct ls_batch_http *out, struct ls_err *err)
{
    out->status = 0;
    out->upload_url[0] = '\0';
    ls_buf_init(&out->body, cap);
    struct curl_slist *h = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    int rc = LS_OK;
    CURL *e = curl_easy_init();
    if (e == NULL)
        return ls_err_set(err, LS_EINTERNAL, "cannot set up an HTTP request (libcurl)");
    if (body)
        h = curl_slist_append(h, "Content-Type: application/json");
    if (c->pc.api_key && c->pc.api_key[0]) {
        char auth[600];
        /* The key goes in a header only: never in the URL, never in a log. */
        if (c->pc.wire == LS_WIRE_GEMINI)
            snprintf(auth, sizeof(auth), "x-goog-api-key: %s", c->pc.api_key);
        else
            snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->pc.api_key);
        h = curl_slist_append(h, auth);
    }
    for (size_t i = 0; extra && extra[i]; i++)
        h = curl_slist_append(h, extra[i]);
    h = curl_slist_append(h, "Expect:");
    SETOPT(e, CURLOPT_URL, url);
    SETOPT(e, CURLOPT_CUSTOMREQUEST, method);
    if (mime) {
        SETOPT(e, CURLOPT_MIMEPOST, mime);
    } else if (body) {
        SETOPT(e, CURLOPT_POSTFIELDS, body);
        SETOPT(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else if (strcmp(method, "POST") == 0) {
        SETOPT(e, CURLOPT_POSTFIELDS, "");
        SETOPT(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }
    SETOPT(e, CURLOPT_HTTPHEADER, h);
    SETOPT(e, CURLOPT_WRITEFUNCTION, on_write);
    SETOPT(e, CURLOPT_WRITEDATA, &out->body);
    SETOPT(e, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(e, CURLOPT_HEADERDATA, out);
    SETOPT(e, CURLOPT_ERRORBUFFER, errbuf);
    /* Uploads and downloads of a whole batch take longer than one model call. */
    SETOPT(e, CURLOPT_TIMEOUT_MS, c->pc.timeout_ms * 10);
    SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, c->pc.connect_timeout_ms);
    SETOPT(e, CURLOPT_NOSIGNAL, 1L);
    SETOPT(e, CURLOPT_ACCEPT_ENCODING, "");
    SETOPT(e, CURLOPT_USERAGENT, "leadscore/" LS_VERSION);
    CURLcode res = curl_easy_perform(e);
    if (res != CURLE_OK) {
        char msg[LS_ERR_MSG_MAX];
        snprintf(msg, sizeof(msg), "%s batch: %s %.100s: %.120s",
                 c->pc.wire == LS_WIRE_GEMINI ? "gemini" : "openai", method, url,
                 errbuf[0] ? errbuf : curl_easy_strerror(res));
        ls_scrub_cstr(msg, sizeof(msg), c->secrets, c->n_secrets);
        rc = ls_err_set(err, res == CURLE_WRITE_ERROR ? LS_ELIMIT : LS_EUPSTREAM, "%s", msg);
    } else {
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out->status);
    }
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    return rc;
setup:
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    return ls_err_set(err, LS_EINTERNAL, "cannot set up an HTTP request (libcurl)");
}

int ls_batch_object_reply(struct ls_batch_client *c, struct ls_batch_http *r, const char *what,
                          int (*parse)(const char *, size_t, struct ls_batch *, struct ls_err *),
                          struct ls_batch *dst, struct ls_err *err)
{
    if (r->status < 200 || r->status > 299)
        return ls_batch_http_fail(c, r, what, err);
    struct ls_err perr = {0};
    if (parse(ls_buf_str(&r->body), r->body.len, dst, &perr) != LS_OK)
        return ls_err_set(err, LS_EUPSTREAM, "%s: the reply is not a JSON object", what);
    return LS_OK;
}

int ls_batch_http_fail(struct ls_batch_client *c, const struct ls_batch_http *r, const char *what,
                       struct ls_err *err)
{
    struct ls_llm_reply reply;
    ls_llm_reply_init(&reply, 4096);
    if (c->pc.wire == LS_WIRE_GEMINI)
        ls_llm_gemini_reply(r->status, ls_buf_str(&r->body), r->body.len, &reply);
    else
        ls_llm_openai_reply(r->status, ls_buf_str(&r->body), r->body.len, &reply);
    char msg[LS_ERR_MSG_MAX];
    snprintf(msg, sizeof(msg), "%.60s: %.180s", what,
             reply.error[0] ? reply.error : "an unexpected reply");
    ls_scrub_cstr(msg, sizeof(msg), c->secrets, c->n_secrets);
    ls_llm_reply_release(&reply);
    return ls_err_set(err, LS_EUPSTREAM, "%s", msg);
}
