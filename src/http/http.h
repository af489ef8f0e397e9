/*
 * http.h - what route handlers share: the application context, the request
 * (one per HTTP request, created when its head has arrived and freed once
 * its response is sent), the response builder and the route table.
 * Handlers run decode -> validate -> core -> store -> encode and hold no
 * business rules. The HTTP/1.1 server itself is server.c; the path from a
 * parsed head to a handler (Host, Origin, access, query checks) is
 * request.c.
 */
#ifndef LS_HTTP_HTTP_H
#define LS_HTTP_HTTP_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/csv_in.h"
#include "core/err.h"
#include "core/http_parse.h"
#include "core/rules.h"
#include "jobs/runner.h"
#include "llm/provider.h"
#include "store/store.h"

/* HTTP statuses the service answers with. */
enum {
    LS_HTTP_OK = 200,
    LS_HTTP_CREATED = 201,
    LS_HTTP_ACCEPTED = 202,
    LS_HTTP_NO_CONTENT = 204,
    LS_HTTP_NOT_MODIFIED = 304,
    LS_HTTP_BAD_REQUEST = 400,
    LS_HTTP_UNAUTHORIZED = 401,
    LS_HTTP_FORBIDDEN = 403,
    LS_HTTP_NOT_FOUND = 404,
    LS_HTTP_METHOD_NOT_ALLOWED = 405,
    LS_HTTP_REQUEST_TIMEOUT = 408,
    LS_HTTP_CONFLICT = 409,
    LS_HTTP_CONTENT_TOO_LARGE = 413,
    LS_HTTP_UNSUPPORTED_MEDIA_TYPE = 415,
    LS_HTTP_MISDIRECTED = 421,
    LS_HTTP_UNPROCESSABLE_CONTENT = 422,
    LS_HTTP_TOO_MANY_REQUESTS = 429,
    LS_HTTP_INTERNAL_SERVER_ERROR = 500,
    LS_HTTP_BAD_GATEWAY = 502,
    LS_HTTP_SERVICE_UNAVAILABLE = 503,
    LS_HTTP_GATEWAY_TIMEOUT = 504,
    LS_HTTP_INSUFFICIENT_STORAGE = 507,
};

/* Who may call a route. */
enum ls_role { LS_ROLE_NONE = 0, LS_ROLE_VIEWER = 1, LS_ROLE_MEMBER = 2, LS_ROLE_ADMIN = 3 };

/* "viewer", "member", "admin". Static. */
const char *ls_role_name(enum ls_role r);
/* Inverse of ls_role_name; LS_ROLE_NONE when unknown. */
enum ls_role ls_role_parse(const char *s);

struct ls_http_config {
    const char *host;          /* borrowed; numeric address or name */
    int port;                  /* 0: any free port */
    int threads;               /* I/O threads */
    size_t max_json;           /* bytes of a JSON body (413 above) */
    size_t max_upload;         /* bytes of a CSV upload (413 above) */
    size_t max_head;           /* bytes of a request line and headers (431 above) */
    int header_timeout_ms;     /* a request head must arrive within this */
    int idle_timeout_ms;       /* a kept-alive connection may idle this long */
    int io_timeout_ms;         /* a body or a reply that makes no progress this long is cut */
    int max_connections;       /* open connections in all (503 above) */
    int max_connections_ip;    /* open connections per client address (503 above) */
    const char *cors_origins;  /* borrowed; comma-separated origins allowed to call, or "" */
    const char *allowed_hosts; /* borrowed; comma-separated extra Host names, or "" */
    bool no_auth;              /* --no-auth: open even off loopback */
    bool metrics_public;       /* GET /metrics without a key */
    bool cookie_secure;        /* the session cookie is always Secure (behind HTTPS) */
    struct ls_csv_limits csv;
    const char *export_dir; /* borrowed; where XLSX exports are built */
};

struct ls_keys;
struct ls_sessions;
struct ls_results_cache;
struct ls_server;

/* Everything handlers need; all borrowed from main for the server's life. */
struct ls_app {
    struct ls_store *store;
    struct ls_runner *runner;
    struct ls_provider *provider;
    const struct ls_rules *rules;
    struct ls_keys *keys;               /* API keys and the open/protected decision */
    struct ls_sessions *sessions;       /* signed-in browsers (the ls_session cookie) */
    struct ls_results_cache *cache;     /* encoded pages of finished jobs */
    struct ls_summary_cache *summaries; /* finished jobs' score histograms; may be NULL */
    struct ls_search_cache *search;     /* finished jobs' text indexes, for q; may be NULL */
    /* Set once listening (for the connection gauge); _Atomic because h_metrics reads it
     * on an I/O thread while main stores it (atomic_load/store need an atomic type). */
    _Atomic(struct ls_server *) server;
    struct ls_http_config cfg;
    int64_t started_ms;
    atomic_bool stopping; /* set when the server is shutting down */
};

/* The caller of a request, once access has been decided. */
struct ls_auth {
    int64_t workspace; /* the only workspace this request may see */
    enum ls_role role;
    int64_t key_id;     /* 0 in open mode */
    bool open;          /* no keys: open mode */
    bool session;       /* authenticated by the ls_session cookie (not by Authorization) */
    int64_t expires_ms; /* the session's end (0 unless session) */
    const char *token;  /* the key or session token let in (borrowed from the request), or NULL */
    size_t token_len;
    struct ls_key_info key; /* the key (or the session's key); zero in open mode */
};

struct ls_req;
struct ls_conn;

enum ls_body_mode { LS_BODY_NONE, LS_BODY_BUFFER, LS_BODY_STREAM };

/* What GET /openapi.json says of a route's request body. */
enum ls_doc_body { LS_DOC_NONE, LS_DOC_OFFER, LS_DOC_CSV, LS_DOC_JOB, LS_DOC_KEY, LS_DOC_SESSION };

struct ls_route {
    const char *method;
    const char *pattern; /* "/jobs/{id}": {x} matches one path segment */
    /* documentation (GET /openapi.json) */
    const char *summary;
    const char *query; /* space-separated query parameters it takes, or NULL */
    enum ls_doc_body doc_body;
    unsigned ok_status;  /* its success status */
    const char *ok_type; /* its success media type */
    enum ls_role role;   /* the least role that may call it; NONE: public */
    enum ls_body_mode body;
    /* NONE and BUFFER: called once the body is complete (req->body). */
    int (*handle)(struct ls_req *req);
    /* STREAM: begin on the first callback (may reply early), chunk per piece, end at the end. */
    int (*stream_begin)(struct ls_req *req);
    int (*stream_chunk)(struct ls_req *req, const char *data, size_t len);
    int (*stream_end)(struct ls_req *req);
};

#define LS_PATH_PARAMS 2
#define LS_QUERY_MAX   24
#define LS_REQ_ID_MAX  64

struct ls_query_param {
    const char *key;   /* decoded, NUL-terminated; borrowed from the request */
    const char *value; /* decoded, NUL-terminated, never holds a NUL */
};

struct ls_req {
    struct ls_app *app;   /* borrowed */
    struct ls_conn *conn; /* borrowed: the connection it arrived on */
    const struct ls_route *route;
    int route_index; /* in ls_routes_all(), -1 when none matched */
    char id[LS_REQ_ID_MAX + 1];
    char method[LS_HTTP_METHOD_MAX + 1];
    const char *path; /* decoded (no NUL inside); owned by the request */
    size_t path_len;
    char param[LS_PATH_PARAMS][64]; /* {x} values in pattern order */
    struct ls_query_param query[LS_QUERY_MAX];
    size_t n_query;
    struct ls_http_head head; /* fields point into the request's own copy, NUL-terminated */
    struct ls_http_framing framing;
    struct ls_auth auth;
    const char *cors_origin; /* the allowed Origin to echo in the reply, or NULL */
    int64_t start_ms;
    unsigned status; /* for the access log */
    uint64_t bytes_in, bytes_out;
    /* BUFFER bodies */
    struct ls_buf body;
    bool body_too_large;
    bool replied;
    bool suspended;
    int64_t waited_job;
    /* Handler-owned state, freed by cleanup when the request completes. */
    void *state;
    void (*cleanup)(void *state);
    /* owned storage behind path, query and head */
    char *mem;
};

/* ---- responses (reply.c) ---- */

/* An immutable body shared by many replies (a cached page). Reference-counted, thread-safe. */
struct ls_blob {
    atomic_int refs;
    size_t len;
    char data[];
};

/* A copy of data with one reference (owned: ls_blob_unref). */
struct ls_blob *ls_blob_new(const char *data, size_t len);
void ls_blob_ref(struct ls_blob *b);
void ls_blob_unref(struct ls_blob *b);

/*
 * A streamed body: appends the next bytes to out. Returns LS_STREAM_MORE
 * when it may have more, LS_STREAM_END when done (it may also have appended),
 * LS_STREAM_WAIT when it has nothing yet (asked again shortly),
 * LS_STREAM_YIELD when it did a step of long work (an XLSX build) and wants
 * the next at once, but after the I/O thread's other connections have been
 * served, or a negative ls_status on failure (the body is cut off, so the
 * client sees an incomplete reply, never a short 200).
 */
typedef int (*ls_stream_fn)(void *ud, struct ls_buf *out, struct ls_err *err);
enum { LS_STREAM_END = 0, LS_STREAM_MORE = 1, LS_STREAM_WAIT = 2, LS_STREAM_YIELD = 3 };

struct ls_resp;

/* A reply with status and no body yet (owned until handed to ls_reply). */
struct ls_resp *ls_resp_new(unsigned status);
/* Adds a header; name and value are copied. Values with CR or LF are dropped. */
void ls_resp_header(struct ls_resp *r, const char *name, const char *value);
/* Body from a malloc'd buffer (taken) with its content type (copied). */
void ls_resp_body_take(struct ls_resp *r, const char *type, char *data, size_t len);
/* Body from bytes in static storage (borrowed: they outlive every reply). */
void ls_resp_body_static(struct ls_resp *r, const char *type, const void *data, size_t len);
/* Body from a blob (takes one reference). */
void ls_resp_body_blob(struct ls_resp *r, const char *type, struct ls_blob *b);
/* Streamed body; release(ud) is called when the reply is done or abandoned. */
void ls_resp_body_stream(struct ls_resp *r, const char *type, ls_stream_fn fn, void *ud,
                         void (*release)(void *ud));
/*
 * Marks a streamed body live: it waits for events with no end the client
 * waits for (Server-Sent Events). While it waits, the client closing its
 * side ends it at once rather than at the next write, so a browser tab that
 * goes away frees its connection slot promptly.
 */
void ls_resp_live(struct ls_resp *r);
/* Closes the connection after this reply. */
void ls_resp_close(struct ls_resp *r);
/* Frees r (for callers that built one and then did not send it). */
void ls_resp_free(struct ls_resp *r);

/* Sends r for req; takes r. Returns LS_OK (the handler's result). */
int ls_reply(struct ls_req *req, struct ls_resp *r);

/* HTTP status for an enum ls_status: the one mapping table. */
unsigned ls_http_status_for(int code);

/* Queues a JSON reply; takes body (json_decref'd). A NULL body is logged and sent as a 500. */
int ls_reply_json(struct ls_req *req, unsigned status, json_t *body);

/* Same, adding headers: a NULL-terminated list of name, value pairs. */
int ls_reply_json_hdr(struct ls_req *req, unsigned status, json_t *body,
                      const char *const *headers);

/*
 * Queues {"error": msg, "code": code, "details": details} with status; takes
 * details (may be NULL). msg may hold any bytes: it is sent as valid UTF-8.
 */
int ls_reply_error(struct ls_req *req, unsigned status, const char *code, const char *msg,
                   json_t *details);

/*
 * Queues the error for err->code with the mapped status; takes details.
 * Statuses of 500 and above are logged with the request id; their message
 * is replaced by a generic one unless it is safe to show (upstream, storage).
 */
int ls_reply_err(struct ls_req *req, const struct ls_err *err, json_t *details);

/* A JSON string for text that may not be valid UTF-8 (bad bytes as U+FFFD). New reference. */
json_t *ls_json_text(const char *s, size_t len);

/*
 * The whole error body for status/code/msg as bytes, built without jansson
 * (so it cannot fail): for the server's own replies to malformed requests.
 * Owned: free. *len gets its length.
 */
char *ls_error_body(const char *code, const char *msg, size_t *len);

/* ---- request helpers (request.c) ---- */

/* A request header's value (NUL-terminated, borrowed from req), or NULL. */
const char *ls_req_header(const struct ls_req *req, const char *name);
/* A query parameter's decoded value (borrowed from req), or NULL when absent. */
const char *ls_req_query(const struct ls_req *req, const char *name);
/* True when the Content-Type's media type (parameters ignored) equals type. */
bool ls_req_content_type_is(const struct ls_req *req, const char *type);
/* True when the request carries a body (Content-Length > 0 or chunked). */
bool ls_req_has_body(const struct ls_req *req);
/* True when Accept-Encoding names gzip (or *) with a non-zero q (RFC 9110 12.5.3). */
bool ls_req_accepts_gzip(const struct ls_req *req);
/* True when If-None-Match names etag (quoted, as sent in ETag) or is "*". */
bool ls_req_not_modified(const struct ls_req *req, const char *etag);

/*
 * Suspends the request until the job runner is done with job_id (finished,
 * cancelled, or the runner is stopping); the route's handler is then called
 * again, and req->waited_job holds the id. No thread waits meanwhile.
 */
int ls_req_wait_job(struct ls_req *req, int64_t job_id);

/*
 * Runs run(ud) on a thread of its own and suspends the request meanwhile
 * (offload.c): for work of seconds (the dry run of a big upload), which would
 * hold up every connection of this I/O thread. run must not touch req; ud
 * carries what it needs and what it finds (owned; free_ud frees it, may be
 * NULL), and run should stop soon once *ls_offload_stop_flag() is set. When
 * run has returned, the route's handler is called again and ls_req_offloaded
 * gives ud. Uses req->state and req->cleanup. LS_EBUSY when two run already,
 * LS_ECANCELLED once the server is stopping (ud freed, nothing suspended).
 */
int ls_req_offload(struct ls_req *req, void (*run)(void *ud), void *ud, void (*free_ud)(void *ud),
                   struct ls_err *err);
/* The ud of the request's finished ls_req_offload (borrowed), or NULL. */
void *ls_req_offloaded(const struct ls_req *req);
/* Set once the server is stopping: offloaded work watches it. */
const atomic_bool *ls_offload_stop_flag(void);
/* Takes offloads again (a server starting). */
void ls_offload_open(void);
/*
 * Refuses new offloads, raises the stop flag and waits until every one has
 * resumed its request; true when there was one to wait for.
 */
bool ls_offload_close(void);

/* ---- the route table (routes.c) ---- */

/*
 * Finds the route for method and path, filling req->param. Returns it, or
 * NULL with *allow set to the methods the path accepts ("" when none: 404).
 */
const struct ls_route *ls_routes_match(const char *method, const char *path, struct ls_req *req,
                                       char *allow, size_t allow_cap);

/* Every route, for GET /openapi.json and the metrics: *n gets the count. Static. */
const struct ls_route *ls_routes_all(size_t *n);

/* ---- the request pipeline (request.c), called by the server ---- */

/*
 * The head of req has been parsed: decodes the target, checks Host, Origin,
 * access and the query, matches the route and starts the body. On return
 * req->replied says whether it answered already (then the body is not read).
 */
void ls_request_begin(struct ls_req *req);
/* The next piece of the body. */
void ls_request_body(struct ls_req *req, const char *data, size_t len);
/* The body is complete (or there was none): runs the handler. */
void ls_request_end(struct ls_req *req);
/* A suspended request was resumed: runs the handler again. */
void ls_request_resume(struct ls_req *req);
/* The reply has been sent (or the connection lost): access log, metrics. */
void ls_request_done(struct ls_req *req, bool completed);

/* ---- shared helpers (views.c) ---- */

/* The job as JSON (with elapsed and ETA at now_ms). New reference. */
json_t *ls_view_job_batch(const struct ls_job *j);
json_t *ls_view_job(const struct ls_job *job, int64_t now_ms);
/* Adds a job's tokens.cached/thought, cost_usd, budget_usd, stop_reason and warning to o. */
void ls_view_job_cost(json_t *o, const struct ls_job *job);
/* An RFC 3339 time, or null for 0. New reference. */
json_t *ls_view_time(int64_t ms);
/* The positive id in req->param[i]; replies 400 naming what (e.g. "job id") otherwise. */
bool ls_req_id(struct ls_req *req, int i, const char *what, int64_t *id, int *r);
/* limit/offset query parameters for listings; replies 400 on bad values. */
bool ls_req_page(struct ls_req *req, int dflt, int max, int *limit, int *offset, int *r);

/* ---- handlers ---- */

/*
 * The offer and upload a scoring request names: the workspace's current ones,
 * overridden by "offer_id" / "upload_id" of a JSON body, and the body's
 * "mode" ("standard" or "batch"; "" when absent). Replies 400/422 on a bad
 * body and returns false.
 */
#define LS_JOB_MODE_MAX 16 /* bytes of the mode ls_job_inputs writes */
bool ls_job_inputs(struct ls_req *req, int64_t *offer_id, int64_t *upload_id, char *mode, int *r);

int ls_h_health(struct ls_req *req);
int ls_h_web_index(struct ls_req *req);
int ls_h_web_asset(struct ls_req *req);
/* The dashboard's not-found page (404, HTML). */
int ls_web_not_found(struct ls_req *req);
/* True when an unknown path should get that page: a browser's GET outside the API's paths. */
bool ls_web_wants_page(const struct ls_req *req);
int ls_h_openapi(struct ls_req *req);
int ls_h_metrics(struct ls_req *req);
int ls_h_offer_create(struct ls_req *req);
int ls_h_offers_list(struct ls_req *req);
int ls_h_offer_get(struct ls_req *req);
int ls_h_offer_delete(struct ls_req *req);
int ls_h_upload_begin(struct ls_req *req);
int ls_h_upload_chunk(struct ls_req *req, const char *data, size_t len);
int ls_h_upload_end(struct ls_req *req);
int ls_h_uploads_list(struct ls_req *req);
int ls_h_upload_get(struct ls_req *req);
int ls_h_upload_leads(struct ls_req *req);
int ls_h_upload_delete(struct ls_req *req);
int ls_h_score(struct ls_req *req);
int ls_h_job_create(struct ls_req *req);
/* h_jobs_cost.c (issue #10): POST /jobs's dry_run and budget_usd (replies on false),
 * the dry run's estimate, and POST /jobs/{id}/resume. */
/* named: the body gave budget_usd (else *budget_usd is LEADSCORE_AI_BUDGET_USD's). */
bool ls_job_cost_fields(struct ls_req *req, bool *dry_run, double *budget_usd, bool *named, int *r);
int ls_h_job_estimate(struct ls_req *req, int64_t offer_id, int64_t upload_id, const char *mode);
/* The reply to that dry run, once its offloaded work is done (POST /jobs called again). */
int ls_h_job_estimate_reply(struct ls_req *req);
int ls_h_job_resume(struct ls_req *req);
int ls_h_jobs_list(struct ls_req *req);
int ls_h_job_get(struct ls_req *req);
int ls_h_job_cancel(struct ls_req *req);
int ls_h_job_events(struct ls_req *req);
int ls_h_job_results_delete(struct ls_req *req);
int ls_h_results(struct ls_req *req);
int ls_h_results_export(struct ls_req *req);
int ls_h_job_results(struct ls_req *req);
int ls_h_job_results_export(struct ls_req *req);
int ls_h_results_summary(struct ls_req *req);
int ls_h_job_results_summary(struct ls_req *req);
int ls_h_keys_list(struct ls_req *req);
int ls_h_key_create(struct ls_req *req);
int ls_h_key_delete(struct ls_req *req);
int ls_h_session_create(struct ls_req *req);
int ls_h_session_get(struct ls_req *req);
int ls_h_session_delete(struct ls_req *req);

/* ---- the server (server.c) ---- */

struct ls_server;

/* Starts listening; owned: ls_server_stop. app is borrowed. */
struct ls_server *ls_server_start(struct ls_app *app, struct ls_err *err);
/* The port actually bound (useful with port 0). */
int ls_server_port(const struct ls_server *srv);
/* True when every address host resolves to is a loopback one (127.0.0.0/8, ::1). */
bool ls_host_is_loopback(const char *host);
/* True when the server listens on a loopback address only. */
bool ls_server_is_loopback(const struct ls_server *srv);
/* Connections open now. */
int64_t ls_server_connections(const struct ls_server *srv);
/*
 * Stops accepting and closes idle connections; requests in flight finish
 * (up to grace_ms). Returns when none is left or the grace is over.
 */
void ls_server_quiesce(struct ls_server *srv, int grace_ms);
/* Stops the I/O threads, closes every connection and frees srv (may be NULL). */
void ls_server_stop(struct ls_server *srv);

/* ---- used by request.c and reply.c (server.c) ---- */

/* Hands the reply of the connection's current request to the server; takes r. */
void ls_conn_reply(struct ls_conn *c, struct ls_resp *r);
/* Marks the current request suspended: nothing is read or sent until resumed. */
void ls_conn_suspend(struct ls_conn *c);
/* Resumes a suspended request from any thread. */
void ls_conn_resume(struct ls_conn *c);
/* The address the connection arrived on ("127.0.0.1", "::1"). Borrowed. */
const char *ls_conn_local_addr(const struct ls_conn *c);
/* The client's address. Borrowed. */
const char *ls_conn_peer_addr(const struct ls_conn *c);

#endif
