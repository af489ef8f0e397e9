/*
 * test_events.c - GET /jobs/{id}/events (Server-Sent Events) on the real
 * server and the fake model: a finished job's one event and end, a running
 * job's rising progress, heartbeats while nothing changes (not cut by short
 * io/idle timeouts), 404s across workspaces, a client that leaves, a cancel,
 * and a shutdown with streams open. Streams are read on a raw HTTP/1.1
 * socket, chunked framing decoded here, each event stamped with its arrival.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include "ls_test.h"
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "harness.h"
#include "sys/sys.h"

/* ---- an SSE client on a raw socket --------------------------------------------------- */

#define RAW_MAX (1u << 20)

struct sse {
    int fd;
    char raw[RAW_MAX]; /* bytes read, not yet decoded */
    size_t raw_len;
    char body[RAW_MAX]; /* decoded body, not yet parsed into events */
    size_t body_len;
    bool head_done, chunked, last_chunk, eof;
    long status;
    char head[4096];
};

struct event {
    char name[16]; /* "" for the retry block */
    long long id;
    long retry;
    json_t *data; /* owned, or NULL */
    int64_t at;   /* ls_mono_ms() when it arrived */
};

/* Moves whole chunks (or, without chunking, everything) from raw to body. */
static void decode(struct sse *s)
{
    if (!s->head_done) {
        char *end = memmem(s->raw, s->raw_len, "\r\n\r\n", 4);
        if (end == NULL)
            return;
        size_t hl = (size_t)(end + 4 - s->raw);
        snprintf(s->head, sizeof(s->head), "%.*s", (int)hl, s->raw);
        s->status = strncmp(s->head, "HTTP/1.1 ", 9) == 0 ? atol(s->head + 9) : -1;
        s->chunked = strcasestr(s->head, "\r\nTransfer-Encoding: chunked\r\n") != NULL;
        memmove(s->raw, s->raw + hl, s->raw_len - hl);
        s->raw_len -= hl;
        s->head_done = true;
    }
    if (!s->chunked) {
        memcpy(s->body + s->body_len, s->raw, s->raw_len);
        s->body_len += s->raw_len;
        s->raw_len = 0;
        return;
    }
    while (!s->last_chunk) {
        char *eol = memmem(s->raw, s->raw_len, "\r\n", 2);
        if (eol == NULL)
            return;
        size_t n = strtoul(s->raw, NULL, 16), hl = (size_t)(eol + 2 - s->raw);
        if (n == 0) {
            if (s->raw_len < hl + 2)
                return;
            assert_memory_equal(s->raw + hl, "\r\n", 2);
            s->last_chunk = true;
            return;
        }
        if (s->raw_len < hl + n + 2)
            return;
        memcpy(s->body + s->body_len, s->raw + hl, n);
        s->body_len += n;
        memmove(s->raw, s->raw + hl + n + 2, s->raw_len - hl - n - 2);
        s->raw_len -= hl + n + 2;
    }
}

/* Reads what arrives within timeout_ms; false on timeout. */
static bool fill(struct sse *s, int timeout_ms)
{
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0)
        return false;
    ssize_t n = read(s->fd, s->raw + s->raw_len, sizeof(s->raw) - s->raw_len);
    if (n <= 0)
        s->eof = true;
    else
        s->raw_len += (size_t)n;
    decode(s);
    return true;
}

/* Opens GET path (as key when not NULL) and reads the head; the status in s->status. */
static struct sse *sse_open(const struct srv *srv, const char *path, const char *key)
{
    struct sse *s = calloc(1, sizeof(*s));
    s->fd = h_raw_connect(srv->port);
    assert_true(s->fd >= 0);
    char req[512];
    int n =
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s%s%s\r\n", path,
                 srv->port, key ? "Authorization: Bearer " : "", key ? key : "", key ? "\r\n" : "");
    assert_true(h_raw_send(s->fd, req, (size_t)n));
    int64_t until = ls_mono_ms() + 10000;
    while (!s->head_done && !s->eof && ls_mono_ms() < until)
        fill(s, 100);
    assert_true(s->head_done);
    return s;
}

static void sse_close(struct sse *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

/* Takes one event from the decoded body when a whole one is there. */
static bool take_event(struct sse *s, struct event *ev)
{
    char *end = memmem(s->body, s->body_len, "\n\n", 2);
    if (end == NULL)
        return false;
    memset(ev, 0, sizeof(*ev));
    ev->at = ls_mono_ms();
    ev->id = -1;
    for (char *p = s->body; p < end;) {
        char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        *eol = '\0';
        if (strncmp(p, "event: ", 7) == 0)
            snprintf(ev->name, sizeof(ev->name), "%s", p + 7);
        else if (strncmp(p, "id: ", 4) == 0)
            ev->id = atoll(p + 4);
        else if (strncmp(p, "retry: ", 7) == 0)
            ev->retry = atol(p + 7);
        else if (strncmp(p, "data: ", 6) == 0)
            ev->data = json_loads(p + 6, 0, NULL);
        else
            fail_msg("unexpected line in an event: \"%s\"", p);
        p = eol + 1;
    }
    size_t used = (size_t)(end + 2 - s->body);
    memmove(s->body, s->body + used, s->body_len - used);
    s->body_len -= used;
    return true;
}

/* The next event within timeout_ms: true, or false at the stream's end or on timeout. */
static bool next_event(struct sse *s, struct event *ev, int timeout_ms)
{
    int64_t until = ls_mono_ms() + timeout_ms;
    for (;;) {
        if (take_event(s, ev))
            return true;
        if (s->eof || s->last_chunk)
            return false;
        int64_t left = until - ls_mono_ms();
        if (left <= 0)
            return false;
        fill(s, (int)left);
    }
}

/* True once the server has closed the connection (within timeout_ms). */
static bool closed_within(struct sse *s, int timeout_ms)
{
    int64_t until = ls_mono_ms() + timeout_ms;
    while (!s->eof && ls_mono_ms() < until)
        fill(s, 50);
    return s->eof;
}

/* ---- set-up ----------------------------------------------------------------------------- */

static void start(struct srv *s, const char *name, const char *const *extra)
{
    assert_int_equal(h_srv_start_fake(s, name, extra), 0);
}

/* One request as key (may be NULL), with a JSON or CSV body; asserts the status. */
static json_t *call(const struct srv *s, const char *key, const char *method, const char *path,
                    const char *type, const char *body, long want)
{
    char auth[160], ct[80];
    const char *h[3] = {NULL, NULL, NULL};
    size_t n = 0;
    if (key) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
        h[n++] = auth;
    }
    if (type) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", type);
        h[n++] = ct;
    }
    return h_call_with(s, method, path, h, body, want, NULL);
}

/* The example offer, n leads, and a job on them (id 1 in a fresh database). */
static void job_of(const struct srv *s, const char *key, int n)
{
    json_decref(call(s, key, "POST", "/offers", "application/json", h_example_offer(), 201));
    size_t cap = 100 + (size_t)n * 80;
    char *csv = malloc(cap);
    size_t w = (size_t)snprintf(csv, cap, "name,role,company,industry,location,linkedin_bio\n");
    for (int i = 0; i < n; i++)
        w += (size_t)snprintf(csv + w, cap - w, "Lead %d,CEO,Co %d,B2B SaaS,Berlin,Bio %d\n", i, i,
                              i);
    json_decref(call(s, key, "POST", "/uploads", "text/csv", csv, 201));
    free(csv);
    json_decref(call(s, key, "POST", "/jobs", NULL, NULL, 202));
}

static void wait_status(const struct srv *s, const char *key, const char *want)
{
    for (int i = 0; i < 600; i++) {
        json_t *j = call(s, key, "GET", "/jobs/1", NULL, NULL, 200);
        bool done = strcmp(h_str(j, "status"), want) == 0;
        json_decref(j);
        if (done)
            return;
        ls_sleep_ms(50);
    }
    fail_msg("job 1 never became %s", want);
}

/* Reads the retry block and the first job event. */
static void expect_start(struct sse *s, struct event *first)
{
    struct event retry;
    assert_int_equal(s->status, 200);
    assert_true(next_event(s, &retry, 5000));
    assert_string_equal(retry.name, "");
    assert_int_equal(retry.retry, 2000);
    assert_true(next_event(s, first, 5000));
    assert_string_equal(first->name, "job");
    assert_int_equal(first->id, 1);
    assert_non_null(first->data);
}

/* The server's open-connections gauge. */
static long open_connections(const struct srv *s)
{
    struct resp r;
    assert_int_equal(h_http(s, "GET", "/metrics", NULL, NULL, 0, &r), 0);
    static const char gauge[] = "\nleadscore_http_connections_open ";
    const char *p = r.status == 200 ? strstr(r.body, gauge) : NULL;
    long n = p ? atol(p + sizeof(gauge) - 1) : -1;
    h_resp_free(&r);
    return n;
}

/* ---- tests ------------------------------------------------------------------------------ */

/*
 * A finished job: retry, one job event with exactly GET /jobs/{id}'s object, the end event,
 * and the end of the body - on curl (recorded for the conformance check) and on HTTP/1.0.
 */
static void test_events__finished_job_gets_one_event_and_end(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "finished.db", NULL);
    job_of(&s, NULL, 4);
    wait_status(&s, NULL, "succeeded");
    json_t *job = call(&s, NULL, "GET", "/jobs/1", NULL, NULL, 200);
    char *job_text = json_dumps(job, JSON_COMPACT);
    struct resp r;
    assert_int_equal(h_http(&s, "GET", "/jobs/1/events", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    char *type = h_header(&r, "Content-Type"), *cc = h_header(&r, "Cache-Control");
    char *accel = h_header(&r, "X-Accel-Buffering"), *clen = h_header(&r, "Content-Length");
    assert_string_equal(type, "text/event-stream");
    assert_string_equal(cc, "no-cache");
    assert_string_equal(accel, "no");
    assert_null(clen);
    free(type);
    free(cc);
    free(accel);
    char want[4096];
    snprintf(want, sizeof(want),
             "retry: 2000\n\nevent: job\nid: 1\ndata: %s\n\nevent: end\ndata: "
             "{\"status\":\"succeeded\"}\n\n",
             job_text);
    assert_string_equal(r.body, want); /* a finished job's object does not change */
    h_resp_free(&r);

    /* HTTP/1.0: the same events, then the server closes (the body ends at the close). */
    int fd = h_raw_connect(s.port);
    const char req[] = "GET /jobs/1/events HTTP/1.0\r\n\r\n";
    assert_true(h_raw_send(fd, req, sizeof(req) - 1));
    struct sse *e = calloc(1, sizeof(*e));
    e->fd = fd;
    assert_true(closed_within(e, 5000));
    assert_int_equal(e->status, 200);
    assert_null(strcasestr(e->head, "Content-Length"));
    assert_string_equal(e->body, want);
    sse_close(e);

    free(job_text);
    json_decref(job);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

struct curl_stream {
    const struct srv *s;
    struct resp r;
    int rc;
};

static void *curl_events(void *arg)
{
    struct curl_stream *c = arg;
    c->rc = h_http(c->s, "GET", "/jobs/1/events", NULL, NULL, 0, &c->r);
    return NULL;
}

/* A running job: job events as it goes, done rising to total, then succeeded and end. */
static void test_events__running_job_streams_progress_until_end(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"latency_ms\": 150}");
    const char *env[] = {"LEADSCORE_AI_BATCH=1", "LEADSCORE_AI_CONCURRENCY=1", NULL};
    start(&s, "running.db", env);
    job_of(&s, NULL, 20);
    wait_status(&s, NULL, "running");
    /* A second reader on curl, so the conformance check sees a running job's stream. */
    struct curl_stream c = {.s = &s};
    pthread_t t;
    pthread_create(&t, NULL, curl_events, &c);
    struct sse *e = sse_open(&s, "/jobs/1/events", NULL);
    assert_true(e->chunked);
    struct event ev, prev;
    expect_start(e, &prev);
    json_int_t first_done = h_num(prev.data, "done"), last_done = first_done;
    int n_job = 1, n_rises = 0;
    bool ended = false;
    while (next_event(e, &ev, 5000)) {
        if (strcmp(ev.name, "end") == 0) {
            assert_string_equal(h_str(ev.data, "status"), "succeeded");
            assert_string_equal(h_str(prev.data, "status"), "succeeded");
            json_decref(ev.data);
            ended = true;
            break;
        }
        assert_string_equal(ev.name, "job");
        assert_int_equal(ev.id, prev.id + 1);
        assert_true(ev.at - prev.at <= 1000); /* at least once a second */
        json_int_t done = h_num(ev.data, "done");
        assert_true(done >= last_done);
        n_rises += done > last_done;
        last_done = done;
        n_job++;
        json_decref(prev.data);
        prev = ev;
    }
    assert_true(ended);
    print_message("%d job events, done %lld -> %lld in %d rises\n", n_job, (long long)first_done,
                  (long long)last_done, n_rises);
    assert_true(n_job >= 3);
    assert_true(first_done < 20);
    assert_int_equal(last_done, 20);
    assert_true(n_rises >= 2);
    json_decref(prev.data);
    /* The body ended properly (the last chunk) and the connection stays usable. */
    assert_true(e->last_chunk);
    assert_int_equal(e->body_len, 0);
    sse_close(e);
    pthread_join(t, NULL);
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.r.status, 200);
    assert_non_null(strstr(c.r.body, "\"status\":\"running\""));
    assert_non_null(strstr(c.r.body, "event: end\ndata: {\"status\":\"succeeded\"}\n\n"));
    h_resp_free(&c.r);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/*
 * Nothing changes (a model call takes 3 s): still an event at least once a second, with
 * elapsed_ms moving, and io/idle timeouts of 200 ms do not cut the stream.
 */
static void test_events__heartbeat_while_nothing_changes(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"latency_ms\": 4000}");
    const char *env[] = {"LEADSCORE_AI_BATCH=1", "LEADSCORE_AI_CONCURRENCY=1",
                         "LEADSCORE_IO_TIMEOUT_MS=200", "LEADSCORE_IDLE_TIMEOUT_MS=200", NULL};
    start(&s, "heartbeat.db", env);
    job_of(&s, NULL, 2);
    wait_status(&s, NULL, "running");
    struct sse *e = sse_open(&s, "/jobs/1/events", NULL);
    struct event ev, prev;
    expect_start(e, &prev);
    int64_t until = prev.at + 2500;
    int n_same = 0;
    while (ls_mono_ms() < until) {
        assert_true(next_event(e, &ev, 1100));
        assert_string_equal(ev.name, "job");
        assert_true(ev.at - prev.at <= 1000);
        assert_string_equal(h_str(ev.data, "status"), "running");
        if (h_num(ev.data, "done") == h_num(prev.data, "done")) {
            n_same++;
            assert_true(h_num(ev.data, "elapsed_ms") > h_num(prev.data, "elapsed_ms"));
        }
        json_decref(prev.data);
        prev = ev;
    }
    json_decref(prev.data);
    print_message("%d unchanged events in 2.5 s\n", n_same);
    assert_true(n_same >= 2);
    sse_close(e);
    h_fake_config(&h_fake, "{\"latency_ms\": 0}");
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Viewer may watch; no key is 401; another workspace's job and unknown jobs are 404 JSON. */
static void test_events__access_and_not_found(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "access.db");
    char *keys[3];
    const char *specs[3][2] = {{"A", "admin"}, {"A", "viewer"}, {"B", "admin"}};
    for (int i = 0; i < 3; i++) {
        const char *argv[] = {"keys",      "create", "--db",      db,  "--workspace",
                              specs[i][0], "--role", specs[i][1], NULL};
        char *err = NULL;
        assert_int_equal(h_run_cli(argv, NULL, &keys[i], &err), 0);
        keys[i][strcspn(keys[i], "\n")] = '\0';
        free(err);
    }
    struct srv s;
    start(&s, "access.db", NULL);
    job_of(&s, keys[0], 3);
    wait_status(&s, keys[0], "succeeded");
    struct sse *e = sse_open(&s, "/jobs/1/events", keys[1]);
    struct event ev;
    expect_start(e, &ev);
    assert_string_equal(h_str(ev.data, "status"), "succeeded");
    json_decref(ev.data);
    assert_true(next_event(e, &ev, 5000));
    assert_string_equal(ev.name, "end");
    json_decref(ev.data);
    sse_close(e);
    json_t *j = call(&s, keys[2], "GET", "/jobs/1/events", NULL, NULL, 404);
    assert_string_equal(h_str(j, "code"), "not_found");
    json_decref(j);
    j = call(&s, keys[0], "GET", "/jobs/99/events", NULL, NULL, 404);
    assert_string_equal(h_str(j, "code"), "not_found");
    json_decref(j);
    j = call(&s, keys[0], "GET", "/jobs/x/events", NULL, NULL, 400);
    assert_string_equal(h_str(j, "code"), "invalid");
    json_decref(j);
    j = call(&s, NULL, "GET", "/jobs/1/events", NULL, NULL, 401);
    assert_string_equal(h_str(j, "code"), "unauthorized");
    json_decref(j);
    for (int i = 0; i < 3; i++)
        free(keys[i]);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/*
 * Streams hold connection slots (the per-address cap applies), and clients that leave
 * mid-stream free theirs at once: the server keeps serving and exits clean (ASan).
 */
static void test_events__client_leaving_frees_its_slot(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"latency_ms\": 3000}");
    const char *env[] = {"LEADSCORE_AI_BATCH=1", "LEADSCORE_AI_CONCURRENCY=1",
                         "LEADSCORE_MAX_CONNECTIONS_PER_IP=3", NULL};
    start(&s, "leave.db", env);
    job_of(&s, NULL, 2);
    wait_status(&s, NULL, "running");
    for (int round = 0; round < 3; round++) {
        struct sse *e[3];
        struct event ev;
        for (int i = 0; i < 3; i++) {
            e[i] = sse_open(&s, "/jobs/1/events", NULL);
            expect_start(e[i], &ev);
            json_decref(ev.data);
        }
        /* Three streams fill the cap of 3: the next connection is refused. */
        struct sse *over = sse_open(&s, "/jobs/1/events", NULL);
        assert_int_equal(over->status, 503);
        sse_close(over);
        /* Each just had its first event: the next is 650 ms or more away. */
        for (int i = 0; i < 3; i++)
            sse_close(e[i]);
        int64_t t0 = ls_mono_ms();
        long n;
        while ((n = open_connections(&s)) != 1 && ls_mono_ms() - t0 < 3000)
            ls_sleep_ms(10);
        int64_t ms = ls_mono_ms() - t0;
        print_message("round %d: slots freed in %lld ms\n", round, (long long)ms);
        assert_int_equal(n, 1); /* only the metrics request's own */
        assert_true(ms < 500);  /* at the FIN, not at the next event's failed write */
    }
    json_decref(call(&s, NULL, "GET", "/healthz", NULL, NULL, 200));
    h_fake_config(&h_fake, "{\"latency_ms\": 0}");
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* DELETE /jobs/{id} while a stream is open: its last job event says cancelled, then end. */
static void test_events__cancel_ends_the_stream(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"latency_ms\": 300}");
    const char *env[] = {"LEADSCORE_AI_BATCH=1", "LEADSCORE_AI_CONCURRENCY=1", NULL};
    start(&s, "cancel.db", env);
    job_of(&s, NULL, 50);
    wait_status(&s, NULL, "running");
    struct sse *e = sse_open(&s, "/jobs/1/events", NULL);
    struct event ev, prev;
    expect_start(e, &prev);
    json_t *j = call(&s, NULL, "DELETE", "/jobs/1", NULL, NULL, 200);
    assert_string_equal(h_str(j, "status"), "cancelled");
    json_decref(j);
    bool ended = false;
    while (next_event(e, &ev, 3000)) {
        if (strcmp(ev.name, "end") == 0) {
            assert_string_equal(h_str(ev.data, "status"), "cancelled");
            json_decref(ev.data);
            ended = true;
            break;
        }
        json_decref(prev.data);
        prev = ev;
    }
    assert_true(ended);
    assert_string_equal(h_str(prev.data, "status"), "cancelled");
    assert_true(h_num(prev.data, "done") < 50);
    json_decref(prev.data);
    assert_true(e->last_chunk);
    sse_close(e);
    h_fake_config(&h_fake, "{\"latency_ms\": 0}");
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Revoking the key a stream was opened with ends it (end: unauthorized), as it ends requests. */
static void test_events__revoked_key_ends_the_stream(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "revoke.db");
    char *keys[2];
    const char *roles[2] = {"admin", "viewer"};
    for (int i = 0; i < 2; i++) {
        const char *argv[] = {"keys", "create", "--db",   db,  "--workspace",
                              "A",    "--role", roles[i], NULL};
        char *err = NULL;
        assert_int_equal(h_run_cli(argv, NULL, &keys[i], &err), 0);
        keys[i][strcspn(keys[i], "\n")] = '\0';
        free(err);
    }
    struct srv s;
    h_fake_config(&h_fake, "{\"latency_ms\": 300}");
    const char *env[] = {"LEADSCORE_AI_BATCH=1", "LEADSCORE_AI_CONCURRENCY=1", NULL};
    start(&s, "revoke.db", env);
    job_of(&s, keys[0], 50);
    wait_status(&s, keys[0], "running");
    struct sse *e = sse_open(&s, "/jobs/1/events", keys[1]);
    struct event ev;
    expect_start(e, &ev);
    json_decref(ev.data);
    json_decref(call(&s, keys[0], "DELETE", "/keys/2", NULL, NULL, 200));
    int64_t t0 = ls_mono_ms();
    bool ended = false;
    while (next_event(e, &ev, 3000)) {
        bool end = strcmp(ev.name, "end") == 0;
        if (end)
            assert_string_equal(h_str(ev.data, "status"), "unauthorized");
        json_decref(ev.data);
        if (end) {
            ended = true;
            break;
        }
    }
    assert_true(ended);
    assert_true(ls_mono_ms() - t0 < 2500); /* within the key cache's second, plus a tick */
    sse_close(e);
    json_t *j = call(&s, keys[0], "GET", "/jobs/1", NULL, NULL, 200);
    assert_string_equal(h_str(j, "status"), "running"); /* the job goes on; only the stream ended */
    json_decref(j);
    for (int i = 0; i < 2; i++)
        free(keys[i]);
    h_fake_config(&h_fake, "{\"latency_ms\": 0}");
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* SIGTERM with streams open: they end (no end event: a client reconnects) and it exits fast. */
static void test_events__shutdown_ends_open_streams(void **state)
{
    (void)state;
    struct srv s;
    h_fake_config(&h_fake, "{\"latency_ms\": 3000}");
    const char *env[] = {"LEADSCORE_AI_BATCH=1", "LEADSCORE_AI_CONCURRENCY=1", NULL};
    start(&s, "shutdown.db", env);
    job_of(&s, NULL, 2);
    wait_status(&s, NULL, "running");
    struct sse *e[2];
    struct event ev;
    for (int i = 0; i < 2; i++) {
        e[i] = sse_open(&s, "/jobs/1/events", NULL);
        expect_start(e[i], &ev);
        json_decref(ev.data);
    }
    int64_t t0 = ls_mono_ms();
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    int64_t ms = ls_mono_ms() - t0;
    print_message("stopped in %lld ms with 2 streams open\n", (long long)ms);
    assert_true(ms < 3000); /* the grace for requests in flight is 10 s */
    for (int i = 0; i < 2; i++) {
        while (next_event(e[i], &ev, 2000)) {
            assert_string_equal(ev.name, "job"); /* never an end event */
            json_decref(ev.data);
        }
        assert_true(closed_within(e[i], 2000));
        sse_close(e[i]);
    }
    h_fake_config(&h_fake, "{\"latency_ms\": 0}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_events__finished_job_gets_one_event_and_end, h_fake_each),
        cmocka_unit_test_setup(test_events__running_job_streams_progress_until_end, h_fake_each),
        cmocka_unit_test_setup(test_events__heartbeat_while_nothing_changes, h_fake_each),
        cmocka_unit_test_setup(test_events__access_and_not_found, h_fake_each),
        cmocka_unit_test_setup(test_events__client_leaving_frees_its_slot, h_fake_each),
        cmocka_unit_test_setup(test_events__cancel_ends_the_stream, h_fake_each),
        cmocka_unit_test_setup(test_events__revoked_key_ends_the_stream, h_fake_each),
        cmocka_unit_test_setup(test_events__shutdown_ends_open_streams, h_fake_each),
    };
    return cmocka_run_group_tests(tests, h_fake_group_setup, h_fake_group_teardown);
}
