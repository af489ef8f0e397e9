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
    const char *want[] = {"name",       "role",      "company",   "intent",
                          "score",      "reasoning", "industry",  "location",
                          "rule_score", "ai_score",  "breakdown", "ai"};
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val)
    {
        (void)val;
        assert_true(i < 12);
        assert_string_equal(key, want[i++]);
    }
    assert_int_equal(i, 12);
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

static void test_result__csv_quoting_and_formula_guard(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"=SUM(A1)", "'=SUM(A1)"},
        {"+1 555", "'+1 555"},
        {"-2", "'-2"},
        {"@cmd", "'@cmd"},
        {"\tx", "'\tx"},
        {"\rx", "\"'\rx\""},
        {"=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""},
        {"", ""},
        {"a=b", "a=b"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ls_buf b;
        ls_buf_init(&b, 1024);
        assert_int_equal(ls_csv_cell(&b, cases[i].in, strlen(cases[i].in)), LS_OK);
        assert_string_equal(ls_buf_str(&b), cases[i].out);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result__json_keys_in_order),
        cmocka_unit_test(test_result__json_escapes_controls_and_bad_utf8),
        cmocka_unit_test(test_result__csv_quoting_and_formula_guard),
        cmocka_unit_test(test_result__csv_row_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
