/*
 * test_multi.c - several processes on one SQLite file (issue #7): a slow
 * streaming upload beside `leadscore score --db`, an upload whose row is
 * removed under it, two servers sharing jobs, `score --db` refused while a
 * live server runs its job and resuming it once that server is killed -9,
 * a cancel from a second server, recovery of more than 1,024 unfinished
 * jobs, the queue cap, and SIGTERM with a sync POST /score waiting.
 */
#include "ls_test.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

/* Waits up to ms for sql to give at least want. */
static bool sql_wait(const char *db_path, const char *sql, int64_t want, int ms)
{
    for (int64_t end = ls_mono_ms() + ms; ls_mono_ms() < end; ls_sleep_ms(20)) {
        if (h_sql_int(db_path, "%s", sql) >= want)
            return true;
    }
    return false;
}

/* CSV text of n leads whose company is "<tag>-<i>" (owned: free). */
static char *csv_of(int n, const char *tag, size_t *len)
{
    size_t cap = 128 + (size_t)n * 96;
    char *csv = malloc(cap);
    size_t w = (size_t)snprintf(csv, cap, "name,role,company,industry,location,linkedin_bio\n");
    static const char *const roles[] = {"CEO", "Marketing Manager", "Analyst", "VP of Sales"};
    for (int i = 0; i < n; i++)
        w += (size_t)snprintf(csv + w, cap - w, "Lead %d,%s,%s-%d,B2B SaaS,Berlin,Bio %d\n", i,
                              roles[i % 4], tag, i, i);
    *len = w;
    return csv;
}

/* Writes n leads tagged tag to file name; its path goes to out. */
static void csv_file(char *out, size_t cap, const char *name, int n, const char *tag)
{
    size_t len;
    char *csv = csv_of(n, tag, &len);
    h_path(out, cap, name);
    h_write_file(out, csv, len);
    free(csv);
}

static int64_t upload(struct srv *s, const char *name, int n, const char *tag)
{
    size_t len;
    char *csv = csv_of(n, tag, &len);
    int64_t id = h_upload_csv(s, name, csv, len);
    free(csv);
    return id;
}

/* ---- raw sockets, for a body sent in pieces ---- */

static int raw_connect(int port)
{
    int fd = h_raw_connect(port);
    assert_true(fd >= 0);
    return fd;
}

static void raw_send(int fd, const char *p, size_t len)
{
    assert_true(h_raw_send(fd, p, len));
}

/* ---- a CLI run in the background ---- */

static const char *bin(void)
{
    const char *b = getenv("LEADSCORE_BIN");
    return b && *b ? b : "build/asan/leadscore";
}

/* Starts `leadscore argv...` with extra environment; stderr goes to errfile. */
static pid_t cli_spawn(const char *const *argv, const char *const *env, const char *errfile)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *args[32];
        size_t n = 0;
        args[n++] = strdup(bin());
        for (size_t i = 0; argv[i] && n < 31; i++)
            args[n++] = strdup(argv[i]);
        args[n] = NULL;
        for (size_t i = 0; env && env[i]; i++) {
            char *kv = strdup(env[i]), *eq = strchr(kv, '=');
            if (eq) {
                *eq = '\0';
                setenv(kv, eq + 1, 1);
            }
        }
        FILE *e = freopen(errfile, "w", stderr);
        FILE *o = freopen("/dev/null", "w", stdout);
        (void)e;
        (void)o;
        execv(args[0], args);
        _exit(127);
    }
    return pid;
}

/* The fake's requests: how often each "<tag>-<i>" company was sent, into count[i]. */
static void sent_per_lead(const char *tag, int *count, int n)
{
    json_t *log = h_fake_requests(&h_fake);
    size_t i;
    json_t *req;
    char needle[64];
    snprintf(needle, sizeof(needle), "\"company\":\"%s-", tag);
    json_array_foreach(json_object_get(log, "requests"), i, req)
    {
        json_error_t e;
        json_t *body = json_loads(h_str(req, "body"), 0, &e);
        json_t *parts =
            json_object_get(json_array_get(json_object_get(body, "contents"), 0), "parts");
        const char *text = h_str(json_array_get(parts, 0), "text");
        for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) {
            int idx = atoi(p + strlen(needle));
            if (idx >= 0 && idx < n)
                count[idx]++;
        }
        json_decref(body);
    }
    json_decref(log);
}

/* ---- 1a: a slow upload beside `leadscore score --db` ------------------------------ */

/*
 * REQ-STORE-MULTI: while a server streams a large upload in pieces, `score
 * --db` on the same file starts (running its start-up clean-up) and
 * finishes. The upload still commits with all rows (201), under an id of
 * its own, and no lead of either is under the other's id.
 */
static void test_multi__slow_upload_beside_cli(void **state)
{
    (void)state;
    enum { N = 6000, FIRST = 5000 };
    struct srv s;
    start(&s, "beside-cli.db", NULL);
    size_t len;
    char *csv = csv_of(N, "Srv", &len);
    size_t cut = 0; /* after FIRST data rows */
    for (int lines = 0; cut < len && lines < FIRST + 1; cut++)
        lines += csv[cut] == '\n';
    int fd = raw_connect(s.port);
    char head[256];
    int hl = snprintf(head, sizeof(head),
                      "POST /uploads?filename=srv.csv HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: text/csv\r\nContent-Length: %zu\r\n\r\n",
                      len);
    raw_send(fd, head, (size_t)hl);
    raw_send(fd, csv, cut);
    /* The first batch is in the file, the upload still loading. */
    assert_true(sql_wait(s.db, "SELECT count(*) FROM leads", 4096, 10000));
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM uploads WHERE status = 'loading'"), 1);

    char offer[600], leads[600];
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    csv_file(leads, sizeof(leads), "cli.csv", 50, "Cli");
    const char *argv[] = {"score", "--db", s.db, "--offer", offer, "--leads", leads, NULL};
    const char *env[] = {"LEADSCORE_AI_PROVIDER=offline", NULL};
    char *out = NULL, *err = NULL;
    int rc = h_run_cli(argv, env, &out, &err);
    if (rc != 0 || strstr(err, "scored 50 leads") == NULL) {
        print_error("score --db: exit %d\n%s\n", rc, err);
        fail();
    }
    free(out);
    free(err);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM uploads WHERE status = 'loading'"), 1);

    raw_send(fd, csv + cut, len - cut);
    char *body = NULL;
    long status = h_raw_reply(fd, &body);
    close(fd);
    free(csv);
    if (status != 201) {
        print_error("upload: %ld %s\n", status, body);
        fail();
    }
    json_error_t je;
    json_t *j = json_loads(body, 0, &je);
    free(body);
    assert_int_equal(h_num(j, "count"), N);
    int64_t srv_id = h_num(j, "upload_id");
    json_decref(j);
    int64_t cli_id =
        h_sql_int(s.db, "SELECT id FROM uploads WHERE filename = 'cli.csv' AND status = 'ready'");
    assert_true(srv_id > 0 && cli_id > 0 && srv_id != cli_id);
    assert_int_equal(
        h_sql_int(s.db, "SELECT count(*) FROM leads WHERE upload_id = %lld", (long long)srv_id), N);
    assert_int_equal(
        h_sql_int(s.db, "SELECT count(*) FROM leads WHERE upload_id = %lld", (long long)cli_id),
        50);
    assert_int_equal(h_sql_int(s.db,
                               "SELECT count(*) FROM leads WHERE (upload_id = %lld AND company NOT "
                               "LIKE 'Srv-%%') OR (upload_id = %lld AND company NOT LIKE 'Cli-%%')",
                               (long long)srv_id, (long long)cli_id),
                     0);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM leads"), N + 50);
    /* The CLI's job scored its own leads only. */
    assert_int_equal(h_sql_int(s.db,
                               "SELECT count(*) FROM results r JOIN jobs j ON j.id = r.job_id "
                               "WHERE j.upload_id = %lld AND j.status = 'succeeded'",
                               (long long)cli_id),
                     50);
    json_t *list = h_call(&s, "GET", "/uploads", NULL, 200);
    assert_int_equal(h_num(list, "total"), 2);
    assert_int_equal(h_num(list, "current"), srv_id);
    json_decref(list);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* ---- 1c: the upload row removed under a live upload -------------------------------- */

/* A commit that finds its upload row gone answers 409 JSON, never 201, and leaves nothing. */
static void test_multi__upload_row_removed_is_409(void **state)
{
    (void)state;
    enum { N = 6000, FIRST = 5000 };
    struct srv s;
    start(&s, "row-removed.db", NULL);
    size_t len;
    char *csv = csv_of(N, "Gone", &len);
    size_t cut = 0;
    for (int lines = 0; cut < len && lines < FIRST + 1; cut++)
        lines += csv[cut] == '\n';
    int fd = raw_connect(s.port);
    char head[256];
    int hl = snprintf(head, sizeof(head),
                      "POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: gone-1\r\n"
                      "Content-Type: text/csv\r\nContent-Length: %zu\r\n\r\n",
                      len);
    raw_send(fd, head, (size_t)hl);
    raw_send(fd, csv, cut);
    assert_true(sql_wait(s.db, "SELECT count(*) FROM leads", 4096, 10000));
    assert_int_equal(h_sql_exec(s.db, "PRAGMA foreign_keys=ON; DELETE FROM uploads"), SQLITE_OK);
    raw_send(fd, csv + cut, len - cut);
    char *body = NULL;
    long status = h_raw_reply(fd, &body);
    close(fd);
    free(csv);
    json_error_t je;
    json_t *j = json_loads(body, 0, &je);
    if (status != 409 || j == NULL) {
        print_error("upload: %ld %s\n", status, body);
        fail();
    }
    free(body);
    assert_string_equal(h_str(j, "code"), "conflict");
    assert_non_null(strstr(h_str(j, "error"), "removed by another process"));
    json_decref(j);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM leads"), 0);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM uploads"), 0);
    json_t *list = h_call(&s, "GET", "/uploads", NULL, 200);
    assert_int_equal(h_num(list, "total"), 0);
    assert_int_equal(h_num(list, "current"), 0);
    json_decref(list);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* kill -9 of a server mid-upload: its rows are still in the file, and its next start removes them.
 */
static void test_multi__killed_mid_upload_cleaned_at_next_start(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "killed-upload.db", NULL);
    size_t len;
    char *csv = csv_of(6000, "Killed", &len);
    int fd = raw_connect(s.port);
    char head[256];
    int hl = snprintf(head, sizeof(head),
                      "POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      len);
    raw_send(fd, head, (size_t)hl);
    raw_send(fd, csv, len / 5 * 4);
    free(csv);
    assert_true(sql_wait(s.db, "SELECT count(*) FROM leads", 4096, 10000));
    assert_int_equal(h_srv_stop(&s, SIGKILL), 128 + SIGKILL);
    close(fd);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM leads"), 4096); /* left behind */
    start(&s, "killed-upload.db", NULL);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM leads"), 0);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM uploads"), 0);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* ---- 1f: two servers, one file ----------------------------------------------------- */

/* The job ids in a server log's job.start lines, as flags in seen[id]. */
static int jobs_started(const struct srv *s, int *seen, int n)
{
    char *log = h_srv_log(s);
    int count = 0;
    for (const char *p = log; p && (p = strstr(p, "event=job.start job=")) != NULL; p++) {
        int id = atoi(p + 20);
        if (id > 0 && id < n)
            seen[id]++;
        count++;
    }
    free(log);
    return count;
}

/*
 * Two servers on one database with a slow model: every job is run by exactly
 * one of them - each lead is sent to the model once, each job has one
 * result per lead, each job starts in one server's log - and both run some.
 */
static void test_multi__two_servers_run_each_job_once(void **state)
{
    (void)state;
    enum { JOBS = 6, LEADS = 40 };
    h_fake_config(&h_fake, "{\"latency_ms\": 150}");
    const char *env[] = {"LEADSCORE_AI_CONCURRENCY=2", NULL};
    struct srv a, b;
    start(&a, "two-servers.db", env);
    start(&b, "two-servers.db", env);
    json_decref(h_call(&a, "POST", "/offers", h_example_offer(), 201));
    int64_t uploads[JOBS];
    for (int u = 0; u < JOBS; u++) {
        char name[32], tag[16];
        snprintf(name, sizeof(name), "two-%d.csv", u);
        snprintf(tag, sizeof(tag), "U%d", u);
        uploads[u] = upload(u % 2 ? &b : &a, name, LEADS, tag);
    }
    for (int u = 0; u < JOBS; u++) {
        char body[64];
        snprintf(body, sizeof(body), "{\"upload_id\": %lld}", (long long)uploads[u]);
        json_decref(h_call(u % 2 ? &b : &a, "POST", "/jobs", body, 202));
    }
    for (int id = 1; id <= JOBS; id++) {
        char path[32];
        snprintf(path, sizeof(path), "/jobs/%d", id);
        json_t *j = h_wait_job(&a, path, 60000);
        assert_string_equal(h_str(j, "status"), "succeeded");
        assert_int_equal(h_num(j, "done"), LEADS);
        assert_int_equal(h_num(j, "cache_hits"), 0);
        json_decref(j);
        assert_int_equal(h_sql_int(a.db, "SELECT count(*) FROM results WHERE job_id = %d", id),
                         LEADS);
        assert_int_equal(
            h_sql_int(a.db, "SELECT count(DISTINCT idx) FROM results WHERE job_id = %d", id),
            LEADS);
    }
    for (int u = 0; u < JOBS; u++) {
        char tag[16];
        int count[LEADS] = {0};
        snprintf(tag, sizeof(tag), "U%d", u);
        sent_per_lead(tag, count, LEADS);
        for (int i = 0; i < LEADS; i++) {
            if (count[i] != 1) {
                print_error("lead %s-%d was sent to the model %d times\n", tag, i, count[i]);
                fail();
            }
        }
    }
    int seen[JOBS + 1] = {0};
    int by_a = jobs_started(&a, seen, JOBS + 1), by_b = jobs_started(&b, seen, JOBS + 1);
    for (int id = 1; id <= JOBS; id++)
        assert_int_equal(seen[id], 1);
    assert_true(by_a >= 1 && by_b >= 1);
    assert_int_equal(by_a + by_b, JOBS);
    assert_int_equal(h_srv_stop(&a, SIGTERM), 0);
    assert_int_equal(h_srv_stop(&b, SIGTERM), 0);
}

/*
 * A sync POST /score on a busy server whose job the other server runs is
 * answered as soon as that job is done: completion is noticed across
 * processes, not only for jobs run here.
 */
static void test_multi__sync_score_run_by_the_other_server(void **state)
{
    (void)state;
    h_fake_config(&h_fake, "{\"latency_ms\": 200}");
    const char *env[] = {"LEADSCORE_AI_CONCURRENCY=1", NULL};
    struct srv a, b;
    start(&a, "sync-other.db", env);
    start(&b, "sync-other.db", env);
    json_decref(h_call(&a, "POST", "/offers", h_example_offer(), 201));
    upload(&a, "sync-long.csv", 300, "Long"); /* 30 requests one at a time: 6 s */
    json_decref(h_call(&a, "POST", "/jobs", NULL, 202));
    assert_true(h_srv_log_wait(&a, "event=job.start job=1 ", 10000));
    int64_t small = upload(&a, "sync-small.csv", 10, "Small");
    char body[64];
    snprintf(body, sizeof(body), "{\"upload_id\": %lld}", (long long)small);
    int64_t t0 = ls_mono_ms();
    json_t *j = h_call(&a, "POST", "/score", body, 200);
    int64_t ms = ls_mono_ms() - t0;
    assert_int_equal(h_num(j, "job_id"), 2);
    assert_int_equal(h_num(j, "scored"), 10);
    json_decref(j);
    assert_true(h_srv_log_wait(&b, "event=job.start job=2 ", 100));
    assert_true(ms < 4000); /* long before job 1, which a runs, is done */
    j = h_call(&a, "GET", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(j, "status"), "running");
    json_decref(j);
    assert_int_equal(h_srv_stop(&a, SIGKILL), 128 + SIGKILL);
    assert_int_equal(h_srv_stop(&b, SIGTERM), 0);
}

/*
 * A server shut down with SIGTERM releases its job, and the other server
 * on the file resumes it at once: it ends with one result per lead.
 */
static void test_multi__released_job_resumed_by_the_other_server(void **state)
{
    (void)state;
    enum { N = 200 };
    h_fake_config(&h_fake, "{\"latency_ms\": 200}");
    const char *env[] = {"LEADSCORE_AI_CONCURRENCY=2", NULL};
    struct srv a, b;
    start(&a, "handoff.db", env);
    json_decref(h_call(&a, "POST", "/offers", h_example_offer(), 201));
    upload(&a, "handoff.csv", N, "H");
    json_decref(h_call(&a, "POST", "/jobs", NULL, 202));
    assert_true(sql_wait(a.db, "SELECT count(*) FROM results", 1, 10000));
    start(&b, "handoff.db", env);
    assert_int_equal(h_srv_stop(&a, SIGTERM), 0);
    assert_true(h_srv_log_wait(&b, "event=job.start job=1 ", 5000));
    json_t *j = h_wait_job(&b, "/jobs/1", 30000);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "done"), N);
    json_decref(j);
    assert_int_equal(h_sql_int(b.db, "SELECT count(*) FROM results WHERE job_id = 1"), N);
    assert_int_equal(h_sql_int(b.db, "SELECT count(DISTINCT idx) FROM results WHERE job_id = 1"),
                     N);
    assert_int_equal(h_srv_stop(&b, SIGTERM), 0);
}

/*
 * `leadscore score --db` resuming a job that a live server runs is refused,
 * saying why; once that server is killed -9, the same command resumes the
 * job and finishes it with one result per lead.
 */
static void test_multi__cli_resume_refused_while_a_server_runs_it(void **state)
{
    (void)state;
    enum { N = 400 };
    char db[600], offer[600], leads[600], errfile[600], base[128];
    h_path(db, sizeof(db), "cli-resume.db");
    h_path(errfile, sizeof(errfile), "cli-resume.err");
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    csv_file(leads, sizeof(leads), "cli-resume.csv", N, "R");
    snprintf(base, sizeof(base), "GEMINI_BASE_URL=%s", h_fake.url);
    const char *env[] = {base, "GEMINI_API_KEY=your-key-here", "LEADSCORE_AI_PROVIDER=gemini",
                         "LEADSCORE_AI_CONCURRENCY=2", NULL};
    const char *argv[] = {"score", "--db", db, "--offer", offer, "--leads", leads, NULL};

    /* A CLI run dies (kill -9) with some results stored: the job is running, its owner dead. */
    h_fake_config(&h_fake, "{\"latency_ms\": 300}");
    pid_t pid = cli_spawn(argv, env, errfile);
    bool some = sql_wait(db, "SELECT count(*) FROM results", 1, 20000);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_true(some);
    int64_t stored = h_sql_int(db, "SELECT count(*) FROM results");
    assert_true(stored > 0 && stored < N);
    assert_int_equal(h_sql_int(db, "SELECT count(*) FROM jobs WHERE status = 'running'"), 1);

    /* A server takes the orphan over and runs it, slowly. */
    h_fake_config(&h_fake, "{\"latency_ms\": 600}");
    const char *srv_env[] = {"LEADSCORE_AI_CONCURRENCY=1", NULL};
    struct srv s;
    start(&s, "cli-resume.db", srv_env);
    assert_true(h_srv_log_wait(&s, "event=job.start job=1 ", 10000));
    char *out = NULL, *err = NULL;
    int rc = h_run_cli(argv, env, &out, &err);
    if (rc != 70 || strstr(err, "job 1 is being run by another process") == NULL ||
        strstr(err, "is a server running on") == NULL) {
        print_error("score --db beside a live server: exit %d\n%s\n", rc, err);
        fail();
    }
    free(out);
    free(err);

    /* The server dies too: now the CLI resumes the job and finishes it. */
    assert_int_equal(h_srv_stop(&s, SIGKILL), 128 + SIGKILL);
    h_fake_config(&h_fake, "{\"latency_ms\": 0}");
    rc = h_run_cli(argv, env, &out, &err);
    if (rc != 0 || strstr(err, "resuming job 1:") == NULL) {
        print_error("score --db after the server died: exit %d\n%s\n", rc, err);
        fail();
    }
    json_error_t je;
    json_t *results = json_loads(out, 0, &je);
    assert_int_equal(json_array_size(results), N);
    json_decref(results);
    free(out);
    free(err);
    assert_int_equal(h_sql_int(db, "SELECT count(*) FROM jobs"), 1);
    assert_int_equal(h_sql_int(db, "SELECT count(*) FROM uploads"), 1);
    assert_int_equal(h_sql_int(db, "SELECT count(*) FROM jobs WHERE status = 'succeeded'"), 1);
    assert_int_equal(h_sql_int(db, "SELECT count(DISTINCT idx) FROM results WHERE job_id = 1"), N);
    assert_int_equal(h_sql_int(db, "SELECT count(*) FROM results WHERE job_id = 1"), N);
    assert_int_equal(h_sql_int(db, "SELECT done FROM jobs WHERE id = 1"), N);
}

/* ---- defect 11: jobs --------------------------------------------------------------- */

/*
 * A cancel written by a second server while the first runs the job: the job
 * ends cancelled, the second server's DELETE answers with the final state,
 * and the job stays cancelled (no progress update or restart undoes it).
 */
static void test_multi__cancel_from_another_server(void **state)
{
    (void)state;
    h_fake_config(&h_fake, "{\"latency_ms\": 300}");
    const char *env[] = {"LEADSCORE_AI_CONCURRENCY=2", NULL};
    struct srv a, b;
    start(&a, "cancel-two.db", env);
    start(&b, "cancel-two.db", env);
    json_decref(h_call(&a, "POST", "/offers", h_example_offer(), 201));
    upload(&a, "cancel-two.csv", 400, "C");
    json_decref(h_call(&a, "POST", "/jobs", NULL, 202));
    assert_true(h_srv_log_wait(&a, "event=job.start job=1 ", 10000));
    assert_true(sql_wait(a.db, "SELECT count(*) FROM results", 1, 10000));
    int64_t t0 = ls_mono_ms();
    json_t *j = h_call(&b, "DELETE", "/jobs/1", NULL, 200);
    assert_true(ls_mono_ms() - t0 < 5000);
    assert_string_equal(h_str(j, "status"), "cancelled");
    json_int_t done = h_num(j, "done");
    assert_true(done > 0 && done < 400);
    json_decref(j);
    assert_true(h_srv_log_wait(&a, "event=job.end job=1 status=cancelled", 5000));
    ls_sleep_ms(700); /* time for any late progress update to arrive */
    j = h_call(&a, "GET", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(j, "status"), "cancelled");
    assert_int_equal(h_num(j, "done"), done);
    json_decref(j);
    assert_int_equal(h_sql_int(a.db, "SELECT count(*) FROM results WHERE job_id = 1"), done);
    assert_int_equal(h_sql_int(a.db, "SELECT owner FROM jobs WHERE id = 1"), 0);
    assert_int_equal(h_srv_stop(&a, SIGTERM), 0);
    assert_int_equal(h_srv_stop(&b, SIGTERM), 0);
    start(&a, "cancel-two.db", env);
    ls_sleep_ms(1200); /* longer than the worker's poll */
    j = h_call(&a, "GET", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(j, "status"), "cancelled");
    assert_int_equal(h_num(j, "done"), done);
    json_decref(j);
    assert_int_equal(h_srv_stop(&a, SIGTERM), 0);
}

/*
 * Every unfinished job is recovered, not just the first 1,024: 1,100 jobs
 * (some left running by a dead process) in the file, a server killed -9
 * part of the way, a restart - all of them finish.
 */
static void test_multi__recovers_every_unfinished_job(void **state)
{
    (void)state;
    enum { JOBS = 1100 };
    const char *env[] = {"LEADSCORE_AI_PROVIDER=offline", NULL};
    struct srv s;
    start(&s, "recover.db", env);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    upload(&s, "recover.csv", 1, "One");
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    char sql[600];
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO jobs(workspace_id, offer_id, upload_id, status, created_ms, total, "
             "provider, model, owner) SELECT 1, 1, 1, CASE WHEN i %% 50 = 0 THEN 'running' "
             "ELSE 'queued' END, i, 1, 'offline', '', CASE WHEN i %% 50 = 0 THEN 987654 ELSE 0 "
             "END FROM n",
             JOBS);
    assert_int_equal(h_sql_exec(s.db, sql), SQLITE_OK);
    start(&s, "recover.db", env);
    assert_true(sql_wait(s.db, "SELECT count(*) FROM jobs WHERE status = 'succeeded'", 50, 30000));
    assert_int_equal(h_srv_stop(&s, SIGKILL), 128 + SIGKILL);
    int64_t before = h_sql_int(s.db, "SELECT count(*) FROM jobs WHERE status = 'succeeded'");
    assert_true(before < JOBS);
    start(&s, "recover.db", env);
    bool all = sql_wait(s.db, "SELECT count(*) FROM jobs WHERE status = 'succeeded'", JOBS, 120000);
    if (!all)
        print_error("%lld of %d jobs finished\n",
                    (long long)h_sql_int(s.db, "SELECT count(*) FROM jobs WHERE status = "
                                               "'succeeded'"),
                    JOBS);
    assert_true(all);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM results"), JOBS);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM jobs WHERE done != 1"), 0);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

struct submitter {
    struct srv *s;
    long status;
    char code[32];
};

static void *post_job(void *arg)
{
    struct submitter *sub = arg;
    struct resp r;
    if (h_http(sub->s, "POST", "/jobs", NULL, NULL, 0, &r) == 0) {
        sub->status = r.status;
        json_t *j = h_json(&r);
        snprintf(sub->code, sizeof(sub->code), "%s", h_str(j, "code"));
        json_decref(j);
    }
    h_resp_free(&r);
    return NULL;
}

/*
 * The queue has a cap (LEADSCORE_MAX_QUEUED_JOBS): above it, 429 JSON
 * queue_full - exactly at the cap even for a burst of concurrent submits.
 */
static void test_multi__queue_full_is_429(void **state)
{
    (void)state;
    enum { BURST = 12 };
    h_fake_config(&h_fake, "{\"latency_ms\": 2000}");
    const char *env[] = {"LEADSCORE_MAX_QUEUED_JOBS=2", "LEADSCORE_AI_CONCURRENCY=1",
                         "LEADSCORE_THREADS=8", NULL};
    struct srv s;
    start(&s, "queue-full.db", env);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    upload(&s, "queue-full.csv", 20, "Q");
    json_decref(h_call(&s, "POST", "/jobs", NULL, 202));
    assert_true(h_srv_log_wait(&s, "event=job.start job=1 ", 10000)); /* running, not queued */
    pthread_t t[BURST];
    struct submitter sub[BURST];
    for (int i = 0; i < BURST; i++) {
        sub[i] = (struct submitter){.s = &s};
        pthread_create(&t[i], NULL, post_job, &sub[i]);
    }
    int accepted = 0, full = 0;
    for (int i = 0; i < BURST; i++) {
        pthread_join(t[i], NULL);
        accepted += sub[i].status == 202;
        full += sub[i].status == 429 && strcmp(sub[i].code, "queue_full") == 0;
    }
    if (accepted != 2 || full != BURST - 2) {
        print_error("a burst of %d submits with room for 2: %d accepted, %d queue_full\n", BURST,
                    accepted, full);
        fail();
    }
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM jobs WHERE status = 'queued'"), 2);
    json_t *j = h_call(&s, "POST", "/jobs", NULL, 429);
    assert_string_equal(h_str(j, "code"), "queue_full");
    assert_non_null(strstr(h_str(j, "error"), "queue is full"));
    json_decref(j);
    j = h_call(&s, "POST", "/score", NULL, 429); /* the sync route has the same cap */
    assert_string_equal(h_str(j, "code"), "queue_full");
    json_decref(j);
    int64_t last = h_sql_int(s.db, "SELECT max(id) FROM jobs");
    char path[32];
    snprintf(path, sizeof(path), "/jobs/%lld", (long long)last);
    json_decref(h_call(&s, "DELETE", path, NULL, 200));
    json_decref(h_call(&s, "POST", "/jobs", NULL, 202)); /* room again */
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* ---- defect 5: SIGTERM with a sync POST /score waiting ---------------------------- */

struct scorer {
    struct srv *s;
    struct resp r;
    int64_t at;
};

static void *post_score(void *arg)
{
    struct scorer *sc = arg;
    h_http(sc->s, "POST", "/score", NULL, NULL, 0, &sc->r);
    sc->at = ls_mono_ms();
    return NULL;
}

/*
 * SIGTERM while POST /score waits on a slow model: the job stops at once
 * (its results are kept), the client gets 503 shutting_down and the server
 * exits within 2 s, not after the 10 s grace. Restarted, the job resumes and
 * ends with exactly one result per lead.
 */
static void test_multi__sigterm_with_sync_score_waiting(void **state)
{
    (void)state;
    enum { N = 200 };
    h_fake_config(&h_fake, "{\"latency_ms\": 1500}");
    const char *env[] = {"LEADSCORE_AI_CONCURRENCY=2", NULL};
    struct srv s;
    start(&s, "sigterm.db", env);
    json_decref(h_call(&s, "POST", "/offers", h_example_offer(), 201));
    upload(&s, "sigterm.csv", N, "T");
    struct scorer sc = {.s = &s};
    pthread_t t;
    pthread_create(&t, NULL, post_score, &sc);
    assert_true(sql_wait(s.db, "SELECT count(*) FROM results", 1, 20000));
    ls_sleep_ms(200); /* and the next requests are in flight */
    int64_t t0 = ls_mono_ms();
    int rc = h_srv_stop(&s, SIGTERM);
    int64_t exit_ms = ls_mono_ms() - t0;
    pthread_join(t, NULL);
    int64_t reply_ms = sc.at - t0;
    assert_int_equal(rc, 0);
    if (exit_ms >= 2000 || reply_ms >= 2000 || sc.r.status != 503) {
        print_error("exit after %lld ms, reply %ld after %lld ms: %s\n", (long long)exit_ms,
                    sc.r.status, (long long)reply_ms, sc.r.body ? sc.r.body : "");
        fail();
    }
    json_t *j = h_json(&sc.r);
    assert_string_equal(h_str(j, "code"), "shutting_down");
    assert_int_equal(h_num(json_object_get(j, "details"), "job_id"), 1);
    json_decref(j);
    h_resp_free(&sc.r);
    int64_t kept = h_sql_int(s.db, "SELECT count(*) FROM results WHERE job_id = 1");
    assert_true(kept > 0 && kept < N);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM jobs WHERE status = 'running' AND "
                                     "owner = 0"),
                     1);

    h_fake_config(&h_fake, "{\"latency_ms\": 0}");
    start(&s, "sigterm.db", env);
    j = h_wait_job(&s, "/jobs/1", 60000);
    assert_string_equal(h_str(j, "status"), "succeeded");
    assert_int_equal(h_num(j, "done"), N);
    json_decref(j);
    assert_int_equal(h_sql_int(s.db, "SELECT count(*) FROM results WHERE job_id = 1"), N);
    assert_int_equal(h_sql_int(s.db, "SELECT count(DISTINCT idx) FROM results WHERE job_id = 1"),
                     N);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]); /* e.g. "*sigterm*" */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_multi__slow_upload_beside_cli, h_fake_each),
        cmocka_unit_test_setup(test_multi__upload_row_removed_is_409, h_fake_each),
        cmocka_unit_test_setup(test_multi__killed_mid_upload_cleaned_at_next_start, h_fake_each),
        cmocka_unit_test_setup(test_multi__two_servers_run_each_job_once, h_fake_each),
        cmocka_unit_test_setup(test_multi__sync_score_run_by_the_other_server, h_fake_each),
        cmocka_unit_test_setup(test_multi__released_job_resumed_by_the_other_server, h_fake_each),
        cmocka_unit_test_setup(test_multi__cli_resume_refused_while_a_server_runs_it, h_fake_each),
        cmocka_unit_test_setup(test_multi__cancel_from_another_server, h_fake_each),
        cmocka_unit_test_setup(test_multi__recovers_every_unfinished_job, h_fake_each),
        cmocka_unit_test_setup(test_multi__queue_full_is_429, h_fake_each),
        cmocka_unit_test_setup(test_multi__sigterm_with_sync_score_waiting, h_fake_each),
    };
    int rc = cmocka_run_group_tests(tests, h_fake_group_setup, h_fake_group_teardown);
    curl_global_cleanup();
    return rc;
}
