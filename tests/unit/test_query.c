/* test_query.c - results query parameters: defaults, every accepted form, every 400. */
#include "ls_test.h"
#include <string.h>

#include "core/query.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query__defaults),
        cmocka_unit_test(test_query__accepted),
        cmocka_unit_test(test_query__rejected_naming_the_parameter),
        cmocka_unit_test(test_query__ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
