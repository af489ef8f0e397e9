/*
 * test_dialects.c - issue #9's reading rules end to end: the files of
 * tests/data/csv/ through POST /uploads (raw and multipart) and through
 * `leadscore score`, with and without ?delimiter= / ?encoding= (--delimiter,
 * --encoding); what the 201 says about how each was read; what is stored.
 */
#include "ls_test.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "harness.h"

static struct srv srv;

static int setup(void **state)
{
    (void)state;
    return h_srv_start_fake(&srv, "dialects.db", NULL);
}

static int teardown(void **state)
{
    (void)state;
    return h_srv_stop(&srv, SIGTERM) == 0 ? 0 : -1;
}

static char *data_path(const char *name)
{
    static char p[700];
    snprintf(p, sizeof(p), "%s/tests/data/csv/%s", h_repo(), name);
    return p;
}

/* POST /uploads with the file as a text/csv body; the reply's JSON (new reference). */
static json_t *upload_raw(const char *name, const char *query, long want_status)
{
    size_t len;
    char *body = h_read_file(data_path(name), &len);
    assert_non_null(body);
    char path[300];
    snprintf(path, sizeof(path), "/uploads?filename=%s%s%s", name, query ? "&" : "",
             query ? query : "");
    const char *hdr[] = {"Content-Type: text/csv", NULL};
    struct resp r;
    assert_int_equal(h_http(&srv, "POST", path, hdr, body, len, &r), 0);
    if (r.status != want_status)
        fprintf(stderr, "%s: %ld %s\n", name, r.status, r.body);
    assert_int_equal(r.status, want_status);
    json_t *j = h_json(&r);
    assert_non_null(j);
    h_resp_free(&r);
    free(body);
    return j;
}

/* The first stored lead of an upload (new reference). */
static json_t *first_lead(json_int_t upload_id)
{
    char path[96];
    snprintf(path, sizeof(path), "/uploads/%lld/leads?limit=1", (long long)upload_id);
    struct resp r;
    assert_int_equal(h_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *j = h_json(&r);
    h_resp_free(&r);
    json_t *lead = json_incref(json_array_get(json_object_get(j, "items"), 0));
    json_decref(j);
    assert_non_null(lead);
    return lead;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    assert_non_null(s);
    return s;
}

static const struct {
    const char *file, *query;
    int count;
    const char *delimiter, *encoding, *confidence;
    int skipped;
    const char *name, *company; /* of the first lead, as stored */
    const char *warning;        /* a substring of a warning, or NULL for none about encoding */
} cases[] = {
    {"hubspot.csv", NULL, 3, ",", "utf-8", "certain", 0, "Ava Patel", "FlowMetrics", NULL},
    {"salesforce_report.csv", NULL, 2, ",", "utf-8", "certain", 0, "Ava Patel", "FlowMetrics",
     NULL},
    {"pipedrive.csv", NULL, 2, ",", "utf-8", "certain", 0, "Ava Patel", "FlowMetrics", NULL},
    {"zoho.csv", NULL, 1, ",", "utf-8", "certain", 0, "Ava Patel", "FlowMetrics", NULL},
    {"apollo.csv", NULL, 1, ",", "utf-8", "certain", 0, "Ava Patel", "FlowMetrics", NULL},
    {"salesnav_scraper.csv", NULL, 1, ",", "utf-8", "certain", 0, "Ava Patel", "FlowMetrics", NULL},
    {"linkedin_connections.csv", NULL, 2, ",", "utf-8", "certain", 3, "Ava Patel", "FlowMetrics",
     NULL},
    {"excel_de_semicolon.csv", NULL, 2, ";", "windows-1252", "guess", 0, "Jürgen Müller",
     "Bäckerei Müller GmbH", NULL},
    {"excel_sep_line.csv", NULL, 1, ";", "utf-8", "certain", 1, "Ava Patel", "FlowMetrics, Inc.",
     NULL},
    {"tsv.tsv", NULL, 2, "\t", "utf-8", "certain", 0, "Ava Patel", "FlowMetrics, Inc.", NULL},
    {"tsv.tsv", "delimiter=tab", 2, "\t", "utf-8", "certain", 0, "Ava Patel", "FlowMetrics, Inc.",
     NULL},
    {"tsv.tsv", "delimiter=%09", 2, "\t", "utf-8", "certain", 0, "Ava Patel", "FlowMetrics, Inc.",
     NULL},
    {"pipes.csv", "delimiter=%7C", 1, "|", "utf-8", "certain", 0, "Ava Patel", "FlowMetrics, Inc.",
     NULL},
    {"excel_unicode_text.txt", NULL, 2, "\t", "utf-16le", "certain", 0, "Zoë Faßbender",
     "Kaffeerösterei Süd", NULL},
    {"utf16be_nobom.csv", NULL, 1, ",", "utf-16be", "guess", 0, "Zoë Faßbender", "Kaffeerösterei 🚀",
     NULL},
    {"cr_only_bad_row.csv", NULL, 4, ",", "utf-8", "certain", 0, "Ava Patel", "FlowMetrics", NULL},
    {"macroman.csv", NULL, 2, ",", "windows-1252", "guess", 0, "AndrŽ Dubois",
     "CafŽ Lumi\xEF\xBF\xBDre", /* 0x8F (è) is undefined in Windows-1252 */
     "?encoding="},
    {"macroman.csv", "encoding=macintosh", 2, ",", "macintosh", "certain", 0, "André Dubois",
     "Café Lumière", NULL},
    {"shift_jis.csv", "encoding=Shift_JIS", 2, ",", "shift_jis", "certain", 0, "田中 美咲",
     "東京ロケット株式会社", NULL},
};

static void test_dialects__uploads_read_each_file(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j = upload_raw(cases[i].file, cases[i].query, 201);
        assert_int_equal(json_integer_value(json_object_get(j, "count")), cases[i].count);
        assert_string_equal(str(j, "delimiter"), cases[i].delimiter);
        assert_string_equal(str(j, "encoding"), cases[i].encoding);
        assert_string_equal(str(j, "encoding_confidence"), cases[i].confidence);
        assert_int_equal(json_integer_value(json_object_get(j, "skipped_lines")), cases[i].skipped);
        json_t *warnings = json_object_get(j, "warnings");
        bool found = false;
        for (size_t k = 0; k < json_array_size(warnings); k++) {
            const char *w = json_string_value(json_array_get(warnings, k));
            found = found || (cases[i].warning && strstr(w, cases[i].warning));
            if (!cases[i].warning)
                assert_null(strstr(w, "?encoding="));
        }
        assert_true(cases[i].warning == NULL || found);
        json_t *lead = first_lead(json_integer_value(json_object_get(j, "upload_id")));
        assert_string_equal(str(lead, "name"), cases[i].name);
        assert_string_equal(str(lead, "company"), cases[i].company);
        json_decref(lead);
        json_decref(j);
    }
}

static void test_dialects__missing_columns_reported(void **state)
{
    (void)state;
    json_t *j = upload_raw("linkedin_connections.csv", NULL, 201);
    json_t *m = json_object_get(j, "missing_columns");
    assert_int_equal(json_array_size(m), 3);
    assert_string_equal(json_string_value(json_array_get(m, 0)), "industry");
    assert_string_equal(json_string_value(json_array_get(m, 1)), "location");
    assert_string_equal(json_string_value(json_array_get(m, 2)), "linkedin_bio");
    const char *w = json_string_value(json_array_get(json_object_get(j, "warnings"), 0));
    assert_non_null(strstr(w, "industry, location, linkedin_bio"));
    json_decref(j);
    /* The CR-only file's bad row is the only one rejected, on its own line. */
    j = upload_raw("cr_only_bad_row.csv", NULL, 201);
    json_t *errors = json_object_get(j, "errors");
    assert_int_equal(json_array_size(errors), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 0), "line")), 4);
    json_decref(j);
}

static void test_dialects__multipart_utf16(void **state)
{
    (void)state;
    struct resp r;
    assert_int_equal(h_upload(&srv, "/uploads", data_path("excel_unicode_text.txt"), NULL, &r), 0);
    assert_int_equal(r.status, 201);
    json_t *j = h_json(&r);
    h_resp_free(&r);
    assert_string_equal(str(j, "encoding"), "utf-16le");
    assert_string_equal(str(j, "delimiter"), "\t");
    json_decref(j);
}

static void expect_error(const char *file, const char *query, const char *code, const char *in_msg)
{
    json_t *j = upload_raw(file, query, 400);
    assert_string_equal(str(j, "code"), code);
    assert_non_null(strstr(str(j, "error"), in_msg));
    json_decref(j);
}

static void test_dialects__bad_parameters_and_headers(void **state)
{
    (void)state;
    expect_error("hubspot.csv", "delimiter=x", "invalid", "delimiter \"x\"");
    expect_error("hubspot.csv", "encoding=klingon-8", "invalid", "unknown encoding \"klingon-8\"");
    expect_error("hubspot.csv", "encoding=utf-8%2F%2FIGNORE", "invalid", "not an encoding name");
    expect_error("ambiguous.csv", NULL, "ambiguous_columns", "\"Full Name\" and \"fullName\"");
    /* ?delimiter=; forces a split the header does not fit. */
    expect_error("hubspot.csv", "delimiter=%3B", "missing_columns", "missing required column");
    json_t *j = upload_raw("ambiguous.csv", NULL, 400);
    json_t *d = json_object_get(j, "details");
    assert_string_equal(str(d, "field"), "name");
    assert_int_equal(json_array_size(json_object_get(d, "ambiguous")), 2);
    json_decref(j);
    /* Unknown parameters are still refused. */
    const char *hdr[] = {"Content-Type: text/csv", NULL};
    struct resp r;
    assert_int_equal(h_http(&srv, "POST", "/uploads?charset=utf-8", hdr, "a", 1, &r), 0);
    assert_int_equal(r.status, 400);
    h_resp_free(&r);
}

/*
 * The default upload limit is 512 MiB, so 1,000,000 ordinary rows fit (about 150 MiB
 * as UTF-8, 300 MiB as UTF-16): a body one byte over it is refused from its
 * Content-Length alone, one of exactly 512 MiB is not.
 */
static void test_dialects__default_upload_limit(void **state)
{
    (void)state;
    static const char *const lengths[] = {"536870913", "536870912"};
    for (int i = 0; i < 2; i++) {
        int fd = h_raw_connect(srv.port);
        assert_true(fd >= 0);
        char head[256];
        int n = snprintf(head, sizeof(head),
                         "POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
                         "Content-Length: %s\r\n\r\nname,company\nAva,Acme\n",
                         lengths[i]);
        assert_true(h_raw_send(fd, head, (size_t)n));
        if (i == 0) {
            char *body = NULL;
            assert_int_equal(h_raw_reply(fd, &body), 413);
            assert_non_null(strstr(body, "the 536870912-byte limit"));
            free(body);
        } else {
            /* Accepted so far: the server waits for the rest of the body. */
            struct timeval tv = {.tv_sec = 0, .tv_usec = 300000};
            fd_set rd;
            FD_ZERO(&rd);
            FD_SET(fd, &rd);
            assert_int_equal(select(fd + 1, &rd, NULL, NULL, &tv), 0);
        }
        close(fd);
    }
}

/* ---- leadscore score -------------------------------------------------------------- */

static int cli(const char *file, const char *opt, const char *val, char **out, char **err)
{
    char offer[700];
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    char leads[700];
    snprintf(leads, sizeof(leads), "%s", data_path(file));
    const char *args[] = {"score",    "--offer", offer, "--leads", leads,
                          "--format", "csv",     opt,   val,       NULL};
    return h_run_cli(args, NULL, out, err);
}

static void test_dialects__cli(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(cli("macroman.csv", "--encoding", "macintosh", &out, &err), 0);
    assert_non_null(strstr(out, "André Dubois"));
    assert_non_null(strstr(err, "warning: missing_columns: industry, linkedin_bio"));
    assert_null(strstr(err, "?encoding="));
    free(out);
    free(err);
    assert_int_equal(cli("macroman.csv", NULL, NULL, &out, &err), 0);
    assert_non_null(strstr(out, "AndrŽ Dubois"));
    assert_non_null(strstr(err, "?encoding="));
    free(out);
    free(err);
    assert_int_equal(cli("excel_unicode_text.txt", NULL, NULL, &out, &err), 0);
    assert_non_null(strstr(out, "東京ロケット 🚀"));
    free(out);
    free(err);
    assert_int_equal(cli("linkedin_connections.csv", "--delimiter", ",", &out, &err), 0);
    assert_non_null(strstr(out, "Jonas Weber"));
    free(out);
    free(err);
    assert_int_equal(cli("hubspot.csv", "--delimiter", "x", &out, &err), 2);
    assert_non_null(strstr(err, "--delimiter: delimiter \"x\""));
    free(out);
    free(err);
    assert_int_equal(cli("hubspot.csv", "--encoding", "klingon-8", &out, &err), 2);
    assert_non_null(strstr(err, "unknown encoding"));
    free(out);
    free(err);
    assert_int_equal(cli("ambiguous.csv", NULL, NULL, &out, &err), 65);
    assert_non_null(strstr(err, "line 1: ambiguous columns"));
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dialects__uploads_read_each_file),
        cmocka_unit_test(test_dialects__missing_columns_reported),
        cmocka_unit_test(test_dialects__multipart_utf16),
        cmocka_unit_test(test_dialects__bad_parameters_and_headers),
        cmocka_unit_test(test_dialects__default_upload_limit),
        cmocka_unit_test(test_dialects__cli),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
