/*
 * server.c - leadscore's HTTP/1.1 server: sockets, connections, framing.
 *
 * Why our own and not libmicrohttpd: MHD 0.9.75 (Debian 12) writes its own
 * HTML bodies for 414, 431, 505 and malformed requests, accepts conflicting
 * Content-Length headers, hangs on unknown Transfer-Encoding, closes without
 * a reply at its connection limit, has no header deadline (only an
 * inactivity timeout that a trickling client resets), and drops replies to
 * clients that half-close after a complete request. None of that can be
 * configured, and every byte this server sends must be its JSON contract.
 *
 * Shape (after kore and nginx): N I/O threads, each with its own epoll set;
 * the listening socket sits in every set with EPOLLEXCLUSIVE, so a new
 * connection wakes one thread, which keeps it for its life. Sockets are
 * non-blocking and level-triggered. Handlers run on the I/O thread (they
 * are short: a store call or a page of rows); a handler that must wait for
 * a job suspends its request and is resumed through the thread's eventfd.
 * A connection is always in one state: reading a head, reading a body,
 * inside a handler, writing a reply, or lingering (draining input after a
 * final reply so that closing does not reset the connection before the
 * client has read it).
 */
#define _GNU_SOURCE /* accept4, EPOLLEXCLUSIVE */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "resp.h"
#include "sys/log.h"
#include "sys/metrics.h"
#include "sys/sys.h"

#define READ_CHUNK     (64 * 1024)
#define OUT_HIGH_WATER (64 * 1024) /* stream output buffered before waiting for the socket */
/* A connection's buffer larger than this is freed between requests. */
#define KEEP_BUF_BYTES (16 * 1024)
#define FD_RESERVE     64 /* descriptors kept for other than client connections */
#define LINGER_MS      2000
#define LINGER_BYTES   (8u << 20)
#define TICK_MS        100
#define STREAM_WAIT_MS 200
#define IP_SLOTS       4096 /* per-address counters (open addressing) */
#define MAX_EVENTS     64

enum cstate { C_HEAD, C_BODY, C_HANDLER, C_WRITE, C_LINGER };

struct worker;

struct ls_conn {
    int fd;
    struct worker *w;
    struct ls_conn *prev, *next; /* all connections of the worker */
    struct ls_conn *rnext;       /* in the worker's resume queue */
    struct ls_conn *gnext;       /* in the worker's graveyard */
    struct ls_conn *pnext;       /* in the worker's list of pipelined input to parse */
    struct ls_conn *ynext;       /* in the worker's list of streams that gave way */
    bool pending;
    bool yielded; /* in that list */
    enum cstate st;
    unsigned char ip[16]; /* client address, IPv4 mapped into IPv6 */
    bool counted;         /* holds a slot of the connection caps */
    char peer[INET6_ADDRSTRLEN];
    char local[INET6_ADDRSTRLEN];
    uint32_t events; /* epoll interest now */
    /* input: unread bytes are in[in_pos, in.len) */
    struct ls_buf in;
    size_t in_pos;
    size_t scanned;      /* head bytes already searched for a line end */
    bool target_checked; /* parsed once past LS_HTTP_TARGET_MAX: the target fits */
    bool peer_eof;
    int64_t head_start; /* when the current head began (first byte), 0 before */
    int64_t deadline;   /* when the current state times out, 0 for none */
    uint64_t lingered;
    /* the request in progress */
    struct ls_req *req;
    uint64_t body_left;
    struct ls_http_chunked chunk;
    bool keep_alive;
    bool resume_queued;
    bool dead; /* the client is gone while the request is suspended */
    /* output */
    struct ls_buf out; /* head and framed bytes to send: out[out_pos, out.len) */
    size_t out_pos;
    struct ls_resp *resp; /* being sent */
    const char *body;     /* MEM or BLOB body still to send after out */
    size_t body_len, body_pos;
    bool streaming, stream_done, chunked, head_only;
    int64_t stream_retry;
    struct ls_buf sbuf; /* one piece of a streamed body */
};

struct worker {
    struct ls_server *srv;
    pthread_t thread;
    int ep, evfd;
    pthread_mutex_t mu;
    struct ls_conn *resumeq; /* guarded by mu */
    struct ls_conn *conns;   /* this thread's connections */
    struct ls_conn *grave;   /* closed, freed at the end of the event round */
    struct ls_conn *ready;   /* kept-alive with a next request already buffered */
    struct ls_conn *yielded; /* streams that gave way (LS_STREAM_YIELD): pumped next round */
    int64_t last_tick;
    char date[64];
    time_t date_at;
};

struct ip_slot {
    unsigned char ip[16];
    int n;
};

struct ls_server {
    struct ls_app *app;
    int listen_fd;
    int port;
    bool loopback;
    int n_workers;
    struct worker *workers;
    atomic_bool accepting;
    atomic_bool stop;
    int max_conns; /* the connection cap the open-file limit allows */
    pthread_mutex_t spare_mu;
    int spare_fd;        /* held open to be given up when accept hits the file limit */
    atomic_int open;     /* connections holding a slot */
    atomic_int requests; /* requests between head and reply done */
    pthread_mutex_t ip_mu;
    struct ip_slot ips[IP_SLOTS];
};

static void process(struct ls_conn *c);

/* ---- small helpers ------------------------------------------------------------ */

static const char *reason(unsigned status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 417:
        return "Expectation Failed";
    case 421:
        return "Misdirected Request";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    case 507:
        return "Insufficient Storage";
    default:
        return "Status";
    }
}

static const char *http_date(struct worker *w)
{
    time_t now = time(NULL);
    if (now != w->date_at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(w->date, sizeof(w->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        w->date_at = now;
    }
    return w->date;
}

static void set_events(struct ls_conn *c, uint32_t ev)
{
    if (c->events == ev || c->fd < 0)
        return;
    struct epoll_event e = {.events = ev, .data.ptr = c};
    epoll_ctl(c->w->ep, EPOLL_CTL_MOD, c->fd, &e);
    c->events = ev;
}

static int64_t ms_after(int ms)
{
    return ls_mono_ms() + ms;
}

/* ---- the per-address cap ---------------------------------------------------------- */

static size_t ip_hash(const unsigned char *ip)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ ip[i]) * 16777619u;
    return h % IP_SLOTS;
}

/* Takes a slot for ip; false when the address is at its cap (or the table is full). */
static bool ip_acquire(struct ls_server *s, const unsigned char *ip)
{
    bool ok = false;
    pthread_mutex_lock(&s->ip_mu);
    size_t h = ip_hash(ip);
    for (size_t k = 0; k < IP_SLOTS; k++) {
        struct ip_slot *sl = &s->ips[(h + k) % IP_SLOTS];
        if (sl->n > 0 && memcmp(sl->ip, ip, 16) == 0) {
            ok = sl->n < s->app->cfg.max_connections_ip;
            sl->n += ok;
            break;
        }
        if (sl->n == 0) {
            /* Slots are never emptied in the middle of a probe chain: a count of 0 keeps the
             * address, so later entries of the chain stay reachable. */
            bool fresh = true;
            for (size_t j = k + 1; j < IP_SLOTS; j++) {
                struct ip_slot *o = &s->ips[(h + j) % IP_SLOTS];
                if (o->n == 0 && memcmp(o->ip, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0)
                    break;
                if (o->n > 0 && memcmp(o->ip, ip, 16) == 0) {
                    ok = o->n < s->app->cfg.max_connections_ip;
                    o->n += ok;
                    fresh = false;
                    break;
                }
            }
            if (fresh) {
                memcpy(sl->ip, ip, 16);
                sl->n = 1;
                ok = true;
            }
            break;
        }
    }
    pthread_mutex_unlock(&s->ip_mu);
    return ok;
}

static void ip_release(struct ls_server *s, const unsigned char *ip)
{
    pthread_mutex_lock(&s->ip_mu);
    size_t h = ip_hash(ip);
    for (size_t k = 0; k < IP_SLOTS; k++) {
        struct ip_slot *sl = &s->ips[(h + k) % IP_SLOTS];
        if (sl->n > 0 && memcmp(sl->ip, ip, 16) == 0) {
            sl->n--;
            break;
        }
        if (sl->n == 0 && memcmp(sl->ip, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0)
            break;
    }
    pthread_mutex_unlock(&s->ip_mu);
}

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t cap, unsigned char *ip)
{
    memset(ip, 0, 16);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)cap);
        if (ip) {
            ip[10] = ip[11] = 0xFF;
            memcpy(ip + 12, &a->sin_addr, 4);
        }
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, out, (socklen_t)cap);
        if (ip)
            memcpy(ip, &a->sin6_addr, 16);
    } else {
        snprintf(out, cap, "-");
    }
}

/* ---- connections ---------------------------------------------------------------- */

/* Frees a closed connection: only from the graveyard sweep, or at the very end. */
static void conn_free(struct ls_conn *c)
{
    struct worker *w = c->w;
    if (c->req) {
        ls_request_done(c->req, false);
        c->req = NULL;
        atomic_fetch_sub(&w->srv->requests, 1);
    }
    ls_resp_free(c->resp);
    if (c->fd >= 0) {
        epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    if (c->counted) {
        atomic_fetch_sub(&w->srv->open, 1);
        ip_release(w->srv, c->ip);
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    ls_buf_release(&c->in);
    ls_buf_release(&c->out);
    ls_buf_release(&c->sbuf);
    free(c);
}

/*
 * Closes the socket now; the memory goes at the end of the event round (it
 * may still be named by an event of this round or by the caller's frame),
 * or, for a suspended request, once the job runner has resumed it.
 */
static void conn_close(struct ls_conn *c)
{
    if (c->fd < 0)
        return;
    struct worker *w = c->w;
    epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    if (c->counted) {
        c->counted = false;
        atomic_fetch_sub(&w->srv->open, 1);
        ip_release(w->srv, c->ip);
    }
    if (c->req && c->req->suspended) {
        c->dead = true; /* run_resumes sends it to the graveyard */
        return;
    }
    c->gnext = w->grave;
    w->grave = c;
}

/* Parses what kept-alive connections already hold (iteratively, not by recursion). */
static void run_ready(struct worker *w)
{
    while (w->ready) {
        struct ls_conn *c = w->ready;
        w->ready = c->pnext;
        c->pending = false;
        if (c->fd >= 0 && c->st == C_HEAD)
            process(c);
    }
}

static void conn_flush(struct ls_conn *c);

/* Pumps the streams that gave way last round; runs before sweep, so none is freed yet. */
static void run_yielded(struct worker *w)
{
    struct ls_conn *list = w->yielded;
    w->yielded = NULL; /* a stream that gives way again joins the next round's list */
    while (list) {
        struct ls_conn *c = list;
        list = c->ynext;
        c->yielded = false;
        if (c->fd >= 0 && c->st == C_WRITE && c->streaming && !c->stream_done)
            conn_flush(c);
    }
}

static void sweep(struct worker *w)
{
    while (w->grave) {
        struct ls_conn *c = w->grave;
        w->grave = c->gnext;
        conn_free(c);
    }
}

static struct ls_conn *conn_new(struct worker *w, int fd)
{
    struct ls_conn *c = ls_xcalloc(1, sizeof(*c));
    c->fd = fd;
    c->w = w;
    c->st = C_HEAD;
    ls_buf_init(&c->in, w->srv->app->cfg.max_head + READ_CHUNK);
    ls_buf_init(&c->out, SIZE_MAX);
    ls_buf_init(&c->sbuf, SIZE_MAX);
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    return c;
}

/* Starts lingering: no more replies; read and drop input until EOF or the linger ends. */
static void conn_linger(struct ls_conn *c)
{
    shutdown(c->fd, SHUT_WR);
    c->st = C_LINGER;
    c->deadline = ms_after(LINGER_MS);
    if (c->peer_eof) {
        conn_close(c);
        return;
    }
    set_events(c, EPOLLIN | EPOLLRDHUP);
}

/* ---- writing ----------------------------------------------------------------------- */

static void write_head(struct ls_conn *c, struct ls_resp *r)
{
    struct ls_buf *o = &c->out;
    ls_buf_printf(o, "HTTP/1.1 %u %s\r\nDate: %s\r\n", r->status, reason(r->status),
                  http_date(c->w));
    int64_t len = ls_resp_length(r);
    bool no_body = r->status == 204 || r->status == 304;
    if (r->content_type[0] && !no_body)
        ls_buf_printf(o, "Content-Type: %s\r\n", r->content_type);
    if (!no_body) {
        if (len >= 0)
            ls_buf_printf(o, "Content-Length: %lld\r\n", (long long)len);
        else if (c->req && c->req->head.minor == 1)
            ls_buf_adds(o, "Transfer-Encoding: chunked\r\n");
        else
            c->keep_alive = false; /* HTTP/1.0 stream: the end of the body is the close */
    }
    if (!c->keep_alive)
        ls_buf_adds(o, "Connection: close\r\n");
    else if (c->req && c->req->head.minor == 0)
        ls_buf_adds(o, "Connection: keep-alive\r\n");
    ls_buf_add(o, r->headers.data ? r->headers.data : "", r->headers.len);
    ls_buf_adds(o, "\r\n");
}

/* Tops up c->out from a streamed body while it is below the high-water mark. */
static int pump_stream(struct ls_conn *c)
{
    struct ls_resp *r = c->resp;
    while (!c->stream_done && c->out.len - c->out_pos < OUT_HIGH_WATER) {
        if (c->stream_retry && ls_mono_ms() < c->stream_retry)
            return 0;
        c->stream_retry = 0;
        ls_buf_reset(&c->sbuf);
        struct ls_err err = {0};
        int rc = r->fn(r->ud, &c->sbuf, &err);
        if (rc < 0) {
            ls_log(LS_LOG_ERROR, "http.stream_error", "req=%s error=%s", c->req ? c->req->id : "-",
                   err.msg[0] ? err.msg : ls_strerror(rc));
            return -1; /* cut the body: the client sees an incomplete reply */
        }
        if (c->sbuf.len) {
            if (c->chunked)
                ls_buf_printf(&c->out, "%zx\r\n", c->sbuf.len);
            ls_buf_add(&c->out, c->sbuf.data, c->sbuf.len);
            if (c->chunked)
                ls_buf_adds(&c->out, "\r\n");
            if (c->req)
                c->req->bytes_out += c->sbuf.len;
        }
        if (rc == LS_STREAM_END) {
            c->stream_done = true;
            if (c->chunked)
                ls_buf_adds(&c->out, "0\r\n\r\n");
        } else if (rc == LS_STREAM_WAIT) {
            c->stream_retry = ls_mono_ms() + STREAM_WAIT_MS;
            return 0;
        } else if (rc == LS_STREAM_YIELD) {
            /* Long work in steps (an XLSX build): the other connections go first. */
            if (!c->yielded) {
                c->yielded = true;
                c->ynext = c->w->yielded;
                c->w->yielded = c;
            }
            return 0;
        }
    }
    return 0;
}

static void finish_request(struct ls_conn *c);

static int s_io_timeout(const struct ls_conn *c)
{
    return c->w->srv->app->cfg.io_timeout_ms;
}

/* Writes what can be written now; finishes the request when everything is out. */
static void conn_flush(struct ls_conn *c)
{
    for (;;) {
        if (c->streaming && pump_stream(c) != 0) {
            /* A reset, not a FIN: an HTTP/1.0 body ends at the close, so a plain close
             * would make the cut body look complete. */
            struct linger lg = {1, 0};
            setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
            conn_close(c);
            return;
        }
        struct iovec iov[2];
        int n = 0;
        if (c->out.len > c->out_pos)
            iov[n++] = (struct iovec){c->out.data + c->out_pos, c->out.len - c->out_pos};
        if (c->body && c->body_pos < c->body_len)
            iov[n++] = (struct iovec){(char *)(uintptr_t)(c->body + c->body_pos),
                                      c->body_len - c->body_pos};
        if (n == 0) {
            if (c->streaming && !c->stream_done) {
                /* Waiting for the stream to have more. A live one watches for the client
                 * leaving (a FIN), which otherwise shows only when a later write fails. */
                set_events(c, c->resp->live && !c->peer_eof ? EPOLLRDHUP : 0);
                c->deadline = 0;
                return;
            }
            finish_request(c);
            return;
        }
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                set_events(c, EPOLLOUT);
                return;
            }
            if (errno == EINTR)
                continue;
            conn_close(c); /* the client went away */
            return;
        }
        c->deadline = ms_after(c->w->srv->app->cfg.io_timeout_ms);
        size_t left = (size_t)w;
        size_t a = c->out.len - c->out_pos;
        if (left >= a) {
            left -= a;
            ls_buf_reset(&c->out);
            c->out_pos = 0;
            c->body_pos += left;
        } else {
            c->out_pos += left;
        }
        /* A stream that gave way resumes next round (run_yielded), after the thread's other
         * connections: a reader that never fills the socket must not keep it here. */
        if (c->yielded && c->out.len == c->out_pos)
            return;
    }
}

void ls_conn_reply(struct ls_conn *c, struct ls_resp *r)
{
    if (c->resp || c->st == C_WRITE || c->st == C_LINGER) {
        ls_resp_free(r); /* one reply per request */
        return;
    }
    struct ls_req *req = c->req;
    bool body_unread = c->st == C_HEAD || (c->st == C_BODY && (c->body_left || !c->chunk.done));
    if (req && c->st == C_BODY && req->framing.body == LS_HTTP_BODY_NONE)
        body_unread = false;
    if (r->close || body_unread || atomic_load(&c->w->srv->stop) ||
        !atomic_load(&c->w->srv->accepting))
        c->keep_alive = false;
    c->resp = r;
    c->head_only = req && strcmp(req->method, "HEAD") == 0;
    write_head(c, r);
    if (!c->head_only && r->status != 204 && r->status != 304) {
        if (r->kind == LS_RB_MEM) {
            c->body = r->mem;
            c->body_len = r->mem_len;
        } else if (r->kind == LS_RB_STATIC) {
            c->body = r->stat;
            c->body_len = r->stat_len;
        } else if (r->kind == LS_RB_BLOB) {
            c->body = r->blob->data;
            c->body_len = r->blob->len;
        } else if (r->kind == LS_RB_STREAM) {
            c->streaming = true;
            c->chunked = req && req->head.minor == 1;
        }
        if (req)
            req->bytes_out += c->body_len;
    }
    if (req)
        req->status = r->status;
    c->st = C_WRITE;
    c->deadline = ms_after(c->w->srv->app->cfg.io_timeout_ms);
    /* A reply queued from inside a handler is written when the handler returns. */
}

/* A reply that needs no request (a refused or malformed one). */
static void reply_raw(struct ls_conn *c, unsigned status, const char *code, const char *msg)
{
    size_t len;
    char *body = ls_error_body(code, msg, &len);
    struct ls_resp *r = ls_resp_new(status);
    ls_resp_body_take(r, "application/json", body, len);
    char id[LS_REQ_ID_MAX + 1];
    if (c->req) {
        snprintf(id, sizeof(id), "%s", c->req->id);
        c->req->status = status;
    } else {
        ls_random_hex(id, 8);
    }
    ls_resp_header(r, "X-Request-Id", id);
    ls_resp_close(r);
    ls_conn_reply(c, r);
    conn_flush(c);
}

/*
 * Empties b for the next request, and frees its memory when a large reply
 * grew it: a kept-alive connection would otherwise hold the largest buffer it
 * ever needed, and 256 such connections held 60 MB under bench/load.
 */
static void buf_recycle(struct ls_buf *b)
{
    if (b->cap_alloc > KEEP_BUF_BYTES) {
        size_t max = b->max;
        ls_buf_release(b);
        ls_buf_init(b, max);
    } else {
        ls_buf_reset(b);
    }
}

/* The reply is out: log it, then read the next request or close. */
static void finish_request(struct ls_conn *c)
{
    struct worker *w = c->w;
    if (c->req) {
        ls_request_done(c->req, true);
        c->req = NULL;
        atomic_fetch_sub(&w->srv->requests, 1);
    }
    ls_resp_free(c->resp);
    c->resp = NULL;
    c->body = NULL;
    c->body_len = c->body_pos = 0;
    c->streaming = c->stream_done = c->chunked = false;
    buf_recycle(&c->out);
    buf_recycle(&c->sbuf);
    c->out_pos = 0;
    if (!c->keep_alive) {
        conn_linger(c);
        return;
    }
    if (c->in_pos == c->in.len) {
        buf_recycle(&c->in); /* nothing pipelined is waiting in it */
        c->in_pos = 0;
    }
    c->st = C_HEAD;
    c->head_start = 0;
    c->scanned = 0;
    c->target_checked = false;
    c->deadline = ms_after(w->srv->app->cfg.idle_timeout_ms);
    set_events(c, c->peer_eof ? 0 : EPOLLIN | EPOLLRDHUP);
    if ((c->in.len > c->in_pos || c->peer_eof) && !c->pending) {
        /* A pipelined request (or the EOF) is already here: no event will announce it. */
        c->pending = true;
        c->pnext = w->ready;
        w->ready = c;
    }
}

/* ---- reading ------------------------------------------------------------------------ */

/* The handler returned: write its reply, or wait when it suspended. */
static void after_handler(struct ls_conn *c)
{
    if (c->st == C_WRITE) {
        conn_flush(c);
        return;
    }
    if (c->req && c->req->suspended) {
        set_events(c, 0); /* nothing read or written until the job is done */
        c->deadline = 0;
        return;
    }
    /* A handler that neither replied nor suspended is a bug: answer rather than hang. */
    ls_log(LS_LOG_ERROR, "http.no_reply", "req=%s route=%s", c->req ? c->req->id : "-",
           c->req && c->req->route ? c->req->route->pattern : "-");
    reply_raw(c, 500, "internal", "internal error: the handler sent no reply; see the server log");
}

static void start_request(struct ls_conn *c, const struct ls_http_head *h)
{
    struct ls_server *s = c->w->srv;
    struct ls_req *req = ls_xcalloc(1, sizeof(*req));
    req->app = s->app;
    req->conn = c;
    req->route_index = -1;
    req->start_ms = ls_mono_ms();
    /* The request keeps its own copy of the head, with every name and value NUL-terminated. */
    req->mem = ls_xmalloc(h->head_len + 1);
    memcpy(req->mem, c->in.data + c->in_pos, h->head_len);
    req->mem[h->head_len] = '\0';
    struct ls_http_error e;
    ls_http_parse_head(req->mem, h->head_len, h->head_len + 1, &req->head, &e);
    for (size_t i = 0; i < req->head.n_fields; i++) {
        struct ls_http_field *f = &req->head.fields[i];
        ((char *)(uintptr_t)f->name)[f->name_len] = '\0';
        ((char *)(uintptr_t)f->value)[f->value_len] = '\0';
    }
    ls_buf_init(&req->body, s->app->cfg.max_json);
    c->req = req;
    c->in_pos += h->head_len;
    c->scanned = 0;
    c->target_checked = false;
    atomic_fetch_add(&s->requests, 1);
    ls_random_hex(req->id, 8);
}

/*
 * "100 Continue" before reading a body the client holds back (RFC 9110 section
 * 10.1.1). Written at once; what the socket does not take now goes out ahead
 * of the final reply, which is appended behind it.
 */
static void send_continue(struct ls_conn *c)
{
    static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
    ssize_t w = write(c->fd, interim, sizeof(interim) - 1);
    if (w < 0)
        w = 0;
    if ((size_t)w < sizeof(interim) - 1)
        ls_buf_add(&c->out, interim + w, sizeof(interim) - 1 - (size_t)w);
}

/* A whole head arrived: frame the message and start the request. */
static void on_head(struct ls_conn *c, const struct ls_http_head *h)
{
    start_request(c, h);
    struct ls_req *req = c->req;
    struct ls_http_error e;
    if (ls_http_framing_read(&req->head, &req->framing, &e) != 0) {
        snprintf(req->method, sizeof(req->method), "%.*s", (int)req->head.method_len,
                 req->head.method);
        reply_raw(c, e.status, e.code, e.msg);
        return;
    }
    c->keep_alive = req->framing.keep_alive;
    c->body_left = req->framing.body == LS_HTTP_BODY_LENGTH ? req->framing.length : 0;
    ls_http_chunked_init(&c->chunk);
    c->chunk.done = req->framing.body != LS_HTTP_BODY_CHUNKED;
    c->st = C_BODY;
    ls_request_begin(req);
    if (c->st == C_WRITE) {
        conn_flush(c);
        return;
    }
    if (req->framing.body != LS_HTTP_BODY_NONE && req->framing.expect_continue)
        send_continue(c);
    c->deadline = ms_after(s_io_timeout(c));
}

/* Reads a head from the input buffer; returns false when it needs more bytes. */
static bool read_head(struct ls_conn *c)
{
    const struct ls_http_config *cfg = &c->w->srv->app->cfg;
    size_t avail = c->in.len - c->in_pos;
    if (avail == 0) {
        if (c->peer_eof)
            conn_close(c); /* the client is done and sent nothing more */
        return false;
    }
    if (c->head_start == 0) {
        c->head_start = ls_mono_ms();
        c->deadline = c->head_start + cfg->header_timeout_ms;
    }
    /* Parse only when a line ended since the last try (or at the limit): no quadratic
     * re-parsing for a client that trickles its head one byte at a time. */
    const char *from = c->in.data + c->in_pos + c->scanned;
    bool line = memchr(from, '\n', avail - c->scanned) != NULL;
    c->scanned = avail;
    bool past_target = avail > LS_HTTP_TARGET_MAX + 16;
    if (!line && avail < cfg->max_head && !c->peer_eof && (!past_target || c->target_checked))
        return false; /* past the target limit it is parsed once, for a 414 */
    c->target_checked = c->target_checked || past_target;
    struct ls_http_head h;
    struct ls_http_error e;
    int rc = ls_http_parse_head(c->in.data + c->in_pos, avail, cfg->max_head, &h, &e);
    if (rc == 0) {
        if (c->peer_eof)
            reply_raw(c, 400, "bad_request", "the connection ended before the request head did");
        return false;
    }
    if (rc < 0) {
        reply_raw(c, e.status, e.code, e.msg);
        return false;
    }
    on_head(c, &h);
    return true;
}

/* Moves body bytes from the input buffer to the request. */
static bool read_body(struct ls_conn *c)
{
    struct ls_req *req = c->req;
    size_t avail = c->in.len - c->in_pos;
    char *p = c->in.data + c->in_pos;
    bool done = false;
    if (req->framing.body == LS_HTTP_BODY_LENGTH) {
        size_t n = avail < c->body_left ? avail : (size_t)c->body_left;
        if (n) {
            req->bytes_in += n;
            ls_request_body(req, p, n);
        }
        c->in_pos += n;
        c->body_left -= n;
        done = c->body_left == 0;
    } else if (req->framing.body == LS_HTTP_BODY_CHUNKED) {
        size_t out_len = 0, used = 0;
        struct ls_http_error e;
        int rc = ls_http_chunked_feed(&c->chunk, p, avail, p, &out_len, &used, &e);
        if (rc < 0) {
            reply_raw(c, e.status, e.code, e.msg);
            return false;
        }
        if (out_len) {
            req->bytes_in += out_len;
            ls_request_body(req, p, out_len);
        }
        c->in_pos += used;
        done = rc == 1;
    } else {
        done = true;
    }
    if (c->st == C_WRITE) { /* the route replied while reading (413, a failed upload) */
        conn_flush(c);
        return false;
    }
    if (c->st != C_BODY)
        return false;
    if (!done) {
        if (c->peer_eof) {
            ls_log(LS_LOG_INFO, "http.body_incomplete", "req=%s", req->id);
            conn_close(c);
        } else if (avail) {
            c->deadline = ms_after(s_io_timeout(c));
        }
        return false;
    }
    c->st = C_HANDLER;
    ls_request_end(req);
    after_handler(c);
    return false;
}

/* Runs the state machine over the input buffer until it needs more bytes. */
static void process(struct ls_conn *c)
{
    for (;;) {
        bool more;
        switch (c->st) {
        case C_HEAD:
            more = read_head(c);
            break;
        case C_BODY:
            more = read_body(c);
            break;
        case C_LINGER:
            c->in_pos = c->in.len;
            if (c->peer_eof)
                conn_close(c);
            return;
        default:
            return; /* pipelined bytes wait until the current reply is out */
        }
        if (!more)
            return;
    }
}

static void compact(struct ls_conn *c)
{
    if (c->in_pos == 0)
        return;
    size_t left = c->in.len - c->in_pos;
    memmove(c->in.data, c->in.data + c->in_pos, left);
    c->in.len = left;
    c->in.data[left] = '\0';
    c->in_pos = 0;
}

static void on_readable(struct ls_conn *c)
{
    char buf[READ_CHUNK];
    for (int rounds = 0; rounds < 16 && c->fd >= 0; rounds++) {
        size_t want = sizeof(buf);
        if (c->st != C_LINGER) {
            compact(c);
            size_t room = c->in.max - c->in.len;
            if (room == 0)
                break; /* nothing is consumed in this state: wait (the parser reports limits) */
            if (want > room)
                want = room;
        }
        ssize_t n = read(c->fd, buf, want);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_close(c);
            break;
        }
        if (n == 0) {
            c->peer_eof = true;
            break;
        }
        if (c->st == C_LINGER) {
            c->lingered += (uint64_t)n;
            if (c->lingered > LINGER_BYTES)
                conn_close(c);
            continue;
        }
        ls_buf_add(&c->in, buf, (size_t)n); /* fits: n <= room */
        if (c->st == C_HEAD || c->st == C_BODY)
            process(c); /* bodies are consumed as they come, so the buffer stays small */
        if ((size_t)n < want)
            break;
    }
    if (c->fd < 0)
        return; /* closed while processing: freed at the end of the round */
    if (c->peer_eof && c->st == C_WRITE)
        c->keep_alive = false; /* half-closed after a complete request: the reply is still owed */
    process(c);
    if (c->fd < 0)
        return;
    if (c->st == C_HANDLER || c->st == C_WRITE || (c->peer_eof && c->st != C_LINGER)) {
        /* Nothing to read now (or nothing more will come): stop waking up for input. */
        if (c->st != C_WRITE)
            set_events(c, 0);
    }
}

/* ---- resuming suspended requests --------------------------------------------------------- */

void ls_conn_suspend(struct ls_conn *c)
{
    c->req->suspended = true;
}

void ls_conn_resume(struct ls_conn *c)
{
    struct worker *w = c->w;
    pthread_mutex_lock(&w->mu);
    if (!c->resume_queued) {
        c->resume_queued = true;
        c->rnext = w->resumeq;
        w->resumeq = c;
    }
    pthread_mutex_unlock(&w->mu);
    uint64_t one = 1;
    ssize_t r = write(w->evfd, &one, sizeof(one));
    (void)r;
}

static void run_resumes(struct worker *w)
{
    uint64_t v;
    ssize_t r = read(w->evfd, &v, sizeof(v));
    (void)r;
    pthread_mutex_lock(&w->mu);
    struct ls_conn *q = w->resumeq;
    w->resumeq = NULL;
    for (struct ls_conn *c = q; c; c = c->rnext)
        c->resume_queued = false;
    pthread_mutex_unlock(&w->mu);
    while (q) {
        struct ls_conn *c = q;
        q = c->rnext;
        if (c->req == NULL || !c->req->suspended)
            continue;
        c->req->suspended = false;
        if (c->dead) {
            c->gnext = w->grave;
            w->grave = c;
            continue;
        }
        ls_request_resume(c->req);
        after_handler(c);
    }
}

const char *ls_conn_local_addr(const struct ls_conn *c)
{
    return c->local;
}

const char *ls_conn_peer_addr(const struct ls_conn *c)
{
    return c->peer;
}

/* ---- accepting ---------------------------------------------------------------------------- */

/* A connection over a cap: the JSON 503 at once, then a short linger. */
static void refuse(struct worker *w, int fd, const char *code, const char *msg)
{
    struct ls_conn *c = conn_new(w, fd);
    struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    c->events = e.events;
    if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &e) != 0) {
        conn_free(c);
        return;
    }
    ls_metrics_http_refused(strcmp(code, "server_busy") == 0 ? "busy" : "per_ip");
    reply_raw(c, 503, code, msg);
}

/*
 * accept failed for want of a file descriptor. The connection stays in the
 * backlog and the listening socket stays readable, so returning would spin
 * every I/O thread; instead the spare descriptor is given up, the connection
 * taken, told 503 in one non-blocking write, and closed. Called with
 * spare_mu held: every accept is made under it, so another I/O thread's
 * accept cannot take the descriptor the spare gave up (which would leave
 * the server with no spare, shedding nothing until a connection closes).
 * True when one was shed.
 */
static bool shed_one_locked(struct ls_server *s)
{
    int fd = -1;
    if (s->spare_fd >= 0) {
        close(s->spare_fd);
        s->spare_fd = -1;
        fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    }
    if (fd >= 0) {
#define BUSY_BODY                                                                                  \
    "{\"error\":\"the server has run out of file descriptors; try again later\","                  \
    "\"code\":\"server_busy\"}\n"
        char busy[384], id[17];
        ls_random_hex(id, 8);
        int n = snprintf(busy, sizeof(busy),
                         "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\nRetry-After: 1\r\n"
                         "X-Request-Id: %s\r\n\r\n%s",
                         sizeof(BUSY_BODY) - 1, id, BUSY_BODY);
#undef BUSY_BODY
        ssize_t w = send(fd, busy, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
        (void)w; /* best effort: the client sees the reply or a closed connection */
        close(fd);
        ls_metrics_http_refused("busy");
    }
    if (s->spare_fd < 0)
        s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd >= 0;
}

static void on_accept(struct worker *w)
{
    struct ls_server *s = w->srv;
    for (int i = 0; i < 32 && atomic_load(&s->accepting); i++) {
        struct sockaddr_storage ss, ls;
        socklen_t sl = sizeof(ss), ll = sizeof(ls);
        pthread_mutex_lock(&s->spare_mu);
        int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        bool out_of_fds = fd < 0 && (errno == EMFILE || errno == ENFILE);
        bool shed = out_of_fds && shed_one_locked(s);
        pthread_mutex_unlock(&s->spare_mu);
        if (out_of_fds && !shed)
            ls_sleep_ms(10); /* no spare to give up: at least do not spin */
        if (fd < 0)
            return; /* EAGAIN, or another thread took it */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        unsigned char ip[16];
        char peer[INET6_ADDRSTRLEN];
        addr_text(&ss, peer, sizeof(peer), ip);
        if (atomic_fetch_add(&s->open, 1) >= s->max_conns) {
            atomic_fetch_sub(&s->open, 1);
            refuse(w, fd, "server_busy", "the server has no connection slot left; try again later");
            continue;
        }
        if (!ip_acquire(s, ip)) {
            atomic_fetch_sub(&s->open, 1);
            refuse(w, fd, "too_many_connections",
                   "too many open connections from this address; close some and try again");
            continue;
        }
        struct ls_conn *c = conn_new(w, fd);
        c->counted = true;
        memcpy(c->ip, ip, 16);
        snprintf(c->peer, sizeof(c->peer), "%s", peer);
        unsigned char lip[16];
        if (getsockname(fd, (struct sockaddr *)&ls, &ll) == 0)
            addr_text(&ls, c->local, sizeof(c->local), lip);
        c->deadline = ms_after(s->app->cfg.header_timeout_ms);
        struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        c->events = e.events;
        if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &e) != 0)
            conn_free(c);
    }
}

/* ---- timeouts ------------------------------------------------------------------------------ */

static void on_timeout(struct ls_conn *c)
{
    switch (c->st) {
    case C_HEAD:
        if (c->head_start == 0 || c->in.len == c->in_pos) {
            conn_close(c); /* idle: nothing was asked, nothing is owed */
            return;
        }
        reply_raw(c, 408, "request_timeout", "the request line and headers did not arrive in time");
        return;
    case C_BODY:
        reply_raw(c, 408, "request_timeout", "the request body stopped arriving");
        return;
    case C_WRITE:
    case C_LINGER:
        conn_close(c); /* a client that reads nothing for this long is gone */
        return;
    case C_HANDLER:
        return;
    }
}

static void tick(struct worker *w, int64_t now)
{
    struct ls_conn *c = w->conns;
    while (c) {
        struct ls_conn *next = c->next;
        if (c->streaming && c->stream_retry && now >= c->stream_retry && c->fd >= 0)
            conn_flush(c);
        else if (c->deadline && now >= c->deadline && c->fd >= 0)
            on_timeout(c);
        c = next;
    }
}

/* While quiescing: idle keep-alive connections are closed so nobody sends a new request. */
static void close_idle(struct worker *w)
{
    struct ls_conn *c = w->conns;
    while (c) {
        struct ls_conn *next = c->next;
        if (c->st == C_HEAD && c->in.len == c->in_pos && c->fd >= 0)
            conn_close(c);
        c = next;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct ls_server *s = w->srv;
    struct epoll_event ev[MAX_EVENTS];
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    while (!atomic_load(&s->stop)) {
        /* A stream that gave way is pumped again at once, after the events that are ready. */
        int n = epoll_wait(w->ep, ev, MAX_EVENTS, w->yielded ? 0 : TICK_MS);
        for (int i = 0; i < n; i++) {
            if (ev[i].data.ptr == NULL) {
                on_accept(w);
                continue;
            }
            if (ev[i].data.ptr == (void *)w) {
                run_resumes(w);
                continue;
            }
            struct ls_conn *c = ev[i].data.ptr;
            if (c->fd < 0)
                continue;
            if (c->st == C_WRITE && c->streaming && c->resp->live &&
                (ev[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
                conn_close(c); /* the client of a live stream (events) has left */
                continue;
            }
            if (ev[i].events & EPOLLOUT && c->st == C_WRITE) {
                conn_flush(c);
                continue;
            }
            if (ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                if ((ev[i].events & EPOLLERR) && c->st != C_WRITE) {
                    conn_close(c);
                    continue;
                }
                on_readable(c);
            }
        }
        int64_t now = ls_mono_ms();
        if (now - w->last_tick >= TICK_MS) {
            w->last_tick = now;
            tick(w, now);
            if (!atomic_load(&s->accepting))
                close_idle(w);
        }
        run_ready(w);
        run_yielded(w);
        sweep(w);
    }
    sweep(w);
    while (w->conns)
        conn_free(w->conns);
    return NULL;
}

/* ---- start and stop ------------------------------------------------------------------------- */

static int listen_on(struct ls_server *s, const struct ls_http_config *cfg, struct ls_err *err)
{
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port[16];
    snprintf(port, sizeof(port), "%d", cfg->port);
    int gai = getaddrinfo(cfg->host, port, &hints, &ai);
    if (gai != 0)
        return ls_err_set(err, LS_EINVAL, "cannot resolve host \"%s\": %s", cfg->host,
                          gai_strerror(gai));
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return ls_err_set(err, LS_EIO, "cannot listen on %s:%d: %s", cfg->host, cfg->port,
                          strerror(e));
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        s->port = ntohs(a->sin_port);
        s->loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    } else {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        s->port = ntohs(a->sin6_port);
        s->loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    }
    freeaddrinfo(ai);
    s->listen_fd = fd;
    return LS_OK;
}

/*
 * The connection cap the open-file limit allows: the soft limit is raised
 * toward the hard one to fit LEADSCORE_MAX_CONNECTIONS plus FD_RESERVE for
 * the store, the model client and refused connections; where the hard limit
 * is lower, the cap is lowered, and the log says so.
 */
static int fd_budget(int want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return want;
    rlim_t need = (rlim_t)want + FD_RESERVE;
    if (rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur >= need)
        return want;
    int cap = rl.rlim_cur > FD_RESERVE + 8 ? (int)(rl.rlim_cur - FD_RESERVE) : 8;
    ls_log(
        LS_LOG_WARN, "server.fd_limit",
        "open_files=%llu max_connections=%d msg=\"the open-file limit lowers the connection cap; "
        "raise it with ulimit -n\"",
        (unsigned long long)rl.rlim_cur, cap);
    return cap;
}

struct ls_server *ls_server_start(struct ls_app *app, struct ls_err *err)
{
    struct ls_server *s = ls_xcalloc(1, sizeof(*s));
    s->app = app;
    s->listen_fd = -1;
    ls_offload_open(); /* a server started after another one stopped in this process */
    atomic_init(&s->accepting, true);
    atomic_init(&s->stop, false);
    atomic_init(&s->open, 0);
    atomic_init(&s->requests, 0);
    pthread_mutex_init(&s->ip_mu, NULL);
    pthread_mutex_init(&s->spare_mu, NULL);
    s->max_conns = fd_budget(app->cfg.max_connections);
    s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (listen_on(s, &app->cfg, err) != LS_OK) {
        if (s->spare_fd >= 0)
            close(s->spare_fd);
        pthread_mutex_destroy(&s->spare_mu);
        pthread_mutex_destroy(&s->ip_mu);
        free(s);
        return NULL;
    }
    s->n_workers = app->cfg.threads > 0 ? app->cfg.threads : 1;
    s->workers = ls_xcalloc((size_t)s->n_workers, sizeof(*s->workers));
    for (int i = 0; i < s->n_workers; i++) {
        struct worker *w = &s->workers[i];
        w->srv = s;
        pthread_mutex_init(&w->mu, NULL);
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        struct epoll_event le = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL};
        struct epoll_event ee = {.events = EPOLLIN, .data.ptr = w};
        epoll_ctl(w->ep, EPOLL_CTL_ADD, s->listen_fd, &le);
        epoll_ctl(w->ep, EPOLL_CTL_ADD, w->evfd, &ee);
        pthread_create(&w->thread, NULL, worker_main, w);
    }
    return s;
}

bool ls_host_is_loopback(const char *host)
{
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    if (getaddrinfo(host, "0", &hints, &ai) != 0)
        return false;
    bool all = ai != NULL;
    for (struct addrinfo *p = ai; p; p = p->ai_next) {
        if (p->ai_family == AF_INET) {
            const struct sockaddr_in *a = (const struct sockaddr_in *)(void *)p->ai_addr;
            all = all && (ntohl(a->sin_addr.s_addr) >> 24) == 127;
        } else if (p->ai_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(void *)p->ai_addr;
            all = all && IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
        } else {
            all = false;
        }
    }
    freeaddrinfo(ai);
    return all;
}

int ls_server_port(const struct ls_server *srv)
{
    return srv->port;
}

bool ls_server_is_loopback(const struct ls_server *srv)
{
    return srv->loopback;
}

int64_t ls_server_connections(const struct ls_server *srv)
{
    return atomic_load(&((struct ls_server *)(uintptr_t)srv)->open);
}

void ls_server_quiesce(struct ls_server *srv, int grace_ms)
{
    if (atomic_exchange(&srv->accepting, false)) {
        for (int i = 0; i < srv->n_workers; i++)
            epoll_ctl(srv->workers[i].ep, EPOLL_CTL_DEL, srv->listen_fd, NULL);
    }
    int64_t deadline = ls_mono_ms() + grace_ms;
    while (atomic_load(&srv->requests) > 0 && ls_mono_ms() < deadline) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void ls_server_stop(struct ls_server *srv)
{
    if (srv == NULL)
        return;
    /* Offloaded work resumes its request through an I/O thread: stop it and let it resume
     * first, then give the resumed requests a moment to be answered. */
    if (ls_offload_close())
        ls_server_quiesce(srv, 2000);
    atomic_store(&srv->accepting, false);
    atomic_store(&srv->stop, true);
    for (int i = 0; i < srv->n_workers; i++) {
        struct worker *w = &srv->workers[i];
        uint64_t one = 1;
        ssize_t r = write(w->evfd, &one, sizeof(one));
        (void)r;
        pthread_join(w->thread, NULL);
        close(w->ep);
        close(w->evfd);
        pthread_mutex_destroy(&w->mu);
    }
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    pthread_mutex_destroy(&srv->ip_mu);
    pthread_mutex_destroy(&srv->spare_mu);
    if (srv->spare_fd >= 0)
        close(srv->spare_fd);
    free(srv->workers);
    free(srv);
}
