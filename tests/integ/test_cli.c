/*
 * test_cli.c - `leadscore` on the command line: the same results as the HTTP
 * flow, and the exit-code contract (0 ok, 2 usage, 65 bad data, 70 internal).
 */
#include "ls_test.h"
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static char offer[600], leads[600];

static int setup(void **state)
{
    (void)state;
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    snprintf(leads, sizeof(leads), "%s/examples/leads.csv", h_repo());
    return 0;
}

/* What the server says for the same files: GET /results and /results/export. */
static void http_results(char **json, char **csv)
{
    struct srv s;
    struct resp r;
    char db[600];
    h_path(db, sizeof(db), "cli-vs-http.db");
    assert_int_equal(h_srv_start(&s, db, NULL), 0);
    char *o = h_read_file(offer, NULL);
    assert_int_equal(h_post_json(&s, "/offer", o, &r), 0);
    free(o);
    h_resp_free(&r);
    assert_int_equal(h_upload(&s, "/leads/upload", leads, NULL, &r), 0);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results", NULL, NULL, 0, &r), 0);
    *json = strdup(r.body);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results/export", NULL, NULL, 0, &r), 0);
    *csv = strdup(r.body);
    h_resp_free(&r);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static void test_cli__same_results_as_http(void **state)
{
    (void)state;
    char *http_json, *http_csv, *out, *err;
    http_results(&http_json, &http_csv);

    const char *json_args[] = {"score", "--offer", offer, "--leads", leads, NULL};
    assert_int_equal(h_run_cli(json_args, NULL, &out, &err), 0);
    assert_string_equal(out, http_json);
    assert_non_null(strstr(err, "scored 4 leads (High 1, Medium 1, Low 2)"));
    free(out);
    free(err);

    const char *csv_args[] = {"score", "--offer", offer, "--leads", leads, "--format", "csv", NULL};
    assert_int_equal(h_run_cli(csv_args, NULL, &out, &err), 0);
    assert_string_equal(out, http_csv);
    free(out);
    free(err);

    char outfile[600];
    h_path(outfile, sizeof(outfile), "scores.csv");
    const char *file_args[] = {"score",    "--offer", offer,   "--leads", leads,
                               "--format", "csv",     "--out", outfile,   NULL};
    assert_int_equal(h_run_cli(file_args, NULL, &out, &err), 0);
    assert_string_equal(out, "");
    char *written = h_read_file(outfile, NULL);
    assert_string_equal(written, http_csv);
    free(written);
    free(out);
    free(err);
    free(http_json);
    free(http_csv);
}

static void test_cli__db_keeps_the_run(void **state)
{
    (void)state;
    char db[600], *out, *err;
    h_path(db, sizeof(db), "kept.db");
    const char *args[] = {"score", "--offer", offer, "--leads", leads, "--db", db, NULL};
    assert_int_equal(h_run_cli(args, NULL, &out, &err), 0);
    free(out);
    free(err);
    /* A server on that store serves the same run. */
    struct srv s;
    struct resp r;
    assert_int_equal(h_srv_start(&s, db, NULL), 0);
    assert_int_equal(h_http(&s, "GET", "/results", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *j = h_json(&r);
    assert_int_equal(json_array_size(j), 4);
    json_decref(j);
    h_resp_free(&r);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static void test_cli__usage_and_version(void **state)
{
    (void)state;
    char *out, *err;
    const char *none[] = {NULL};
    assert_int_equal(h_run_cli(none, NULL, &out, &err), 2);
    assert_non_null(strstr(err, "usage: leadscore"));
    free(out);
    free(err);
    const char *help[] = {"--help", NULL};
    assert_int_equal(h_run_cli(help, NULL, &out, &err), 0);
    assert_non_null(strstr(out, "serve"));
    assert_non_null(strstr(out, "score"));
    free(out);
    free(err);
    const char *version[] = {"--version", NULL};
    assert_int_equal(h_run_cli(version, NULL, &out, &err), 0);
    assert_string_equal(out, "leadscore 0.1.0\n");
    free(out);
    free(err);
    const char *sub_help[] = {"score", "--help", NULL};
    assert_int_equal(h_run_cli(sub_help, NULL, &out, &err), 0);
    assert_non_null(strstr(out, "--format"));
    free(out);
    free(err);
    const char *serve_help[] = {"serve", "--help", NULL};
    assert_int_equal(h_run_cli(serve_help, NULL, &out, &err), 0);
    assert_non_null(strstr(out, "--port"));
    free(out);
    free(err);
    const char *unknown[] = {"frobnicate", NULL};
    assert_int_equal(h_run_cli(unknown, NULL, &out, &err), 2);
    free(out);
    free(err);
    const char *missing[] = {"score", "--offer", offer, NULL};
    assert_int_equal(h_run_cli(missing, NULL, &out, &err), 2);
    assert_non_null(strstr(err, "--leads"));
    free(out);
    free(err);
    const char *bad_format[] = {"score", "--offer",  offer, "--leads",
                                leads,   "--format", "xml", NULL};
    assert_int_equal(h_run_cli(bad_format, NULL, &out, &err), 2);
    free(out);
    free(err);
    const char *bad_port[] = {"serve", "--port", "99999", NULL};
    assert_int_equal(h_run_cli(bad_port, NULL, &out, &err), 2);
    free(out);
    free(err);
}

/* Runs leadscore argv with env; its exit status must be want. Standard error, owned. */
static char *cli_stderr(const char *const *argv, const char *const *env, int want)
{
    char *out = NULL, *err = NULL;
    int got = h_run_cli(argv, env, &out, &err);
    if (got != want) {
        print_error("%s: exit %d, want %d; stderr: %s\n", argv[0], got, want, err);
        fail();
    }
    free(out);
    return err;
}

/*
 * Text settings and options longer than their field are refused (exit 2), never cut: cut
 * after 1023 bytes, the host list below would end in "app.example.co" and let that name in;
 * the --db path (the same directory, spelt long) would name another file.
 */
static void test_cli__too_long_text_is_refused(void **state)
{
    (void)state;
    static char hosts[1200], db[1200], model[200], short_db[600];
    h_path(short_db, sizeof(short_db), "cli-long-settings.db");
    size_t w = (size_t)snprintf(hosts, sizeof(hosts), "LEADSCORE_ALLOWED_HOSTS=h.example");
    memset(hosts + w, ',', 24 + 1024 - 15 - w); /* the value is 1024 bytes */
    snprintf(hosts + 24 + 1024 - 15, sizeof(hosts) - (24 + 1024 - 15), "app.example.com");
    w = (size_t)snprintf(db, sizeof(db), "%s", h_tmpdir());
    while (w < 1030)
        w += (size_t)snprintf(db + w, sizeof(db) - w, "/.");
    snprintf(db + w, sizeof(db) - w, "/keys.db");
    memset(model, 'm', 128);
    const char *env[] = {hosts, NULL};
    const struct {
        const char *argv[8];
        const char *const *env;
        const char *want;
    } cases[] = {
        {{"keys", "list", "--db", short_db, NULL},
         env,
         "LEADSCORE_ALLOWED_HOSTS takes at most 1023 bytes"},
        {{"keys", "list", "--db", db, NULL}, NULL, "--db takes at most 1023 bytes"},
        {{"serve", "--db", db, NULL}, NULL, "--db takes at most 1023 bytes"},
        {{"score", "--offer", offer, "--leads", leads, "--ai-model", model, NULL},
         NULL,
         "--ai-model takes at most 127 bytes"},
        {{"score", "--offer", offer, "--leads", leads, "--out", db, NULL},
         NULL,
         "--out takes at most 1023 bytes"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *err = cli_stderr(cases[i].argv, cases[i].env, 2);
        assert_non_null(strstr(err, cases[i].want));
        free(err);
    }
}

/*
 * keys create whose standard output cannot be written (a full disk: /dev/full) fails, and
 * the key nobody received is revoked rather than left active.
 */
static void test_cli__unwritten_key_is_revoked(void **state)
{
    (void)state;
    static char db[600];
    h_path(db, sizeof(db), "cli-unwritten-key.db");
    const char *b = getenv("LEADSCORE_BIN");
    const char *binary = b && *b ? b : "build/asan/leadscore";
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int full = open("/dev/full", O_WRONLY);
        int null = open("/dev/null", O_WRONLY);
        if (full < 0 || null < 0)
            _exit(127);
        dup2(full, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execl(binary, binary, "keys", "create", "--db", db, "--workspace", "w", "--role", "admin",
              (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 70);
    /* keys list: the key is there, revoked ("revoked" on stdout, nothing "active"). */
    const char *list[] = {"keys", "list", "--db", db, NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(h_run_cli(list, NULL, &out, &err), 0);
    bool is_revoked = strstr(out, "revoked") != NULL && strstr(out, "active") == NULL;
    free(out);
    free(err);
    assert_true(is_revoked);
}

static void test_cli__bad_data_exits_65(void **state)
{
    (void)state;
    char *out, *err;
    char bad_offer[600], bad_shape[600], no_cols[600], empty[600];
    h_path(bad_offer, sizeof(bad_offer), "bad-offer.json");
    h_write_file(bad_offer, "{\"name\": \"x\",\n\"value_props\": [1,", 31);
    const char *a1[] = {"score", "--offer", bad_offer, "--leads", leads, NULL};
    assert_int_equal(h_run_cli(a1, NULL, &out, &err), 65);
    assert_non_null(strstr(err, bad_offer));
    assert_non_null(strstr(err, "line 2"));
    free(out);
    free(err);

    h_path(bad_shape, sizeof(bad_shape), "bad-shape.json");
    const char *shape = "{\"name\": \"x\", \"value_props\": [\"a\"], \"ideal_use_cases\": []}";
    h_write_file(bad_shape, shape, strlen(shape));
    const char *a2[] = {"score", "--offer", bad_shape, "--leads", leads, NULL};
    assert_int_equal(h_run_cli(a2, NULL, &out, &err), 65);
    assert_non_null(strstr(err, "ideal_use_cases must have at least one element"));
    free(out);
    free(err);

    h_path(no_cols, sizeof(no_cols), "no-cols.csv");
    h_write_file(no_cols, "Name,City\nAva,Oslo\n", 19); /* name, but no role or company */
    const char *a3[] = {"score", "--offer", offer, "--leads", no_cols, NULL};
    assert_int_equal(h_run_cli(a3, NULL, &out, &err), 65);
    assert_non_null(strstr(err, no_cols));
    assert_non_null(strstr(err, "line 1"));
    assert_non_null(strstr(err, "role or company"));
    assert_string_equal(out, "");
    free(out);
    free(err);

    h_path(empty, sizeof(empty), "empty.csv");
    h_write_file(empty, "", 0);
    const char *a4[] = {"score", "--offer", offer, "--leads", empty, NULL};
    assert_int_equal(h_run_cli(a4, NULL, &out, &err), 65);
    assert_non_null(strstr(err, "no leads found"));
    free(out);
    free(err);

    const char *a5[] = {"score", "--offer", "/nonexistent/offer.json", "--leads", leads, NULL};
    assert_int_equal(h_run_cli(a5, NULL, &out, &err), 65);
    assert_non_null(strstr(err, "/nonexistent/offer.json"));
    free(out);
    free(err);

    /* A bad row is reported with its line and skipped; the rest is scored. */
    char some_bad[600];
    h_path(some_bad, sizeof(some_bad), "some-bad.csv");
    const char *sb = "name,role,company,industry,location,linkedin_bio\n"
                     "Ava,CEO,X,SaaS,NY,bio\nBen,CTO,Y,SaaS,LA,bio,extra\n";
    h_write_file(some_bad, sb, strlen(sb));
    const char *a6[] = {"score", "--offer", offer, "--leads", some_bad, NULL};
    assert_int_equal(h_run_cli(a6, NULL, &out, &err), 0);
    assert_non_null(strstr(err, "line 3: row skipped: row has 7 fields"));
    assert_non_null(strstr(err, "1 rows rejected"));
    free(out);
    free(err);
}

static void test_cli__internal_error_exits_70(void **state)
{
    (void)state;
    char *out, *err;
    /* A store path that cannot be created is the environment's fault, not the data's. */
    const char *args[] = {
        "score", "--offer", offer, "--leads", leads, "--db", "/nonexistent-dir/x.db", NULL};
    assert_int_equal(h_run_cli(args, NULL, &out, &err), 70);
    assert_non_null(strstr(err, "/nonexistent-dir/x.db"));
    free(out);
    free(err);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli__same_results_as_http),
        cmocka_unit_test(test_cli__db_keeps_the_run),
        cmocka_unit_test(test_cli__usage_and_version),
        cmocka_unit_test(test_cli__too_long_text_is_refused),
        cmocka_unit_test(test_cli__unwritten_key_is_revoked),
        cmocka_unit_test(test_cli__bad_data_exits_65),
        cmocka_unit_test(test_cli__internal_error_exits_70),
    };
    int rc = cmocka_run_group_tests(tests, setup, NULL);
    curl_global_cleanup();
    return rc;
}
