/*
 * test_log.c - the logfmt formatter: every %s value is escaped, so no value
 * can break a line, open a key of its own or carry bytes that are not UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sys/log.h"

static void test_log__plain_values_stay_bare(void **state)
{
    (void)state;
    char b[256];
    ls_log_format(b, sizeof(b), "method=%s status=%d bytes=%zu ms=%lld", "GET", 200, (size_t)12,
                  34LL);
    assert_string_equal(b, "method=GET status=200 bytes=12 ms=34");
}

static void test_log__hostile_values_are_escaped(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"", "v=\"\""},
        {"GET /x HTTP/1.1", "v=\"GET /x HTTP/1.1\""},
        {"a\"b", "v=\"a\\\"b\""},
        {"say \"hi\" \\o/", "v=\"say \\\"hi\\\" \\\\o/\""},
        {"line\nlevel=error forged=1", "v=\"line\\nlevel=error forged=1\""},
        {"k=v", "v=\"k=v\""},
        {"cr\rtab\t", "v=\"cr\\x0dtab\\x09\""},
        {"bad\xff\xfe", "v=\"bad\\xff\\xfe\""},
        {"caf\xc3\xa9", "v=\"caf\xc3\xa9\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char b[256];
        ls_log_format(b, sizeof(b), "v=%s", cases[i].in);
        assert_string_equal(b, cases[i].want);
        assert_null(strchr(b, '\n'));
    }
}

static void test_log__long_values_are_cut_on_a_character_boundary(void **state)
{
    (void)state;
    char in[1000], b[2048];
    for (size_t i = 0; i + 2 < sizeof(in); i += 2)
        memcpy(in + i, "\xc3\xa9", 2); /* é */
    in[sizeof(in) - 2] = '\0';
    size_t n = ls_log_format(b, sizeof(b), "v=%s", in);
    assert_true(n < 2 + 2 + LS_LOG_VALUE_MAX + 3 + 1);
    assert_non_null(strstr(b, "...\""));
    /* Every é is whole: the bytes before "..." are an even number of é. */
    const char *start = b + 3, *dots = strstr(b, "...");
    assert_int_equal((size_t)(dots - start) % 2, 0);
}

static void test_log__small_buffers_are_never_overrun(void **state)
{
    (void)state;
    char b[8];
    memset(b, 'x', sizeof(b));
    size_t n = ls_log_format(b, sizeof(b), "key=%s", "a long value");
    assert_true(n < sizeof(b));
    assert_int_equal(b[n], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log__plain_values_stay_bare),
        cmocka_unit_test(test_log__hostile_values_are_escaped),
        cmocka_unit_test(test_log__long_values_are_cut_on_a_character_boundary),
        cmocka_unit_test(test_log__small_buffers_are_never_overrun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
