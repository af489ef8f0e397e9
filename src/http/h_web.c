/*
 * h_web.c - the dashboard: GET / (the page), GET /assets/{name} (its
 * scripts, styles and icons), and the dashboard's not-found page.
 *
 * The files are embedded at build time (web_assets.h), so serving needs no
 * disk and no network. They hold no data: what the page shows comes from
 * the API, behind the API's access rules, so they are public like /healthz
 * (the sign-in form must load before a key is known). Hashed asset URLs
 * are immutable; pages are revalidated by ETag so a new build is seen at
 * once. Every reply carries the policy below: no script but our own files,
 * no inline script or style attribute, no framing, no referrer.
 */
#include "http.h"

#include <string.h>

#include "web_assets.h"

/* Also in the README (Dashboard) and checked by tests/integ/test_web.c. */
#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "                 \
    "frame-ancestors 'none'"

static const struct ls_web_asset *find(const char *path)
{
    for (size_t i = 0; i < ls_web_assets_n; i++)
        if (strcmp(ls_web_assets[i].path, path) == 0)
            return &ls_web_assets[i];
    return NULL;
}

static int send_asset(struct ls_req *req, const struct ls_web_asset *a, unsigned status)
{
    bool gz = ls_req_accepts_gzip(req);
    /* The gzip form is another representation, so another strong validator. */
    char etag[64];
    size_t el = strlen(a->etag);
    snprintf(etag, sizeof(etag), "%.*s%s\"", (int)(el - 1), a->etag, gz ? "-gz" : "");
    bool unchanged = status == LS_HTTP_OK && ls_req_not_modified(req, etag);
    struct ls_resp *resp = ls_resp_new(unchanged ? LS_HTTP_NOT_MODIFIED : status);
    ls_resp_header(resp, "Content-Security-Policy", CSP);
    ls_resp_header(resp, "X-Content-Type-Options", "nosniff");
    ls_resp_header(resp, "Referrer-Policy", "no-referrer");
    ls_resp_header(resp, "X-Frame-Options", "DENY");
    ls_resp_header(resp, "Cache-Control",
                   status != LS_HTTP_OK ? "no-store"
                   : a->immutable       ? "public, max-age=31536000, immutable"
                                        : "no-cache");
    ls_resp_header(resp, "Vary", "Accept-Encoding");
    if (status == LS_HTTP_OK)
        ls_resp_header(resp, "ETag", etag);
    if (unchanged)
        return ls_reply(req, resp);
    if (gz) {
        ls_resp_header(resp, "Content-Encoding", "gzip");
        ls_resp_body_static(resp, a->type, a->gz, a->gz_len);
    } else {
        ls_resp_body_static(resp, a->type, a->data, a->len);
    }
    return ls_reply(req, resp);
}

int ls_h_web_index(struct ls_req *req)
{
    return send_asset(req, find("/"), LS_HTTP_OK);
}

int ls_h_web_asset(struct ls_req *req)
{
    char path[96];
    snprintf(path, sizeof(path), "/assets/%s", req->param[0]);
    const struct ls_web_asset *a = find(path);
    if (a == NULL || a->path[0] != '/' || !a->immutable)
        return ls_web_not_found(req);
    return send_asset(req, a, LS_HTTP_OK);
}

int ls_web_not_found(struct ls_req *req)
{
    return send_asset(req, find(""), LS_HTTP_NOT_FOUND);
}

bool ls_web_wants_page(const struct ls_req *req)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return false;
    if (strncmp(req->path, "/assets/", 8) == 0)
        return true;
    /* A path under an API route (/jobs/9/nope) keeps the API's JSON 404. */
    size_t n;
    const struct ls_route *routes = ls_routes_all(&n);
    size_t seg = strcspn(req->path + 1, "/") + 1;
    for (size_t i = 0; i < n; i++) {
        const char *p = routes[i].pattern;
        if (strcmp(p, "/") != 0 && strncmp(p, req->path, seg) == 0 &&
            (p[seg] == '/' || p[seg] == '\0'))
            return false;
    }
    /* Only a browser navigating asks for HTML first; curl and scripts get JSON. */
    const char *accept = ls_req_header(req, "Accept");
    return accept && strstr(accept, "text/html") != NULL;
}
