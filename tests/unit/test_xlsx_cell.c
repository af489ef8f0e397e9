/*
 * test_xlsx_cell.c - the text of an XLSX cell: control characters, line
 * breaks, Excel's _xHHHH_ pattern, Windows-1252 bytes, the 32,767-character
 * cut on character boundaries (both sides of it), and which cells are numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/utf8.h"
#include "core/xlsx_cell.h"

static void check(const char *in, size_t in_len, const char *want, bool want_clipped)
{
    struct ls_buf b;
    ls_buf_init(&b, SIZE_MAX);
    bool clipped = !want_clipped;
    assert_int_equal(ls_xlsx_cell_text(in, in_len, &b, &clipped), LS_OK);
    if (strcmp(ls_buf_str(&b), want) != 0) {
        print_error("cell of \"%.60s\": got \"%.60s\", want \"%.60s\"\n", in, ls_buf_str(&b), want);
        fail();
    }
    assert_int_equal(clipped, want_clipped);
    ls_buf_release(&b);
}

static void test_xlsx_cell__text(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"plain", "plain"},
        {"=1+1", "=1+1"}, /* a string cell is never a formula: no guard needed */
        {"@SUM(A1)", "@SUM(A1)"},
        {"caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80"},
        {"a\tb\nc", "a\tb\nc"},             /* TAB and LF are XML characters */
        {"a\r\nb\rc", "a\nb\nc"},           /* CR LF and lone CR: Excel's line break */
        {"bell\x07!", "bell\xef\xbf\xbd!"}, /* C0 controls are not XML 1.0 */
        {"\x1b[31m", "\xef\xbf\xbd[31m"},
        {"x\xef\xbf\xbey", "x\xef\xbf\xbdy"}, /* U+FFFE is not an XML character */
        {"_x0041_", "_x005F_x0041_"},         /* Excel would show "A" */
        {"a_X00fF_b", "a_x005F_X00fF_b"},
        {"_x004_", "_x004_"}, /* not the pattern: left alone */
        {"_xZZZZ_", "_xZZZZ_"},
        {"caf\xe9 \x80", "caf\xc3\xa9 \xe2\x82\xac"}, /* Windows-1252, as CSV reads it */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check(cases[i].in, strlen(cases[i].in), cases[i].out, false);
    check("a\0b", 3,
          "a\xef\xbf\xbd"
          "b",
          false); /* NUL */
}

/* A string of n copies of unit (ulen bytes), then tail. Owned: free. */
static char *repeat(const char *unit, size_t ulen, size_t n, const char *tail, size_t *len)
{
    size_t tl = strlen(tail);
    char *s = malloc(ulen * n + tl + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * ulen, unit, ulen);
    memcpy(s + ulen * n, tail, tl + 1);
    *len = ulen * n + tl;
    return s;
}

static void clip_case(const char *unit, size_t n, const char *tail, size_t want_bytes,
                      bool want_clipped)
{
    size_t len;
    char *s = repeat(unit, strlen(unit), n, tail, &len);
    struct ls_buf b;
    ls_buf_init(&b, SIZE_MAX);
    bool clipped;
    assert_int_equal(ls_xlsx_cell_text(s, len, &b, &clipped), LS_OK);
    assert_int_equal(b.len, want_bytes);
    assert_int_equal(clipped, want_clipped);
    assert_true(ls_utf8_valid(b.data ? b.data : "", b.len));
    ls_buf_release(&b);
    free(s);
}

static void test_xlsx_cell__clip(void **state)
{
    (void)state;
    const size_t max = LS_XLSX_CELL_MAX;
    clip_case("a", max, "", max, false);                 /* at the limit: whole */
    clip_case("a", max, "b", max, true);                 /* one over: cut */
    clip_case("a", max - 1, "\xc3\xa9", max + 1, false); /* a 2-byte character fits */
    clip_case("a", max - 1, "\xc3\xa9!", max + 1, true);
    /* Never inside a character: 3-byte characters up to the limit, then one more. */
    clip_case("\xe2\x82\xac", max, "", 3 * max, false);
    clip_case("\xe2\x82\xac", max, "\xe2\x82\xac", 3 * max, true);
    /* An emoji is two UTF-16 units: one that would be the 32,768th unit is left out. */
    clip_case("a", max - 1, "\xf0\x9f\x98\x80", max - 1, true);
    clip_case("a", max - 2, "\xf0\x9f\x98\x80", max + 2, false);
    /* Escaped patterns count as written: "_x005F_x0041_" is 13 characters (Excel shows 7). */
    clip_case("_x0041_", max / 13, "", (max / 13) * 13, false);
    clip_case("_x0041_", max / 13 + 1, "", max, true); /* cut after the next escape */
    /* A CR LF at the cut is one character. */
    clip_case("a", max - 1, "\r\n", max, false);
}

static void test_xlsx_cell__number(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
        double v;
    } cases[] = {
        {"0", true, 0},
        {"42", true, 42},
        {"-7", true, -7},
        {"100", true, 100},
        {"", false, 0},
        {"-", false, 0},
        {"+1", false, 0},
        {"01", false, 0},
        {"-0", false, 0},
        {"1.5", false, 0},
        {" 1", false, 0},
        {"1 ", false, 0},
        {"1e3", false, 0},
        {"=1+1", false, 0},
        {"999999999999999", true, 999999999999999.0},
        {"1000000000000000", false, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v = -1;
        bool ok = ls_xlsx_cell_number(cases[i].s, strlen(cases[i].s), &v);
        if (ok != cases[i].ok || (ok && v != cases[i].v)) {
            print_error("\"%s\": got %d %g\n", cases[i].s, ok, v);
            fail();
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xlsx_cell__text),
        cmocka_unit_test(test_xlsx_cell__clip),
        cmocka_unit_test(test_xlsx_cell__number),
    };
    return cmocka_run_group_tests_name("xlsx_cell", tests, NULL, NULL);
}
