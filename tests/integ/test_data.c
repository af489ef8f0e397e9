/*
 * test_data.c - the data a user can see go (issue #7): failed uploads leave
 * nothing at once, DELETE of offers, uploads, results and jobs (409 while a
 * job uses them), deletion that really removes the bytes and reuses the
 * space, retention and the verdict cache's cap at start, and storage
 * errors: the database size cap (507) and a deleted database file (503,
 * /healthz unhealthy), both logged with the request id.
 */
#include "ls_test.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "sys/sys.h"

/* ---- helpers ------------------------------------------------------------------ */

/* A server on the fake Gemini; extra is a NULL-terminated "K=v" list (may be NULL). */
static void start(struct srv *s, const char *name, const char *const *extra)
{
    assert_int_equal(h_srv_start_fake(s, name, extra), 0);
}

/* What a failed upload must not leave: rows in leads, upload_errors and uploads. */
static void assert_no_upload_rows(const char *db_path, const char *what)
{
    int64_t leads = h_sql_int(db_path, "SELECT count(*) FROM leads");
    int64_t errors = h_sql_int(db_path, "SELECT count(*) FROM upload_errors");
    int64_t uploads = h_sql_int(db_path, "SELECT count(*) FROM uploads");
    if (leads || errors || uploads) {
        print_error("%s left %lld leads, %lld rejected rows, %lld uploads\n", what,
                    (long long)leads, (long long)errors, (long long)uploads);
        fail();
    }
}

/* h_call, but with Content-Type: application/json always and X-Request-Id: req_id (if not NULL). */
static json_t *call_h(struct srv *s, const char *method, const char *path, const char *json,
                      long want, const char *req_id)
{
    char rid[96];
    snprintf(rid, sizeof(rid), "X-Request-Id: %s", req_id ? req_id : "");
    const char *h[] = {"Content-Type: application/json", req_id ? rid : NULL, NULL};
    return h_call_with(s, method, path, h, json, want, NULL);
}

struct csv_opts {
    int n;           /* data rows */
    const char *tag; /* company "<tag>-<i>"; also put into role and bio when marker */
    int bad_every;   /* every this many rows has a seventh field (rejected); 0: none */
    int bio_len;     /* extra bytes of bio per row */
    bool marker;     /* the tag in the role and the bio too */
};

/* CSV text as opts say (owned: free). */
static char *csv_make(const struct csv_opts *o, size_t *len)
{
    size_t cap = 256 + (size_t)o->n * (160 + (size_t)o->bio_len + 3 * strlen(o->tag));
    char *csv = malloc(cap);
    size_t w = (size_t)snprintf(csv, cap, "name,role,company,industry,location,linkedin_bio\n");
    static const char *const roles[] = {"CEO", "Marketing Manager", "Analyst", "VP of Sales"};
    for (int i = 0; i < o->n; i++) {
        w += (size_t)snprintf(csv + w, cap - w, "Lead %d,%s%s%s,%s-%d,B2B SaaS,Berlin,Bio %d%s%s ",
                              i, roles[i % 4], o->marker ? " " : "", o->marker ? o->tag : "",
                              o->tag, i, i, o->marker ? " " : "", o->marker ? o->tag : "");
        for (int k = 0; k < o->bio_len; k++)
            csv[w++] = (char)('a' + (i + k) % 26);
        if (o->bad_every && i % o->bad_every == o->bad_every - 1)
            w += (size_t)snprintf(csv + w, cap - w, ",extra");
        csv[w++] = '\n';
    }
    csv[w] = '\0';
    *len = w;
    return csv;
}

/* POSTs CSV text as a file part; returns the reply (caller frees). */
static void post_csv(struct srv *s, const char *name, const struct csv_opts *o, struct resp *r)
{
    size_t len;
    char *csv = csv_make(o, &len);
    char p[600];
    h_path(p, sizeof(p), name);
    h_write_file(p, csv, len);
    free(csv);
    assert_int_equal(h_upload(s, "/uploads", p, NULL, r), 0);
}

static int64_t upload_ok(struct srv *s, const char *name, const struct csv_opts *o)
{
    size_t len;
    char *csv = csv_make(o, &len);
    int64_t id = h_upload_csv(s, name, csv, len);
    free(csv);
    return id;
}

/* ---- raw sockets ---- */

static int raw_connect(int port)
{
    int fd = h_raw_connect(port);
    assert_true(fd >= 0);
    return fd;
}

/* How often needle occurs in the file's bytes (0 when the file does not exist). */
static int bytes_count(const char *path, const char *needle)
{
    size_t len = 0, nl = strlen(needle);
    char *data = h_read_file(path, &len);
    int n = 0;
    for (size_t i = 0; data && i + nl <= len; i++) {
        if (memcmp(data + i, needle, nl) == 0)
            n++;
    }
    free(data);
    return n;
}

static int64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* ---- defects 2 and 3: multipart shapes, every row rejected ------------------------- */

static char *multipart(const char *const *part_heads, const char *const *part_bodies, size_t n,
                       bool closed, size_t *len)
{
    size_t cap = 4096;
    for (size_t i = 0; i < n; i++)
        cap += strlen(part_heads[i]) + strlen(part_bodies[i]) + 128;
    char *b = malloc(cap);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += (size_t)snprintf(b + w, cap - w, "--XBOUNDX\r\n%s\r\n\r\n%s\r\n", part_heads[i],
                              part_bodies[i]);
    if (closed)
        w += (size_t)snprintf(b + w, cap - w, "--XBOUNDX--\r\n");
    *len = w;
    return b;
}

static long post_multipart(struct srv *s, const char *body, size_t len, json_t **out)
{
    const char *h[] = {"Content-Type: multipart/form-data; boundary=XBOUNDX", NULL};
    struct resp r;
    assert_int_equal(h_http(s, "POST", "/uploads", h, body, len, &r), 0);
    *out = h_json(&r);
    long st = r.status;
    h_resp_free(&r);
    return st;
}

/*
 * Two "file" parts, or a nested multipart part, are 400 invalid_multipart
 * naming the problem - after a first file large enough to have reached the
 * database - and nothing of it is stored.
 */
static void test_data__two_files_or_nested_multipart_rejected(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "multipart.db", NULL);
    size_t len;
    struct csv_opts big = {.n = 5000, .tag = "MP", .bad_every = 100};
    char *csv = csv_make(&big, &len);
    static const struct {
        const char *second_head, *why;
    } cases[] = {
        {"Content-Disposition: form-data; name=\"file\"; filename=\"b.csv\"\r\n"
         "Content-Type: text/csv",
         "more than one \"file\" part"},
        {"Content-Disposition: form-data; name=\"other\"\r\n"
         "Content-Type: multipart/mixed; boundary=INNER",
         "nested multipart"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *heads[] = {"Content-Disposition: form-data; name=\"file\"; "
                               "filename=\"a.csv\"\r\nContent-Type: text/csv",
                               cases[i].second_head};
        const char *bodies[] = {csv, "name,role\nX,Y\n"};
        size_t blen;
        char *body = multipart(heads, bodies, 2, true, &blen);
        json_t *j = NULL;
        long st = post_multipart(&s, body, blen, &j);
        free(body);
        if (st != 400 || strcmp(h_str(j, "code"), "invalid_multipart") != 0 ||
            strstr(h_str(j, "error"), cases[i].why) == NULL) {
            print_error("case %zu: %ld %s %s\n", i, st, h_str(j, "code"), h_str(j, "error"));
            fail();
        }
        json_decref(j);
        assert_no_upload_rows(s.db, cases[i].why);
    }
    free(csv);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* An upload whose every row is rejected still answers the first 100 row errors and lines. */
static void test_data__all_rows_rejected_lists_the_errors(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "all-rejected.db", NULL);
    struct csv_opts bad = {.n = 150, .tag = "Bad", .bad_every = 1};
    struct resp r;
    post_csv(&s, "all-bad.csv", &bad, &r);
    assert_int_equal(r.status, 400);
    json_t *j = h_json(&r);
    h_resp_free(&r);
    assert_string_equal(h_str(j, "code"), "no_leads");
    assert_non_null(strstr(h_str(j, "error"), "all 150 data rows were rejected"));
    json_t *details = json_object_get(j, "details");
    assert_int_equal(h_num(details, "rejected"), 150);
    json_t *errors = json_object_get(details, "errors");
    assert_int_equal(json_array_size(errors), 100);
    for (size_t i = 0; i < 100; i++) {
        json_t *e = json_array_get(errors, i);
        assert_int_equal(h_num(e, "line"), (json_int_t)i + 2); /* the header is line 1 */
        assert_true(strlen(h_str(e, "error")) > 0);
    }
    json_decref(j);
    assert_no_upload_rows(s.db, "an upload with every row rejected");
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* ---- defect 14: a failed upload's rows are gone at once ---------------------------- */

/*
 * Too many rows, a multipart body that never closes, a client that
 * disconnects mid-body, a chunked body over the size limit: each failed
 * after a batch (with rejected rows) had been written, and right after the
 * reply - not after a restart - no row of it is in the database.
 */
static void test_data__failed_upload_leaves_nothing_at_once(void **state)
{
    (void)state;
    const char *env[] = {"LEADSCORE_MAX_ROWS=4500", NULL};
    struct srv s;
    start(&s, "failed-upload.db", env);

    /* Too many rows. */
    struct csv_opts many = {.n = 5000, .tag = "Many", .bad_every = 100};
    struct resp r;
    post_csv(&s, "many.csv", &many, &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "too_many_rows"));
    h_resp_free(&r);
    assert_no_upload_rows(s.db, "too many rows");

    /* A multipart body that ends before its closing boundary. */
    struct csv_opts open_mp = {.n = 4400, .tag = "Open", .bad_every = 100};
    size_t len;
    char *csv = csv_make(&open_mp, &len);
    const char *heads[] = {"Content-Disposition: form-data; name=\"file\"; filename=\"o.csv\"\r\n"
                           "Content-Type: text/csv"};
    const char *bodies[] = {csv};
    size_t blen;
    char *body = multipart(heads, bodies, 1, false, &blen);
    json_t *j = NULL;
    assert_int_equal(post_multipart(&s, body, blen, &j), 400);
    assert_string_equal(h_str(j, "code"), "invalid_multipart");
    assert_non_null(strstr(h_str(j, "error"), "closing boundary"));
    json_decref(j);
    free(body);
    free(csv);
    assert_no_upload_rows(s.db, "an unclosed multipart body");

    /* A client that goes away mid-body. */
    struct csv_opts gone = {.n = 4400, .tag = "Gone", .bad_every = 100};
    csv = csv_make(&gone, &len);
    int fd = raw_connect(s.port);
    char head[256];
    int hl = snprintf(head, sizeof(head),
                      "POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      len * 2);
    assert_true(h_raw_send(fd, head, (size_t)hl));
    assert_true(h_raw_send(fd, csv, len));
    free(csv);
    bool written = false;
    for (int64_t end = ls_mono_ms() + 10000; !written && ls_mono_ms() < end; ls_sleep_ms(20))
        written = h_sql_int(s.db, "SELECT count(*) FROM leads") >= 4096;
    assert_true(written);
    assert_true(h_sql_int(s.db, "SELECT count(*) FROM upload_errors") > 0);
    close(fd);
    bool clean = false;
    for (int64_t end = ls_mono_ms() + 2000; !clean && ls_mono_ms() < end; ls_sleep_ms(20))
        clean = h_sql_int(s.db, "SELECT count(*) FROM leads") == 0;
    assert_true(clean);
    assert_no_upload_rows(s.db, "a client that disconnected");
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    /* A chunked body (no Content-Length to refuse up front) over the size limit. */
    const char *env2[] = {"LEADSCORE_MAX_UPLOAD_MB=1", NULL};
    start(&s, "failed-upload.db", env2);
    struct csv_opts fat = {.n = 5000, .tag = "Fat", .bad_every = 100, .bio_len = 200};
    csv = csv_make(&fat, &len);
    assert_true(len > 1024 * 1024 + 65536);
    fd = raw_connect(s.port);
    hl = snprintf(head, sizeof(head),
                  "POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n");
    assert_true(h_raw_send(fd, head, (size_t)hl));
    bool open_conn = true;
    for (size_t off = 0; off < len && open_conn; off += 16384) {
        size_t n = len - off < 16384 ? len - off : 16384;
        char ch[32];
        int cl = snprintf(ch, sizeof(ch), "%zx\r\n", n);
        open_conn = h_raw_send(fd, ch, (size_t)cl) && h_raw_send(fd, csv + off, n) &&
                    h_raw_send(fd, "\r\n", 2);
    }
    if (open_conn)
        h_raw_send(fd, "0\r\n\r\n", 5);
    free(csv);
    char *reply = NULL;
    long status = h_raw_reply(fd, &reply);
    close(fd);
    if (status != 413 || strstr(reply, "too_large") == NULL) {
        print_error("chunked over the limit: %ld %s\n", status, reply);
        fail();
    }
    free(reply);
    assert_no_upload_rows(s.db, "a body over the size limit");
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* ---- data you can delete ------------------------------------------------------------ */

static const char other_offer[] =
    "{\"name\": \"Other\", \"value_props\": [\"x\"], \"ideal_use_cases\": [\"Retail\"]}";

/*
 * DELETE /offers/{id}, /uploads/{id}, /jobs/{id}/results and
 * /jobs/{id}?purge=1: 409 while a queued or running job uses what they
 * would take; otherwise the rows are gone, with what was made from them.
 */
static void test_data__deletes_and_their_conflicts(void **state)
{
    (void)state;
    const char *env[] = {"LEADSCORE_AI_CONCURRENCY=1", NULL};
    struct srv s;
    start(&s, "deletes.db", env);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    struct csv_opts small = {.n = 20, .tag = "Small"};
    int64_t u1 = upload_ok(&s, "small.csv", &small);
    json_decref(h_call(&s, "POST", "/score", NULL, 200)); /* job 1, finished */
    json_decref(h_call(&s, "POST", "/offers", other_offer, 201));
    struct csv_opts big = {.n = 400, .tag = "Big"};
    int64_t u2 = upload_ok(&s, "big.csv", &big);
    h_fake_config(&h_fake, "{\"latency_ms\": 300}");
    json_decref(h_call(&s, "POST", "/jobs", NULL, 202)); /* job 2: offer 2, upload 2, running */
    assert_true(h_srv_log_wait(&s, "event=job.start job=2 ", 10000));
    char body[80];
    snprintf(body, sizeof(body), "{\"offer_id\": 2, \"upload_id\": %lld}", (long long)u1);
    json_decref(h_call(&s, "POST", "/jobs", body, 202)); /* job 3: queued behind it */

    /* What a queued or running job uses stays. */
    static const char *const busy[][2] = {
        {"DELETE", "/offers/2"},       {"DELETE", "/uploads/2"},      {"DELETE", "/uploads/1"},
        {"DELETE", "/jobs/2?purge=1"}, {"DELETE", "/jobs/2/results"}, {"DELETE", "/jobs/3?purge=1"},
    };
    for (size_t i = 0; i < sizeof(busy) / sizeof(busy[0]); i++) {
        json_t *j = h_call(&s, busy[i][0], busy[i][1], NULL, 409);
        assert_string_equal(h_str(j, "code"), "conflict");
        assert_true(strlen(h_str(j, "error")) > 0);
        json_decref(j);
    }
    /* An offer only finished jobs used: gone, and those jobs keep their results. */
    json_decref(h_call(&s, "DELETE", "/offers/1", NULL, 200));
    json_decref(h_call(&s, "GET", "/offers/1", NULL, 404));
    json_t *j = h_call(&s, "GET", "/jobs/1", NULL, 200);
    assert_true(json_is_null(json_object_get(j, "offer_id")));
    assert_string_equal(h_str(j, "status"), "succeeded");
    json_decref(j);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM results WHERE job_id = 1"), 20);
    /* A finished job's results, then the job. */
    j = h_call(&s, "DELETE", "/jobs/1/results", NULL, 200);
    assert_true(strlen(h_str(j, "results_deleted_at")) > 0);
    json_decref(j);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM results WHERE job_id = 1"), 0);
    json_decref(h_call(&s, "DELETE", "/jobs/1?purge=1", NULL, 200));
    json_decref(h_call(&s, "GET", "/jobs/1", NULL, 404));
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM jobs WHERE id = 1"), 0);

    /* Once the jobs are done, the uploads go with their leads, jobs and results. */
    j = h_call(&s, "DELETE", "/jobs/2", NULL, 200);
    assert_string_equal(h_str(j, "status"), "cancelled");
    json_decref(j);
    h_fake_config(&h_fake, "{\"latency_ms\": 0}");
    json_decref(h_wait_job(&s, "/jobs/3", 30000));
    char path[64];
    snprintf(path, sizeof(path), "/uploads/%lld", (long long)u1);
    json_decref(h_call(&s, "DELETE", path, NULL, 200));
    json_decref(h_call(&s, "GET", path, NULL, 404));
    json_decref(h_call(&s, "GET", "/jobs/3", NULL, 404));
    snprintf(path, sizeof(path), "/uploads/%lld", (long long)u2);
    json_decref(h_call(&s, "DELETE", path, NULL, 200));
    json_decref(h_call(&s, "GET", "/jobs/2", NULL, 404));
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM leads"), 0);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM results"), 0);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM jobs"), 0);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM uploads"), 0);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM verdicts"), 0);
    j = h_call(&s, "GET", "/uploads", NULL, 200);
    assert_int_equal(h_num(j, "current"), 0);
    json_decref(j);
    json_decref(h_call(&s, "DELETE", "/uploads/99", NULL, 404));
    json_decref(h_call(&s, "DELETE", "/offers/99", NULL, 404));
    json_decref(h_call(&s, "DELETE", "/jobs/99?purge=1", NULL, 404));
    json_decref(h_call(&s, "DELETE", "/jobs/99/results", NULL, 404));
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/*
 * Every deletion is real: after DELETE /uploads/{id} of leads carrying a
 * unique marker (scored, so results and cached verdicts quote it), the
 * marker is in neither the database file nor its WAL; and uploading and
 * scoring as much again grows the file by no more than 10% (free pages are
 * reused).
 */
static void test_data__deletion_is_real_and_space_reused(void **state)
{
    (void)state;
    static const char marker[] = "QZX7MARKER";
    struct srv s;
    start(&s, "real-delete.db", NULL);
    char wal[700];
    snprintf(wal, sizeof(wal), "%s-wal", s.db);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    struct csv_opts o = {.n = 2000, .tag = marker, .marker = true, .bio_len = 150};
    int64_t id = upload_ok(&s, "marked.csv", &o);
    json_decref(h_call(&s, "POST", "/score", NULL, 200));
    assert_true(h_sql_int(s.db, "SELECT count(*) FROM verdicts") > 0);
    assert_true(bytes_count(s.db, marker) + bytes_count(wal, marker) > 0);
    char path[64];
    snprintf(path, sizeof(path), "/uploads/%lld", (long long)id);
    json_decref(h_call(&s, "DELETE", path, NULL, 200));
    int in_db = bytes_count(s.db, marker), in_wal = bytes_count(wal, marker);
    if (in_db || in_wal) {
        print_error("the marker is still in the database (%d) and its WAL (%d)\n", in_db, in_wal);
        fail();
    }
    int64_t size_after_delete = file_size(s.db) + file_size(wal);

    struct csv_opts again = {.n = 2000, .tag = "AGAIN1MARK", .marker = true, .bio_len = 150};
    upload_ok(&s, "again.csv", &again);
    json_decref(h_call(&s, "POST", "/score", NULL, 200));
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0); /* the last close checkpoints the WAL */
    int64_t size_again = file_size(s.db) + file_size(wal);
    printf("database and WAL: %lld bytes after the delete, %lld after as much again\n",
           (long long)size_after_delete, (long long)size_again);
    if (size_again > size_after_delete + size_after_delete / 10) {
        print_error("the file grew from %lld to %lld bytes\n", (long long)size_after_delete,
                    (long long)size_again);
        fail();
    }
}

/* LEADSCORE_RETENTION_DAYS purges finished uploads, jobs and results older than that at start. */
static void test_data__retention_at_start(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "retention.db", NULL);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    struct csv_opts o = {.n = 10, .tag = "Ret"};
    int64_t u1 = upload_ok(&s, "r1.csv", &o);
    json_decref(h_call(&s, "POST", "/score", NULL, 200)); /* job 1 on upload 1 */
    o.tag = "Ret2";
    int64_t u2 = upload_ok(&s, "r2.csv", &o);
    json_decref(h_call(&s, "POST", "/score", NULL, 200)); /* job 2 on upload 2 */
    o.tag = "Ret3";
    o.n = 5;
    int64_t u3 = upload_ok(&s, "r3.csv", &o); /* never scored */
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    /* Three days old: every upload and job 1. Job 2 is recent, so upload 2 stays. */
    assert_int_equal(h_sql_exec(s.db, "UPDATE uploads SET created_ms = created_ms - 259200000, "
                                      "committed_ms = committed_ms - 259200000;"
                                      "UPDATE jobs SET created_ms = created_ms - 259200000 "
                                      "WHERE id = 1"),
                     SQLITE_OK);
    const char *env[] = {"LEADSCORE_RETENTION_DAYS=1", NULL};
    start(&s, "retention.db", env);
    assert_true(h_srv_log_has(&s, "event=retention.purged days=1 uploads=2 jobs=1 results=10"));
    char path[64];
    snprintf(path, sizeof(path), "/uploads/%lld", (long long)u1);
    json_decref(h_call(&s, "GET", path, NULL, 404));
    snprintf(path, sizeof(path), "/uploads/%lld", (long long)u3);
    json_decref(h_call(&s, "GET", path, NULL, 404));
    snprintf(path, sizeof(path), "/uploads/%lld", (long long)u2);
    json_decref(h_call(&s, "GET", path, NULL, 200));
    json_decref(h_call(&s, "GET", "/jobs/1", NULL, 404));
    json_decref(h_call(&s, "GET", "/jobs/2", NULL, 200));
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM leads"), 10);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM results"), 10);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM results WHERE job_id = 1"), 0);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/*
 * LEADSCORE_CACHE_MAX_ROWS trims the verdict cache at start, least recently
 * used first: the kept verdicts are the most recently used ones, and a new
 * job on the same leads hits exactly those.
 */
static void test_data__cache_cap_at_start(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "cache-cap.db", NULL);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    struct csv_opts o = {.n = 30, .tag = "Cache"};
    upload_ok(&s, "cache.csv", &o);
    json_decref(h_call(&s, "POST", "/score", NULL, 200));
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM verdicts"), 30);
    /* A known order of use, unrelated to the keys' order: rank r was used at 7r mod 30. */
    assert_int_equal(h_sql_exec(s.db, "UPDATE verdicts SET used_ms = 1000 + (7 * (SELECT count(*) "
                                      "FROM verdicts v WHERE v.key < verdicts.key)) % 30"),
                     SQLITE_OK);
    char *want =
        h_sql_text(s.db, "SELECT group_concat(k) FROM (SELECT k FROM (SELECT hex(key) AS "
                         "k, used_ms FROM verdicts ORDER BY used_ms DESC LIMIT 10) ORDER BY "
                         "k)");
    assert_int_equal(h_sql_int(s.db, "SELECT count(DISTINCT used_ms) FROM verdicts"), 30);
    const char *env[] = {"LEADSCORE_CACHE_MAX_ROWS=10", NULL};
    start(&s, "cache-cap.db", env);
    assert_true(h_srv_log_has(&s, "event=cache.trimmed evicted=20 max_rows=10"));
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM verdicts"), 10);
    char *kept = h_sql_text(s.db, "SELECT group_concat(k) FROM (SELECT hex(key) AS k FROM verdicts "
                                  "ORDER BY k)");
    assert_string_equal(kept, want);
    free(kept);
    free(want);
    json_decref(h_call(&s, "POST", "/score", NULL, 200));
    json_t *j = h_call(&s, "GET", "/jobs/2", NULL, 200);
    assert_int_equal(h_num(j, "cache_hits"), 10);
    json_decref(j);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* ---- storage errors ----------------------------------------------------------------- */

/*
 * LEADSCORE_DB_MAX_MB caps the database: an upload that outgrows it is 507
 * storage_unavailable (logged with its request id), leaves nothing, and a
 * small upload afterwards still fits.
 */
static void test_data__db_size_cap_is_507(void **state)
{
    (void)state;
    const char *env[] = {"LEADSCORE_DB_MAX_MB=1", NULL};
    struct srv s;
    start(&s, "capped.db", env);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    struct csv_opts fat = {.n = 8000, .tag = "Cap", .bio_len = 300};
    size_t len;
    char *csv = csv_make(&fat, &len);
    assert_true(len > 2 * 1024 * 1024);
    const char *h[] = {"Content-Type: text/csv", "X-Request-Id: cap-upload-1", NULL};
    struct resp r;
    assert_int_equal(h_http(&s, "POST", "/uploads", h, csv, len, &r), 0);
    free(csv);
    json_t *j = h_json(&r);
    if (r.status != 507 || strcmp(h_str(j, "code"), "storage_unavailable") != 0) {
        print_error("over the cap: %ld %s\n", r.status, r.body);
        fail();
    }
    assert_non_null(strstr(h_str(j, "error"), "full"));
    json_decref(j);
    h_resp_free(&r);
    assert_true(h_srv_log_has(&s, "event=http.error req=cap-upload-1 status=507"));
    assert_no_upload_rows(s.db, "an upload over the size cap");
    struct csv_opts small = {.n = 100, .tag = "Fits"};
    upload_ok(&s, "fits.csv", &small);
    json_decref(h_call(&s, "GET", "/healthz", NULL, 200));
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/*
 * The size cap reached while a job stores its results: POST /score answers
 * 507 storage_unavailable (logged with the request id), not 502
 * scoring_failed - the model did nothing wrong - and what was scored is kept.
 */
static void test_data__db_full_while_scoring_is_507(void **state)
{
    (void)state;
    const char *env[] = {"LEADSCORE_DB_MAX_MB=1", NULL};
    struct srv s;
    start(&s, "full-scoring.db", env);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    struct csv_opts o = {.n = 2500, .tag = "Full", .bio_len = 100};
    upload_ok(&s, "full.csv", &o); /* fits; its results will not */
    json_t *j = call_h(&s, "POST", "/score", NULL, 507, "full-score-1");
    assert_string_equal(h_str(j, "code"), "storage_unavailable");
    assert_non_null(strstr(h_str(j, "error"), "full"));
    json_int_t scored = h_num(json_object_get(j, "details"), "scored");
    assert_int_equal(h_num(json_object_get(j, "details"), "job_id"), 1);
    json_decref(j);
    assert_true(h_srv_log_has(&s, "event=http.error req=full-score-1 status=507"));
    j = h_call(&s, "GET", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(j, "status"), "failed");
    assert_int_equal(h_num(j, "done"), scored);
    json_decref(j);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM results"), scored);
}

/*
 * The database file deleted while the server runs: writes answer 503
 * storage_unavailable (logged with the request id), and /healthz reports
 * the store unhealthy (503) within about a second.
 */
static void test_data__deleted_db_file_is_503_and_unhealthy(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "deleted.db", NULL);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    struct csv_opts o = {.n = 5, .tag = "Del"};
    upload_ok(&s, "before.csv", &o);
    json_t *j = h_call(&s, "GET", "/healthz", NULL, 200);
    assert_string_equal(h_str(j, "status"), "ok");
    json_decref(j);
    assert_int_equal(unlink(s.db), 0);
    int64_t t0 = ls_mono_ms();
    j = call_h(&s, "POST", "/offers", h_example_offer(), 503, "deleted-offer-1");
    assert_string_equal(h_str(j, "code"), "storage_unavailable");
    json_decref(j);
    assert_true(h_srv_log_has(&s, "event=http.error req=deleted-offer-1 status=503"));
    struct resp r;
    post_csv(&s, "deleted.csv", &o, &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "storage_unavailable"));
    h_resp_free(&r);
    json_decref(h_call(&s, "POST", "/jobs", NULL, 503));
    bool unhealthy = false;
    while (!unhealthy && ls_mono_ms() - t0 < 3000) {
        assert_int_equal(h_http(&s, "GET", "/healthz", NULL, NULL, 0, &r), 0);
        j = h_json(&r);
        unhealthy = r.status == 503 && strcmp(h_str(j, "status"), "unhealthy") == 0 &&
                    strcmp(h_str(j, "code"), "storage_unavailable") == 0;
        json_decref(j);
        h_resp_free(&r);
        if (!unhealthy)
            ls_sleep_ms(50);
    }
    int64_t ms = ls_mono_ms() - t0;
    assert_true(unhealthy);
    assert_true(ms <= 1500);
    h_srv_stop(&s, SIGTERM);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_data__two_files_or_nested_multipart_rejected, h_fake_each),
        cmocka_unit_test_setup(test_data__all_rows_rejected_lists_the_errors, h_fake_each),
        cmocka_unit_test_setup(test_data__failed_upload_leaves_nothing_at_once, h_fake_each),
        cmocka_unit_test_setup(test_data__deletes_and_their_conflicts, h_fake_each),
        cmocka_unit_test_setup(test_data__deletion_is_real_and_space_reused, h_fake_each),
        cmocka_unit_test_setup(test_data__retention_at_start, h_fake_each),
        cmocka_unit_test_setup(test_data__cache_cap_at_start, h_fake_each),
        cmocka_unit_test_setup(test_data__db_size_cap_is_507, h_fake_each),
        cmocka_unit_test_setup(test_data__db_full_while_scoring_is_507, h_fake_each),
        cmocka_unit_test_setup(test_data__deleted_db_file_is_503_and_unhealthy, h_fake_each),
    };
    int rc = cmocka_run_group_tests(tests, h_fake_group_setup, h_fake_group_teardown);
    curl_global_cleanup();
    return rc;
}
