/* test_summary.c - results summaries (issue #8): bins, filters, sums and the JSON shape. */
#include "ls_test.h"
#include <jansson.h>
#include <string.h>

#include "core/summary.h"

static void test_summary__bins_have_tens_and_the_last_holds_100(void **state)
{
    (void)state;
    struct ls_score_hist h;
    memset(&h, 0, sizeof(h));
    static const struct {
        int score, bin;
    } cases[] = {{0, 0}, {9, 0}, {10, 1}, {49, 4}, {50, 5}, {89, 8}, {90, 9}, {99, 9}, {100, 9}};
    for (size_t i = 0; i < LS_ARRAY_LEN(cases); i++)
        ls_score_hist_add(&h, LS_INTENT_MEDIUM, cases[i].score, 1);
    /* Out of range: ignored. */
    ls_score_hist_add(&h, LS_INTENT_NONE, 50, 7);
    ls_score_hist_add(&h, LS_INTENT_HIGH + 1, 50, 7);
    ls_score_hist_add(&h, LS_INTENT_LOW, -1, 7);
    ls_score_hist_add(&h, LS_INTENT_LOW, 101, 7);
    struct ls_results_query q;
    ls_results_query_default(&q);
    struct ls_summary s;
    ls_summary_of(&h, &q, &s);
    assert_int_equal(s.total, (int64_t)LS_ARRAY_LEN(cases));
    static const int64_t want[LS_SUMMARY_BINS] = {2, 1, 0, 0, 1, 1, 0, 0, 1, 3};
    for (int b = 0; b < LS_SUMMARY_BINS; b++) {
        assert_int_equal(s.bins[b].min, 10 * b);
        assert_int_equal(s.bins[b].max, b == 9 ? 100 : 10 * b + 9);
        assert_int_equal(s.bins[b].count, want[b]);
        assert_int_equal(s.bins[b].by_intent[LS_INTENT_MEDIUM - LS_INTENT_LOW], want[b]);
    }
    assert_int_equal(s.counts[LS_INTENT_MEDIUM - LS_INTENT_LOW], s.total);
    assert_int_equal(s.counts[LS_INTENT_LOW - LS_INTENT_LOW], 0);
}

/* A histogram with n[i][s] = (s + 1) * (i + 1): every filter is checked against a plain count. */
static void test_summary__filters_match_a_plain_count(void **state)
{
    (void)state;
    struct ls_score_hist h;
    memset(&h, 0, sizeof(h));
    for (int i = LS_INTENT_LOW; i <= LS_INTENT_HIGH; i++) {
        for (int s = 0; s <= LS_SCORE_MAX; s++)
            ls_score_hist_add(&h, i, s, (s + 1) * i);
    }
    static const struct ls_query_args cases[] = {
        {0},
        {.intent = "High"},
        {.intent = "low,MEDIUM"},
        {.min_score = "90"},
        {.max_score = "9"},
        {.min_score = "37", .max_score = "37"},
        {.intent = "Medium", .min_score = "10", .max_score = "89"},
        {.min_score = "100"},
    };
    for (size_t c = 0; c < LS_ARRAY_LEN(cases); c++) {
        struct ls_results_query q;
        struct ls_err err = {0};
        assert_int_equal(ls_results_query_parse(&cases[c], &q, &err), LS_OK);
        struct ls_summary s;
        ls_summary_of(&h, &q, &s);
        int64_t total = 0, by[3] = {0};
        for (int i = LS_INTENT_LOW; i <= LS_INTENT_HIGH; i++) {
            for (int sc = q.min_score; sc <= q.max_score; sc++) {
                if (q.intents & (1u << i)) {
                    total += (sc + 1) * i;
                    by[i - LS_INTENT_LOW] += (sc + 1) * i;
                }
            }
        }
        assert_int_equal(s.total, total);
        int64_t bins = 0, bins_by[3] = {0};
        for (int b = 0; b < LS_SUMMARY_BINS; b++) {
            const struct ls_summary_bin *bin = &s.bins[b];
            assert_int_equal(bin->count, bin->by_intent[0] + bin->by_intent[1] + bin->by_intent[2]);
            bins += bin->count;
            for (int i = 0; i < 3; i++)
                bins_by[i] += bin->by_intent[i];
            /* A bin outside the score range is empty. */
            if (bin->max < q.min_score || bin->min > q.max_score)
                assert_int_equal(bin->count, 0);
        }
        assert_int_equal(bins, total);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(s.counts[i], by[i]);
            assert_int_equal(bins_by[i], by[i]);
        }
    }
}

static void test_summary__json_shape(void **state)
{
    (void)state;
    struct ls_score_hist h;
    memset(&h, 0, sizeof(h));
    ls_score_hist_add(&h, LS_INTENT_HIGH, 95, 3);
    ls_score_hist_add(&h, LS_INTENT_LOW, 12, 2);
    struct ls_results_query q;
    ls_results_query_default(&q);
    struct ls_summary s;
    ls_summary_of(&h, &q, &s);
    struct ls_buf b;
    ls_buf_init(&b, 4096);
    assert_int_equal(ls_summary_json(&s, 7, "succeeded", &b), LS_OK);
    json_error_t e;
    json_t *j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &e);
    assert_non_null(j);
    const char *want[] = {"job_id", "job_status", "total", "counts", "bins"};
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val)
    {
        (void)val;
        assert_true(i < 5);
        assert_string_equal(key, want[i++]);
    }
    assert_int_equal(json_integer_value(json_object_get(j, "job_id")), 7);
    assert_string_equal(json_string_value(json_object_get(j, "job_status")), "succeeded");
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 5);
    json_t *counts = json_object_get(j, "counts");
    assert_int_equal(json_integer_value(json_object_get(counts, "High")), 3);
    assert_int_equal(json_integer_value(json_object_get(counts, "Medium")), 0);
    assert_int_equal(json_integer_value(json_object_get(counts, "Low")), 2);
    json_t *bins = json_object_get(j, "bins");
    assert_int_equal(json_array_size(bins), 10);
    json_t *last = json_array_get(bins, 9);
    assert_int_equal(json_integer_value(json_object_get(last, "min")), 90);
    assert_int_equal(json_integer_value(json_object_get(last, "max")), 100);
    assert_int_equal(json_integer_value(json_object_get(last, "count")), 3);
    assert_int_equal(json_integer_value(json_object_get(last, "High")), 3);
    json_t *second = json_array_get(bins, 1);
    assert_int_equal(json_integer_value(json_object_get(second, "Low")), 2);
    assert_int_equal(json_object_size(second), 6);
    json_decref(j);
    /* A buffer too small: LS_ELIMIT, never a cut-off object passed as whole. */
    struct ls_buf small;
    ls_buf_init(&small, 64);
    assert_int_equal(ls_summary_json(&s, 7, "succeeded", &small), LS_ELIMIT);
    ls_buf_release(&small);
    ls_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary__bins_have_tens_and_the_last_holds_100),
        cmocka_unit_test(test_summary__filters_match_a_plain_count),
        cmocka_unit_test(test_summary__json_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
