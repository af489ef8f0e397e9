/*
 * http.h - what route handlers share: the application context, the request
 * (one per HTTP request, created on MHD's first callback and freed in its
 * completion callback) and the reply helpers. Handlers run decode -> validate
 * -> core -> store -> encode and hold no business rules.
 */
#ifndef LS_HTTP_HTTP_H
#define LS_HTTP_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/csv_in.h"
#include "core/err.h"
#include "core/rules.h"
#include "jobs/runner.h"
#include "llm/provider.h"
#include "store/store.h"

struct ls_http_config {
    const char *host;  /* borrowed; numeric address or name */
    int port;          /* 0: any free port */
    int threads;       /* MHD thread pool size */
    size_t max_json;   /* bytes of a JSON body (413 above) */
    size_t max_upload; /* bytes of a CSV upload (413 above) */
    struct ls_csv_limits csv;
};

/* Everything handlers need; all borrowed from main for the server's life. */
struct ls_app {
    struct ls_store *store;
    struct ls_runner *runner;
    struct ls_provider *provider;
    const struct ls_rules *rules;
    struct ls_http_config cfg;
    int64_t started_ms;
};

struct ls_req;

enum ls_body_mode { LS_BODY_NONE, LS_BODY_BUFFER, LS_BODY_STREAM };

/* What GET /openapi.json says of a route's request body. */
enum ls_doc_body { LS_DOC_NONE, LS_DOC_OFFER, LS_DOC_CSV, LS_DOC_JOB };

struct ls_route {
    const char *method;
    const char *pattern; /* "/jobs/{id}": {x} matches one path segment */
    /* documentation (GET /openapi.json) */
    const char *summary;
    const char *query; /* space-separated query parameters it takes, or NULL */
    enum ls_doc_body doc_body;
    unsigned ok_status;  /* its success status */
    const char *ok_type; /* its success media type */
    enum ls_body_mode body;
    /* NONE and BUFFER: called once the body is complete (req->body). */
    enum MHD_Result (*handle)(struct ls_req *req);
    /* STREAM: begin on the first callback (may reply early), chunk per piece, end at the end. */
    int (*stream_begin)(struct ls_req *req);
    int (*stream_chunk)(struct ls_req *req, const char *data, size_t len);
    enum MHD_Result (*stream_end)(struct ls_req *req);
};

#define LS_PATH_PARAMS 2

struct ls_req {
    struct ls_app *app; /* borrowed */
    struct MHD_Connection *conn;
    const struct ls_route *route;
    char id[17]; /* request id, echoed in X-Request-Id */
    char method[16];
    char path[256];
    char param[LS_PATH_PARAMS][64]; /* {x} values in pattern order */
    int64_t start_ms;
    unsigned status; /* for the access log */
    uint64_t bytes_in;
    /* BUFFER bodies */
    struct ls_buf body;
    bool body_too_large;
    /* A reply decided before the body ended (e.g. 413 while streaming): sent at the end. */
    struct MHD_Response *deferred;
    unsigned deferred_status;
    bool replied;
    /* Handler-owned state, freed by cleanup when the request completes. */
    void *state;
    void (*cleanup)(void *state);
    bool suspended;
};

/* ---- replies (reply.c) ---- */

/* HTTP status for an enum ls_status: the one mapping table. */
unsigned ls_http_status_for(int code);

/* Queues a JSON reply; takes body (json_decref'd). */
enum MHD_Result ls_reply_json(struct ls_req *req, unsigned status, json_t *body);

/* Same, adding headers: a NULL-terminated list of name, value pairs. */
enum MHD_Result ls_reply_json_hdr(struct ls_req *req, unsigned status, json_t *body,
                                  const char *const *headers);

/*
 * Queues {"error": msg, "code": name, "details": details} with status; takes
 * details (may be NULL). code is the machine name, e.g. "not_found".
 */
enum MHD_Result ls_reply_error(struct ls_req *req, unsigned status, const char *code,
                               const char *msg, json_t *details);

/* Queues the error for err->code with the mapped status; takes details. */
enum MHD_Result ls_reply_err(struct ls_req *req, const struct ls_err *err, json_t *details);

/* Queues resp with status, adding the request id; takes resp. */
enum MHD_Result ls_reply_response(struct ls_req *req, unsigned status, struct MHD_Response *resp);

/* Builds an error response to send later (see ls_req.deferred); takes details. */
void ls_reply_defer_error(struct ls_req *req, unsigned status, const char *code, const char *msg,
                          json_t *details);

/* Sends the deferred response. */
enum MHD_Result ls_reply_deferred(struct ls_req *req);

/* ---- request helpers (server.c) ---- */

/* A request header or query argument (borrowed from MHD), or NULL. */
const char *ls_req_header(struct ls_req *req, const char *name);
const char *ls_req_query(struct ls_req *req, const char *name);
/* The Content-Length header as a number; -1 when absent or malformed. */
int64_t ls_req_content_length(struct ls_req *req);
/* True when the Content-Type's media type (parameters ignored) equals type. */
bool ls_req_content_type_is(struct ls_req *req, const char *type);

/*
 * Suspends the request until the job runner is done with job_id (finished,
 * cancelled, or the runner is stopping); the route's handler is then called
 * again, and ls_req_waited_job returns the id. No thread waits meanwhile.
 */
enum MHD_Result ls_req_wait_job(struct ls_req *req, int64_t job_id);
/* The job the request waited for, or 0 on the first call. */
int64_t ls_req_waited_job(const struct ls_req *req);

/* ---- the route table (routes.c) ---- */

/*
 * Finds the route for method and path, filling req->param. Returns it, or
 * NULL with *allow set to the methods the path accepts ("" when none: 404).
 */
const struct ls_route *ls_routes_match(const char *method, const char *path, struct ls_req *req,
                                       char *allow, size_t allow_cap);

/* Every route, for GET /openapi.json: *n gets the count. Static. */
const struct ls_route *ls_routes_all(size_t *n);

/* ---- shared helpers (views.c) ---- */

/* The job as JSON (with elapsed and ETA at now_ms). New reference. */
json_t *ls_view_job(const struct ls_job *job, int64_t now_ms);
/* An RFC 3339 time, or null for 0. New reference. */
json_t *ls_view_time(int64_t ms);
/* The positive id in req->param[i]; replies 400 naming what (e.g. "job id") otherwise. */
bool ls_req_id(struct ls_req *req, int i, const char *what, int64_t *id, enum MHD_Result *r);
/* limit/offset query parameters for listings; replies 400 on bad values. */
bool ls_req_page(struct ls_req *req, int dflt, int max, int *limit, int *offset,
                 enum MHD_Result *r);

/* ---- handlers ---- */

enum MHD_Result ls_h_health(struct ls_req *req);
enum MHD_Result ls_h_openapi(struct ls_req *req);
enum MHD_Result ls_h_offer_create(struct ls_req *req);
enum MHD_Result ls_h_offers_list(struct ls_req *req);
enum MHD_Result ls_h_offer_get(struct ls_req *req);
int ls_h_upload_begin(struct ls_req *req);
int ls_h_upload_chunk(struct ls_req *req, const char *data, size_t len);
enum MHD_Result ls_h_upload_end(struct ls_req *req);
enum MHD_Result ls_h_uploads_list(struct ls_req *req);
enum MHD_Result ls_h_upload_get(struct ls_req *req);
enum MHD_Result ls_h_upload_leads(struct ls_req *req);
enum MHD_Result ls_h_score(struct ls_req *req);
enum MHD_Result ls_h_job_create(struct ls_req *req);
enum MHD_Result ls_h_jobs_list(struct ls_req *req);
enum MHD_Result ls_h_job_get(struct ls_req *req);
enum MHD_Result ls_h_job_cancel(struct ls_req *req);
enum MHD_Result ls_h_results(struct ls_req *req);
enum MHD_Result ls_h_results_export(struct ls_req *req);
enum MHD_Result ls_h_job_results(struct ls_req *req);
enum MHD_Result ls_h_job_results_export(struct ls_req *req);

/* ---- the server (server.c) ---- */

struct ls_server;

/* Starts listening; owned: ls_server_stop. app is borrowed. */
struct ls_server *ls_server_start(struct ls_app *app, struct ls_err *err);
/* The port actually bound (useful with port 0). */
int ls_server_port(const struct ls_server *srv);
/* Stops accepting, lets in-flight requests finish (up to grace_ms). */
void ls_server_quiesce(struct ls_server *srv, int grace_ms);
/* Stops the daemon and frees srv (may be NULL). */
void ls_server_stop(struct ls_server *srv);

#endif
