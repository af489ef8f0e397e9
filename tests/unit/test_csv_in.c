/* test_csv_in.c - streaming CSV ingest: every rule of the CSV section of issue #2. */
#include "ls_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv_in.h"

#define MAXR 64

struct got {
    int n_leads;
    char lead[MAXR][LS_F_COUNT][256];
    uint64_t lead_line[MAXR];
    int n_rej;
    uint64_t rej_line[MAXR];
    char rej_msg[MAXR][256];
};

static int on_lead(void *ud, const struct ls_lead *lead, uint64_t line, struct ls_err *err)
{
    (void)err;
    struct got *g = ud;
    if (g->n_leads < MAXR) {
        for (int f = 0; f < LS_F_COUNT; f++)
            snprintf(g->lead[g->n_leads][f], 256, "%s", lead->f[f]);
        g->lead_line[g->n_leads] = line;
    }
    g->n_leads++;
    return LS_OK;
}

static void on_reject(void *ud, uint64_t line, const char *msg)
{
    struct got *g = ud;
    if (g->n_rej < MAXR) {
        g->rej_line[g->n_rej] = line;
        snprintf(g->rej_msg[g->n_rej], 256, "%s", msg);
    }
    g->n_rej++;
}

/* Parses text in chunks of `chunk` bytes (0 = all at once). */
static int run(const char *text, size_t len, size_t chunk, const struct ls_csv_limits *lim,
               struct got *g, struct ls_csv_stats *st, struct ls_err *err)
{
    struct ls_csv_limits dflt;
    ls_csv_limits_default(&dflt);
    memset(g, 0, sizeof(*g));
    struct ls_csv_in *in = ls_csv_in_new(lim ? lim : &dflt, on_lead, on_reject, g);
    int rc = LS_OK;
    size_t step = chunk ? chunk : (len ? len : 1);
    for (size_t off = 0; off < len && rc == LS_OK; off += step) {
        size_t n = len - off < step ? len - off : step;
        rc = ls_csv_in_feed(in, text + off, n, err);
    }
    if (rc == LS_OK)
        rc = ls_csv_in_finish(in, err);
    if (st)
        ls_csv_in_stats(in, st);
    ls_csv_in_free(in);
    return rc;
}

static int run_s(const char *text, struct got *g, struct ls_err *err)
{
    return run(text, strlen(text), 0, NULL, g, NULL, err);
}

#define HDR "name,role,company,industry,location,linkedin_bio\n"

static void test_csv_in__basic_rows(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    assert_int_equal(run_s(HDR
                           "Ava Patel,Head of Growth,FlowMetrics,B2B SaaS,New York,Growth leader.\n"
                           "Ben Carter, Senior Manager ,Innovate,E-commerce,London,Bio\n",
                           g, &err),
                     LS_OK);
    assert_int_equal(g->n_leads, 2);
    assert_string_equal(g->lead[0][LS_F_NAME], "Ava Patel");
    assert_string_equal(g->lead[0][LS_F_BIO], "Growth leader.");
    assert_string_equal(g->lead[1][LS_F_ROLE], "Senior Manager");
    assert_int_equal(g->lead_line[0], 2);
    assert_int_equal(g->lead_line[1], 3);
    assert_int_equal(g->n_rej, 0);
    free(g);
}

static void test_csv_in__quotes_commas_newlines_crlf(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    const char *csv =
        "name,role,company,industry,location,linkedin_bio\r\n"
        "\"Patel, Ava\",CEO,\"Flow \"\"Metrics\"\"\",SaaS,NY,\"line one\r\nline two\"\r\n"
        "Ben,CTO,X,SaaS,LA,plain\r\n";
    assert_int_equal(run_s(csv, g, &err), LS_OK);
    assert_int_equal(g->n_leads, 2);
    assert_string_equal(g->lead[0][LS_F_NAME], "Patel, Ava");
    assert_string_equal(g->lead[0][LS_F_COMPANY], "Flow \"Metrics\"");
    assert_string_equal(g->lead[0][LS_F_BIO], "line one\r\nline two");
    assert_int_equal(g->lead_line[0], 2);
    assert_int_equal(g->lead_line[1], 4); /* the quoted newline took line 3 */
    free(g);
}

static void test_csv_in__bom_and_no_trailing_newline(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    assert_int_equal(run_s("\xEF\xBB\xBF" HDR "Ava,CEO,X,SaaS,NY,bio", g, &err), LS_OK);
    assert_int_equal(g->n_leads, 1);
    assert_string_equal(g->lead[0][LS_F_NAME], "Ava");
    assert_string_equal(g->lead[0][LS_F_BIO], "bio");
    free(g);
}

static void test_csv_in__header_aliases_and_extra_columns(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    const char *csv = "Full Name,Email,Job Title,Organization,SECTOR,City,Country,LinkedIn Bio\n"
                      "Ava Patel,ava@x.io,VP Sales,Acme,SaaS,Berlin,Germany,Bio text\n"
                      "Ben,b@x.io,CTO,Beta,SaaS,,France,\n";
    assert_int_equal(run_s(csv, g, &err), LS_OK);
    assert_int_equal(g->n_leads, 2);
    assert_string_equal(g->lead[0][LS_F_NAME], "Ava Patel");
    assert_string_equal(g->lead[0][LS_F_ROLE], "VP Sales");
    assert_string_equal(g->lead[0][LS_F_COMPANY], "Acme");
    assert_string_equal(g->lead[0][LS_F_INDUSTRY], "SaaS");
    assert_string_equal(g->lead[0][LS_F_LOCATION], "Berlin, Germany");
    assert_string_equal(g->lead[0][LS_F_BIO], "Bio text");
    assert_string_equal(g->lead[1][LS_F_LOCATION], "France");
    free(g);
}

static void test_csv_in__first_last_name_and_canonical_wins(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    const char *csv = "First Name,Last Name,Title,role,company,industry,location,summary,bio\n"
                      "Ava,Patel,Ignored Title,CEO,X,SaaS,NY,the summary,the bio\n";
    assert_int_equal(run_s(csv, g, &err), LS_OK);
    assert_string_equal(g->lead[0][LS_F_NAME], "Ava Patel");
    assert_string_equal(g->lead[0][LS_F_ROLE], "CEO");    /* canonical beats alias */
    assert_string_equal(g->lead[0][LS_F_BIO], "the bio"); /* earlier alias row wins */
    free(g);
}

static void test_csv_in__duplicate_header_is_ambiguous(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    assert_int_equal(run_s("name,name,role,company,industry,location,linkedin_bio\n"
                           "First,Second,CEO,X,SaaS,NY,bio\n",
                           g, &err),
                     LS_EINVAL);
    assert_non_null(strstr(err.msg, "ambiguous columns: \"name\" and \"name\""));
    assert_int_equal(g->n_leads, 0);
    free(g);
}

static void test_csv_in__missing_columns_named(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    struct ls_csv_limits lim;
    ls_csv_limits_default(&lim);
    const char *csv = "Full Name,Email,Industry\nAva,a@b.c,SaaS\n";
    struct ls_csv_in *in = ls_csv_in_new(&lim, on_lead, on_reject, g);
    memset(g, 0, sizeof(*g));
    /* A file this small is held until the end (its layout is not known before). */
    assert_int_equal(ls_csv_in_feed(in, csv, strlen(csv), &err), LS_OK);
    assert_int_equal(ls_csv_in_finish(in, &err), LS_EINVAL);
    assert_non_null(strstr(err.msg, "missing required column(s): role or company"));
    assert_non_null(strstr(err.msg, "\"Email\""));
    json_t *d = ls_csv_in_details(in);
    assert_non_null(d);
    assert_int_equal(json_array_size(json_object_get(d, "missing")), 2);
    assert_int_equal(json_array_size(json_object_get(d, "found")), 3);
    json_decref(d);
    /* The error is sticky. */
    assert_int_equal(ls_csv_in_feed(in, "x", 1, &err), LS_EINVAL);
    assert_int_equal(ls_csv_in_finish(in, &err), LS_EINVAL);
    ls_csv_in_free(in);
    assert_int_equal(g->n_leads, 0);
    free(g);
}

static void test_csv_in__too_many_fields_rejected_fewer_padded(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    assert_int_equal(run_s(HDR "Ava,CEO,X,SaaS,NY,bio,EXTRA\n"
                               "Ben,CTO,Y\n"
                               "Cid,CFO,Z,SaaS,LA,bio\n",
                           g, &err),
                     LS_OK);
    assert_int_equal(g->n_rej, 1);
    assert_int_equal(g->rej_line[0], 2);
    assert_string_equal(g->rej_msg[0], "row has 7 fields but the header has 6");
    assert_int_equal(g->n_leads, 2);
    assert_string_equal(g->lead[0][LS_F_NAME], "Ben");
    assert_string_equal(g->lead[0][LS_F_INDUSTRY], "");
    assert_string_equal(g->lead[0][LS_F_BIO], "");
    assert_int_equal(g->lead_line[1], 4);
    free(g);
}

static void test_csv_in__blank_lines_skipped(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    assert_int_equal(run_s("\n\r\n" HDR
                           "\nAva,CEO,X,SaaS,NY,bio\n\r\n,,,,,\n  \nBen,CTO,Y,SaaS,LA,b\n\n",
                           g, &err),
                     LS_OK);
    assert_int_equal(g->n_leads, 2);
    assert_int_equal(g->n_rej, 0);
    assert_int_equal(g->lead_line[0], 5);
    assert_int_equal(g->lead_line[1], 9);
    free(g);
}

static void test_csv_in__unterminated_quote_mid_file_keeps_rest(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    const char *csv = HDR "Ava,\"CEO,X,SaaS,NY,bio\n"            /* line 2: quote never closed */
                          "Ben,CTO,Y,SaaS,LA,bio\n"              /* 3 */
                          "Cid,CFO,Z,SaaS,SF,\"quoted bio\"\n"   /* 4: its quote closes line 2's */
                          "Dee,COO,W,SaaS,NY,\"multi\nline\"\n"; /* 5-6 */
    assert_int_equal(run_s(csv, g, &err), LS_OK);
    assert_int_equal(g->n_rej, 1);
    assert_int_equal(g->rej_line[0], 2);
    assert_int_equal(g->n_leads, 3);
    assert_string_equal(g->lead[0][LS_F_NAME], "Ben");
    assert_int_equal(g->lead_line[0], 3);
    assert_string_equal(g->lead[1][LS_F_BIO], "quoted bio");
    assert_int_equal(g->lead_line[1], 4);
    assert_string_equal(g->lead[2][LS_F_BIO], "multi\nline");
    assert_int_equal(g->lead_line[2], 5);
    free(g);
}

static void test_csv_in__unterminated_quote_at_eof(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    const char *csv = HDR "Ava,CEO,X,SaaS,NY,bio\n"
                          "Ben,\"CTO,Y,SaaS,LA,bio\n"
                          "Cid,CFO,Z,SaaS,SF,bio\n"
                          "Dee,COO,W,SaaS,NY,bio\n";
    assert_int_equal(run_s(csv, g, &err), LS_OK);
    assert_int_equal(g->n_rej, 1);
    assert_int_equal(g->rej_line[0], 3);
    assert_non_null(strstr(g->rej_msg[0], "unterminated"));
    assert_int_equal(g->n_leads, 3);
    assert_string_equal(g->lead[1][LS_F_NAME], "Cid");
    assert_int_equal(g->lead_line[1], 4);
    assert_int_equal(g->lead_line[2], 5);
    free(g);
}

static void test_csv_in__stray_quote_rejected(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    assert_int_equal(run_s(HDR "Ava \"AJ\" Patel,CEO,X,SaaS,NY,bio\n"
                               "Ben,CTO,\"Y\"z,SaaS,LA,bio\n"
                               "Cid,CFO,Z,SaaS,SF,bio\n",
                           g, &err),
                     LS_OK);
    assert_int_equal(g->n_rej, 2);
    assert_int_equal(g->rej_line[0], 2);
    assert_int_equal(g->rej_line[1], 3);
    assert_non_null(strstr(g->rej_msg[0], "malformed quoting"));
    assert_int_equal(g->n_leads, 1);
    assert_int_equal(g->lead_line[0], 4);
    free(g);
}

static void test_csv_in__windows_1252(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    struct ls_csv_stats st;
    const char *csv = HDR "J\xFCrgen M\xFCller,Gesch\xE4"
                          "ftsf\xFChrer,Caf\xE9 \x80 GmbH,Retail,K\xF6ln,\x93quoted\x94\n"
                          "Plain,CEO,X,SaaS,NY,ascii only\n";
    assert_int_equal(run(csv, strlen(csv), 0, NULL, g, &st, &err), LS_OK);
    assert_true(st.is_cp1252);
    assert_string_equal(g->lead[0][LS_F_NAME], "Jürgen Müller");
    assert_string_equal(g->lead[0][LS_F_ROLE], "Geschäftsführer");
    assert_string_equal(g->lead[0][LS_F_COMPANY], "Café € GmbH");
    assert_string_equal(g->lead[0][LS_F_BIO], "\xE2\x80\x9Cquoted\xE2\x80\x9D");
    free(g);
}

static void test_csv_in__utf8_stays_utf8(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    struct ls_csv_stats st;
    const char *csv = HDR "Zoë Ångström,CEO,株式会社,SaaS,São Paulo,emoji 🚀\n";
    assert_int_equal(run(csv, strlen(csv), 0, NULL, g, &st, &err), LS_OK);
    assert_false(st.is_cp1252);
    assert_string_equal(g->lead[0][LS_F_NAME], "Zoë Ångström");
    assert_string_equal(g->lead[0][LS_F_BIO], "emoji 🚀");
    free(g);
}

static void test_csv_in__field_size_limit(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    size_t cap = 8192;
    char *csv = malloc(3 * cap + 512);
    char *w = csv;
    w += sprintf(w, HDR "Ok,CEO,X,SaaS,NY,");
    memset(w, 'a', cap);
    w += cap;
    w += sprintf(w, "\nBig,CEO,X,SaaS,NY,");
    memset(w, 'b', cap + 1);
    w += cap + 1;
    w += sprintf(w, "\nAfter,CEO,X,SaaS,NY,bio\n");
    assert_int_equal(run(csv, (size_t)(w - csv), 0, NULL, g, NULL, &err), LS_OK);
    assert_int_equal(g->n_leads, 2);
    assert_string_equal(g->lead[1][LS_F_NAME], "After");
    assert_int_equal(g->n_rej, 1);
    assert_int_equal(g->rej_line[0], 3);
    assert_string_equal(g->rej_msg[0], "field \"linkedin_bio\" is longer than the 8192-byte limit");
    free(csv);
    free(g);
}

static void test_csv_in__overlong_line_and_record(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    struct ls_csv_limits lim = {.max_field = 64, .max_row = 128, .max_rows = 100};
    char csv[2048];
    char big[300];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    snprintf(csv, sizeof(csv),
             HDR "A,CEO,X,SaaS,NY,%s\n" /* line 2: longer than max_row */
                 "B,CEO,X,SaaS,NY,bio\n"
                 "C,CEO,X,SaaS,NY,\"%.60s\n%.60s\n%.60s\n" /* 4..: runaway quote */
                 "D,CEO,X,SaaS,NY,bio\n",
             big, big, big, big);
    for (size_t chunk = 0; chunk <= 7; chunk += 7) {
        assert_int_equal(run(csv, strlen(csv), chunk, &lim, g, NULL, &err), LS_OK);
        assert_int_equal(g->n_rej, 2);
        assert_int_equal(g->rej_line[0], 2);
        assert_non_null(strstr(g->rej_msg[0], "longer than the 128-byte limit"));
        assert_int_equal(g->rej_line[1], 4);
        assert_int_equal(g->n_leads, 4); /* B, the two replayed x-lines are 1-field rows, D */
        assert_string_equal(g->lead[0][LS_F_NAME], "B");
        assert_string_equal(g->lead[3][LS_F_NAME], "D");
        assert_int_equal(g->lead_line[3], 7);
    }
    free(g);
}

static void test_csv_in__empty_inputs(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    assert_int_equal(run_s("", g, &err), LS_EINVAL);
    assert_non_null(strstr(err.msg, "no leads found"));
    assert_int_equal(run_s("\n\n", g, &err), LS_EINVAL);
    assert_non_null(strstr(err.msg, "no leads found"));
    assert_int_equal(run_s(HDR, g, &err), LS_EINVAL);
    assert_string_equal(err.msg, "no leads found: the file has a header but no data rows");
    assert_int_equal(run_s(HDR "\n,,,,,\n", g, &err), LS_EINVAL);
    assert_int_equal(run_s(HDR "a,b,c,d,e,f,g\n", g, &err), LS_EINVAL);
    assert_non_null(strstr(err.msg, "rejected"));
    free(g);
}

static void test_csv_in__row_limit(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    struct ls_csv_limits lim = {.max_field = 8192, .max_row = 65536, .max_rows = 2};
    const char *two = HDR "a,b,c,d,e,f\na,b,c,d,e,f\n";
    assert_int_equal(run(two, strlen(two), 0, &lim, g, NULL, &err), LS_OK);
    const char *three = HDR "a,b,c,d,e,f\na,b,c,d,e,f\na,b,c,d,e,f\n";
    assert_int_equal(run(three, strlen(three), 0, &lim, g, NULL, &err), LS_ELIMIT);
    assert_string_equal(err.msg, "the file has more than 2 rows");
    free(g);
}

static void test_csv_in__callback_error_stops(void **state)
{
    (void)state;
    /* Covered through the store in integration tests; here: NUL bytes vanish. */
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    const char csv[] = HDR "A\0va,CEO,X,SaaS,NY,bio\n";
    assert_int_equal(run(csv, sizeof(csv) - 1, 0, NULL, g, NULL, &err), LS_OK);
    assert_string_equal(g->lead[0][LS_F_NAME], "Ava");
    free(g);
}

/*
 * Found by fuzz_csv_in: spaces next to a NUL byte survived the trim, because
 * the NUL was dropped after trimming ("  Zoë  \0" came out as "Zoë  ").
 */
static void test_csv_in__nul_bytes_do_not_shield_spaces(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    const char csv[] = HDR "  Zo\xC3\xAB  \0\0,\0 CEO,X \0 ,\0,NY,\0 bio \0\n";
    assert_int_equal(run(csv, sizeof(csv) - 1, 0, NULL, g, NULL, &err), LS_OK);
    assert_int_equal(g->n_leads, 1);
    assert_string_equal(g->lead[0][LS_F_NAME], "Zo\xC3\xAB");
    assert_string_equal(g->lead[0][LS_F_ROLE], "CEO");
    assert_string_equal(g->lead[0][LS_F_COMPANY], "X");
    assert_string_equal(g->lead[0][LS_F_INDUSTRY], "");
    assert_string_equal(g->lead[0][LS_F_BIO], "bio");
    free(g);
}

/*
 * Found by fuzz_csv_in: a lone CR ends a record in libcsv but did not end a
 * line here, so a classic-Mac (CR-only) file was one line: every row was on
 * "line 1", a stray quote swallowed the rest of the file, and a file over
 * max_row bytes was rejected whole. Lines now end at LF, CRLF or a lone CR.
 */
static void test_csv_in__lone_cr_ends_a_line(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct ls_err err = {0};
    const char *csv = "name,role,company,industry,location,linkedin_bio\r"
                      "Ava,CEO,Acme,SaaS,NY,bio\r"
                      "Ben,\"CTO,B,SaaS,LA,bio\r"
                      "Cy,VP,C,Fintech,SF,\"two\rlines\"\r"
                      "Dee,COO,D,SaaS,NY,last";
    assert_int_equal(run_s(csv, g, &err), LS_OK);
    assert_int_equal(g->n_leads, 3);
    assert_string_equal(g->lead[0][LS_F_NAME], "Ava");
    assert_int_equal(g->lead_line[0], 2);
    assert_string_equal(g->lead[1][LS_F_NAME], "Cy");
    assert_string_equal(g->lead[1][LS_F_BIO], "two\rlines");
    assert_int_equal(g->lead_line[1], 4);
    assert_string_equal(g->lead[2][LS_F_NAME], "Dee");
    assert_int_equal(g->lead_line[2], 6);
    assert_int_equal(g->n_rej, 1);
    assert_int_equal(g->rej_line[0], 3);
    assert_non_null(strstr(g->rej_msg[0], "malformed quoting")); /* at "two */

    /* 40 rows of 27 bytes, far more than max_row, in one CR-only "line" before. */
    struct ls_csv_limits lim = {.max_field = 64, .max_row = 64, .max_rows = 1000};
    char big[2048];
    size_t len = (size_t)snprintf(big, sizeof(big), "%s",
                                  "name,role,company,industry,location,"
                                  "linkedin_bio\r");
    for (int i = 0; i < 40; i++)
        len += (size_t)snprintf(big + len, sizeof(big) - len, "Lead %02d,CEO,Acme,SaaS,NY,b\r", i);
    struct ls_csv_stats st;
    assert_int_equal(run(big, len, 0, &lim, g, &st, &err), LS_OK);
    assert_int_equal(g->n_leads, 40);
    assert_int_equal(g->n_rej, 0);
    assert_int_equal(g->lead_line[39], 41);
    assert_int_equal(st.lines, 41);
    free(g);
}

/* Every chunk size gives the same result as one big feed: a CR at the end of a
 * chunk may be a lone CR or the first half of a CRLF. */
static void test_csv_in__chunking_invariant_with_cr(void **state)
{
    (void)state;
    const char *csv = "name,role,company,industry,location,linkedin_bio\r\n"
                      "Ava,CEO,Acme,SaaS,NY,\"one\r\ntwo\rthree\"\r"
                      "\r"
                      "Ben,\"x,y\r\n"
                      "Cy,VP,C,Fintech,SF,bio\n"
                      "Dee,COO,D,SaaS,NY,last\r";
    size_t len = strlen(csv);
    struct got *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    struct ls_err err = {0};
    struct ls_csv_stats sa, sb;
    assert_int_equal(run(csv, len, 0, NULL, a, &sa, &err), LS_OK);
    assert_int_equal(a->n_leads, 3);
    assert_string_equal(a->lead[0][LS_F_BIO], "one\r\ntwo\rthree");
    assert_int_equal(a->lead_line[1], 7); /* lines end: CRLF, CRLF, CR, CR, CR, CRLF */
    assert_int_equal(a->lead_line[2], 8);
    assert_int_equal(a->rej_line[0], 6);
    assert_int_equal(sa.lines, 8);
    for (size_t chunk = 1; chunk < len; chunk++) {
        assert_int_equal(run(csv, len, chunk, NULL, b, &sb, &err), LS_OK);
        assert_int_equal(a->n_leads, b->n_leads);
        assert_int_equal(a->n_rej, b->n_rej);
        assert_memory_equal(a->lead, b->lead, sizeof(a->lead[0]) * (size_t)a->n_leads);
        assert_memory_equal(a->rej_line, b->rej_line, sizeof(uint64_t) * (size_t)a->n_rej);
        assert_memory_equal(a->lead_line, b->lead_line, sizeof(uint64_t) * (size_t)a->n_leads);
        assert_int_equal(sa.lines, sb.lines);
    }
    free(a);
    free(b);
}

/* Every chunk size gives the same result as one big feed. */
static void test_csv_in__chunking_invariant(void **state)
{
    (void)state;
    const char *csv = "\xEF\xBB\xBF"
                      "Full Name,Title,Company,Industry,City,Country,Bio\r\n"
                      "\"Patel, Ava\",CEO,\"A \"\"B\"\"\",SaaS,NY,US,\"two\r\nlines\"\r\n"
                      "\r\n"
                      "Bad,\"x,y,z\r\n"
                      "Ben,CTO,Y,SaaS,LA,US,bio,extra\r\n"
                      "Caf\xE9,CFO,Z,Retail,Paris,FR,ok\r\n"
                      "Last,COO,W,SaaS,SF,US,\"unterminated";
    size_t len = strlen(csv);
    struct got *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    struct ls_err err = {0};
    assert_int_equal(run(csv, len, 0, NULL, a, NULL, &err), LS_OK);
    for (size_t chunk = 1; chunk < len; chunk++) {
        assert_int_equal(run(csv, len, chunk, NULL, b, NULL, &err), LS_OK);
        assert_int_equal(a->n_leads, b->n_leads);
        assert_int_equal(a->n_rej, b->n_rej);
        assert_memory_equal(a->lead, b->lead, sizeof(a->lead[0]) * (size_t)a->n_leads);
        assert_memory_equal(a->rej_line, b->rej_line, sizeof(uint64_t) * (size_t)a->n_rej);
        assert_memory_equal(a->lead_line, b->lead_line, sizeof(uint64_t) * (size_t)a->n_leads);
    }
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_in__basic_rows),
        cmocka_unit_test(test_csv_in__quotes_commas_newlines_crlf),
        cmocka_unit_test(test_csv_in__bom_and_no_trailing_newline),
        cmocka_unit_test(test_csv_in__header_aliases_and_extra_columns),
        cmocka_unit_test(test_csv_in__first_last_name_and_canonical_wins),
        cmocka_unit_test(test_csv_in__duplicate_header_is_ambiguous),
        cmocka_unit_test(test_csv_in__missing_columns_named),
        cmocka_unit_test(test_csv_in__too_many_fields_rejected_fewer_padded),
        cmocka_unit_test(test_csv_in__blank_lines_skipped),
        cmocka_unit_test(test_csv_in__unterminated_quote_mid_file_keeps_rest),
        cmocka_unit_test(test_csv_in__unterminated_quote_at_eof),
        cmocka_unit_test(test_csv_in__stray_quote_rejected),
        cmocka_unit_test(test_csv_in__windows_1252),
        cmocka_unit_test(test_csv_in__utf8_stays_utf8),
        cmocka_unit_test(test_csv_in__field_size_limit),
        cmocka_unit_test(test_csv_in__overlong_line_and_record),
        cmocka_unit_test(test_csv_in__empty_inputs),
        cmocka_unit_test(test_csv_in__row_limit),
        cmocka_unit_test(test_csv_in__callback_error_stops),
        cmocka_unit_test(test_csv_in__chunking_invariant),
        cmocka_unit_test(test_csv_in__nul_bytes_do_not_shield_spaces),
        cmocka_unit_test(test_csv_in__lone_cr_ends_a_line),
        cmocka_unit_test(test_csv_in__chunking_invariant_with_cr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
