/*
 * server.c - the libmicrohttpd daemon and the request lifecycle.
 *
 * MHD runs an internal polling thread pool. A struct ls_req is created on the
 * first callback of each request and freed in the completion callback, which
 * also writes the access-log line. Bodies are capped while they arrive: a
 * JSON body over its cap is drained and answered with 413 at the end; an
 * upload is streamed to its handler chunk by chunk. Handlers never block on
 * scoring: POST /score suspends its connection until the worker is done.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "sys/log.h"
#include "sys/sys.h"

#define CONNECTION_LIMIT   256
#define CONNECTION_TIMEOUT 120 /* seconds of inactivity */
#define CONNECTION_MEMORY  (256 * 1024)

struct ls_server {
    struct MHD_Daemon *d;
    struct ls_app *app;
    atomic_int active; /* requests between first callback and completion */
    int port;
    MHD_socket listen_fd; /* returned by quiesce; ours to close after stop */
};

/* ---- request helpers ------------------------------------------------------------- */

const char *ls_req_header(struct ls_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *ls_req_query(struct ls_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

int64_t ls_req_content_length(struct ls_req *req)
{
    const char *v = ls_req_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (v == NULL)
        return -1;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < 0)
        return -1;
    return n;
}

bool ls_req_content_type_is(struct ls_req *req, const char *type)
{
    const char *v = ls_req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (v == NULL)
        return false;
    while (*v == ' ')
        v++;
    size_t n = strlen(type);
    return strncasecmp(v, type, n) == 0 && (v[n] == '\0' || v[n] == ';' || v[n] == ' ');
}

static void resume_on_done(void *ud, int64_t job_id)
{
    (void)job_id;
    struct ls_req *req = ud;
    MHD_resume_connection(req->conn);
}

enum MHD_Result ls_req_wait_job(struct ls_req *req, int64_t job_id)
{
    int64_t *id = ls_xmalloc(sizeof(*id));
    *id = job_id;
    req->state = id;
    req->cleanup = free;
    req->suspended = true;
    /* Suspend first: the runner may call back at once, from this very thread. */
    MHD_suspend_connection(req->conn);
    ls_runner_watch(req->app->runner, job_id, resume_on_done, req);
    return MHD_YES;
}

int64_t ls_req_waited_job(const struct ls_req *req)
{
    return req->suspended && req->state ? *(const int64_t *)req->state : 0;
}

/* ---- lifecycle ------------------------------------------------------------------- */

static struct ls_req *req_new(struct ls_server *srv, struct MHD_Connection *conn,
                              const char *method, const char *url)
{
    struct ls_req *req = ls_xcalloc(1, sizeof(*req));
    req->app = srv->app;
    req->conn = conn;
    req->start_ms = ls_mono_ms();
    ls_random_hex(req->id, 8);
    snprintf(req->method, sizeof(req->method), "%s", method);
    snprintf(req->path, sizeof(req->path), "%s", url);
    ls_buf_init(&req->body, srv->app->cfg.max_json);
    atomic_fetch_add(&srv->active, 1);
    return req;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct ls_server *srv = cls;
    struct ls_req *req = *con_cls;
    if (req == NULL)
        return;
    ls_log(LS_LOG_INFO, "http.request",
           "req=%s method=%s path=%s status=%u bytes_in=%llu ms=%lld%s", req->id, req->method,
           req->path, req->status, (unsigned long long)req->bytes_in,
           (long long)(ls_mono_ms() - req->start_ms),
           toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
    if (req->cleanup)
        req->cleanup(req->state);
    if (req->deferred)
        MHD_destroy_response(req->deferred);
    ls_buf_release(&req->body);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->active, 1);
}

static enum MHD_Result route_missing(struct ls_req *req, const char *allow)
{
    if (allow[0] == '\0') {
        char msg[320];
        snprintf(msg, sizeof(msg), "no such endpoint: %s %s", req->method, req->path);
        return ls_reply_error(req, MHD_HTTP_NOT_FOUND, "not_found", msg, NULL);
    }
    char msg[400];
    snprintf(msg, sizeof(msg), "%s is not allowed on %s (allowed: %s)", req->method, req->path,
             allow);
    const char *headers[] = {MHD_HTTP_HEADER_ALLOW, allow, NULL};
    return ls_reply_json_hdr(req, MHD_HTTP_METHOD_NOT_ALLOWED,
                             json_pack("{s:s, s:s}", "error", msg, "code", "method_not_allowed"),
                             headers);
}

static enum MHD_Result first_call(struct ls_server *srv, struct MHD_Connection *conn,
                                  const char *url, const char *method, void **con_cls)
{
    struct ls_req *req = req_new(srv, conn, method, url);
    *con_cls = req;
    char allow[64];
    req->route = ls_routes_match(method, url, req, allow, sizeof(allow));
    if (req->route == NULL)
        return route_missing(req, allow);
    const struct ls_route *rt = req->route;
    if (rt->body == LS_BODY_STREAM)
        return rt->stream_begin(req) == LS_OK ? MHD_YES : MHD_NO;
    if (rt->body == LS_BODY_BUFFER) {
        /* A declared length over the cap is refused before reading a byte. */
        int64_t cl = ls_req_content_length(req);
        if (cl > (int64_t)srv->app->cfg.max_json) {
            char msg[128];
            snprintf(msg, sizeof(msg), "request body is larger than the %zu-byte limit",
                     srv->app->cfg.max_json);
            return ls_reply_error(req, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", msg, NULL);
        }
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)version;
    struct ls_server *srv = cls;
    struct ls_req *req = *con_cls;
    if (req == NULL)
        return first_call(srv, conn, url, method, con_cls);
    if (req->replied) {
        *data_size = 0; /* an early reply is queued: drain what the client still sends */
        return MHD_YES;
    }
    const struct ls_route *rt = req->route;
    if (*data_size) {
        req->bytes_in += *data_size;
        if (rt->body == LS_BODY_STREAM) {
            if (req->deferred == NULL)
                rt->stream_chunk(req, data, *data_size);
        } else if (rt->body == LS_BODY_BUFFER && !req->body_too_large) {
            if (ls_buf_add(&req->body, data, *data_size) != LS_OK)
                req->body_too_large = true;
        }
        *data_size = 0;
        return MHD_YES;
    }
    /* The body is complete (or the connection was resumed). */
    if (req->deferred)
        return ls_reply_deferred(req);
    if (rt->body == LS_BODY_STREAM)
        return rt->stream_end(req);
    if (req->body_too_large) {
        char msg[128];
        snprintf(msg, sizeof(msg), "request body is larger than the %zu-byte limit",
                 srv->app->cfg.max_json);
        return ls_reply_error(req, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", msg, NULL);
    }
    return rt->handle(req);
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    ls_log(LS_LOG_WARN, "http.mhd", "msg=%s", msg);
}

/* ---- start and stop ------------------------------------------------------------- */

struct ls_server *ls_server_start(struct ls_app *app, struct ls_err *err)
{
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port[16];
    snprintf(port, sizeof(port), "%d", app->cfg.port);
    int gai = getaddrinfo(app->cfg.host, port, &hints, &ai);
    if (gai != 0) {
        ls_err_set(err, LS_EINVAL, "cannot resolve host \"%s\": %s", app->cfg.host,
                   gai_strerror(gai));
        return NULL;
    }
    struct ls_server *srv = ls_xcalloc(1, sizeof(*srv));
    srv->app = app;
    srv->listen_fd = MHD_INVALID_SOCKET;
    atomic_init(&srv->active, 0);
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->d = MHD_start_daemon(flags, (uint16_t)app->cfg.port, NULL, NULL, on_request, srv,
                              MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_SOCK_ADDR,
                              ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)app->cfg.threads,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (srv->d == NULL) {
        free(srv);
        ls_err_set(err, LS_EIO, "cannot listen on %s:%d (address in use or not available)",
                   app->cfg.host, app->cfg.port);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : app->cfg.port;
    return srv;
}

int ls_server_port(const struct ls_server *srv)
{
    return srv->port;
}

void ls_server_quiesce(struct ls_server *srv, int grace_ms)
{
    if (srv->listen_fd == MHD_INVALID_SOCKET)
        srv->listen_fd = MHD_quiesce_daemon(srv->d);
    int64_t deadline = ls_mono_ms() + grace_ms;
    while (atomic_load(&srv->active) > 0 && ls_mono_ms() < deadline) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void ls_server_stop(struct ls_server *srv)
{
    if (srv == NULL)
        return;
    MHD_stop_daemon(srv->d);
    if (srv->listen_fd != MHD_INVALID_SOCKET)
        close(srv->listen_fd); /* only now: MHD's threads may use it until stop */
    free(srv);
}
