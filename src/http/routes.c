/*
 * routes.c - the route table. Unknown path: 404; known path with another
 * method: 405 with an Allow header listing the methods it takes.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>

static const struct ls_route routes[] = {
    {"GET", "/healthz", LS_BODY_NONE, ls_h_health, NULL, NULL, NULL},
    {"POST", "/offer", LS_BODY_BUFFER, ls_h_offer_create, NULL, NULL, NULL},
    {"POST", "/leads/upload", LS_BODY_STREAM, NULL, ls_h_upload_begin, ls_h_upload_chunk,
     ls_h_upload_end},
    {"POST", "/score", LS_BODY_BUFFER, ls_h_score, NULL, NULL, NULL},
    {"GET", "/results", LS_BODY_NONE, ls_h_results, NULL, NULL, NULL},
    {"GET", "/results/export", LS_BODY_NONE, ls_h_results_export, NULL, NULL, NULL},
    {"GET", "/results/csv", LS_BODY_NONE, ls_h_results_export, NULL, NULL, NULL},
};

/* Matches path against pattern segment by segment; {x} captures one segment. */
static bool path_match(const char *pattern, const char *path, struct ls_req *req)
{
    int np = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *se = strchr(s, '/');
            size_t n = se ? (size_t)(se - s) : strlen(s);
            if (n == 0 || n >= sizeof(req->param[0]) || np >= LS_PATH_PARAMS)
                return false;
            memcpy(req->param[np], s, n);
            req->param[np][n] = '\0';
            np++;
            p = pe + 1;
            s += n;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    /* A trailing slash is the same resource ("/results/" == "/results"). */
    if (*s == '/' && s[1] == '\0')
        s++;
    return *p == '\0' && *s == '\0';
}

const struct ls_route *ls_routes_match(const char *method, const char *path, struct ls_req *req,
                                       char *allow, size_t allow_cap)
{
    size_t w = 0;
    allow[0] = '\0';
    for (size_t i = 0; i < LS_ARRAY_LEN(routes); i++) {
        if (!path_match(routes[i].pattern, path, req))
            continue;
        if (strcmp(routes[i].method, method) == 0)
            return &routes[i];
        /* HEAD is served wherever GET is (MHD drops the body). */
        if (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)
            return &routes[i];
        if (!strstr(allow, routes[i].method))
            w += (size_t)snprintf(allow + w, allow_cap > w ? allow_cap - w : 0, "%s%s",
                                  w ? ", " : "", routes[i].method);
    }
    return NULL;
}
