/*
 * test_xlsx.c - format=xlsx (issue #9): a 100,000-row export opened with
 * Debian's python3-openpyxl (tests/integ/xlsx_check.py) matches the CSV
 * export row by row and cell by cell, formula-looking names stay strings,
 * unicode is intact; a filter narrows the rows as in CSV; rows past a
 * sheet's limit go on in another sheet; an export abandoned mid-way (a
 * client that leaves, a writer freed before the end) leaves no file and no
 * open descriptor; an export that cannot start is a JSON error; the CLI
 * writes the same workbook and will not write it to a terminal.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt and ptsname, for the terminal test */
#include "ls_test.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "harness.h"
#include "jobs/export_xlsx.h"

#define N_LEADS   100000
#define PYTHON    "/usr/bin/python3" /* Debian's, which has python3-openpyxl */
#define FORMULA_1 "=HYPERLINK(\"http://x.test\",\"click\")"
#define FORMULA_2 "@SUM(A1:A9)"
#define UNICODE                                                                                    \
    "Zo\xc3\xab \xc3\x9cn\xc3\xaf\xc3\xa7\xc3\xb8"                                                 \
    "d\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80"

static struct srv big;    /* 100,000 leads scored, for every test that reads them */
static char big_tmp[600]; /* its TMPDIR: where its exports are built */
static char leads_path[600];

/* ---- helpers ----------------------------------------------------------------------------- */

/*
 * n leads. The first three, and three in every thousand, are the awkward
 * ones: two formula-looking names and a unicode one. The first three are
 * CEOs in the offer's industry, so that they are among the first rows of
 * the export (the highest score, then upload order), which the checker reads
 * with openpyxl cell by cell.
 */
static void write_leads(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "name,role,company,industry,location,linkedin_bio\n");
    static const char *const roles[] = {"CEO", "Head of Growth", "Analyst", "Marketing Manager"};
    static const char *const inds[] = {"B2B SaaS", "Retail", "SaaS", "Fintech"};
    /* FORMULA_1 as a quoted CSV field: it holds quotes and a comma. */
    static const char *const awkward[] = {"\"=HYPERLINK(\"\"http://x.test\"\",\"\"click\"\")\"",
                                          FORMULA_2, UNICODE};
    for (int i = 0; i < n; i++) {
        const char *role = roles[i % 4], *ind = inds[(i / 4) % 4];
        int kind = i < 3 ? i : i % 1000 >= 7 && i % 1000 <= 9 ? i % 1000 - 7 : -1;
        if (i < 3) {
            role = "CEO";
            ind = "B2B SaaS";
        }
        if (kind < 0)
            fprintf(f, "Lead %06d,", i);
        else
            fprintf(f, "%s,", awkward[kind]);
        fprintf(f, "%s,%s %d,%s,%s,Scaling outbound at %d\n", role,
                kind == 2 ? "\xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe" : "Co", i, ind,
                kind == 2 ? "M\xc3\xbcnchen" : "Berlin", i);
    }
    fclose(f);
}

/* GETs path into the file name in h_tmpdir(); the path of the file goes to out. */
static void download(const struct srv *s, const char *path, const char *name, char *out, size_t cap)
{
    struct resp r;
    h_get(s, path, NULL, 200, &r);
    h_path(out, cap, name);
    h_write_file(out, r.body, r.len);
    h_resp_free(&r);
}

/* Runs xlsx_check.py on book and csv with extra arguments; its output (owned) or a failure. */
static char *check_book(const char *book, const char *csv, const char *extra)
{
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), PYTHON " %s/tests/integ/xlsx_check.py '%s' '%s' %s 2>&1", h_repo(),
             book, csv, extra ? extra : "");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *out = calloc(1, 4096);
    size_t n = fread(out, 1, 4095, p);
    out[n] = '\0';
    int st = pclose(p);
    if (st != 0) {
        print_error("xlsx_check.py: %s\n", out);
        fail();
    }
    return out;
}

/* Open descriptors of process pid whose target is in dir (its files unlinked or not). */
static int fds_into(pid_t pid, const char *dir)
{
    char fddir[64];
    snprintf(fddir, sizeof(fddir), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(fddir);
    assert_non_null(d);
    int n = 0;
    size_t dl = strlen(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char link[600], target[1024];
        snprintf(link, sizeof(link), "%s/%s", fddir, e->d_name);
        ssize_t tl = readlink(link, target, sizeof(target) - 1);
        if (tl <= 0)
            continue;
        target[tl] = '\0';
        if (strncmp(target, dir, dl) == 0 && target[dl] == '/')
            n++;
    }
    closedir(d);
    return n;
}

/* Entries of dir besides . and .. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls until the server holds nothing in its export directory (at most 20 s). */
static void wait_released(const struct srv *s, const char *dir)
{
    int64_t end = now_ms() + 20000;
    while (fds_into(s->pid, dir) > 0 && now_ms() < end) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(fds_into(s->pid, dir), 0);
    assert_int_equal(entries(dir), 0);
}

/* ---- the 100,000 rows -------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    h_path(big_tmp, sizeof(big_tmp), "xlsx-tmp");
    if (mkdir(big_tmp, 0700) != 0 && errno != EEXIST)
        return -1;
    char env_tmp[700], db[600];
    snprintf(env_tmp, sizeof(env_tmp), "TMPDIR=%s", big_tmp);
    const char *env[] = {env_tmp, "LEADSCORE_AI_PROVIDER=offline", NULL};
    h_path(db, sizeof(db), "xlsx.db");
    if (h_srv_start(&big, db, env) != 0)
        return -1;
    h_path(leads_path, sizeof(leads_path), "leads100k.csv");
    write_leads(leads_path, N_LEADS);
    struct resp r;
    if (h_post_json(&big, "/offers", h_example_offer(), &r) != 0 || r.status != 201)
        return -1;
    h_resp_free(&r);
    if (h_upload(&big, "/uploads", leads_path, NULL, &r) != 0 || r.status != 201)
        return -1;
    h_resp_free(&r);
    if (h_http(&big, "POST", "/score", NULL, NULL, 0, &r) != 0 || r.status != 200)
        return -1;
    h_resp_free(&r);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    h_srv_stop(&big, SIGTERM);
    return 0;
}

static void test_xlsx__100k_rows_match_the_csv_export(void **state)
{
    (void)state;
    struct resp r;
    h_get(&big, "/results/export?format=xlsx", NULL, 200, &r);
    char *type = h_header(&r, "Content-Type");
    assert_string_equal(type, LS_EXPORT_XLSX_TYPE);
    free(type);
    char *disp = h_header(&r, "Content-Disposition");
    assert_string_equal(disp, "attachment; filename=lead_scores.xlsx");
    free(disp);
    assert_true(r.len > 4 && memcmp(r.body, "PK\x03\x04", 4) == 0); /* a ZIP */
    char book[600], csv[600];
    h_path(book, sizeof(book), "all.xlsx");
    h_write_file(book, r.body, r.len);
    h_resp_free(&r);
    download(&big, "/results/export?format=csv", "all.csv", csv, sizeof(csv));
    char *out = check_book(
        book, csv, "--string '" FORMULA_1 "' --string '" FORMULA_2 "' --string '" UNICODE "'");
    assert_string_equal(out, "rows 100000\n");
    free(out);
    wait_released(&big, big_tmp);
}

static void test_xlsx__a_filter_narrows_the_rows_as_in_csv(void **state)
{
    (void)state;
    const char *q = "intent=High&min_score=75&q=co%201";
    char path[200], book[600], csv[600];
    /* The job's own route, which the latest job's route is an alias of. */
    struct resp r;
    h_get(&big, "/results?limit=1", NULL, 200, &r);
    char *job = h_header(&r, "X-Job-Id");
    h_resp_free(&r);
    snprintf(path, sizeof(path), "/jobs/%s/results/export?format=xlsx&%s", job, q);
    free(job);
    download(&big, path, "filtered.xlsx", book, sizeof(book));
    snprintf(path, sizeof(path), "/results/export?format=csv&%s", q);
    download(&big, path, "filtered.csv", csv, sizeof(csv));
    char *out = check_book(book, csv, NULL);
    long rows = strtol(out + 5, NULL, 10);
    free(out);
    /* As many as the page count says, and a real narrowing. */
    snprintf(path, sizeof(path), "/results?limit=1&%s", q);
    h_get(&big, path, NULL, 200, &r);
    char *total = h_header(&r, "X-Total-Count");
    assert_int_equal(rows, strtol(total, NULL, 10));
    free(total);
    h_resp_free(&r);
    assert_true(rows > 0 && rows < N_LEADS);
}

static void test_xlsx__bad_format_is_a_400_naming_xlsx(void **state)
{
    (void)state;
    struct resp r;
    assert_int_equal(h_http(&big, "GET", "/results/export?format=xls", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "format must be csv, csv-excel, jsonl or xlsx"));
    h_resp_free(&r);
}

/* Lines of the server's log for finished export requests. */
static int export_lines(const struct srv *s)
{
    char *log = h_srv_log(s);
    int n = 0;
    for (const char *p = log; (p = strstr(p, "event=http.request")) != NULL; p++) {
        const char *eol = strchr(p, '\n');
        const char *path = strstr(p, "path=/results/export ");
        n += path && (eol == NULL || path < eol);
    }
    free(log);
    return n;
}

/* Polls until the server has logged more than n export requests (at most 60 s). */
static void wait_export_lines(const struct srv *s, int n)
{
    int64_t end = now_ms() + 60000;
    while (export_lines(s) <= n && now_ms() < end) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(export_lines(s) > n);
}

/*
 * A client that leaves while its workbook is built (before or after reading
 * the status line): the build stops and its files and descriptors are gone.
 */
static void test_xlsx__a_client_that_leaves_leaves_no_file(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        int before = export_lines(&big);
        int fd = h_raw_connect(big.port);
        assert_true(fd >= 0);
        const char *req = "GET /results/export?format=xlsx HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        assert_true(h_raw_send(fd, req, strlen(req)));
        if (i == 1) { /* the status line comes once the workbook has started */
            char buf[512];
            ssize_t n = read(fd, buf, sizeof(buf));
            assert_true(n >= 12);
            assert_memory_equal(buf, "HTTP/1.1 200", 12);
        }
        close(fd);
        wait_export_lines(&big, before);
        /* The second's log line says the client left. (The first one's may not: a client
         * that closes at once can be read as a half-close, and a reply that fits in the
         * socket's buffers completes.) */
        char *log = h_srv_log(&big);
        char *line = NULL;
        for (char *p = log; (p = strstr(p, "path=/results/export ")) != NULL; p++)
            line = p;
        assert_non_null(line);
        char *eol = strchr(line, '\n');
        if (eol)
            *eol = '\0';
        if (i == 1)
            assert_non_null(strstr(line, "aborted=1"));
        free(log);
        wait_released(&big, big_tmp);
    }
}

/* ---- the writer alone ---------------------------------------------------------------------- */

/* A writer freed before its workbook is finished closes its sheet's file too. */
static void test_xlsx__an_abandoned_writer_leaves_nothing(void **state)
{
    (void)state;
    char dir[600];
    h_path(dir, sizeof(dir), "abandon");
    assert_int_equal(mkdir(dir, 0700), 0);
    struct ls_err err = {0};
    struct ls_export_xlsx *x = ls_export_xlsx_new(dir, 0, &err);
    assert_non_null(x);
    for (int row = 0; row < 2000; row++) {
        for (int c = 0; c < 5; c++)
            assert_int_equal(ls_export_xlsx_cell(x, "cell", 4, false, &err), LS_OK);
        if (row < 1999) /* the last row stays pending, as when a page ends mid-way */
            assert_int_equal(ls_export_xlsx_end_row(x, &err), LS_OK);
    }
    assert_true(fds_into(getpid(), dir) > 0);
    assert_int_equal(entries(dir), 0); /* every file is unlinked from the start */
    ls_export_xlsx_free(x);
    assert_int_equal(fds_into(getpid(), dir), 0);
    /* Freed while its finishing thread compresses it: the thread frees it when done. */
    x = ls_export_xlsx_new(dir, 0, &err);
    assert_non_null(x);
    for (int row = 0; row < 20000; row++) {
        for (int c = 0; c < 5; c++)
            assert_int_equal(ls_export_xlsx_cell(x, "a longer cell", 13, false, &err), LS_OK);
        assert_int_equal(ls_export_xlsx_end_row(x, &err), LS_OK);
    }
    assert_int_equal(ls_export_xlsx_finish_start(x, &err), LS_OK);
    ls_export_xlsx_free(x);
    int64_t end = now_ms() + 20000;
    while (fds_into(getpid(), dir) > 0 && now_ms() < end) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(fds_into(getpid(), dir), 0);
    assert_int_equal(entries(dir), 0);
    rmdir(dir);
}

static void test_xlsx__a_directory_that_cannot_take_files_is_an_error(void **state)
{
    (void)state;
    struct ls_err err = {0};
    assert_null(ls_export_xlsx_new("/nonexistent-leadscore-dir", 0, &err));
    assert_int_equal(err.code, LS_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent-leadscore-dir"));
}

/* Rows past a sheet's limit go on in "results 2", ..., each with the header. */
static void test_xlsx__rows_past_the_sheet_limit_go_on_in_another_sheet(void **state)
{
    (void)state;
    char dir[600], book[600], csv[600];
    h_path(dir, sizeof(dir), "sheets");
    assert_int_equal(mkdir(dir, 0700), 0);
    h_path(csv, sizeof(csv), "sheets.csv");
    FILE *f = fopen(csv, "w");
    fprintf(f, "name,score\r\n");
    struct ls_err err = {0};
    struct ls_export_xlsx *x = ls_export_xlsx_new(dir, 3, &err);
    assert_non_null(x);
    assert_int_equal(ls_export_xlsx_cell(x, "name", 4, false, &err), LS_OK);
    assert_int_equal(ls_export_xlsx_cell(x, "score", 5, false, &err), LS_OK);
    assert_int_equal(ls_export_xlsx_end_row(x, &err), LS_OK);
    for (int i = 0; i < 7; i++) {
        char name[32], score[16];
        snprintf(name, sizeof(name), "lead %d", i);
        snprintf(score, sizeof(score), "%d", 90 - i);
        fprintf(f, "%s,%s\r\n", name, score);
        assert_int_equal(ls_export_xlsx_cell(x, name, strlen(name), false, &err), LS_OK);
        assert_int_equal(ls_export_xlsx_cell(x, score, strlen(score), true, &err), LS_OK);
        assert_int_equal(ls_export_xlsx_end_row(x, &err), LS_OK);
    }
    fclose(f);
    assert_int_equal(ls_export_xlsx_rows(x), 7);
    /* Compressed on its own thread, as the server does it. */
    assert_int_equal(ls_export_xlsx_finish_start(x, &err), LS_OK);
    int rc;
    while ((rc = ls_export_xlsx_finish_poll(x, &err)) > 0) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(rc, LS_OK);
    struct ls_buf b;
    ls_buf_init(&b, SIZE_MAX);
    int n;
    while ((n = ls_export_xlsx_read(x, &b, 1000, &err)) > 0)
        assert_true(n <= 1000);
    assert_int_equal(n, 0);
    assert_int_equal((int64_t)b.len, ls_export_xlsx_size(x));
    ls_export_xlsx_free(x);
    h_path(book, sizeof(book), "sheets.xlsx");
    h_write_file(book, b.data, b.len);
    ls_buf_release(&b);
    char *out = check_book(book, csv, "--rows-per-sheet 3");
    assert_string_equal(out, "rows 7\n");
    free(out);
    assert_int_equal(entries(dir), 0);
    rmdir(dir);
}

/* ---- errors and the command line ------------------------------------------------------------ */

/* The export directory is gone: a JSON 500 before anything is sent, not a broken download. */
static void test_xlsx__an_export_that_cannot_start_is_a_json_error(void **state)
{
    (void)state;
    char dir[600], env_tmp[700], db[600];
    h_path(dir, sizeof(dir), "gone");
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(env_tmp, sizeof(env_tmp), "TMPDIR=%s", dir);
    const char *env[] = {env_tmp, "LEADSCORE_AI_PROVIDER=offline", NULL};
    h_path(db, sizeof(db), "gone.db");
    struct srv s;
    assert_int_equal(h_srv_start(&s, db, env), 0);
    struct resp r;
    assert_int_equal(h_post_json(&s, "/offers", h_example_offer(), &r), 0);
    h_resp_free(&r);
    char leads[600];
    snprintf(leads, sizeof(leads), "%s/examples/leads.csv", h_repo());
    assert_int_equal(h_upload(&s, "/uploads", leads, NULL, &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
    assert_int_equal(rmdir(dir), 0);
    assert_int_equal(h_http(&s, "GET", "/results/export?format=xlsx", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 500);
    json_t *j = h_json(&r);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "code")), "io_error");
    json_decref(j);
    h_resp_free(&r);
    /* The CSV export does not need the directory. */
    h_get(&s, "/results/export?format=csv", NULL, 200, &r);
    h_resp_free(&r);
    h_srv_stop(&s, SIGTERM);
}

static void test_xlsx__the_cli_writes_the_same_workbook(void **state)
{
    (void)state;
    char offer[600], leads[600], book[600], csv[600];
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    h_path(leads, sizeof(leads), "cli-leads.csv");
    write_leads(leads, 2500);
    h_path(book, sizeof(book), "cli.xlsx");
    const char *env[] = {"LEADSCORE_AI_PROVIDER=offline", NULL};
    const char *argv[] = {"score",    "--offer", offer,   "--leads", leads,
                          "--format", "xlsx",    "--out", book,      NULL};
    char *out = NULL, *err = NULL;
    int st = h_run_cli(argv, env, &out, &err);
    if (st != 0) {
        print_error("exit %d: %s\n", st, err);
        fail();
    }
    free(out);
    free(err);
    const char *argv_csv[] = {"score", "--offer", offer, "--leads", leads, "--format", "csv", NULL};
    assert_int_equal(h_run_cli(argv_csv, env, &out, &err), 0);
    h_path(csv, sizeof(csv), "cli.csv");
    h_write_file(csv, out, strlen(out));
    free(out);
    free(err);
    char *check = check_book(book, csv, "--string '" FORMULA_2 "'");
    assert_string_equal(check, "rows 2500\n");
    free(check);
    /* To standard output when it is not a terminal (h_run_cli gives a file). */
    const char *argv_stdout[] = {"score", "--offer",  offer,  "--leads",
                                 leads,   "--format", "xlsx", NULL};
    assert_int_equal(h_run_cli(argv_stdout, env, &out, &err), 0);
    assert_memory_equal(out, "PK\x03\x04", 4);
    free(out);
    free(err);
}

/* Standard output a terminal and no --out: refused (exit 2) before any scoring. */
static void test_xlsx__the_cli_will_not_write_a_workbook_to_a_terminal(void **state)
{
    (void)state;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    char slave[128];
    snprintf(slave, sizeof(slave), "%s", ptsname(master));
    char bin[1024], offer[600], errp[600];
    const char *b = getenv("LEADSCORE_BIN");
    snprintf(bin, sizeof(bin), "%s", b && *b ? b : "build/asan/leadscore");
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    h_path(errp, sizeof(errp), "tty.err");
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(slave, O_RDWR | O_NOCTTY);
        int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || fe < 0)
            _exit(126);
        dup2(fd, STDOUT_FILENO);
        dup2(fe, STDERR_FILENO);
        execl(bin, bin, "score", "--offer", offer, "--leads", "/nonexistent.csv", "--format",
              "xlsx", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    close(master);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
    size_t len;
    char *msg = h_read_file(errp, &len);
    assert_non_null(strstr(msg, "give --out FILE"));
    free(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xlsx__100k_rows_match_the_csv_export),
        cmocka_unit_test(test_xlsx__a_filter_narrows_the_rows_as_in_csv),
        cmocka_unit_test(test_xlsx__bad_format_is_a_400_naming_xlsx),
        cmocka_unit_test(test_xlsx__a_client_that_leaves_leaves_no_file),
        cmocka_unit_test(test_xlsx__an_abandoned_writer_leaves_nothing),
        cmocka_unit_test(test_xlsx__a_directory_that_cannot_take_files_is_an_error),
        cmocka_unit_test(test_xlsx__rows_past_the_sheet_limit_go_on_in_another_sheet),
        cmocka_unit_test(test_xlsx__an_export_that_cannot_start_is_a_json_error),
        cmocka_unit_test(test_xlsx__the_cli_writes_the_same_workbook),
        cmocka_unit_test(test_xlsx__the_cli_will_not_write_a_workbook_to_a_terminal),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
