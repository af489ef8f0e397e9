/* test_query.c - results query parameters: defaults, every accepted form, every 400. */
#include "ls_test.h"
#include <string.h>

#include "core/query.h"
#include "core/utf8.h"
#include "core/verdict.h"

static void test_query__defaults(void **state)
{
    (void)state;
    struct ls_query_args a = {0};
    struct ls_results_query q;
    assert_int_equal(ls_results_query_parse(&a, &q, NULL), LS_OK);
    assert_int_equal(q.limit, 1000);
    assert_int_equal(q.offset, 0);
    assert_int_equal(q.sort, LS_SORT_SCORE_DESC);
    assert_int_equal(q.min_score, 0);
    assert_int_equal(q.max_score, 100);
    assert_string_equal(q.q, "");
    assert_true(q.intents & (1u << LS_INTENT_HIGH));
    assert_true(q.intents & (1u << LS_INTENT_LOW));
}

static void test_query__accepted(void **state)
{
    (void)state;
    struct ls_query_args a = {.intent = "High,medium",
                              .min_score = "30",
                              .max_score = "90",
                              .q = "  FlowMetrics ",
                              .sort = "company",
                              .limit = "10000",
                              .offset = "20"};
    struct ls_results_query q;
    assert_int_equal(ls_results_query_parse(&a, &q, NULL), LS_OK);
    assert_int_equal(q.intents, (1u << LS_INTENT_HIGH) | (1u << LS_INTENT_MEDIUM));
    assert_int_equal(q.min_score, 30);
    assert_int_equal(q.max_score, 90);
    assert_string_equal(q.q, "flowmetrics");
    assert_int_equal(q.sort, LS_SORT_COMPANY);
    assert_int_equal(q.limit, 10000);
    assert_int_equal(q.offset, 20);
    a = (struct ls_query_args){.sort = "score"};
    assert_int_equal(ls_results_query_parse(&a, &q, NULL), LS_OK);
    assert_int_equal(q.sort, LS_SORT_SCORE_ASC);
}

static void test_query__rejected_naming_the_parameter(void **state)
{
    (void)state;
    struct {
        struct ls_query_args a;
        const char *msg;
    } cases[] = {
        {{.intent = "Hot"}, "intent must be"},
        {{.intent = "High,"}, "intent must be"},
        {{.min_score = "abc"}, "min_score must be"},
        {{.min_score = "-1"}, "min_score must be"},
        {{.max_score = "101"}, "max_score must be"},
        {{.min_score = "80", .max_score = "20"}, "min_score (80) is greater than max_score (20)"},
        {{.sort = "rank"}, "sort must be one of"},
        {{.limit = "0"}, "limit must be an integer from 1 to 10000"},
        {{.limit = "10001"}, "limit must be"},
        {{.limit = "5x"}, "limit must be"},
        {{.offset = "-5"}, "offset must be"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ls_results_query q;
        struct ls_err err = {0};
        assert_int_equal(ls_results_query_parse(&cases[i].a, &q, &err), LS_EINVAL);
        if (strstr(err.msg, cases[i].msg) == NULL) {
            print_error("case %zu: %s\n", i, err.msg);
            fail();
        }
    }
    char longq[300];
    memset(longq, 'q', sizeof(longq) - 1);
    longq[sizeof(longq) - 1] = '\0';
    struct ls_query_args a = {.q = longq};
    struct ls_results_query q;
    struct ls_err err = {0};
    assert_int_equal(ls_results_query_parse(&a, &q, &err), LS_EINVAL);
    assert_non_null(strstr(err.msg, "q must be at most"));
}

static void test_query__ids(void **state)
{
    (void)state;
    long long v;
    assert_true(ls_id_parse("42", &v));
    assert_int_equal(v, 42);
    assert_false(ls_id_parse("0", &v));
    assert_false(ls_id_parse("-3", &v));
    assert_false(ls_id_parse("abc", &v));
    assert_false(ls_id_parse("12abc", &v));
    assert_false(ls_id_parse("", &v));
    assert_false(ls_id_parse(NULL, &v));
    assert_false(ls_id_parse("99999999999999999999", &v));
}

#define E_ACUTE_30 "éééééééééééééééééééééééééééééé" /* 60 bytes */

/*
 * Found by tests/fuzz/fuzz_query.c: the message quoted the raw value cut at a
 * byte count, or not UTF-8 at all (?intent=%FF), and jansson then refused it,
 * so the 400 went out with the body {}. The quote is now valid UTF-8.
 */
static void test_query__messages_quote_values_as_utf8(void **state)
{
    (void)state;
    struct {
        struct ls_query_args a;
        const char *got;
    } cases[] = {
        {{.intent = "\xFF"}, "(got \"ÿ\")"},
        {{.intent = "x" E_ACUTE_30},
         "(got \"x"
         "ééééééééééééééééééééééééééééé\")"},
        {{.min_score = "x" E_ACUTE_30},
         "(got \"x"
         "ééééééééééééééééééé\")"},
        {{.max_score = "\xE9t\xE9"}, "(got \"été\")"},
        {{.sort = "x" E_ACUTE_30},
         "(got \"x"
         "ééééééééééééééééééé\")"},
        {{.limit = "x" E_ACUTE_30},
         "(got \"x"
         "ééééééééééééééééééé\")"},
        {{.offset = "\x80\x81"}, "(got \"€\xEF\xBF\xBD\")"},
    };
    for (size_t i = 0; i < LS_ARRAY_LEN(cases); i++) {
        struct ls_results_query q;
        struct ls_err err = {0};
        assert_int_equal(ls_results_query_parse(&cases[i].a, &q, &err), LS_EINVAL);
        assert_true(ls_utf8_valid(err.msg, strlen(err.msg)));
        if (strstr(err.msg, cases[i].got) == NULL)
            fail_msg("case %zu: %s", i, err.msg);
    }
}

/* Found by tests/fuzz/fuzz_query.c: a rejected page left the defaults in the out-params. */
static void test_query__page_writes_out_params_only_on_success(void **state)
{
    (void)state;
    int limit = -7, offset = -7;
    struct ls_err err = {0};
    assert_int_equal(ls_page_parse("0", NULL, 100, 1000, &limit, &offset, &err), LS_EINVAL);
    assert_int_equal(ls_page_parse(NULL, "-1", 100, 1000, &limit, &offset, &err), LS_EINVAL);
    assert_int_equal(ls_page_parse("5", "x", 100, 1000, &limit, &offset, &err), LS_EINVAL);
    assert_int_equal(limit, -7);
    assert_int_equal(offset, -7);
    assert_int_equal(ls_page_parse(NULL, NULL, 100, 1000, &limit, &offset, &err), LS_OK);
    assert_int_equal(limit, 100);
    assert_int_equal(offset, 0);
    assert_int_equal(ls_page_parse("1000", "1000000000", 100, 1000, &limit, &offset, &err), LS_OK);
    assert_int_equal(limit, 1000);
    assert_int_equal(offset, 1000000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query__defaults),
        cmocka_unit_test(test_query__accepted),
        cmocka_unit_test(test_query__rejected_naming_the_parameter),
        cmocka_unit_test(test_query__ids),
        cmocka_unit_test(test_query__messages_quote_values_as_utf8),
        cmocka_unit_test(test_query__page_writes_out_params_only_on_success),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
