/* test_verdict.c - intent labels, points and reasoning hygiene. */
#include "ls_test.h"
#include <string.h>

#include "core/utf8.h"
#include "core/verdict.h"

static void test_verdict__intent_parse(void **state)
{
    (void)state;
    struct {
        const char *s;
        enum ls_intent want;
    } cases[] = {
        {"High", LS_INTENT_HIGH},     {"high", LS_INTENT_HIGH},     {" HIGH\n", LS_INTENT_HIGH},
        {"Medium", LS_INTENT_MEDIUM}, {"mEdIuM", LS_INTENT_MEDIUM}, {"low", LS_INTENT_LOW},
        {"", LS_INTENT_NONE},         {"Hi", LS_INTENT_NONE},       {"Very High", LS_INTENT_NONE},
        {"Med", LS_INTENT_NONE},      {"Highest", LS_INTENT_NONE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(ls_intent_parse(cases[i].s, strlen(cases[i].s)), cases[i].want);
}

static void test_verdict__points(void **state)
{
    (void)state;
    assert_int_equal(ls_intent_points(LS_INTENT_HIGH), 50);
    assert_int_equal(ls_intent_points(LS_INTENT_MEDIUM), 30);
    assert_int_equal(ls_intent_points(LS_INTENT_LOW), 10);
    assert_int_equal(ls_intent_points(LS_INTENT_NONE), 0);
    assert_string_equal(ls_intent_name(LS_INTENT_MEDIUM), "Medium");
}

static void test_verdict__reasoning_clean(void **state)
{
    (void)state;
    char out[LS_REASON_MAX + 1];
    const char *messy = "  a\tb\n\nc\x01 d  ";
    assert_int_equal(ls_reasoning_clean(messy, strlen(messy), out), 7);
    assert_string_equal(out, "a b c d");
    assert_int_equal(ls_reasoning_clean(" \n\t ", 4, out), 0);
    /* Clipped on a character boundary: 399 ASCII bytes then a 3-byte character. */
    char in[512];
    memset(in, 'x', 399);
    memcpy(in + 399, "\xE2\x82\xAC tail", 8);
    size_t n = ls_reasoning_clean(in, 407, out);
    assert_int_equal(n, 399);
    assert_true(ls_utf8_valid(out, n));
    /* Invalid UTF-8 from a model becomes valid UTF-8. */
    n = ls_reasoning_clean("caf\xE9 ok", 7, out);
    assert_true(ls_utf8_valid(out, n));
    assert_string_equal(out, "café ok");
}

static void test_verdict__utf8_valid(void **state)
{
    (void)state;
    assert_true(ls_utf8_valid("plain", 5));
    assert_true(ls_utf8_valid("\xF0\x9F\x9A\x80", 4));
    assert_false(ls_utf8_valid("\xC0\xAF", 2));         /* overlong */
    assert_false(ls_utf8_valid("\xED\xA0\x80", 3));     /* surrogate */
    assert_false(ls_utf8_valid("\xF4\x90\x80\x80", 4)); /* above U+10FFFF */
    assert_false(ls_utf8_valid("\xE2\x82", 2));         /* truncated */
    assert_false(ls_utf8_valid("abcdefgh\x80", 9));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdict__intent_parse),
        cmocka_unit_test(test_verdict__points),
        cmocka_unit_test(test_verdict__reasoning_clean),
        cmocka_unit_test(test_verdict__utf8_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
