/*
 * test_decode.c - encoding detection, the streaming decoder (every split of
 * the input gives the same UTF-8), and the Windows-1252 plausibility check.
 */
#include "ls_test.h"
#include <stdlib.h>
#include <string.h>

#include "core/decode.h"

/* Decodes in[0..len) split at every pair of cut points; each must equal the whole. */
static void check_splits(const char *enc, const char *in, size_t len, const char *want,
                         uint64_t want_bad)
{
    for (size_t a = 0; a <= len; a++) {
        for (size_t b = a; b <= len; b++) {
            struct ls_err err = {0};
            struct ls_decoder *d = ls_decoder_new(enc, &err);
            assert_non_null(d);
            struct ls_buf out;
            ls_buf_init(&out, 1 << 20);
            assert_int_equal(ls_decoder_feed(d, in, a, false, &out), LS_OK);
            assert_int_equal(ls_decoder_feed(d, in + a, b - a, false, &out), LS_OK);
            assert_int_equal(ls_decoder_feed(d, in + b, len - b, true, &out), LS_OK);
            assert_string_equal(ls_buf_str(&out), want);
            assert_int_equal(ls_decoder_replaced(d), want_bad);
            ls_buf_release(&out);
            ls_decoder_free(d);
        }
    }
}

static void test_decode__utf16_splits_anywhere(void **state)
{
    (void)state;
    /* BOM, "Zoë", U+1F680 (a surrogate pair), CRLF. */
    static const char le[] = "\xFF\xFE"
                             "Z\0o\0\xEB\0"
                             "\x3D\xD8\x80\xDE\r\0\n\0";
    check_splits("utf-16le", le, sizeof(le) - 1, "Zo\xC3\xAB\xF0\x9F\x9A\x80\r\n", 0);
    static const char be[] = "\0Z\0o\0\xEB\xD8\x3D\xDE\x80";
    check_splits("UTF-16BE", be, sizeof(be) - 1, "Zo\xC3\xAB\xF0\x9F\x9A\x80", 0);
    /* A lone high surrogate, a lone low one, half a unit at the end. */
    static const char bad[] = "A\0\x3D\xD8"
                              "B\0\x80\xDE"
                              "C";
    check_splits("utf-16le", bad, sizeof(bad) - 1,
                 "A\xEF\xBF\xBD"
                 "B\xEF\xBF\xBD\xEF\xBF\xBD",
                 3);
}

static void test_decode__iconv_splits_anywhere(void **state)
{
    (void)state;
    /* Shift_JIS "田中" and a half-width katakana; MacRoman "André". */
    check_splits("shift_jis", "\x93\x63\x92\x86 \xB1", 6, "\xE7\x94\xB0\xE4\xB8\xAD \xEF\xBD\xB1",
                 0);
    check_splits("macintosh", "Andr\x8E", 5, "Andr\xC3\xA9", 0);
    /* A lead byte cut at the very end: U+FFFD. */
    check_splits("shift_jis", "a\x93", 2, "a\xEF\xBF\xBD", 1);
    /* A UTF-8 BOM through iconv is dropped; invalid bytes replaced. */
    check_splits("utf-8", "\xEF\xBB\xBFok\xFF", 6, "ok\xEF\xBF\xBD", 1);
}

static void test_decode__names(void **state)
{
    (void)state;
    struct ls_err err = {0};
    assert_null(ls_decoder_new("no-such-encoding", &err));
    assert_int_equal(err.code, LS_EINVAL);
    assert_non_null(strstr(err.msg, "unknown encoding \"no-such-encoding\""));
    assert_null(ls_decoder_new("", &err));
    assert_null(ls_decoder_new("utf-8//IGNORE", &err));
    assert_non_null(strstr(err.msg, "is not an encoding name"));
    assert_null(ls_decoder_new("abcdefghijklmnopqrstuvwxyz0123456", &err));
    struct ls_decoder *d = ls_decoder_new("ISO-8859-15", &err);
    assert_non_null(d);
    ls_decoder_free(d);
    ls_decoder_free(NULL);
}

static void test_decode__sniff(void **state)
{
    (void)state;
    struct ls_encoding_sniff s;
    ls_encoding_sniff("\xEF\xBB\xBFname", 7, &s);
    assert_string_equal(s.name, "utf-8");
    assert_int_equal(s.bom_len, 3);
    assert_true(s.is_certain);
    ls_encoding_sniff("\xFF\xFEn\0", 4, &s);
    assert_string_equal(s.name, "utf-16le");
    assert_int_equal(s.bom_len, 2);
    ls_encoding_sniff("\xFE\xFF\0n", 4, &s);
    assert_string_equal(s.name, "utf-16be");
    ls_encoding_sniff("n\0a\0m\0e\0,\0", 10, &s);
    assert_string_equal(s.name, "utf-16le");
    assert_false(s.is_certain);
    ls_encoding_sniff("\0n\0a\0m\0e\0,", 10, &s);
    assert_string_equal(s.name, "utf-16be");
    /* A stray NUL in UTF-8 text is not UTF-16. */
    ls_encoding_sniff("name,\0role,company\n", 19, &s);
    assert_null(s.name);
    ls_encoding_sniff("ab", 2, &s);
    assert_null(s.name);
}

static void test_decode__cp1252_doubt(void **state)
{
    (void)state;
    char why[96];
    /* Plausible Windows-1252: accents, O'Brien's apostrophe, a euro sign after a space. */
    assert_false(ls_cp1252_doubtful("M\xFCller", 6, why, sizeof(why)));
    assert_false(ls_cp1252_doubtful("O\x92"
                                    "Brien",
                                    7, why, sizeof(why)));
    assert_false(ls_cp1252_doubtful("5 \x80", 3, why, sizeof(why)));
    assert_false(ls_cp1252_doubtful("\x8Akoda", 5, why, sizeof(why)));
    /* MacRoman: é (0x8E) reads as Ž after a small letter; ß (0xA7) as § between letters. */
    assert_true(ls_cp1252_doubtful("Andr\x8E", 5, why, sizeof(why)));
    assert_non_null(strstr(why, "0x8E"));
    assert_true(ls_cp1252_doubtful("Stra\xA7"
                                   "e",
                                   6, why, sizeof(why)));
    assert_non_null(strstr(why, "symbol between two letters"));
    /* Shift_JIS uses bytes Windows-1252 leaves undefined. */
    assert_true(ls_cp1252_doubtful("\x81\x5B", 2, why, sizeof(why)));
    assert_non_null(strstr(why, "not a Windows-1252 character"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode__utf16_splits_anywhere),
        cmocka_unit_test(test_decode__iconv_splits_anywhere),
        cmocka_unit_test(test_decode__names),
        cmocka_unit_test(test_decode__sniff),
        cmocka_unit_test(test_decode__cp1252_doubt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
