/* test_utf8.c - sequence lengths, validation, and repairing cut or stray bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"

static void test_utf8__sequence_lengths(void **state)
{
    (void)state;
    assert_int_equal(ls_utf8_seq("a", 1), 1);
    assert_int_equal(ls_utf8_seq("\xc3\xa9", 2), 2);
    assert_int_equal(ls_utf8_seq("\xe2\x82\xac", 3), 3);
    assert_int_equal(ls_utf8_seq("\xf0\x9f\x98\x80", 4), 4);
    assert_int_equal(ls_utf8_seq("\xc3", 1), 0);         /* cut */
    assert_int_equal(ls_utf8_seq("\xc0\xaf", 2), 0);     /* overlong */
    assert_int_equal(ls_utf8_seq("\xed\xa0\x80", 3), 0); /* surrogate */
    assert_int_equal(ls_utf8_seq("\x80", 1), 0);         /* stray continuation */
    assert_int_equal(ls_utf8_seq("", 0), 0);
}

static void test_utf8__sanitize(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"caf\xc3\xa9", "caf\xc3\xa9"},
        {"cut \xc3", "cut "}, /* a character cut at the end is dropped */
        {"cut \xe2\x82", "cut "},
        {"stray \xff here", "stray ? here"},     /* a stray byte becomes ? */
        {"near '\\u0\xc3' x", "near '\\u0?' x"}, /* jansson's error text, cut mid-character */
        {"\x80\x80", "??"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char b[64];
        snprintf(b, sizeof(b), "%s", cases[i].in);
        ls_utf8_sanitize(b);
        assert_string_equal(b, cases[i].out);
        assert_true(ls_utf8_valid(b, strlen(b)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8__sequence_lengths),
        cmocka_unit_test(test_utf8__sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
