/*
 * request.c - from a parsed request head to a route handler, and back.
 *
 * The checks run in a fixed order, each answering with its own JSON error:
 * the target (400), the Host (421, against DNS rebinding), CORS preflights,
 * the Origin of state-changing requests (403, against cross-site requests,
 * whatever the method), the route (404, 405), access (401, 403; a request
 * signed in by cookie that changes state must also come from this origin:
 * 403, against CSRF), the query
 * parameters (400: only the ones the route documents, each once, numbers
 * strict), then the body rules (415, 413). Nothing of the body is read
 * before all of them passed.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "core/xalloc.h"
#include "resp.h"
#include "sys/log.h"
#include "sys/metrics.h"
#include "sys/sys.h"

/* ---- helpers for handlers ------------------------------------------------------- */

const char *ls_req_header(const struct ls_req *req, const char *name)
{
    const struct ls_http_field *f = ls_http_field_get(&req->head, name);
    return f ? f->value : NULL;
}

const char *ls_req_query(const struct ls_req *req, const char *name)
{
    for (size_t i = 0; i < req->n_query; i++) {
        if (strcmp(req->query[i].key, name) == 0)
            return req->query[i].value;
    }
    return NULL;
}

bool ls_req_content_type_is(const struct ls_req *req, const char *type)
{
    const char *v = ls_req_header(req, "Content-Type");
    if (v == NULL)
        return false;
    size_t n = strlen(type);
    return strncasecmp(v, type, n) == 0 && (v[n] == '\0' || v[n] == ';' || v[n] == ' ');
}

bool ls_req_has_body(const struct ls_req *req)
{
    return req->framing.body != LS_HTTP_BODY_NONE;
}

/* Accept-Encoding names gzip with a non-zero q (RFC 9110 section 12.5.3). */
bool ls_req_accepts_gzip(const struct ls_req *req)
{
    const char *v = ls_req_header(req, "Accept-Encoding");
    for (const char *p = v; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        if ((n >= 4 && strncasecmp(p, "gzip", 4) == 0 && (n == 4 || p[4] == ';' || p[4] == ' ')) ||
            (n >= 1 && p[0] == '*' && (n == 1 || p[1] == ';'))) {
            const char *qv = memchr(p, ';', n);
            const char *qs = qv ? strstr(qv, "q=") : NULL;
            return qs == NULL || qs >= p + n || strtod(qs + 2, NULL) > 0;
        }
        p += n;
    }
    return false;
}

/* If-None-Match holds etag (or *). */
bool ls_req_not_modified(const struct ls_req *req, const char *etag)
{
    const char *v = ls_req_header(req, "If-None-Match");
    if (v == NULL)
        return false;
    if (strstr(v, etag) != NULL)
        return true;
    while (*v == ' ')
        v++;
    return v[0] == '*';
}

static void resume_on_done(void *ud, int64_t job_id)
{
    (void)job_id;
    struct ls_req *req = ud;
    ls_conn_resume(req->conn);
}

int ls_req_wait_job(struct ls_req *req, int64_t job_id)
{
    req->waited_job = job_id;
    /* Suspend first: the runner may call back at once, from this very thread. */
    ls_conn_suspend(req->conn);
    ls_runner_watch(req->app->runner, job_id, resume_on_done, req);
    return LS_OK;
}

int ls_reply(struct ls_req *req, struct ls_resp *r)
{
    if (req->replied) {
        ls_resp_free(r);
        return LS_OK;
    }
    req->replied = true;
    ls_resp_header(r, "X-Request-Id", req->id);
    if (req->cors_origin) {
        ls_resp_header(r, "Access-Control-Allow-Origin", req->cors_origin);
        ls_resp_header(r, "Vary", "Origin");
        ls_resp_header(r, "Access-Control-Expose-Headers",
                       "Location, X-Total-Count, X-Request-Id, Preference-Applied, "
                       "Content-Disposition, ETag, X-Job-Id, X-Job-Status");
    }
    ls_conn_reply(req->conn, r);
    return LS_OK;
}

/* ---- the target ------------------------------------------------------------------- */

/* A client's X-Request-Id is kept when it is 1-64 characters of [A-Za-z0-9._-]. */
static void request_id(struct ls_req *req)
{
    const char *v = ls_req_header(req, "X-Request-Id");
    size_t n = v ? strlen(v) : 0;
    bool ok = n >= 1 && n <= LS_REQ_ID_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = v[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == '-';
    }
    if (ok)
        memcpy(req->id, v, n + 1);
}

/* Decodes the query string into req->query; false with *why on a malformed one. */
static bool parse_query(struct ls_req *req, const char *q, size_t len, char *out, char *why,
                        size_t why_cap)
{
    size_t w = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && q[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(q + i, '=', j - i);
            size_t klen = eq ? (size_t)(eq - (q + i)) : j - i;
            if (req->n_query == LS_QUERY_MAX) {
                snprintf(why, why_cap, "more than %d query parameters", LS_QUERY_MAX);
                return false;
            }
            char *key = out + w;
            size_t kn, vn;
            if (ls_url_decode(q + i, klen, true, key, &kn) != 0 || memchr(key, '\0', kn)) {
                snprintf(why, why_cap, "a query parameter name is not properly encoded");
                return false;
            }
            w += kn + 1;
            char *val = out + w;
            const char *vs = eq ? eq + 1 : q + j;
            if (ls_url_decode(vs, (size_t)(q + j - vs), true, val, &vn) != 0 ||
                memchr(val, '\0', vn)) {
                snprintf(why, why_cap, "query parameter \"%.60s\" is not properly encoded", key);
                return false;
            }
            w += vn + 1;
            req->query[req->n_query].key = key;
            req->query[req->n_query].value = val;
            req->n_query++;
        }
        i = j + 1;
    }
    return true;
}

/*
 * Splits and decodes the request-target. An absolute-form target
 * (http://host/path, RFC 9112 section 3.2.2) names the host it is for.
 */
static bool decode_target(struct ls_req *req, const char **host, size_t *host_len)
{
    const char *t = req->head.target;
    size_t len = req->head.target_len;
    char why[160] = "";
    if (len > 7 && (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0)) {
        const char *a = t + (t[4] == ':' ? 7 : 8);
        const char *slash = memchr(a, '/', len - (size_t)(a - t));
        *host = a;
        *host_len = slash ? (size_t)(slash - a) : len - (size_t)(a - t);
        len -= (size_t)((slash ? slash : t + len) - t);
        t = slash ? slash : "/";
        if (!slash)
            len = 1;
    } else if (len == 1 && t[0] == '*') {
        t = "/";
    } else if (t[0] != '/') {
        ls_reply_error(req, LS_HTTP_BAD_REQUEST, "bad_request",
                       "the request target must be a path starting with /", NULL);
        return false;
    }
    const char *qm = memchr(t, '?', len);
    size_t plen = qm ? (size_t)(qm - t) : len;
    /* One block for the decoded path and query: decoding never grows the text. */
    char *mem = ls_xmalloc(2 * len + 2 * LS_QUERY_MAX + 4);
    req->path = mem; /* owned by the request: freed in ls_request_done */
    if (ls_url_decode(t, plen, false, mem, &req->path_len) != 0) {
        snprintf(why, sizeof(why), "the path is not properly percent-encoded");
    } else if (memchr(mem, '\0', req->path_len)) {
        snprintf(why, sizeof(why), "the path contains a NUL byte");
    } else if (qm && !parse_query(req, qm + 1, len - plen - 1, mem + req->path_len + 1, why,
                                  sizeof(why))) {
        /* why is set */
    }
    if (why[0]) {
        ls_reply_error(req, LS_HTTP_BAD_REQUEST, "bad_request", why, NULL);
        return false;
    }
    return true;
}

/* ---- Host and Origin ------------------------------------------------------------------- */

/* The host part of a Host value: "[::1]:5000" -> "::1", "a.example:80" -> "a.example". */
static void host_name(const char *h, size_t n, char *out, size_t cap)
{
    const char *end = h + n;
    if (n && h[0] == '[') {
        const char *rb = memchr(h, ']', n);
        h++;
        end = rb ? rb : end;
    } else {
        const char *colon = memchr(h, ':', n);
        if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)) == NULL)
            end = colon;
    }
    snprintf(out, cap, "%.*s", (int)(end - h), h);
}

/* True when name is an entry of the comma-separated list (case-insensitive; "*" matches all). */
static bool in_list(const char *list, const char *name, size_t name_len)
{
    if (list == NULL)
        return false;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t t = n;
        while (t && p[t - 1] == ' ')
            t--;
        if (t == 1 && p[0] == '*')
            return true;
        if (t && t == name_len && strncasecmp(p, name, t) == 0)
            return true;
        p += n;
    }
    return false;
}

static bool host_allowed(struct ls_req *req, const char *host, size_t host_len)
{
    if (host == NULL)
        return true; /* HTTP/1.0 without Host: no browser sends that */
    char name[256];
    host_name(host, host_len, name, sizeof(name));
    size_t n = strlen(name);
    const struct ls_http_config *cfg = &req->app->cfg;
    return strcasecmp(name, "localhost") == 0 || strcasecmp(name, cfg->host) == 0 ||
           strcasecmp(name, ls_conn_local_addr(req->conn)) == 0 ||
           in_list(cfg->allowed_hosts, name, n);
}

/* The server's own origin: the scheme and the Host the request was sent to. */
static bool own_origin(const struct ls_req *req, const char *origin)
{
    const char *host = req->framing.host;
    if (host == NULL)
        return false;
    size_t hl = req->framing.host_len;
    for (int i = 0; i < 2; i++) {
        const char *scheme = i ? "https://" : "http://";
        size_t sl = strlen(scheme);
        if (strncasecmp(origin, scheme, sl) == 0 && strlen(origin + sl) == hl &&
            strncasecmp(origin + sl, host, hl) == 0)
            return true;
    }
    return false;
}

static bool state_changing(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

/* A CORS preflight (or a plain OPTIONS): which methods and headers the path takes. */
static void preflight(struct ls_req *req, const char *allow)
{
    const char *origin = ls_req_header(req, "Origin");
    if (origin && !req->cors_origin && !own_origin(req, origin)) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "origin %.100s may not call this server (see LEADSCORE_CORS_ORIGINS)", origin);
        ls_reply_error(req, LS_HTTP_FORBIDDEN, "forbidden_origin", msg, NULL);
        return;
    }
    struct ls_resp *r = ls_resp_new(LS_HTTP_NO_CONTENT);
    char methods[128];
    snprintf(methods, sizeof(methods), "%s%sOPTIONS", allow, allow[0] ? ", " : "");
    ls_resp_header(r, "Allow", methods);
    if (req->cors_origin) {
        ls_resp_header(r, "Access-Control-Allow-Methods", methods);
        ls_resp_header(r, "Access-Control-Allow-Headers",
                       "Authorization, Content-Type, Prefer, X-Request-Id, If-None-Match");
        ls_resp_header(r, "Access-Control-Max-Age", "600");
    }
    ls_reply(req, r);
}

/*
 * CSRF: a browser attaches the session cookie by itself, so a request it
 * authenticates must show that this server's own page sent it. SameSite=
 * Strict already keeps the cookie off cross-site requests; this holds also
 * for a browser that ignores SameSite, and for a same-site sibling
 * (another port or subdomain) that is not this origin. Bearer keys are never
 * attached by a browser, and keep the Origin rule above.
 */
static bool session_same_origin(struct ls_req *req, const char *origin)
{
    if (!req->auth.session || !state_changing(req->method))
        return true;
    const char *site = ls_req_header(req, "Sec-Fetch-Site");
    if ((origin && own_origin(req, origin)) || (site && strcasecmp(site, "same-origin") == 0))
        return true;
    char msg[320];
    snprintf(msg, sizeof(msg),
             "a cookie-authenticated %s must come from this server's own page: send Origin of "
             "this server or Sec-Fetch-Site: same-origin (got Origin %.100s)",
             req->method, origin ? origin : "none");
    ls_reply_error(req, LS_HTTP_FORBIDDEN, "forbidden_origin", msg, NULL);
    return false;
}

/* ---- query parameters -------------------------------------------------------------------- */

/* Only the parameters the route documents, each at most once. */
static bool query_allowed(struct ls_req *req)
{
    const char *doc = req->route->query ? req->route->query : "";
    if (strcmp(doc, "*") == 0)
        return true; /* the dashboard page: links may carry anything (utm_source=...) */
    for (size_t i = 0; i < req->n_query; i++) {
        const char *k = req->query[i].key;
        size_t kl = strlen(k);
        bool known = false;
        for (const char *p = doc; *p;) {
            size_t n = strcspn(p, " ");
            if (n == kl && strncmp(p, k, n) == 0)
                known = true;
            p += n;
            while (*p == ' ')
                p++;
        }
        char msg[300];
        if (!known) {
            snprintf(msg, sizeof(msg), "unknown query parameter \"%.60s\"%s%s%s", k,
                     doc[0] ? " (this endpoint takes: " : " (this endpoint takes none)",
                     doc[0] ? doc : "", doc[0] ? ")" : "");
            /* The name is the client's bytes (%FF decodes as is): json_pack's "s" takes
             * only UTF-8, and would return NULL and drop the details. */
            ls_reply_error(req, LS_HTTP_BAD_REQUEST, "invalid", msg,
                           json_pack("{s:o}", "parameter", ls_json_text(k, kl)));
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(req->query[j].key, k) == 0) {
                snprintf(msg, sizeof(msg), "query parameter \"%.60s\" is given more than once", k);
                ls_reply_error(req, LS_HTTP_BAD_REQUEST, "invalid", msg,
                               json_pack("{s:s}", "parameter", k));
                return false;
            }
        }
    }
    return true;
}

/* ---- the pipeline ---------------------------------------------------------------------- */

static void route_missing(struct ls_req *req, const char *allow)
{
    char msg[400];
    char path[200];
    snprintf(path, sizeof(path), "%.*s", (int)(req->path_len < 180 ? req->path_len : 180),
             req->path);
    if (allow[0] == '\0' && ls_web_wants_page(req)) {
        ls_web_not_found(req);
        return;
    }
    if (allow[0] == '\0') {
        snprintf(msg, sizeof(msg), "no such endpoint: %s %s", req->method, path);
        ls_reply_error(req, LS_HTTP_NOT_FOUND, "not_found", msg, NULL);
        return;
    }
    snprintf(msg, sizeof(msg), "%s is not allowed on %s (allowed: %s)", req->method, path, allow);
    const char *headers[] = {"Allow", allow, NULL};
    json_t *body = json_object();
    json_object_set_new(body, "error", ls_json_text(msg, strlen(msg)));
    json_object_set_new(body, "code", json_string("method_not_allowed"));
    ls_reply_json_hdr(req, LS_HTTP_METHOD_NOT_ALLOWED, body, headers);
}

/* POST /score and POST /jobs: JSON bodies only; no body only from non-browser clients. */
static bool body_type_ok(struct ls_req *req)
{
    const struct ls_route *rt = req->route;
    if (!(rt->doc_body == LS_DOC_JOB || strcmp(rt->pattern, "/score") == 0))
        return true;
    if (ls_req_has_body(req)) {
        if (ls_req_content_type_is(req, "application/json"))
            return true;
        ls_reply_error(req, LS_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                       "send the body with Content-Type: application/json", NULL);
        return false;
    }
    if (ls_req_header(req, "Origin") == NULL)
        return true;
    ls_reply_error(req, LS_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                   "from a browser, send a JSON body (for example {}) with Content-Type: "
                   "application/json",
                   NULL);
    return false;
}

static bool body_size_ok(struct ls_req *req)
{
    const struct ls_route *rt = req->route;
    size_t cap = rt->body == LS_BODY_STREAM ? req->app->cfg.max_upload : req->app->cfg.max_json;
    if (rt->body == LS_BODY_NONE || req->framing.body != LS_HTTP_BODY_LENGTH ||
        req->framing.length <= cap)
        return true;
    char msg[128];
    snprintf(msg, sizeof(msg), "%s is larger than the %zu-byte limit",
             rt->body == LS_BODY_STREAM ? "the upload" : "the request body", cap);
    ls_reply_error(req, LS_HTTP_CONTENT_TOO_LARGE, "too_large", msg, NULL);
    return false;
}

void ls_request_begin(struct ls_req *req)
{
    snprintf(req->method, sizeof(req->method), "%.*s", (int)req->head.method_len, req->head.method);
    request_id(req);
    const char *host = req->framing.host;
    size_t host_len = req->framing.host_len;
    if (!decode_target(req, &host, &host_len))
        return;
    if (!host_allowed(req, host, host_len)) {
        char name[256], msg[400];
        host_name(host, host_len, name, sizeof(name));
        snprintf(msg, sizeof(msg),
                 "this server does not answer for host \"%.200s\" (add it to "
                 "LEADSCORE_ALLOWED_HOSTS)",
                 name);
        ls_reply_error(req, LS_HTTP_MISDIRECTED, "misdirected_request", msg, NULL);
        return;
    }
    const char *origin = ls_req_header(req, "Origin");
    if (origin && in_list(req->app->cfg.cors_origins, origin, strlen(origin)))
        req->cors_origin = origin;
    char allow[96];
    bool options = strcmp(req->method, "OPTIONS") == 0;
    req->route =
        ls_routes_match(options ? "OPTIONS" : req->method, req->path, req, allow, sizeof(allow));
    if (req->route) {
        size_t n;
        req->route_index = (int)(req->route - ls_routes_all(&n));
    }
    if (options) {
        if (allow[0] == '\0') {
            route_missing(req, allow);
            return;
        }
        preflight(req, allow);
        return;
    }
    /* Before the route: a foreign page's PUT or PATCH is refused as such, not as a 405. */
    if (origin && state_changing(req->method) && !req->cors_origin && !own_origin(req, origin)) {
        char msg[240];
        snprintf(msg, sizeof(msg),
                 "cross-origin %s from %.100s refused (allowed origins: this server and "
                 "LEADSCORE_CORS_ORIGINS)",
                 req->method, origin);
        ls_reply_error(req, LS_HTTP_FORBIDDEN, "forbidden_origin", msg, NULL);
        return;
    }
    if (req->route == NULL) {
        route_missing(req, allow);
        return;
    }
    if (!ls_auth_request(req) || !session_same_origin(req, origin))
        return;
    if (!query_allowed(req) || !body_type_ok(req) || !body_size_ok(req))
        return;
    if (req->route->body == LS_BODY_STREAM)
        req->route->stream_begin(req);
}

void ls_request_body(struct ls_req *req, const char *data, size_t len)
{
    if (req->replied || req->route == NULL)
        return;
    const struct ls_route *rt = req->route;
    if (rt->body == LS_BODY_STREAM) {
        rt->stream_chunk(req, data, len);
    } else if (rt->body == LS_BODY_BUFFER && !req->body_too_large) {
        if (ls_buf_add(&req->body, data, len) != LS_OK) {
            req->body_too_large = true;
            char msg[128];
            snprintf(msg, sizeof(msg), "the request body is larger than the %zu-byte limit",
                     req->app->cfg.max_json);
            ls_reply_error(req, LS_HTTP_CONTENT_TOO_LARGE, "too_large", msg, NULL);
        }
    }
    /* LS_BODY_NONE: a body the route does not take is read and dropped. */
}

void ls_request_end(struct ls_req *req)
{
    if (req->replied || req->route == NULL)
        return;
    if (req->route->body == LS_BODY_STREAM)
        req->route->stream_end(req);
    else
        req->route->handle(req);
}

void ls_request_resume(struct ls_req *req)
{
    req->route->handle(req);
}

void ls_request_done(struct ls_req *req, bool completed)
{
    int64_t ms = ls_mono_ms() - req->start_ms;
    char path[200];
    snprintf(path, sizeof(path), "%.*s", (int)(req->path_len < 190 ? req->path_len : 190),
             req->path ? req->path : "");
    ls_log(LS_LOG_INFO, "http.request",
           "req=%s method=%s path=%s status=%u bytes_in=%llu bytes_out=%llu ms=%lld peer=%s "
           "aborted=%d",
           req->id, req->method[0] ? req->method : "-", req->path ? path : "-", req->status,
           (unsigned long long)req->bytes_in, (unsigned long long)req->bytes_out, (long long)ms,
           ls_conn_peer_addr(req->conn), !completed);
    ls_metrics_http_request(req->route_index, req->status, (double)ms / 1000.0, req->bytes_in,
                            req->bytes_out);
    if (req->cleanup)
        req->cleanup(req->state);
    ls_buf_release(&req->body);
    free((void *)(uintptr_t)req->path);
    free(req->mem);
    free(req);
}
