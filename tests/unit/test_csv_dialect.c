/*
 * test_csv_dialect.c - issue #9's reading rules, through csv_in: delimiters,
 * encodings, line endings, preambles, header rules and the aliases of each
 * export, on the files in tests/data/csv/ (their header rows written from the
 * vendors' documented column names). Every file is also fed one byte at a
 * time and must give exactly what one whole feed gives.
 */
#include "ls_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv_in.h"
#include "core/utf8.h"

#define MAXR    16
#define CELL    256
#define DATADIR "tests/data/csv/"

struct got {
    int n_leads;
    char f[MAXR][LS_F_ALL][CELL];
    char extra[MAXR][1024]; /* "name=value|name=value" */
    uint64_t line[MAXR];
    int n_rej;
    uint64_t rej_line[MAXR];
    char rej_msg[MAXR][CELL];
};

static int on_lead(void *ud, const struct ls_lead *lead, uint64_t line, struct ls_err *err)
{
    (void)err;
    struct got *g = ud;
    if (g->n_leads < MAXR) {
        int i = g->n_leads;
        for (int f = 0; f < LS_F_ALL; f++) {
            assert_non_null(lead->f[f]);
            assert_int_equal(strlen(lead->f[f]), lead->len[f]);
            snprintf(g->f[i][f], CELL, "%s", lead->f[f]);
        }
        size_t w = 0;
        for (size_t k = 0; k < lead->n_extra && w < sizeof(g->extra[i]); k++) {
            assert_int_equal(strlen(lead->extra[k]), lead->extra_len[k]);
            w += (size_t)snprintf(g->extra[i] + w, sizeof(g->extra[i]) - w, "%s%s=%s", k ? "|" : "",
                                  lead->extra_name[k], lead->extra[k]);
        }
        g->line[i] = line;
    }
    g->n_leads++;
    return LS_OK;
}

static void on_reject(void *ud, uint64_t line, const char *msg)
{
    struct got *g = ud;
    if (g->n_rej < MAXR) {
        g->rej_line[g->n_rej] = line;
        snprintf(g->rej_msg[g->n_rej], CELL, "%s", msg);
    }
    g->n_rej++;
}

static char *slurp(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof(path), DATADIR "%s", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

struct run {
    int rc;
    struct ls_err err;
    struct ls_csv_stats st;
    bool is_certain;
    json_t *details;
};

/* Parses text in chunks of `chunk` bytes (0 = at once), with an optional dialect. */
static void run_text(const char *text, size_t len, size_t chunk, char delim, const char *enc,
                     struct got *g, struct run *r)
{
    struct ls_csv_limits lim;
    ls_csv_limits_default(&lim);
    memset(g, 0, sizeof(*g));
    memset(r, 0, sizeof(*r));
    struct ls_csv_in *in = ls_csv_in_new(&lim, on_lead, on_reject, g);
    r->rc = ls_csv_in_set_dialect(in, delim, enc, &r->err);
    size_t step = chunk ? chunk : (len ? len : 1);
    for (size_t off = 0; off < len && r->rc == LS_OK; off += step)
        r->rc = ls_csv_in_feed(in, text + off, len - off < step ? len - off : step, &r->err);
    if (r->rc == LS_OK)
        r->rc = ls_csv_in_finish(in, &r->err);
    ls_csv_in_stats(in, &r->st);
    r->is_certain = ls_csv_in_encoding_certain(in);
    r->details = ls_csv_in_details(in);
    ls_csv_in_free(in);
}

/*
 * Reads a data file whole, then one byte at a time and in 7-byte chunks: all
 * three must agree on every lead, rejection and statistic.
 */
static struct got *run_file(const char *name, char delim, const char *enc, struct run *r)
{
    size_t len;
    char *text = slurp(name, &len);
    struct got *g = malloc(sizeof(*g));
    struct got *g2 = malloc(sizeof(*g2));
    run_text(text, len, 0, delim, enc, g, r);
    static const size_t chunks[] = {1, 7};
    for (size_t c = 0; c < 2; c++) {
        struct run r2;
        run_text(text, len, chunks[c], delim, enc, g2, &r2);
        assert_int_equal(r2.rc, r->rc);
        assert_string_equal(r2.err.msg, r->err.msg);
        assert_memory_equal(g, g2, sizeof(*g));
        assert_int_equal(r2.st.delimiter, r->st.delimiter);
        assert_string_equal(r2.st.encoding, r->st.encoding);
        assert_string_equal(r2.st.warning, r->st.warning);
        assert_int_equal(r2.st.skipped_lines, r->st.skipped_lines);
        assert_int_equal(r2.st.lines, r->st.lines);
        json_decref(r2.details);
    }
    free(g2);
    free(text);
    return g;
}

#define MISSING(f) (1u << (f))

/* ---- aliases, one export each ----------------------------------------------------- */

static void test_csv_dialect__hubspot(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("hubspot.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(g->n_leads, 3);
    assert_string_equal(g->f[0][LS_F_NAME], "Ava Patel");
    assert_string_equal(g->f[0][LS_F_ROLE], "Head of Growth");
    assert_string_equal(g->f[0][LS_F_COMPANY], "FlowMetrics");
    assert_string_equal(g->f[0][LS_F_INDUSTRY], "Computer Software");
    assert_string_equal(g->f[0][LS_F_LOCATION], "New York, NY, United States");
    assert_string_equal(g->f[0][LS_F_EMAIL], "ava@flowmetrics.io");
    assert_string_equal(g->f[0][LS_F_EXTERNAL_ID], "51");
    assert_string_equal(g->f[1][LS_F_LOCATION], "Berlin, Germany"); /* empty state skipped */
    assert_string_equal(g->f[2][LS_F_LOCATION], "Japan");
    assert_string_equal(g->f[2][LS_F_ROLE], "");
    assert_string_equal(g->extra[0], "Phone Number=+1 212 555 0101|Lead Status=NEW|Contact "
                                     "owner=Sam Rivera|Create Date=2026-11-02 09:14");
    assert_int_equal(r.st.missing, MISSING(LS_F_BIO) | MISSING(LS_F_LINKEDIN_URL));
    assert_int_equal(r.st.delimiter, ',');
    assert_string_equal(r.st.encoding, "utf-8");
    assert_true(r.is_certain);
    free(g);
}

static void test_csv_dialect__salesforce_report_and_data_loader(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("salesforce_report.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(g->n_leads, 2);
    assert_string_equal(g->f[0][LS_F_COMPANY], "FlowMetrics"); /* Company / Account */
    assert_string_equal(g->f[0][LS_F_ROLE], "Head of Growth");
    assert_string_equal(g->f[0][LS_F_EXTERNAL_ID], "00Q5g00000ABCdE");
    assert_string_equal(g->f[1][LS_F_LOCATION], "Milano, Italy");
    assert_string_equal(g->f[1][LS_F_INDUSTRY], "Manufacturing");
    free(g);
    g = run_file("salesforce_dataloader.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(g->f[0][LS_F_NAME], "Ava Patel"); /* FIRSTNAME + LASTNAME */
    assert_string_equal(g->f[0][LS_F_BIO], "Runs growth at a B2B SaaS company.");
    assert_string_equal(g->f[0][LS_F_EXTERNAL_ID], "00Q5g00000ABCdE");
    assert_string_equal(g->f[0][LS_F_LOCATION], "New York, NY, USA");
    assert_string_equal(g->extra[0], "LEADSOURCE=Web");
    free(g);
}

static void test_csv_dialect__pipedrive_zoho_apollo(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("pipedrive.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(g->f[1][LS_F_NAME], "Noor Haddad");
    assert_string_equal(g->f[1][LS_F_COMPANY], "Sahel Logistics");
    assert_string_equal(g->f[1][LS_F_ROLE], "Operations Director");
    assert_string_equal(g->f[1][LS_F_EMAIL], "noor@sahel.ae");
    assert_string_equal(g->f[1][LS_F_EXTERNAL_ID], "1043");
    /* The name parts lose to the full name, and are kept. */
    assert_non_null(strstr(g->extra[1], "Person - First name=Noor|Person - Last name=Haddad"));
    free(g);
    g = run_file("zoho.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(g->f[0][LS_F_ROLE], "Head of Growth"); /* Designation */
    assert_string_equal(g->f[0][LS_F_EXTERNAL_ID], "zcrm_5011000000123001");
    assert_string_equal(g->f[0][LS_F_BIO], "Met at SaaStr.");
    free(g);
    g = run_file("apollo.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(g->f[0][LS_F_COMPANY], "FlowMetrics");
    assert_string_equal(g->f[0][LS_F_LOCATION], "New York, New York, United States");
    assert_string_equal(g->f[0][LS_F_LINKEDIN_URL], "http://www.linkedin.com/in/ava-patel");
    assert_string_equal(g->f[0][LS_F_EXTERNAL_ID], "64f0c2a1b2c3d4e5f6a7b8c9");
    assert_non_null(strstr(g->extra[0], "Company City=Boston"));
    assert_non_null(strstr(g->extra[0], "# Employees=120"));
    free(g);
}

static void test_csv_dialect__sales_navigator_scraper(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("salesnav_scraper.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(g->f[0][LS_F_NAME], "Ava Patel"); /* fullName beats name */
    assert_string_equal(g->f[0][LS_F_COMPANY], "FlowMetrics");
    assert_string_equal(g->f[0][LS_F_ROLE], "Head of Growth");
    assert_string_equal(g->f[0][LS_F_BIO], "Growth leader scaling B2B SaaS, ex-consultant.");
    assert_string_equal(g->f[0][LS_F_LOCATION], "New York, New York, United States");
    assert_string_equal(g->f[0][LS_F_LINKEDIN_URL], "https://www.linkedin.com/in/ava-patel");
    assert_non_null(strstr(g->extra[0], "|name=Ava Patel|"));
    assert_non_null(strstr(g->extra[0], "profileUrl=https://www.linkedin.com/sales/lead/ACwAAA1"));
    free(g);
}

static void test_csv_dialect__linkedin_connections_preamble(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("linkedin_connections.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(r.st.skipped_lines, 3);
    assert_int_equal(g->n_leads, 2);
    assert_int_equal(g->line[0], 5);
    assert_int_equal(g->line[1], 6);
    assert_string_equal(g->f[0][LS_F_NAME], "Ava Patel");
    assert_string_equal(g->f[0][LS_F_ROLE], "Head of Growth");
    assert_string_equal(g->f[0][LS_F_LINKEDIN_URL], "https://www.linkedin.com/in/ava-patel");
    assert_string_equal(g->f[1][LS_F_EMAIL], "jonas.weber@example.de");
    assert_string_equal(g->extra[1], "Connected On=15 Oct 2026");
    assert_int_equal(r.st.missing, MISSING(LS_F_INDUSTRY) | MISSING(LS_F_LOCATION) |
                                       MISSING(LS_F_BIO) | MISSING(LS_F_EXTERNAL_ID));
    free(g);
}

/* ---- delimiters ------------------------------------------------------------------- */

static void test_csv_dialect__semicolon_cp1252_excel(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("excel_de_semicolon.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(r.st.delimiter, ';');
    assert_string_equal(r.st.encoding, "windows-1252");
    assert_true(r.st.is_cp1252);
    assert_false(r.is_certain);
    assert_string_equal(r.st.warning, ""); /* plausible Windows-1252 */
    assert_string_equal(g->f[0][LS_F_NAME], "Jürgen Müller");
    assert_string_equal(g->f[0][LS_F_COMPANY], "Bäckerei Müller GmbH");
    assert_string_equal(g->extra[0], "Firma=|Umsatz=1,5");
    assert_string_equal(g->f[1][LS_F_NAME], "Zoë Faßbender");
    free(g);
}

static void test_csv_dialect__sep_line_tsv_pipes(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("excel_sep_line.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(r.st.delimiter, ';');
    assert_int_equal(r.st.skipped_lines, 1);
    assert_int_equal(g->line[0], 3);
    assert_string_equal(g->f[0][LS_F_COMPANY], "FlowMetrics, Inc.");
    free(g);
    g = run_file("tsv.tsv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(r.st.delimiter, '\t');
    assert_string_equal(g->f[0][LS_F_COMPANY], "FlowMetrics, Inc.");
    assert_string_equal(g->f[1][LS_F_NAME], "Ben \"The Closer\" Carter");
    free(g);
    g = run_file("pipes.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(r.st.delimiter, '|');
    assert_string_equal(g->f[0][LS_F_COMPANY], "FlowMetrics, Inc.");
    free(g);
}

static void test_csv_dialect__delimiter_forced(void **state)
{
    (void)state;
    struct run r;
    /* ?delimiter=, overrides the sep= line: the header is then one column. */
    struct got *g = run_file("excel_sep_line.csv", ',', NULL, &r);
    assert_int_equal(r.rc, LS_EINVAL);
    assert_non_null(strstr(r.err.msg, "missing required column(s)"));
    json_decref(r.details);
    free(g);
    g = run_file("pipes.csv", '|', NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    free(g);
    char d = 0;
    struct ls_err err = {0};
    assert_int_equal(ls_csv_delimiter_parse("tab", &d, &err), LS_OK);
    assert_int_equal(d, '\t');
    assert_int_equal(ls_csv_delimiter_parse("\\t", &d, &err), LS_OK);
    assert_int_equal(d, '\t');
    assert_int_equal(ls_csv_delimiter_parse("\t", &d, &err), LS_OK);
    assert_int_equal(ls_csv_delimiter_parse(";", &d, &err), LS_OK);
    assert_int_equal(d, ';');
    assert_int_equal(ls_csv_delimiter_parse("::", &d, &err), LS_EINVAL);
    assert_non_null(strstr(err.msg, "delimiter \"::\""));
}

static void test_csv_dialect__tie_goes_to_comma_and_bad_sep(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct run r;
    /* Both splits find name and company: the comma wins the tie. */
    const char *tie = "name;x,company;y\nA;1,B;2\n";
    run_text(tie, strlen(tie), 0, 0, NULL, g, &r);
    assert_int_equal(r.rc, LS_EINVAL); /* "name;x" is no name column */
    json_decref(r.details);
    const char *tie2 = "name,company\nAva;1,Acme;2\n";
    run_text(tie2, strlen(tie2), 0, 0, NULL, g, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(r.st.delimiter, ',');
    assert_string_equal(g->f[0][LS_F_NAME], "Ava;1");
    const char *bad = "sep=#\nname#company\nA#B\n";
    run_text(bad, strlen(bad), 0, 0, NULL, g, &r);
    assert_int_equal(r.rc, LS_EINVAL);
    assert_non_null(strstr(r.err.msg, "\"sep=#\""));
    free(g);
}

/* ---- encodings -------------------------------------------------------------------- */

static void test_csv_dialect__utf16le_excel_unicode_text(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("excel_unicode_text.txt", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(r.st.encoding, "utf-16le");
    assert_true(r.is_certain);
    assert_false(r.st.is_cp1252);
    assert_int_equal(r.st.delimiter, '\t');
    assert_int_equal(g->n_leads, 2);
    assert_int_equal(g->line[1], 3);
    assert_string_equal(g->f[0][LS_F_NAME], "Zoë Faßbender");
    assert_string_equal(g->f[0][LS_F_LOCATION], "Hamburg, Germany");
    assert_string_equal(g->f[1][LS_F_NAME], "田中 美咲");
    assert_string_equal(g->f[1][LS_F_COMPANY], "東京ロケット 🚀"); /* a surrogate pair */
    assert_string_equal(r.st.warning, "");
    free(g);
}

static void test_csv_dialect__utf16_without_bom(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("utf16be_nobom.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(r.st.encoding, "utf-16be");
    assert_false(r.is_certain); /* inferred from the NUL bytes */
    assert_string_equal(g->f[0][LS_F_NAME], "Zoë Faßbender");
    assert_string_equal(g->f[0][LS_F_COMPANY], "Kaffeerösterei 🚀");
    free(g);
    g = run_file("utf16le_nobom.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(r.st.encoding, "utf-16le");
    assert_false(r.is_certain);
    assert_string_equal(g->f[0][LS_F_COMPANY], "Kaffeerösterei 🚀");
    free(g);
}

static void test_csv_dialect__macroman_with_and_without_encoding(void **state)
{
    (void)state;
    struct run r;
    /* Without ?encoding=: stored as Windows-1252, with a warning naming ?encoding=. */
    struct got *g = run_file("macroman.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(r.st.encoding, "windows-1252");
    assert_false(r.is_certain);
    assert_non_null(strstr(r.st.warning, "?encoding="));
    assert_non_null(strstr(r.st.warning, "macintosh"));
    assert_string_equal(g->f[0][LS_F_NAME], "Andr\xC5\xBD Dubois"); /* "AndrŽ": the mojibake */
    free(g);
    /* With it: right, certain, no warning; CR-only lines numbered right. */
    g = run_file("macroman.csv", 0, "macintosh", &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(r.st.encoding, "macintosh");
    assert_true(r.is_certain);
    assert_false(r.st.is_cp1252);
    assert_string_equal(r.st.warning, "");
    assert_string_equal(g->f[0][LS_F_NAME], "André Dubois");
    assert_string_equal(g->f[0][LS_F_COMPANY], "Café Lumière");
    assert_string_equal(g->f[1][LS_F_ROLE], "Geschäftsführer");
    assert_string_equal(g->f[1][LS_F_LOCATION], "Köln");
    assert_int_equal(g->line[1], 3);
    free(g);
}

static void test_csv_dialect__shift_jis(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("shift_jis.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(r.st.encoding, "windows-1252");
    assert_non_null(strstr(r.st.warning, "?encoding="));
    free(g);
    g = run_file("shift_jis.csv", 0, "shift_jis", &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(r.st.encoding, "shift_jis");
    assert_string_equal(g->f[0][LS_F_NAME], "田中 美咲");
    assert_string_equal(g->f[1][LS_F_ROLE], "マーケティング・マネージャー");
    assert_string_equal(r.st.warning, "");
    free(g);
}

static void test_csv_dialect__encoding_errors(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct run r;
    const char *csv = "name,company\nA,B\n";
    run_text(csv, strlen(csv), 0, 0, "klingon-8", g, &r);
    assert_int_equal(r.rc, LS_EINVAL);
    assert_non_null(strstr(r.err.msg, "unknown encoding \"klingon-8\""));
    run_text(csv, strlen(csv), 0, 0, "utf-8//TRANSLIT", g, &r);
    assert_int_equal(r.rc, LS_EINVAL);
    assert_non_null(strstr(r.err.msg, "is not an encoding name"));
    /* Bytes the named encoding lacks: U+FFFD, counted in a warning. */
    const char *bad = "name,company\nA\xFF,B\n";
    run_text(bad, strlen(bad), 0, 0, "utf-8", g, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(g->f[0][LS_F_NAME], "A\xEF\xBF\xBD");
    assert_non_null(strstr(r.st.warning, "1 byte sequence(s) are not valid utf-8"));
    /*
     * What iconv's UTF-8 lets through but RFC 3629 does not (a surrogate, a
     * code point past U+10FFFF) is U+FFFD too, never read as Windows-1252:
     * the file is in the encoding asked for (found by fuzz_csv_in).
     */
    const char *past = "name,company\nA\xED\xA0\x80\xF4\x90\x80\x80,B\n";
    run_text(past, strlen(past), 0, 0, "utf-8", g, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_false(r.st.is_cp1252);
    assert_string_equal(r.st.encoding, "utf-8");
    assert_true(ls_utf8_valid(g->f[0][LS_F_NAME], strlen(g->f[0][LS_F_NAME])));
    assert_non_null(strstr(g->f[0][LS_F_NAME], "\xEF\xBF\xBD"));
    free(g);
}

/* ---- line endings ----------------------------------------------------------------- */

static void test_csv_dialect__cr_only_bad_row_in_the_middle(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("cr_only_bad_row.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(g->n_leads, 4);
    assert_int_equal(g->n_rej, 1);
    assert_int_equal(g->rej_line[0], 4);
    assert_int_equal(g->line[0], 2);
    assert_int_equal(g->line[1], 3);
    assert_int_equal(g->line[2], 5);
    assert_int_equal(g->line[3], 6);
    assert_string_equal(g->f[3][LS_F_NAME], "Dan Wu");
    assert_int_equal(r.st.lines, 6);
    free(g);
}

/* max_row applies per record of a CR-only file, not to the file as one line. */
static void test_csv_dialect__cr_only_max_row_per_record(void **state)
{
    (void)state;
    struct ls_csv_limits lim;
    ls_csv_limits_default(&lim);
    lim.max_row = 64;
    char text[8192];
    size_t w = (size_t)snprintf(text, sizeof(text), "name,role,company\r");
    for (int i = 0; i < 100; i++)
        w += (size_t)snprintf(text + w, sizeof(text) - w, "Lead %d,CEO,Acme\r", i);
    w += (size_t)snprintf(
        text + w, sizeof(text) - w, "%s\r",
        "A very long name that is much longer than the sixty-four byte limit,CEO,Acme");
    w += (size_t)snprintf(text + w, sizeof(text) - w, "Last,CEO,Acme\r");
    struct got *g = malloc(sizeof(*g));
    memset(g, 0, sizeof(*g));
    struct ls_err err = {0};
    struct ls_csv_in *in = ls_csv_in_new(&lim, on_lead, on_reject, g);
    assert_int_equal(ls_csv_in_feed(in, text, w, &err), LS_OK);
    assert_int_equal(ls_csv_in_finish(in, &err), LS_OK);
    ls_csv_in_free(in);
    assert_int_equal(g->n_leads, 101);
    assert_int_equal(g->n_rej, 1);
    assert_int_equal(g->rej_line[0], 102);
    free(g);
}

/* ---- header rules ----------------------------------------------------------------- */

static void test_csv_dialect__optional_columns_and_extras(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("optional_columns.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(g->n_leads, 2);
    assert_string_equal(g->f[0][LS_F_ROLE], "");
    assert_int_equal(r.st.missing, MISSING(LS_F_ROLE) | MISSING(LS_F_INDUSTRY) |
                                       MISSING(LS_F_LOCATION) | MISSING(LS_F_BIO) |
                                       MISSING(LS_F_EMAIL) | MISSING(LS_F_LINKEDIN_URL) |
                                       MISSING(LS_F_EXTERNAL_ID));
    assert_string_equal(g->extra[0], "Notes=met at SaaStr|Notes (2)=call back|column 5=x");
    assert_string_equal(g->extra[1], "Notes=|Notes (2)=|column 5=");
    free(g);
}

static void test_csv_dialect__ambiguous_header(void **state)
{
    (void)state;
    struct run r;
    struct got *g = run_file("ambiguous.csv", 0, NULL, &r);
    assert_int_equal(r.rc, LS_EINVAL);
    assert_non_null(strstr(r.err.msg, "\"Full Name\" and \"fullName\""));
    assert_non_null(r.details);
    assert_string_equal(json_string_value(json_object_get(r.details, "field")), "name");
    assert_int_equal(json_array_size(json_object_get(r.details, "ambiguous")), 2);
    json_decref(r.details);
    free(g);
}

static void test_csv_dialect__required_columns(void **state)
{
    (void)state;
    struct got *g = malloc(sizeof(*g));
    struct run r;
    const char *no_name = "Title,Company\nCEO,Acme\n";
    run_text(no_name, strlen(no_name), 0, 0, NULL, g, &r);
    assert_int_equal(r.rc, LS_EINVAL);
    assert_non_null(strstr(r.err.msg, "missing required column(s): name"));
    assert_int_equal(json_array_size(json_object_get(r.details, "missing")), 1);
    json_decref(r.details);
    const char *no_role = "Name,Email\nAva,a@b.c\n";
    run_text(no_role, strlen(no_role), 0, 0, NULL, g, &r);
    assert_int_equal(r.rc, LS_EINVAL);
    assert_non_null(strstr(r.err.msg, "role or company"));
    assert_int_equal(json_array_size(json_object_get(r.details, "missing")), 2);
    json_decref(r.details);
    const char *parts = "Last Name,First Name,Company\nPatel,Ava,Acme\n";
    run_text(parts, strlen(parts), 0, 0, NULL, g, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(g->f[0][LS_F_NAME], "Ava Patel"); /* first name first */
    /* Punctuation and case: Country/Region = country region = COUNTRY_REGION. */
    const char *punct = "NAME,company,CITY,country_region\nAva,Acme,Berlin,Germany\n";
    run_text(punct, strlen(punct), 0, 0, NULL, g, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_string_equal(g->f[0][LS_F_LOCATION], "Berlin, Germany");
    free(g);
}

/* A preamble longer than 20 lines: the header is not looked for past line 20. */
static void test_csv_dialect__preamble_limit(void **state)
{
    (void)state;
    char text[2048];
    size_t w = 0;
    for (int i = 0; i < 19; i++)
        w += (size_t)snprintf(text + w, sizeof(text) - w, "note %d\n", i);
    w += (size_t)snprintf(text + w, sizeof(text) - w, "name,company\nAva,Acme\n");
    struct got *g = malloc(sizeof(*g));
    struct run r;
    run_text(text, w, 0, 0, NULL, g, &r);
    assert_int_equal(r.rc, LS_OK);
    assert_int_equal(r.st.skipped_lines, 19);
    assert_int_equal(g->line[0], 21);
    char text2[2048];
    w = (size_t)snprintf(text2, sizeof(text2), "note\n%s", text);
    run_text(text2, w, 0, 0, NULL, g, &r);
    assert_int_equal(r.rc, LS_EINVAL); /* the header is on line 21 */
    assert_non_null(strstr(r.err.msg, "\"note\""));
    json_decref(r.details);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_dialect__hubspot),
        cmocka_unit_test(test_csv_dialect__salesforce_report_and_data_loader),
        cmocka_unit_test(test_csv_dialect__pipedrive_zoho_apollo),
        cmocka_unit_test(test_csv_dialect__sales_navigator_scraper),
        cmocka_unit_test(test_csv_dialect__linkedin_connections_preamble),
        cmocka_unit_test(test_csv_dialect__semicolon_cp1252_excel),
        cmocka_unit_test(test_csv_dialect__sep_line_tsv_pipes),
        cmocka_unit_test(test_csv_dialect__delimiter_forced),
        cmocka_unit_test(test_csv_dialect__tie_goes_to_comma_and_bad_sep),
        cmocka_unit_test(test_csv_dialect__utf16le_excel_unicode_text),
        cmocka_unit_test(test_csv_dialect__utf16_without_bom),
        cmocka_unit_test(test_csv_dialect__macroman_with_and_without_encoding),
        cmocka_unit_test(test_csv_dialect__shift_jis),
        cmocka_unit_test(test_csv_dialect__encoding_errors),
        cmocka_unit_test(test_csv_dialect__cr_only_bad_row_in_the_middle),
        cmocka_unit_test(test_csv_dialect__cr_only_max_row_per_record),
        cmocka_unit_test(test_csv_dialect__optional_columns_and_extras),
        cmocka_unit_test(test_csv_dialect__ambiguous_header),
        cmocka_unit_test(test_csv_dialect__required_columns),
        cmocka_unit_test(test_csv_dialect__preamble_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
