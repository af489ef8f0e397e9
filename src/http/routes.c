/*
 * routes.c - the route table. Unknown path: 404; known path with another
 * method: 405 with an Allow header listing the methods it takes.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>

#define JSON      "application/json"
#define RESULTS_Q "intent min_score max_score q sort limit offset"
#define EXPORT_Q  "format columns intent min_score max_score q"
#define SUMMARY_Q "intent min_score max_score q"
#define UPLOAD_Q  "filename delimiter encoding dedupe"

/* clang-format off */
static const struct ls_route routes[] = {
    /* method  pattern  summary  query  request body  ok status  ok type  least role  body mode  handlers */
    {"GET",    "/", "The dashboard (HTML; any query is ignored)", "*", LS_DOC_NONE, 200,
     "text/html", LS_ROLE_NONE, LS_BODY_NONE, ls_h_web_index, NULL, NULL, NULL},
    {"GET",    "/assets/{name}", "A dashboard file at its content-hashed name (cached for good)",
     NULL, LS_DOC_NONE, 200, "text/javascript", LS_ROLE_NONE, LS_BODY_NONE, ls_h_web_asset, NULL,
     NULL, NULL},
    {"GET",    "/healthz", "Liveness, version, AI provider and model, store health", NULL, LS_DOC_NONE,
     200, JSON, LS_ROLE_NONE, LS_BODY_NONE, ls_h_health, NULL, NULL, NULL},
    {"GET",    "/openapi.json", "This API as an OpenAPI 3.1 document", NULL, LS_DOC_NONE, 200, JSON,
     LS_ROLE_NONE, LS_BODY_NONE, ls_h_openapi, NULL, NULL, NULL},
    {"GET",    "/metrics", "Prometheus metrics (text format 0.0.4)", NULL, LS_DOC_NONE, 200,
     "text/plain", LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_metrics, NULL, NULL, NULL},
    {"POST",   "/offer", "Store an offer and make it the current one", NULL, LS_DOC_OFFER, 201, JSON,
     LS_ROLE_MEMBER, LS_BODY_BUFFER, ls_h_offer_create, NULL, NULL, NULL},
    {"POST",   "/offers", "Store an offer and make it the current one", NULL, LS_DOC_OFFER, 201, JSON,
     LS_ROLE_MEMBER, LS_BODY_BUFFER, ls_h_offer_create, NULL, NULL, NULL},
    {"GET",    "/offers", "List offers, newest first", "limit offset", LS_DOC_NONE, 200, JSON,
     LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_offers_list, NULL, NULL, NULL},
    {"GET",    "/offers/{id}", "One offer", NULL, LS_DOC_NONE, 200, JSON,
     LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_offer_get, NULL, NULL, NULL},
    {"DELETE", "/offers/{id}", "Delete an offer (finished jobs keep their results)", NULL,
     LS_DOC_NONE, 200, JSON, LS_ROLE_MEMBER, LS_BODY_NONE, ls_h_offer_delete, NULL, NULL, NULL},
    {"POST",   "/leads/upload", "Upload a leads CSV and make it the current lead set", UPLOAD_Q,
     LS_DOC_CSV, 201, JSON, LS_ROLE_MEMBER, LS_BODY_STREAM, NULL, ls_h_upload_begin,
     ls_h_upload_chunk, ls_h_upload_end},
    {"POST",   "/uploads", "Upload a leads CSV and make it the current lead set", UPLOAD_Q,
     LS_DOC_CSV, 201, JSON, LS_ROLE_MEMBER, LS_BODY_STREAM, NULL, ls_h_upload_begin,
     ls_h_upload_chunk, ls_h_upload_end},
    {"GET",    "/uploads", "List uploads, newest first", "limit offset", LS_DOC_NONE, 200, JSON,
     LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_uploads_list, NULL, NULL, NULL},
    {"GET",    "/uploads/{id}", "One upload: counts, rejected rows, created time", NULL, LS_DOC_NONE,
     200, JSON, LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_upload_get, NULL, NULL, NULL},
    {"DELETE", "/uploads/{id}", "Delete an upload, its leads and the results scored from them",
     NULL, LS_DOC_NONE, 200, JSON, LS_ROLE_MEMBER, LS_BODY_NONE, ls_h_upload_delete, NULL, NULL,
     NULL},
    {"GET",    "/uploads/{id}/leads", "An upload's leads in upload order", "limit offset",
     LS_DOC_NONE, 200, JSON, LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_upload_leads, NULL, NULL, NULL},
    {"POST",   "/score", "Score the current leads against the current offer (waits unless Prefer: respond-async)",
     NULL, LS_DOC_JOB, 200, JSON, LS_ROLE_MEMBER, LS_BODY_BUFFER, ls_h_score, NULL, NULL, NULL},
    {"POST",   "/jobs", "Start a scoring job (defaults: the current offer and upload)", NULL,
     LS_DOC_JOB, 202, JSON, LS_ROLE_MEMBER, LS_BODY_BUFFER, ls_h_job_create, NULL, NULL, NULL},
    {"GET",    "/jobs", "List jobs, newest first", "limit offset", LS_DOC_NONE, 200, JSON,
     LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_jobs_list, NULL, NULL, NULL},
    {"GET",    "/jobs/{id}", "A job's status and progress", NULL, LS_DOC_NONE, 200, JSON,
     LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_job_get, NULL, NULL, NULL},
    {"DELETE", "/jobs/{id}", "Cancel a job (finished results are kept), or with purge=1 delete a finished job and its results",
     "purge", LS_DOC_NONE, 200, JSON, LS_ROLE_MEMBER, LS_BODY_NONE, ls_h_job_cancel, NULL, NULL,
     NULL},
    {"POST",   "/jobs/{id}/resume", "Resume a job stopped at its budget, optionally with a higher budget_usd",
     NULL, LS_DOC_JOB, 200, JSON, LS_ROLE_MEMBER, LS_BODY_BUFFER, ls_h_job_resume, NULL, NULL, NULL},
    {"GET",    "/jobs/{id}/events", "A job's progress as Server-Sent Events, until it has finished",
     NULL, LS_DOC_NONE, 200, "text/event-stream", LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_job_events,
     NULL, NULL, NULL},
    {"GET",    "/jobs/{id}/results", "A job's results, filtered, sorted and paged", RESULTS_Q,
     LS_DOC_NONE, 200, JSON, LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_job_results, NULL, NULL, NULL},
    {"DELETE", "/jobs/{id}/results", "Delete a finished job's results (the job stays)", NULL,
     LS_DOC_NONE, 200, JSON, LS_ROLE_MEMBER, LS_BODY_NONE, ls_h_job_results_delete, NULL, NULL,
     NULL},
    {"GET",    "/jobs/{id}/results/export", "All of a job's results as CSV, JSON lines or XLSX, streamed",
     EXPORT_Q, LS_DOC_NONE, 200, "text/csv", LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_job_results_export,
     NULL, NULL, NULL},
    {"GET",    "/jobs/{id}/results/summary", "A job's results by intent and in ten score bins, for a filter",
     SUMMARY_Q, LS_DOC_NONE, 200, JSON, LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_job_results_summary,
     NULL, NULL, NULL},
    {"GET",    "/results", "The latest job's results, filtered, sorted and paged", RESULTS_Q,
     LS_DOC_NONE, 200, JSON, LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_results, NULL, NULL, NULL},
    {"GET",    "/results/export", "All of the latest job's results as CSV, JSON lines or XLSX, streamed",
     EXPORT_Q, LS_DOC_NONE, 200, "text/csv", LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_results_export,
     NULL, NULL, NULL},
    {"GET",    "/results/summary", "The latest job's results by intent and in ten score bins, for a filter",
     SUMMARY_Q, LS_DOC_NONE, 200, JSON, LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_results_summary, NULL,
     NULL, NULL},
    {"GET",    "/results/csv", "Alias of /results/export", EXPORT_Q, LS_DOC_NONE, 200, "text/csv",
     LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_results_export, NULL, NULL, NULL},
    {"GET",    "/keys", "The API keys of the caller's workspace (never their secrets)", NULL,
     LS_DOC_NONE, 200, JSON, LS_ROLE_ADMIN, LS_BODY_NONE, ls_h_keys_list, NULL, NULL, NULL},
    {"POST",   "/keys", "Create an API key in the caller's workspace (its secret is shown once)",
     NULL, LS_DOC_KEY, 201, JSON, LS_ROLE_ADMIN, LS_BODY_BUFFER, ls_h_key_create, NULL, NULL, NULL},
    {"DELETE", "/keys/{id}", "Revoke an API key", NULL, LS_DOC_NONE, 200, JSON, LS_ROLE_ADMIN,
     LS_BODY_NONE, ls_h_key_delete, NULL, NULL, NULL},
    {"POST",   "/session", "Sign in with an API key: the server sets the ls_session cookie",
     NULL, LS_DOC_SESSION, 201, JSON, LS_ROLE_NONE, LS_BODY_BUFFER, ls_h_session_create, NULL,
     NULL, NULL},
    {"GET",    "/session", "Who this request is signed in as: open mode, a session or a key",
     NULL, LS_DOC_NONE, 200, JSON, LS_ROLE_VIEWER, LS_BODY_NONE, ls_h_session_get, NULL, NULL,
     NULL},
    {"DELETE", "/session", "Sign out: end the session and clear its cookie", NULL, LS_DOC_NONE,
     200, JSON, LS_ROLE_NONE, LS_BODY_NONE, ls_h_session_delete, NULL, NULL, NULL},
};
/* clang-format on */

const struct ls_route *ls_routes_all(size_t *n)
{
    *n = LS_ARRAY_LEN(routes);
    return routes;
}

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
        /* HEAD is served wherever GET is (the server sends the head only). */
        if (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)
            return &routes[i];
        if (!strstr(allow, routes[i].method))
            w += (size_t)snprintf(allow + w, allow_cap > w ? allow_cap - w : 0, "%s%s",
                                  w ? ", " : "", routes[i].method);
    }
    return NULL;
}
