/* test_textidx.c - the text index's edges (its agreement with SQL is test_search's). */
#include "ls_test.h"
#include <string.h>

#include "core/textidx.h"

static void query(struct ls_results_query *q, const char *text, enum ls_sort sort)
{
    ls_results_query_default(q);
    strcpy(q->q, text);
    q->sort = sort;
}

static struct ls_textidx *sample(void)
{
    struct ls_textidx *x = ls_textidx_new(1);
    /* idx, intent, score: the arena grows past its first allocation. */
    assert_int_equal(ls_textidx_add(x, 2, LS_INTENT_LOW, 20, "Ava", 3, "XA", 2, "Bcd", 3), LS_OK);
    assert_int_equal(ls_textidx_add(x, 5, LS_INTENT_HIGH, 90, "ben", 3, "Acme", 4, "CEO", 3),
                     LS_OK);
    assert_int_equal(ls_textidx_add(x, 9, LS_INTENT_MEDIUM, 50, "Cy", 2, "acme", 4, "", 0), LS_OK);
    assert_int_equal(ls_textidx_add(x, 11, LS_INTENT_HIGH, 90, "Ävä", strlen("Ävä"), "", 0, "x", 1),
                     LS_OK);
    return x;
}

static void test_textidx__orders_pages_and_counts(void **state)
{
    (void)state;
    struct ls_textidx *x = sample();
    /* Name order from the store: Ava, ben, Cy, Ävä; idx 7 has no result and is skipped. */
    int64_t by_name[] = {2, 7, 5, 9, 11};
    for (size_t i = 0; i < 5; i++)
        ls_textidx_order_add(x, LS_SORT_NAME, by_name[i]);
    assert_int_equal(ls_textidx_finish(x), LS_OK);
    assert_int_equal(ls_textidx_rows(x), 4);

    struct ls_results_query q;
    int64_t page[8], total;
    size_t n;
    struct ls_score_hist h;
    query(&q, "acme", LS_SORT_SCORE_DESC);
    assert_int_equal(ls_textidx_query(x, &q, &total, &h, page, 8, &n), LS_OK);
    assert_int_equal(total, 2);
    assert_int_equal(n, 2);
    assert_int_equal(page[0], 5); /* 90 before 50 */
    assert_int_equal(page[1], 9);
    assert_int_equal(h.n[LS_INTENT_HIGH - LS_INTENT_LOW][90], 1);
    assert_int_equal(h.n[LS_INTENT_MEDIUM - LS_INTENT_LOW][50], 1);

    query(&q, "acme", LS_SORT_SCORE_ASC);
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 8, &n), LS_OK);
    assert_int_equal(page[0], 9);

    /* Ties by idx; an offset and a limit; the cap bounds the page. */
    query(&q, "x", LS_SORT_SCORE_DESC);
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 8, &n), LS_OK);
    assert_int_equal(total, 2); /* "XA" of idx 2, "x" of idx 11 */
    assert_int_equal(page[0], 11);
    assert_int_equal(page[1], 2);
    q.offset = 1;
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 8, &n), LS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(page[0], 2);
    q.offset = 0;
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 1, &n), LS_OK);
    assert_int_equal(n, 1);

    /* A match never spans two fields: "ava" NUL "xa" NUL "bcd". */
    query(&q, "axa", LS_SORT_SCORE_DESC);
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 8, &n), LS_OK);
    assert_int_equal(total, 0);

    /* lower() is ASCII only: "Ä" is not "ä". */
    query(&q, "äv", LS_SORT_SCORE_DESC);
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 8, &n), LS_OK);
    assert_int_equal(total, 0);
    query(&q, "Äv", LS_SORT_NAME);
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 8, &n), LS_OK);
    assert_int_equal(total, 1);
    assert_int_equal(page[0], 11);

    /* Filters by intent and score; the name order walks the store's order. */
    query(&q, "c", LS_SORT_NAME);
    q.intents = 1u << LS_INTENT_HIGH | 1u << LS_INTENT_LOW;
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 8, &n), LS_OK);
    assert_int_equal(total, 2); /* idx 2 (Bcd), idx 5 (Acme, CEO); not 9 (Medium) */
    assert_int_equal(page[0], 2);
    assert_int_equal(page[1], 5);
    q.min_score = 30;
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 8, &n), LS_OK);
    assert_int_equal(total, 1);

    /* The company order was never given: the store answers that sort. */
    query(&q, "c", LS_SORT_COMPANY);
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 8, &n), LS_ENOTFOUND);
    ls_textidx_free(x);
}

static void test_textidx__rejects_bad_rows_and_partial_orders(void **state)
{
    (void)state;
    struct ls_textidx *x = ls_textidx_new(0);
    assert_int_equal(ls_textidx_add(x, 3, 1, 10, "a", 1, "", 0, "", 0), LS_OK);
    assert_int_equal(ls_textidx_add(x, 3, 1, 10, "a", 1, "", 0, "", 0), LS_EINVAL); /* order */
    assert_int_equal(ls_textidx_add(x, 4, 1, 101, "a", 1, "", 0, "", 0), LS_EINVAL);
    assert_int_equal(ls_textidx_add(x, 5, 1, 10, "b", 1, "", 0, "", 0), LS_OK);
    ls_textidx_order_add(x, LS_SORT_NAME, 5); /* idx 3 missing: the order is dropped */
    assert_int_equal(ls_textidx_finish(x), LS_OK);
    struct ls_results_query q;
    int64_t total;
    size_t n;
    query(&q, "b", LS_SORT_NAME);
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, NULL, 0, &n), LS_ENOTFOUND);
    int64_t page[4];
    query(&q, "", LS_SORT_SCORE_ASC); /* no text: every row the filter keeps */
    q.offset = 1;
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 4, &n), LS_OK);
    assert_int_equal(total, 2);
    assert_int_equal(n, 1);
    assert_int_equal(page[0], 5);
    q.min_score = 11;
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, page, 4, &n), LS_OK);
    assert_int_equal(total, 0);
    assert_true(ls_textidx_bytes(x) > 0);
    ls_textidx_free(x);

    /* An empty index answers every search with nothing. */
    x = ls_textidx_new(0);
    assert_int_equal(ls_textidx_finish(x), LS_OK);
    query(&q, "a", LS_SORT_SCORE_ASC);
    assert_int_equal(ls_textidx_query(x, &q, &total, NULL, NULL, 0, &n), LS_OK);
    assert_int_equal(total, 0);
    ls_textidx_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_textidx__orders_pages_and_counts),
        cmocka_unit_test(test_textidx__rejects_bad_rows_and_partial_orders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
