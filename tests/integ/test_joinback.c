/*
 * test_joinback.c - issue #9's promise to a team: a CRM or LinkedIn export,
 * uploaded as it is and scored, comes back as an export that joins to the
 * records it came from. Each vendor file of tests/data/csv goes through
 * POST /uploads (raw, as the browser sends it) and GET /results/export, and
 * through `leadscore score --format csv`; joinback_check.py then reads the
 * input with Python's own csv module and matches every exported row to its
 * input row by external_id, email or LinkedIn URL, with every extra column
 * holding the input's value.
 */
#include "ls_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct file {
    const char *name, *encoding, *delimiter; /* as Python names them */
};

static const struct file files[] = {
    {"hubspot.csv", "utf-8", ","},
    {"salesforce_report.csv", "utf-8", ","},
    {"salesforce_dataloader.csv", "utf-8", ","},
    {"pipedrive.csv", "utf-8", ","},
    {"zoho.csv", "utf-8", ","},
    {"apollo.csv", "utf-8", ","},
    {"salesnav_scraper.csv", "utf-8", ","},
    {"linkedin_connections.csv", "utf-8", ","},
};

static struct srv s;

static int setup(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "joinback.db");
    if (h_srv_start(&s, db, NULL) != 0)
        return -1;
    struct resp r;
    int rc = h_post_json(&s, "/offers", h_example_offer(), &r) == 0 && r.status == 201 ? 0 : -1;
    h_resp_free(&r);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    h_srv_stop(&s, SIGTERM);
    return 0;
}

static void input_path(const struct file *f, char *out, size_t cap)
{
    snprintf(out, cap, "%s/tests/data/csv/%s", h_repo(), f->name);
}

/* Runs the checker on an export written to path; fails the test with its words. */
static void check(const struct file *f, const char *export_path)
{
    char in[700], checker[700];
    input_path(f, in, sizeof(in));
    snprintf(checker, sizeof(checker), "%s/tests/integ/joinback_check.py", h_repo());
    char cmd[2400];
    snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' '%s' '%s' '%s' 2>&1", checker, in, f->encoding,
             f->delimiter, export_path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char said[1024] = "";
    size_t n = fread(said, 1, sizeof(said) - 1, p);
    said[n] = '\0';
    int st = pclose(p);
    if (st != 0) {
        print_error("%s: %s", f->name, said);
        fail();
    }
}

static void test_joinback__http_export_joins_back_to_each_vendor_file(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        const struct file *f = &files[i];
        char in[700];
        input_path(f, in, sizeof(in));
        size_t len;
        char *body = h_read_file(in, &len);
        assert_non_null(body);
        const char *hdr[] = {"Content-Type: text/csv", NULL};
        struct resp r;
        assert_int_equal(h_http(&s, "POST", "/uploads", hdr, body, len, &r), 0);
        free(body);
        if (r.status != 201) {
            print_error("%s: %ld %s\n", f->name, r.status, r.body);
            fail();
        }
        h_resp_free(&r);
        assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
        assert_int_equal(r.status, 200);
        h_resp_free(&r);
        assert_int_equal(h_http(&s, "GET", "/results/export", NULL, NULL, 0, &r), 0);
        assert_int_equal(r.status, 200);
        char out[600];
        h_path(out, sizeof(out), "export.csv");
        h_write_file(out, r.body, r.len);
        h_resp_free(&r);
        check(f, out);
    }
}

static void test_joinback__cli_export_joins_back_to_each_vendor_file(void **state)
{
    (void)state;
    char offer[600];
    h_path(offer, sizeof(offer), "offer.json");
    h_write_file(offer, h_example_offer(), strlen(h_example_offer()));
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        const struct file *f = &files[i];
        char in[700], out[600];
        input_path(f, in, sizeof(in));
        h_path(out, sizeof(out), "cli-export.csv");
        const char *argv[] = {"score",    "--offer", offer,   "--leads", in,
                              "--format", "csv",     "--out", out,       NULL};
        const char *env[] = {"LEADSCORE_AI_PROVIDER=offline", NULL};
        char *so = NULL, *se = NULL;
        int rc = h_run_cli(argv, env, &so, &se);
        if (rc != 0) {
            print_error("%s: exit %d: %s\n", f->name, rc, se ? se : "");
            fail();
        }
        free(so);
        free(se);
        check(f, out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_joinback__http_export_joins_back_to_each_vendor_file),
        cmocka_unit_test(test_joinback__cli_export_joins_back_to_each_vendor_file),
    };
    return cmocka_run_group_tests_name("joinback", tests, setup, teardown);
}
