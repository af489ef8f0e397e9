/*
 * test_scrub.c - secrets, pieces of secrets and key-shaped text are replaced;
 * everything else is left alone; the buffer is never overrun and never cut
 * inside a character.
 */
#include "ls_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/scrub.h"
#include "core/utf8.h"

#define KEY "test-secret-key-0123456789abcdef"

static const char *const one_key[] = {KEY};

/* Scrubs text in a buffer of cap bytes (0: big enough) and returns a static copy. */
static const char *scrubbed(const char *text, size_t cap, const char *const *secrets, size_t n)
{
    static char buf[4096];
    size_t len = strlen(text);
    if (cap == 0)
        cap = sizeof(buf);
    assert_true(len < cap && cap <= sizeof(buf));
    memcpy(buf, text, len + 1);
    size_t got = ls_scrub(buf, len, cap, secrets, n);
    assert_int_equal(got, strlen(buf));
    assert_true(got < cap);
    assert_true(ls_utf8_valid(buf, got));
    return buf;
}

static void test_scrub__table(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"API key not valid: " KEY ".", "API key not valid: [redacted]."},
        {KEY, "[redacted]"},
        {KEY KEY, "[redacted][redacted]"},
        {"a " KEY " b " KEY " c", "a [redacted] b [redacted] c"},
        {"ends in 456789abcdef", "ends in [redacted]"},       /* 12 characters of it */
        {"ends in 56789abcdef", "ends in 56789abcdef"},       /* 11 are not a leak */
        {"xxsecret-key-0123yy", "xx[redacted]yy"},            /* a piece inside other text */
        {"test-sec**********cdef", "test-sec**********cdef"}, /* the usual masked echo */
        {"Bearer " KEY "\n", "Bearer [redacted]\n"},
        {"no secret here", "no secret here"},
        {"", ""},
        /* Key shapes, configured or not. */
        /* A placeholder of a Gemini key's shape, split so no secret scanner takes it for one. */
        {"key AI"
         "za-your-key-here-placeholder-0000 ok",
         "key [redacted] ok"},
        {"key AIza12345678901234567890123456789 ok", "key AIza12345678901234567890123456789 ok"},
        {"sk-proj-your-key-here-placeholder.", "[redacted]."},
        {"sk-your-key-here-12345", "sk-your-key-here-12345"}, /* 19 after the prefix */
        {"\"lsk_ZYXWVUTSRQPONMLKJIHG\"", "\"[redacted]\""},
        {"lsk_ZYXWVUTSRQPONMLKJIH", "lsk_ZYXWVUTSRQPONMLKJIH"},
        {"lsk_ZYXWVUTSRQ-PONMLKJIHG", "lsk_ZYXWVUTSRQ-PONMLKJIHG"},         /* no dash in ours */
        {"task-management-and-reporting", "task-management-and-reporting"}, /* not a word start */
        {"key=sk-your-key-here-placeholder", "key=[redacted]"},
        {"x9lsk_ZYXWVUTSRQPONMLKJIHG", "x9lsk_ZYXWVUTSRQPONMLKJIHG"},
        /* UTF-8 around a secret stays whole. */
        {"clé: " KEY " — fin", "clé: [redacted] — fin"},
    };
    for (size_t i = 0; i < LS_ARRAY_LEN(cases); i++) {
        const char *got = scrubbed(cases[i].in, 0, one_key, 1);
        if (strcmp(got, cases[i].out) != 0) {
            print_error("case %zu: \"%s\" -> \"%s\", want \"%s\"\n", i, cases[i].in, got,
                        cases[i].out);
            fail();
        }
    }
}

static void test_scrub__several_and_short_secrets(void **state)
{
    (void)state;
    const char *const secrets[] = {NULL, "", "abc", "other-secret-value-42"};
    /* A secret shorter than a fragment counts only whole; empty and NULL ones are skipped. */
    assert_string_equal(scrubbed("abcab other-secret-value-42 ab", 0, secrets, 4),
                        "[redacted]ab [redacted] ab");
    assert_string_equal(scrubbed("see: er-secret-valu", 0, secrets, 4), "see: [redacted]");
    assert_string_equal(scrubbed("plain", 0, NULL, 0), "plain");
    /* The mark is longer than "abc": growth stops at the buffer, and what does not fit is
     * cut off rather than left in. */
    assert_string_equal(scrubbed("abc abc abc", 16, secrets, 4), "[redacted] ");
    assert_string_equal(scrubbed("abc", 4, secrets, 4), "");
}

static void test_scrub__cuts_on_characters(void **state)
{
    (void)state;
    /* Grown to the end of the buffer by marks: cut before a character, never inside. */
    const char *const ab[] = {"ab"};
    assert_string_equal(scrubbed("ab€€", 12, ab, 1), "[redacted]");
    assert_string_equal(scrubbed("ab€€", 14, ab, 1), "[redacted]€");
    assert_string_equal(scrubbed("x€ab", 12, ab, 1), "x€");
    /* A piece of a non-ASCII secret that begins inside a character: the whole character
     * goes with it. "Ѷ" (d1 b6) shares its last byte with the secret's "ж" (d0 b6). */
    const char *const cyr[] = {"aaaa\xd0\xb6"
                               "bbbbbbbbbbbcc"};
    assert_string_equal(scrubbed("x\xd1\xb6"
                                 "bbbbbbbbbbbx",
                                 0, cyr, 1),
                        "x[redacted]x");
    /* Invalid bytes pass through as they are (the caller's text, not ours to fix). */
    char raw[64];
    snprintf(raw, sizeof(raw), "a\xff%s", KEY);
    assert_int_equal(ls_scrub(raw, strlen(raw), sizeof(raw), one_key, 1), 12);
    assert_string_equal(raw, "a\xff[redacted]");
    /* cap 0 and a NUL-terminated form. */
    char small[8] = "abc";
    assert_int_equal(ls_scrub_cstr(small, 0, one_key, 1), 0);
    assert_string_equal(small, "abc");
    char msg[64];
    snprintf(msg, sizeof(msg), "key=%s", KEY);
    assert_int_equal(ls_scrub_cstr(msg, sizeof(msg), one_key, 1), strlen("key=[redacted]"));
    assert_string_equal(msg, "key=[redacted]");
}

/* No run of LS_SCRUB_FRAGMENT_MIN characters of the key is left anywhere. */
static void assert_no_fragment(const char *text)
{
    size_t kl = strlen(KEY);
    for (size_t i = 0; i + LS_SCRUB_FRAGMENT_MIN <= kl; i++) {
        char frag[LS_SCRUB_FRAGMENT_MIN + 1];
        memcpy(frag, KEY + i, LS_SCRUB_FRAGMENT_MIN);
        frag[LS_SCRUB_FRAGMENT_MIN] = '\0';
        if (strstr(text, frag)) {
            print_error("\"%s\" left in \"%s\"\n", frag, text);
            fail();
        }
    }
}

/*
 * Generated texts: pieces of the key of every length and position, glued to
 * each other and to words and multi-byte characters, in buffers of every size.
 */
static void test_scrub__no_fragment_survives(void **state)
{
    (void)state;
    static const char *const glue[] = {"", " ", "é", "—", "x", "\n", KEY, "**"};
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    size_t kl = strlen(KEY);
    for (int round = 0; round < 4000; round++) {
        char text[512];
        size_t w = 0;
        for (int piece = 0; piece < 6; piece++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            size_t start = (size_t)(rng % kl), n = (size_t)((rng >> 8) % (kl - start + 1));
            const char *g = glue[(rng >> 16) % LS_ARRAY_LEN(glue)];
            w += (size_t)snprintf(text + w, sizeof(text) - w, "%s%.*s", g, (int)n, KEY + start);
        }
        size_t cap = 1 + (size_t)((rng >> 24) % 400);
        if (w >= cap)
            text[w = ls_utf8_clip(text, w, cap - 1)] = '\0';
        char buf[512];
        memcpy(buf, text, w + 1);
        size_t got = ls_scrub(buf, w, cap, one_key, 1);
        assert_true(got < cap);
        assert_int_equal(got, strlen(buf));
        assert_true(ls_utf8_valid(buf, got));
        assert_no_fragment(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scrub__table),
        cmocka_unit_test(test_scrub__several_and_short_secrets),
        cmocka_unit_test(test_scrub__cuts_on_characters),
        cmocka_unit_test(test_scrub__no_fragment_survives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
