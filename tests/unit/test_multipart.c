/*
 * test_multipart.c - the streaming multipart reader: the same parts and
 * bytes whatever the chunking, delimiters split across chunks, self-
 * overlapping boundaries, and every malformed shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/multipart.h"

/* Records parts as "name|filename|type:" followed by the data and a newline. */
struct rec {
    struct ls_buf out;
};

static int on_begin(void *ud, const struct ls_multipart_part *p, struct ls_err *err)
{
    (void)err;
    struct rec *r = ud;
    ls_buf_printf(&r->out, "[%s|%s|%s]", p->name, p->filename ? p->filename : "(none)",
                  p->content_type);
    return LS_OK;
}

static int on_data(void *ud, const char *d, size_t n, struct ls_err *err)
{
    (void)err;
    struct rec *r = ud;
    ls_buf_add(&r->out, d, n);
    return LS_OK;
}

static int on_end(void *ud, struct ls_err *err)
{
    (void)err;
    struct rec *r = ud;
    ls_buf_adds(&r->out, "{end}");
    return LS_OK;
}

/* Parses body fed in pieces of step bytes; returns the status, *out the record. */
static int run(const char *boundary, const char *body, size_t len, size_t step, char **out,
               struct ls_err *err)
{
    struct rec r;
    ls_buf_init(&r.out, 1 << 20);
    struct ls_multipart *m = ls_multipart_new(boundary, on_begin, on_data, on_end, &r);
    int rc = LS_OK;
    for (size_t i = 0; i < len && rc == LS_OK; i += step)
        rc = ls_multipart_feed(m, body + i, len - i < step ? len - i : step, err);
    if (rc == LS_OK)
        rc = ls_multipart_finish(m, err);
    ls_multipart_free(m);
    *out = ls_buf_steal(&r.out, NULL);
    if (*out == NULL)
        *out = calloc(1, 1);
    return rc;
}

static void test_multipart__same_result_for_every_chunking(void **state)
{
    (void)state;
    const char body[] = "--XyZ\r\n"
                        "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
                        "hello\r\n"
                        "--XyZ\r\n"
                        "Content-Disposition: form-data; name=\"file\"; filename=\"leads.csv\"\r\n"
                        "Content-Type: text/csv\r\n\r\n"
                        "name,role\r\nAva,CEO\r\n--XyQ\r\n-- not a boundary\r\n\r\n-\r\n--X"
                        "\r\n--XyZ--\r\nepilogue";
    const char want[] = "[note|(none)|]hello{end}"
                        "[file|leads.csv|text/csv]name,role\r\nAva,CEO\r\n--XyQ\r\n-- not a "
                        "boundary\r\n\r\n-\r\n--X{end}";
    for (size_t step = 1; step <= sizeof(body); step++) {
        char *out;
        struct ls_err err = {0};
        assert_int_equal(run("XyZ", body, sizeof(body) - 1, step, &out, &err), LS_OK);
        assert_string_equal(out, want);
        free(out);
    }
}

static void test_multipart__self_overlapping_boundaries(void **state)
{
    (void)state;
    /* Boundary "aab": the data holds "\r\n--aaab" prefixes that almost match. */
    const char body[] = "--aab\r\n\r\nx\r\n--aa\r\n--aaab\r\n--aab--";
    for (size_t step = 1; step < sizeof(body); step++) {
        char *out;
        struct ls_err err = {0};
        assert_int_equal(run("aab", body, sizeof(body) - 1, step, &out, &err), LS_OK);
        assert_string_equal(out, "[|(none)|]x\r\n--aa\r\n--aaab{end}");
        free(out);
    }
    const char dashes[] = "----\r\n\r\n-\r\n---\r\n------";
    char *out;
    struct ls_err err = {0};
    assert_int_equal(run("--", dashes, sizeof(dashes) - 1, 1, &out, &err), LS_OK);
    assert_string_equal(out, "[|(none)|]-\r\n---{end}");
    free(out);
}

static void test_multipart__preamble_filename_star_and_padding(void **state)
{
    (void)state;
    const char body[] = "This is a preamble.\r\n--b  \r\n"
                        "content-disposition: form-data; name=file; "
                        "filename*=UTF-8''l%C3%A9ads.csv\r\n\r\n"
                        "data\r\n--b--";
    char *out;
    struct ls_err err = {0};
    assert_int_equal(run("b", body, sizeof(body) - 1, 7, &out, &err), LS_OK);
    assert_string_equal(out, "[file|l\xc3\xa9"
                             "ads.csv|]data{end}");
    free(out);
}

static void test_multipart__large_data_in_one_piece(void **state)
{
    (void)state;
    size_t n = 300000;
    char *body = malloc(n + 100);
    size_t w = (size_t)snprintf(body, 100, "--q\r\nContent-Disposition: form-data; name=f\r\n\r\n");
    memset(body + w, 'z', n);
    w += n;
    w += (size_t)snprintf(body + w, 100, "\r\n--q--\r\n");
    char *out;
    struct ls_err err = {0};
    assert_int_equal(run("q", body, w, w, &out, &err), LS_OK);
    assert_int_equal(strlen(out), strlen("[f|(none)|]") + n + strlen("{end}"));
    free(out);
    free(body);
}

static void test_multipart__malformed_bodies(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",                                       /* no part at all */
        "--b\r\n\r\nnever closed",                /* no closing boundary */
        "--b\r\n\r\nx\r\n--b-x",                  /* a single dash */
        "--b junk\r\n\r\nx\r\n--b--",             /* text after the boundary */
        "--b\r\nno colon here\r\n\r\nx\r\n--b--", /* a header without a colon */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *out;
        struct ls_err err = {0};
        assert_int_equal(run("b", bad[i], strlen(bad[i]), 3, &out, &err), LS_EPARSE);
        assert_non_null(strstr(err.msg, "multipart"));
        free(out);
    }
    /* Header block over its cap. */
    size_t n = LS_MULTIPART_HEADERS_MAX + 100;
    char *big = malloc(n + 32);
    size_t w = (size_t)snprintf(big, 32, "--b\r\nX: ");
    memset(big + w, 'h', n - w);
    char *out;
    struct ls_err err = {0};
    assert_int_equal(run("b", big, n, 4096, &out, &err), LS_EPARSE);
    free(out);
    /* A preamble that never ends. */
    memset(big, 'p', n);
    char *huge = calloc(1, LS_MULTIPART_PREAMBLE_MAX + 10);
    memset(huge, 'p', LS_MULTIPART_PREAMBLE_MAX + 5);
    assert_int_equal(run("b", huge, LS_MULTIPART_PREAMBLE_MAX + 5, 1000, &out, &err), LS_EPARSE);
    free(out);
    free(huge);
    free(big);
}

static int stop_on_data(void *ud, const char *d, size_t n, struct ls_err *err)
{
    (void)ud;
    (void)d;
    (void)n;
    return ls_err_set(err, LS_ELIMIT, "enough");
}

static void test_multipart__a_callback_error_stops_the_reader(void **state)
{
    (void)state;
    struct ls_multipart *m = ls_multipart_new("b", NULL, stop_on_data, NULL, NULL);
    const char body[] = "--b\r\n\r\nabc\r\n--b--";
    struct ls_err err = {0};
    assert_int_equal(ls_multipart_feed(m, body, sizeof(body) - 1, &err), LS_ELIMIT);
    assert_string_equal(err.msg, "enough");
    assert_int_equal(ls_multipart_feed(m, "x", 1, &err), LS_ELIMIT);
    ls_multipart_free(m);
}

static void test_multipart__boundary_parameter(void **state)
{
    (void)state;
    char b[LS_MULTIPART_BOUNDARY_MAX + 1];
    struct ls_err err = {0};
    assert_int_equal(ls_multipart_boundary("multipart/form-data; boundary=abc", b, sizeof(b), &err),
                     LS_OK);
    assert_string_equal(b, "abc");
    assert_int_equal(ls_multipart_boundary("Multipart/Form-Data;charset=x; boundary=\"a b;c\"", b,
                                           sizeof(b), &err),
                     LS_OK);
    assert_string_equal(b, "a b;c");
    assert_int_equal(ls_multipart_boundary("multipart/form-data", b, sizeof(b), &err), LS_EINVAL);
    assert_int_equal(ls_multipart_boundary("multipart/form-data; boundary=", b, sizeof(b), &err),
                     LS_EINVAL);
    assert_int_equal(ls_multipart_boundary("text/csv; boundary=x", b, sizeof(b), &err), LS_EINVAL);
    char longer[200];
    snprintf(longer, sizeof(longer), "multipart/form-data; boundary=%080d", 1);
    assert_int_equal(ls_multipart_boundary(longer, b, sizeof(b), &err), LS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multipart__same_result_for_every_chunking),
        cmocka_unit_test(test_multipart__self_overlapping_boundaries),
        cmocka_unit_test(test_multipart__preamble_filename_star_and_padding),
        cmocka_unit_test(test_multipart__large_data_in_one_piece),
        cmocka_unit_test(test_multipart__malformed_bodies),
        cmocka_unit_test(test_multipart__a_callback_error_stops_the_reader),
        cmocka_unit_test(test_multipart__boundary_parameter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
