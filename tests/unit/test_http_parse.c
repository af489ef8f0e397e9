/*
 * test_http_parse.c - request heads, framing, chunked bodies and URL
 * decoding: what is accepted, and the status and code of everything that is
 * not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/http_parse.h"

#define MAX_HEAD 16384

static int parse(const char *s, struct ls_http_head *h, struct ls_http_error *e)
{
    return ls_http_parse_head(s, strlen(s), MAX_HEAD, h, e);
}

static void test_http_parse__a_simple_request(void **state)
{
    (void)state;
    struct ls_http_head h;
    struct ls_http_error e;
    const char *req = "GET /healthz?x=1 HTTP/1.1\r\nHost: localhost:5000\r\nX-A:  b c \r\n\r\nrest";
    assert_int_equal(parse(req, &h, &e), 1);
    assert_int_equal(h.method_len, 3);
    assert_memory_equal(h.method, "GET", 3);
    assert_int_equal(h.target_len, strlen("/healthz?x=1"));
    assert_int_equal(h.minor, 1);
    assert_int_equal(h.n_fields, 2);
    const struct ls_http_field *f = ls_http_field_get(&h, "x-a");
    assert_non_null(f);
    assert_int_equal(f->value_len, 3);
    assert_memory_equal(f->value, "b c", 3);
    assert_int_equal(h.head_len, strlen(req) - 4);
}

static void test_http_parse__bare_lf_and_leading_empty_lines(void **state)
{
    (void)state;
    struct ls_http_head h;
    struct ls_http_error e;
    assert_int_equal(parse("\r\n\nGET / HTTP/1.0\nA: b\n\n", &h, &e), 1);
    assert_int_equal(h.minor, 0);
    assert_int_equal(h.n_fields, 1);
}

static void test_http_parse__incomplete_heads_ask_for_more(void **state)
{
    (void)state;
    struct ls_http_head h;
    struct ls_http_error e;
    const char *parts[] = {"",
                           "GE",
                           "GET / HTTP/1.1",
                           "GET / HTTP/1.1\r",
                           "GET / HTTP/1.1\r\nHo",
                           "GET / HTTP/1.1\r\nHost: x\r\n",
                           "GET / HTTP/1.1\r\nHost: x\r\n\r"};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        assert_int_equal(parse(parts[i], &h, &e), 0);
}

static void test_http_parse__malformed_heads(void **state)
{
    (void)state;
    static const struct {
        const char *req;
        unsigned status;
        const char *code;
    } cases[] = {
        {"GET\r\n\r\n", 400, "bad_request"},
        {"GET /\r\n\r\n", 400, "bad_request"},
        {"GET  /healthz HTTP/1.1\r\n\r\n", 400, "bad_request"},
        {"GET /healthz HTTP/1.1 extra\r\n\r\n", 400, "bad_request"},
        {"GET /a\x01 HTTP/1.1\r\n\r\n", 400, "bad_request"},
        {"GET / HTTP/2.0\r\n\r\n", 505, "http_version_not_supported"},
        {"GET / HTTP/1.2\r\n\r\n", 505, "http_version_not_supported"},
        {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "http_version_not_supported"},
        {"GET / HTTP/1.10\r\n\r\n", 400, "bad_request"},
        {"GET / http/1.1\r\n\r\n", 400, "bad_request"},
        {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "bad_request"},
        {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, "bad_request"},
        {"GET / HTTP/1.1\r\nA b: c\r\n\r\n", 400, "bad_request"},
        {"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400, "bad_request"},
        {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400, "bad_request"},
        {"GET / HTTP/1.1\r\n: b\r\n\r\n", 400, "bad_request"},
        {"GET / HTTP/1.1\r\nnocolon\r\n\r\n", 400, "bad_request"},
        {"GET\r / HTTP/1.1\r\n\r\n", 400, "bad_request"},
        {"VERYLONGMETHODNAMEOK / HTTP/1.1\r\n\r\n", 400, "bad_request"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ls_http_head h;
        struct ls_http_error e;
        assert_int_equal(parse(cases[i].req, &h, &e), -1);
        assert_int_equal(e.status, cases[i].status);
        assert_string_equal(e.code, cases[i].code);
        assert_true(strlen(e.msg) > 0);
    }
}

static void test_http_parse__nul_in_a_header_is_refused(void **state)
{
    (void)state;
    const char req[] = "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n";
    struct ls_http_head h;
    struct ls_http_error e;
    assert_int_equal(ls_http_parse_head(req, sizeof(req) - 1, MAX_HEAD, &h, &e), -1);
    assert_int_equal(e.status, 400);
}

static void test_http_parse__limits(void **state)
{
    (void)state;
    struct ls_http_head h;
    struct ls_http_error e;
    size_t n = 40000;
    char *big = malloc(n + 64);
    /* A long target: 414, even before the line is complete. */
    memcpy(big, "GET /", 5);
    memset(big + 5, 'a', n);
    assert_int_equal(ls_http_parse_head(big, n, MAX_HEAD, &h, &e), -1);
    assert_int_equal(e.status, 414);
    /* Headers over the cap: 431, complete or not. */
    size_t w = (size_t)snprintf(big, 64, "GET / HTTP/1.1\r\nX-Big: ");
    memset(big + w, 'b', n - w);
    assert_int_equal(ls_http_parse_head(big, n, MAX_HEAD, &h, &e), -1);
    assert_int_equal(e.status, 431);
    assert_string_equal(e.code, "header_too_large");
    memcpy(big + 15000, "\r\n\r\n", 4);
    assert_int_equal(ls_http_parse_head(big, 15004, MAX_HEAD, &h, &e), 1);
    free(big);
    /* More than 100 fields. */
    char many[4096];
    w = (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 101; i++)
        w += (size_t)snprintf(many + w, sizeof(many) - w, "A%d: b\r\n", i);
    snprintf(many + w, sizeof(many) - w, "\r\n");
    assert_int_equal(parse(many, &h, &e), -1);
    assert_int_equal(e.status, 431);
}

static int framing(const char *req, struct ls_http_framing *f, struct ls_http_error *e)
{
    struct ls_http_head h;
    if (parse(req, &h, e) != 1)
        return -2;
    return ls_http_framing_read(&h, f, e);
}

static void test_http_parse__framing(void **state)
{
    (void)state;
    struct ls_http_framing f;
    struct ls_http_error e;
    assert_int_equal(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", &f, &e),
                     0);
    assert_int_equal(f.body, LS_HTTP_BODY_LENGTH);
    assert_int_equal(f.length, 12);
    assert_true(f.keep_alive);
    assert_int_equal(f.host_len, 1);
    assert_int_equal(
        framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", &f,
                &e),
        0);
    assert_int_equal(f.length, 5);
    assert_int_equal(
        framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", &f, &e), 0);
    assert_int_equal(f.body, LS_HTTP_BODY_CHUNKED);
    assert_int_equal(framing("GET / HTTP/1.0\r\n\r\n", &f, &e), 0);
    assert_false(f.keep_alive);
    assert_null(f.host);
    assert_int_equal(framing("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &f, &e), 0);
    assert_true(f.keep_alive);
    assert_int_equal(framing("GET / HTTP/1.1\r\nHost: a\r\nConnection: x, Close\r\n\r\n", &f, &e),
                     0);
    assert_false(f.keep_alive);
    assert_int_equal(framing("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", &f, &e),
                     0);
    assert_true(f.expect_continue);
    assert_int_equal(framing("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", &f, &e), 0);
    assert_false(f.expect_continue); /* no 1xx to HTTP/1.0 */

    static const struct {
        const char *req;
        unsigned status;
    } bad[] = {
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
         "chunked\r\n\r\n",
         400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
         400},
        {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(framing(bad[i].req, &f, &e), -1);
        assert_int_equal(e.status, bad[i].status);
    }
}

/* Decodes a whole chunked body fed in pieces of `step` bytes. */
static int dechunk(const char *in, size_t step, char *out, size_t *out_len, size_t *consumed)
{
    struct ls_http_chunked c;
    struct ls_http_error e;
    ls_http_chunked_init(&c);
    size_t len = strlen(in), pos = 0, w = 0;
    char *copy = malloc(len + 1);
    memcpy(copy, in, len + 1);
    while (pos < len) {
        size_t n = len - pos < step ? len - pos : step, got, used;
        int rc = ls_http_chunked_feed(&c, copy + pos, n, copy + pos, &got, &used, &e);
        if (rc < 0) {
            free(copy);
            return -1;
        }
        memcpy(out + w, copy + pos, got);
        w += got;
        pos += used;
        if (rc == 1) {
            *out_len = w;
            *consumed = pos;
            free(copy);
            return 1;
        }
    }
    free(copy);
    return 0;
}

static void test_http_parse__chunked_bodies(void **state)
{
    (void)state;
    const char *body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
    for (size_t step = 1; step <= 64; step++) {
        char out[64];
        size_t n = 0, used = 0;
        assert_int_equal(dechunk(body, step, out, &n, &used), 1);
        assert_int_equal(n, 12);
        assert_memory_equal(out, "hello, world", 12);
        assert_int_equal(used, strlen(body) - 4); /* NEXT belongs to the next request */
    }
    char out[64];
    size_t n, used;
    /* Whitespace before an extension is allowed (BWS), as is an empty trailer. */
    assert_int_equal(dechunk("3 ;a=\"b c\"\r\nabc\r\n0\t\r\n\r\n", 3, out, &n, &used), 1);
    assert_memory_equal(out, "abc", 3);
    static const char *const bad[] = {
        "zz\r\n",
        "\r\n",
        "5\r\nhelloX\r\n0\r\n\r\n",
        "1000000000000000\r\n",
        "5\rx",
        "0\r\nTrailer\rx\r\n\r\n",
        /* Strict framing: no bare LF anywhere, nothing but ";" after a size. */
        "3\nabc\r\n0\r\n\r\n",
        "3\r\nabc\n0\r\n\r\n",
        "3\r\nabc\r\n0\r\n\n",
        "3\r\nabc\r\n0\r\nT: x\n\r\n",
        "2;\nxx\r\n0\r\n\r\n", /* the "funky chunks" desync */
        "2 x\r\nxx\r\n0\r\n\r\n",
        "2;a\x01\r\nxx\r\n0\r\n\r\n",
        "2;a\x7f\r\nxx\r\n0\r\n\r\n",
        "0\r\nT: \x1b\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(dechunk(bad[i], 2, out, &n, &used), -1);
    /* A NUL in an extension (strlen would stop at it: fed with its length). */
    static const char nul[] = "2;a\0b\r\nxx\r\n0\r\n\r\n";
    struct ls_http_chunked c;
    struct ls_http_error e;
    char buf[sizeof(nul)];
    memcpy(buf, nul, sizeof(nul));
    ls_http_chunked_init(&c);
    assert_int_equal(ls_http_chunked_feed(&c, buf, sizeof(nul) - 1, buf, &n, &used, &e), -1);
    assert_int_equal(e.status, 400);
    /* An endless extension is refused. */
    char ext[2100] = "5;";
    memset(ext + 2, 'e', 2000);
    ext[2002] = '\0';
    assert_int_equal(dechunk(ext, 100, out, &n, &used), -1);
}

static void test_http_parse__url_decoding(void **state)
{
    (void)state;
    char out[64];
    size_t n;
    assert_int_equal(ls_url_decode("a%20b+c", 7, true, out, &n), 0);
    assert_string_equal(out, "a b c");
    assert_int_equal(ls_url_decode("a%20b+c", 7, false, out, &n), 0);
    assert_string_equal(out, "a b+c");
    assert_int_equal(ls_url_decode("5%00abc", 7, true, out, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(out[1], '\0');
    assert_int_equal(ls_url_decode("%FF%fe", 6, false, out, &n), 0);
    assert_int_equal((unsigned char)out[0], 0xFF);
    assert_int_equal(ls_url_decode("%", 1, false, out, &n), -1);
    assert_int_equal(ls_url_decode("%4", 2, false, out, &n), -1);
    assert_int_equal(ls_url_decode("%zz", 3, false, out, &n), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_parse__a_simple_request),
        cmocka_unit_test(test_http_parse__bare_lf_and_leading_empty_lines),
        cmocka_unit_test(test_http_parse__incomplete_heads_ask_for_more),
        cmocka_unit_test(test_http_parse__malformed_heads),
        cmocka_unit_test(test_http_parse__nul_in_a_header_is_refused),
        cmocka_unit_test(test_http_parse__limits),
        cmocka_unit_test(test_http_parse__framing),
        cmocka_unit_test(test_http_parse__chunked_bodies),
        cmocka_unit_test(test_http_parse__url_decoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
