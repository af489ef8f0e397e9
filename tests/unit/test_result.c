/* test_result.c - JSON and CSV encoders: key order, escaping, quoting, formula guard. */
#include "ls_test.h"
#include <csv.h>
#include <jansson.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/result.h"

static struct ls_result sample(struct ls_verdict *v)
{
    struct ls_result r = {0};
    struct ls_rule_score rs = {.role = 20, .industry = 10, .completeness = 10, .total = 40};
    v->intent = LS_INTENT_HIGH;
    strcpy(v->reasoning, "Because \"quotes\", commas\nand newlines.");
    ls_lead_clear(&r.lead);
    ls_lead_set(&r.lead, LS_F_NAME, "Zoë \"Z\" Ångström");
    ls_lead_set(&r.lead, LS_F_ROLE, "Head of Growth");
    ls_lead_set(&r.lead, LS_F_COMPANY, "=HYPERLINK(\"http://evil\")");
    ls_lead_set(&r.lead, LS_F_INDUSTRY, "B2B SaaS");
    ls_lead_set(&r.lead, LS_F_LOCATION, "São Paulo, BR");
    r.provider = "offline";
    r.model = "";
    ls_result_combine(&r, &rs, v);
    return r;
}

static void test_result__json_keys_in_order(void **state)
{
    (void)state;
    struct ls_verdict v;
    struct ls_result r = sample(&v);
    struct ls_buf b;
    ls_buf_init(&b, 1 << 20);
    assert_int_equal(ls_result_json(&r, &b), LS_OK);
    json_error_t e;
    json_t *j = json_loadb(b.data, b.len, 0, &e);
    assert_non_null(j);
    const char *want[] = {"name",        "role",         "company",     "intent",       "score",
                          "reasoning",   "industry",     "location",    "rule_score",   "ai_score",
                          "breakdown",   "factors",      "ai",          "lead_id",      "line",
                          "email",       "linkedin_url", "external_id", "linkedin_bio", "extra",
                          "duplicate_of"};
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val)
    {
        (void)val;
        assert_true(i < 21);
        assert_string_equal(key, want[i++]);
    }
    assert_int_equal(i, 21);
    assert_true(json_is_null(json_object_get(j, "lead_id"))); /* upload_id 0: not known */
    assert_true(json_is_null(json_object_get(j, "duplicate_of")));
    assert_int_equal(json_object_size(json_object_get(j, "extra")), 0);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "Zoë \"Z\" Ångström");
    assert_int_equal(json_integer_value(json_object_get(j, "score")), 90);
    assert_int_equal(json_integer_value(json_object_get(j, "ai_score")), 50);
    assert_int_equal(json_integer_value(json_object_get(j, "rule_score")), 40);
    assert_string_equal(json_string_value(json_object_get(j, "intent")), "High");
    json_t *ai = json_object_get(j, "ai");
    assert_string_equal(json_string_value(json_object_get(ai, "status")), "ok");
    assert_null(json_object_get(ai, "error"));
    json_decref(j);
    ls_buf_release(&b);
}

static void test_result__json_escapes_controls_and_bad_utf8(void **state)
{
    (void)state;
    struct ls_buf b;
    ls_buf_init(&b, 1024);
    assert_int_equal(ls_json_str(&b, "a\x01\"\\\t\xE9", 6), LS_OK);
    assert_string_equal(b.data, "\"a\\u0001\\\"\\\\\\té\"");
    ls_buf_release(&b);
}

/* Blanks and signs by name, so that the table reads. */
#define BOM     "\xEF\xBB\xBF" /* U+FEFF */
#define NBSP    "\xC2\xA0"     /* U+00A0 */
#define EMSP    "\xE2\x80\x83" /* U+2003 EM SPACE */
#define HAIR    "\xE2\x80\x8A" /* U+200A HAIR SPACE */
#define ZWSP    "\xE2\x80\x8B" /* U+200B ZERO WIDTH SPACE */
#define LRM     "\xE2\x80\x8E" /* U+200E LEFT-TO-RIGHT MARK */
#define RLO     "\xE2\x80\xAE" /* U+202E RIGHT-TO-LEFT OVERRIDE */
#define NNBSP   "\xE2\x80\xAF" /* U+202F NARROW NO-BREAK SPACE */
#define WJ      "\xE2\x81\xA0" /* U+2060 WORD JOINER */
#define IDSP    "\xE3\x80\x80" /* U+3000 IDEOGRAPHIC SPACE */
#define NEL     "\xC2\x85"     /* U+0085 NEXT LINE */
#define FW_EQ   "\xEF\xBC\x9D" /* U+FF1D FULLWIDTH EQUALS SIGN */
#define FW_PLUS "\xEF\xBC\x8B" /* U+FF0B FULLWIDTH PLUS SIGN */
#define FW_MIN  "\xEF\xBC\x8D" /* U+FF0D FULLWIDTH HYPHEN-MINUS */
#define FW_AT   "\xEF\xBC\xA0" /* U+FF20 FULLWIDTH COMMERCIAL AT */
#define SM_EQ   "\xEF\xB9\xA6" /* U+FE66 SMALL EQUALS SIGN */
#define SM_PLUS "\xEF\xB9\xA2" /* U+FE62 SMALL PLUS SIGN */
#define SM_MIN  "\xEF\xB9\xA3" /* U+FE63 SMALL HYPHEN-MINUS */
#define SM_AT   "\xEF\xB9\xAB" /* U+FE6B SMALL COMMERCIAL AT */
#define MINUS   "\xE2\x88\x92" /* U+2212 MINUS SIGN */

static const struct {
    const char *in, *out;
} csv_cells[] = {
    /* left alone */
    {"", ""},
    {"plain", "plain"},
    {"Head of Growth", "Head of Growth"},
    {"São Paulo", "São Paulo"},
    {"a=b", "a=b"},
    {"a-b", "a-b"},
    {"5-3", "5-3"},
    {"1+1", "1+1"},
    {"5", "5"},
    {"x@y.com", "x@y.com"},
    {"'=already text", "'=already text"},
    {" hello", " hello"},
    {"   ", "   "},
    {NBSP, NBSP},
    {BOM "hello", BOM "hello"},
    {NBSP "x=1", NBSP "x=1"},
    {"\xEF\xBC\xA1=1", "\xEF\xBC\xA1=1"},         /* U+FF21 FULLWIDTH A */
    {"\xF0\x9F\x98\x80=1", "\xF0\x9F\x98\x80=1"}, /* an emoji first */
    {"100% -5", "100% -5"},
    /* quoted only (RFC 4180) */
    {"a,b", "\"a,b\""},
    {"say \"hi\"", "\"say \"\"hi\"\"\""},
    {"two\nlines", "\"two\nlines\""},
    {"two\r\nlines", "\"two\r\nlines\""},
    {"a\tb", "\"a\tb\""},
    /* another delimiter could start a formula: quoted */
    {"a;=1+1", "\"a;=1+1\""},
    {"x|=cmd", "\"x|=cmd\""},
    {"a;b", "\"a;b\""},
    {"a|b", "\"a|b\""},
    {"x;" FW_EQ "1", "\"x;" FW_EQ "1\""},
    {"=1;2", "\"'=1;2\""},
    {"@x|y", "\"'@x|y\""},
    /* ASCII signs first */
    {"=SUM(A1)", "'=SUM(A1)"},
    {"+1 555", "'+1 555"},
    {"-2", "'-2"},
    {"-5", "'-5"},
    {"-2+3", "'-2+3"},
    {"-", "'-"},
    {"@cmd", "'@cmd"},
    {"=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""},
    /* TAB, CR, LF first */
    {"\tx", "\"'\tx\""},
    {"\rx", "\"'\rx\""},
    {"\nx", "\"'\nx\""},
    {"\t", "\"'\t\""},
    /* ASCII signs after blanks */
    {" =1+1", "' =1+1"},
    {"   -2+3", "'   -2+3"},
    {" \t=1", "\"' \t=1\""},
    {"\v@x", "'\v@x"},
    {"\f+1", "'\f+1"},
    {BOM "=1+1", "'" BOM "=1+1"},
    {NBSP "+1", "'" NBSP "+1"},
    {EMSP "-1", "'" EMSP "-1"},
    {HAIR "=1", "'" HAIR "=1"},
    {ZWSP "@x", "'" ZWSP "@x"},
    {LRM "=1", "'" LRM "=1"},
    {RLO "=1", "'" RLO "=1"},
    {NNBSP "=1", "'" NNBSP "=1"},
    {WJ "=1", "'" WJ "=1"},
    {IDSP "=1", "'" IDSP "=1"},
    {NEL "=1", "'" NEL "=1"},
    {BOM NBSP " " IDSP "=1", "'" BOM NBSP " " IDSP "=1"},
    /* full-width, small and MINUS SIGN forms, first or after blanks */
    {FW_EQ "1+1", "'" FW_EQ "1+1"},
    {FW_PLUS "1", "'" FW_PLUS "1"},
    {FW_MIN "1", "'" FW_MIN "1"},
    {FW_AT "x", "'" FW_AT "x"},
    {BOM FW_EQ "1", "'" BOM FW_EQ "1"},
    {NBSP FW_PLUS "1", "'" NBSP FW_PLUS "1"},
    {" " FW_MIN "1", "'"
                     " " FW_MIN "1"},
    {IDSP FW_AT "x", "'" IDSP FW_AT "x"},
    {SM_EQ "1", "'" SM_EQ "1"},
    {SM_PLUS "1", "'" SM_PLUS "1"},
    {SM_MIN "1", "'" SM_MIN "1"},
    {SM_AT "x", "'" SM_AT "x"},
    {MINUS "5", "'" MINUS "5"},
    /* not UTF-8: read as Windows-1252 first (0xA0 is NBSP, 0xE9 is é) */
    {"\xA0=1", "'" NBSP "=1"},
    {"caf\xE9", "café"},
    {"caf\xE9;=1", "\"café;=1\""},
};

static void test_result__csv_quoting_and_formula_guard(void **state)
{
    (void)state;
    for (size_t i = 0; i < LS_ARRAY_LEN(csv_cells); i++) {
        struct ls_buf b;
        ls_buf_init(&b, 1024);
        assert_int_equal(ls_csv_cell(&b, csv_cells[i].in, strlen(csv_cells[i].in)), LS_OK);
        if (strcmp(ls_buf_str(&b), csv_cells[i].out) != 0)
            fail_msg("case %zu: \"%s\" gave \"%s\", want \"%s\"", i, csv_cells[i].in,
                     ls_buf_str(&b), csv_cells[i].out);
        ls_buf_release(&b);
    }
}

struct one_cell {
    int fields;
    char text[256];
};

static void cb_cell(void *s, size_t len, void *ud)
{
    struct one_cell *c = ud;
    if (c->fields++ == 0)
        snprintf(c->text, sizeof(c->text), "%.*s", (int)len, (const char *)s);
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* The unquoted value a reader should see: the expected cell without RFC 4180 quoting. */
static void unquote(const char *cell, char *out, size_t cap)
{
    size_t len = strlen(cell), w = 0;
    if (len < 2 || cell[0] != '"') {
        snprintf(out, cap, "%s", cell);
        return;
    }
    for (size_t i = 1; i + 1 < len && w + 1 < cap; i++) {
        out[w++] = cell[i];
        if (cell[i] == '"')
            i++; /* a doubled quote */
    }
    out[w] = '\0';
}

/*
 * Whatever delimiter a spreadsheet splits on (',' ';' '|' TAB), each cell reads
 * back as one cell: the same text, guard included. So no part of a cell can
 * become a cell of its own that starts a formula.
 */
static void test_result__csv_cell_is_one_cell_for_any_delimiter(void **state)
{
    (void)state;
    const unsigned char delims[] = {',', ';', '|', '\t'};
    for (size_t i = 0; i < LS_ARRAY_LEN(csv_cells); i++) {
        struct ls_buf b;
        ls_buf_init(&b, 1024);
        assert_int_equal(ls_csv_cell(&b, csv_cells[i].in, strlen(csv_cells[i].in)), LS_OK);
        char want[256];
        unquote(csv_cells[i].out, want, sizeof(want));
        for (size_t d = 0; d < sizeof(delims); d++) {
            struct csv_parser p;
            struct one_cell c = {0};
            /* Not strict, as spreadsheets are not; no spaces trimmed, as they are data. */
            csv_init(&p, 0);
            csv_set_delim(&p, delims[d]);
            csv_set_space_func(&p, no_space);
            assert_int_equal(csv_parse(&p, b.data, b.len, cb_cell, NULL, &c), b.len);
            csv_fini(&p, cb_cell, NULL, &c);
            csv_free(&p);
            if (b.len == 0)
                continue; /* libcsv reports no field for empty input */
            if (c.fields != 1 || strcmp(c.text, want) != 0)
                fail_msg("case %zu, delimiter 0x%02x: %d fields, first \"%s\"", i, delims[d],
                         c.fields, c.text);
        }
        ls_buf_release(&b);
    }
}

struct parsed {
    int fields;
    char f[16][256];
};

static void cb_field(void *s, size_t len, void *ud)
{
    struct parsed *p = ud;
    if (p->fields < 16)
        snprintf(p->f[p->fields], 256, "%.*s", (int)len, (const char *)s);
    p->fields++;
}

/* An exported row parses back (RFC 4180) to the same values, guard included. */
static void test_result__csv_row_round_trips(void **state)
{
    (void)state;
    struct ls_verdict v;
    struct ls_result r = sample(&v);
    struct ls_buf b;
    ls_buf_init(&b, 1 << 20);
    assert_int_equal(ls_result_csv(&r, &b), LS_OK);
    struct csv_parser p;
    struct parsed out = {0};
    csv_init(&p, CSV_STRICT);
    assert_int_equal(csv_parse(&p, b.data, b.len, cb_field, NULL, &out), b.len);
    csv_fini(&p, cb_field, NULL, &out);
    csv_free(&p);
    assert_int_equal(out.fields, 13);
    assert_string_equal(out.f[0], "Zoë \"Z\" Ångström");
    assert_string_equal(out.f[2], "'=HYPERLINK(\"http://evil\")");
    assert_string_equal(out.f[3], "High");
    assert_string_equal(out.f[4], "90");
    assert_string_equal(out.f[5], "Because \"quotes\", commas\nand newlines.");
    assert_string_equal(out.f[7], "São Paulo, BR");
    assert_string_equal(out.f[12], "10");
    struct ls_buf h;
    ls_buf_init(&h, 1024);
    ls_result_csv_header(&h);
    assert_string_equal(h.data, "name,role,company,intent,score,reasoning,industry,location,"
                                "rule_score,ai_score,role_points,industry_points,"
                                "completeness_points\r\n");
    ls_buf_release(&h);
    ls_buf_release(&b);
}

/* The factors of r as JSON (owned: json_decref). */
static json_t *factors_of(const struct ls_result *r)
{
    struct ls_buf b;
    ls_buf_init(&b, 1 << 20);
    assert_int_equal(ls_result_json(r, &b), LS_OK);
    json_error_t e;
    json_t *j = json_loadb(b.data, b.len, 0, &e);
    assert_non_null(j);
    ls_buf_release(&b);
    json_t *f = json_incref(json_object_get(j, "factors"));
    json_decref(j);
    assert_true(json_is_array(f));
    assert_int_equal(json_array_size(f), 3);
    return f;
}

/* factor i is {name, points, matched (NULL: null), why}. */
static void assert_factor(const json_t *f, size_t i, const char *name, int points,
                          const char *matched, const char *why)
{
    json_t *o = json_array_get(f, i);
    assert_int_equal(json_object_size(o), 4);
    assert_string_equal(json_string_value(json_object_get(o, "factor")), name);
    assert_int_equal(json_integer_value(json_object_get(o, "points")), points);
    json_t *m = json_object_get(o, "matched");
    if (matched)
        assert_string_equal(json_string_value(m), matched);
    else
        assert_true(json_is_null(m));
    assert_string_equal(json_string_value(json_object_get(o, "why")), why);
}

/*
 * Issue #8: factors explain the breakdown, one per rule factor, with the
 * same points; a row from before they were kept (has_factors false) is told
 * from its points, with matched null.
 */
/* Issue #9: a sample with identity fields and two extra columns. */
static const char *const x_names[] = {"Lead Source", "=Owner"};
static const char *const x_vals[] = {"Web \"form\"", "+1 555"};
static const size_t x_lens[] = {10, 6};

static struct ls_result identity_sample(struct ls_verdict *v)
{
    struct ls_result r = sample(v);
    ls_lead_set(&r.lead, LS_F_EMAIL, "zoe@example.com");
    ls_lead_set(&r.lead, LS_F_LINKEDIN_URL, "https://www.linkedin.com/in/zoe");
    ls_lead_set(&r.lead, LS_F_EXTERNAL_ID, "0031x00000AbCdE");
    ls_lead_set(&r.lead, LS_F_BIO, "Bio; with a semicolon");
    r.lead.n_extra = 2;
    r.lead.extra_name = x_names;
    r.lead.extra = x_vals;
    r.lead.extra_len = x_lens;
    r.upload_id = 12;
    r.idx = 7;
    r.line = 9;
    r.is_duplicate = true;
    r.original_idx = 3;
    r.status = LS_AI_DUPLICATE;
    return r;
}

static void test_result__json_carries_identity(void **state)
{
    (void)state;
    struct ls_verdict v;
    struct ls_result r = identity_sample(&v);
    struct ls_buf b;
    ls_buf_init(&b, 1 << 20);
    assert_int_equal(ls_result_json(&r, &b), LS_OK);
    json_t *j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "lead_id")), "12-7");
    assert_int_equal(json_integer_value(json_object_get(j, "line")), 9);
    assert_string_equal(json_string_value(json_object_get(j, "email")), "zoe@example.com");
    assert_string_equal(json_string_value(json_object_get(j, "external_id")), "0031x00000AbCdE");
    assert_string_equal(json_string_value(json_object_get(j, "linkedin_bio")),
                        "Bio; with a semicolon");
    assert_string_equal(json_string_value(json_object_get(j, "duplicate_of")), "12-3");
    json_t *ai = json_object_get(j, "ai");
    assert_string_equal(json_string_value(json_object_get(ai, "status")), "duplicate");
    json_t *extra = json_object_get(j, "extra");
    assert_int_equal(json_object_size(extra), 2);
    assert_string_equal(json_string_value(json_object_get(extra, "Lead Source")), "Web \"form\"");
    assert_string_equal(json_string_value(json_object_get(extra, "=Owner")), "+1 555");
    /* File order: "Lead Source" comes before "=Owner". */
    assert_true(strstr(b.data, "\"Lead Source\"") < strstr(b.data, "\"=Owner\""));
    json_decref(j);
    ls_buf_release(&b);
    assert_int_equal(ls_ai_status_parse("duplicate"), LS_AI_DUPLICATE);
}

static void test_result__cells_of_identity_and_extra_columns(void **state)
{
    (void)state;
    struct ls_verdict v;
    struct ls_result r = identity_sample(&v);
    static const struct {
        enum ls_col c;
        const char *name, *want;
    } cases[] = {
        {LS_COL_LEAD_ID, "lead_id", "12-7"},
        {LS_COL_LINE, "line", "9"},
        {LS_COL_EMAIL, "email", "zoe@example.com"},
        {LS_COL_LINKEDIN_URL, "linkedin_url", "https://www.linkedin.com/in/zoe"},
        {LS_COL_EXTERNAL_ID, "external_id", "0031x00000AbCdE"},
        {LS_COL_EXTRA, "", "Web \"form\""},
        {LS_COL_EXTRA + 1, "", "+1 555"},
        {LS_COL_EXTRA + 2, "", ""}, /* beyond the row's extras: empty */
    };
    struct ls_buf b;
    ls_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ls_buf_reset(&b);
        assert_int_equal(ls_result_cell(&r, cases[i].c, &b), LS_OK);
        assert_string_equal(ls_buf_str(&b), cases[i].want);
        assert_string_equal(ls_col_name(cases[i].c), cases[i].name);
    }
    r.upload_id = 0; /* not known: no lead_id, and no line when 0 */
    r.line = 0;
    ls_buf_reset(&b);
    assert_int_equal(ls_result_cell(&r, LS_COL_LEAD_ID, &b), LS_OK);
    assert_int_equal(ls_result_cell(&r, LS_COL_LINE, &b), LS_OK);
    assert_int_equal(b.len, 0);
    ls_buf_release(&b);
}

static void test_result__columns_default_and_chosen(void **state)
{
    (void)state;
    struct ls_cols c;
    ls_cols_default(&c, x_names, 2);
    assert_int_equal(c.n, 20);
    assert_string_equal(ls_cols_name(&c, 0), "name");
    assert_string_equal(ls_cols_name(&c, 12), "completeness_points");
    assert_string_equal(ls_cols_name(&c, 13), "lead_id");
    assert_string_equal(ls_cols_name(&c, 17), "external_id");
    assert_string_equal(ls_cols_name(&c, 18), "Lead Source");
    assert_string_equal(ls_cols_name(&c, 19), "=Owner");
    ls_cols_release(&c);

    struct ls_err err = {0};
    const char *spec = " external_id,Lead Source , score,email";
    assert_int_equal(ls_cols_parse(&c, spec, strlen(spec), x_names, 2, &err), LS_OK);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.col[0], LS_COL_EXTERNAL_ID);
    assert_int_equal(c.col[1], LS_COL_EXTRA);
    assert_int_equal(c.col[2], LS_COL_SCORE);
    assert_int_equal(c.col[3], LS_COL_EMAIL);
    ls_cols_release(&c);

    /* A built-in name wins over an extra column with the same header. */
    static const char *const clash[] = {"score"};
    assert_int_equal(ls_cols_parse(&c, "score", 5, clash, 1, &err), LS_OK);
    assert_int_equal(c.col[0], LS_COL_SCORE);
    ls_cols_release(&c);

    assert_int_equal(ls_cols_parse(&c, "name,nope", 9, x_names, 2, &err), LS_EINVAL);
    assert_non_null(strstr(err.msg, "unknown column \"nope\""));
    assert_null(c.col);
    assert_int_equal(ls_cols_parse(&c, "lead source", 11, x_names, 2, &err), LS_EINVAL);
    assert_int_equal(ls_cols_parse(&c, " , ", 3, x_names, 2, &err), LS_EINVAL);
    assert_non_null(strstr(err.msg, "columns is empty"));
}

/* Splits one CSV record (no quoted newlines) on delim with libcsv. */
struct cells {
    char v[32][128];
    int n;
};

static void on_cell(void *s, size_t len, void *ud)
{
    struct cells *c = ud;
    snprintf(c->v[c->n++], sizeof(c->v[0]), "%.*s", (int)len, (const char *)s);
}

static void split(const char *line, size_t len, char delim, struct cells *out)
{
    struct csv_parser p;
    memset(out, 0, sizeof(*out));
    assert_int_equal(csv_init(&p, CSV_STRICT | CSV_APPEND_NULL), 0);
    csv_set_delim(&p, (unsigned char)delim);
    assert_int_equal(csv_parse(&p, line, len, on_cell, NULL, out), len);
    csv_fini(&p, on_cell, NULL, out);
    csv_free(&p);
}

static void test_result__csv_dialects_and_chosen_columns(void **state)
{
    (void)state;
    struct ls_verdict v;
    struct ls_result r = identity_sample(&v);
    struct ls_cols c;
    struct ls_err err = {0};
    const char *spec = "external_id,=Owner,name,email,Lead Source";
    assert_int_equal(ls_cols_parse(&c, spec, strlen(spec), x_names, 2, &err), LS_OK);
    struct ls_buf b;
    ls_buf_init(&b, 1 << 20);
    struct ls_csv_dialect plain = {',', false};
    assert_int_equal(ls_result_csv_head(&c, &plain, &b), LS_OK);
    /* The extra header that starts with = is guarded like any cell. */
    assert_string_equal(ls_buf_str(&b), "external_id,'=Owner,name,email,Lead Source\r\n");
    ls_buf_reset(&b);
    assert_int_equal(ls_result_csv_row(&r, &c, &plain, &b), LS_OK);
    assert_string_equal(ls_buf_str(&b), "0031x00000AbCdE,'+1 555,\"Zoë \"\"Z\"\" Ångström\","
                                        "zoe@example.com,\"Web \"\"form\"\"\"\r\n");

    struct ls_csv_dialect excel = {';', true};
    ls_buf_reset(&b);
    assert_int_equal(ls_result_csv_head(&c, &excel, &b), LS_OK);
    assert_memory_equal(b.data,
                        "\xEF\xBB\xBF"
                        "external_id;'=Owner;",
                        23);
    static const char ds[] = {';', '\t', '|', ','};
    for (size_t d = 0; d < sizeof(ds); d++) {
        struct ls_csv_dialect x = {ds[d], true};
        struct ls_result q = identity_sample(&v);
        ls_lead_set(&q.lead, LS_F_NAME, "a;b|c\td,e");
        ls_buf_reset(&b);
        assert_int_equal(ls_result_csv_row(&q, &c, &x, &b), LS_OK);
        assert_true(b.len > 2 && memcmp(b.data + b.len - 2, "\r\n", 2) == 0);
        struct cells cells;
        split(b.data, b.len - 2, ds[d], &cells);
        assert_int_equal(cells.n, 5); /* the delimiter inside a cell never splits it */
        assert_string_equal(cells.v[2], "a;b|c\td,e");
        assert_string_equal(cells.v[1], "'+1 555");
    }
    ls_buf_release(&b);
    ls_cols_release(&c);
}

static void test_result__factors_explain_the_breakdown(void **state)
{
    (void)state;
    struct ls_verdict v;
    struct ls_result r = sample(&v);
    struct ls_rule_score rs = {.role = 20,
                               .industry = 10,
                               .completeness = 0,
                               .total = 30,
                               .role_kind = LS_ROLE_DECISION,
                               .industry_match = LS_IND_ADJACENT,
                               .adjacent_via = LS_ADJ_TOKEN,
                               .role_term = "head",
                               .industry_term = "B2B SaaS mid-market",
                               .missing = (1u << LS_F_LOCATION) | (1u << LS_F_BIO)};
    ls_result_combine(&r, &rs, &v);
    json_t *f = factors_of(&r);
    assert_factor(f, 0, "role", 20, "head", "decision-maker role");
    assert_factor(f, 1, "industry", 10, "B2B SaaS mid-market",
                  "adjacent to the ideal customer profile (a shared word)");
    assert_factor(f, 2, "completeness", 0, NULL, "missing: location, linkedin_bio");
    json_decref(f);

    /* Every kind of match has its own words. */
    static const struct {
        enum ls_role_kind role;
        enum ls_industry_match ind;
        enum ls_adjacent_via via;
        const char *role_why, *ind_why;
    } kinds[] = {
        {LS_ROLE_INFLUENCER, LS_IND_EXACT, LS_ADJ_NONE, "influencer role",
         "matches the ideal customer profile exactly"},
        {LS_ROLE_EXCLUDED, LS_IND_ADJACENT, LS_ADJ_FAMILY, "junior or support role: no points",
         "adjacent to the ideal customer profile (the same family)"},
        {LS_ROLE_OTHER, LS_IND_ADJACENT, LS_ADJ_LIST, "no decision-maker or influencer term",
         "one of the offer's adjacent industries"},
        {LS_ROLE_OTHER, LS_IND_NONE, LS_ADJ_NONE, "no decision-maker or influencer term",
         "outside the ideal customer profile"},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        r.role_kind = kinds[i].role;
        r.industry_match = kinds[i].ind;
        r.adjacent_via = kinds[i].via;
        r.missing = 0;
        f = factors_of(&r);
        assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "why")),
                            kinds[i].role_why);
        assert_string_equal(json_string_value(json_object_get(json_array_get(f, 1), "why")),
                            kinds[i].ind_why);
        assert_string_equal(json_string_value(json_object_get(json_array_get(f, 2), "why")),
                            "all six fields present");
        json_decref(f);
    }

    /* Empty fields are said as such, whatever the kinds. */
    ls_lead_set(&r.lead, LS_F_ROLE, "");
    ls_lead_set(&r.lead, LS_F_INDUSTRY, "");
    r.missing = (1u << LS_F_ROLE) | (1u << LS_F_INDUSTRY);
    f = factors_of(&r);
    assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "why")),
                        "no role given");
    assert_string_equal(json_string_value(json_object_get(json_array_get(f, 1), "why")),
                        "no industry given");
    assert_string_equal(json_string_value(json_object_get(json_array_get(f, 2), "why")),
                        "missing: role, industry");
    json_decref(f);

    /* A row stored before issue #8: the points speak, nothing is claimed as matched. */
    struct ls_result old = sample(&v);
    old.has_factors = false;
    old.role_term = "stale";
    old.industry_term = "stale";
    old.completeness_points = 0;
    old.missing = ls_result_missing_of(&old);
    assert_int_equal(old.missing, 1u << LS_F_BIO); /* the five fields it carries are there */
    f = factors_of(&old);
    assert_factor(f, 0, "role", 20, NULL, "decision-maker role");
    assert_factor(f, 1, "industry", 10, NULL, "adjacent to the ideal customer profile");
    assert_factor(f, 2, "completeness", 0, NULL, "missing: linkedin_bio");
    json_decref(f);
    old.role_points = 0;
    old.industry_points = 20;
    ls_lead_set(&old.lead, LS_F_LOCATION, "");
    old.missing = ls_result_missing_of(&old);
    f = factors_of(&old);
    assert_factor(f, 0, "role", 0, NULL, "not a decision-maker or influencer role");
    assert_factor(f, 1, "industry", 20, NULL, "matches the ideal customer profile exactly");
    assert_factor(f, 2, "completeness", 0, NULL, "missing: location");
    json_decref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result__json_keys_in_order),
        cmocka_unit_test(test_result__factors_explain_the_breakdown),
        cmocka_unit_test(test_result__json_escapes_controls_and_bad_utf8),
        cmocka_unit_test(test_result__csv_quoting_and_formula_guard),
        cmocka_unit_test(test_result__csv_cell_is_one_cell_for_any_delimiter),
        cmocka_unit_test(test_result__csv_row_round_trips),
        cmocka_unit_test(test_result__json_carries_identity),
        cmocka_unit_test(test_result__cells_of_identity_and_extra_columns),
        cmocka_unit_test(test_result__columns_default_and_chosen),
        cmocka_unit_test(test_result__csv_dialects_and_chosen_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
